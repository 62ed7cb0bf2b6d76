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
from garage.experiment.experiment import wrap_experiment

__all__ = [
    'EnvSpec',
    'EnvStep',
    'Environment',
    'EpisodeBatch',
    'InOutSpec',
    'StepType',
    'TFTrainer',
    'TimeStep',
    'TimeStepBatch',
    'Trainer',
    'Wrapper',
    'log_multitask_performance',
    'log_performance',
    'make_optimizer',
    'obtain_evaluation_episodes',
    'rollout',
    'wrap_experiment',
]


def __getattr__(name: str) -> object:
    # The trainer imports dowel and torch: load it on first use only.
    if name == 'Trainer':
        from garage.trainer import Trainer

        return Trainer
    if name == 'TFTrainer':  # TensorFlow is imported only when it is made
        from garage.trainer import TFTrainer

        return TFTrainer
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
