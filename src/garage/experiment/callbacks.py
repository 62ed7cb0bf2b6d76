"""Callbacks of `Trainer.train`: stop early, checkpoint, score the policy.

A callback is any callable taking the trainer and a record,
``callback(trainer, record)``. The trainer calls each callback given to
``train(callbacks=...)`` or ``resume(callbacks=...)`` after every epoch with
the epoch's `EpochRecord`, and, with ``callback_episode_frequency`` or
``callback_timestep_frequency``, also while sampling with a
`SamplingRecord`. A callback that returns ``False`` (exactly False; None and
anything else mean continue) stops training after the current epoch, which
is still logged and snapshotted.

The ready-made callbacks here act on the records of whole epochs and
ignore `SamplingRecord` calls.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from garage import _validation
from garage.np.algos.rl_algorithm import EpochRecord

if TYPE_CHECKING:
    from garage.trainer import Trainer

#: What the trainer calls: ``callback(trainer, record)``, returning False to
#: stop training, or None (or anything else) to continue.
Callback: TypeAlias = Callable[['Trainer', EpochRecord], object]

#: The name of the checkpoint files of `CheckpointEvery`.
CHECKPOINT_FILE = 'checkpoint_{epoch}.pkl'


@dataclasses.dataclass(frozen=True)
class SamplingRecord(EpochRecord):
    """What a callback gets at the sampling frequency, in the middle of an epoch.

    Its ``returns``, ``episode_lengths`` and ``env_steps`` are those of the
    episodes sampled since the previous call at the sampling frequency (or
    since ``train`` or ``resume`` began); ``iterations`` is 0 and
    ``evaluation_return`` None.

    Attributes:
        epoch: The epoch that is sampling.
        run_episodes: The episodes sampled since ``train`` or ``resume``
            began.
        run_env_steps: The environment steps sampled since ``train`` or
            ``resume`` began.

    """

    iterations: int = 0
    epoch: int = 0
    run_episodes: int = 0
    run_env_steps: int = 0


class StopAtReturn:
    """Stop training once the average return reaches a threshold.

    Args:
        threshold: The return to reach.
        on: Which return: ``'training'``, the average return of the
            episodes that ended in the epoch; or ``'evaluation'``, the
            evaluation return, in the epochs that have one (the trainer's
            ``eval_every`` evaluation, or the algorithm's own).

    Raises:
        ValueError: If ``threshold`` is not a finite number, or ``on`` is
            neither ``'training'`` nor ``'evaluation'``.

    """

    def __init__(self, threshold: float, *, on: str = 'training'):
        self.threshold = _validation.number_in(
            'threshold', threshold, -math.inf, math.inf, low_open=True, high_open=True
        )
        self.on = _validation.one_of('on', on, ('training', 'evaluation'))

    def __call__(self, trainer: 'Trainer', record: EpochRecord) -> bool | None:
        """Return False once the epoch's return reaches the threshold."""
        if isinstance(record, SamplingRecord):
            return None
        value = (
            record.average_return if self.on == 'training' else record.evaluation_return
        )
        if value is not None and value >= self.threshold:
            return False
        return None

    def __repr__(self) -> str:
        return f'StopAtReturn({self.threshold!r}, on={self.on!r})'


class CheckpointEvery:
    """Save a checkpoint every few epochs, whatever the snapshot mode.

    After every ``n_epochs``-th epoch (epochs ``n_epochs - 1``,
    ``2 * n_epochs - 1``, ...), the trainer's snapshot of the epoch is
    also written to ``checkpoint_<epoch>.pkl`` in the snapshot directory,
    atomically, with `Trainer.save_checkpoint`. Checkpoints are never
    overwritten by later snapshots; ``Snapshotter.load_object`` loads one,
    and a copy named ``params.pkl`` in a directory of its own is restored
    by ``Trainer.restore``.

    Args:
        n_epochs: The epochs between checkpoints.

    Raises:
        ValueError: If ``n_epochs`` is not a positive integer.

    """

    def __init__(self, n_epochs: int):
        self.n_epochs = _validation.positive_int('n_epochs', n_epochs)

    def __call__(self, trainer: 'Trainer', record: EpochRecord) -> None:
        """Save the checkpoint, in the epochs that have one."""
        if isinstance(record, SamplingRecord):
            return
        epoch = trainer.current_epoch
        if epoch is not None and (epoch + 1) % self.n_epochs == 0:
            trainer.save_checkpoint(CHECKPOINT_FILE.format(epoch=epoch))

    def __repr__(self) -> str:
        return f'CheckpointEvery({self.n_epochs!r})'


class EvaluationScore:
    """A score of the policy that evaluation and ``keep_best`` use.

    As tensorforce's ``evaluation_callback``: in the epochs the trainer
    evaluates (``eval_every``), it calls ``score(trainer)`` instead of
    playing its evaluation episodes, logs the result as
    ``Evaluation/Score`` and, with ``keep_best=True``, keeps the policy with
    the best (highest) score in ``best_policy.pkl``. The score function
    usually closes over the policy or the algorithm it scores. As a
    callback it does nothing else; at most one may be given, and it needs
    ``eval_every``.

    Args:
        score: The score function: ``score(trainer) -> float``, higher is
            better.

    Raises:
        TypeError: If ``score`` is not callable.

    """

    def __init__(self, score: Callable[['Trainer'], float]):
        if not callable(score):
            raise _validation.ArgumentTypeError(
                f'score must be a function score(trainer) -> float, not '
                f'{type(score).__name__} ({score!r})'
            )
        self.score = score

    def __call__(self, trainer: 'Trainer', record: EpochRecord) -> None:
        """Do nothing: the trainer calls `score` when it evaluates."""

    def evaluate(self, trainer: 'Trainer') -> float:
        """The policy's score now.

        Args:
            trainer: The trainer.

        Returns:
            The score, as a float.

        Raises:
            ValueError: If the score function gives something that is not a
                finite number.

        """
        return _validation.number_in(
            'the evaluation score', self.score(trainer), -math.inf, math.inf
        )

    def __repr__(self) -> str:
        return f'EvaluationScore({self.score!r})'


__all__ = [
    'CHECKPOINT_FILE',
    'Callback',
    'CheckpointEvery',
    'EvaluationScore',
    'SamplingRecord',
    'StopAtReturn',
]
