"""The sampler that runs each worker in a process of its own.

The parent and each worker process talk over a pipe. The parent sends
commands; every reply is a pair ``(payload, ok)``: with ``ok`` true the
payload is the result, otherwise it is ``(worker_number, traceback)``, the
worker's own formatted traceback. Waits poll the pipes with short timeouts
and check that every worker process is still alive, so a worker that raises
or dies surfaces at once as a `WorkerError`, and the parent then
stops every worker process. Agents, environments and their updates are
pickled with cloudpickle in the parent, so one that cannot be sent is
refused before anything is sent.
"""

import contextlib
import enum
import functools
import multiprocessing
import pickle
import signal
import time
import traceback
import weakref
from multiprocessing import connection
from multiprocessing.context import BaseContext
from typing import Any

import cloudpickle

from garage._dtypes import EpisodeBatch
from garage.sampler._collect import collect_episodes, collect_samples
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.sampler import Sampler
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

# How long one wait for replies lasts before the processes' liveness is
# checked again.
_POLL_SECONDS = 0.1
# How long shutdown_worker() lets the workers close their environments
# before it terminates them.
_CLOSE_SECONDS = 5.0
# How long a terminated worker process has to exit before it is killed.
_TERMINATE_SECONDS = 2.0
# What the forkserver imports once, so that worker processes start quickly.
_FORKSERVER_PRELOAD = ['torch', 'garage.sampler', 'garage.torch']


class WorkerError(RuntimeError):
    """A worker process failed: it raised an exception, or it died.

    The message carries the worker's own traceback when it raised one. By
    the time this is raised, every worker process of the sampler has been
    stopped.

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


class _State(enum.Enum):
    """Where a sampler is in its life."""

    IDLE = 'idle'  # the workers wait for a command
    WAITING = 'waiting'  # a command was sent; replies are awaited
    CLOSED = 'closed'  # the worker processes are gone


class _Command(enum.Enum):
    """What the parent asks a worker process to do."""

    SAMPLES = 'samples'  # collect_samples(worker, count)
    EPISODES = 'episodes'  # collect_episodes(worker, count)
    GET_WORKER = 'get_worker'  # pickle the worker
    CLOSE = 'close'  # shut the worker down and exit


class MultiprocessingSampler(Sampler):
    """Runs each worker in a process of its own, all of them at once.

    Each worker samples its share of a request in its own process, with its
    own random state, and returns one batch per request; the batch is the
    workers' batches concatenated in worker order, so for the same seed,
    worker class and number of workers it equals ``LocalSampler``'s.

    Worker processes are started when the sampler is constructed, set
    PyTorch to one thread and ignore ``SIGINT`` (Ctrl-C interrupts the
    parent, which stops them). They are stopped by `shutdown_worker`,
    when the sampler is garbage-collected, at interpreter exit, and after
    any failure.

    The default start method is ``'fork'`` where the platform has it (else
    ``'spawn'``), as in the original garage: worker processes start in
    milliseconds, and launcher scripts that run their experiment at the top
    level, without ``if __name__ == '__main__':``, keep working. Forked
    workers run PyTorch on one thread, which keeps them clear of the thread
    pool the parent may have used. ``'forkserver'`` (whose server imports
    PyTorch and garage once) and ``'spawn'`` start from a fresh interpreter,
    which a parent that uses CUDA needs; with them each worker imports the
    main module, so a launcher script must build its sampler under
    ``if __name__ == '__main__':``.

    Built from options, from a worker factory, or in the older positional
    form, like ``LocalSampler``.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker.
        *legacy_args: ``envs``, in the older form ``MultiprocessingSampler(
            worker_factory, agents, envs)``.
        worker_factory: Builds the workers; if given, the options below
            (but ``mp_context``) must not be.
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
        mp_context: The multiprocessing context or start method name
            (``'fork'``, ``'forkserver'`` or ``'spawn'``); None picks
            ``'fork'`` where available, else ``'spawn'``.

    Raises:
        TypeError: If neither ``worker_factory`` nor ``max_episode_length``
            is given, both a factory and options are, an environment is not
            a garage ``Environment``, an agent, environment or the factory
            cannot be pickled, or ``mp_context`` is neither a context nor a
            string.
        ValueError: If a list of agents or environments does not have one
            entry per worker, or ``mp_context`` names no start method.
        WorkerError: If a worker process fails to start.

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
        mp_context: BaseContext | str | None = None,
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
        self._context = _resolve_context(mp_context)
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
            WorkerError: If a worker raised an exception or died; every
                worker process has then been stopped.

        """
        del itr
        quota = self._steps_per_worker(num_samples, self._factory.n_workers)
        return EpisodeBatch.concatenate(
            *self._sample(_Command.SAMPLES, quota, agent_update, env_update)
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
            WorkerError: If a worker raised an exception or died; every
                worker process has then been stopped.

        """
        n_episodes = self._check_n_episodes(n_eps_per_worker)
        return EpisodeBatch.concatenate(
            *self._sample(_Command.EPISODES, n_episodes, agent_update, env_update)
        )

    def shutdown_worker(self) -> None:
        """Shut the workers down: close their environments, end the processes.

        Workers that do not exit within a few seconds are terminated.
        Calling it again does nothing.
        """
        self._finalizer()
        if self._state is not _State.CLOSED:
            self._state = _State.CLOSED
            self._closed_because = 'shutdown_worker() was called'

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the sampler: its factory, and each worker as it is now.

        Returns:
            The state: the factory, the start method, and each worker
                pickled (None for a sampler that was shut down).

        Raises:
            TypeError: If a worker cannot be pickled.
            WorkerError: If a worker process failed meanwhile.

        """
        workers = None
        if self._state is not _State.CLOSED:
            replies = self._request(
                [(_Command.GET_WORKER, None)] * self._factory.n_workers,
                'pickling its worker',
            )
            for i, (data, pickled) in enumerate(replies):
                if not pickled:
                    raise TypeError(
                        f'cannot pickle this MultiprocessingSampler: worker '
                        f'{i} cannot be pickled:\n\n{data}'
                    )
            workers = [data for data, _ in replies]
        return {
            'factory': self._factory,
            'start_method': self._context.get_start_method(),
            'workers': workers,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle the sampler, starting worker processes for its workers.

        Args:
            state: What `__getstate__` returned.

        """
        self._factory = state['factory']
        self._context = _resolve_context(state['start_method'])
        workers = state['workers']
        if workers is None:
            self._processes = _Processes()
            self._finalizer = weakref.finalize(self, self._processes.stop)
            self._state = _State.CLOSED
            self._closed_because = 'it was shut down before it was pickled'
            return
        no_update = cloudpickle.dumps(None)
        self._start([(worker, no_update, no_update) for worker in workers])

    def _start(self, worker_args: list[tuple[bytes, bytes, bytes]]) -> None:
        """Start one worker process per worker and wait until all are ready.

        Args:
            worker_args: For each worker, the pickled factory (or worker),
                agent and environment.

        Raises:
            WorkerError: If a worker process fails to start.

        """
        self._processes = _Processes()
        self._finalizer = weakref.finalize(self, self._processes.stop)
        self._state = _State.WAITING
        self._closed_because = ''
        try:
            for i, args in enumerate(worker_args):
                parent_conn, child_conn = self._context.Pipe()
                process = self._context.Process(
                    target=_run_worker,
                    args=(child_conn, i, *args),
                    name=f'garage-sampler-worker-{i}',
                    daemon=True,
                )
                try:
                    process.start()
                finally:
                    # the parent keeps only its own end, so that a worker's
                    # death shows as the end of its pipe
                    child_conn.close()
                self._processes.add(process, parent_conn)
            self._gather('starting')
        except BaseException as error:
            self._abort(error)
            raise
        self._state = _State.IDLE

    def _sample(
        self, command: _Command, count: int, agent_update: Any, env_update: Any
    ) -> list[EpisodeBatch]:
        """Have every worker apply the updates and sample.

        Args:
            command: ``_Command.SAMPLES`` or ``_Command.EPISODES``.
            count: The steps (or episodes) each worker samples.
            agent_update: The agent update(s).
            env_update: The environment update(s).

        Returns:
            Each worker's batch, in worker order.

        """
        self._check_usable()
        agent_data, env_data = _pickled_update_messages(self, agent_update, env_update)
        return self._request(
            [
                (command, (agent, env, count))
                for agent, env in zip(agent_data, env_data, strict=True)
            ],
            'sampling',
        )

    def _request(self, messages: list[tuple[_Command, Any]], doing: str) -> list[Any]:
        """Send one command to each worker and gather the replies.

        Any failure, or an interruption (Ctrl-C), stops every worker
        process before it propagates.

        Args:
            messages: One ``(command, arguments)`` per worker.
            doing: What the workers do, for error messages.

        Returns:
            The workers' payloads, in worker order.

        Raises:
            RuntimeError: If the workers were shut down.
            WorkerError: If a worker raised an exception or died.

        """
        self._check_usable()
        self._state = _State.WAITING
        try:
            for i, message in enumerate(messages):
                try:
                    self._processes.conns[i].send(message)
                except OSError:
                    raise self._death_error(i, doing) from None
            replies = self._gather(doing)
        except BaseException as error:
            self._abort(error)
            raise
        self._state = _State.IDLE
        return replies

    def _gather(self, doing: str) -> list[Any]:
        """Wait for one reply from every worker, watching they stay alive.

        Args:
            doing: What the workers do, for error messages.

        Returns:
            The workers' payloads, in worker order.

        Raises:
            WorkerError: If a worker replied with a failure, or died.

        """
        processes = self._processes.processes
        conns = self._processes.conns
        payloads: list[Any] = [None] * len(conns)
        pending = list(range(len(conns)))
        while pending:
            connection.wait(
                [conns[i] for i in pending] + [processes[i].sentinel for i in pending],
                timeout=_POLL_SECONDS,
            )
            for i in list(pending):
                if conns[i].poll():
                    try:
                        payload, ok = pickle.loads(conns[i].recv_bytes())
                    except (EOFError, OSError):
                        raise self._death_error(i, doing) from None
                    if not ok:
                        worker_number, remote_traceback = payload
                        raise WorkerError(
                            f'worker {worker_number} (process '
                            f'{processes[i].pid}) raised an exception while '
                            f'{doing}; every worker process was stopped. '
                            'The traceback in the worker process:\n\n'
                            f'{remote_traceback}',
                            worker_number=worker_number,
                            remote_traceback=remote_traceback,
                        )
                    payloads[i] = payload
                    pending.remove(i)
                elif not processes[i].is_alive():
                    raise self._death_error(i, doing)
        return payloads

    def _death_error(self, worker_number: int, doing: str) -> WorkerError:
        """The error for a worker process that died or closed its pipe.

        Args:
            worker_number: The worker.
            doing: What it was doing.

        Returns:
            The error to raise.

        """
        process = self._processes.processes[worker_number]
        process.join(_TERMINATE_SECONDS)
        code = process.exitcode
        if code is None:
            how = 'closed its pipe'
        elif code < 0:
            how = f'was killed by signal {signal.Signals(-code).name}'
        else:
            how = f'exited with code {code}'
        message = (
            f'worker {worker_number} (process {process.pid}) {how} '
            f'while {doing}; every worker process was stopped'
        )
        if doing == 'starting':
            message += (
                f'. Its standard error may say why. Worker processes started '
                f'with {self._context.get_start_method()!r} import the main '
                'module: a script must build its sampler under `if __name__ '
                "== '__main__':`"
            )
        return WorkerError(message, worker_number=worker_number)

    def _abort(self, error: BaseException) -> None:
        """Stop every worker process at once, after a failure.

        Args:
            error: The failure, recorded for later calls.

        """
        self._finalizer.detach()
        self._processes.stop(graceful=False)
        self._state = _State.CLOSED
        summary = str(error).split('\n', 1)[0].split(';', 1)[0] or type(error).__name__
        self._closed_because = f'they were stopped after a failure: {summary}'

    def _check_usable(self) -> None:
        """Check that the workers can take a command.

        Raises:
            RuntimeError: If they were shut down, or are busy.

        """
        if self._state is _State.CLOSED:
            raise RuntimeError(
                'this MultiprocessingSampler has no worker processes any '
                f'more ({self._closed_because}); make a new sampler to '
                'sample again'
            )
        if self._state is _State.WAITING:
            raise RuntimeError(
                'this MultiprocessingSampler is busy with another request; '
                'a sampler serves one request at a time'
            )


class _Processes:
    """The worker processes and the parent's ends of their pipes."""

    def __init__(self):
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.conns: list[connection.Connection] = []

    def add(
        self, process: multiprocessing.process.BaseProcess, conn: connection.Connection
    ) -> None:
        """Add a started worker process and the parent's end of its pipe.

        Args:
            process: The process.
            conn: The parent's end of its pipe.

        """
        self.processes.append(process)
        self.conns.append(conn)

    def stop(self, *, graceful: bool = True) -> None:
        """End every process; calling it again does nothing.

        Args:
            graceful: Ask the workers to close their environments and exit
                first, and terminate only those still running after a few
                seconds; otherwise terminate them at once.

        """
        processes, self.processes = self.processes, []
        conns, self.conns = self.conns, []
        if graceful:
            for conn in conns:
                with contextlib.suppress(OSError):  # that worker is gone
                    conn.send((_Command.CLOSE, None))
            deadline = time.monotonic() + _CLOSE_SECONDS
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(_TERMINATE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()
        for conn in conns:
            conn.close()


def _resolve_context(mp_context: BaseContext | str | None) -> BaseContext:
    """The multiprocessing context to start worker processes with.

    Args:
        mp_context: A context, a start method name, or None for ``'fork'``
            where available, else ``'spawn'``.

    Returns:
        The context; a fork server context preloads PyTorch and garage.

    Raises:
        TypeError: If ``mp_context`` is neither a context nor a string.
        ValueError: If it names no start method available here.

    """
    if isinstance(mp_context, BaseContext):
        return mp_context
    methods = multiprocessing.get_all_start_methods()
    if mp_context is None:
        mp_context = 'fork' if 'fork' in methods else 'spawn'
    elif not isinstance(mp_context, str):
        raise TypeError(
            'mp_context must be a multiprocessing context, a '
            'start method name or None, got '
            f'{type(mp_context).__name__}'
        )
    if mp_context not in methods:
        raise ValueError(
            f'mp_context must be one of the start methods '
            f'available here, {methods}, got {mp_context!r}'
        )
    context = multiprocessing.get_context(mp_context)
    if mp_context == 'forkserver':
        # takes effect when the fork server starts, if it has not yet
        context.set_forkserver_preload(_FORKSERVER_PRELOAD)
    return context


def _pickled_start_messages(
    sampler: Sampler, agents: Any, envs: Any
) -> list[tuple[bytes, bytes, bytes]]:
    """Pickle what each worker starts from: the factory, agent and env.

    Args:
        sampler: The sampler, whose factory builds the workers.
        agents: The agent, or a list with one agent per worker.
        envs: The environment, or a list with one per worker.

    Returns:
        The pickled factory, agent and environment of each worker.

    """
    agent_messages, env_messages = sampler._initial_messages(
        sampler._factory, agents, envs
    )
    agent_data = _pickle_messages(agents, agent_messages, 'the agent')
    env_data = _pickle_messages(envs, env_messages, 'the environment')
    factory_data = _dumps(sampler._factory, 'the worker factory')
    return [
        (factory_data, agent, env)
        for agent, env in zip(agent_data, env_data, strict=True)
    ]


def _pickled_update_messages(
    sampler: Sampler, agent_update: Any, env_update: Any
) -> tuple[list[bytes], list[bytes]]:
    """Pickle each worker's agent and environment update.

    Args:
        sampler: The sampler, whose factory checks the list lengths.
        agent_update: The agent update(s).
        env_update: The environment update(s).

    Returns:
        The pickled agent updates and environment updates, one per worker.

    """
    agent_messages, env_messages = sampler._update_messages(
        sampler._factory, agent_update, env_update
    )
    return (
        _pickle_messages(agent_update, agent_messages, 'the agent update'),
        _pickle_messages(env_update, env_messages, 'the environment update'),
    )


def _pickle_messages(objs: Any, messages: list[Any], description: str) -> list[bytes]:
    """Pickle one message per worker; a value sent to several, only once.

    Args:
        objs: The argument the messages came from: one value for every
            worker, or a list with one per worker.
        messages: One message per worker, made from ``objs``.
        description: What the value is, for errors.

    Returns:
        One pickled message per worker.

    Raises:
        TypeError: If a message cannot be pickled.

    """
    per_worker = isinstance(objs, (list, tuple))
    pickled: dict[int, bytes] = {}
    data = []
    for i, obj in enumerate(messages):
        if id(obj) not in pickled:
            pickled[id(obj)] = _dumps(
                obj, description, worker_number=i if per_worker else None
            )
        data.append(pickled[id(obj)])
    return data


def _dumps(obj: Any, description: str, *, worker_number: int | None = None) -> bytes:
    """Pickle a value for the worker processes, with cloudpickle.

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
            'the worker processes'
            if worker_number is None
            else f'worker {worker_number}'
        )
        raise TypeError(
            f'cannot send {description} {text} to {where}: '
            f'{type(error).__name__}: {error}. Whatever goes to a worker '
            'process must pickle with cloudpickle'
        ) from error


def _run_worker(
    conn: connection.Connection,
    worker_number: int,
    worker_data: bytes,
    agent_data: bytes,
    env_data: bytes,
) -> None:
    """Run one worker in a worker process: serve commands until told to stop.

    Args:
        conn: The worker process's end of its pipe.
        worker_number: The index of the worker.
        worker_data: The pickled factory (which builds the worker) or
            worker.
        agent_data: The pickled agent (or agent update).
        env_data: The pickled environment (or environment update).

    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    import torch

    torch.set_num_threads(1)
    try:
        source = cloudpickle.loads(worker_data)
        worker = source if isinstance(source, Worker) else source(worker_number)
        worker.update_agent(cloudpickle.loads(agent_data))
        worker.update_env(cloudpickle.loads(env_data))
    except Exception:
        conn.send_bytes(
            cloudpickle.dumps(((worker_number, traceback.format_exc()), False))
        )
        return
    conn.send_bytes(cloudpickle.dumps((None, True)))
    try:
        while True:
            command, args = conn.recv()
            if command is _Command.CLOSE:
                break
            try:
                reply = cloudpickle.dumps((_execute(worker, command, args), True))
            except Exception:
                reply = cloudpickle.dumps(
                    ((worker_number, traceback.format_exc()), False)
                )
            conn.send_bytes(reply)
    except (EOFError, OSError):
        pass  # the parent is gone
    finally:
        worker.shutdown()


def _execute(worker: Worker, command: _Command, args: Any) -> Any:
    """Carry out one command in a worker process.

    Args:
        worker: The worker.
        command: The command.
        args: Its arguments.

    Returns:
        The payload of the reply.

    """
    if command is _Command.GET_WORKER:
        try:
            return cloudpickle.dumps(worker), True
        except Exception:
            return traceback.format_exc(), False
    agent_data, env_data, count = args
    worker.update_agent(cloudpickle.loads(agent_data))
    worker.update_env(cloudpickle.loads(env_data))
    if command is _Command.SAMPLES:
        return collect_samples(worker, count)
    return collect_episodes(worker, count)
