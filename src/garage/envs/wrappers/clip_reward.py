"""Clip rewards to their sign."""

from typing import Any

import gymnasium
import numpy as np


class ClipReward(gymnasium.Wrapper):
    """Replace each reward by its sign: -1, 0 or 1.

    Args:
        env: The environment to wrap.

    """

    def __init__(self, env: gymnasium.Env):
        super().__init__(env)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Step the environment; the reward's sign instead of the reward.

        Args:
            action: The action.

        Returns:
            The observation, the sign of the reward, whether the episode
                terminated, whether it was truncated, and the step's
                information.

        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        return observation, float(np.sign(float(reward))), terminated, truncated, info
