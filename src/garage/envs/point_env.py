"""A point moving in a 2-D arena towards a goal."""

import math
from typing import Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec, StepType
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro

_ACTION_BOUND = 0.1


class PointEnv(Environment):
    """A point in 2-D that actions push towards a goal.

    The point starts at the origin. An action is a displacement in
    ``[-0.1, 0.1]`` per axis; larger ones are clipped to that range, and the
    point is kept inside the square arena ``[-arena_size, arena_size]^2``.
    The observation is ``(x, y, distance to goal)`` and the reward is the
    negative distance to the goal. The point has reached the goal when its
    distance to it is less than the norm of the action bound (about 0.141);
    that step earns ``done_bonus`` and ends the episode, unless
    ``never_done`` is set.

    This is the benchmark environment of the samplers, so `step`
    works on Python floats rather than on tiny arrays.

    Args:
        goal: The goal position.
        arena_size: Half the side of the square arena.
        done_bonus: Reward added on the step that reaches the goal.
        never_done: Never end the episode on reaching the goal.
        max_episode_length: The maximum episode length; ``math.inf`` (the
            default) or None for no limit. An episode with no limit ends
            only at the goal (never, with ``never_done``): give a sampler a
            ``max_episode_length`` to cut it.

    Raises:
        ValueError: If ``arena_size`` is not positive, ``goal`` is not a
            2-D point inside the arena, or ``max_episode_length`` is not a
            positive integer, None or ``math.inf``.

    """

    def __init__(
        self,
        goal: tuple[float, float] | np.ndarray = (1.0, 1.0),
        arena_size: float = 5.0,
        done_bonus: float = 0.0,
        never_done: bool = False,
        max_episode_length: int | float | None = math.inf,
    ):
        self._arena_size = _validation.number_in(
            'arena_size', arena_size, 0, low_open=True
        )
        self._done_bonus = float(done_bonus)
        self._never_done = never_done
        self._action_space = akro.Box(
            low=-_ACTION_BOUND, high=_ACTION_BOUND, shape=(2,), dtype=np.float32
        )
        self._observation_space = akro.Box(
            low=-np.inf, high=np.inf, shape=(3,), dtype=np.float32
        )
        self._spec = EnvSpec(
            action_space=self._action_space,
            observation_space=self._observation_space,
            max_episode_length=max_episode_length,
        )
        self._max_episode_length = self._spec.max_episode_length
        self._low = float(self._action_space.low[0])
        self._high = float(self._action_space.high[0])
        self._success_radius = float(np.linalg.norm(self._action_space.low))
        self._visualize = False
        self._x = self._y = 0.0
        self._step_cnt: int | None = None
        self.set_task({'goal': goal})

    @property
    def action_space(self) -> akro.Box:
        """Displacements in ``[-0.1, 0.1]^2``."""
        return self._action_space

    @property
    def observation_space(self) -> akro.Box:
        """``(x, y, distance to goal)``, unbounded."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    @property
    def render_modes(self) -> list[str]:
        """The supported render modes: ``['ascii']``."""
        return ['ascii']

    def reset(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Put the point back at the origin and start a new episode.

        Returns:
            The first observation, ``(0, 0, distance to goal)``, and the
                episode information, ``{'goal': goal}``.

        """
        self._x = self._y = 0.0
        self._step_cnt = 0
        dist = math.hypot(self._goal_x, self._goal_y)
        first_obs = np.array((0.0, 0.0, dist), dtype=np.float32)
        return first_obs, {'goal': self._goal.copy()}

    def step(self, action: np.ndarray) -> EnvStep:
        """Move the point by an action.

        Args:
            action: A displacement of shape (2,); each coordinate is clipped
                to ``[-0.1, 0.1]``.

        Returns:
            The step; its ``env_info`` holds the current ``task`` and
                whether the step reached the goal (``success``).

        Raises:
            RuntimeError: If `reset` has not been called since the
                environment was constructed or its last episode ended.
            ValueError: If ``action`` does not have shape (2,).

        """
        if self._step_cnt is None:
            raise RuntimeError(
                'reset() must be called before step(), and again after an episode ends'
            )
        if type(action) is not np.ndarray:
            action = np.asarray(action)
        if action.shape != (2,):
            raise ValueError(
                f'action must have shape (2,) to match the '
                f'action space {self._action_space}, got '
                f'shape {action.shape}'
            )
        dx, dy = action.tolist()
        low, high, arena = self._low, self._high, self._arena_size
        # Clip with comparisons: np.clip costs microseconds on 2 elements.
        if dx > high:
            dx = high
        elif dx < low:
            dx = low
        if dy > high:
            dy = high
        elif dy < low:
            dy = low
        x = self._x + dx
        y = self._y + dy
        if x > arena:
            x = arena
        elif x < -arena:
            x = -arena
        if y > arena:
            y = arena
        elif y < -arena:
            y = -arena
        self._x, self._y = x, y
        if self._visualize:
            print(self.render('ascii'))

        dist = math.hypot(x - self._goal_x, y - self._goal_y)
        success = dist < self._success_radius
        reward = -dist
        if success:
            reward += self._done_bonus
        self._step_cnt += 1
        step_type = StepType.get_step_type(
            step_cnt=self._step_cnt,
            max_episode_length=self._max_episode_length,
            done=success and not self._never_done,
        )
        if step_type >= StepType.TERMINAL:  # TERMINAL or TIMEOUT
            self._step_cnt = None
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=reward,
            observation=np.array((x, y, dist), dtype=np.float32),
            env_info={'task': self._task, 'success': success},
            step_type=step_type,
        )

    def render(self, mode: str) -> str:
        """Describe the point and the goal in one line of text.

        Args:
            mode: The render mode; only ``'ascii'`` is supported.

        Returns:
            The positions of the point and of the goal.

        Raises:
            ValueError: If ``mode`` is not ``'ascii'``.

        """
        self._check_render_mode(mode)
        point = np.array((self._x, self._y), dtype=np.float32)
        return f'Point: {point}, Goal: {self._goal}'

    def visualize(self) -> None:
        """Print the state now and after every step."""
        self._visualize = True
        print(self.render('ascii'))

    def close(self) -> None:
        """Close the environment; there is nothing to release."""

    def sample_tasks(self, num_tasks: int) -> list[dict[str, np.ndarray]]:
        """Sample goals uniformly from ``[-r, r]^2``, r = min(2, arena_size).

        The goals are drawn from NumPy's global random state, not from a
        generator of this environment: ``garage.experiment.deterministic
        .set_seed`` seeds that state, so seeding makes the tasks
        reproducible, and copies of the environment in different workers do
        not all draw the same goals.

        Args:
            num_tasks: The number of tasks to sample.

        Returns:
            ``num_tasks`` tasks of the form ``{'goal': goal}``, each goal an
                np.ndarray of shape (2,).

        Raises:
            ValueError: If ``num_tasks`` is not a non-negative integer.

        """
        num_tasks = _validation.non_negative_int('num_tasks', num_tasks)
        radius = min(2.0, self._arena_size)
        goals = np.random.uniform(-radius, radius, size=(num_tasks, 2))
        return [{'goal': goal.astype(np.float32)} for goal in goals]

    def set_task(self, task: dict[str, Any]) -> None:
        """Set the goal; it takes effect immediately.

        Args:
            task: A task of the form ``{'goal': goal}``, as returned by
                `sample_tasks`.

        Raises:
            ValueError: If the task has no ``'goal'``, or the goal is not a
                2-D point inside the arena.

        """
        if 'goal' not in task:
            raise ValueError(f"task must hold a 'goal', got keys {sorted(task)}")
        goal = np.array(task['goal'], dtype=np.float32)
        if goal.shape != (2,):
            raise ValueError(f'goal must have shape (2,), got shape {goal.shape}')
        if not (np.abs(goal) <= self._arena_size).all():
            raise ValueError(
                f'goal {goal} lies outside the arena '
                f'[-{self._arena_size}, {self._arena_size}]^2'
            )
        self._goal = goal
        self._goal_x, self._goal_y = goal.tolist()
        self._task = {'goal': goal}
