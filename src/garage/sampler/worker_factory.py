"""The picklable recipe from which samplers build their workers."""

import inspect
from collections.abc import Callable
from typing import Any

import psutil

from garage._environment import Environment
from garage._pickling import ENV_FACTORY_ADVICE, explained
from garage._validation import (
    episode_limit,
    instance_of,
    non_negative_int,
    positive_int,
)
from garage._validation import seed as check_seed
from garage.experiment import deterministic
from garage.sampler._checks import check_is_tf_worker
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.worker import Worker, is_per_worker


def identity_function(value: Any) -> Any:
    """Return the value unchanged: the default message preprocessing.

    Args:
        value: Any value.

    Returns:
        ``value``.

    """
    return value


class WorkerFactory:
    """Builds the workers of a sampler, wherever they are to run.

    Samplers send the factory to the processes or nodes that do the work
    (it pickles with pickle and cloudpickle) and build workers there by
    calling it with a worker number.

    Args:
        max_episode_length: The longest an episode may run; None or
            ``math.inf`` for no limit but the environment's own.
        is_tf_worker: Whether the workers run TensorFlow policies: each
            worker then has a session, the default one in the process that
            trains, else a new one of its own (needs the ``tf`` extra).
            False, which has no effect, warns that it is deprecated.
        seed: The seed the workers derive theirs from. None takes
            ``garage.experiment.deterministic.get_seed()`` when the factory
            is made, which is None (unseeded workers) if no seed was set.
        n_workers: The number of workers. None takes the number of
            physical CPU cores (1 if it cannot be found out).
        worker_class: The class of the workers.
        worker_args: Further keyword arguments of ``worker_class``, such as
            ``n_envs`` for ``VecWorker``.

    Raises:
        ValueError: If ``max_episode_length`` is not a positive integer,
            None or ``math.inf``, ``n_workers`` is not a positive integer,
            or ``seed`` is not None or a non-negative
            integer.
        TypeError: If ``worker_class`` is not a subclass of ``Worker``,
            ``worker_args`` is not a dict, or ``worker_class`` does not
            take the arguments in ``worker_args``.

    """

    def __init__(
        self,
        *,
        max_episode_length: int | float | None,
        is_tf_worker: bool | None = None,
        seed: int | None = None,
        n_workers: int | None = None,
        worker_class: type[Worker] = DefaultWorker,
        worker_args: dict[str, Any] | None = None,
    ):
        check_is_tf_worker('WorkerFactory', is_tf_worker)
        self._max_episode_length = episode_limit(
            'max_episode_length', max_episode_length
        )
        self._seed = check_seed(deterministic.get_seed() if seed is None else seed)
        if n_workers is None:
            n_workers = psutil.cpu_count(logical=False) or 1
        self._n_workers = positive_int('n_workers', n_workers)
        if not (isinstance(worker_class, type) and issubclass(worker_class, Worker)):
            raise TypeError(
                'worker_class must be a subclass of '
                f'garage.sampler.Worker, got {worker_class!r}'
            )
        if worker_args is None:
            worker_args = {}
        instance_of('worker_args', worker_args, dict)
        try:
            inspect.signature(worker_class).bind(
                seed=self._seed,
                max_episode_length=self._max_episode_length,
                worker_number=0,
                **worker_args,
            )
        except TypeError as error:
            raise TypeError(
                f'worker_args {sorted(worker_args)} do not fit '
                f'{worker_class.__name__}: {error}'
            ) from None
        self._worker_class = worker_class
        self._worker_args = dict(worker_args)
        self._is_tf_worker = bool(is_tf_worker)

    @property
    def n_workers(self) -> int:
        """The number of workers."""
        return self._n_workers

    @property
    def is_tf_worker(self) -> bool:
        """Whether each worker gets a TensorFlow session."""
        return self._is_tf_worker

    @property
    def max_episode_length(self) -> int | None:
        """The longest an episode may run, or None for no limit."""
        return self._max_episode_length

    @property
    def seed(self) -> int | None:
        """The seed the workers derive theirs from, or None."""
        return self._seed

    @property
    def worker_class(self) -> type[Worker]:
        """The class of the workers."""
        return self._worker_class

    @property
    def worker_args(self) -> dict[str, Any]:
        """Further keyword arguments of the worker class (a copy)."""
        return dict(self._worker_args)

    def prepare_worker_messages(
        self, objs: Any, preprocess: Callable[[Any], Any] = identity_function
    ) -> list[Any]:
        """Make one message per worker from one value or a list of them.

        Args:
            objs: A list or tuple with one entry per worker, used as it
                is, or any other value (an empty tuple included: the
                parameters of a policy without any), sent to every worker
                through ``preprocess``.
            preprocess: Applied to a single value once per worker (for
                example ``copy.deepcopy``, so that workers in one process
                do not share an object).

        Returns:
            One message per worker, in worker order.

        Raises:
            ValueError: If a list or tuple does not have exactly
                ``n_workers`` entries.
            TypeError: If ``preprocess`` (a deep copy) fails because part
                of the value cannot be pickled; the message names it.

        """
        if is_per_worker(objs):
            if len(objs) != self._n_workers:
                raise ValueError(
                    f'got a list of {len(objs)} entries, one per worker, but '
                    f'there are {self._n_workers} workers; pass exactly '
                    f'{self._n_workers} entries, or a single value for every '
                    'worker'
                )
            return list(objs)
        what = (
            f'the value that {getattr(preprocess, "__name__", "preprocess")} '
            'prepares for each worker'
        )
        advice = ENV_FACTORY_ADVICE if isinstance(objs, Environment) else ''
        # a deep copy failing deep inside, say, names the part at fault
        return [
            explained(preprocess, objs, 'obj', what, advice)
            for _ in range(self._n_workers)
        ]

    def __call__(self, worker_number: int) -> Worker:
        """Build a worker.

        Args:
            worker_number: The index of the worker, from 0 to
                ``n_workers - 1``.

        Returns:
            The worker.

        Raises:
            ValueError: If ``worker_number`` is not in that range.

        """
        worker_number = non_negative_int('worker_number', worker_number)
        if worker_number >= self._n_workers:
            raise ValueError(
                f'worker_number must be an integer from 0 to '
                f'{self._n_workers - 1}, got {worker_number!r}'
            )
        if self._is_tf_worker:
            from garage.tf._core import enter_worker_session

            enter_worker_session()
        return self._worker_class(
            seed=self._seed,
            max_episode_length=self._max_episode_length,
            worker_number=worker_number,
            **self._worker_args,
        )

    def __repr__(self) -> str:
        return (
            f'WorkerFactory(max_episode_length={self._max_episode_length}'
            f', seed={self._seed}, n_workers={self._n_workers}, '
            f'worker_class={self._worker_class.__name__}, '
            f'worker_args={self._worker_args})'
        )
