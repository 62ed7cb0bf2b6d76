"""Running experiments: seeding, and sampling tasks for multi-task RL."""

from garage.experiment import deterministic, task_sampler

__all__ = ['deterministic', 'task_sampler']
