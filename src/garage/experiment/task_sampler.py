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
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard

import numpy as np

from garage import _validation
from garage._environment import Environment
from garage.sampler.env_update import (
    EnvUpdate,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
)

if TYPE_CHECKING:
    from garage.envs.metaworld_set_task_env import MetaWorldWrapper


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

    @property
    def n_tasks(self) -> int | None:
        """The environment's ``num_tasks``, or None if it has none."""
        return getattr(self._env, 'num_tasks', None)

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


class MetaWorldTaskSampler(TaskSampler):
    """Samples the tasks of a MetaWorld benchmark, grouped by environment.

    Each task is a `SetTaskUpdate` that makes the task's MetaWorld
    environment, wrapped as
    `~garage.envs.metaworld_set_task_env.wrap_metaworld_env` describes (a
    `~garage.envs.GymEnv` of 500-step
    episodes whose steps' ``env_info`` holds MetaWorld's ``'success'``, a
    `~garage.envs.TaskNameWrapper`, the one-hot if asked, then
    ``wrapper``), and sets the task.

    `sample` returns the same number of tasks of every environment of the
    benchmark, in the benchmark's order, so that workers sampling in
    parallel get environments of one class each. The tasks of each
    environment are taken in a random order, without repeating one until all
    were taken (then in a new order). Draws use NumPy's global random
    state, which ``garage.experiment.deterministic.set_seed`` seeds.

    Args:
        benchmark: The MetaWorld benchmark (``metaworld.ML1('push-v3')``,
            ML10, ML45, MT1, MT10, MT50).
        kind: ``'train'`` or ``'test'`` (MT benchmarks have training
            tasks only).
        wrapper: Called as ``wrapper(env, metaworld_task)`` on each
            environment made, or None.
        add_env_onehot: Append a one-hot of the environment to
            observations; only for multi-task benchmarks' training tasks.

    Raises:
        ValueError: If ``kind`` is not ``'train'`` or ``'test'``, the
            benchmark has no tasks of that kind, or ``add_env_onehot`` is
            asked of a meta-learning (ML) benchmark or of test tasks.
        TypeError: If ``benchmark`` is not a MetaWorld benchmark.
        ImportError: If MetaWorld is not installed.

    """

    def __init__(
        self,
        benchmark: Any,
        kind: str,
        wrapper: 'MetaWorldWrapper | None' = None,
        add_env_onehot: bool = False,
    ):
        from garage.envs import metaworld_set_task_env

        classes, tasks = metaworld_set_task_env._benchmark_tasks(
            benchmark, kind, add_env_onehot
        )
        self._benchmark = benchmark
        self._kind = kind
        self._wrapper = wrapper
        self._add_env_onehot = bool(add_env_onehot)
        self._classes = classes
        self._tasks_by_env = {
            name: [task for task in tasks if task.env_name == name] for name in classes
        }
        self._n_tasks = len(tasks)
        self._orders = {name: self._new_order(name) for name in classes}
        self._next_order_index = 0

    def _new_order(self, env_name: str) -> list[int]:
        return list(np.random.permutation(len(self._tasks_by_env[env_name])))

    @property
    def n_tasks(self) -> int:
        """The number of tasks of the benchmark's kind."""
        return self._n_tasks

    @property
    def task_names(self) -> list[str]:
        """The benchmark's environment names, in the one-hot's order."""
        return list(self._classes)

    def sample(
        self, n_tasks: int, with_replacement: bool = False
    ) -> list[SetTaskUpdate]:
        """Sample tasks, the same number of each environment.

        Args:
            n_tasks: The number of tasks: a multiple of the number of
                environments of the benchmark (1 for ML1 and MT1, 10 for
                MT10 and ML10's training tasks, ...).
            with_replacement: Whether a task may repeat before all of its
                environment's have been taken.

        Returns:
            One update per task, grouped by environment.

        Raises:
            ValueError: If ``n_tasks`` is not a multiple of the number of
                environments.

        """
        from garage.envs import metaworld_set_task_env

        n_tasks = _validation.non_negative_int('n_tasks', n_tasks)
        n_envs = len(self._classes)
        if n_tasks % n_envs:
            raise ValueError(
                f'n_tasks must be a multiple of the {n_envs} environments of '
                f'{type(self._benchmark).__name__} ({self._kind}), got {n_tasks}'
            )
        per_env = n_tasks // n_envs
        # a closure over these only: not the whole sampler in every update
        wrapper, add_onehot = self._wrapper, self._add_env_onehot
        wrap_env = metaworld_set_task_env.wrap_metaworld_env

        updates = []
        for index, (env_name, env_class) in enumerate(self._classes.items()):
            onehot = (index, n_envs) if add_onehot else None

            def wrap(env, task, onehot=onehot):
                return wrap_env(env, task, onehot, wrapper)

            tasks = self._tasks_by_env[env_name]
            for i in range(per_env):
                if with_replacement:
                    task_index = int(np.random.randint(len(tasks)))
                else:
                    order_index = (self._next_order_index + i) % len(tasks)
                    task_index = int(self._orders[env_name][order_index])
                updates.append(SetTaskUpdate(env_class, tasks[task_index], wrap))
        self._next_order_index += per_env
        n_per_env = min(len(tasks) for tasks in self._tasks_by_env.values())
        if self._next_order_index >= n_per_env:
            self._next_order_index %= n_per_env
            self._orders = {name: self._new_order(name) for name in self._classes}
        return updates


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
