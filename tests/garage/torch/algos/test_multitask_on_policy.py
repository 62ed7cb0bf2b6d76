"""Multi-task PPO and TRPO through MultiEnvWrapper and TaskOnehotWrapper."""

import numpy as np
import pytest
import torch

from fixtures.logs import RowRecorder
from garage._dowel import logger
from garage.envs import MultiEnvWrapper, PointEnv, TaskOnehotWrapper
from garage.envs.multi_env_wrapper import round_robin_strategy
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import DefaultWorker, FragmentWorker, LocalSampler, VecWorker
from garage.torch.algos import PPO, TRPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')

GOALS = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
NAMES = ['east', 'north', 'west']
LENGTH = 5


@pytest.fixture
def rows():
    recorder = RowRecorder()
    logger.add_output(recorder)
    yield recorder.rows
    logger.remove_output_type(RowRecorder)


def point_envs():
    return [PointEnv(goal=goal, max_episode_length=LENGTH) for goal in GOALS]


def train(tmp_path, algo_cls, env, worker_class=DefaultWorker, n_epochs=2):
    deterministic.set_seed(1)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(8,))
    worker_args = {} if worker_class is DefaultWorker else {'n_envs': 3}
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=LENGTH,
        n_workers=1,
        worker_class=worker_class,
        worker_args=worker_args,
    )
    algo = algo_cls(env.spec, policy, value_function, sampler=sampler)
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=6 * LENGTH)
    return algo


def named_multi_env():
    envs = TaskOnehotWrapper.wrap_env_list(point_envs())
    return MultiEnvWrapper(
        envs, sample_strategy=round_robin_strategy, mode='vanilla', env_names=NAMES
    )


@pytest.mark.parametrize('algo_cls', [PPO, TRPO])
def test_logs_each_named_task_with_success_rates(tmp_path, rows, algo_cls):
    train(tmp_path, algo_cls, named_multi_env())
    assert len(rows) == 2
    for row in rows:
        for name in NAMES:
            assert row[f'{name}/NumEpisodes'] == 2
            assert 0.0 <= row[f'{name}/SuccessRate'] <= 1.0
            assert np.isfinite(row[f'{name}/AverageReturn'])
        assert row['Average/NumEpisodes'] == row['Training/NumEpisodes'] == 6
        assert row['Average/AverageReturn'] == pytest.approx(
            row['Training/AverageReturn']
        )


@pytest.mark.parametrize('worker_class', [VecWorker, FragmentWorker])
def test_workers_of_several_env_copies_log_per_task(tmp_path, rows, worker_class):
    train(tmp_path, PPO, named_multi_env(), worker_class)
    for row in rows:
        logged = [name for name in NAMES if f'{name}/NumEpisodes' in row]
        assert len(logged) > 1
        assert (
            sum(row[f'{name}/NumEpisodes'] for name in logged)
            == (row['Training/NumEpisodes'])
        )
        assert all(f'{name}/SuccessRate' in row for name in logged)


def test_the_policy_sees_each_task_one_hot(tmp_path, rows):
    del rows
    env = MultiEnvWrapper(
        point_envs(), sample_strategy=round_robin_strategy, mode='add-onehot'
    )
    algo = train(tmp_path, PPO, env, n_epochs=1)
    assert algo.policy.env_spec.observation_space.shape == (3 + len(GOALS),)
    sampler = LocalSampler(algo.policy, env, max_episode_length=LENGTH)
    episodes = sampler.obtain_samples(0, 3 * LENGTH, algo.policy)
    one_hots = episodes.observations[:, -len(GOALS) :]
    task_ids = episodes.env_infos['task_id']
    np.testing.assert_array_equal(one_hots.argmax(axis=1), task_ids)
    np.testing.assert_array_equal(one_hots.sum(axis=1), 1.0)
    assert set(task_ids.tolist()) == {0, 1, 2}


def test_tasks_without_names_are_logged_by_task_id(tmp_path, rows):
    env = MultiEnvWrapper(
        point_envs(), sample_strategy=round_robin_strategy, mode='add-onehot'
    )
    train(tmp_path, PPO, env, n_epochs=1)
    for task in range(len(GOALS)):
        assert rows[0][f'Task #{task}/NumEpisodes'] >= 1


def test_a_single_task_is_not_logged_per_task(tmp_path, rows):
    train(tmp_path, PPO, PointEnv(max_episode_length=LENGTH), n_epochs=1)
    assert 'Average/AverageReturn' not in rows[0]
    assert 'Training/AverageReturn' in rows[0]


def test_one_hot_wrappers_survive_pickling_into_worker_processes(tmp_path, rows):
    from garage.sampler import MultiprocessingSampler

    del rows
    deterministic.set_seed(1)
    envs = TaskOnehotWrapper.wrap_env_list(point_envs())
    env = MultiEnvWrapper(envs, sample_strategy=round_robin_strategy, mode='vanilla')
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    sampler = MultiprocessingSampler(
        policy, env, max_episode_length=LENGTH, n_workers=2
    )
    try:
        episodes = sampler.obtain_samples(0, 6 * LENGTH, policy)
    finally:
        sampler.shutdown_worker()
    one_hots = episodes.observations[:, -len(GOALS) :]
    np.testing.assert_array_equal(
        one_hots.argmax(axis=1), episodes.env_infos['task_id']
    )
    torch.testing.assert_close(
        torch.as_tensor(one_hots.sum(axis=1)), torch.ones(len(one_hots))
    )
