"""Gaussian action noise whose scale decays linearly."""

from typing import TYPE_CHECKING

import numpy as np

from garage._legacy_gym import akro
from garage.np.exploration_policies.exploration_policy import (
    ScheduledExplorationPolicy,
)
from garage.np.policies import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class AddGaussianNoise(ScheduledExplorationPolicy):
    """Adds Gaussian noise to the actions, clipped to the action space.

    The noise's standard deviation falls linearly from ``max_sigma`` to
    ``min_sigma`` over the first ``int(total_timesteps * decay_ratio)``
    environment steps, then stays at ``min_sigma``; equal values give
    constant noise.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        policy: The policy whose actions are perturbed.
        total_timesteps: The number of environment steps of the whole run.
        max_sigma: The standard deviation at the first step.
        min_sigma: The standard deviation after the decay.
        decay_ratio: The fraction of ``total_timesteps`` the decay lasts.

    Raises:
        ValueError: If the action space is not an ``akro.Box``, or the
            schedule is invalid (see ``ScheduledExplorationPolicy``).

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        policy: Policy,
        total_timesteps: int,
        max_sigma: float = 1.0,
        min_sigma: float = 0.1,
        decay_ratio: float = 1.0,
    ):
        if not isinstance(env_spec.action_space, akro.Box):
            raise ValueError(
                'AddGaussianNoise needs an akro.Box action '
                f'space, not {env_spec.action_space!r}'
            )
        super().__init__(
            policy,
            total_timesteps=total_timesteps,
            start=max_sigma,
            end=min_sigma,
            decay_ratio=decay_ratio,
            names=('max_sigma', 'min_sigma'),
        )
        self._action_space = env_spec.action_space

    @property
    def sigma(self) -> float:
        """The standard deviation of the noise of the next step."""
        return float(self._level(self._total_env_steps))

    def _explore(self, actions: np.ndarray) -> np.ndarray:
        sigmas = self._next_levels(len(actions))
        sigmas = sigmas.reshape(-1, *([1] * (actions.ndim - 1)))
        noisy = actions + sigmas * np.random.standard_normal(actions.shape)
        space = self._action_space
        return np.clip(noisy, space.low, space.high).astype(space.dtype)
