"""Saving and loading snapshots of an experiment.

A `Snapshotter` writes the objects an experiment needs to resume (the
algorithm, the environment, counters) to ``itr_N.pkl`` or ``params.pkl`` in
its snapshot directory, following its snapshot mode, and loads them back.

A snapshot file holds two pickles one after the other:

1. a small header, a dict of strings and integers that plain `pickle`
   reads without importing anything: ``{'garage_snapshot_format': 1,
   'garage': ..., 'python': ..., 'torch': ..., 'numpy': ...}``, the format
   and the versions that wrote the snapshot;
2. the params dict, written by `torch.save` with `cloudpickle`,
   so that functions and classes defined in a launcher script are saved by
   value, and tensor storages are saved apart from the pickle, which lets
   `Snapshotter.load` put them on another device (a snapshot made on a
   GPU loads on a machine without one).

The header is read first, with an unpickler that refuses every class, so a
snapshot of another format or from another program is reported as such
before any of its code runs, and a failure to unpickle the params names the
versions that wrote the snapshot beside the installed ones.

Writes are atomic: a snapshot is written to a temporary file in the same
directory, flushed to disk and renamed over the final name, so a process
killed mid-write leaves the previous snapshot whole. The temporary file of a
killed write (``.params.pkl.<16 hex digits>.tmp``) is removed by the next
save. A snapshot directory belongs to one Snapshotter at a time.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import pathlib
import pickle
import platform
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from garage import _validation

if TYPE_CHECKING:
    import torch

    MapLocation = str | torch.device | dict[str, str] | Callable[[Any, str], Any] | None

SNAPSHOT_MODES = ('all', 'last', 'gap', 'gap_and_last', 'gap_overwrite', 'none')
"""The snapshot modes a `Snapshotter` accepts."""

_FORMAT = 1
_FORMAT_KEY = 'garage_snapshot_format'
_LAST = 'params.pkl'
_NUMBERED = re.compile(r'itr_(0|[1-9][0-9]*)\.pkl')
_TEMPORARY = re.compile(r'\..+\.[0-9a-f]{16}\.tmp')
_LISTED = 10


class SnapshotError(ValueError):
    """A snapshot file cannot be loaded: corrupt, truncated or incompatible."""


class SnapshotConfig(NamedTuple):
    """How a trainer takes snapshots: the arguments of `Snapshotter`.

    Attributes:
        snapshot_dir: The directory snapshots go to, or None for
            ``<cwd>/data/local/experiments``.
        snapshot_mode: One of `SNAPSHOT_MODES`.
        snapshot_gap: The number of iterations between snapshots in the gap
            modes.

    """

    snapshot_dir: str | os.PathLike[str] | None = None
    snapshot_mode: str = 'last'
    snapshot_gap: int = 1


class Snapshotter:
    """Saves the parameters of an experiment each iteration, and loads them.

    Modes, for iteration ``itr`` (counted from 0) and ``snapshot_gap`` g:

    - ``'all'``: ``itr_<itr>.pkl`` at every iteration;
    - ``'last'``: ``params.pkl`` at every iteration, overwritten;
    - ``'gap'``: ``itr_<itr>.pkl`` when ``itr % g == 0``: iterations 0,
      g, 2g, ...;
    - ``'gap_and_last'``: ``itr_<itr>.pkl`` when ``itr % g == 0``, and
      ``params.pkl`` at every iteration;
    - ``'gap_overwrite'``: ``params.pkl`` when ``itr % g == 0``;
    - ``'none'``: nothing.

    Args:
        snapshot_dir: The directory to write snapshots to, created at the
            first save. None means ``data/local/experiments`` under the
            working directory at the time the Snapshotter is made.
        snapshot_mode: One of `SNAPSHOT_MODES`.
        snapshot_gap: Iterations between snapshots in the gap modes: a
            positive integer, 1 with ``'last'`` and more than 1 with
            ``'gap_overwrite'``.

    Raises:
        ValueError: If the mode is unknown, the gap is not positive, or the
            gap does not suit the mode.
        ArgumentTypeError: If the gap is not an integer.

    """

    def __init__(
        self,
        snapshot_dir: str | os.PathLike[str] | None = None,
        snapshot_mode: str = 'last',
        snapshot_gap: int = 1,
    ) -> None:
        _validation.one_of('snapshot_mode', snapshot_mode, SNAPSHOT_MODES)
        snapshot_gap = _validation.positive_int('snapshot_gap', snapshot_gap)
        if snapshot_mode == 'last' and snapshot_gap != 1:
            raise ValueError(
                f'{snapshot_gap=} must be 1 with snapshot_mode='
                f"'last'; did you mean snapshot_mode='gap'?"
            )
        if snapshot_mode == 'gap_overwrite' and snapshot_gap == 1:
            raise ValueError(
                'snapshot_gap must be more than 1 with '
                "snapshot_mode='gap_overwrite'; use "
                "snapshot_mode='last' to overwrite params.pkl "
                'at every iteration'
            )
        if snapshot_dir is None:
            snapshot_dir = os.path.join(os.getcwd(), 'data', 'local', 'experiments')
        self._snapshot_dir = os.fspath(snapshot_dir)
        self._snapshot_mode = snapshot_mode
        self._snapshot_gap = snapshot_gap
        self._redirect: list[str] | None = None

    @property
    def snapshot_dir(self) -> str:
        """str: The directory snapshots are written to."""
        return self._snapshot_dir

    @property
    def snapshot_mode(self) -> str:
        """str: The snapshot mode, one of `SNAPSHOT_MODES`."""
        return self._snapshot_mode

    @property
    def snapshot_gap(self) -> int:
        """int: Iterations between snapshots in the gap modes."""
        return self._snapshot_gap

    def save_itr_params(self, itr: int, params: dict[str, Any]) -> None:
        """Save the parameters of an iteration, as the snapshot mode says.

        Args:
            itr: The iteration, counted from 0.
            params: The objects to save, by name. Anything cloudpickle can
                pickle: modules, tensors, arrays, RNG states, functions.

        Raises:
            ArgumentTypeError: If ``itr`` is not an integer or ``params``
                not a dict.
            ValueError: If ``itr`` is negative.

        """
        itr = _validation.non_negative_int('itr', itr)
        _validation.instance_of('params', params, dict)
        names = self._file_names(itr) if self._redirect is None else self._redirect
        if not names:
            return
        directory = _prepare(pathlib.Path(self._snapshot_dir))
        first = directory / names[0]
        _replace_atomically(first, functools.partial(_dump, params))
        for name in names[1:]:
            with open(first, 'rb') as source:
                _replace_atomically(
                    directory / name, functools.partial(shutil.copyfileobj, source)
                )

    @contextlib.contextmanager
    def _writing_to(self, names: list[str]) -> Iterator[None]:
        """Within the block, `save_itr_params` writes ``names`` instead.

        The trainer's final snapshot and its checkpoints hold what a
        snapshot holds, in files the mode would not write now.
        """
        self._redirect = list(names)
        try:
            yield
        finally:
            self._redirect = None

    def _file_names(self, itr: int, *, final: bool = False) -> list[str]:
        """The files of iteration ``itr``; ``final`` saves it off the gap too."""
        numbered = f'itr_{itr}.pkl'
        on_gap = final or itr % self._snapshot_gap == 0
        match self._snapshot_mode:
            case 'all':
                return [numbered]
            case 'last':
                return [_LAST]
            case 'gap':
                return [numbered] if on_gap else []
            case 'gap_and_last':
                return [numbered, _LAST] if on_gap else [_LAST]
            case 'gap_overwrite':
                return [_LAST] if on_gap else []
            case _:  # 'none'
                return []

    @staticmethod
    def load(
        load_dir: str | os.PathLike[str],
        itr: int | str = 'last',
        map_location: MapLocation = None,
    ) -> dict[str, Any]:
        """Load a snapshot.

        Args:
            load_dir: The snapshot directory.
            itr: Which snapshot: an iteration number (an integer or a string
                of digits) loads ``itr_<itr>.pkl``; ``'last'`` loads
                ``params.pkl`` if there is one, else the ``itr_N.pkl`` of
                the highest N; ``'first'`` loads the ``itr_N.pkl`` of the
                lowest N, or ``params.pkl`` if there is no other.
            map_location: Where to put the tensors, as
                `torch.load` takes it (``'cpu'``, a device, a dict or
                a function). None puts them on the device they were saved
                from, or on the CPU if CUDA is not available.

        Returns:
            The params dict given to `save_itr_params`.

        Raises:
            ValueError: If ``itr`` is neither an iteration number, ``'last'``
                nor ``'first'``.
            FileNotFoundError: If the directory does not exist, holds no
                snapshot, or holds none for iteration ``itr``.
            SnapshotError: If the file is corrupt or truncated, is of
                another format, or cannot be unpickled with the installed
                libraries.

        """
        path = _find_snapshot(pathlib.Path(load_dir), _parse_itr(itr))
        return _load(path, map_location)

    def save_object(self, file_name: str, params: dict[str, Any]) -> None:
        """Save params to a file of the snapshot directory, whatever the mode.

        The file is written like a snapshot: atomically, with the version
        header. For things kept beside the snapshots, such as the best
        policy so far.

        Args:
            file_name: The name of the file, such as ``'best_policy.pkl'``:
                not a path, and not a snapshot's name (``params.pkl`` or
                ``itr_N.pkl``).
            params: The objects to save, by name.

        Raises:
            ValueError: If ``file_name`` is a path or a snapshot's name.
            ArgumentTypeError: If ``params`` is not a dict.

        """
        path = self._object_path(file_name)
        _validation.instance_of('params', params, dict)
        _prepare(path.parent)
        _replace_atomically(path, functools.partial(_dump, params))

    def load_object(
        self, file_name: str, map_location: MapLocation = None
    ) -> dict[str, Any]:
        """Load params saved by `save_object`.

        Args:
            file_name: The name given to `save_object`.
            map_location: Where to put the tensors, as in `load`.

        Returns:
            The params dict.

        Raises:
            ValueError: If ``file_name`` is a path or a snapshot's name.
            FileNotFoundError: If the file does not exist.
            SnapshotError: If the file is corrupt or truncated, is of
                another format, or cannot be unpickled with the installed
                libraries.

        """
        path = self._object_path(file_name)
        if not path.is_file():
            raise FileNotFoundError(
                f'{path} does not exist: nothing was '
                f'saved as {file_name!r} in '
                f'{self._snapshot_dir}'
            )
        return _load(path, map_location)

    def _object_path(self, file_name: str) -> pathlib.Path:
        if (
            not isinstance(file_name, str)
            or file_name in ('', '.', '..')
            or os.path.basename(file_name) != file_name
            or (os.altsep and os.altsep in file_name)
        ):
            raise ValueError(
                f'file_name must be the name of a file, not a path: {file_name!r}'
            )
        if file_name == _LAST or _NUMBERED.fullmatch(file_name):
            raise ValueError(
                f'{file_name!r} is the name of a snapshot: '
                f'save snapshots with save_itr_params()'
            )
        return pathlib.Path(self._snapshot_dir) / file_name


def _load(path: pathlib.Path, map_location: MapLocation) -> dict[str, Any]:
    """Load the params of a snapshot file."""
    import torch

    if map_location is None and not torch.cuda.is_available():
        map_location = 'cpu'
    with open(path, 'rb') as file:
        written_by = _read_header(file, path)
        try:
            return torch.load(file, map_location=map_location, weights_only=False)
        except Exception as error:
            raise _load_error(path, written_by, error) from error


def _parse_itr(itr: int | str) -> int | str:
    """Check ``itr`` and return it as an int, ``'last'`` or ``'first'``."""
    if not isinstance(itr, str):
        return _validation.non_negative_int('itr', itr)
    if itr in ('last', 'first'):
        return itr
    if itr.isascii() and itr.isdigit():
        return int(itr)
    raise ValueError(
        f"itr must be a non-negative iteration number, 'last' or 'first', got {itr!r}"
    )


def _snapshots(directory: pathlib.Path) -> list[pathlib.Path]:
    """List the snapshots in a directory: params.pkl, then itr_N.pkl by N."""
    numbered = sorted(
        (int(match.group(1)), path)
        for path in directory.iterdir()
        if (match := _NUMBERED.fullmatch(path.name)) and path.is_file()
    )
    last = directory / _LAST
    return ([last] if last.is_file() else []) + [p for _, p in numbered]


def _find_snapshot(load_dir: pathlib.Path, itr: int | str) -> pathlib.Path:
    """Return the path of the snapshot ``itr`` in ``load_dir``."""
    if not load_dir.exists():
        raise FileNotFoundError(
            f'snapshot directory {load_dir} does not '
            f'exist: pass the log directory of the '
            f'experiment'
        )
    if not load_dir.is_dir():
        raise NotADirectoryError(
            f'{load_dir} is not a directory: pass the '
            f'directory that holds params.pkl or '
            f'itr_N.pkl, not a file'
        )
    available = _snapshots(load_dir)
    if not available:
        raise FileNotFoundError(
            f'no snapshot in {load_dir}: there is neither {_LAST} nor '
            f"itr_N.pkl. Was the experiment run with snapshot_mode='none', "
            f'or did it stop before its first snapshot?'
        )
    has_last = available[0].name == _LAST
    numbered = available[1:] if has_last else available
    if itr == 'last':
        return available[0] if has_last else available[-1]
    if itr == 'first':
        return numbered[0] if numbered else available[0]
    path = load_dir / f'itr_{itr}.pkl'
    if path in numbered:
        return path
    raise FileNotFoundError(
        f'no snapshot of iteration {itr} in {load_dir}: {path.name} does '
        f'not exist. Available: {_list(available)}; pass the iteration of '
        f"one of those, or itr='last' or 'first'"
    )


def _list(paths: list[pathlib.Path]) -> str:
    """Name the files, eliding the middle of a long list."""
    names = [path.name for path in paths]
    if not names:
        return 'none'
    if len(names) > _LISTED:
        half = _LISTED // 2
        names = [*names[:half], '...', *names[-half:]]
        return f'{", ".join(names)} ({len(paths)} in all)'
    return ', '.join(names)


@functools.cache
def _garage_version() -> str:
    try:
        return importlib.metadata.version('garage')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown (garage is not installed as a package)'


def _installed_versions() -> dict[str, str]:
    """Return the versions of the libraries a snapshot depends on."""
    import numpy as np
    import torch

    return {
        'garage': _garage_version(),
        'python': platform.python_version(),
        'torch': str(torch.__version__),
        'numpy': str(np.__version__),
    }


def _describe(versions: dict[str, Any]) -> str:
    """Describe library versions, e.g. 'garage 1.0 (Python 3.11, ...)'."""

    def get(name: str) -> str:
        return str(versions.get(name, 'unknown'))

    return (
        f'garage {get("garage")} (Python {get("python")}, '
        f'torch {get("torch")}, NumPy {get("numpy")})'
    )


def _dump(params: dict[str, Any], file: IO[bytes]) -> None:
    """Write a snapshot: the header, then the params."""
    import cloudpickle
    import torch

    header = {_FORMAT_KEY: _FORMAT, **_installed_versions()}
    pickle.dump(header, file, protocol=pickle.HIGHEST_PROTOCOL)
    torch.save(
        params, file, pickle_module=cloudpickle, pickle_protocol=pickle.HIGHEST_PROTOCOL
    )


def _prepare(directory: pathlib.Path) -> pathlib.Path:
    """Make the directory, and remove what killed writes left in it."""
    directory.mkdir(parents=True, exist_ok=True)
    for leftover in directory.iterdir():
        if _TEMPORARY.fullmatch(leftover.name):
            leftover.unlink(missing_ok=True)
    return directory


def _replace_atomically(path: pathlib.Path, write: Callable[[IO[bytes]], None]) -> None:
    """Write a file under a temporary name, then rename it to ``path``.

    A process killed at any point leaves either the old file or the new
    one under ``path``. There is no ``fsync``: it would cost more than the
    write (some 10 ms an epoch here), and on a machine that loses power
    the file systems in use (ext4's ``auto_da_alloc``, XFS, btrfs) already
    write the data of a file replaced by rename before the rename.

    Args:
        path: The final name.
        write: Writes the contents to the open file it is given.

    """
    temporary = path.with_name(f'.{path.name}.{secrets.token_hex(8)}.tmp')
    try:
        with open(temporary, 'xb') as file:
            write(file)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class _HeaderUnpickler(pickle.Unpickler):
    """Reads a snapshot header, which holds only builtin values."""

    def find_class(self, module: str, name: str) -> Any:
        raise _NotAHeader(f'{module}.{name}')


class _NotAHeader(Exception):
    """The first pickle of a file is not a snapshot header."""


def _read_header(file: IO[bytes], path: pathlib.Path) -> dict[str, Any]:
    """Read and check the header of a snapshot, leaving the file after it.

    Returns:
        The header: the format and the versions that wrote the snapshot.

    """
    try:
        header = _HeaderUnpickler(file).load()
    except _NotAHeader:
        header = None
    except Exception as error:
        raise SnapshotError(
            f'{path} is not a readable garage snapshot: it is corrupt or '
            f'truncated, or not a snapshot. Delete it and load another '
            f'(available: {_list(_snapshots(path.parent))}). Reading its '
            f'header failed with {type(error).__name__}: {error}'
        ) from error
    if not isinstance(header, dict) or _FORMAT_KEY not in header:
        raise SnapshotError(
            f'{path} has no garage snapshot header: it was written by the '
            f'original garage (2021.03 or earlier) or by another program, of '
            f'unknown version, and the installed '
            f'{_describe(_installed_versions())} cannot load it. Load it '
            f'with the program that wrote it'
        )
    if header[_FORMAT_KEY] != _FORMAT:
        raise SnapshotError(
            f'{path} is a snapshot of format {header[_FORMAT_KEY]!r}, written '
            f'by {_describe(header)}; the installed '
            f'{_describe(_installed_versions())} reads format {_FORMAT} '
            f'only. Load it with garage {header.get("garage", "unknown")}'
        )
    return header


def _load_error(
    path: pathlib.Path, written_by: dict[str, Any], error: Exception
) -> SnapshotError:
    """Explain why the params of a snapshot could not be loaded."""
    versions = (
        f'written by {_describe(written_by)}, loaded by the '
        f'installed {_describe(_installed_versions())}'
    )
    if isinstance(error, ImportError | AttributeError):
        advice = (
            'something it refers to is missing from the installed '
            'libraries. Load it with the versions that wrote it, or '
            'make the module that defines the missing name importable'
        )
    else:
        advice = (
            'the file may be corrupt or truncated. Load another '
            f'snapshot (available: {_list(_snapshots(path.parent))})'
        )
    return SnapshotError(
        f'cannot load {path} ({versions}): {advice}. '
        f'Unpickling failed with {type(error).__name__}: '
        f'{error}'
    )
