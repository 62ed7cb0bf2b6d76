"""An environment wrapper that rescales actions and normalizes data."""

from typing import Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage._environment import Environment, EnvStep, Wrapper
from garage._legacy_gym import akro

_EPS = 1e-8


class NormalizedEnv(Wrapper):
    """Rescale actions and normalize observations and rewards.

    * Actions: when the wrapped action space is a bounded ``Box``, this
      wrapper's action space is the ``Box`` of the same shape with bounds
      ``[-expected_action_scale, expected_action_scale]``; its actions are
      mapped affinely onto the wrapped bounds and clipped to them. Other
      action spaces, unbounded boxes included, pass through unchanged.
    * Observations (``Box`` only): with ``normalize_obs``, each coordinate
      is standardized with exponential running estimates of its mean and
      variance (weight ``obs_alpha`` for the newest observation), updated
      before each normalization. With ``flatten_obs``, observations and
      the observation space are flattened to one dimension.
    * Rewards: with ``normalize_reward``, divided by the square root of an
      exponential running estimate of their variance (weight
      ``reward_alpha``); then multiplied by ``scale_reward``.

    The running estimates are attributes of the wrapper, so they are saved
    in snapshots and restored with them.

    Args:
        env: The environment to wrap.
        scale_reward: The factor applied to every reward.
        normalize_obs: Whether to normalize observations.
        normalize_reward: Whether to normalize rewards.
        expected_action_scale: The bound of the actions this wrapper
            expects, symmetric around zero. For example, an agent whose
            actions come from a tanh expects 1.
        flatten_obs: Whether to flatten ``Box`` observations.
        obs_alpha: Update rate of the observation estimates.
        reward_alpha: Update rate of the reward estimates.

    Raises:
        ValueError: If ``expected_action_scale`` is not positive, an update
            rate is not in (0, 1], or ``normalize_obs`` is set for an
            observation space that is not a ``Box``.

    """

    def __init__(
        self,
        env: Environment,
        scale_reward: float = 1.0,
        normalize_obs: bool = False,
        normalize_reward: bool = False,
        expected_action_scale: float = 1.0,
        flatten_obs: bool = True,
        obs_alpha: float = 0.001,
        reward_alpha: float = 0.001,
    ):
        super().__init__(env)
        _validation.number_in(
            'expected_action_scale', expected_action_scale, 0, low_open=True
        )
        _validation.number_in('obs_alpha', obs_alpha, 0, 1, low_open=True)
        _validation.number_in('reward_alpha', reward_alpha, 0, 1, low_open=True)
        inner_obs_space = env.observation_space
        is_box = isinstance(inner_obs_space, akro.Box)
        if normalize_obs and not is_box:
            raise ValueError(
                f'normalize_obs needs a Box observation space, not {inner_obs_space}'
            )
        self._scale_reward = scale_reward
        self._normalize_obs = normalize_obs
        self._normalize_reward = normalize_reward
        self._expected_action_scale = expected_action_scale
        self._flatten_obs = flatten_obs and is_box
        self._obs_alpha = obs_alpha
        self._reward_alpha = reward_alpha

        if is_box:
            flat_dim = int(inner_obs_space.flat_dim)
            self._obs_mean = np.zeros(flat_dim)
            self._obs_var = np.ones(flat_dim)
        self._reward_mean = 0.0
        self._reward_var = 1.0
        self._observation_space = self._make_observation_space(inner_obs_space)

        inner_act_space = env.action_space
        self._scale_actions = (
            isinstance(inner_act_space, akro.Box)
            and np.isfinite(inner_act_space.low).all()
            and np.isfinite(inner_act_space.high).all()
        )
        if self._scale_actions:
            self._action_space = akro.Box(
                low=-expected_action_scale,
                high=expected_action_scale,
                shape=inner_act_space.shape,
                dtype=inner_act_space.dtype,
            )
            self._action_low = inner_act_space.low.astype(np.float64)
            self._action_high = inner_act_space.high.astype(np.float64)
            self._action_factor = (
                0.5 * (self._action_high - self._action_low) / expected_action_scale
            )
        else:
            self._action_space = inner_act_space
        self._spec = EnvSpec(
            observation_space=self._observation_space,
            action_space=self._action_space,
            max_episode_length=env.spec.max_episode_length,
        )

    def _make_observation_space(self, inner: akro.Space) -> akro.Space:
        """The observation space after flattening and normalization.

        Args:
            inner: The wrapped observation space.

        Returns:
            This wrapper's observation space.

        """
        if not isinstance(inner, akro.Box):
            return inner
        shape = (int(inner.flat_dim),) if self._flatten_obs else inner.shape
        if self._normalize_obs:
            dtype = (
                inner.dtype if np.issubdtype(inner.dtype, np.floating) else np.float32
            )
            return akro.Box(low=-np.inf, high=np.inf, shape=shape, dtype=dtype)
        if self._flatten_obs:
            return akro.Box(
                low=inner.low.reshape(shape),
                high=inner.high.reshape(shape),
                dtype=inner.dtype,
            )
        return inner

    @property
    def action_space(self) -> akro.Space:
        """The rescaled action space."""
        return self._action_space

    @property
    def observation_space(self) -> akro.Space:
        """The (flattened, normalized) observation space."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Reset the wrapped environment.

        Returns:
            The first observation, flattened and normalized as configured,
                and the episode-level information.

        """
        first_obs, episode_info = self._env.reset()
        return self._process_obs(first_obs), episode_info

    def step(self, action: Any) -> EnvStep:
        """Step the wrapped environment with the rescaled action.

        Args:
            action: An action in this wrapper's action space.

        Returns:
            The step, with the action as given, and the observation and
                reward processed as configured.

        """
        if self._scale_actions:
            scaled = self._action_low + (
                (np.asarray(action) + self._expected_action_scale) * self._action_factor
            )
            inner_action = np.clip(scaled, self._action_low, self._action_high).astype(
                self._env.action_space.dtype
            )
        else:
            inner_action = action
        es = self._env.step(inner_action)
        reward = es.reward
        if self._normalize_reward:
            reward = self._normalized_reward(reward)
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=reward * self._scale_reward,
            observation=self._process_obs(es.observation),
            env_info=es.env_info,
            step_type=es.step_type,
        )

    def _process_obs(self, obs: Any) -> Any:
        """Flatten and normalize an observation as configured.

        Args:
            obs: An observation of the wrapped environment.

        Returns:
            The observation in this wrapper's space.

        """
        if self._normalize_obs:
            flat_obs = np.asarray(obs, dtype=np.float64).reshape(-1)
            alpha = self._obs_alpha
            self._obs_mean = (1 - alpha) * self._obs_mean + alpha * flat_obs
            self._obs_var = (1 - alpha) * self._obs_var + alpha * np.square(
                flat_obs - self._obs_mean
            )
            normalized = (flat_obs - self._obs_mean) / (np.sqrt(self._obs_var) + _EPS)
            return normalized.reshape(self._observation_space.shape).astype(
                self._observation_space.dtype
            )
        if self._flatten_obs:
            return np.asarray(obs).reshape(-1)
        return obs

    def _normalized_reward(self, reward: float) -> float:
        """Update the reward estimates and normalize a reward.

        Args:
            reward: A reward of the wrapped environment.

        Returns:
            The reward divided by its estimated standard deviation.

        """
        alpha = self._reward_alpha
        self._reward_mean = (1 - alpha) * self._reward_mean + alpha * reward
        self._reward_var = (1 - alpha) * self._reward_var + alpha * (
            reward - self._reward_mean
        ) ** 2
        return float(reward / (np.sqrt(self._reward_var) + _EPS))


normalize = NormalizedEnv
"""The original garage's name for `NormalizedEnv`."""
