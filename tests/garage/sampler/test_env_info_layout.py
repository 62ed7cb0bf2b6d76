"""Env infos whose values are dicts keep the original garage's layout."""

import numpy as np
import pytest

from fixtures.policies import TagPolicy
from garage import EpisodeBatch
from garage.envs import PointEnv
from garage.sampler import (
    DefaultWorker,
    FragmentWorker,
    LocalSampler,
    MultiprocessingSampler,
    VecWorker,
)
from garage.sampler._collect import stack_env_infos

WORKERS = {
    'default': (DefaultWorker, {}),
    'vec': (VecWorker, {'n_envs': 2}),
    'fragment': (FragmentWorker, {'n_envs': 2, 'timesteps_per_call': 3}),
}


@pytest.mark.parametrize('worker', sorted(WORKERS))
def test_point_env_task_is_an_object_array_of_dicts(worker):
    worker_class, worker_args = WORKERS[worker]
    env = PointEnv(goal=(0.5, -0.5), max_episode_length=5)
    sampler = LocalSampler(
        TagPolicy(env.spec),
        env,
        max_episode_length=5,
        worker_class=worker_class,
        worker_args=worker_args,
    )
    eps = sampler.obtain_samples(0, 10, None)
    tasks = eps.env_infos['task']
    assert tasks.dtype == object
    assert tasks.shape == (len(eps.rewards),)
    np.testing.assert_allclose(eps.env_infos['task'][0]['goal'], [0.5, -0.5])
    assert eps.env_infos['success'].dtype == bool
    # the layout survives splitting, listing and concatenating
    first = eps.split()[0]
    np.testing.assert_allclose(first.env_infos['task'][0]['goal'], [0.5, -0.5])
    listed = eps.to_list()[0]['env_infos']['task']
    np.testing.assert_allclose(listed[0]['goal'], [0.5, -0.5])
    joined = EpisodeBatch.concatenate(*eps.split())
    assert joined.env_infos['task'].dtype == object
    np.testing.assert_allclose(joined.env_infos['task'][-1]['goal'], [0.5, -0.5])
    sampler.shutdown_worker()


def test_multiprocessing_sampler_ships_them():
    env = PointEnv(goal=(0.5, -0.5), max_episode_length=5)
    sampler = MultiprocessingSampler(
        TagPolicy(env.spec), env, max_episode_length=5, n_workers=2
    )
    try:
        eps = sampler.obtain_samples(0, 10, None)
    finally:
        sampler.shutdown_worker()
    assert eps.env_infos['task'].dtype == object
    np.testing.assert_allclose(eps.env_infos['task'][0]['goal'], [0.5, -0.5])


def test_the_batch_holds_copies_of_the_env_dicts():
    task = {'goal': np.array([1.0, 2.0])}
    other = {'goal': np.array([3.0, 4.0])}
    stacked = stack_env_infos(
        [{'task': task, 'n': 0}, {'task': task, 'n': 1}, {'task': other, 'n': 2}]
    )
    assert list(stacked) == ['task', 'n']
    np.testing.assert_array_equal(stacked['n'], [0, 1, 2])
    assert stacked['task'][0] is not task
    assert stacked['task'][0] is stacked['task'][1]  # one copy per dict
    task['goal'][0] = 7.0  # the env changes its task afterwards
    np.testing.assert_array_equal(stacked['task'][0]['goal'], [1.0, 2.0])
    np.testing.assert_array_equal(stacked['task'][2]['goal'], [3.0, 4.0])


def test_mismatched_keys_still_name_the_key():
    with pytest.raises(ValueError, match='task'):
        stack_env_infos([{'task': {'goal': 1}}, {'other': {'goal': 1}}])
