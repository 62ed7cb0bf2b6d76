import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage.sampler import (
    DefaultWorker,
    FragmentWorker,
    LocalSampler,
    MultiprocessingSampler,
    VecWorker,
)
from garage.sampler._collect import (
    collect_episodes,
    collect_samples,
    concat_infos,
    first_episodes,
    stack_infos,
)


def make_worker(worker_class=DefaultWorker, terminate_after=3, **options):
    env = StepCountEnv(terminate_after=terminate_after)
    worker = worker_class(seed=1, max_episode_length=10, worker_number=0, **options)
    worker.update_agent(TagPolicy(env.spec))
    worker.update_env(env)
    return worker


class TestCollectSamples:
    def test_whole_episodes_until_the_quota(self):
        batch = collect_samples(make_worker(), 7)
        np.testing.assert_array_equal(batch.lengths, [3, 3, 3])

    def test_vec_worker_rollouts(self):
        batch = collect_samples(make_worker(VecWorker, n_envs=2), 7)
        np.testing.assert_array_equal(batch.lengths, [3] * 4)

    def test_one_rollout(self):
        batch = collect_samples(make_worker(), 3)
        np.testing.assert_array_equal(batch.lengths, [3])

    def test_swaps_the_random_state_once(self, monkeypatch):
        worker = make_worker()
        entered = []
        own_rng = worker._own_rng

        def counting():
            entered.append(worker._owning_rng)
            return own_rng()

        monkeypatch.setattr(worker, '_own_rng', counting)
        batch = collect_samples(worker, 9)
        assert entered == [False]  # three episodes, one swap
        np.testing.assert_array_equal(batch.lengths, [3, 3, 3])

    @pytest.mark.parametrize('min_steps', [0, 1.5])
    def test_rejects_bad_counts(self, min_steps):
        with pytest.raises(ValueError, match='min_steps'):
            collect_samples(make_worker(), min_steps)


class TestCollectEpisodes:
    def test_exact_count(self):
        batch = collect_episodes(make_worker(), 2)
        np.testing.assert_array_equal(batch.lengths, [3, 3])

    def test_surplus_is_dropped(self):
        batch = collect_episodes(make_worker(VecWorker, n_envs=3), 4)
        np.testing.assert_array_equal(batch.lengths, [3] * 4)

    def test_fragments_count_as_episodes(self):
        worker = make_worker(
            FragmentWorker, terminate_after=None, n_envs=2, timesteps_per_call=2
        )
        batch = collect_episodes(worker, 3)
        np.testing.assert_array_equal(batch.observations.ravel(), [0, 1, 0, 1, 2, 3])

    def test_rejects_bad_counts(self):
        with pytest.raises(ValueError, match='n_episodes'):
            collect_episodes(make_worker(), 0)


def test_first_episodes():
    batch = collect_samples(make_worker(terminate_after=2), 6)
    first = first_episodes(batch, 2)
    np.testing.assert_array_equal(first.lengths, [2, 2])
    np.testing.assert_array_equal(first.observations, batch.observations[:4])
    np.testing.assert_array_equal(first.env_infos['step'], [1, 2, 1, 2])
    np.testing.assert_array_equal(first.episode_infos_by_episode['episode'], [0, 1])
    assert first.identities.tolist() == batch.identities[:2].tolist()


class TestIdentitiesThroughSamplers:
    """Samplers concatenate their workers' batches; identities survive."""

    @staticmethod
    def _sample(sampler_class):
        env = StepCountEnv(terminate_after=None)
        sampler = sampler_class(
            TagPolicy(env.spec),
            env,
            max_episode_length=10,
            seed=1,
            n_workers=2,
            worker_class=FragmentWorker,
            worker_args={'n_envs': 2, 'timesteps_per_call': 2},
        )
        try:
            return [sampler.obtain_samples(itr, 8, None) for itr in range(2)]
        finally:
            sampler.shutdown_worker()

    @pytest.mark.parametrize('sampler_class', [LocalSampler, MultiprocessingSampler])
    def test_fragments_name_their_worker_env_and_fragment(self, sampler_class):
        first, second = self._sample(sampler_class)
        assert first.identities.tolist() == [
            (worker, env, 0, 0) for worker in (0, 1) for env in (0, 1)
        ]
        assert second.identities.tolist() == [
            (worker, env, 0, 1) for worker in (0, 1) for env in (0, 1)
        ]


class TestStackInfos:
    def test_nested(self):
        infos = [{'a': np.ones(2) * i, 'b': {'c': i}} for i in range(3)]
        stacked = stack_infos(infos)
        np.testing.assert_array_equal(stacked['a'], [[0, 0], [1, 1], [2, 2]])
        np.testing.assert_array_equal(stacked['b']['c'], [0, 1, 2])

    def test_shared_nested_dicts(self):
        # envs often put one dict (their task) in every step's information
        tasks = [{'goal': np.full(2, i), 'name': f'task{i}'} for i in range(2)]
        infos = [{'task': tasks[i % 2], 'step': i} for i in range(6)]
        stacked = stack_infos(infos)
        np.testing.assert_array_equal(stacked['task']['goal'], [[0, 0], [1, 1]] * 3)
        assert stacked['task']['name'].tolist() == ['task0', 'task1'] * 3
        np.testing.assert_array_equal(stacked['step'], np.arange(6))
        stacked['task']['goal'][0] = 7  # rows are copies, not the env's
        assert (tasks[0]['goal'] == 0).all()

    def test_runs_of_shared_nested_dicts(self):
        tasks = [{'goal': np.full(2, i)} for i in range(3)]
        infos = [{'task': tasks[i // 3], 'step': i} for i in range(9)]
        stacked = stack_infos(infos)
        np.testing.assert_array_equal(
            stacked['task']['goal'], np.repeat(np.arange(3), 3)[:, None] * np.ones(2)
        )
        np.testing.assert_array_equal(stacked['step'], np.arange(9))

    def test_one_nested_dict_in_every_step(self):
        task = {'goal': np.ones(2)}
        stacked = stack_infos([{'task': task, 'step': i} for i in range(4)])
        np.testing.assert_array_equal(stacked['task']['goal'], np.ones((4, 2)))
        stacked['task']['goal'][0] = 7  # rows are copies, not views
        assert (stacked['task']['goal'][1] == 1).all()
        assert (task['goal'] == 1).all()

    def test_shared_nested_dicts_with_different_keys(self):
        shared, other = {'a': 1}, {'b': 1}
        with pytest.raises(ValueError, match='keys'):
            stack_infos([{'task': shared}] * 3 + [{'task': other}])

    def test_empty_dicts(self):
        assert stack_infos([{}, {}]) == {}

    def test_different_keys(self):
        with pytest.raises(ValueError, match=r"keys.*'b'.*entry 1"):
            stack_infos([{'a': 1}, {'b': 1}])
        with pytest.raises(ValueError, match='keys'):
            stack_infos([{'a': 1}, {'a': 1, 'b': 2}])

    def test_ragged_values(self):
        with pytest.raises(ValueError, match=r"\['a'\]"):
            stack_infos([{'a': np.ones(2)}, {'a': np.ones(3)}])


class TestConcatInfos:
    def test_nested(self):
        infos = [
            {'a': np.ones((2, 3)), 'b': {'c': np.arange(2)}},
            {'a': np.zeros((1, 3)), 'b': {'c': np.arange(1)}},
        ]
        result = concat_infos(infos)
        assert result['a'].shape == (3, 3)
        np.testing.assert_array_equal(result['b']['c'], [0, 1, 0])

    def test_mismatched_shapes(self):
        with pytest.raises(ValueError, match=r"\['a'\]"):
            concat_infos([{'a': np.ones((2, 3))}, {'a': np.ones((2, 4))}])
