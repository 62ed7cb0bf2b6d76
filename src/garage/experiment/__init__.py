"""Running experiments: launchers, snapshots, seeding, task sampling, evaluation."""

from garage.experiment import deterministic, task_sampler
from garage.experiment.callbacks import (
    CheckpointEvery,
    EvaluationScore,
    SamplingRecord,
    StopAtReturn,
)
from garage.experiment.evaluation import (
    EvaluationError,
    EvaluationResult,
    evaluate_experiment,
)
from garage.experiment.experiment import ExperimentContext, wrap_experiment
from garage.experiment.meta_evaluator import MetaEvaluator
from garage.experiment.snapshotter import (
    SnapshotConfig,
    SnapshotError,
    Snapshotter,
)
from garage.experiment.task_sampler import (
    ConstructEnvsSampler,
    EnvPoolSampler,
    MetaWorldTaskSampler,
    SetTaskSampler,
    TaskSampler,
)

__all__ = [
    'CheckpointEvery',
    'ConstructEnvsSampler',
    'EnvPoolSampler',
    'EvaluationError',
    'EvaluationResult',
    'EvaluationScore',
    'ExperimentContext',
    'LocalRunner',
    'LocalTFRunner',
    'MetaEvaluator',
    'MetaWorldTaskSampler',
    'SamplingRecord',
    'SetTaskSampler',
    'SnapshotConfig',
    'SnapshotError',
    'Snapshotter',
    'StopAtReturn',
    'TaskSampler',
    'deterministic',
    'evaluate_experiment',
    'task_sampler',
    'wrap_experiment',
]


def __getattr__(name: str) -> object:
    # LocalRunner is the trainer, which imports dowel and torch: load it on
    # first use only.
    if name == 'LocalRunner':
        from garage.experiment.local_runner import LocalRunner

        return LocalRunner
    if name == 'LocalTFRunner':
        from garage.experiment.local_tf_runner import LocalTFRunner

        return LocalTFRunner
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
