"""The base of the HalfCheetah meta-RL environments."""

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.envs.mujoco.half_cheetah_v5 import HalfCheetahEnv


class HalfCheetahEnvMetaBase(HalfCheetahEnv):
    """Gymnasium's HalfCheetah (v5) with a task, as MAML's experiments had it.

    The model, the time step (frame skip 5: ``dt`` is 0.05 s), the action
    space ``[-1, 1]^6`` and the initial-state noise are Gymnasium's. The
    observation is the original garage's (MAML's): the joint positions but
    the root's x position, the joint velocities and the torso's centre of
    mass (x, y, z), 20 values as float32. Subclasses define the task, its
    forward reward (this class rewards the forward velocity itself),
    ``sample_tasks`` and ``set_task``.

    Tasks are drawn from NumPy's global random state, which
    ``garage.experiment.deterministic.set_seed`` seeds. The environment
    pickles with its current task, and inside a `~garage.envs.GymEnv` with
    its simulation state, so that a restored snapshot steps on exactly as
    the pickled environment would have.

    Args:
        task: The task, as the subclass defines it.
        render_mode: Gymnasium's render mode (``'rgb_array'``, ``'human'``,
            ...), or None.

    """

    def __init__(self, task: dict[str, Any], render_mode: str | None = None):
        self._task = task
        super().__init__(render_mode=render_mode)
        # pickle as this class with its task, not as HalfCheetahEnv's
        # arguments (EzPickle builds the environment again from these)
        self._ezpickle_args = (task,)
        self._ezpickle_kwargs = {'render_mode': render_mode}
        self.observation_space = spaces.Box(
            low=-np.inf, high=np.inf, shape=(20,), dtype=np.float32
        )

    def _get_obs(self) -> np.ndarray:
        return np.concatenate(
            [
                self.data.qpos.flat[1:],
                self.data.qvel.flat,
                self.get_body_com('torso').flat,
            ]
        ).astype(np.float32)

    def step(  # type: ignore[override]  # float32 observations, as MAML's
        self, action: np.ndarray
    ) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Step the simulation.

        The reward is the subclass's forward reward minus MAML's control
        cost, 0.05 times the squared norm of the action. The info holds
        ``reward_forward``, ``reward_ctrl`` (the negative control cost) and
        the subclass's task entry.

        Args:
            action: The action, in ``[-1, 1]^6``.

        Returns:
            The observation, the reward, ``terminated`` and ``truncated``
                (both always False) and the info.

        """
        x_before = float(self.data.qpos[0])
        self.do_simulation(action, self.frame_skip)
        velocity = (float(self.data.qpos[0]) - x_before) / self.dt
        forward_reward = self._forward_reward(velocity)
        ctrl_cost = 0.5 * 1e-1 * float(np.sum(np.square(action)))
        infos = {
            'reward_forward': forward_reward,
            'reward_ctrl': -ctrl_cost,
            **self._task_info(),
        }
        if self.render_mode == 'human':
            self.render()
        return self._get_obs(), forward_reward - ctrl_cost, False, False, infos

    def _forward_reward(self, velocity: float) -> float:
        """The task's reward for the torso's forward velocity."""
        return velocity

    def _task_info(self) -> dict[str, Any]:
        """The task's entries of each step's info."""
        return {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickle as the constructor's arguments, with the current task."""
        return {
            '_ezpickle_args': (self._task,),
            '_ezpickle_kwargs': self._ezpickle_kwargs,
        }
