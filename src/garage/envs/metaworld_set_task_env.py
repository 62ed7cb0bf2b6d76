"""A MetaWorld benchmark as one environment with ``sample_tasks`` and ``set_task``.

MetaWorld (the ``metaworld`` extra) is imported when it is needed, never
by ``import garage``.
"""

import importlib
import pickle
from collections.abc import Callable
from typing import Any, cast

import gymnasium
import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro
from garage.envs.gym_env import GymEnv
from garage.envs.task_name_wrapper import TaskNameWrapper
from garage.envs.task_onehot_wrapper import TaskOnehotWrapper

#: A wrapper of each MetaWorld environment: ``wrapper(env, metaworld_task)``.
MetaWorldWrapper = Callable[[Environment, Any], Environment]

_KINDS = ('train', 'test')


def _import_metaworld() -> Any:
    """Import MetaWorld, saying which extra to install if it is missing.

    Returns:
        The ``metaworld`` module.

    Raises:
        ImportError: If MetaWorld is not installed.

    """
    try:
        return importlib.import_module('metaworld')
    except ImportError as error:
        raise ImportError(
            "MetaWorld environments need MetaWorld: install garage's metaworld "
            f'extra, pip install "garage[metaworld]" ({error})'
        ) from error


def _benchmark_tasks(
    benchmark: Any, kind: str, add_env_onehot: bool
) -> tuple[dict[str, type], list[Any]]:
    """The environment classes and tasks of one kind of a benchmark.

    Args:
        benchmark: A ``metaworld.Benchmark`` (ML1, ML10, ML45, MT1, ...).
        kind: ``'train'`` or ``'test'``.
        add_env_onehot: Whether a one-hot of the environment is asked for,
            which only multi-task (MT) benchmarks' training tasks allow.

    Returns:
        The classes by environment name, in the benchmark's order, and the
            tasks.

    Raises:
        ValueError: If ``kind`` is neither, the benchmark has no tasks of
            that kind, or ``add_env_onehot`` is asked of a meta-learning
            (ML) benchmark or of test tasks.
        TypeError: If ``benchmark`` is not a MetaWorld benchmark.

    """
    metaworld = _import_metaworld()
    _validation.instance_of('benchmark', benchmark, metaworld.Benchmark)
    _validation.one_of('kind', kind, _KINDS)
    name = type(benchmark).__name__
    if add_env_onehot and (kind == 'test' or 'ML' in name):
        raise ValueError(
            'add_env_onehot=True is only for the training tasks of multi-task '
            f'benchmarks (MT1, MT10, MT50), not the {kind} tasks of {name}'
        )
    if kind == 'train':
        classes, tasks = benchmark.train_classes, benchmark.train_tasks
    else:
        classes, tasks = benchmark.test_classes, benchmark.test_tasks
    if not tasks:
        raise ValueError(f"{name} has no {kind} tasks: use kind='train'")
    return dict(classes), list(tasks)


def wrap_metaworld_env(
    env: Any,
    task: Any,
    onehot: tuple[int, int] | None,
    wrapper: MetaWorldWrapper | None,
) -> Environment:
    """Make a MetaWorld environment a garage one, as both MetaWorld classes do.

    Its task is set first (MetaWorld's observation space depends on it).
    It becomes a `GymEnv` whose episodes last the benchmark's
    ``max_path_length`` (500 steps), a `TaskNameWrapper` that labels each
    step with the environment's name, a `TaskOnehotWrapper` if
    ``onehot`` is given, and then whatever ``wrapper`` makes of it.

    Args:
        env: The MetaWorld environment.
        task: Its MetaWorld task.
        onehot: The index of the environment in the one-hot and the
            number of environments, or None for no one-hot.
        wrapper: Called as ``wrapper(env, task)`` last, or None.

    Returns:
        The wrapped environment.

    """
    wrapped: Environment = GymEnv(
        _CompactPickling(env, task), max_episode_length=env.max_path_length
    )
    wrapped = TaskNameWrapper(wrapped, task_name=task.env_name)
    if onehot is not None:
        wrapped = TaskOnehotWrapper(
            wrapped, task_index=onehot[0], n_total_tasks=onehot[1]
        )
    if wrapper is not None:
        wrapped = wrapper(wrapped, task)
    return wrapped


class _CompactPickling(gymnasium.Wrapper):
    """A MetaWorld environment that pickles as its class and task.

    MetaWorld's own pickling keeps the MuJoCo model, data and renderer (some
    85 MB in a `GymEnv`) and unpickles an environment that resets to
    another state than the original. Unpickled, this is a new environment of
    the class, set to the task: reset it before stepping.

    Args:
        env: The MetaWorld environment.
        task: Its MetaWorld task.

    """

    def __init__(self, env: Any, task: Any):
        super().__init__(env)
        self._metaworld_env: Any = env.unwrapped
        self._metaworld_env.set_task(task)
        self._task = task

    def set_task(self, task: Any) -> None:
        """Set the MetaWorld task."""
        self._metaworld_env.set_task(task)
        self._task = task

    def __reduce__(self) -> tuple[Any, ...]:
        return (_remake, (type(self.env.unwrapped), self._task))


def _remake(env_type: type, task: Any) -> _CompactPickling:
    return _CompactPickling(env_type(), task)


def _make_metaworld_env(task: Any) -> Any:
    """A new MetaWorld environment of the task's class."""
    return pickle.loads(task.data)['env_cls']()


class MetaWorldSetTaskEnv(Environment):
    """A MetaWorld benchmark's tasks as one environment (``set_task``).

    Tasks are dicts: ``'inner'``, the MetaWorld task, and what the one-hot
    of the environment needs (``'task_index'``, ``'total_envs'``,
    ``'add_env_onehot'``), so that an environment made with no benchmark
    can take them. Each MetaWorld environment is made on its first task
    (see `wrap_metaworld_env`: episodes of 500 steps, each step's
    ``env_info`` with MetaWorld's ``'success'`` and the ``'task_name'``)
    and kept for the next tasks of the same environment, so an instance
    holds up to one environment per class of the benchmark: a
    `~garage.experiment.MetaWorldTaskSampler` is cheaper where it can be
    used.

    `sample_tasks` draws from the benchmark's tasks of ``kind``: it goes
    round the environments (ML10's five test environments, say) in turn,
    taking each environment's tasks in a random order without repeating one
    until all were taken, and returns them grouped by environment. Draws
    use NumPy's global random state, which
    ``garage.experiment.deterministic.set_seed`` seeds.

    Pickled, the environment keeps its benchmark, options and current task
    but not the MetaWorld environments, which it makes again: reset it
    before stepping.

    Args:
        benchmark: The MetaWorld benchmark (``metaworld.ML1('push-v3')``,
            ML10, ML45, MT1, MT10, MT50); None makes an environment that
            takes tasks from `set_task` only (as `SetTaskSampler`'s workers
            make it).
        kind: ``'train'`` or ``'test'`` with a benchmark (MT benchmarks
            have training tasks only); None without one.
        wrapper: Called as ``wrapper(env, metaworld_task)`` on each
            MetaWorld environment made (a `garage.envs.GymEnv` in a
            `TaskNameWrapper`), or None.
        add_env_onehot: Append a one-hot of the environment to
            observations (`TaskOnehotWrapper`); only for multi-task
            benchmarks' training tasks.

    Raises:
        ValueError: If ``kind`` is not ``'train'`` or ``'test'`` with a
            benchmark, or not None without one; if the benchmark has no
            tasks of that kind; or if ``add_env_onehot`` is asked of a
            meta-learning (ML) benchmark or of test tasks.
        TypeError: If ``benchmark`` is not a MetaWorld benchmark.
        ImportError: If MetaWorld is not installed.

    """

    def __init__(
        self,
        benchmark: Any = None,
        kind: str | None = None,
        wrapper: MetaWorldWrapper | None = None,
        add_env_onehot: bool = False,
    ):
        _import_metaworld()
        self._benchmark = benchmark
        self._kind = kind
        self._wrapper = wrapper
        self._add_env_onehot = bool(add_env_onehot)
        self._tasks_by_env: dict[str, list[dict[str, Any]]] = {}
        self._next_env = 0
        self._orders: dict[str, list[int]] = {}
        self._current_task: dict[str, Any] | None = None
        self._envs: dict[str, Environment] = {}
        self._current_env: Environment | None = None
        if benchmark is None:
            if kind is not None:
                raise ValueError(f'kind must be None without a benchmark, got {kind!r}')
            return
        if kind is None:
            raise ValueError(
                "kind must be 'train' or 'test' with a benchmark, got None"
            )
        classes, tasks = _benchmark_tasks(benchmark, kind, self._add_env_onehot)
        for index, env_name in enumerate(classes):
            self._tasks_by_env[env_name] = [
                {
                    'inner': task,
                    'task_index': index,
                    'total_envs': len(classes),
                    'add_env_onehot': self._add_env_onehot,
                }
                for task in tasks
                if task.env_name == env_name
            ]
        self.set_task(next(iter(self._tasks_by_env.values()))[0])

    @property
    def num_tasks(self) -> int:
        """The number of tasks of the benchmark's kind."""
        self._check_benchmark('num_tasks')
        return sum(len(tasks) for tasks in self._tasks_by_env.values())

    @property
    def task_names(self) -> list[str]:
        """The benchmark's environment names, in the one-hot's order."""
        self._check_benchmark('task_names')
        return list(self._tasks_by_env)

    def sample_tasks(self, n_tasks: int) -> list[dict[str, Any]]:
        """Sample tasks, grouped by environment.

        Args:
            n_tasks: The number of tasks.

        Returns:
            Tasks for `set_task`.

        Raises:
            ValueError: If the environment was made without a benchmark, or
                ``n_tasks`` is not a non-negative integer.

        """
        self._check_benchmark('sample_tasks')
        n_tasks = _validation.non_negative_int('n_tasks', n_tasks)
        names = list(self._tasks_by_env)
        drawn = []
        for _ in range(n_tasks):
            env_name = names[self._next_env]
            self._next_env = (self._next_env + 1) % len(names)
            order = self._orders.get(env_name)
            if not order:
                order = list(np.random.permutation(len(self._tasks_by_env[env_name])))
                self._orders[env_name] = order
            drawn.append((names.index(env_name), order.pop()))
        drawn.sort(key=lambda pair: pair[0])  # stable: grouped by environment
        return [self._tasks_by_env[names[env]][i] for env, i in drawn]

    def set_task(self, task: dict[str, Any]) -> None:
        """Switch to a task; reset before stepping.

        Args:
            task: A task, as `sample_tasks` returns.

        Raises:
            ValueError: If the task is not such a dict.

        """
        if not isinstance(task, dict) or 'inner' not in task:
            raise ValueError(
                "task must be a dict with the MetaWorld task as 'inner', as "
                f'sample_tasks returns, got {task!r}'
            )
        inner = task['inner']
        env = self._envs.get(inner.env_name)
        if env is None:
            onehot = None
            if task.get('add_env_onehot', False):
                onehot = (task['task_index'], task['total_envs'])
            env = wrap_metaworld_env(
                _make_metaworld_env(inner), inner, onehot, self._wrapper
            )
            self._envs[inner.env_name] = env
        else:  # wrappers pass it on to the MetaWorld environment
            cast(Any, env).set_task(inner)
        self._current_env = env
        self._current_task = task

    def _check_benchmark(self, name: str) -> None:
        if self._benchmark is None:
            raise ValueError(
                f'{name} needs a benchmark: make the environment with '
                "MetaWorldSetTaskEnv(benchmark, kind='train' or 'test')"
            )

    @property
    def _env(self) -> Environment:
        if self._current_env is None:
            raise ValueError(
                'MetaWorldSetTaskEnv has no task yet: call set_task first '
                '(or make it with a benchmark)'
            )
        return self._current_env

    @property
    def action_space(self) -> akro.Space:
        """The current MetaWorld environment's action space."""
        return self._env.action_space

    @property
    def observation_space(self) -> akro.Space:
        """The current MetaWorld environment's observation space."""
        return self._env.observation_space

    @property
    def spec(self) -> EnvSpec:
        """The current MetaWorld environment's specification."""
        return self._env.spec

    @property
    def render_modes(self) -> list[str]:
        """The current MetaWorld environment's render modes."""
        return self._env.render_modes

    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Reset the current MetaWorld environment.

        Returns:
            The first observation and the episode information.

        """
        return self._env.reset()

    def step(self, action: Any) -> EnvStep:
        """Step the current MetaWorld environment.

        Args:
            action: The action.

        Returns:
            The step, whose ``env_info`` has ``'success'``.

        """
        return self._env.step(action)

    def render(self, mode: str) -> Any:
        """Render the current MetaWorld environment.

        Args:
            mode: One of ``render_modes``.

        Returns:
            The rendering.

        """
        return self._env.render(mode)

    def visualize(self) -> None:
        """Show the current MetaWorld environment in a window."""
        self._env.visualize()

    def close(self) -> None:
        """Close every MetaWorld environment made."""
        for env in self._envs.values():
            env.close()
        self._envs.clear()
        self._current_env = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the MetaWorld environments, made again on loading."""
        return {**self.__dict__, '_envs': {}, '_current_env': None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle, making the current task's environment again."""
        self.__dict__.update(state)
        if self._current_task is not None:
            self.set_task(self._current_task)
