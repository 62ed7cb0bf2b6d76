"""garage: a toolkit for reproducible reinforcement learning research."""

from garage._dtypes import (
    EnvSpec,
    EpisodeBatch,
    InOutSpec,
    StepType,
    TimeStep,
    TimeStepBatch,
)
from garage._environment import Environment, EnvStep, Wrapper
from garage._functions import (
    log_multitask_performance,
    log_performance,
    obtain_evaluation_episodes,
    rollout,
)
from garage._optimizers import make_optimizer

__all__ = [
    'EnvSpec',
    'EnvStep',
    'Environment',
    'EpisodeBatch',
    'InOutSpec',
    'StepType',
    'TimeStep',
    'TimeStepBatch',
    'Wrapper',
    'log_multitask_performance',
    'log_performance',
    'make_optimizer',
    'obtain_evaluation_episodes',
    'rollout',
]
