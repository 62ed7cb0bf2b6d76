"""Rendered frames as observations."""

from typing import Any

import gymnasium
import numpy as np


class PixelObservationWrapper(gymnasium.Wrapper):
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
        frame = self._render()
        self.observation_space = gymnasium.spaces.Box(
            0, 255, shape=frame.shape, dtype=np.uint8
        )

    def _render(self) -> np.ndarray:
        return np.asarray(self.env.render(), dtype=np.uint8)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset; the first rendered frame.

        Args:
            seed: The seed, passed on.
            options: The options, passed on.

        Returns:
            The rendered frame and the information of the reset.

        """
        _, info = self.env.reset(seed=seed, options=options)
        return self._render(), info

    def step(self, action: Any) -> tuple[np.ndarray, Any, bool, bool, dict[str, Any]]:
        """Step; the rendered frame as the observation.

        Args:
            action: The action.

        Returns:
            The rendered frame, reward, whether the episode terminated,
                whether it was truncated, and the step's information.

        """
        _, reward, terminated, truncated, info = self.env.step(action)
        return self._render(), reward, terminated, truncated, info
