"""The sampler that runs its workers in the calling process."""

import copy
from typing import Any

from garage._dtypes import EpisodeBatch
from garage.sampler._collect import collect_episodes, collect_samples
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.sampler import Sampler
from garage.sampler.worker import Worker, is_parameter_update
from garage.sampler.worker_factory import WorkerFactory


class LocalSampler(Sampler):
    """Runs every worker in turn in the calling process and thread.

    The simplest sampler, and the reference the others match: with the
    same seed, every sampler returns the same batch. Each worker gets its
    own deep copy of the environment (and of the agent, if one agent is
    given for all), so workers never share one.

    Built either from options:

        LocalSampler(agents=policy, envs=env, max_episode_length=100)

    or from a worker factory, as ``LocalSampler(policy, env,
    worker_factory=factory)``, ``LocalSampler.from_worker_factory(factory,
    policy, env)`` or the older positional form ``LocalSampler(factory,
    policy, env)``.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker.
        *legacy_args: ``envs``, in the older form ``LocalSampler(
            worker_factory, agents, envs)``.
        worker_factory: Builds the workers; if given, the options below
            must not be.
        max_episode_length: The longest an episode may run; needed if no
            ``worker_factory`` is given.
        is_tf_worker: The original garage's TensorFlow switch: True is
            an error, False a deprecation warning.
        seed: The seed the workers derive theirs from; None takes
            ``garage.experiment.deterministic.get_seed()``.
        n_workers: The number of workers; None takes the number of physical
            CPU cores.
        worker_class: The class of the workers.
        worker_args: Further keyword arguments of ``worker_class``.

    Raises:
        TypeError: If neither ``worker_factory`` nor ``max_episode_length``
            is given, or both a factory and options are, or an environment
            is not a garage ``Environment``.
        ValueError: If a list of agents or environments does not have one
            entry per worker.

    """

    def __init__(
        self,
        agents: Any,
        envs: Any,
        *legacy_args: Any,
        worker_factory: WorkerFactory | None = None,
        max_episode_length: int | None = None,
        is_tf_worker: bool | None = None,
        seed: int | None = None,
        n_workers: int | None = None,
        worker_class: type[Worker] = DefaultWorker,
        worker_args: dict[str, Any] | None = None,
    ):
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
        agents, envs = self._initial_messages(
            self._factory, agents, envs, copy.deepcopy
        )
        self._workers = [self._factory(i) for i in range(self._factory.n_workers)]
        for worker, agent, env in zip(self._workers, agents, envs, strict=True):
            worker.update_agent(agent)
            worker.update_env(copy.deepcopy(env))

    @property
    def worker_factory(self) -> WorkerFactory:
        """The factory the workers were built with."""
        return self._factory

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
            RuntimeError: If the workers were shut down.

        """
        del itr
        quota = self._steps_per_worker(num_samples, self._factory.n_workers)
        workers = self._update_workers(agent_update, env_update)
        return EpisodeBatch.concatenate(
            *(collect_samples(worker, quota) for worker in workers)
        )

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
            RuntimeError: If the workers were shut down.

        """
        n_episodes = self._check_n_episodes(n_eps_per_worker)
        workers = self._update_workers(agent_update, env_update)
        return EpisodeBatch.concatenate(
            *(collect_episodes(worker, n_episodes) for worker in workers)
        )

    def shutdown_worker(self) -> None:
        """Shut the workers down (close their environments).

        Calling it again does nothing.
        """
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.shutdown()

    def _update_workers(self, agent_update: Any, env_update: Any) -> list[Worker]:
        """Send the updates to the workers.

        A single environment update is deep-copied for each worker, and so
        is each entry of a list, so that workers never share an
        environment; a single policy is deep-copied for each worker, while
        parameter values are shared (``set_param_values`` copies them).

        Returns:
            The workers.

        Raises:
            RuntimeError: If the workers were shut down.

        """
        if not self._workers:
            raise RuntimeError(
                'this LocalSampler was shut down; make a new sampler to sample again'
            )
        agent_updates, env_updates = self._update_messages(
            self._factory, agent_update, env_update, _copy_agent_update
        )
        for worker, agent_up, env_up in zip(
            self._workers, agent_updates, env_updates, strict=True
        ):
            worker.update_agent(agent_up)
            worker.update_env(copy.deepcopy(env_up))
        return self._workers


def _copy_agent_update(agent_update: Any) -> Any:
    """Copy an agent update for one of several workers in this process.

    Parameter values (dicts, arrays) are shared, since workers load them
    with ``set_param_values``, which copies them; a policy is deep-copied,
    so that workers do not share a policy object.
    """
    if agent_update is None or is_parameter_update(agent_update):
        return agent_update
    return copy.deepcopy(agent_update)
