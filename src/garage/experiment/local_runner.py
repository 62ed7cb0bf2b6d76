"""``LocalRunner``: the trainer under its older name, which builds samplers."""

from collections.abc import Callable
from typing import Any, NamedTuple

from garage._environment import Environment
from garage.experiment.deterministic import get_seed
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.env_update import EnvUpdate
from garage.sampler.sampler import Sampler
from garage.sampler.worker import Worker
from garage.sampler.worker_factory import WorkerFactory
from garage.trainer import ExperimentStats, NotSetupError, TrainArgs, Trainer

# the names seed 001 documents in this module
__all__ = ['ExperimentStats', 'LocalRunner', 'NotSetupError', 'SetupArgs', 'TrainArgs']


class SetupArgs(NamedTuple):
    """The arguments a runner was set up with.

    Attributes:
        sampler_cls: The sampler class.
        sampler_args: Further arguments of the sampler's constructor.
        seed: The random seed.

    """

    sampler_cls: type[Sampler] | None
    sampler_args: dict[str, Any]
    seed: int | None


class LocalRunner(Trainer):
    """A `Trainer` that can build the sampler itself.

    ``setup(algo, env, sampler_cls=LocalSampler, n_workers=...)`` makes a
    sampler for the algorithm's policy; without ``sampler_cls`` it uses the
    algorithm's own ``_sampler``, as ``Trainer.setup`` does.

    Args:
        snapshot_config: Where and how often to save snapshots; see
            `Trainer`.

    """

    #: The ``is_tf_worker`` of the worker factories it builds.
    _is_tf_worker: bool | None = None

    def __init__(self, snapshot_config: Any = None):
        super().__init__(snapshot_config)
        self._setup_args: SetupArgs | None = None

    def make_sampler(
        self,
        sampler_cls: type[Sampler],
        *,
        seed: int | None = None,
        n_workers: int | None = None,
        max_episode_length: int | None = None,
        worker_class: type[Worker] | None = None,
        sampler_args: dict[str, Any] | None = None,
        worker_args: dict[str, Any] | None = None,
    ) -> Sampler:
        """Build a sampler of the algorithm's (exploration) policy.

        Args:
            sampler_cls: The sampler class.
            seed: The workers' seed; None takes the experiment's seed.
            n_workers: The number of workers; None takes the number of
                physical cores.
            max_episode_length: The longest episode to sample; None takes
                the algorithm's ``max_episode_length``.
            worker_class: The worker class; None takes the algorithm's
                ``worker_cls``, or ``DefaultWorker``.
            sampler_args: Further arguments of the sampler's constructor.
            worker_args: Further arguments of the worker's constructor.

        Returns:
            The sampler.

        Raises:
            ValueError: If the algorithm has no ``policy``, or no
                maximum episode length is known.

        """
        members = self._checked_members()
        policy = members.sampling_policy
        if policy is None:
            raise ValueError(
                'make_sampler() builds a sampler of the '
                "algorithm's policy, but the algorithm has no "
                '`policy` attribute'
            )
        if max_episode_length is None:
            max_episode_length = members.max_episode_length
        if max_episode_length is None:
            raise ValueError(
                'make_sampler() needs max_episode_length: pass it, or give '
                'the algorithm a `max_episode_length` attribute'
            )
        if worker_class is None:
            worker_class = getattr(self._algo, 'worker_cls', DefaultWorker)
        factory = WorkerFactory(
            is_tf_worker=self._is_tf_worker,
            seed=get_seed() if seed is None else seed,
            max_episode_length=max_episode_length,
            n_workers=n_workers,
            worker_class=worker_class,
            worker_args=worker_args or {},
        )
        # the base class does not declare its subclasses' constructor
        make: Callable[..., Sampler] = sampler_cls
        envs = self._env_factory or self._env
        return make(policy, envs, worker_factory=factory, **(sampler_args or {}))

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
        """Set the runner up with an algorithm, an environment and a sampler.

        An algorithm constructed without a sampler (``VPG(env.spec,
        policy, value_function)``, as 2020.06 launchers do) is given the one
        built here.

        Args:
            algo: The algorithm.
            env: The environment, or an ``EnvUpdate`` that makes it (see
                ``Trainer.setup``), which the sampler is given too.
            sampler_cls: The sampler class; None takes the algorithm's
                ``sampler_cls``, or else its own ``_sampler``.
            sampler_args: Further arguments of the sampler's constructor.
            n_workers: The number of workers; None takes the number of
                physical cores.
            worker_class: The worker class.
            worker_args: Further arguments of the worker's constructor.

        Raises:
            ValueError: If a sampler is to be built and the algorithm has
                no ``policy``, or no maximum episode length is known; or if
                none is to be built and a garage algorithm has none.

        """
        if sampler_cls is None:
            sampler_cls = getattr(algo, 'sampler_cls', None)
        self._setup(algo, env, makes_sampler=sampler_cls is not None)
        sampler_args = sampler_args or {}
        if sampler_cls is not None:
            sampler = self.make_sampler(
                sampler_cls,
                n_workers=n_workers,
                worker_class=worker_class,
                sampler_args=sampler_args,
                worker_args=worker_args,
            )
            self._runner_sampler = sampler
            algo._sampler = sampler
        self._setup_args = SetupArgs(
            sampler_cls=sampler_cls, sampler_args=sampler_args, seed=get_seed()
        )
