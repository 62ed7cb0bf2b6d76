"""A policy that acts uniformly at random."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage.np.policies.policy import ParameterFreePolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class UniformRandomPolicy(ParameterFreePolicy):
    """Samples every action uniformly from the action space.

    A baseline, and a source of exploration data. Its randomness is the
    action space's own: seed it with ``env_spec.action_space.seed(seed)``.

    Args:
        env_spec: The specification of the environment.

    """

    def __init__(self, env_spec: 'EnvSpec'):
        self._env_spec = env_spec

    @property
    def env_spec(self) -> 'EnvSpec':
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    def get_action(self, observation: Any) -> tuple[Any, dict]:
        """Sample an action.

        Args:
            observation: Ignored.

        Returns:
            tuple: A sample from the action space and an empty dict.

        """
        del observation
        return self.action_space.sample(), {}

    def get_actions(self, observations: Sequence[Any]) -> tuple[np.ndarray, dict]:
        """Sample one action per observation.

        Args:
            observations: The batch of observations (only its length counts).

        Returns:
            tuple: The samples stacked along a new first axis, and an empty
                dict.

        """
        if len(observations) == 0:
            return np.empty(
                (0, *self.action_space.shape), dtype=self.action_space.dtype
            ), {}
        return np.stack(
            [self.action_space.sample() for _ in range(len(observations))]
        ), {}
