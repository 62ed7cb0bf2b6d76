"""garage's MuJoCo meta-RL environments, on Gymnasium's MuJoCo models.

Importing this package needs MuJoCo and Gymnasium's MuJoCo environments
(garage's ``mujoco`` extra: ``pip install "garage[mujoco]"``); ``import
garage`` never imports it.
"""

try:
    import mujoco  # noqa: F401
    from gymnasium.envs.mujoco import half_cheetah_v5  # noqa: F401
except ImportError as error:
    raise ImportError(
        "garage.envs.mujoco needs MuJoCo (and Gymnasium's MuJoCo "
        "environments): install garage's mujoco extra, "
        f'pip install "garage[mujoco]" ({error})'
    ) from error

from garage.envs.mujoco.half_cheetah_dir_env import HalfCheetahDirEnv
from garage.envs.mujoco.half_cheetah_env_meta_base import HalfCheetahEnvMetaBase
from garage.envs.mujoco.half_cheetah_vel_env import HalfCheetahVelEnv

__all__ = ['HalfCheetahDirEnv', 'HalfCheetahEnvMetaBase', 'HalfCheetahVelEnv']
