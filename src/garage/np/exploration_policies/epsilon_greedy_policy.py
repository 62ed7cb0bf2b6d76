"""Epsilon-greedy exploration, with epsilon decaying linearly."""

from typing import TYPE_CHECKING

import numpy as np

from garage import _validation
from garage._dtypes import is_kept_space
from garage._legacy_gym import akro
from garage.np.exploration_policies.exploration_policy import (
    ScheduledExplorationPolicy,
)
from garage.np.policies import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class EpsilonGreedyPolicy(ScheduledExplorationPolicy):
    """Takes a uniformly random action with probability epsilon.

    Otherwise the wrapped (greedy) policy's action. Epsilon falls linearly
    from ``max_epsilon`` to ``min_epsilon`` over the first
    ``int(total_timesteps * decay_ratio)`` environment steps, then stays at
    ``min_epsilon``.

    Args:
        env_spec: The specification of the environment; its action space
            must be a ``Discrete``, ``Box``, ``MultiDiscrete`` or
            ``MultiBinary`` space.
        policy: The greedy policy.
        total_timesteps: The number of environment steps of the whole run.
        max_epsilon: Epsilon at the first step.
        min_epsilon: Epsilon after the decay.
        decay_ratio: The fraction of ``total_timesteps`` the decay lasts.

    Raises:
        ValueError: If the action space is of another kind, an epsilon is
            not in [0, 1], or the schedule is invalid.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        policy: Policy,
        *,
        total_timesteps: int,
        max_epsilon: float = 1.0,
        min_epsilon: float = 0.02,
        decay_ratio: float = 0.1,
    ):
        space = env_spec.action_space
        if not (isinstance(space, akro.Discrete | akro.Box) or is_kept_space(space)):
            raise ValueError(
                'EpsilonGreedyPolicy needs a Discrete, Box, MultiDiscrete or '
                f'MultiBinary action space, not {space!r}'
            )
        _validation.number_in('max_epsilon', max_epsilon, 0, 1)
        _validation.number_in('min_epsilon', min_epsilon, 0, 1)
        super().__init__(
            policy,
            total_timesteps=total_timesteps,
            start=max_epsilon,
            end=min_epsilon,
            decay_ratio=decay_ratio,
            names=('max_epsilon', 'min_epsilon'),
        )
        self._action_space = space

    @property
    def epsilon(self) -> float:
        """The probability of a random action at the next step."""
        return float(self._level(self._total_env_steps))

    def _explore(self, actions: np.ndarray) -> np.ndarray:
        n = len(actions)
        explore = np.random.random(n) < self._next_levels(n)
        n_random = int(explore.sum())
        if n_random:
            space = self._action_space
            actions = actions.copy()
            size = (n_random, *space.shape)
            if isinstance(space, akro.Discrete):
                actions[explore] = np.random.randint(space.n, size=n_random)
            elif isinstance(space, akro.Box):
                actions[explore] = np.random.uniform(space.low, space.high, size=size)
            elif hasattr(space, 'nvec'):  # MultiDiscrete
                start = np.asarray(getattr(space, 'start', 0))
                actions[explore] = start + np.random.randint(space.nvec, size=size)
            else:  # MultiBinary
                actions[explore] = np.random.randint(2, size=size)
        return actions
