"""The interface of meta-RL algorithms."""

import abc
from typing import TYPE_CHECKING, Any

from garage.np.algos.rl_algorithm import RLAlgorithm

if TYPE_CHECKING:
    from garage._dtypes import EpisodeBatch


class MetaRLAlgorithm(RLAlgorithm, abc.ABC):
    """An algorithm that learns to adapt to a task from a few episodes.

    Meta-testing (`garage.experiment.MetaEvaluator`) asks it for an
    exploration policy, samples episodes of a new task with it, and asks
    for a policy adapted to that task from those episodes.
    """

    @abc.abstractmethod
    def get_exploration_policy(self) -> Any:
        """Return a policy to explore a new task with, before adaptation.

        Returns:
            A policy the caller may change (a copy, not the one being
                trained), that samplers can send to their workers.

        """

    @abc.abstractmethod
    def adapt_policy(
        self, exploration_policy: Any, exploration_episodes: 'EpisodeBatch'
    ) -> Any:
        """Return a policy adapted to a task.

        Args:
            exploration_policy: The policy, from `get_exploration_policy`,
                that sampled ``exploration_episodes``; it may be changed
                and returned.
            exploration_episodes: Episodes of the task.

        Returns:
            A policy adapted to the task; adapting never changes the
                policy being meta-trained.

        """


__all__ = ['MetaRLAlgorithm']
