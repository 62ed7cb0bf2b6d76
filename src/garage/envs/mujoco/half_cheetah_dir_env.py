"""HalfCheetah running forward or backward: MAML's direction tasks."""

from typing import Any

import numpy as np

from garage import _validation
from garage.envs.mujoco.half_cheetah_env_meta_base import HalfCheetahEnvMetaBase


class HalfCheetahDirEnv(HalfCheetahEnvMetaBase):
    """HalfCheetah rewarded for its velocity in a target direction.

    The direction tasks of Finn et al., "Model-Agnostic Meta-Learning for
    Fast Adaptation of Deep Networks" (2017): the reward of a step is the
    torso's velocity times the direction (1: forward, -1: backward) minus
    a control cost of 0.05 times the squared norm of the action. Episodes
    never end by themselves: give `~garage.envs.GymEnv` a
    ``max_episode_length`` (MAML used 100 steps, later work 200). Each
    step's info holds ``reward_forward``, ``reward_ctrl`` (the negative
    control cost) and ``task_dir``.

    Args:
        task: A task ``{'direction': d}`` with ``d`` 1 or -1; None for
            ``{'direction': 1.0}``.
        render_mode: Gymnasium's render mode, or None.

    """

    def __init__(
        self, task: dict[str, Any] | None = None, render_mode: str | None = None
    ):
        super().__init__(task or {'direction': 1.0}, render_mode=render_mode)

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
        forward_reward = self._task['direction'] * self._forward_velocity(action)
        ctrl_cost = self._control_cost(action)
        infos = {
            'reward_forward': forward_reward,
            'reward_ctrl': -ctrl_cost,
            'task_dir': self._task['direction'],
        }
        if self.render_mode == 'human':
            self.render()
        return self._get_obs(), forward_reward - ctrl_cost, False, False, infos

    def sample_tasks(self, num_tasks: int) -> list[dict[str, Any]]:
        """Sample directions, each 1 or -1 with probability 1/2.

        Args:
            num_tasks: The number of tasks.

        Returns:
            Tasks ``{'direction': d}``.

        Raises:
            ValueError: If ``num_tasks`` is not a non-negative integer.

        """
        num_tasks = _validation.non_negative_int('num_tasks', num_tasks)
        directions = 2 * np.random.binomial(1, p=0.5, size=(num_tasks,)) - 1
        return [{'direction': float(direction)} for direction in directions]

    def set_task(self, task: dict[str, Any]) -> None:
        """Set the direction; it takes effect at the next step.

        Args:
            task: A task ``{'direction': d}``, as `sample_tasks` returns.

        Raises:
            ValueError: If the task has no ``'direction'``.

        """
        if 'direction' not in task:
            raise ValueError(f"task must hold a 'direction', got keys {sorted(task)}")
        self._task = task
