"""NOP (no optimization performed) policy search algorithm."""

from typing import TYPE_CHECKING

from garage.np.algos.rl_algorithm import RLAlgorithm

if TYPE_CHECKING:
    from garage.trainer import Trainer


class NOP(RLAlgorithm):
    """NOP (no optimization performed) policy search algorithm.

    It trains nothing, samples nothing and runs no epoch: a placeholder
    algorithm for tests and for experiments that only set up a trainer.
    """

    def init_opt(self) -> None:
        """Initialize the optimization procedure (nothing to do)."""

    def optimize_policy(self, paths: object) -> None:
        """Optimize the policy using the samples (nothing to do).

        Args:
            paths: The samples, ignored.

        """

    def train(self, trainer: 'Trainer') -> None:
        """Return at once: no epoch runs.

        Args:
            trainer: The trainer, unused.

        """
        del trainer
