"""A lock on a log directory, held while a process writes the experiment.

The lock is ``fcntl.flock`` on ``.garage.lock`` in the log directory. The
operating system drops it when the process ends, however it ends (SIGKILL
included), so a killed run never leaves a stale lock: the file it leaves
behind is not locked, and the next writer takes it over. A process that
ends normally removes the file. The holder writes its process id, host and
command line into the file, so that a second writer's error can name it.
Processes forked while the lock is held (sampler workers) close their copy
of it, so that they never keep it after their parent is gone.

On a platform without ``fcntl`` (Windows), no lock is taken.
"""

import contextlib
import datetime
import json
import os
import socket
import sys
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = '.garage.lock'
"""The name of the lock file in a log directory."""

_held: set[int] = set()


class LogDirectoryLockedError(RuntimeError):
    """Another process is writing the experiment in this log directory."""


def _close_held_in_child() -> None:
    for fd in _held:
        with contextlib.suppress(OSError):
            os.close(fd)
    _held.clear()


if hasattr(os, 'register_at_fork'):
    os.register_at_fork(after_in_child=_close_held_in_child)


class LogDirectoryLock:
    """An exclusive lock on a log directory, for one writing process.

    Args:
        log_dir: The log directory, which must exist.

    """

    def __init__(self, log_dir: str | os.PathLike[str]):
        self._log_dir = os.fspath(log_dir)
        self._path = os.path.join(self._log_dir, LOCK_FILE)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, without waiting.

        Raises:
            LogDirectoryLockedError: If another process, or another logging
                context of this one, holds it.

        """
        if fcntl is None:  # pragma: no cover - Windows
            return
        while True:
            fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _describe(_read_holder(fd))
                os.close(fd)
                raise LogDirectoryLockedError(
                    f'{self._log_dir} is being written by {holder}: two '
                    f'processes must not write one experiment; wait for it '
                    f'to end, or stop it, before resuming or reusing this '
                    f'directory'
                ) from None
            except BaseException:
                os.close(fd)
                raise
            if _is_file_at(fd, self._path):
                break
            # the holder we waited for removed the file on release: retry
            os.close(fd)
        _held.add(fd)
        self._fd = fd
        info = {
            'pid': os.getpid(),
            'host': socket.gethostname(),
            'command_line': sys.orig_argv,
            'since': datetime.datetime.now().astimezone().isoformat(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + '\n').encode(), 0)

    def release(self) -> None:
        """Remove the lock file and let the lock go; a no-op if not held."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        _held.discard(fd)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
        finally:
            os.close(fd)  # releases the lock


def _is_file_at(fd: int, path: str) -> bool:
    """Whether ``path`` is still the file open as ``fd``."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _read_holder(fd: int) -> dict[str, Any]:
    """The holder's description from the lock file, or {} if unreadable."""
    try:
        data = os.pread(fd, 64 * 1024, 0)
        holder = json.loads(data)
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict[str, Any]) -> str:
    """Name a lock holder: process id, command line, host, start time."""
    pid = holder.get('pid')
    if pid is None:
        return 'another process'
    if pid == os.getpid() and holder.get('host') == socket.gethostname():
        words = [f'this process (pid {pid}), in another experiment']
    else:
        words = [f'process {pid}']
    command = holder.get('command_line')
    if isinstance(command, list) and command:
        words.append(f'({" ".join(map(str, command))})')
    host = holder.get('host')
    if host and host != socket.gethostname():
        words.append(f'on host {host}')
    if holder.get('since'):
        words.append(f'since {holder["since"]}')
    return ' '.join(words)
