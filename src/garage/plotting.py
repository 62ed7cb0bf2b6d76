"""Learning curves from the ``progress.csv`` of experiments, drawn to a PNG.

From the command line:

    python -m garage plot data/local/experiment/ppo_1 data/local/experiment/ppo_2

draws the average return of both runs against the environment steps to
``data/local/experiment/ppo_1/learning_curves.png``. ``--key`` (repeatable)
picks other columns, one subplot each, ``--x-axis`` another x axis and
``-o`` another output file.

Drawing goes through matplotlib's Agg canvas directly, never through
``pyplot``: it needs no display, opens no window and leaves the backend of a
running matplotlib session alone.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import pathlib
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

DEFAULT_KEYS = ('Evaluation/AverageReturn', 'AverageReturn')
"""The columns plotted when no key is given, in order of preference."""

DEFAULT_X_AXIS = 'TotalEnvSteps'
"""The x axis when none is given, if every run logged it."""

OUTPUT_NAME = 'learning_curves.png'
"""The file written in the first log directory when no output is given."""

_ROW_LABEL = 'Row of progress.csv'


class _Run(NamedTuple):
    """The progress of one experiment."""

    label: str
    path: pathlib.Path
    columns: dict[str, np.ndarray]
    n_rows: int


def plot_learning_curves(
    log_dirs: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    keys: Sequence[str] | None = None,
    x_axis: str | None = None,
    output: str | os.PathLike[str] | None = None,
) -> pathlib.Path:
    """Draw the learning curves of experiments to a PNG file.

    Each key gets a subplot, and each run a line in it, labelled with the
    name of its log directory (or the whole path, where two names are the
    same). Empty cells, such as those of a key first logged after the first
    rows, and cells that are not numbers are left out of the lines.

    Args:
        log_dirs: The log directories, each holding a ``progress.csv`` as
            dowel writes it (a header row, then one row per epoch), or one
            log directory.
        keys: The columns to plot. None plots one column: the first of
            `DEFAULT_KEYS` that every run logged, or else the first,
            in alphabetical order, of the columns every run logged whose
            name ends in ``/AverageReturn``.
        x_axis: The column for the x axis. None uses ``TotalEnvSteps`` if
            every run logged it, and the row number otherwise.
        output: The PNG file to write, its directory created if missing.
            None writes ``learning_curves.png`` in the first log directory.

    Returns:
        The path of the PNG file.

    Raises:
        FileNotFoundError: If a log directory has no ``progress.csv``.
        ValueError: If no log directory is given, a ``progress.csv`` has no
            rows, a key or the x axis is not a column of every run, or no
            key is given and no return column is found.

    """
    if isinstance(log_dirs, str | os.PathLike):
        log_dirs = [log_dirs]
    directories = [pathlib.Path(log_dir) for log_dir in log_dirs]
    if not directories:
        raise ValueError('plot_learning_curves needs at least one log directory')
    runs = _read_runs(directories)
    keys = list(keys) if keys is not None else [_default_key(runs)]
    if not keys:
        raise ValueError(
            'keys is empty: give at least one column to plot, '
            'or None for the average return'
        )
    for key in keys:
        _check_column(runs, key, 'key')
    if x_axis is not None:
        _check_column(runs, x_axis, 'x axis')
    elif all(DEFAULT_X_AXIS in run.columns for run in runs):
        x_axis = DEFAULT_X_AXIS
    output = (
        pathlib.Path(output) if output is not None else directories[0] / OUTPUT_NAME
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    _draw(runs, keys, x_axis, output)
    return output


def _read_runs(directories: list[pathlib.Path]) -> list[_Run]:
    """Read the progress of each log directory, labelled by its name."""
    labels = [directory.resolve().name for directory in directories]
    if len(set(labels)) < len(labels):
        labels = [str(directory) for directory in directories]
    return [
        _read_progress(directory / 'progress.csv', label)
        for directory, label in zip(directories, labels, strict=True)
    ]


def _read_progress(path: pathlib.Path, label: str) -> _Run:
    """Read a ``progress.csv``: each column as floats, NaN where not numbers."""
    if not path.is_file():
        raise FileNotFoundError(
            f'{path} does not exist: pass the log '
            f'directory of an experiment, which holds its '
            f'progress.csv'
        )
    with open(path, newline='') as file:
        reader = csv.reader(file)
        header = next(reader, None)
        rows = [row for row in reader if row]  # skip blank lines
    if not header:
        raise ValueError(f'{path} is empty: the experiment has not logged an epoch yet')
    if not rows:
        raise ValueError(
            f'{path} has a header but no rows: the experiment '
            f'has not logged an epoch yet'
        )
    columns = {
        name: np.array(
            [_number(row[index]) if index < len(row) else math.nan for row in rows]
        )
        for index, name in enumerate(header)
    }
    return _Run(label, path, columns, len(rows))


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _default_key(runs: list[_Run]) -> str:
    """Choose the return column to plot when no key is given."""
    common = set.intersection(*(set(run.columns) for run in runs))
    for key in DEFAULT_KEYS:
        if key in common:
            return key
    returns = sorted(key for key in common if key.endswith('/AverageReturn'))
    if returns:
        return returns[0]
    raise ValueError(
        f'no average return column was logged by every run: pass the columns '
        f'to plot as keys (--key on the command line). Columns of every run: '
        f'{", ".join(sorted(common)) or "none"}'
    )


def _check_column(runs: list[_Run], column: str, role: str) -> None:
    """Raise ValueError, listing the columns, if a run lacks ``column``."""
    for run in runs:
        if column not in run.columns:
            raise ValueError(
                f'unknown {role} {column!r}: it is not a column '
                f'of {run.path}. Its columns: '
                f'{", ".join(run.columns)}'
            )


def _draw(
    runs: list[_Run], keys: list[str], x_axis: str | None, output: pathlib.Path
) -> None:
    """Draw one subplot per key, one line per run, and save the PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 3.5 * len(keys)), layout='constrained')
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(keys), 1, squeeze=False)[:, 0]
    for ax, key in zip(axes, keys, strict=True):
        for run in runs:
            x = (
                run.columns[x_axis]
                if x_axis is not None
                else np.arange(run.n_rows, dtype=float)
            )
            y = run.columns[key]
            finite = np.isfinite(x) & np.isfinite(y)
            lone_point = np.count_nonzero(finite) == 1  # no line to see
            ax.plot(
                x[finite],
                y[finite],
                label=run.label,
                marker='o' if lone_point else None,
            )
        ax.set_title(key)
        ax.set_xlabel(x_axis if x_axis is not None else _ROW_LABEL)
        ax.grid(alpha=0.3)
        ax.legend()
    figure.savefig(output, format='png', dpi=100)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``python -m garage plot`` to a parser.

    Args:
        parser: The parser of the ``plot`` subcommand.

    """
    parser.add_argument(
        'log_dirs',
        nargs='+',
        metavar='LOG_DIR',
        help='log directories holding a progress.csv',
    )
    parser.add_argument(
        '--key',
        action='append',
        dest='keys',
        metavar='KEY',
        help='a column to plot, one subplot each; repeat for '
        'several (default: Evaluation/AverageReturn, else '
        'AverageReturn, else a column ending in '
        '/AverageReturn)',
    )
    parser.add_argument(
        '--x-axis',
        metavar='KEY',
        help='the column for the x axis (default: '
        'TotalEnvSteps if logged, else the row number)',
    )
    parser.add_argument(
        '-o',
        '--output',
        metavar='PNG',
        help='the PNG file to write (default: '
        'learning_curves.png in the first LOG_DIR)',
    )


def run(args: argparse.Namespace) -> None:
    """Draw the learning curves that ``python -m garage plot`` asks for.

    Prints the path of the PNG file.

    Args:
        args: The arguments parsed by a parser given to
            `add_arguments`.

    Raises:
        SystemExit: With a message for the user, if the progress files or
            the arguments are wrong.

    """
    try:
        path = plot_learning_curves(
            args.log_dirs, keys=args.keys, x_axis=args.x_axis, output=args.output
        )
    except (FileNotFoundError, ValueError) as error:
        raise SystemExit(f'python -m garage plot: {error}') from error
    print(path)
