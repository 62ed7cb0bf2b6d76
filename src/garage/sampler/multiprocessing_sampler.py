"""The sampler that runs each worker in a process of its own.

The parent and each worker process talk over a pipe, in the protocol of
`garage.sampler._remote`: every reply is a pair ``(payload, ok)``, a
failure carries the worker's own traceback, and while the parent waits it
polls the pipes with short timeouts and checks that every worker process is
still alive, so a worker that raises or dies surfaces at once as a
`WorkerError`, and the parent then stops every worker process.
"""

import contextlib
import multiprocessing
import pickle
import signal
import sys
import time
from collections.abc import Iterator
from multiprocessing import connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from typing import Any

from garage.sampler._remote import (
    CLOSE_SECONDS,
    Command,
    Message,
    RemoteSampler,
    Reply,
    Transport,
    WorkerError,
    WorkerHost,
    pickle_reply,
)
from garage.sampler._updates import AgentUpdates, EnvUpdates
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

__all__ = ['MultiprocessingSampler', 'WorkerError']

# How long one wait for replies lasts before the processes' liveness is
# checked again.
_POLL_SECONDS = 0.1
# How long a terminated worker process has to exit before it is killed.
_TERMINATE_SECONDS = 2.0
# What the forkserver imports once, so that worker processes start quickly.
_FORKSERVER_PRELOAD = ['torch', 'garage.sampler', 'garage.torch']


class MultiprocessingSampler(RemoteSampler):
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
    form, like ``LocalSampler``. Agents, environments and their updates are
    pickled with cloudpickle in the parent, so one that cannot be sent is
    refused before anything is sent.

    Args:
        agents: The agent, or a list with one agent per worker.
        envs: The environment (or an ``EnvUpdate`` that makes it), or a list
            with one per worker.
        *legacy_args: ``envs``, in the older form ``MultiprocessingSampler(
            worker_factory, agents, envs)``.
        worker_factory: Builds the workers; if given, the options below
            (but ``mp_context``) must not be.
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
        mp_context: The multiprocessing context or start method name
            (``'fork'``, ``'forkserver'`` or ``'spawn'``); None picks
            ``'fork'`` where available, else ``'spawn'``; but once
            TensorFlow is imported (``garage.tf``), which is not
            fork-safe, ``'forkserver'`` where available, else ``'spawn'``.

    Raises:
        TypeError: If both a factory and options to build one are given,
            an environment is not a garage ``Environment``, an agent,
            environment or the factory cannot be pickled, or
            ``mp_context`` is neither a context nor a string.
        ValueError: If a list of agents or environments does not have one
            entry per worker, or ``mp_context`` names no start method.
        WorkerError: If a worker process fails to start.

    """

    _WORKER = 'worker process'
    _WORKERS = 'worker processes'

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
        mp_context: BaseContext | str | None = None,
    ) -> None:
        self._context = _resolve_context(mp_context)
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

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the sampler, with its start method."""
        return {
            **super().__getstate__(),
            'start_method': self._context.get_start_method(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle the sampler, with its start method."""
        self._context = _resolve_context(state['start_method'])
        super().__setstate__(state)

    def _connect(self, n_workers: int) -> Transport:
        return _Processes(self._context, n_workers)


class _Processes(Transport):
    """The worker processes, and the parent's ends of their pipes.

    Args:
        context: The multiprocessing context to start them with.
        n_workers: The number of worker processes.

    """

    def __init__(self, context: BaseContext, n_workers: int) -> None:
        self._start_method = context.get_start_method()
        self._processes: list[BaseProcess] = []
        self._conns: list[connection.Connection] = []
        try:
            for i in range(n_workers):
                parent_conn, child_conn = context.Pipe()
                process = context.Process(  # type: ignore[attr-defined]
                    target=_serve,
                    args=(child_conn, i),
                    name=f'garage-sampler-worker-{i}',
                    daemon=True,
                )
                try:
                    process.start()
                except BaseException:
                    parent_conn.close()
                    raise
                finally:
                    # the parent keeps only its own end, so that a worker's
                    # death shows as the end of its pipe
                    child_conn.close()
                self._processes.append(process)
                self._conns.append(parent_conn)
        except BaseException:
            self.stop(graceful=False)
            raise

    def exchange(
        self, messages: list[Message], doing: str
    ) -> Iterator[tuple[int, Reply]]:
        processes, conns = self._processes, self._conns
        for i, message in enumerate(messages):
            try:
                conns[i].send(message)
            except OSError:
                raise self._death_error(i, doing) from None
        pending = list(range(len(conns)))
        while pending:
            connection.wait(
                [conns[i] for i in pending] + [processes[i].sentinel for i in pending],
                timeout=_POLL_SECONDS,
            )
            for i in list(pending):
                if conns[i].poll():
                    try:
                        reply = pickle.loads(conns[i].recv_bytes())
                    except (EOFError, OSError):
                        raise self._death_error(i, doing) from None
                    pending.remove(i)
                    yield i, reply
                elif not processes[i].is_alive():
                    raise self._death_error(i, doing)

    def stop(self, *, graceful: bool = True) -> None:
        processes, self._processes = self._processes, []
        conns, self._conns = self._conns, []
        if graceful:
            for conn in conns:
                with contextlib.suppress(OSError):  # that worker is gone
                    conn.send((Command.CLOSE, ()))
            deadline = time.monotonic() + CLOSE_SECONDS
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

    def describe(self, worker_number: int) -> str:
        return f'process {self._processes[worker_number].pid}'

    def _death_error(self, worker_number: int, doing: str) -> WorkerError:
        """The error for a worker process that died or closed its pipe.

        Args:
            worker_number: The worker.
            doing: What it was doing.

        Returns:
            The error to raise.

        """
        process = self._processes[worker_number]
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
                f'with {self._start_method!r} import the main module: a '
                'script must build its sampler under `if __name__ == '
                "'__main__':`"
            )
        return WorkerError(message, worker_number=worker_number)


def _resolve_context(mp_context: BaseContext | str | None) -> BaseContext:
    """The multiprocessing context to start worker processes with.

    Args:
        mp_context: A context, a start method name, or None for ``'fork'``
            where available (``'forkserver'`` once TensorFlow is imported),
            else ``'spawn'``.

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
        # a process forked from one running TensorFlow may deadlock in it
        tensorflow = sys.modules.get('tensorflow') is not None
        if 'fork' in methods and not tensorflow:
            mp_context = 'fork'
        else:
            mp_context = 'forkserver' if 'forkserver' in methods else 'spawn'
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


def _serve(conn: connection.Connection, worker_number: int) -> None:
    """Run one worker in a worker process: serve messages until told to stop.

    Args:
        conn: The worker process's end of its pipe.
        worker_number: The index of the worker.

    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us
    import torch

    torch.set_num_threads(1)
    host = WorkerHost(worker_number)
    try:
        while True:
            command, args = conn.recv()
            reply = host.execute(command, *args)
            if command is Command.CLOSE:
                break
            conn.send_bytes(pickle_reply(reply, worker_number))
    except (EOFError, OSError):
        pass  # the parent is gone
    finally:
        host.close()
