"""Atari environment wrapper: observations as NumPy arrays."""

from typing import Any

import gymnasium
import numpy as np

from garage.envs.wrappers._checks import as_array


class AtariEnv(gymnasium.Wrapper):
    """Atari environment wrapper for a Gymnasium environment.

    Converts the observations of wrapped Atari environments (such as
    the ``LazyFrames`` of frame-stacking wrappers of other libraries) into
    NumPy arrays, keeping their layout and dtype: the ``uint8`` frames of
    `StackFrames` stay ``uint8`` and in the order it stacked them. The
    observation space is the wrapped environment's.

    Args:
        env: The environment to wrap.

    """

    def __init__(self, env: gymnasium.Env):
        super().__init__(env)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the environment; the observation as an array.

        Args:
            seed: The seed, passed on.
            options: The options, passed on.

        Returns:
            The first observation and the information of the reset.

        """
        observation, info = self.env.reset(seed=seed, options=options)
        return as_array(observation), info

    def step(self, action: Any) -> tuple[np.ndarray, Any, bool, bool, dict[str, Any]]:
        """Step the environment; the observation as an array.

        Args:
            action: The action.

        Returns:
            The observation, reward, whether the episode terminated, whether
                it was truncated, and the step's information.

        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        return as_array(observation), reward, terminated, truncated, info
