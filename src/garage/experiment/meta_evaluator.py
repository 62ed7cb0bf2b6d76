"""Meta-testing: adapt a meta-RL algorithm to held-out tasks and log it."""

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EpisodeBatch
from garage._functions import log_multitask_performance
from garage.experiment.deterministic import get_seed
from garage.sampler import DefaultWorker, LocalSampler, WorkerFactory

if TYPE_CHECKING:
    from garage.experiment.task_sampler import TaskSampler
    from garage.np.algos import MetaRLAlgorithm
    from garage.sampler import Worker


class MetaEvaluator:
    """Evaluates a meta-RL algorithm on test tasks.

    Each `evaluate` samples ``n_test_tasks`` tasks from
    ``test_task_sampler`` and, for each, samples ``n_exploration_eps``
    episodes with the algorithm's exploration policy, asks the algorithm
    for a policy adapted from them, and samples the test episodes with the
    adapted policy. The test episodes of all tasks are logged with
    `garage.log_multitask_performance` under ``prefix``: one group of rows
    per task (``MetaTest/<task>/AverageReturn``, ...) and
    ``MetaTest/Average/...`` over all of them.

    A task is named by its episodes' ``task_name`` env info, or else by
    their ``task_id`` mapped through ``test_task_names``. When the
    episodes carry neither (a `SetTaskSampler`'s tasks, for example), the
    evaluator numbers the tasks of each evaluation in the order sampled,
    as their ``task_id``, so that every task still gets its own rows:
    ``Task #0``, ``Task #1``, ..., or ``test_task_names[i]`` if given.

    Sampling is done in this process, by a `garage.sampler.LocalSampler`
    with one worker, built at the first evaluation (seeded with
    ``garage.experiment.deterministic.get_seed()``).

    Args:
        test_task_sampler: Samples the test tasks; to measure
            meta-learning, they should differ from the training tasks.
        n_exploration_eps: Episodes to sample with the exploration policy
            before adapting.
        n_test_tasks: Tasks to test each evaluation, sampled without
            replacement; None takes ``test_task_sampler.n_tasks``.
        n_test_episodes: Episodes to sample with each adapted policy.
        prefix: The prefix of the logged keys (``MetaTest/...``); usually
            ``'MetaTest'``, or ``'MetaTrain'`` when testing on the
            training tasks.
        test_task_names: Task names, indexed by the ``task_id`` env info
            (or by the order of sampling, see above).
        worker_class: The class of the sampler's worker.
        worker_args: Further keyword arguments of ``worker_class``.

    Raises:
        ValueError: If a count is not a positive integer, or
            ``n_test_tasks`` is None and the task sampler does not know
            its number of tasks.

    """

    def __init__(
        self,
        *,
        test_task_sampler: 'TaskSampler',
        n_exploration_eps: int = 10,
        n_test_tasks: int | None = None,
        n_test_episodes: int = 1,
        prefix: str = 'MetaTest',
        test_task_names: Sequence[str] | None = None,
        worker_class: type['Worker'] = DefaultWorker,
        worker_args: dict[str, Any] | None = None,
    ):
        self._test_task_sampler = test_task_sampler
        self._n_exploration_eps = _validation.positive_int(
            'n_exploration_eps', n_exploration_eps
        )
        if n_test_tasks is None:
            n_test_tasks = getattr(test_task_sampler, 'n_tasks', None)
            if n_test_tasks is None:
                raise ValueError(
                    f'n_test_tasks is None, and {type(test_task_sampler).__name__} '
                    'does not know how many tasks it has: give n_test_tasks'
                )
        self._n_test_tasks = _validation.positive_int('n_test_tasks', n_test_tasks)
        self._n_test_episodes = _validation.positive_int(
            'n_test_episodes', n_test_episodes
        )
        self._prefix = prefix
        self._test_task_names = (
            None if test_task_names is None else list(test_task_names)
        )
        self._worker_class = worker_class
        self._worker_args = {} if worker_args is None else dict(worker_args)
        self._test_sampler: LocalSampler | None = None
        self._eval_itr = 0

    def evaluate(
        self, algo: 'MetaRLAlgorithm', test_episodes_per_task: int | None = None
    ) -> EpisodeBatch:
        """Meta-test the algorithm on newly sampled test tasks, and log.

        Args:
            algo: The meta-RL algorithm.
            test_episodes_per_task: Episodes to sample with each adapted
                policy; None takes ``n_test_episodes``.

        Returns:
            The test episodes (of the adapted policies) of all tasks.

        """
        if test_episodes_per_task is None:
            test_episodes_per_task = self._n_test_episodes
        test_episodes_per_task = _validation.positive_int(
            'test_episodes_per_task', test_episodes_per_task
        )
        env_updates = self._test_task_sampler.sample(self._n_test_tasks)
        sampler = self._sampler(algo, env_updates[0])
        adapted_episodes = []
        for task_id, env_update in enumerate(env_updates):
            policy = algo.get_exploration_policy()
            exploration = sampler.obtain_exact_episodes(
                self._n_exploration_eps, policy, env_update
            )
            adapted_policy = algo.adapt_policy(policy, exploration)
            episodes = sampler.obtain_exact_episodes(
                test_episodes_per_task, adapted_policy
            )
            adapted_episodes.append(_with_task_id(episodes, task_id))
        batch = EpisodeBatch.concatenate(*adapted_episodes)
        name_map = (
            None
            if self._test_task_names is None
            else dict(enumerate(self._test_task_names))
        )
        from garage._dowel import tabular  # imported here: dowel is slow

        with tabular.prefix(self._prefix + '/' if self._prefix else ''):
            log_multitask_performance(
                self._eval_itr,
                batch,
                getattr(algo, 'discount', 1.0),
                name_map=name_map,
            )
        self._eval_itr += 1
        return batch

    def _sampler(self, algo: 'MetaRLAlgorithm', env_update: Any) -> LocalSampler:
        """The test sampler, built at the first call."""
        if self._test_sampler is None:
            env = env_update()
            max_episode_length = getattr(algo, 'max_episode_length', None)
            if max_episode_length is None:
                max_episode_length = env.spec.max_episode_length
            self._test_sampler = LocalSampler.from_worker_factory(
                WorkerFactory(
                    seed=get_seed(),
                    max_episode_length=max_episode_length,
                    n_workers=1,
                    worker_class=self._worker_class,
                    worker_args=self._worker_args,
                ),
                agents=algo.get_exploration_policy(),
                envs=env,
            )
        return self._test_sampler


def _with_task_id(episodes: EpisodeBatch, task_id: int) -> EpisodeBatch:
    """Give the episodes a ``task_id`` env info, unless they name their task."""
    if 'task_name' in episodes.env_infos or 'task_id' in episodes.env_infos:
        return episodes
    env_infos = dict(episodes.env_infos)
    env_infos['task_id'] = np.full(len(episodes.rewards), task_id, dtype=np.int64)
    return dataclasses.replace(episodes, env_infos=env_infos)


__all__ = ['MetaEvaluator']
