"""Temporally correlated action noise: an Ornstein-Uhlenbeck process."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from garage import _validation
from garage._legacy_gym import akro
from garage.np.exploration_policies.exploration_policy import ExplorationPolicy
from garage.np.policies import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class AddOrnsteinUhlenbeckNoise(ExplorationPolicy):
    r"""Adds Ornstein-Uhlenbeck noise to the actions (DDPG's exploration).

    Each environment's noise follows its own process, advanced once per
    step, `x ← x + θ(μ - x) dt + σ√dt
    ε` with `ε ~ N(0, I)`, and restarts from
    ``x0`` when its episode does. The noisy action is clipped to the
    action space.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        policy: The policy whose actions are perturbed.
        mu: The mean the process reverts to.
        sigma: The scale of the process's random steps.
        theta: The rate of mean reversion.
        dt: The time step of the process.
        x0: The starting state, of the action's flattened shape; None
            starts at zeros.

    Raises:
        ValueError: If the action space is not an ``akro.Box``, ``sigma``
            or ``theta`` is negative, ``dt`` is not positive, or ``x0`` has
            the wrong shape.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        policy: Policy,
        *,
        mu: ArrayLike = 0.0,
        sigma: float = 0.3,
        theta: float = 0.15,
        dt: float = 1e-2,
        x0: ArrayLike | None = None,
    ):
        space = env_spec.action_space
        if not isinstance(space, akro.Box):
            raise ValueError(
                'AddOrnsteinUhlenbeckNoise needs an akro.Box '
                f'action space, not {space!r}'
            )
        _validation.number_in('sigma', sigma, 0)
        _validation.number_in('theta', theta, 0)
        _validation.number_in('dt', dt, 0, low_open=True)
        super().__init__(policy)
        self._action_space = space
        self._mu = np.asarray(mu, dtype=np.float64)
        self._sigma = sigma
        self._theta = theta
        self._dt = dt
        self._x0 = (
            np.zeros(space.shape) if x0 is None else np.asarray(x0, dtype=np.float64)
        )
        if self._x0.shape != space.shape:
            raise ValueError(
                f'x0 has shape {self._x0.shape}, but the action '
                f'space has shape {space.shape}'
            )
        # one row per environment, made on the first step after a reset
        self._state = np.zeros((0, *space.shape))

    def _explore(self, actions: np.ndarray) -> np.ndarray:
        if len(self._state) != len(actions):
            self._state = np.repeat(self._x0[np.newaxis], len(actions), axis=0)
        x = self._state
        self._state = (
            x
            + self._theta * (self._mu - x) * self._dt
            + self._sigma * np.sqrt(self._dt) * np.random.standard_normal(x.shape)
        )
        space = self._action_space
        return np.clip(actions + self._state, space.low, space.high).astype(space.dtype)

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:
        """Restart the noise of the environments that start new episodes.

        Args:
            do_resets: Which environments start a new episode; None means
                all of them.

        """
        super().reset(do_resets)
        if do_resets is None or len(do_resets) != len(self._state):
            self._state = self._state[:0]
        else:
            self._state[np.asarray(do_resets, dtype=bool)] = self._x0
