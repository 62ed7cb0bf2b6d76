"""Atari environment wrapper: observations as NumPy arrays."""

from typing import Any

import gymnasium
import numpy as np


class AtariEnv(gymnasium.ObservationWrapper):
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

    def observation(self, observation: Any) -> np.ndarray:
        """The observation as a NumPy array.

        Args:
            observation: The wrapped environment's observation.

        Returns:
            The array, of the observation's layout and dtype.

        """
        return np.asarray(observation)
