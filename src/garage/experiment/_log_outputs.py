"""dowel outputs for an experiment's log directory, fixing dowel's own.

`CsvOutput` keeps keys that first appear after the first row and
survives a killed process; `TensorBoardOutput` never overwrites the
event file of an earlier run in the same directory.
"""

import csv
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable
from typing import Literal, TextIO

import tensorboardX

from garage._dowel import dowel

#: How often, in seconds, TensorBoard event files are flushed to disk.
FLUSH_SECONDS = 5


class CsvOutput(dowel.LogOutput):
    """Write each dump of ``dowel.tabular`` as one row of a CSV file.

    Unlike ``dowel.CsvOutput``, a key that first appears after the first row
    is kept: the file is rewritten, atomically, with the union of the keys as
    its header (earlier rows get empty cells), then appended to as before.
    Columns keep the order in which their keys first appeared. Every row is
    flushed as soon as it is written, so a killed process leaves every row it
    logged on disk.

    Args:
        file_name: The CSV file to write.
        append: If true and the file already holds a header, continue it:
            new rows are appended under the existing header (a last line cut
            short by a killed process is dropped first). Otherwise the file is
            truncated.

    """

    def __init__(self, file_name: str | os.PathLike, *, append: bool = False):
        self._file_name = os.fspath(file_name)
        self._fieldnames: list[str] = []
        self._start(append)

    @property
    def types_accepted(self) -> tuple[type, ...]:
        """Accept ``dowel.TabularInput`` only."""
        return (dowel.TabularInput,)

    def record(self, data: dowel.TabularInput, prefix: str = '') -> None:
        """Write the primitive values of ``data`` as one row and flush it.

        A dump with no primitive values writes nothing.

        Args:
            data: The tabular values.
            prefix: Unused: a CSV row has no text prefix.

        Raises:
            ValueError: If ``data`` is not a ``dowel.TabularInput``.

        """
        if not isinstance(data, dowel.TabularInput):
            raise ValueError(
                f'CsvOutput accepts dowel.TabularInput only, not {type(data).__name__}'
            )
        row = data.as_primitive_dict
        if not row:
            return
        new_keys = [key for key in row if key not in self._fieldnames]
        if not self._fieldnames:
            self._fieldnames = new_keys
            _dict_writer(self._log_file, new_keys).writeheader()
        elif new_keys:
            self._rewrite_with_header(self._fieldnames + new_keys)
        _dict_writer(self._log_file, self._fieldnames).writerow(row)
        self._log_file.flush()
        for key in row:
            data.mark(key)

    def dump(self, step: int | None = None) -> None:
        """Flush the file (rows are already flushed as they are written).

        Args:
            step: Unused.

        """
        self._log_file.flush()

    def close(self) -> None:
        """Close the file."""
        # there is no file if __init__ failed before opening it
        log_file: TextIO | None = getattr(self, '_log_file', None)
        if log_file is not None and not log_file.closed:
            log_file.close()

    def _start(self, append: bool) -> None:
        """Open the file: continue it if ``append``, else truncate it."""
        if append:
            self._fieldnames = _read_header_and_drop_partial_line(self._file_name)
        self._log_file = self._open('a' if self._fieldnames else 'w')

    def _open(self, mode: Literal['a', 'w']) -> TextIO:
        return open(self._file_name, mode, newline='', encoding='utf-8')

    def _rewrite_with_header(self, fieldnames: list[str]) -> None:
        """Rewrite the file with a header of more columns.

        The new file is written beside the old one and moved over it, so the
        file on disk is always either the old or the new whole file.

        Args:
            fieldnames: The new header: the current one followed by new keys.

        """
        self._log_file.close()
        directory = os.path.dirname(os.path.abspath(self._file_name))
        fd, temp_name = tempfile.mkstemp(
            dir=directory, prefix=os.path.basename(self._file_name) + '.', suffix='.tmp'
        )
        try:
            with (
                open(fd, 'w', newline='', encoding='utf-8') as new,
                open(self._file_name, newline='', encoding='utf-8') as old,
            ):
                writer = _dict_writer(new, fieldnames)
                writer.writeheader()
                writer.writerows(csv.DictReader(old))
            shutil.copymode(self._file_name, temp_name)
            os.replace(temp_name, self._file_name)
            self._fieldnames = fieldnames
        except BaseException:
            os.unlink(temp_name)
            raise
        finally:
            self._log_file = self._open('a')


class DeferredCsvOutput(CsvOutput):
    """A `CsvOutput` that leaves its file alone until its first row.

    An experiment logging to a directory that holds an earlier run does not
    know yet whether it continues that run (``Trainer.restore`` from the
    directory) or starts a new one. Until the first row, the file is as the
    earlier run left it; `continue_file` makes the rows append to it, and
    otherwise the first row starts it afresh, after ``before_first_row`` is
    called.

    Args:
        file_name: The CSV file to write.
        before_first_row: Called once, just before the file is opened for
            the first row.

    """

    def __init__(
        self, file_name: str | os.PathLike, *, before_first_row: Callable[[], None]
    ):
        self._file_name = os.fspath(file_name)
        self._fieldnames = []
        self._append = False
        self._before_first_row = before_first_row

    @property
    def opened(self) -> bool:
        """bool: Whether the file is open (a row was written, or `open_now`)."""
        return hasattr(self, '_log_file')

    def continue_file(self) -> None:
        """Append the rows to the file, under its header, when it is opened.

        Raises:
            RuntimeError: If the file is open already.

        """
        if self.opened:
            raise RuntimeError(f'{self._file_name} is open already')
        self._append = True

    def open_now(self) -> None:
        """Open the file now, without calling ``before_first_row``."""
        if not self.opened:
            self._start(self._append)

    def record(self, data: dowel.TabularInput, prefix: str = '') -> None:
        """Open the file at the first row, then write the row; see `CsvOutput`.

        Args:
            data: The tabular values.
            prefix: Unused: a CSV row has no text prefix.

        """
        if (
            not self.opened
            and isinstance(data, dowel.TabularInput)
            and data.as_primitive_dict
        ):
            self._before_first_row()
            self._start(self._append)
        super().record(data, prefix)

    def dump(self, step: int | None = None) -> None:
        """Flush the file, if it is open.

        Args:
            step: Unused.

        """
        if self.opened:
            super().dump(step)


class TensorBoardOutput(dowel.TensorBoardOutput):
    """dowel's TensorBoard output, writing an event file of its own.

    dowel names an event file by the second it is created in, so an output
    opened on a directory within a second of another one (an experiment
    resumed right after it was killed) truncates the other's file. This one
    appends a random suffix to the name. It logs ``dowel.tabular`` only,
    never TensorFlow graphs. Its writer flushes every ``FLUSH_SECONDS``
    and when closed, not at every dump as dowel's does: that flush syncs
    the file to disk, some 3 ms an epoch.

    Args:
        log_dir: The directory to write the event file to.
        x_axis: Key of the tabular values to use as the x axis of the
            scalar plots; None plots against the number of dumps.

    """

    def __init__(self, log_dir: str | os.PathLike, *, x_axis: str | None = None):
        # Sets what dowel's __init__ sets, with the writer made here.
        self._writer = tensorboardX.SummaryWriter(
            os.fspath(log_dir),
            flush_secs=FLUSH_SECONDS,
            filename_suffix=f'.{secrets.token_hex(4)}',
        )
        self._x_axis = x_axis
        self._additional_x_axes: list[str] = []
        self._default_step = 0
        self._histogram_samples = 1000
        self._added_graph = False
        self._waiting_for_dump: list[Callable[[int | None], None]] = []
        self._tf = None
        self._warned_once: set[str] = set()
        self._disable_warnings = False

    def dump(self, step: int | None = None) -> None:
        """Write the histograms waiting for this dump; flush nothing.

        Args:
            step: The step of the values, if it is not the x axis's.

        """
        for write in self._waiting_for_dump:
            write(step)
        self._waiting_for_dump.clear()


def _dict_writer(f: TextIO, fieldnames: list[str]) -> csv.DictWriter:
    return csv.DictWriter(f, fieldnames=fieldnames, restval='', lineterminator='\n')


def _read_header_and_drop_partial_line(file_name: str) -> list[str]:
    """Read the header of a CSV file that is to be appended to.

    A last line with no line ending, left by a process killed while writing
    it, is cut off first, so that the next row starts on a line of its own.

    Args:
        file_name: The CSV file, which may not exist.

    Returns:
        The column names of the header, or an empty list if the file does not
        exist or holds no whole line.

    """
    try:
        with open(file_name, 'rb+') as f:
            content = f.read()
            if content and not content.endswith(b'\n'):
                f.truncate(content.rfind(b'\n') + 1)
    except FileNotFoundError:
        return []
    with open(file_name, newline='', encoding='utf-8') as f:
        return next(csv.reader(f), [])
