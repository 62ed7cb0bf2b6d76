"""The interface every algorithm implements."""

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from garage.trainer import Trainer


class RLAlgorithm(abc.ABC):
    """An algorithm that a `Trainer` drives.

    An algorithm that samples keeps its sampler in ``_sampler`` (the
    trainer's ``setup`` looks for it there) and its policy in ``policy``;
    one that explores with another policy gives it as
    ``exploration_policy``, which the trainer then sends to the sampler.
    """

    @abc.abstractmethod
    def train(self, trainer: 'Trainer') -> float | None:
        """Train, epoch by epoch, through ``trainer.step_epochs()``.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the last epoch, or None if the
                algorithm does not measure one.

        """
