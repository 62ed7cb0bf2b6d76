"""Stack the last frames into one observation."""

import collections
from typing import Any

import gymnasium
import numpy as np

from garage import _validation
from garage.envs.wrappers._checks import bounds, image_box


class StackFrames(gymnasium.ObservationWrapper):
    """Stack the last ``n_frames`` single-channel frames.

    Observations become ``(H, W, n_frames)`` with ``axis=2`` (channels
    last, as TensorFlow's convolutions take them) or ``(n_frames, H, W)``
    with ``axis=0`` (channels first, for PyTorch's), oldest frame first, of
    the frames' dtype. After a reset the stack holds ``n_frames`` copies of
    the first frame.

    Args:
        env: The environment to wrap.
        n_frames: The number of frames to stack.
        axis: The axis to stack on: 0 or 2.

    Raises:
        ValueError: If the observation space is not a two-dimensional Box,
            ``n_frames`` is not a positive integer, or ``axis`` is neither
            0 nor 2.

    """

    def __init__(self, env: gymnasium.Env, n_frames: int, axis: int = 2):
        if axis not in (0, 2):
            raise ValueError(f'the stacking axis must be 0 or 2, not {axis=}')
        space = image_box(
            'StackFrames', env.observation_space, 2, 'single-channel frames'
        )
        self._n_frames = _validation.positive_int('n_frames', n_frames)
        super().__init__(env)
        self._axis = axis
        self._frames: collections.deque[np.ndarray] = collections.deque(
            maxlen=self._n_frames
        )
        shape = (
            (self._n_frames, *space.shape)
            if axis == 0
            else (*space.shape, self._n_frames)
        )
        low, high = bounds(space)
        self.observation_space = gymnasium.spaces.Box(
            low, high, shape=shape, dtype=space.dtype
        )

    def observation(self, observation: Any) -> np.ndarray:
        """Add a frame to the stack (copies of it after a reset).

        Args:
            observation: The new frame.

        Returns:
            The stack of the last ``n_frames`` frames.

        """
        frame = np.asarray(observation)
        if not self._frames:
            self._frames.extend([frame] * (self._n_frames - 1))
        self._frames.append(frame)
        return np.stack(self._frames, axis=self._axis)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset; the stack holds copies of the first frame.

        Args:
            seed: The seed, passed on.
            options: The options, passed on.

        Returns:
            The stacked observation and the information of the reset.

        """
        self._frames.clear()
        return super().reset(seed=seed, options=options)
