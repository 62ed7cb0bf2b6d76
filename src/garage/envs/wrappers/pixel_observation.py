"""Rendered frames as observations."""

from typing import Any

import gymnasium
import numpy as np


class PixelObservationWrapper(gymnasium.ObservationWrapper):
    """Observe the environment's rendered RGB frames instead of its state.

    The observation space is a ``uint8`` Box of the shape of a rendered
    frame (the environment is reset once to find it), not the ``Dict`` of
    Gymnasium's pixel wrappers. The environment must render to arrays:
    make it with ``render_mode='rgb_array'``.

    Args:
        env: The environment to wrap, made with ``render_mode='rgb_array'``.
        headless: Kept for the original garage's signature. Gymnasium's
            ``rgb_array`` rendering needs no window either way; MuJoCo
            environments choose their off-screen backend from the
            ``MUJOCO_GL`` environment variable (``egl`` or ``osmesa`` on a
            machine without a display).

    Raises:
        ValueError: If the environment does not render to arrays.

    """

    def __init__(self, env: gymnasium.Env, headless: bool = True):
        del headless  # rgb_array rendering is off screen already
        if env.render_mode != 'rgb_array':
            raise ValueError(
                'PixelObservationWrapper needs an environment made with '
                f"render_mode='rgb_array', not {env.render_mode!r}"
            )
        super().__init__(env)
        env.reset()
        frame = self.observation(None)
        self.observation_space = gymnasium.spaces.Box(
            0, 255, shape=frame.shape, dtype=np.uint8
        )

    def observation(self, observation: Any) -> np.ndarray:
        """The rendered frame, whatever the wrapped observation.

        Args:
            observation: The wrapped environment's observation, unused.

        Returns:
            The RGB frame, ``uint8``.

        """
        del observation
        return np.asarray(self.env.render(), dtype=np.uint8)
