"""Random no-ops after each reset."""

from typing import Any

import gymnasium

from garage import _validation
from garage.envs.wrappers._checks import action_meanings


class Noop(gymnasium.Wrapper):
    """Start each episode after a random number of no-op steps.

    After each reset it takes between 1 and ``noop_max`` (uniformly) no-op
    steps, action 0, resetting again should one end the episode; the
    number is drawn from the environment's own random generator
    (``np_random``), which a seeded reset seeds.

    Args:
        env: The environment to wrap; for an Atari game, its action 0 must
            be ``'NOOP'``.
        noop_max: The most no-op steps.

    Raises:
        ValueError: If ``noop_max`` is not a positive integer, or the game's
            action 0 is not ``'NOOP'``.

    """

    def __init__(self, env: gymnasium.Env, noop_max: int = 30):
        self._noop_max = _validation.positive_int('noop_max', noop_max)
        meanings = action_meanings(env)
        if meanings is not None and meanings[0] != 'NOOP':
            raise ValueError(
                f'Noop needs a game whose action 0 is NOOP; its actions are {meanings}'
            )
        super().__init__(env)
        self._noop_action = 0

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset, then take the no-op steps.

        Args:
            seed: The seed, passed on.
            options: The options, passed on.

        Returns:
            The observation after the no-ops and the information of the
                reset.

        """
        observation, info = self.env.reset(seed=seed, options=options)
        n_noops = int(self.np_random.integers(1, self._noop_max + 1))
        for _ in range(n_noops):
            observation, _, terminated, truncated, _ = self.env.step(self._noop_action)
            if terminated or truncated:
                observation, info = self.env.reset(options=options)
        return observation, info
