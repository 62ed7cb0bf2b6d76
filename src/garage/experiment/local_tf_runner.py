"""``LocalTFRunner``: the TensorFlow trainer under its older name."""

from typing import Any

from garage._environment import Environment
from garage.experiment.local_runner import LocalRunner
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import EnvUpdate
from garage.sampler.sampler import Sampler
from garage.sampler.worker import Worker
from garage.trainer import TFTrainer

__all__ = ['LocalTFRunner']


class LocalTFRunner(TFTrainer, LocalRunner):
    """A `TFTrainer` that can build the sampler itself, as ``LocalRunner``.

    Samplers it builds give each worker a TensorFlow session
    (``is_tf_worker=True``): the default session for workers in this
    process, a new one for workers in processes of their own.

    Args:
        snapshot_config: Where and how often to save snapshots; see
            ``Trainer``.
        sess: The session; None makes one on the default graph.
        max_cpus: Kept as ``max_cpus``, with no effect: the original
            started a pool of this many processes for its ``BatchSampler``,
            which samplers' ``n_workers`` replaces.

    """

    _is_tf_worker = True

    def __init__(
        self, snapshot_config: Any = None, sess: Any = None, max_cpus: int = 1
    ):
        super().__init__(snapshot_config, sess)
        self.max_cpus = max_cpus

    def setup(
        self,
        algo: Any,
        env: Environment | EnvUpdate,
        sampler_cls: type[Sampler] | None = None,
        sampler_args: dict[str, Any] | None = None,
        n_workers: int | None = None,
        worker_class: type[Worker] = DefaultWorker,
        worker_args: dict[str, Any] | None = None,
    ) -> None:
        """Set the runner up (see ``LocalRunner.setup``), then initialize variables.

        Args:
            algo: The algorithm.
            env: The environment, or an ``EnvUpdate`` that makes it.
            sampler_cls: The sampler class; None takes the algorithm's own
                sampler.
            sampler_args: Further arguments of the sampler's constructor.
            n_workers: The number of workers; None takes the number of
                physical cores.
            worker_class: The worker class.
            worker_args: Further arguments of the worker's constructor.

        """
        with self._in_session():
            LocalRunner.setup(
                self,
                algo,
                env,
                sampler_cls=sampler_cls,
                sampler_args=sampler_args,
                n_workers=n_workers,
                worker_class=worker_class,
                worker_args=worker_args,
            )
            self.initialize_tf_vars()
