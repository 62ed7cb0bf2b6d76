"""Samplers: workers that roll out agents in environments, and their drivers.

Worker-side code that every sampler runs where its workers live is in
`garage.sampler._collect` (``collect_samples``, ``collect_episodes``).
"""

from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import (
    EnvUpdate,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
)
from garage.sampler.fragment_worker import FragmentWorker
from garage.sampler.local_sampler import LocalSampler
from garage.sampler.multiprocessing_sampler import (
    MultiprocessingSampler,
    WorkerError,
)
from garage.sampler.ray_sampler import RaySampler
from garage.sampler.sampler import Sampler
from garage.sampler.vec_worker import VecWorker
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

__all__ = [
    'DefaultWorker',
    'EnvUpdate',
    'ExistingEnvUpdate',
    'FragmentWorker',
    'LocalSampler',
    'MultiprocessingSampler',
    'NewEnvUpdate',
    'RaySampler',
    'Sampler',
    'SetTaskUpdate',
    'VecWorker',
    'Worker',
    'WorkerError',
    'WorkerFactory',
]
