"""The worker protocol of the samplers whose workers run elsewhere.

`MultiprocessingSampler` (a process per worker, a pipe to each) and
`RaySampler` (a Ray actor per worker) share it in `RemoteSampler`; each
adds only its `Transport`, which delivers messages and replies.

The sampler sends every worker a message ``(command, args)`` at once; the
worker's `WorkerHost` carries it out and replies ``(payload, ok)``: with
``ok`` true the payload is the result, otherwise it is ``(worker_number,
traceback)``, the worker's own formatted traceback. The sampler handles
each reply as it arrives, and its transport watches that the workers stay
alive while it waits, so a worker that raises or dies surfaces at once as a
`WorkerError`, and the sampler then stops every worker. Its `State` says
whether it is idle, waiting for replies, or closed. Agents, environments,
the worker factory and updates are pickled with cloudpickle in the
sampler, a value sent to several workers only once, so one that cannot be
sent is refused before anything is sent.
"""

import abc
import enum
import functools
import sys
import traceback
import weakref
from collections.abc import Iterator
from typing import Any, ClassVar, TypeAlias

import cloudpickle

from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._pickling import ENV_FACTORY_ADVICE, describe_unpicklable
from garage.sampler._updates import AgentUpdate, EnvUpdateLike, PolicyLike
from garage.sampler.env_update import EnvUpdate
from garage.sampler.sampler import Broadcast, Collect, Sampler
from garage.sampler.worker import Worker

# How long a graceful stop lets the workers close their environments
# before they are stopped by force.
CLOSE_SECONDS = 5.0


class WorkerError(RuntimeError):
    """A worker in another process failed: it raised, or its process died.

    The message carries the worker's own traceback when it raised one. By
    the time this is raised, every worker of the sampler has been stopped.

    Args:
        message: What went wrong.
        worker_number: The index of the worker that failed.
        remote_traceback: The worker's formatted traceback, or None if it
            died without one.

    Attributes:
        worker_number: The index of the worker that failed.
        remote_traceback: The worker's formatted traceback, or None.

    """

    def __init__(
        self, message: str, *, worker_number: int, remote_traceback: str | None = None
    ):
        super().__init__(message)
        self.worker_number = worker_number
        self.remote_traceback = remote_traceback

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the error with its keyword arguments."""
        return (
            functools.partial(
                type(self),
                worker_number=self.worker_number,
                remote_traceback=self.remote_traceback,
            ),
            self.args,
        )


class Command(enum.Enum):
    """What a sampler asks of a worker, and the arguments that go with it."""

    # build the worker: the pickled factory (or worker), agent, environment
    START = 'start'
    # apply the updates, then collect: collect, the pickled agent update and
    # environment update, and the count
    COLLECT = 'collect'
    # pickle the worker: no arguments
    GET_WORKER = 'get_worker'
    # shut the worker down: no arguments
    CLOSE = 'close'


Message: TypeAlias = tuple[Command, tuple[Any, ...]]
Reply: TypeAlias = tuple[Any, bool]


class State(enum.Enum):
    """Where a remote sampler is in its life."""

    IDLE = 'idle'  # the workers wait for a message
    WAITING = 'waiting'  # messages were sent; replies are awaited
    CLOSED = 'closed'  # the workers are gone


class WorkerHost:
    """One worker where it runs, carrying out its sampler's messages.

    A worker process of `MultiprocessingSampler` runs one; each Ray actor
    of `RaySampler` is one.

    Args:
        worker_number: The index of the worker.

    """

    def __init__(self, worker_number: int) -> None:
        self._worker_number = worker_number
        self._worker: Worker | None = None

    def execute(self, command: Command, *args: Any) -> Reply:
        """Carry out one message.

        Args:
            command: What to do.
            *args: Its arguments (see `Command`).

        Returns:
            The reply: the result and True, or ``(worker_number, formatted
                traceback)`` and False if it raised. The reply to
                ``GET_WORKER`` is itself ``(pickled worker, True)``, or
                ``(traceback, False)`` if the worker cannot be pickled.

        """
        try:
            return self._execute(command, args), True
        except Exception:
            return (self._worker_number, traceback.format_exc()), False

    def close(self) -> None:
        """Shut the worker down, if it was started; again does nothing."""
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown()

    def _execute(self, command: Command, args: tuple[Any, ...]) -> Any:
        if command is Command.START:
            worker_data, agent_data, env_data = args
            source = cloudpickle.loads(worker_data)
            worker = (
                source if isinstance(source, Worker) else source(self._worker_number)
            )
            worker.update_agent(cloudpickle.loads(agent_data))
            worker.update_env(cloudpickle.loads(env_data))
            self._worker = worker
            limit_torch_threads()
            return None
        if command is Command.CLOSE:
            self.close()
            return None
        worker = self._worker
        if worker is None:
            raise RuntimeError(f'worker {self._worker_number} is not running')
        if command is Command.GET_WORKER:
            try:
                return cloudpickle.dumps(worker), True
            except Exception:
                return traceback.format_exc(), False
        collect, agent_data, env_data, count = args
        worker.update_agent(cloudpickle.loads(agent_data))
        worker.update_env(cloudpickle.loads(env_data))
        limit_torch_threads()
        return collect(worker, count)


def pickle_reply(reply: Reply, worker_number: int) -> bytes:
    """Pickle a reply for a pipe; one that cannot be, as a failure.

    Args:
        reply: The reply.
        worker_number: The worker that gives it.

    Returns:
        The pickled reply.

    """
    try:
        return cloudpickle.dumps(reply)
    except Exception:
        return cloudpickle.dumps(((worker_number, traceback.format_exc()), False))


def limit_torch_threads() -> None:
    """Set PyTorch to one thread, once something here imported it.

    Importing PyTorch takes seconds, which a worker whose agent and
    environment do without it need not spend.
    """
    torch = sys.modules.get('torch')
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


class Transport(abc.ABC):
    """How a remote sampler reaches its started workers."""

    @abc.abstractmethod
    def exchange(
        self, messages: list[Message], doing: str
    ) -> Iterator[tuple[int, Reply]]:
        """Send each worker its message; yield the replies as they come.

        Args:
            messages: One message per worker, in worker order.
            doing: What the workers do, for error messages.

        Yields:
            The worker number and reply of each worker, as each arrives.

        Raises:
            WorkerError: If a worker died or cannot be reached.

        """

    @abc.abstractmethod
    def stop(self, *, graceful: bool = True) -> None:
        """Stop the workers; calling it again does nothing.

        Args:
            graceful: Ask the workers to shut down (close their
                environments) first, and force only those that have not
                within `CLOSE_SECONDS`; otherwise force them at once.

        """

    @abc.abstractmethod
    def describe(self, worker_number: int) -> str:
        """Where a worker runs, for messages (``'process 810'``).

        Args:
            worker_number: The worker.

        Returns:
            The description.

        """


class RemoteSampler(Sampler):
    """A sampler whose workers run elsewhere, each behind a `WorkerHost`.

    Subclasses provide `_connect`, which starts the transport, and the
    names of their workers for messages.
    """

    # what a worker is, and workers are, for messages
    _WORKER: ClassVar[str]
    _WORKERS: ClassVar[str]

    _state: State
    _closed_because: str
    _transport: Transport
    _finalizer: weakref.finalize

    @abc.abstractmethod
    def _connect(self, n_workers: int) -> Transport:
        """Start a transport to workers that wait for ``START``.

        Stops whatever it started if it fails.

        Args:
            n_workers: The number of workers.

        Returns:
            The transport.

        """

    def shutdown_worker(self) -> None:
        """Shut the workers down: close their environments, then end them.

        Workers that have not shut down within a few seconds are stopped
        by force. Calling it again does nothing.
        """
        self._stop('shutdown_worker() was called', graceful=True)

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
        if self._state is not State.CLOSED:
            replies = self._request(
                [(Command.GET_WORKER, ())] * self._factory.n_workers,
                'pickling its worker',
            )
            for i, (data, pickled) in enumerate(replies):
                if not pickled:
                    raise TypeError(
                        f'cannot pickle this {type(self).__name__}: worker '
                        f'{i} cannot be pickled:\n\n{data}'
                    )
            workers = [data for data, _ in replies]
        return {'factory': self._factory, 'workers': workers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle the sampler, starting workers where they were.

        Args:
            state: What `__getstate__` returned.

        """
        self._factory = state['factory']
        workers = state['workers']
        if workers is None:
            self._state = State.CLOSED
            self._closed_because = 'it was shut down before it was pickled'
            return
        no_update = cloudpickle.dumps(None)
        self._start_workers([(worker, no_update, no_update) for worker in workers])

    def _start(
        self,
        agents: Broadcast[PolicyLike],
        envs: Broadcast[Environment | EnvUpdate],
    ) -> None:
        factory_data = self._dumps(self._factory, 'the worker factory')
        agent_data = self._pickle(agents, 'the agent')
        env_data = self._pickle(envs, 'the environment')
        self._start_workers(
            [
                (factory_data, agent, env)
                for agent, env in zip(agent_data, env_data, strict=True)
            ]
        )

    def _sample(
        self,
        collect: Collect,
        count: int,
        agent_updates: Broadcast[AgentUpdate],
        env_updates: Broadcast[EnvUpdateLike],
    ) -> list[EpisodeBatch]:
        self._check_usable()
        agent_data = self._pickle(agent_updates, 'the agent update')
        env_data = self._pickle(env_updates, 'the environment update')
        return self._request(
            [
                (Command.COLLECT, (collect, agent, env, count))
                for agent, env in zip(agent_data, env_data, strict=True)
            ],
            'sampling',
        )

    def _start_workers(self, start_args: list[tuple[bytes, bytes, bytes]]) -> None:
        """Start one worker per entry and wait until all are ready.

        Args:
            start_args: For each worker, the pickled factory (or worker),
                agent and environment.

        Raises:
            WorkerError: If a worker fails to start.

        """
        self._closed_because = ''
        self._transport = self._connect(len(start_args))
        # stops the workers when the sampler is garbage-collected, and at
        # interpreter exit
        self._finalizer = weakref.finalize(self, self._transport.stop)
        self._state = State.IDLE
        self._request([(Command.START, args) for args in start_args], 'starting')

    def _request(self, messages: list[Message], doing: str) -> list[Any]:
        """Send one message to each worker and gather the replies.

        Any failure, or an interruption (Ctrl-C), stops every worker at
        once before it propagates.

        Args:
            messages: One message per worker.
            doing: What the workers do, for error messages.

        Returns:
            The workers' payloads, in worker order.

        Raises:
            RuntimeError: If the workers were shut down, or are busy.
            WorkerError: If a worker raised an exception or died.

        """
        self._check_usable()
        self._state = State.WAITING
        payloads: list[Any] = [None] * len(messages)
        try:
            for i, (payload, ok) in self._transport.exchange(messages, doing):
                if not ok:
                    raise self._failure(payload, doing)
                payloads[i] = payload
        except BaseException as error:
            summary = (
                str(error).split('\n', 1)[0].split(';', 1)[0] or type(error).__name__
            )
            self._stop(f'they were stopped after a failure: {summary}', graceful=False)
            raise
        self._state = State.IDLE
        return payloads

    def _failure(self, payload: tuple[int, str], doing: str) -> WorkerError:
        """The error for a worker's failure reply.

        Args:
            payload: The reply's ``(worker_number, traceback)``.
            doing: What the worker was doing.

        Returns:
            The error to raise.

        """
        worker_number, remote_traceback = payload
        return WorkerError(
            f'worker {worker_number} ({self._transport.describe(worker_number)}) '
            f'raised an exception while {doing}; every {self._WORKER} was '
            f'stopped. The traceback in the {self._WORKER}:\n\n'
            f'{remote_traceback}',
            worker_number=worker_number,
            remote_traceback=remote_traceback,
        )

    def _stop(self, because: str, *, graceful: bool) -> None:
        """Stop the workers, unless they are gone already.

        Args:
            because: Why, for the error of later calls.
            graceful: Let the workers shut down first (see `Transport.stop`).

        """
        if self._state is State.CLOSED:
            return
        self._state = State.CLOSED
        self._closed_because = because
        if self._finalizer.detach() is not None:
            self._transport.stop(graceful=graceful)

    def _check_usable(self) -> None:
        """Check that the workers can take a message.

        Raises:
            RuntimeError: If they were shut down, or are busy.

        """
        if self._state is State.CLOSED:
            raise RuntimeError(
                f'this {type(self).__name__} has no {self._WORKERS} any more '
                f'({self._closed_because}); make a new sampler to sample again'
            )
        if self._state is State.WAITING:
            raise RuntimeError(
                f'this {type(self).__name__} is busy with another request; a '
                'sampler serves one request at a time'
            )

    def _pickle(self, broadcast: Broadcast[Any], description: str) -> list[bytes]:
        """Pickle each worker's message; one sent to several, only once.

        Args:
            broadcast: The messages.
            description: What they are, for errors.

        Returns:
            One pickled message per worker.

        Raises:
            TypeError: If a message cannot be pickled.

        """
        pickled: dict[int, bytes] = {}
        data = []
        for i, obj in enumerate(broadcast.messages):
            if id(obj) not in pickled:
                where = None if broadcast.shared else i
                pickled[id(obj)] = self._dumps(obj, description, worker_number=where)
            data.append(pickled[id(obj)])
        return data

    def _dumps(
        self, obj: Any, description: str, *, worker_number: int | None = None
    ) -> bytes:
        """Pickle a value for the workers, with cloudpickle.

        Args:
            obj: The value.
            description: What it is, for the error message.
            worker_number: The worker it is for, for the error message; None
                for a value sent to every worker.

        Returns:
            The pickled value.

        Raises:
            TypeError: If it cannot be pickled.

        """
        try:
            return cloudpickle.dumps(obj)
        except Exception as error:
            text = repr(obj)
            if len(text) > 100:
                text = f'{text[:97]}...'
            where = (
                f'the {self._WORKERS}'
                if worker_number is None
                else f'worker {worker_number}'
            )
            name = description.removeprefix('the ').replace(' ', '_')
            culprit = describe_unpicklable(obj, name, reason=False)
            detail = f'{type(error).__name__}: {error}'
            if culprit is not None:
                detail = f'{detail}: {culprit}'
            advice = f'. {ENV_FACTORY_ADVICE}' if 'environment' in description else ''
            raise TypeError(
                f'cannot send {description} {text} to {where}: '
                f'{detail}. Whatever goes to a '
                f'{self._WORKER} must pickle with cloudpickle{advice}'
            ) from error
