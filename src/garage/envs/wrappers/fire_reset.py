"""Press fire after each reset."""

from typing import Any

import gymnasium

from garage.envs.wrappers._checks import action_meanings


class FireReset(gymnasium.Wrapper):
    """Take the action "fire" (1) after each reset.

    Games such as Breakout wait for the player to fire before they start.
    If that step ends the episode, the environment is reset again.

    Args:
        env: The environment to wrap: an Atari game whose action 1 is
            ``'FIRE'`` and which has at least three actions.

    Raises:
        ValueError: If the game's action 1 is not ``'FIRE'`` or it has
            fewer than three actions.

    """

    def __init__(self, env: gymnasium.Env):
        meanings = action_meanings(env)
        if meanings is not None and (len(meanings) < 3 or meanings[1] != 'FIRE'):
            raise ValueError(
                'FireReset needs a game whose action 1 is FIRE and that has '
                f'at least three actions; its actions are {meanings}'
            )
        super().__init__(env)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset, then fire.

        Args:
            seed: The seed, passed on.
            options: The options, passed on.

        Returns:
            The observation after firing and the information of the reset.

        """
        observation, info = self.env.reset(seed=seed, options=options)
        observation, _, terminated, truncated, _ = self.env.step(1)
        if terminated or truncated:
            observation, info = self.env.reset(options=options)
        return observation, info
