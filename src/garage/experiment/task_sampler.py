"""Samplers of tasks, for multi-task and meta-RL: each task an EnvUpdate.

A task sampler's ``sample(n_tasks)`` returns environment updates, which
``Sampler.obtain_samples(..., env_update=...)`` sends to the workers (one
per worker when given as a list).

Tasks are drawn from NumPy's global random state, which
``garage.experiment.deterministic.set_seed`` seeds.
"""

import abc
import copy
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeGuard

import numpy as np

from garage import _validation
from garage._environment import Environment
from garage.sampler.env_update import (
    EnvUpdate,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
)


class _SamplesTasks(Protocol):
    """An environment with ``sample_tasks``, as `SetTaskSampler` needs."""

    def sample_tasks(self, n_tasks: int) -> list[Any]:
        """Sample ``n_tasks`` tasks, each a value ``set_task`` takes."""


def _samples_tasks(env: object) -> TypeGuard[_SamplesTasks]:
    # getattr, not a runtime protocol check: Python 3.12's ignores the
    # __getattr__ through which wrappers reach the environment they wrap
    return callable(getattr(env, 'sample_tasks', None))


class TaskSampler(abc.ABC):
    """Samples tasks, each as an update of a worker's environment."""

    @abc.abstractmethod
    def sample(
        self, n_tasks: int, with_replacement: bool = False
    ) -> Sequence[EnvUpdate]:
        """Sample tasks.

        Args:
            n_tasks: The number of tasks to sample.
            with_replacement: Whether a task may be sampled more than once
                before all have been (for samplers with a finite set of
                tasks).

        Returns:
            One environment update per task.

        """

    @property
    def n_tasks(self) -> int | None:
        """The number of distinct tasks, or None if unknown or unlimited."""
        return None


class ConstructEnvsSampler(TaskSampler):
    """Samples tasks from a list of environment constructors.

    Args:
        env_constructors: Callables with no arguments, each making the
            environment of one task.

    Raises:
        ValueError: If ``env_constructors`` is empty.
        TypeError: If one of them is not callable.

    """

    def __init__(self, env_constructors: Sequence[Callable[[], Environment]]):
        _check_nonempty('env_constructors', env_constructors)
        for i, constructor in enumerate(env_constructors):
            if not callable(constructor):
                raise _validation.ArgumentTypeError(
                    f'env_constructors[{i}] must be callable, got {constructor!r}'
                )
        self._env_constructors = list(env_constructors)

    @property
    def n_tasks(self) -> int:
        """The number of constructors."""
        return len(self._env_constructors)

    def sample(
        self, n_tasks: int, with_replacement: bool = False
    ) -> list[NewEnvUpdate]:
        """Sample tasks.

        Args:
            n_tasks: The number of tasks to sample.
            with_replacement: Whether a task may be sampled more than once
                before all have been. Without replacement, more tasks than
                there are constructors repeat them in a new random order
                each round.

        Returns:
            One update per task, making the task's environment.

        """
        return [
            NewEnvUpdate(self._env_constructors[i])
            for i in _sample_indices(n_tasks, self.n_tasks, with_replacement)
        ]


class SetTaskSampler(TaskSampler):
    """Samples tasks with an environment's ``sample_tasks``.

    Each task becomes a `SetTaskUpdate`: the worker
    keeps its environment if it is of the right type and calls its
    ``set_task``.

    Args:
        env_constructor: The class of the environment; it, or an instance
            of it (maybe wrapped), must have ``sample_tasks(n)`` and
            ``set_task(task)``.
        env: The environment whose ``sample_tasks`` is used; None makes one
            with ``env_constructor()``.
        wrapper: Called as ``wrapper(env, task)`` on each environment a
            worker constructs, returning the environment to use; None for
            none.

    Raises:
        TypeError: If ``env_constructor`` is not a class, or the
            environment has no ``sample_tasks``.

    """

    def __init__(
        self,
        env_constructor: type[Environment],
        *,
        env: Environment | None = None,
        wrapper: Callable[[Environment, Any], Environment] | None = None,
    ):
        if not isinstance(env_constructor, type):
            raise _validation.ArgumentTypeError(
                'env_constructor must be the class of the '
                f'environment, got {env_constructor!r}'
            )
        if env is None:
            env = env_constructor()
        if not _samples_tasks(env):
            raise _validation.ArgumentTypeError(
                f'{type(env).__name__} has no sample_tasks() '
                'method, which SetTaskSampler needs'
            )
        self._env_constructor = env_constructor
        self._env: _SamplesTasks = env
        self._wrapper = wrapper

    def sample(
        self, n_tasks: int, with_replacement: bool = False
    ) -> list[SetTaskUpdate]:
        """Sample tasks.

        Args:
            n_tasks: The number of tasks to sample.
            with_replacement: Ignored: the environment's ``sample_tasks``
                decides.

        Returns:
            One update per task, setting the task.

        """
        del with_replacement
        n_tasks = _validation.non_negative_int('n_tasks', n_tasks)
        return [
            SetTaskUpdate(self._env_constructor, task, self._wrapper)
            for task in self._env.sample_tasks(n_tasks)
        ]


class EnvPoolSampler(TaskSampler):
    """Samples tasks from a pool of environments.

    Each sampled task is an `ExistingEnvUpdate` of a
    deep copy of a pool environment, so that workers never share one.

    Args:
        envs: The pool of environments.

    Raises:
        ValueError: If ``envs`` is empty.
        TypeError: If one of them is not a garage Environment.

    """

    def __init__(self, envs: Sequence[Environment]):
        _check_nonempty('envs', envs)
        for i, env in enumerate(envs):
            if not isinstance(env, Environment):
                raise _validation.ArgumentTypeError(
                    f'envs[{i}] must be a garage Environment, got {type(env).__name__}'
                )
        self._envs = list(envs)

    @property
    def n_tasks(self) -> int:
        """The size of the pool."""
        return len(self._envs)

    def sample(
        self, n_tasks: int, with_replacement: bool = False
    ) -> list[ExistingEnvUpdate]:
        """Sample tasks.

        Args:
            n_tasks: The number of tasks to sample.
            with_replacement: Whether an environment may be sampled more
                than once before all have been. Without replacement, more
                tasks than there are environments repeat them in a new
                random order each round.

        Returns:
            One update per task, each with its own copy of a pool
                environment.

        """
        return [
            ExistingEnvUpdate(copy.deepcopy(self._envs[i]))
            for i in _sample_indices(n_tasks, self.n_tasks, with_replacement)
        ]

    def grow_pool(self, new_size: int) -> None:
        """Grow the pool to ``new_size`` by copying its environments.

        New environments are deep copies of the existing ones, taken in
        order and cycling. A size not above the current one does nothing.

        Args:
            new_size: The size of the pool to reach.

        """
        new_size = _validation.non_negative_int('new_size', new_size)
        n_existing = len(self._envs)
        self._envs.extend(
            copy.deepcopy(self._envs[i % n_existing])
            for i in range(n_existing, new_size)
        )


def _check_nonempty(name: str, values: Sequence[Any]) -> None:
    if len(values) == 0:
        raise ValueError(f'{name} must hold at least one entry, got none')


def _sample_indices(
    n_to_sample: int, n_available: int, with_replacement: bool
) -> np.ndarray:
    """Draw indices into ``n_available`` tasks.

    Without replacement, whole random permutations are drawn, as many as
    needed, and cut to ``n_to_sample``.

    Args:
        n_to_sample: The number of indices.
        n_available: The number of tasks.
        with_replacement: Whether to draw with replacement.

    Returns:
        The indices.

    Raises:
        ValueError: If ``n_to_sample`` is not a non-negative integer.

    """
    n_to_sample = _validation.non_negative_int('n_tasks', n_to_sample)
    if with_replacement:
        return np.random.randint(n_available, size=n_to_sample)
    if n_to_sample == 0:
        return np.empty(0, dtype=np.int64)
    n_rounds = -(-n_to_sample // n_available)
    return np.concatenate(
        [np.random.permutation(n_available) for _ in range(n_rounds)]
    )[:n_to_sample]
