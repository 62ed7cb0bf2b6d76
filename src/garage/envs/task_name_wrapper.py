"""A wrapper that labels every step with its task."""

import dataclasses
from typing import Any

from garage._environment import Environment, EnvStep, Wrapper


class TaskNameWrapper(Wrapper):
    """Add the task's name, and optionally its id, to every ``env_info``.

    Args:
        env: The environment to wrap.
        task_name: The name of the task, stored as ``'task_name'``.
        task_id: The id of the task, stored as ``'task_id'`` unless None.

    """

    def __init__(self, env: Environment, *, task_name: str, task_id: int | None = None):
        super().__init__(env)
        self._task_info: dict[str, Any] = {'task_name': task_name}
        if task_id is not None:
            self._task_info['task_id'] = task_id

    def step(self, action: Any) -> EnvStep:
        """Step the wrapped environment and label the step.

        Args:
            action: An action provided by the agent.

        Returns:
            The wrapped environment's step, with ``task_name`` (and
                ``task_id``) added to a copy of its ``env_info``.

        """
        es = self._env.step(action)
        return dataclasses.replace(es, env_info={**es.env_info, **self._task_info})
