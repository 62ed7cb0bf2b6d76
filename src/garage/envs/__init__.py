"""Garage environments and environment wrappers."""

from garage.envs.grid_world_env import GridWorldEnv
from garage.envs.gym_env import GymEnv
from garage.envs.metaworld_set_task_env import MetaWorldSetTaskEnv
from garage.envs.multi_env_wrapper import (
    MultiEnvWrapper,
    round_robin_strategy,
    uniform_random_strategy,
)
from garage.envs.normalized_env import NormalizedEnv, normalize
from garage.envs.point_env import PointEnv
from garage.envs.task_name_wrapper import TaskNameWrapper
from garage.envs.task_onehot_wrapper import TaskOnehotWrapper

__all__ = [
    'GridWorldEnv',
    'GymEnv',
    'MetaWorldSetTaskEnv',
    'MultiEnvWrapper',
    'NormalizedEnv',
    'PointEnv',
    'TaskNameWrapper',
    'TaskOnehotWrapper',
    'normalize',
    'round_robin_strategy',
    'uniform_random_strategy',
]
