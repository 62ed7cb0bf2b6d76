"""Samplers: workers that roll out agents in environments, and their drivers.

Every sampler runs the same worker-side code where its workers live (this
process, worker processes, Ray actors), so the same seed gives the same
batches from each.
"""

from garage.sampler._remote import WorkerError
from garage.sampler._updates import (
    AgentUpdate,
    AgentUpdates,
    EnvUpdateLike,
    EnvUpdates,
)
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import (
    EnvUpdate,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
)
from garage.sampler.fragment_worker import FragmentWorker
from garage.sampler.local_sampler import LocalSampler
from garage.sampler.multiprocessing_sampler import MultiprocessingSampler
from garage.sampler.ray_sampler import RaySampler
from garage.sampler.sampler import Sampler
from garage.sampler.vec_worker import VecWorker
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory

__all__ = [
    'AgentUpdate',
    'AgentUpdates',
    'DefaultWorker',
    'EnvUpdate',
    'EnvUpdateLike',
    'EnvUpdates',
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
