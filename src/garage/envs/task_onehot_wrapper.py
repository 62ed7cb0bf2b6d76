"""A wrapper that appends a one-hot task encoding to observations."""

import functools
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage._environment import Environment, EnvStep, Wrapper
from garage._legacy_gym import akro


class TaskOnehotWrapper(Wrapper):
    """Append a one-hot encoding of the task to every observation.

    The wrapped environment's ``Box`` observations are flattened and
    followed by ``n_total_tasks`` entries, all 0 but a 1 at ``task_index``.
    Each step's ``env_info`` also gets the ``task_id``.

    Args:
        env: The environment to wrap; its observation space must be a
            ``Box``.
        task_index: The index of this task, in ``[0, n_total_tasks)``.
        n_total_tasks: The number of tasks, the one-hot's length.

    Raises:
        ValueError: If ``n_total_tasks`` is not a positive integer,
            ``task_index`` is not in ``[0, n_total_tasks)``, or the
            observation space is not a ``Box``.

    """

    def __init__(self, env: Environment, task_index: int, n_total_tasks: int):
        super().__init__(env)
        n_total_tasks = _validation.positive_int('n_total_tasks', n_total_tasks)
        task_index = _validation.non_negative_int('task_index', task_index)
        if task_index >= n_total_tasks:
            raise ValueError(
                f'task_index must be less than n_total_tasks, {n_total_tasks}, '
                f'got {task_index}'
            )
        inner = env.observation_space
        if not isinstance(inner, akro.Box):
            raise ValueError(
                f'TaskOnehotWrapper needs a Box observation space, not {inner}'
            )
        self._task_index = task_index
        self._n_total_tasks = n_total_tasks
        self._one_hot = np.zeros(self._n_total_tasks, dtype=inner.dtype)
        self._one_hot[self._task_index] = 1
        self._observation_space = akro.Box(
            low=np.concatenate([inner.low.ravel(), np.zeros_like(self._one_hot)]),
            high=np.concatenate([inner.high.ravel(), np.ones_like(self._one_hot)]),
            dtype=inner.dtype,
        )
        self._spec = EnvSpec(
            action_space=env.action_space,
            observation_space=self._observation_space,
            max_episode_length=env.spec.max_episode_length,
        )

    @property
    def observation_space(self) -> akro.Box:
        """The flattened observation space, then the one-hot."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    def reset(self) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the wrapped environment.

        Returns:
            The first observation with the one-hot appended, and the
                episode-level information.

        """
        first_obs, episode_info = self._env.reset()
        return self._obs_with_one_hot(first_obs), episode_info

    def step(self, action: Any) -> EnvStep:
        """Step the wrapped environment.

        Args:
            action: An action provided by the agent.

        Returns:
            The step, with the one-hot appended to the observation and
                ``task_id`` added to ``env_info``.

        """
        es = self._env.step(action)
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=es.reward,
            observation=self._obs_with_one_hot(es.observation),
            env_info={**es.env_info, 'task_id': self._task_index},
            step_type=es.step_type,
        )

    def _obs_with_one_hot(self, obs: np.ndarray) -> np.ndarray:
        """Flatten an observation and append the one-hot.

        Args:
            obs: An observation of the wrapped environment.

        Returns:
            The observation in this wrapper's space.

        """
        return np.concatenate([np.ravel(obs), self._one_hot]).astype(
            self._one_hot.dtype, copy=False
        )

    @classmethod
    def wrap_env_list(cls, envs: Sequence[Environment]) -> list[Self]:
        """Wrap a list of environments, giving each its index as task.

        Args:
            envs: The environments to wrap.

        Returns:
            The wrapped environments.

        """
        n_total_tasks = len(envs)
        return [
            cls(env, task_index=i, n_total_tasks=n_total_tasks)
            for i, env in enumerate(envs)
        ]

    @classmethod
    def wrap_env_cons_list(
        cls,
        env_cons: Sequence[Callable[[], Environment]],
    ) -> list[Callable[[], 'TaskOnehotWrapper']]:
        """Wrap a list of environment constructors, without calling them.

        Args:
            env_cons: The constructors.

        Returns:
            Constructors of the wrapped environments, each giving its index
                as task. They pickle whenever the given constructors do.

        """
        n_total_tasks = len(env_cons)
        return [
            functools.partial(_construct_wrapped, cls, env_con, i, n_total_tasks)
            for i, env_con in enumerate(env_cons)
        ]


def _construct_wrapped(
    cls: type[TaskOnehotWrapper],
    env_con: Callable[[], Environment],
    task_index: int,
    n_total_tasks: int,
) -> TaskOnehotWrapper:
    """Construct an environment and wrap it.

    Args:
        cls: The wrapper class.
        env_con: The constructor.
        task_index: The index of the task.
        n_total_tasks: The number of tasks.

    Returns:
        The wrapped environment.

    """
    return cls(env_con(), task_index=task_index, n_total_tasks=n_total_tasks)
