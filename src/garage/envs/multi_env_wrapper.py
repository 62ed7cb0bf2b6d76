"""A wrapper that samples one of several environments at each reset."""

import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage._environment import Environment, EnvStep, Wrapper
from garage._legacy_gym import akro

_MODES = ('vanilla', 'add-onehot', 'del-onehot')


def round_robin_strategy(num_tasks: int, last_task: int | None = None) -> int:
    """Sample the tasks in order, starting from 0.

    Args:
        num_tasks: The number of tasks.
        last_task: The previous task, or None before the first.

    Returns:
        The next task index.

    """
    if last_task is None:
        return 0
    return (last_task + 1) % num_tasks


def uniform_random_strategy(num_tasks: int, _: int | None) -> int:
    """Sample a task uniformly at random.

    Draws from Python's global ``random`` state, which
    ``garage.experiment.deterministic.set_seed`` seeds.

    Args:
        num_tasks: The number of tasks.
        _: The previous task, ignored.

    Returns:
        A task index in ``[0, num_tasks)``.

    """
    return random.randint(0, num_tasks - 1)


class MultiEnvWrapper(Wrapper):
    """Present several environments as one multi-task environment.

    Each `reset` chooses the active task with ``sample_strategy`` and
    the episode then runs in that task's environment (see `seed` for
    where a seeded copy starts). Every step's
    ``env_info`` has the active ``task_id`` (unless the task's environment
    already provides one) and, with ``env_names``, its ``task_name``.

    The observations depend on ``mode``:

    * ``'add-onehot'``: a one-hot encoding of the active task is appended;
    * ``'del-onehot'``: the last ``num_tasks`` entries, a one-hot that the
      environments append themselves (see ``TaskOnehotWrapper``), are
      removed;
    * ``'vanilla'``: observations are left alone.

    Args:
        envs: The task environments. They must have action spaces of the
            same type and shape, and observation spaces of the same type and
            shape.
        sample_strategy: Given the number of tasks and the previous task
            (None at first), returns the next task, for example
            `round_robin_strategy` or `uniform_random_strategy`.
        mode: ``'add-onehot'``, ``'del-onehot'`` or ``'vanilla'``.
        env_names: A unique name per environment, or None.

    Raises:
        ValueError: If ``envs`` is empty, ``mode`` or ``env_names`` is
            invalid, the spaces of the environments differ, or the mode
            needs a one-dimensional ``Box`` observation space and the
            environments do not have one.

    """

    def __init__(
        self,
        envs: Sequence[Environment],
        sample_strategy: Callable[[int, int | None], int] = uniform_random_strategy,
        mode: str = 'add-onehot',
        env_names: Sequence[str] | None = None,
    ):
        if len(envs) == 0:
            raise ValueError('MultiEnvWrapper needs at least one env, got none')
        super().__init__(envs[0])
        _validation.one_of('mode', mode, _MODES)
        if env_names is not None and (
            len(env_names) != len(envs) or len(set(env_names)) != len(envs)
        ):
            raise ValueError(
                f'env_names must hold one unique name per env '
                f'({len(envs)} envs), got {env_names!r}'
            )
        _check_spaces(envs)
        self._task_envs = list(envs)
        self._sample_strategy = sample_strategy
        self._mode = mode
        self._env_names = None if env_names is None else list(env_names)
        self._active_task_index: int | None = None
        # the task the strategy is told came before the next reset's
        self._previous_task: int | None = None
        self._observation_space = self._make_observation_space()
        self._task_space = akro.Box(
            low=0.0, high=1.0, shape=(self.num_tasks,), dtype=np.float32
        )
        self._specs = [
            EnvSpec(
                observation_space=self._observation_space,
                action_space=env.action_space,
                max_episode_length=env.spec.max_episode_length,
            )
            for env in self._task_envs
        ]

    def _make_observation_space(self) -> akro.Space:
        """The observation space after adding or removing the one-hot.

        Returns:
            This wrapper's observation space.

        Raises:
            ValueError: If the mode needs a one-dimensional ``Box``
                observation space and the environments do not have one.

        """
        inner = self._env.observation_space
        if self._mode == 'vanilla':
            return inner
        if not isinstance(inner, akro.Box) or len(inner.shape) != 1:
            raise ValueError(
                f'mode {self._mode!r} needs a one-dimensional '
                f'Box observation space, not {inner}'
            )
        n = self.num_tasks
        if self._mode == 'add-onehot':
            return akro.Box(
                low=np.concatenate([inner.low, np.zeros(n, inner.dtype)]),
                high=np.concatenate([inner.high, np.ones(n, inner.dtype)]),
                dtype=inner.dtype,
            )
        if inner.shape[0] <= n:
            raise ValueError(
                f"mode 'del-onehot' removes a one-hot of "
                f'{n} entries, but the observations have only '
                f'{inner.shape[0]}'
            )
        return akro.Box(low=inner.low[:-n], high=inner.high[:-n], dtype=inner.dtype)

    @property
    def num_tasks(self) -> int:
        """The number of tasks."""
        return len(self._task_envs)

    @property
    def task_space(self) -> akro.Box:
        """The space of the one-hot task encodings."""
        return self._task_space

    @property
    def active_task_index(self) -> int | None:
        """The index of the active task, or None before the first reset."""
        return self._active_task_index

    @property
    def observation_space(self) -> akro.Space:
        """The observation space, per ``mode``."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The specification, with the active task's time limit."""
        return self._specs[self._active_task_index or 0]

    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Sample the active task and reset its environment.

        Returns:
            The first observation, per ``mode``, and the episode-level
                information.

        """
        self._active_task_index = self._sample_strategy(
            self.num_tasks, self._previous_task
        )
        self._previous_task = self._active_task_index
        self._env = self._task_envs[self._active_task_index]
        obs, episode_info = self._env.reset()
        return self._process_obs(obs), episode_info

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled wrapper, one pickled before `seed` existed too.

        Args:
            state: The pickled attributes.

        """
        state.setdefault('_previous_task', state.get('_active_task_index'))
        self.__dict__.update(state)

    def seed(self, seed: int) -> None:
        """Seed every task's environment, and choose where the task cycle starts.

        Task ``i``'s environment is seeded with ``seed + i`` (one without a
        ``seed`` method is left alone). The next `reset` then tells the
        sample strategy that the previous task was the one before
        ``seed % num_tasks``: with `round_robin_strategy` the cycle
        starts at that task, so that the copies of this wrapper that a
        sampler seeds differently (one per worker, and one per environment
        of a ``VecWorker`` or ``FragmentWorker``) do not all run task 0
        first, then task 1, in step.

        Args:
            seed: The seed.

        """
        seed = int(seed)
        for i, env in enumerate(self._task_envs):
            env_seed = getattr(env, 'seed', None)
            if callable(env_seed):
                env_seed((seed + i) % 2**32)
        self._previous_task = (seed - 1) % self.num_tasks

    def step(self, action: Any) -> EnvStep:
        """Step the active task's environment.

        Args:
            action: An action provided by the agent.

        Returns:
            The step, with the observation per ``mode`` and the task added
                to ``env_info``.

        Raises:
            RuntimeError: If `reset` has never been called.

        """
        if self._active_task_index is None:
            raise RuntimeError('reset() must be called before step()')
        es = self._env.step(action)
        env_info = dict(es.env_info)
        env_info.setdefault('task_id', self._active_task_index)
        if self._env_names is not None:
            env_info['task_name'] = self._env_names[self._active_task_index]
        return EnvStep(
            env_spec=self.spec,
            action=action,
            reward=es.reward,
            observation=self._process_obs(es.observation),
            env_info=env_info,
            step_type=es.step_type,
        )

    def close(self) -> None:
        """Close every task's environment."""
        for env in self._task_envs:
            env.close()

    def _process_obs(self, obs: Any) -> Any:
        """Add or remove the one-hot, per ``mode``.

        Args:
            obs: An observation of the active environment.

        Returns:
            The observation in this wrapper's space.

        """
        if self._mode == 'add-onehot':
            one_hot = np.zeros(self.num_tasks, dtype=self._observation_space.dtype)
            one_hot[self._active_task_index] = 1
            return np.concatenate([obs, one_hot]).astype(one_hot.dtype, copy=False)
        if self._mode == 'del-onehot':
            return obs[: -self.num_tasks]
        return obs


def _check_spaces(envs: Sequence[Environment]) -> None:
    """Check the environments have compatible spaces.

    Args:
        envs: The environments.

    Raises:
        ValueError: If an environment's action or observation space differs
            from the first environment's in type or shape.

    """
    first = envs[0]
    for i, env in enumerate(envs[1:], start=1):
        for name in ('action_space', 'observation_space'):
            expected, found = getattr(first, name), getattr(env, name)
            if (
                type(found) is not type(expected)
                or found.shape != expected.shape
                or getattr(found, 'n', None) != getattr(expected, 'n', None)
            ):
                raise ValueError(
                    f'envs[{i}] has the {name} {found}, but '
                    f'envs[0] has {expected}; all envs must '
                    f'have {name}s of the same type and shape'
                )
