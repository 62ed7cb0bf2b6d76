"""HalfCheetah running at a target velocity: MAML's velocity tasks."""

from typing import Any

import numpy as np

from garage import _validation
from garage.envs.mujoco.half_cheetah_env_meta_base import HalfCheetahEnvMetaBase


class HalfCheetahVelEnv(HalfCheetahEnvMetaBase):
    """HalfCheetah rewarded for running at a target velocity.

    The velocity tasks of Finn et al., "Model-Agnostic Meta-Learning for
    Fast Adaptation of Deep Networks" (2017): the reward of a step is minus
    the absolute difference between the torso's forward velocity and the
    target, minus a control cost of 0.05 times the squared norm of the
    action. Targets are drawn uniformly from ``[0, 2]``. Episodes never end
    by themselves: give `~garage.envs.GymEnv` a ``max_episode_length``.
    Each step's info holds ``reward_forward`` (the velocity term),
    ``reward_ctrl`` (the negative control cost) and ``task_vel``.

    Args:
        task: A task ``{'velocity': v}``; None for ``{'velocity': 0.0}``.
        render_mode: Gymnasium's render mode, or None.

    """

    def __init__(
        self, task: dict[str, Any] | None = None, render_mode: str | None = None
    ):
        task = task or {'velocity': 0.0}
        self._goal_vel = task['velocity']
        super().__init__(task, render_mode=render_mode)

    def step(  # type: ignore[override]  # float32 observations, as MAML's
        self, action: np.ndarray
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Step the simulation.

        Args:
            action: The action, in ``[-1, 1]^6``.

        Returns:
            The observation, the reward, ``terminated`` and ``truncated``
                (both always False) and the info.

        """
        velocity = self._forward_velocity(action)
        forward_reward = -1.0 * abs(velocity - self._task['velocity'])
        ctrl_cost = self._control_cost(action)
        infos = {
            'reward_forward': forward_reward,
            'reward_ctrl': -ctrl_cost,
            'task_vel': self._task['velocity'],
        }
        if self.render_mode == 'human':
            self.render()
        return self._get_obs(), forward_reward - ctrl_cost, False, False, infos

    def sample_tasks(self, num_tasks: int) -> list[dict[str, Any]]:
        """Sample target velocities uniformly from ``[0, 2]``.

        Args:
            num_tasks: The number of tasks.

        Returns:
            Tasks ``{'velocity': v}``.

        Raises:
            ValueError: If ``num_tasks`` is not a non-negative integer.

        """
        num_tasks = _validation.non_negative_int('num_tasks', num_tasks)
        velocities = np.random.uniform(0.0, 2.0, size=(num_tasks,))
        return [{'velocity': float(velocity)} for velocity in velocities]

    def set_task(self, task: dict[str, Any]) -> None:
        """Set the target velocity; it takes effect at the next step.

        Args:
            task: A task ``{'velocity': v}``, as `sample_tasks` returns.

        Raises:
            ValueError: If the task has no ``'velocity'``.

        """
        if 'velocity' not in task:
            raise ValueError(f"task must hold a 'velocity', got keys {sorted(task)}")
        self._task = task
        self._goal_vel = task['velocity']
