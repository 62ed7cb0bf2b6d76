"""The sampler that runs its workers in the calling process."""

import copy

from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._pickling import ENV_FACTORY_ADVICE, explained
from garage.sampler._updates import AgentUpdate, EnvUpdateLike, PolicyLike
from garage.sampler.env_update import EnvUpdate
from garage.sampler.sampler import Broadcast, Collect, Sampler
from garage.sampler.worker import Worker, is_parameter_update


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
            or an environment is not a garage ``Environment``.
        ValueError: If a list of agents or environments does not have one
            entry per worker.

    """

    _workers: list[Worker]

    def shutdown_worker(self) -> None:
        """Shut the workers down (close their environments).

        Calling it again does nothing.
        """
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.shutdown()

    def _start(
        self,
        agents: Broadcast[PolicyLike],
        envs: Broadcast[Environment | EnvUpdate],
    ) -> None:
        self._workers = [self._factory(i) for i in range(self._factory.n_workers)]
        self._update_workers(agents, envs)

    def _sample(
        self,
        collect: Collect,
        count: int,
        agent_updates: Broadcast[AgentUpdate],
        env_updates: Broadcast[EnvUpdateLike],
    ) -> list[EpisodeBatch]:
        if not self._workers:
            raise RuntimeError(
                'this LocalSampler was shut down; make a new sampler to sample again'
            )
        self._update_workers(agent_updates, env_updates)
        return [collect(worker, count) for worker in self._workers]

    def _update_workers(
        self,
        agent_updates: Broadcast[AgentUpdate],
        env_updates: Broadcast[EnvUpdateLike],
    ) -> None:
        """Send the updates to the workers, copied so they share nothing.

        An update for every worker is deep-copied for each, unless it is
        parameter values, which workers load with ``set_param_values``
        (which copies them); an entry of a list is given as it is. Every
        environment update is deep-copied, so that workers never share an
        environment.

        Args:
            agent_updates: Each worker's agent (update).
            env_updates: Each worker's environment (update).

        """
        for worker, agent_up, env_up in zip(
            self._workers, agent_updates.messages, env_updates.messages, strict=True
        ):
            if agent_updates.shared and not is_parameter_update(agent_up):
                agent_up = copy.deepcopy(agent_up)
            worker.update_agent(agent_up)
            worker.update_env(
                explained(
                    copy.deepcopy,
                    env_up,
                    'env',
                    'the environment that LocalSampler copies for each worker',
                    ENV_FACTORY_ADVICE,
                )
            )
