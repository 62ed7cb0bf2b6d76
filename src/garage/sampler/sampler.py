"""The Sampler interface, and what every sampler shares.

Every sampler follows the same allocation, so that the same seed gives the
same batch whichever sampler draws it:

* ``obtain_samples(itr, num_samples, ...)`` gives each of the ``n_workers``
  workers the quota ``ceil(num_samples / n_workers)`` steps
  (`Sampler._steps_per_worker`); each worker samples whole episodes
  until its steps reach its quota
  (`garage.sampler._collect.collect_samples`);
* ``obtain_exact_episodes(n_eps_per_worker, ...)`` has each worker sample
  exactly that many episodes
  (`garage.sampler._collect.collect_episodes`);

and the batch is the workers' batches concatenated in worker order. The
base class implements both methods, and the broadcasting and checking of
updates, once; a sampler provides `Sampler._start`, which starts its
workers, and `Sampler._sample`, which has each of them apply its updates
and collect.
"""

import abc
import dataclasses
import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Generic, Self, TypeVar

from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._validation import positive_int
from garage.sampler._checks import check_is_tf_worker
from garage.sampler._collect import collect_episodes, collect_samples
from garage.sampler._updates import (
    AgentUpdate,
    AgentUpdates,
    EnvUpdateLike,
    EnvUpdates,
    PolicyLike,
)
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import EnvUpdate, check_env_update
from garage.sampler.worker import Worker, check_agent_update, is_per_worker
from garage.sampler.worker_factory import WorkerFactory

__all__ = ['Sampler']

T_co = TypeVar('T_co', covariant=True)

# What a worker does with its count: collect_samples or collect_episodes.
Collect = Callable[[Worker, int], EpisodeBatch]


@dataclasses.dataclass(frozen=True)
class Broadcast(Generic[T_co]):
    """One message for each worker, from an argument of a sampler.

    Attributes:
        messages: The message of each worker, in worker order.
        shared: Whether the argument was one value for every worker (so
            ``messages`` holds that one object ``n_workers`` times), not a
            list of one per worker.

    """

    messages: Sequence[T_co]
    shared: bool


class Sampler(abc.ABC):
    """Samples episodes of an agent with workers a ``WorkerFactory`` builds.

    Samplers take their agents and environments when constructed and start
    their workers then. ``agent_update`` and ``env_update`` may be one value,
    sent to every worker, or a list with exactly one entry per worker.

    A sampler implements `_start` and `_sample` (and `shutdown_worker`);
    one written for the original garage may instead override the
    constructor, `obtain_samples` and `obtain_exact_episodes`.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker; a ``VecWorker``'s or ``FragmentWorker``'s
            may be a list of one per environment.
        *legacy_args: ``envs``, in the older form ``Sampler(worker_factory,
            agents, envs)``.
        worker_factory: Builds the workers; if given, the options below
            must not be.
        max_episode_length: The longest an episode may run, if no
            ``worker_factory`` is given; None or ``math.inf`` for no limit
            but the environments' own.
        is_tf_worker: Give each worker a TensorFlow session, for
            ``garage.tf`` policies (see ``WorkerFactory``); False, which
            has no effect, warns that it is deprecated.
        seed: The seed the workers derive theirs from; None takes
            ``garage.experiment.deterministic.get_seed()``.
        n_workers: The number of workers; None takes the number of physical
            CPU cores.
        worker_class: The class of the workers.
        worker_args: Further keyword arguments of ``worker_class``.

    Raises:
        TypeError: If both a factory and options to build one are given,
            an agent is not a policy, an environment is not a garage
            ``Environment``, or a worker that steps one environment is
            given a list.
        ValueError: If a list of agents or environments does not have one
            entry per worker, or one worker's list of environments not one
            per environment.

    """

    _factory: WorkerFactory

    def __init__(
        self,
        agents: AgentUpdates | WorkerFactory,
        envs: EnvUpdates | AgentUpdates,
        *legacy_args: EnvUpdates,
        worker_factory: WorkerFactory | None = None,
        max_episode_length: int | float | None = None,
        is_tf_worker: bool | None = None,
        seed: int | None = None,
        n_workers: int | None = None,
        worker_class: type[Worker] = DefaultWorker,
        worker_args: dict[str, Any] | None = None,
    ) -> None:
        self._factory, agents, envs = self._resolve_factory(
            agents,
            envs,
            legacy_args,
            worker_factory=worker_factory,
            max_episode_length=max_episode_length,
            is_tf_worker=is_tf_worker,
            seed=seed,
            n_workers=n_workers,
            worker_class=worker_class,
            worker_args=worker_args,
        )
        self._start(*self._initial_messages(agents, envs))

    @classmethod
    def from_worker_factory(
        cls, worker_factory: WorkerFactory, agents: AgentUpdates, envs: EnvUpdates
    ) -> Self:
        """Construct a sampler from a worker factory.

        Args:
            worker_factory: Picklable factory of the workers, sent to
                wherever the work happens.
            agents: The agent, or a list with one agent per worker.
            envs: The environment, or a list with one per worker.

        Returns:
            The sampler.

        """
        return cls(agents, envs, worker_factory=worker_factory)

    @property
    def worker_factory(self) -> WorkerFactory:
        """The factory the workers were built with."""
        return self._factory

    def start_worker(self) -> None:
        """Do nothing: samplers start their workers when constructed.

        Deprecated; kept so that old code runs.
        """
        warnings.warn(
            'Sampler.start_worker() is deprecated and does nothing: samplers '
            'start their workers when they are constructed',
            DeprecationWarning,
            stacklevel=2,
        )

    def obtain_samples(
        self,
        itr: int,
        num_samples: int,
        agent_update: AgentUpdates,
        env_update: EnvUpdates = None,
    ) -> EpisodeBatch:
        """Collect at least a given number of steps, in whole episodes.

        Each worker samples whole episodes until it has at least
        ``ceil(num_samples / n_workers)`` steps.

        Args:
            itr: The iteration number; deprecated and unused.
            num_samples: The least number of steps to collect.
            agent_update: Sent to every worker's ``update_agent`` before
                sampling (a policy, its parameter values, or None), or a
                list with one entry per worker.
            env_update: Sent to every worker's ``update_env`` before
                sampling (None, an ``Environment`` or an ``EnvUpdate``), or
                a list with one entry per worker; a ``VecWorker``'s or
                ``FragmentWorker``'s entry may itself be a list of one per
                environment.

        Returns:
            The episodes, in worker order.

        Raises:
            ValueError: If ``num_samples`` is not a positive integer, or a
                list of updates does not have one entry per worker.
            TypeError: If an update is of a kind workers do not take, or
                (for samplers whose workers run elsewhere) cannot be
                pickled.
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker in another process raised an
                exception or died; every worker has then been stopped.

        """
        del itr
        quota = self._steps_per_worker(num_samples, self._factory.n_workers)
        return self._obtain(collect_samples, quota, agent_update, env_update)

    def obtain_exact_episodes(
        self,
        n_eps_per_worker: int,
        agent_update: AgentUpdates,
        env_update: EnvUpdates = None,
    ) -> EpisodeBatch:
        """Sample an exact number of episodes per worker.

        Args:
            n_eps_per_worker: The number of episodes each worker samples
                (fragments, for ``FragmentWorker``).
            agent_update: Sent to every worker's ``update_agent``, or a list
                with one entry per worker.
            env_update: Sent to every worker's ``update_env``, or a list
                with one entry per worker (for a ``VecWorker`` or
                ``FragmentWorker``, maybe a list of one per environment).

        Returns:
            The episodes in worker order: all of worker 0's, then all of
                worker 1's, and so on.

        Raises:
            ValueError: If ``n_eps_per_worker`` is not a positive integer,
                or a list of updates does not have one entry per worker.
            TypeError: If an update is of a kind workers do not take, or
                (for samplers whose workers run elsewhere) cannot be
                pickled.
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker in another process raised an
                exception or died; every worker has then been stopped.

        """
        n_episodes = positive_int('n_eps_per_worker', n_eps_per_worker)
        return self._obtain(collect_episodes, n_episodes, agent_update, env_update)

    @abc.abstractmethod
    def shutdown_worker(self) -> None:
        """Shut the workers down; calling it again does nothing."""

    def _start(
        self,
        agents: Broadcast[PolicyLike],
        envs: Broadcast[Environment | EnvUpdate],
    ) -> None:
        """Build the workers and give each its agent and environment.

        Args:
            agents: Each worker's agent, checked to be a policy.
            envs: Each worker's environment, or an ``EnvUpdate`` that
                makes it.

        Raises:
            NotImplementedError: If the sampler does not implement it.

        """
        raise NotImplementedError(
            f'{type(self).__name__} implements neither Sampler._start nor '
            'a constructor of its own'
        )

    def _sample(
        self,
        collect: Collect,
        count: int,
        agent_updates: Broadcast[AgentUpdate],
        env_updates: Broadcast[EnvUpdateLike],
    ) -> list[EpisodeBatch]:
        """Have every worker apply its updates, then collect a batch.

        Args:
            collect: What each worker runs, ``collect(worker, count)``.
            count: The steps (or episodes) each worker collects.
            agent_updates: Each worker's agent update, checked.
            env_updates: Each worker's environment update, checked.

        Returns:
            Each worker's batch, in worker order.

        Raises:
            NotImplementedError: If the sampler does not implement it.

        """
        raise NotImplementedError(
            f'{type(self).__name__} implements neither Sampler._sample nor '
            'obtain_samples and obtain_exact_episodes of its own'
        )

    def _obtain(
        self,
        collect: Collect,
        count: int,
        agent_update: AgentUpdates,
        env_update: EnvUpdates,
    ) -> EpisodeBatch:
        """Check and broadcast the updates, sample, join the batches.

        Args:
            collect: What each worker runs, ``collect(worker, count)``.
            count: The steps (or episodes) each worker collects.
            agent_update: The ``agent_update`` argument.
            env_update: The ``env_update`` argument.

        Returns:
            The workers' batches, concatenated in worker order.

        """
        updates = self._update_messages(agent_update, env_update)
        return EpisodeBatch.concatenate(*self._sample(collect, count, *updates))

    @classmethod
    def _resolve_factory(
        cls,
        agents: Any,
        envs: Any,
        extra_args: tuple[Any, ...],
        *,
        worker_factory: WorkerFactory | None,
        max_episode_length: int | float | None,
        is_tf_worker: bool | None,
        seed: int | None,
        n_workers: int | None,
        worker_class: type[Worker],
        worker_args: dict[str, Any] | None,
    ) -> tuple[WorkerFactory, Any, Any]:
        """Sort out a sampler's constructor arguments.

        Accepts ``Sampler(agents, envs, max_episode_length=..., ...)``,
        ``Sampler(agents, envs, worker_factory=...)`` and the older
        positional form ``Sampler(worker_factory, agents, envs)``.

        Args:
            agents: The first positional argument.
            envs: The second positional argument.
            extra_args: Further positional arguments.
            worker_factory: The ``worker_factory`` argument.
            max_episode_length: The ``max_episode_length`` argument.
            is_tf_worker: The original garage's ``is_tf_worker`` argument.
            seed: The ``seed`` argument.
            n_workers: The ``n_workers`` argument.
            worker_class: The ``worker_class`` argument.
            worker_args: The ``worker_args`` argument.

        Returns:
            The worker factory (given or built), the agents and the
                environments.

        Raises:
            TypeError: If the positional arguments fit neither form, a
                factory is given together with options to build one.

        """
        name = cls.__name__
        check_is_tf_worker(name, is_tf_worker)
        if isinstance(agents, WorkerFactory):
            if worker_factory is not None:
                raise TypeError(
                    f'{name} got a WorkerFactory both as its '
                    'first positional argument and as '
                    'worker_factory'
                )
            if len(extra_args) != 1:
                raise TypeError(
                    f'{name}(worker_factory, agents, envs) takes 3 positional '
                    f'arguments, got {2 + len(extra_args)}'
                )
            worker_factory, agents, envs = agents, envs, extra_args[0]
        elif extra_args:
            raise TypeError(
                f'{name} takes 2 positional arguments (agents, envs), or 3 '
                f'(worker_factory, agents, envs), got {2 + len(extra_args)}'
            )
        if worker_factory is None:
            factory = WorkerFactory(
                max_episode_length=max_episode_length,
                is_tf_worker=is_tf_worker or None,
                seed=seed,
                n_workers=n_workers,
                worker_class=worker_class,
                worker_args=worker_args,
            )
            return factory, agents, envs
        if not isinstance(worker_factory, WorkerFactory):
            raise TypeError(
                'worker_factory must be a WorkerFactory, got '
                f'{type(worker_factory).__name__}'
            )
        options = {
            'max_episode_length': max_episode_length,
            'seed': seed,
            'n_workers': n_workers,
            'worker_args': worker_args,
        }
        given = [key for key, value in options.items() if value is not None]
        if worker_class is not DefaultWorker:
            given.append('worker_class')
        if given:
            raise TypeError(
                f'{name} got a worker_factory and {given}, which the factory '
                'already fixes; pass one or the other'
            )
        return worker_factory, agents, envs

    @staticmethod
    def _steps_per_worker(num_samples: int, n_workers: int) -> int:
        """Each worker's quota of steps for ``obtain_samples``.

        Args:
            num_samples: The least number of steps to collect in all.
            n_workers: The number of workers.

        Returns:
            ``ceil(num_samples / n_workers)``.

        Raises:
            ValueError: If ``num_samples`` is not a positive integer.

        """
        num_samples = positive_int('num_samples', num_samples)
        return -(-num_samples // n_workers)

    def _broadcast(self, name: str, objs: Any) -> Broadcast[Any]:
        """One message per worker, via ``prepare_worker_messages``.

        Args:
            name: The argument the messages come from, for errors.
            objs: One value for every worker, or a list with one per worker.

        Returns:
            One message per worker.

        Raises:
            ValueError: If a list does not have one entry per worker.

        """
        try:
            messages = self._factory.prepare_worker_messages(objs)
        except ValueError as error:
            hint = ''
            if name.startswith('env') and getattr(
                self._factory.worker_class, '_takes_env_lists', False
            ):
                hint = (
                    '; to give the environments of one worker each their own, '
                    'pass a list per worker, such as [[env_a, env_b]] for one '
                    'worker'
                )
            raise ValueError(f'{name}: {error}{hint}') from None
        return Broadcast(messages, shared=not is_per_worker(objs))

    def _initial_messages(
        self, agents: Any, envs: Any
    ) -> tuple[Broadcast[PolicyLike], Broadcast[Environment | EnvUpdate]]:
        """The agent and environment of each worker, checked.

        Args:
            agents: The ``agents`` argument of the sampler.
            envs: The ``envs`` argument of the sampler.

        Returns:
            One agent and one environment (or ``EnvUpdate``) per worker.

        Raises:
            ValueError: If a list does not have one entry per worker, or
                one worker's list one per environment.
            TypeError: If an agent is not a policy, an environment is
                neither an ``Environment`` nor an ``EnvUpdate``, or a worker
                that steps one environment is given a list.

        """
        agent_messages = self._broadcast('agents', agents)
        env_messages = self._broadcast('envs', envs)
        for i, (agent, env) in enumerate(
            zip(agent_messages.messages, env_messages.messages, strict=True)
        ):
            # None: no agent until the first batch sends one (the original's
            # PEARL examples build their sampler so)
            if agent is not None and not isinstance(agent, PolicyLike):
                raise TypeError(
                    'agents must be policies (with get_action), but the one '
                    f'for worker {i} is {type(agent).__name__}'
                )
            for name, entry in self._env_entries(env, f'envs for worker {i}'):
                if not isinstance(entry, (Environment, EnvUpdate)):
                    raise TypeError(
                        'envs must be garage Environments (or EnvUpdates that '
                        f'make them), but {name} is {type(entry).__name__}; '
                        'wrap gym and Gymnasium environments with '
                        'garage.envs.GymEnv'
                    )
        return agent_messages, env_messages

    def _update_messages(
        self, agent_update: AgentUpdates, env_update: EnvUpdates
    ) -> tuple[Broadcast[AgentUpdate], Broadcast[EnvUpdateLike]]:
        """The agent and environment update of each worker, checked.

        Args:
            agent_update: The ``agent_update`` argument.
            env_update: The ``env_update`` argument.

        Returns:
            One agent update and one environment update per worker.

        Raises:
            ValueError: If a list does not have one entry per worker, or
                one worker's list one per environment.
            TypeError: If an update is of a kind workers do not take, or a
                worker that steps one environment is given a list.

        """
        agent_updates = self._broadcast('agent_update', agent_update)
        env_updates = self._broadcast('env_update', env_update)
        for i, (agent_up, env_up) in enumerate(
            zip(agent_updates.messages, env_updates.messages, strict=True)
        ):
            check_agent_update(agent_up, f'agent_update for worker {i}')
            for name, entry in self._env_entries(env_up, f'env_update for worker {i}'):
                check_env_update(entry, name)
        return agent_updates, env_updates

    def _env_entries(self, message: Any, name: str) -> list[tuple[str, Any]]:
        """The environments (updates) in one worker's message, named.

        A worker with several environments (``VecWorker``,
        ``FragmentWorker``) takes a list of one per environment, as in the
        original garage; a ``DefaultWorker`` does not. A list for a worker
        class of the user's own is passed on, each entry checked.

        Args:
            message: One worker's environment (update), or a list of one
                per environment of the worker.
            name: What the message is called, for errors.

        Returns:
            The name and value of each environment (update) in the
                message: the message itself unless it is a list.

        Raises:
            TypeError: If the message is a list but the worker is a
                ``DefaultWorker``, which steps one environment.
            ValueError: If a list does not have one entry per environment.

        """
        if not isinstance(message, (list, tuple)):
            return [(name, message)]
        worker_class = self._factory.worker_class
        entries = [(f'{name}[{j}]', entry) for j, entry in enumerate(message)]
        takes_lists = getattr(worker_class, '_takes_env_lists', False)
        if not takes_lists and not issubclass(worker_class, DefaultWorker):
            return entries  # a worker of the user's own: its update_env decides
        if not takes_lists:
            raise TypeError(
                f'{name} is a {type(message).__name__}, but '
                f'{worker_class.__name__} steps one environment: give each '
                'worker one environment (or update); a list of one per '
                'environment is for workers with several, such as VecWorker '
                'and FragmentWorker'
            )
        n_envs = self._factory.worker_args.get('n_envs', _default_n_envs(worker_class))
        if isinstance(n_envs, int) and len(message) != n_envs:
            raise ValueError(
                f'{name} is a list of {len(message)} entries, but each '
                f'{worker_class.__name__} has n_envs={n_envs} environments; '
                f'pass exactly {n_envs}, one per environment'
            )
        return entries


def _default_n_envs(worker_class: type[Worker]) -> Any:
    """The default of ``worker_class``'s ``n_envs`` argument, if it has one."""
    try:
        parameter = inspect.signature(worker_class).parameters.get('n_envs')
    except (TypeError, ValueError):
        return None
    return None if parameter is None else parameter.default
