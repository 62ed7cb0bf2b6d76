"""End an episode when a life is lost."""

from typing import Any

import gymnasium


class EpisodicLife(gymnasium.Wrapper):
    """An episode per life of an Atari game; the game resets when all are lost.

    A step that loses a life (while some remain) terminates the episode.
    The next `reset` then does not reset the game: it takes one no-op step
    (action 0) from where the game is and returns its observation. Only
    after the game itself ended (terminated or truncated) does `reset`
    reset it. The number of lives comes from ``env.unwrapped.ale.lives()``.

    Args:
        env: The environment to wrap, an ALE environment (or a wrapper of
            one).

    Raises:
        ValueError: If the unwrapped environment has no ``ale``.

    """

    def __init__(self, env: gymnasium.Env):
        if getattr(env.unwrapped, 'ale', None) is None:
            raise ValueError(
                'EpisodicLife needs an Atari (ALE) environment, whose '
                f'unwrapped environment has an ale; {env.unwrapped!r} has none'
            )
        super().__init__(env)
        self._lives = 0
        self._was_real_done = True

    def _current_lives(self) -> int:
        return int(self.env.unwrapped.ale.lives())  # type: ignore[attr-defined]

    def step(self, action: Any) -> tuple[Any, Any, bool, bool, dict[str, Any]]:
        """Step the game; a lost life terminates the episode.

        Args:
            action: The action.

        Returns:
            The observation, reward, whether the episode terminated (the
                game ended or a life was lost), whether it was truncated, and
                the step's information.

        """
        observation, reward, terminated, truncated, info = self.env.step(action)
        self._was_real_done = bool(terminated or truncated)
        lives = self._current_lives()
        if 0 < lives < self._lives:
            terminated = True
        self._lives = lives
        return observation, reward, terminated, truncated, info

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the game if it ended; else go on with a no-op step.

        Args:
            seed: The seed of a real reset (a seed given forces one).
            options: The options of a real reset.

        Returns:
            The observation and the information of the reset (or step).

        """
        if self._was_real_done or seed is not None:
            observation, info = self.env.reset(seed=seed, options=options)
        else:
            observation, _, terminated, truncated, info = self.env.step(0)
            if terminated or truncated:  # the no-op ended the game
                observation, info = self.env.reset(options=options)
        self._was_real_done = False
        self._lives = self._current_lives()
        return observation, info
