"""The interface of replay buffers."""

import abc
from collections.abc import Mapping
from typing import Any

import numpy as np

from garage._dtypes import EpisodeBatch, TimeStepBatch


class ReplayBuffer(abc.ABC):
    """Stores transitions for off-policy algorithms and samples them back.

    A buffer holds at most ``capacity`` transitions; once full, each new
    transition replaces the oldest. Every transition keeps its
    ``StepType``, so an algorithm can tell an episode that ended
    (``TERMINAL``, no bootstrapping) from one cut short by a time limit
    (``TIMEOUT``) or a fragment that goes on (``MID``).
    """

    @property
    @abc.abstractmethod
    def capacity(self) -> int:
        """The most transitions the buffer holds."""

    @property
    @abc.abstractmethod
    def n_transitions_stored(self) -> int:
        """The number of transitions stored, at most `capacity`."""

    @abc.abstractmethod
    def add_episode_batch(self, episodes: EpisodeBatch) -> None:
        """Add every step of a batch of episodes (or fragments of them).

        Args:
            episodes: The episodes.

        """

    @abc.abstractmethod
    def add_path(self, path: Mapping[str, Any]) -> None:
        """Add one path: an episode, or a fragment of one.

        Args:
            path: Arrays of the path's steps, one row per step.

        """

    @abc.abstractmethod
    def sample_transitions(self, batch_size: int) -> dict[str, np.ndarray]:
        """Sample transitions uniformly, with replacement.

        Args:
            batch_size: The number of transitions.

        Returns:
            Arrays of the transitions, one row per transition.

        """

    @abc.abstractmethod
    def sample_timesteps(self, batch_size: int) -> TimeStepBatch:
        """Sample transitions uniformly, with replacement, as a batch.

        Args:
            batch_size: The number of transitions.

        Returns:
            The transitions.

        """

    @abc.abstractmethod
    def sample_path(self) -> dict[str, np.ndarray]:
        """Sample one stored path uniformly.

        Returns:
            Arrays of the path's steps, in order.

        """

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every transition."""
