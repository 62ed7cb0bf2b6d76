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

and the batch is the workers' batches concatenated in worker order.
"""

import abc
import warnings
from collections.abc import Callable
from typing import Any, Self

from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._validation import positive_int
from garage.sampler._checks import check_is_tf_worker
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import EnvUpdate, check_env_update
from garage.sampler.worker import Worker, check_agent_update
from garage.sampler.worker_factory import WorkerFactory, identity_function


class Sampler(abc.ABC):
    """Samples episodes of an agent with workers a ``WorkerFactory`` builds.

    Samplers take their agents and environments when constructed and start
    their workers then. ``agent_update`` and ``env_update`` may be one value,
    sent to every worker, or a list with exactly one entry per worker.
    """

    @classmethod
    def from_worker_factory(
        cls, worker_factory: WorkerFactory, agents: Any, envs: Any
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

    @abc.abstractmethod
    def obtain_samples(
        self, itr: int, num_samples: int, agent_update: Any, env_update: Any = None
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
                a list with one entry per worker.

        Returns:
            The episodes, in worker order.

        Raises:
            ValueError: If ``num_samples`` is not a positive integer, or a
                list of updates does not have one entry per worker.

        """

    @abc.abstractmethod
    def obtain_exact_episodes(
        self, n_eps_per_worker: int, agent_update: Any, env_update: Any = None
    ) -> EpisodeBatch:
        """Sample an exact number of episodes per worker.

        Args:
            n_eps_per_worker: The number of episodes each worker samples
                (fragments, for ``FragmentWorker``).
            agent_update: Sent to every worker's ``update_agent``, or a list
                with one entry per worker.
            env_update: Sent to every worker's ``update_env``, or a list
                with one entry per worker.

        Returns:
            The episodes in worker order: all of worker 0's, then all of
                worker 1's, and so on.

        Raises:
            ValueError: If ``n_eps_per_worker`` is not a positive integer,
                or a list of updates does not have one entry per worker.

        """

    @abc.abstractmethod
    def shutdown_worker(self) -> None:
        """Shut the workers down; calling it again does nothing."""

    @classmethod
    def _resolve_factory(
        cls,
        agents: Any,
        envs: Any,
        extra_args: tuple[Any, ...],
        *,
        worker_factory: WorkerFactory | None,
        max_episode_length: int | None,
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
                factory is given together with options to build one, or
                neither is given.

        """
        name = cls.__name__
        check_is_tf_worker(name, is_tf_worker, stacklevel=4)
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
        options = {
            'max_episode_length': max_episode_length,
            'seed': seed,
            'n_workers': n_workers,
            'worker_args': worker_args,
        }
        if worker_factory is None:
            if max_episode_length is None:
                raise TypeError(
                    f'{name} needs a worker_factory, or the options to build '
                    'one: at least max_episode_length'
                )
            factory = WorkerFactory(worker_class=worker_class, **options)
            return factory, agents, envs
        if not isinstance(worker_factory, WorkerFactory):
            raise TypeError(
                'worker_factory must be a WorkerFactory, got '
                f'{type(worker_factory).__name__}'
            )
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

    @staticmethod
    def _check_n_episodes(n_eps_per_worker: int) -> int:
        """Check the ``n_eps_per_worker`` of ``obtain_exact_episodes``.

        Args:
            n_eps_per_worker: The number of episodes per worker.

        Returns:
            It, as a Python int.

        Raises:
            ValueError: If it is not a positive integer.

        """
        return positive_int('n_eps_per_worker', n_eps_per_worker)

    @staticmethod
    def _worker_messages(
        worker_factory: WorkerFactory,
        name: str,
        objs: Any,
        preprocess: Callable[[Any], Any] = identity_function,
    ) -> list[Any]:
        """One message per worker, via ``prepare_worker_messages``.

        Args:
            worker_factory: The sampler's worker factory.
            name: The argument the messages came from, for errors.
            objs: One value for every worker, or a list with one per worker.
            preprocess: Applied to a single value once per worker.

        Returns:
            One message per worker.

        Raises:
            ValueError: If a list does not have one entry per worker.

        """
        try:
            return worker_factory.prepare_worker_messages(objs, preprocess)
        except ValueError as error:
            raise ValueError(f'{name}: {error}') from None

    @classmethod
    def _initial_messages(
        cls,
        worker_factory: WorkerFactory,
        agents: Any,
        envs: Any,
        agent_preprocess: Callable[[Any], Any] = identity_function,
    ) -> tuple[list[Any], list[Any]]:
        """The agent and environment of each worker, checked.

        Args:
            worker_factory: The sampler's worker factory.
            agents: The ``agents`` argument of the sampler.
            envs: The ``envs`` argument of the sampler.
            agent_preprocess: Applied to a single agent once per worker.

        Returns:
            One agent and one environment (or ``EnvUpdate``) per worker.

        Raises:
            ValueError: If a list does not have one entry per worker.
            TypeError: If an agent is not a policy, or an environment is
                neither an ``Environment`` nor an ``EnvUpdate``.

        """
        agents = cls._worker_messages(
            worker_factory, 'agents', agents, agent_preprocess
        )
        envs = cls._worker_messages(worker_factory, 'envs', envs)
        for i, (agent, env) in enumerate(zip(agents, envs, strict=True)):
            if not callable(getattr(agent, 'get_action', None)):
                raise TypeError(
                    'agents must be policies (with get_action), but the one '
                    f'for worker {i} is {type(agent).__name__}'
                )
            if not isinstance(env, (Environment, EnvUpdate)):
                raise TypeError(
                    'envs must be garage Environments (or EnvUpdates that '
                    f'make them), but the one for worker {i} is '
                    f'{type(env).__name__}; wrap gym and Gymnasium '
                    'environments with garage.envs.GymEnv'
                )
        return agents, envs

    @classmethod
    def _update_messages(
        cls,
        worker_factory: WorkerFactory,
        agent_update: Any,
        env_update: Any,
        agent_preprocess: Callable[[Any], Any] = identity_function,
    ) -> tuple[list[Any], list[Any]]:
        """The agent and environment update of each worker, checked.

        Args:
            worker_factory: The sampler's worker factory.
            agent_update: The ``agent_update`` argument.
            env_update: The ``env_update`` argument.
            agent_preprocess: Applied to a single agent update once per
                worker.

        Returns:
            One agent update and one environment update per worker.

        Raises:
            ValueError: If a list does not have one entry per worker.
            TypeError: If an update is of a kind workers do not take.

        """
        agent_updates = cls._worker_messages(
            worker_factory, 'agent_update', agent_update, agent_preprocess
        )
        env_updates = cls._worker_messages(worker_factory, 'env_update', env_update)
        for i, (agent_up, env_up) in enumerate(
            zip(agent_updates, env_updates, strict=True)
        ):
            check_agent_update(agent_up, f'agent_update for worker {i}')
            check_env_update(env_up, f'env_update for worker {i}')
        return agent_updates, env_updates
