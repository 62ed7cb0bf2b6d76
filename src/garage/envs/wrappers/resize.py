"""Resize single-channel frames."""

from typing import Any

import gymnasium
import numpy as np

from garage import _validation
from garage.envs.wrappers._checks import bounds, image_box


def _filter(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray]:
    """A linear (triangle) filter from n_in pixels to n_out.

    When shrinking, the filter widens with the scale, so that each output
    pixel averages all the input pixels it covers (anti-aliasing). Each
    output pixel depends on a few input pixels only: the filter is their
    indices and weights, each of shape ``(n_out, k)``, which index and
    multiply faster than a dense matrix of mostly zeros.
    """
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out) + 0.5) * scale
    distances = (np.arange(n_in)[None, :] + 0.5 - centres[:, None]) / support
    weights = np.clip(1.0 - np.abs(distances), 0.0, None)
    weights /= weights.sum(axis=1, keepdims=True)
    width = int((weights > 0).sum(axis=1).max())
    # the nonzero weights of each row come first, in order of input pixel
    indices = np.sort(
        np.argsort(weights <= 0, axis=1, kind='stable')[:, :width], axis=1
    )
    return indices, np.take_along_axis(weights, indices, axis=1).astype(np.float32)


class Resize(gymnasium.ObservationWrapper):
    """Resize single-channel frames to ``(width, height)``.

    As in the original garage, the new frames have the shape ``(width,
    height)``: ``width`` rows of ``height`` pixels (the same for the square
    frames of Atari agents, 84 by 84). Pixels are interpolated linearly,
    with anti-aliasing when shrinking; ``uint8`` frames stay ``uint8``
    (rounded), others become ``float32``. The observation space keeps the
    wrapped one's first bounds and dtype.

    Example:
        >>> pong = Grayscale(gymnasium.make('ALE/Pong-v5'))  # doctest: +SKIP
        >>> env = Resize(pong, 84, 84)  # doctest: +SKIP
        >>> env.observation_space.shape  # doctest: +SKIP
        (84, 84)

    Args:
        env: The environment to wrap.
        width: The first dimension of the resized frames.
        height: The second dimension of the resized frames.

    Raises:
        ValueError: If the observation space is not a two-dimensional Box,
            or ``width`` or ``height`` is not a positive integer.

    """

    def __init__(self, env: gymnasium.Env, width: int, height: int):
        space = image_box('Resize', env.observation_space, 2, 'single-channel frames')
        width = _validation.positive_int('width', width)
        height = _validation.positive_int('height', height)
        super().__init__(env)
        low, high = bounds(space)
        self._dtype = space.dtype
        self.observation_space = gymnasium.spaces.Box(
            low, high, shape=(width, height), dtype=space.dtype
        )
        self._rows = _filter(width, space.shape[0])
        self._columns = _filter(height, space.shape[1])

    def observation(self, observation: Any) -> np.ndarray:
        """Resize a frame.

        Args:
            observation: A single-channel frame.

        Returns:
            The frame, of shape ``(width, height)``.

        """
        (rows, row_weights), (columns, column_weights) = self._rows, self._columns
        pixels = np.asarray(observation, dtype=np.float32)
        shrunk = (pixels[rows] * row_weights[:, :, None]).sum(axis=1)
        frame = (shrunk[:, columns] * column_weights).sum(axis=2)
        if self._dtype == np.uint8:
            return np.clip(np.rint(frame), 0, 255).astype(np.uint8)
        return frame
