"""The sampler that runs each worker in a Ray actor, on one machine or many.

Ray is optional (``pip install 'garage[ray]'``): this module imports it only
when a `RaySampler` is made. Each worker lives in an actor. The
actors speak the protocol of
`MultiprocessingSampler`'s worker processes: every
reply is a pair ``(payload, ok)``; with ``ok`` false the payload is
``(worker_number, traceback)``, the worker's own formatted traceback. The
sampler waits on the replies with ``ray.wait``, handling each as it
arrives, so a worker that raises or whose actor dies surfaces at once as a
`WorkerError`, and the
sampler then kills every actor. Agents, environments, the worker factory
and updates are pickled with cloudpickle in the caller, so one that cannot
be sent is refused before anything is sent.

See ``docs/howto/ray-cluster.md`` for running on a Ray cluster.
"""

import logging
import os
import sys
import traceback
import types
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import cloudpickle

from garage._dtypes import EpisodeBatch
from garage.sampler._collect import collect_episodes, collect_samples
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.multiprocessing_sampler import (
    WorkerError,
    _pickled_start_messages,
    _pickled_update_messages,
)
from garage.sampler.sampler import Sampler
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

# How long shutdown_worker() lets the actors close their environments
# before it kills them.
_CLOSE_SECONDS = 5.0


class RaySampler(Sampler):
    """Runs each worker in a Ray actor, all of them at once.

    Each worker samples its share of a request in its own actor, with its
    own random state, and returns one batch per request; the batch is the
    workers' batches concatenated in worker order, so for the same seed,
    worker class and number of workers it equals ``LocalSampler``'s.

    Where the actors run is settled when the sampler is made:

    * if this process is connected to Ray by someone else (``ray.init``
      was called), the sampler uses that connection and leaves it open;
    * else, if ``RAY_ADDRESS`` is set, it joins that cluster;
    * else it starts a private local Ray instance with ``n_workers`` CPUs,
      no dashboard, quiet logging and no usage statistics, whose workers
      see this process's ``sys.path``.

    Samplers made later share a connection a sampler opened, and the last
    of them to shut down (or be garbage-collected) closes it, stopping a
    private instance, so several samplers can run at once.
    `shutdown_worker` kills the sampler's actors. Each actor sets
    PyTorch to one thread and, except in a private instance, asks Ray for
    one CPU, which spreads the actors over a cluster's nodes: ``n`` workers
    need ``n`` free CPUs, and the constructor waits until Ray can place
    them.

    Built from options, from a worker factory, or in the older positional
    form, like ``LocalSampler``.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker.
        *legacy_args: ``envs``, in the older form ``RaySampler(
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
            CPU cores of this machine (give it explicitly on a cluster).
        worker_class: The class of the workers.
        worker_args: Further keyword arguments of ``worker_class``.

    Raises:
        ImportError: If Ray is not installed.
        TypeError: If neither ``worker_factory`` nor ``max_episode_length``
            is given, both a factory and options are, an environment is not
            a garage ``Environment``, or an agent, environment or the
            factory cannot be pickled.
        ValueError: If a list of agents or environments does not have one
            entry per worker.
        WorkerError: If a worker fails to start.

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
        _import_ray()
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
        self._start(_pickled_start_messages(self, agents, envs))

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
            TypeError: If an update cannot be pickled.
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker raised an exception or its actor died;
                every actor has then been killed.

        """
        del itr
        quota = self._steps_per_worker(num_samples, self._factory.n_workers)
        return EpisodeBatch.concatenate(
            *self._sample('obtain_samples', quota, agent_update, env_update)
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
            TypeError: If an update cannot be pickled.
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker raised an exception or its actor died;
                every actor has then been killed.

        """
        n_episodes = self._check_n_episodes(n_eps_per_worker)
        return EpisodeBatch.concatenate(
            *self._sample('obtain_exact_episodes', n_episodes, agent_update, env_update)
        )

    def shutdown_worker(self) -> None:
        """Shut the workers down: close their environments, kill the actors.

        Actors that have not closed their environments within a few seconds
        are killed regardless. Disconnects from Ray if this sampler
        connected (which stops a private local instance). Calling it again
        does nothing.
        """
        if self._actors:
            ray = _import_ray()
            closing = [actor.shutdown.remote() for actor in self._actors]
            ray.wait(closing, num_returns=len(closing), timeout=_CLOSE_SECONDS)
        self._stop('shutdown_worker() was called')

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the sampler: its factory, and each worker as it is now.

        Returns:
            The state: the factory, and each worker pickled (None for a
                sampler that was shut down).

        Raises:
            TypeError: If a worker cannot be pickled.
            WorkerError: If a worker failed meanwhile.

        """
        workers = None
        if self._actors:
            replies = self._request(
                [('get_worker', ())] * self._factory.n_workers, 'pickling its worker'
            )
            for i, (data, pickled) in enumerate(replies):
                if not pickled:
                    raise TypeError(
                        f'cannot pickle this RaySampler: worker {i} cannot '
                        f'be pickled:\n\n{data}'
                    )
            workers = [data for data, _ in replies]
        return {'factory': self._factory, 'workers': workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle the sampler, starting actors for its workers.

        Connects to Ray as the constructor does.

        Args:
            state: What `__getstate__` returned.

        """
        self._factory = state['factory']
        workers = state['workers']
        if workers is None:
            self._actors = []
            self._release_connection = None
            self._closed_because = 'it was shut down before it was pickled'
            return
        no_update = cloudpickle.dumps(None)
        self._start([(worker, no_update, no_update) for worker in workers])

    def _start(self, worker_args: list[tuple[bytes, bytes, bytes]]) -> None:
        """Start one actor per worker and wait until all have their worker.

        Args:
            worker_args: For each worker, the pickled factory (or worker),
                agent and environment.

        Raises:
            WorkerError: If a worker fails to start.

        """
        ray = _import_ray()
        n_workers = len(worker_args)
        shares_connection = _Connection.open(ray, n_workers)
        # called by _stop, or when the sampler is garbage-collected
        self._release_connection = (
            weakref.finalize(self, _Connection.close, ray)
            if shares_connection
            else None
        )
        self._closed_because = ''
        # a private instance is this machine alone: placing actors by CPUs
        # would only keep several samplers from sharing it
        n_cpus_each = 0 if shares_connection and _Connection.private else 1
        n_cpus = ray.cluster_resources().get('CPU', 0)
        if n_cpus < n_workers * n_cpus_each:
            warnings.warn(
                f'RaySampler asks Ray for one CPU per worker, {n_workers} in '
                f'all, but the Ray cluster has {n_cpus:g}; it waits until '
                'the cluster has enough (an autoscaling cluster adds nodes)',
                stacklevel=3,
            )
        actor_class = ray.remote(num_cpus=n_cpus_each)(_SamplerActor)
        self._actors = [actor_class.remote(i) for i in range(n_workers)]
        self._request([('start', args) for args in worker_args], 'starting')

    def _sample(
        self, method: str, count: int, agent_update: Any, env_update: Any
    ) -> list[EpisodeBatch]:
        """Have every worker apply the updates and sample.

        A value sent to every worker is pickled and put in Ray's object
        store once.

        Args:
            method: ``'obtain_samples'`` or ``'obtain_exact_episodes'``.
            count: The steps (or episodes) each worker samples.
            agent_update: The agent update(s).
            env_update: The environment update(s).

        Returns:
            Each worker's batch, in worker order.

        """
        self._check_usable()
        ray = _import_ray()
        agent_data, env_data = _pickled_update_messages(self, agent_update, env_update)
        stored = {}
        for data in (*agent_data, *env_data):
            if id(data) not in stored:
                stored[id(data)] = ray.put(data)
        return self._request(
            [
                (method, (stored[id(agent)], stored[id(env)], count))
                for agent, env in zip(agent_data, env_data, strict=True)
            ],
            'sampling',
        )

    def _request(
        self, calls: list[tuple[str, tuple[Any, ...]]], doing: str
    ) -> list[Any]:
        """Call one method of each actor and gather the replies.

        Any failure, or an interruption (Ctrl-C), kills every actor before
        it propagates.

        Args:
            calls: One ``(method name, arguments)`` per worker.
            doing: What the workers do, for error messages.

        Returns:
            The workers' payloads, in worker order.

        Raises:
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker raised an exception or its actor died.

        """
        self._check_usable()
        try:
            refs = [
                getattr(actor, method).remote(*args)
                for actor, (method, args) in zip(self._actors, calls, strict=True)
            ]
            return self._gather(refs, doing)
        except BaseException as error:
            self._abort(error)
            raise

    def _gather(self, refs: list[Any], doing: str) -> list[Any]:
        """Wait for every actor's reply, handling each as soon as it comes.

        Args:
            refs: The object references of the replies, in worker order.
            doing: What the workers do, for error messages.

        Returns:
            The workers' payloads, in worker order.

        Raises:
            WorkerError: If a worker replied with a failure, or its actor
                died.

        """
        ray = _import_ray()
        worker_numbers = {ref: i for i, ref in enumerate(refs)}
        payloads: list[Any] = [None] * len(refs)
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                i = worker_numbers[ref]
                try:
                    payload, ok = ray.get(ref)
                except ray.exceptions.RayError as error:
                    died = isinstance(error, ray.exceptions.RayActorError)
                    how = 'died' if died else 'could not deliver its reply'
                    raise WorkerError(
                        f'the Ray actor of worker {i} {how} while {doing}; '
                        'every worker actor was killed. Ray reported:\n\n'
                        f'{error}',
                        worker_number=i,
                    ) from None
                if not ok:
                    worker_number, remote_traceback = payload
                    raise WorkerError(
                        f'worker {worker_number} (a Ray actor) raised an '
                        f'exception while {doing}; every worker actor was '
                        'killed. The traceback in the actor:\n\n'
                        f'{remote_traceback}',
                        worker_number=worker_number,
                        remote_traceback=remote_traceback,
                    )
                payloads[i] = payload
        return payloads

    def _abort(self, error: BaseException) -> None:
        """Kill every actor at once, after a failure.

        Args:
            error: The failure, recorded for later calls.

        """
        summary = str(error).split('\n', 1)[0].split(';', 1)[0] or type(error).__name__
        self._stop(f'they were killed after a failure: {summary}')

    def _stop(self, because: str) -> None:
        """Kill the actors and disconnect from Ray if this sampler connected.

        Does nothing if the actors are gone already.

        Args:
            because: Why, for the error of later calls.

        """
        actors, self._actors = self._actors, []
        if not actors:
            return
        ray = _import_ray()
        for actor in actors:
            ray.kill(actor, no_restart=True)
        if self._release_connection is not None:
            self._release_connection()
        self._closed_because = because

    def _check_usable(self) -> None:
        """Check that the workers can take a request.

        Raises:
            RuntimeError: If they were shut down.

        """
        if not self._actors:
            raise RuntimeError(
                'this RaySampler has no worker actors any more '
                f'({self._closed_because}); make a new sampler to sample '
                'again'
            )


class _SamplerActor:
    """One worker in a Ray actor, serving its sampler's requests.

    Every method replies ``(payload, ok)``: the result and True, or
    ``(worker_number, formatted traceback)`` and False if it raised.

    Args:
        worker_number: The index of the worker.

    """

    def __init__(self, worker_number: int):
        self._worker_number = worker_number
        self._worker: Worker | None = None

    def start(
        self, worker_data: bytes, agent_data: bytes, env_data: bytes
    ) -> tuple[Any, bool]:
        """Build the worker and give it its agent and environment.

        Args:
            worker_data: The pickled factory (which builds the worker) or
                worker.
            agent_data: The pickled agent (or agent update).
            env_data: The pickled environment (or environment update).

        Returns:
            The reply, with payload None.

        """
        return self._reply(self._start, worker_data, agent_data, env_data)

    def obtain_samples(
        self, agent_data: bytes, env_data: bytes, min_steps: int
    ) -> tuple[Any, bool]:
        """Apply the updates, then sample at least ``min_steps`` steps.

        Args:
            agent_data: The pickled agent update.
            env_data: The pickled environment update.
            min_steps: The worker's quota of steps.

        Returns:
            The reply, with the worker's batch.

        """
        return self._reply(
            self._collect, collect_samples, agent_data, env_data, min_steps
        )

    def obtain_exact_episodes(
        self, agent_data: bytes, env_data: bytes, n_episodes: int
    ) -> tuple[Any, bool]:
        """Apply the updates, then sample exactly ``n_episodes`` episodes.

        Args:
            agent_data: The pickled agent update.
            env_data: The pickled environment update.
            n_episodes: The number of episodes.

        Returns:
            The reply, with the worker's batch.

        """
        return self._reply(
            self._collect, collect_episodes, agent_data, env_data, n_episodes
        )

    def get_worker(self) -> tuple[Any, bool]:
        """Pickle the worker.

        Returns:
            The reply, whose payload is itself ``(data, True)`` with the
                pickled worker, or ``(traceback, False)`` if the worker
                cannot be pickled.

        """
        try:
            return (cloudpickle.dumps(self._worker), True), True
        except Exception:
            return (traceback.format_exc(), False), True

    def shutdown(self) -> tuple[Any, bool]:
        """Shut the worker down (close its environments).

        Returns:
            The reply, with payload None.

        """
        return self._reply(self._shutdown)

    def _start(self, worker_data: bytes, agent_data: bytes, env_data: bytes) -> None:
        source = cloudpickle.loads(worker_data)
        worker = source if isinstance(source, Worker) else source(self._worker_number)
        worker.update_agent(cloudpickle.loads(agent_data))
        worker.update_env(cloudpickle.loads(env_data))
        _limit_torch_threads()
        self._worker = worker

    def _collect(
        self,
        collect: Callable[[Worker, int], EpisodeBatch],
        agent_data: bytes,
        env_data: bytes,
        count: int,
    ) -> EpisodeBatch:
        self._worker.update_agent(cloudpickle.loads(agent_data))
        self._worker.update_env(cloudpickle.loads(env_data))
        _limit_torch_threads()
        return collect(self._worker, count)

    def _shutdown(self) -> None:
        if self._worker is not None:
            self._worker.shutdown()

    def _reply(self, function: Callable[..., Any], *args: Any) -> tuple[Any, bool]:
        try:
            return function(*args), True
        except Exception:
            return (self._worker_number, traceback.format_exc()), False


def _limit_torch_threads() -> None:
    """Set PyTorch to one thread, once something in this actor imported it.

    Importing PyTorch takes seconds, which an actor whose agent and
    environment do without it need not spend.
    """
    torch = sys.modules.get('torch')
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _import_ray() -> types.ModuleType:
    """Import Ray, which is optional.

    Returns:
        The ``ray`` module.

    Raises:
        ImportError: If Ray is not installed, saying how to install it.

    """
    try:
        import ray
    except ImportError as error:
        raise ImportError(
            "RaySampler needs Ray, which is not installed; install garage's "
            "ray extra: pip install 'garage[ray]'"
        ) from error
    return ray


class _Connection:
    """This process's connection to Ray, when RaySamplers opened it.

    A sampler that finds the process connected by someone else (who called
    ``ray.init``) uses that connection and never closes it. Otherwise the
    first sampler connects: it joins the cluster at ``RAY_ADDRESS`` if that
    is set, else starts a private local instance. Later samplers share the
    connection, and the last of them to shut down closes it (stopping a
    private instance). Ray's connection belongs to the process, and so does
    this record of who opened it.
    """

    n_users = 0  # samplers sharing a connection that a sampler opened
    private = False  # whether that connection is to a private instance

    @classmethod
    def open(cls, ray: types.ModuleType, n_workers: int) -> bool:
        """Connect this process to Ray, unless it is connected already.

        A private local instance gets ``n_workers`` CPUs, no dashboard and
        no usage statistics, and its workers get this process's
        ``sys.path`` as their ``PYTHONPATH`` (as worker processes of
        ``multiprocessing`` do), so that they import what this process can.

        Args:
            ray: The ``ray`` module.
            n_workers: The number of workers of the sampler.

        Returns:
            Whether the sampler shares a connection that a sampler opened,
                and must `close` it when it is done.

        """
        if ray.is_initialized():
            if cls.n_users == 0:
                return False
        else:
            quiet = {'logging_level': logging.ERROR, 'log_to_driver': False}
            cls.private = not os.environ.get('RAY_ADDRESS')
            if cls.private:
                os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
                python_path = os.pathsep.join(p for p in sys.path if p)
                ray.init(
                    address='local',
                    num_cpus=n_workers,
                    include_dashboard=False,
                    runtime_env={'env_vars': {'PYTHONPATH': python_path}},
                    **quiet,
                )
            else:
                ray.init(**quiet)
        cls.n_users += 1
        return True

    @classmethod
    def close(cls, ray: types.ModuleType) -> None:
        """Stop sharing the connection; the last sampler closes it.

        Args:
            ray: The ``ray`` module.

        """
        cls.n_users -= 1
        if cls.n_users == 0:
            ray.shutdown()
