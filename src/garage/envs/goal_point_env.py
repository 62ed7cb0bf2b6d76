"""A goal-conditioned point in 2-D with a sparse reward, for HER."""

import math
from typing import Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec, StepType
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro

_SEED_BOUND = 2**31


class GoalPointEnv(Environment):
    """A point in 2-D that must reach a goal drawn anew for each episode.

    A small goal-conditioned task in the form of Gymnasium-Robotics' Fetch
    tasks, to try Hindsight Experience Replay (``HERReplayBuffer``) in
    seconds. Observations are dicts of an ``akro.Dict`` space:
    ``'observation'`` and ``'achieved_goal'`` are the point's position and
    ``'desired_goal'`` the goal. The point starts at the origin and the goal
    is drawn uniformly from the square arena ``[-arena_size, arena_size]^2``
    at each `reset`. An action in ``[-1, 1]^2`` (clipped to it) moves the
    point by ``step_size`` times the action, inside the arena. The reward
    is sparse, as Fetch's: 0 within ``distance_threshold`` of the goal and
    -1 elsewhere (`compute_reward`); ``env_info['is_success']`` is 1.0
    within it, as in Gymnasium-Robotics, and ``env_info['success']`` True
    (which ``log_performance`` counts as ``SuccessRate``). Episodes never
    terminate; they end with ``TIMEOUT`` after ``max_episode_length``
    steps.

    Goals come from the environment's own generator, seeded by `seed`
    or, at the first `reset`, from NumPy's global random state (which
    ``garage.experiment.deterministic.set_seed`` seeds).

    Args:
        distance_threshold: The distance to the goal within which it is
            reached.
        arena_size: Half the side of the square arena.
        step_size: The displacement of a unit action.
        max_episode_length: The length of every episode.

    Raises:
        ValueError: If a size is not positive or ``max_episode_length`` not
            a positive integer.

    """

    def __init__(
        self,
        distance_threshold: float = 0.05,
        arena_size: float = 1.0,
        step_size: float = 0.1,
        max_episode_length: int = 50,
    ):
        self._threshold = _validation.number_in(
            'distance_threshold', distance_threshold, 0, low_open=True
        )
        self._arena = _validation.number_in('arena_size', arena_size, 0, low_open=True)
        self._step_size = _validation.number_in(
            'step_size', step_size, 0, low_open=True
        )
        max_episode_length = _validation.positive_int(
            'max_episode_length', max_episode_length
        )
        position = akro.Box(-self._arena, self._arena, shape=(2,), dtype=np.float32)
        self._observation_space = akro.Dict(
            {
                'achieved_goal': position,
                'desired_goal': position,
                'observation': position,
            }
        )
        self._action_space = akro.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self._spec = EnvSpec(
            self._observation_space, self._action_space, max_episode_length
        )
        self._rng: np.random.Generator | None = None
        self._position = np.zeros(2)
        self._goal = np.zeros(2)
        self._step_cnt: int | None = None
        self._visualize = False

    @property
    def action_space(self) -> akro.Box:
        """Moves in ``[-1, 1]^2``."""
        return self._action_space

    @property
    def observation_space(self) -> akro.Dict:
        """``achieved_goal``, ``desired_goal`` and ``observation``."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    @property
    def render_modes(self) -> list[str]:
        """The supported render modes: ``['ascii']``."""
        return ['ascii']

    def seed(self, seed: int) -> None:
        """Seed the generator of the goals.

        Args:
            seed: The seed.

        """
        self._rng = np.random.default_rng(seed)

    def compute_reward(
        self, achieved_goal: np.ndarray, desired_goal: np.ndarray, info: Any = None
    ) -> np.ndarray:
        """The sparse reward of achieved goals for desired goals.

        Args:
            achieved_goal: Positions, shape ``(..., 2)``.
            desired_goal: Goals, of the same shape.
            info: Unused, as in Gymnasium-Robotics.

        Returns:
            0.0 where the goal is within ``distance_threshold``, else -1.0,
                shape ``(...)``.

        """
        del info
        distance = np.linalg.norm(
            np.asarray(achieved_goal) - np.asarray(desired_goal), axis=-1
        )
        return np.where(distance > self._threshold, -1.0, 0.0).astype(np.float32)

    def _observation(self) -> dict[str, np.ndarray]:
        position = self._position.astype(np.float32)
        return {
            'achieved_goal': position,
            'desired_goal': self._goal.astype(np.float32),
            'observation': position.copy(),
        }

    def reset(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Put the point at the origin and draw a new goal.

        Returns:
            The first observation and ``{'goal': goal}``.

        """
        if self._rng is None:
            self.seed(np.random.randint(_SEED_BOUND))
        assert self._rng is not None
        self._goal = self._rng.uniform(-self._arena, self._arena, size=2)
        self._position = np.zeros(2)
        self._step_cnt = 0
        if self._visualize:
            print(self.render('ascii'))
        return self._observation(), {'goal': self._goal.astype(np.float32)}

    def step(self, action: Any) -> EnvStep:
        """Move the point.

        Args:
            action: A move of shape (2,), clipped to ``[-1, 1]``.

        Returns:
            The step; its ``env_info`` holds ``is_success`` and
                ``success``.

        Raises:
            RuntimeError: If `reset` was not called since the last
                episode ended.
            ValueError: If the action does not have shape (2,).

        """
        if self._step_cnt is None:
            raise RuntimeError(
                'reset() must be called before step(), and again after an episode ends'
            )
        move = np.asarray(action, dtype=np.float64)
        if move.shape != (2,):
            raise ValueError(
                f'action must have shape (2,) to match the action space '
                f'{self._action_space}, got shape {move.shape}'
            )
        self._position = np.clip(
            self._position + self._step_size * np.clip(move, -1.0, 1.0),
            -self._arena,
            self._arena,
        )
        self._step_cnt += 1
        observation = self._observation()
        reward = float(
            self.compute_reward(
                observation['achieved_goal'], observation['desired_goal']
            )
        )
        step_type = StepType.get_step_type(
            self._step_cnt, self._spec.max_episode_length, False
        )
        if step_type == StepType.TIMEOUT:
            self._step_cnt = None
        if self._visualize:
            print(self.render('ascii'))
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=reward,
            observation=observation,
            env_info={
                'is_success': np.float32(reward == 0.0),
                'success': reward == 0.0,
            },
            step_type=step_type,
        )

    def render(self, mode: str) -> str:
        """Describe the point and the goal in one line of text.

        Args:
            mode: The render mode; only ``'ascii'`` is supported.

        Returns:
            The positions of the point and of the goal, and their distance.

        Raises:
            ValueError: If ``mode`` is not ``'ascii'``.

        """
        self._check_render_mode(mode)
        distance = math.dist(self._position.tolist(), self._goal.tolist())
        return (
            f'Point: {self._position.round(3)}, Goal: {self._goal.round(3)}, '
            f'distance {distance:.3f}'
        )

    def visualize(self) -> None:
        """Print the state now and after every step."""
        self._visualize = True
        print(self.render('ascii'))

    def close(self) -> None:
        """Close the environment; there is nothing to release."""
