"""The sampler that runs each worker in a Ray actor, on one machine or many.

Ray is optional (``pip install 'garage[ray]'``): this module imports it only
when a `RaySampler` is made. Each worker lives in an actor, a
`garage.sampler._remote.WorkerHost`, which speaks the protocol
`MultiprocessingSampler`'s worker processes speak: every reply is a pair
``(payload, ok)``, and a failure carries the worker's own traceback. The
sampler waits on the replies with ``ray.wait``, handling each as it
arrives, so a worker that raises or whose actor dies surfaces at once as a
`WorkerError`, and the sampler then stops every actor.

See ``docs/howto/ray-cluster.md`` for running on a Ray cluster.
"""

import logging
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

from garage.sampler._checks import warn_caller
from garage.sampler._remote import (
    CLOSE_SECONDS,
    Command,
    Message,
    RemoteSampler,
    Reply,
    Transport,
    WorkerError,
    WorkerHost,
)
from garage.sampler._updates import AgentUpdates, EnvUpdates
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

# Ray's switch for token authentication, 'token' or 'disabled'
_AUTH_MODE = 'RAY_AUTH_MODE'


class RaySampler(RemoteSampler):
    """Runs each worker in a Ray actor, all of them at once.

    Each worker samples its share of a request in its own actor, with its
    own random state, and returns one batch per request; the batch is the
    workers' batches concatenated in worker order, so for the same seed,
    worker class and number of workers it equals ``LocalSampler``'s.

    Where the actors run is settled when the sampler is made:

    * if this process is connected to Ray by someone else (``ray.init``
      was called), the sampler uses that connection and leaves it open;
    * else, if ``RAY_ADDRESS`` is set, it joins that cluster, with this
      machine's Ray token if the cluster uses token authentication and
      ``RAY_AUTH_MODE`` is unset;
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
    form, like ``LocalSampler``. Agents, environments, the worker factory
    and updates are pickled with cloudpickle in the caller, so one that
    cannot be sent is refused before anything is sent.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker.
        *legacy_args: ``envs``, in the older form ``RaySampler(
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
            CPU cores of this machine (give it explicitly on a cluster).
        worker_class: The class of the workers.
        worker_args: Further keyword arguments of ``worker_class``.

    Raises:
        ImportError: If Ray is not installed.
        TypeError: If both a factory and options to build one are given,
            an environment is not a garage ``Environment``, or an agent,
            environment or the factory cannot be pickled.
        ValueError: If a list of agents or environments does not have one
            entry per worker.
        WorkerError: If a worker fails to start.

    """

    _WORKER = 'worker actor'
    _WORKERS = 'worker actors'

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
        _import_ray()
        super().__init__(
            agents,
            envs,
            *legacy_args,
            worker_factory=worker_factory,
            max_episode_length=max_episode_length,
            is_tf_worker=is_tf_worker,
            seed=seed,
            n_workers=n_workers,
            worker_class=worker_class,
            worker_args=worker_args,
        )

    def _connect(self, n_workers: int) -> Transport:
        return _Actors(n_workers)


class _Actors(Transport):
    """The worker actors, and this process's share of the Ray connection.

    Connects to Ray as `RaySampler` describes, and starts one actor per
    worker, each a `WorkerHost`.

    Args:
        n_workers: The number of workers.

    """

    def __init__(self, n_workers: int) -> None:
        ray = _import_ray()
        self._ray = ray
        self._shares_connection = _Connection.open(ray, n_workers)
        # a private instance is this machine alone: placing actors by CPUs
        # would only keep several samplers from sharing it
        n_cpus_each = 0 if self._shares_connection and _Connection.private else 1
        try:
            n_cpus = ray.cluster_resources().get('CPU', 0)
            if n_cpus < n_workers * n_cpus_each:
                warn_caller(
                    f'RaySampler asks Ray for one CPU per worker, {n_workers} '
                    f'in all, but the Ray cluster has {n_cpus:g}; it waits '
                    'until the cluster has enough (an autoscaling cluster adds '
                    'nodes)'
                )
            actor_class = ray.remote(num_cpus=n_cpus_each)(WorkerHost)
            self._actors = [actor_class.remote(i) for i in range(n_workers)]
        except BaseException:
            self._actors = []
            self.stop(graceful=False)
            raise

    def exchange(
        self, messages: list[Message], doing: str
    ) -> Iterator[tuple[int, Reply]]:
        ray = self._ray
        # a value for several workers goes to the object store once; Ray
        # hands top-level references to the actors as their values
        stored: dict[int, Any] = {}

        def store(arg: Any) -> Any:
            if not isinstance(arg, bytes):
                return arg
            if id(arg) not in stored:
                stored[id(arg)] = ray.put(arg)
            return stored[id(arg)]

        refs = [
            actor.execute.remote(command, *map(store, args))
            for actor, (command, args) in zip(self._actors, messages, strict=True)
        ]
        worker_numbers = {ref: i for i, ref in enumerate(refs)}
        pending = refs
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                i = worker_numbers[ref]
                try:
                    reply = ray.get(ref)
                except ray.exceptions.RayError as error:
                    died = isinstance(error, ray.exceptions.RayActorError)
                    how = 'died' if died else 'could not deliver its reply'
                    raise WorkerError(
                        f'the Ray actor of worker {i} {how} while {doing}; '
                        'every worker actor was stopped. Ray reported:\n\n'
                        f'{error}',
                        worker_number=i,
                    ) from None
                yield i, reply

    def stop(self, *, graceful: bool = True) -> None:
        actors, self._actors = self._actors, []
        ray = self._ray
        if actors and ray.is_initialized():
            if graceful:
                closing = [actor.execute.remote(Command.CLOSE) for actor in actors]
                ray.wait(closing, num_returns=len(closing), timeout=CLOSE_SECONDS)
            for actor in actors:
                ray.kill(actor, no_restart=True)
        if self._shares_connection:
            self._shares_connection = False
            _Connection.close(ray)

    def describe(self, worker_number: int) -> str:
        return 'a Ray actor'


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
                _join(ray, os.environ['RAY_ADDRESS'], quiet)
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


def _join(ray: types.ModuleType, address: str, options: dict[str, Any]) -> None:
    """Join the Ray cluster at ``address``, with its token if it asks for one.

    Ray (2.60, for one) turns token authentication on for a head node that
    finds a token on its machine (``~/.ray/auth_token``, which any local
    ``ray.init()`` writes, a private instance of `RaySampler` included), but
    a driver joining at an explicit address sends its token only if
    ``RAY_AUTH_MODE=token``. So where ``RAY_AUTH_MODE`` is unset and this
    machine holds a token, a cluster that refuses a connection without one
    is joined in token mode, as Ray joins a cluster it finds by itself.

    Args:
        ray: The ``ray`` module.
        address: The cluster's address, from ``RAY_ADDRESS``.
        options: Further keyword arguments of ``ray.init``.

    Raises:
        ConnectionError: If Ray cannot join the cluster; where the cluster
            refused this process's token, the message says what to set.

    """
    if os.environ.get(_AUTH_MODE) is None and _asks_for_token(ray, address):
        # what Ray does to join a local cluster that wants a token: token
        # mode for this process and the processes it starts
        os.environ[_AUTH_MODE] = 'token'
        from ray._raylet import Config  # type: ignore[attr-defined]

        Config.initialize('')
    try:
        ray.init(**options)
    except ConnectionError as error:
        if not _refused_for_token(ray, error):
            raise
        raise ConnectionError(
            f'RaySampler could not join the Ray cluster at RAY_ADDRESS={address}: '
            'the cluster uses token authentication and refused this process '
            f'(RAY_AUTH_MODE={os.environ.get(_AUTH_MODE, "unset")}). Set '
            "RAY_AUTH_MODE=token and give this process the cluster's token: "
            "copy the head node's ~/.ray/auth_token (`ray get-auth-token` "
            'prints it there) to ~/.ray/auth_token on this machine, or set '
            'RAY_AUTH_TOKEN to it (or RAY_AUTH_TOKEN_PATH to a file holding it); '
            'see docs/howto/ray-cluster.md'
        ) from error


def _asks_for_token(ray: types.ModuleType, address: str) -> bool:
    """Whether the cluster wants a token that this machine holds.

    Args:
        ray: The ``ray`` module.
        address: The cluster's address, ``host:port``.

    Returns:
        True if this machine holds a token and the cluster's GCS refuses a
            request without one; False for a Ray without token
            authentication, and where the cluster cannot be asked (Ray's
            own connection reports why).

    """
    try:
        from ray._raylet import (  # type: ignore[attr-defined]
            AuthenticationTokenLoader,
            GcsClient,
        )
    except ImportError:  # a Ray without token authentication
        return False
    if address in ('auto', 'local') or '://' in address:
        return False  # Ray settles these itself
    if not AuthenticationTokenLoader.instance().has_token(ignore_auth_mode=True):
        return False
    try:
        GcsClient(address=address)
    except ray.exceptions.AuthenticationError:
        return True
    except Exception:  # ray.init reports an unreachable cluster
        return False
    return False


def _refused_for_token(ray: types.ModuleType, error: BaseException) -> bool:
    """Whether Ray's connection error comes from a refused token.

    Args:
        ray: The ``ray`` module.
        error: The error ``ray.init`` raised.

    Returns:
        True if the error, or an error it was raised from, is Ray's
            authentication error (Ray passes it on as text).

    """
    refused = getattr(ray.exceptions, 'AuthenticationError', ())
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, refused) or 'InvalidAuthToken' in str(cause):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
