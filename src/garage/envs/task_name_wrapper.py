"""A wrapper that labels every step with its task."""

import dataclasses

from garage._environment import Wrapper


class TaskNameWrapper(Wrapper):
    """Add the task's name, and optionally its id, to every ``env_info``.

    Args:
        env (Environment): The environment to wrap.
        task_name (str): The name of the task, stored as ``'task_name'``.
        task_id (int or None): The id of the task, stored as ``'task_id'``
            unless None.

    """

    def __init__(self, env, *, task_name, task_id=None):
        super().__init__(env)
        self._task_info = {'task_name': task_name}
        if task_id is not None:
            self._task_info['task_id'] = task_id

    def step(self, action):
        """Step the wrapped environment and label the step.

        Args:
            action (np.ndarray): An action provided by the agent.

        Returns:
            EnvStep: The wrapped environment's step, with ``task_name``
                (and ``task_id``) added to a copy of its ``env_info``.

        """
        es = self._env.step(action)
        return dataclasses.replace(es,
                                   env_info={
                                       **es.env_info,
                                       **self._task_info
                                   })
