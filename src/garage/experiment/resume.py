"""Continuing a killed experiment in its own log directory."""

import json
import os
import shlex
from pathlib import Path
from typing import Any

from garage import _validation
from garage.experiment.experiment import _continue_logged_run, experiment_logging
from garage.experiment.snapshotter import Snapshotter
from garage.trainer import Trainer, _budget_is_spent

__all__ = ['ExperimentCompleteError', 'resume_experiment']


class ExperimentCompleteError(Exception):
    """The snapshot to resume from has trained all it was asked to.

    ``python -m garage resume`` prints its message, which says how to train
    for longer, and exits with status 0: there is nothing left to do.

    Args:
        log_dir: The experiment's log directory.
        trained: The epochs (or environment steps) the snapshot has trained.
        budget: The epochs (or environment steps) asked for, at most
            ``trained``.
        unit: ``'epochs'`` or ``'env_steps'``: what the budget counts.

    Attributes:
        log_dir: The experiment's log directory.
        trained: The epochs (or environment steps) the snapshot has trained.

    """

    def __init__(
        self,
        log_dir: str | os.PathLike,
        trained: int,
        budget: int,
        unit: str = 'epochs',
    ):
        self.log_dir = os.fspath(log_dir)
        self.trained = trained
        name = 'epoch(s)' if unit == 'epochs' else 'environment steps'
        more = (
            '' if budget == trained else f', already more than the {budget} asked for'
        )
        super().__init__(
            f'the experiment in {self.log_dir} is complete: its snapshot has '
            f'trained {trained} {name}{more}. To train it for longer, give '
            f'a larger total: python -m garage resume '
            f'{shlex.quote(self.log_dir)} --n-{unit.replace("_", "-")} '
            f'{2 * trained}'
        )


def resume_experiment(
    log_dir: str | os.PathLike,
    *,
    n_epochs: int | None = None,
    n_env_steps: int | None = None,
    from_epoch: str | int = 'last',
    progress: bool | None = None,
    learning_curve: bool = True,
) -> float | None:
    """Continue an experiment from its snapshot, logging where it logged.

    The experiment's ``progress.csv`` loses the rows of epochs after the
    snapshot's (a run killed between logging an epoch and saving it logged
    it once already); the resumed epochs then append to it, to
    ``debug.log`` and to the TensorBoard events, and snapshots go on in the
    same mode. ``variant.json`` and ``metadata.json`` stay as the first
    start wrote them; the resume is recorded in the ``resumes`` list of
    ``metadata.json``. While it trains, the directory is locked against
    other writers.

    Args:
        log_dir: The experiment's log directory.
        n_epochs: Train until this many epochs in all; None keeps the
            budget the experiment was started with.
        n_env_steps: Train until this many environment steps in all,
            instead of a number of epochs; give at most one of the two.
        from_epoch: The snapshot to continue from: ``'last'``,
            ``'first'`` or an epoch number.
        progress: Show a progress bar; None keeps the experiment's
            choice.
        learning_curve: When training ends, draw the learning curve to
            ``learning_curves.png`` in ``log_dir``, as the examples do; a
            failure to draw it is logged, never raised.

    Returns:
        What the algorithm's ``train`` returns.

    Raises:
        FileNotFoundError: If ``log_dir`` is not a directory or holds no
            snapshot.
        ExperimentCompleteError: If the snapshot has trained its budget
            (given, or the experiment's own) or more: nothing is trained
            and nothing is written.
        ValueError: If ``n_epochs`` or ``n_env_steps`` is not a positive
            integer, or both are given.
        LogDirectoryLockedError: If another process is writing the
            experiment.

    """
    n_epochs = _validation.positive_int('n_epochs', n_epochs, allow_none=True)
    n_env_steps = _validation.positive_int('n_env_steps', n_env_steps, allow_none=True)
    if n_epochs is not None and n_env_steps is not None:
        raise ValueError(
            f'give n_epochs or n_env_steps, not both (got n_epochs={n_epochs}, '
            f'n_env_steps={n_env_steps})'
        )
    log_dir = Path(log_dir)
    if not log_dir.is_dir():
        raise FileNotFoundError(
            f'no experiment to resume: {log_dir} is not a directory'
        )
    saved = Snapshotter(log_dir).load(log_dir, from_epoch)
    epoch = saved['stats'].total_epoch
    _check_budget_left(log_dir, saved, n_epochs, n_env_steps)
    with experiment_logging(
        log_dir,
        snapshot_mode=saved['snapshot_mode'],
        snapshot_gap=saved['snapshot_gap'],
        x_axis=_x_axis(log_dir),
        resume=True,
    ) as ctxt:
        _continue_logged_run(log_dir, epoch)
        trainer = Trainer(ctxt)
        trainer._restore_saved(saved, log_dir)
        result = trainer.resume(
            n_epochs=n_epochs, n_env_steps=n_env_steps, progress=progress
        )
        if learning_curve:
            _draw_learning_curve(log_dir)
    return result


def _check_budget_left(
    log_dir: Path,
    saved: dict[str, Any],
    n_epochs: int | None,
    n_env_steps: int | None,
) -> None:
    """Raise `ExperimentCompleteError` if the snapshot trained its budget.

    The budget is the one given, or else the experiment's own: epochs, or
    environment steps for an experiment trained with ``n_env_steps``.
    """
    args = saved['train_args']
    stats = saved['stats']
    if n_epochs is None and n_env_steps is None:
        n_epochs = args.n_epochs
        n_env_steps = getattr(args, 'n_env_steps', None)
    if not _budget_is_spent(stats, stats.total_epoch + 1, n_epochs, n_env_steps):
        return
    if n_epochs is not None:
        raise ExperimentCompleteError(log_dir, stats.total_epoch + 1, n_epochs)
    assert n_env_steps is not None  # the budget spent is in steps
    raise ExperimentCompleteError(
        log_dir, stats.total_env_steps, n_env_steps, unit='env_steps'
    )


def _draw_learning_curve(log_dir: Path) -> None:
    """Draw ``learning_curves.png``; log, never raise, a failure."""
    from garage._dowel import logger

    try:
        from garage.plotting import plot_learning_curves

        path = plot_learning_curves(log_dir)
    except Exception as error:  # matplotlib missing or broken, no returns
        logger.log(f'Learning curve not drawn: {error}')
    else:
        logger.log(f'Learning curve: {path}')


def _x_axis(log_dir: Path) -> str:
    """The experiment's TensorBoard x axis, from its ``metadata.json``."""
    try:
        metadata = json.loads((log_dir / 'metadata.json').read_text())
    except (OSError, ValueError):
        return 'TotalEnvSteps'
    return metadata.get('x_axis', 'TotalEnvSteps')
