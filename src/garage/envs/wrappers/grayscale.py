"""Convert RGB frames to grayscale."""

from typing import Any

import gymnasium
import numpy as np

from garage.envs.wrappers._checks import bounds, image_box

# the luminance weights of the original's converter (scikit-image's rgb2gray)
_WEIGHTS = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)


class Grayscale(gymnasium.ObservationWrapper):
    """Convert RGB frames of shape ``(H, W, 3)`` to grayscale, ``(H, W)``.

    The observation space must be a Box of three dimensions with bounds 0
    and 255; the new one is a ``uint8`` Box of the first two. Each pixel's
    gray level is ``0.2125 R + 0.7154 G + 0.0721 B``, truncated to an
    integer, as in the original garage.

    Example:
        >>> env = Grayscale(gymnasium.make('ALE/Pong-v5'))  # doctest: +SKIP
        >>> env.observation_space.shape  # doctest: +SKIP
        (210, 160)

    Args:
        env: The environment to wrap.

    Raises:
        ValueError: If the observation space is not a three-dimensional
            Box of bounds 0 and 255.

    """

    def __init__(self, env: gymnasium.Env):
        space = image_box('Grayscale', env.observation_space, 3, 'RGB frames')
        low, high = bounds(space)
        if low != 0 or high != 255:
            raise ValueError(
                f'Grayscale needs pixels of bounds 0 and 255, not {low} and {high}'
            )
        super().__init__(env)
        self.observation_space = gymnasium.spaces.Box(
            0, 255, shape=space.shape[:-1], dtype=np.uint8
        )

    def observation(self, observation: Any) -> np.ndarray:
        """Convert a frame to grayscale.

        Args:
            observation: An RGB frame, ``(H, W, 3)``.

        Returns:
            The grayscale frame, ``(H, W)``, ``uint8``.

        """
        rgb = np.asarray(observation)
        gray = rgb[..., 0] * _WEIGHTS[0]
        gray += rgb[..., 1] * _WEIGHTS[1]
        gray += rgb[..., 2] * _WEIGHTS[2]
        return gray.astype(np.uint8)
