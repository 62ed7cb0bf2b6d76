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
    mass (x, y, z), 20 values as float32. Subclasses define the task, the
    reward (`step`), ``sample_tasks`` and ``set_task``.

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

    def _forward_velocity(self, action: np.ndarray) -> float:
        """Simulate one step of ``action``; the torso's forward velocity."""
        x_before = float(self.data.qpos[0])
        self.do_simulation(action, self.frame_skip)
        return (float(self.data.qpos[0]) - x_before) / self.dt

    @staticmethod
    def _control_cost(action: np.ndarray) -> float:
        """MAML's control cost: 0.05 times the squared norm of the action."""
        return 0.5 * 1e-1 * float(np.sum(np.square(action)))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle as the constructor's arguments, with the current task."""
        return {
            '_ezpickle_args': (self._task,),
            '_ezpickle_kwargs': self._ezpickle_kwargs,
        }
