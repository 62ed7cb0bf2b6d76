"""Repeat each action and keep the brightest of the last two frames."""

from typing import Any

import gymnasium
import numpy as np

from garage import _validation


class MaxAndSkip(gymnasium.Wrapper):
    """Repeat each action ``skip`` times; max over the last two frames.

    A step takes ``skip`` steps of the wrapped environment with the same
    action (fewer if the episode ends), sums their rewards and returns the
    element-wise maximum of the frames of the last two of them: some Atari
    games draw their sprites only every other frame. As in the original
    garage, when the episode ends before the last two repeats, the frames
    kept from earlier steps take part in the maximum.

    Args:
        env: The environment to wrap.
        skip: The number of repeats of each action.

    Raises:
        ValueError: If ``skip`` is not a positive integer.

    """

    def __init__(self, env: gymnasium.Env, skip: int = 4):
        self._skip = _validation.positive_int('skip', skip)
        super().__init__(env)
        space = env.observation_space
        self._obs_buffer = np.zeros((2, *space.shape), dtype=space.dtype)  # type: ignore[misc]

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Repeat the action, sum the rewards, max over the last two frames.

        Args:
            action: The action.

        Returns:
            The maximum of the last two frames, the summed reward, whether
                the episode terminated, whether it was truncated, and the
                last step's information.

        """
        total_reward = 0.0
        terminated = truncated = False
        info: dict[str, Any] = {}
        for i in range(self._skip):
            observation, reward, terminated, truncated, info = self.env.step(action)
            if i == self._skip - 2:
                self._obs_buffer[0] = observation
            elif i == self._skip - 1:
                self._obs_buffer[1] = observation
            total_reward += float(reward)
            if terminated or truncated:
                break
        if self._skip == 1:
            return np.array(observation), total_reward, terminated, truncated, info
        return self._obs_buffer.max(axis=0), total_reward, terminated, truncated, info
