"""Continuing a killed experiment in its own log directory."""

import csv
import io
import json
import os
from pathlib import Path
from typing import IO

from garage.experiment.experiment import experiment_logging
from garage.experiment.snapshotter import Snapshotter, _replace_atomically
from garage.trainer import Trainer


def resume_experiment(
    log_dir: str | os.PathLike,
    *,
    n_epochs: int | None = None,
    from_epoch: str | int = 'last',
    progress: bool | None = None,
) -> float | None:
    """Continue an experiment from its snapshot, logging where it logged.

    The experiment's ``progress.csv`` loses the rows of epochs after the
    snapshot's (a run killed between logging an epoch and saving it logged
    it once already); the resumed epochs then append to it, to
    ``debug.log`` and to the TensorBoard events, and snapshots go on in the
    same mode.

    Args:
        log_dir: The experiment's log directory.
        n_epochs: Train until this many epochs in all; None keeps the
            number the experiment was started with.
        from_epoch: The snapshot to continue from: ``'last'``,
            ``'first'`` or an epoch number.
        progress: Show a progress bar; None keeps the experiment's
            choice.

    Returns:
        What the algorithm's ``train`` returns.

    Raises:
        FileNotFoundError: If ``log_dir`` is not a directory.

    """
    log_dir = Path(log_dir)
    if not log_dir.is_dir():
        raise FileNotFoundError(
            f'no experiment to resume: {log_dir} is not a directory'
        )
    saved = Snapshotter(log_dir).load(log_dir, from_epoch)
    _drop_rows_after(log_dir / 'progress.csv', saved['stats'].total_epoch)
    with experiment_logging(
        log_dir,
        snapshot_mode=saved['snapshot_mode'],
        snapshot_gap=saved['snapshot_gap'],
        x_axis=_x_axis(log_dir),
        resume=True,
    ) as ctxt:
        trainer = Trainer(ctxt)
        trainer._restore_saved(saved, log_dir)
        return trainer.resume(n_epochs=n_epochs, progress=progress)


def _drop_rows_after(progress_csv: Path, last_epoch: int) -> None:
    """Keep the rows of epochs up to ``last_epoch``, rewriting atomically."""
    if not progress_csv.exists():
        return
    with progress_csv.open(newline='') as file:
        rows = list(csv.reader(file))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    if 'Epoch' in header:
        column = header.index('Epoch')
        # a row cut short by a kill may lack the column
        kept = [
            row
            for row in body
            if len(row) > column
            and row[column]
            and int(float(row[column])) <= last_epoch
        ]
    else:
        kept = body[: last_epoch + 1]
    if len(kept) == len(body):
        return
    text = io.StringIO(newline='')
    csv.writer(text).writerows([header, *kept])

    def write(file: IO[bytes]) -> None:
        file.write(text.getvalue().encode())

    _replace_atomically(progress_csv, write)


def _x_axis(log_dir: Path) -> str:
    """The experiment's TensorBoard x axis, from its ``metadata.json``."""
    try:
        metadata = json.loads((log_dir / 'metadata.json').read_text())
    except (OSError, ValueError):
        return 'TotalEnvSteps'
    return metadata.get('x_axis', 'TotalEnvSteps')
