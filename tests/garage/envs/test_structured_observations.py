"""Dict and Tuple observations: flattened in batches, kept for policies."""

import numpy as np
import pytest
import torch

from fixtures.structured import DictObsEnv, TupleObsEnv
from garage import EpisodeBatch, TimeStepBatch, rollout
from garage._legacy_gym import akro
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig
from garage.np.policies import Policy as NumPyPolicy
from garage.sampler import (
    FragmentWorker,
    LocalSampler,
    MultiprocessingSampler,
    VecWorker,
)
from garage.torch.algos import PPO, VPG
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

DICT_FLAT_DIM = 2 + 3 + 6  # position, one-hot mode, 2x3 grid
TUPLE_FLAT_DIM = 2 + 3


def dict_env(**kwargs):
    return GymEnv(DictObsEnv(**kwargs))


def tuple_env():
    return GymEnv(TupleObsEnv(), max_episode_length=5)


def check_dict_rows(space, rows):
    """Every flattened row unflattens to the observation the env gave."""
    assert rows.shape[1:] == (DICT_FLAT_DIM,)
    for row in rows:
        observation = space.unflatten(row)
        t = int(observation['position'][0])
        np.testing.assert_array_equal(observation['position'], [t, -t])
        assert observation['mode'] == t % 3
        grid = np.zeros(6)
        grid[t % 6] = 1
        np.testing.assert_array_equal(observation['grid'], grid.reshape(2, 3))


def check_tuple_rows(space, rows):
    assert rows.shape[1:] == (TUPLE_FLAT_DIM,)
    for row in rows:
        position, mode = space.unflatten(row)
        t = int(position[0])
        np.testing.assert_array_equal(position, [t, -t])
        assert mode == t % 3


class DictRecordingPolicy(NumPyPolicy):
    """A NumPy policy that wants the dict: it reads ``observation['mode']``."""

    def __init__(self, env_spec):
        self._env_spec = env_spec
        self.seen = []

    @property
    def env_spec(self):
        return self._env_spec

    def get_action(self, observation):
        self.seen.append(observation)
        return observation['mode'] % 2, {}

    def get_actions(self, observations):
        actions = [self.get_action(o)[0] for o in observations]
        return np.asarray(actions), {}

    def reset(self, do_resets=None):
        pass


class TestSpec:
    def test_dict_space_converts_with_its_flat_dim(self):
        spec = dict_env().spec
        assert isinstance(spec.observation_space, akro.Dict)
        assert spec.observation_space.flat_dim == DICT_FLAT_DIM
        policy = CategoricalMLPPolicy(spec, hidden_sizes=(4,))
        first = next(m for m in policy.modules() if isinstance(m, torch.nn.Linear))
        assert first.in_features == DICT_FLAT_DIM

    def test_tuple_space_converts_with_its_flat_dim(self):
        spec = tuple_env().spec
        assert isinstance(spec.observation_space, akro.Tuple)
        assert spec.observation_space.flat_dim == TUPLE_FLAT_DIM


class TestRollout:
    def test_dict_rollout_keeps_the_dicts_and_batches_flat(self):
        env = dict_env()
        path = rollout(env, CategoricalMLPPolicy(env.spec, hidden_sizes=(4,)))
        assert path['observations'].shape == (6,)
        assert path['observations'][2]['mode'] == 2
        batch = EpisodeBatch.from_list(env.spec, [path])
        check_dict_rows(env.spec.observation_space, batch.observations)
        check_dict_rows(env.spec.observation_space, batch.last_observations)

    def test_tuple_rollout(self):
        env = tuple_env()
        path = rollout(env, CategoricalMLPPolicy(env.spec, hidden_sizes=(4,)))
        assert isinstance(path['observations'][0], tuple)
        batch = EpisodeBatch.from_list(env.spec, [path])
        check_tuple_rows(env.spec.observation_space, batch.observations)

    def test_a_policy_gets_the_dicts_themselves(self):
        env = dict_env()
        policy = DictRecordingPolicy(env.spec)
        path = rollout(env, policy)
        assert all(isinstance(o, dict) for o in policy.seen)
        assert path['actions'].tolist() == [t % 3 % 2 for t in range(6)]


@pytest.mark.parametrize(
    ('worker_class', 'worker_args'),
    [
        pytest.param(None, None, id='default'),
        pytest.param(VecWorker, dict(n_envs=3), id='vec'),
        pytest.param(FragmentWorker, dict(n_envs=2, timesteps_per_call=4), id='frag'),
    ],
)
class TestSamplerBatch:
    def sampler(self, env, policy, worker_class, worker_args):
        options = dict(max_episode_length=6, seed=1, n_workers=2)
        if worker_class is not None:
            options.update(worker_class=worker_class, worker_args=worker_args)
        return LocalSampler(policy, env, **options)

    def test_dict_batch_is_flat_and_unflattens(self, worker_class, worker_args):
        env = dict_env()
        policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
        sampler = self.sampler(env, policy, worker_class, worker_args)
        batch = sampler.obtain_samples(0, 30, policy)
        space = env.spec.observation_space
        check_dict_rows(space, batch.observations)
        check_dict_rows(space, batch.last_observations)
        check_dict_rows(space, batch.next_observations)
        steps = batch.to_time_step_batch()
        check_dict_rows(space, steps.next_observations)

    def test_tuple_batch(self, worker_class, worker_args):
        env = tuple_env()
        policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
        sampler = self.sampler(env, policy, worker_class, worker_args)
        batch = sampler.obtain_samples(0, 20, policy)
        check_tuple_rows(env.spec.observation_space, batch.observations)
        check_tuple_rows(env.spec.observation_space, batch.last_observations)

    def test_policies_that_want_dicts_get_them(self, worker_class, worker_args):
        env = dict_env()
        policy = DictRecordingPolicy(env.spec)
        sampler = self.sampler(env, policy, worker_class, worker_args)
        batch = sampler.obtain_samples(0, 12, policy)
        # the samplers' copy of the policy saw dicts; the actions show it
        modes = [
            env.spec.observation_space.unflatten(row)['mode']
            for row in batch.observations
        ]
        assert batch.actions.tolist() == [m % 2 for m in modes]


def test_multiprocessing_sampler_batches_dicts():
    env = dict_env()
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
    sampler = MultiprocessingSampler(
        policy, env, max_episode_length=6, seed=1, n_workers=1
    )
    try:
        batch = sampler.obtain_samples(0, 12, policy)
    finally:
        sampler.shutdown_worker()
    check_dict_rows(env.spec.observation_space, batch.observations)


class TestBatches:
    def test_episode_batch_flattens_an_object_array_of_dicts(self):
        env = dict_env()
        path = rollout(env, DictRecordingPolicy(env.spec))
        batch = EpisodeBatch(
            env_spec=env.spec,
            episode_infos={},
            observations=path['observations'],
            last_observations=path['next_observations'][-1:],
            actions=path['actions'],
            rewards=path['rewards'],
            env_infos={},
            agent_infos={},
            step_types=path['step_types'],
            lengths=np.array([6]),
        )
        assert batch.observations.shape == (6, DICT_FLAT_DIM)
        check_dict_rows(env.spec.observation_space, batch.last_observations)

    def test_time_step_batch_flattens_them_too(self):
        env = dict_env()
        path = rollout(env, DictRecordingPolicy(env.spec))
        batch = TimeStepBatch(
            env_spec=env.spec,
            episode_infos={},
            observations=path['observations'],
            actions=path['actions'],
            rewards=path['rewards'],
            next_observations=path['next_observations'],
            env_infos={},
            agent_infos={},
            step_types=path['step_types'],
        )
        check_dict_rows(env.spec.observation_space, batch.observations)
        check_dict_rows(env.spec.observation_space, batch.next_observations)

    def test_observations_outside_the_space_name_the_field(self):
        env = dict_env()
        path = rollout(env, DictRecordingPolicy(env.spec))
        bad = path['observations'].copy()
        bad[1] = {'position': np.zeros(2)}  # no mode, no grid
        with pytest.raises(ValueError, match='observations holds observations'):
            EpisodeBatch.from_list(env.spec, [dict(path, observations=bad)])


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
@pytest.mark.parametrize(
    ('algo_class', 'continuous'),
    [
        pytest.param(PPO, False, id='ppo-categorical'),
        pytest.param(VPG, True, id='vpg-gaussian'),
    ],
)
def test_trains_on_dict_observations(tmp_path, algo_class, continuous):
    torch.manual_seed(0)
    env = dict_env(continuous=continuous)
    policy_class = GaussianMLPPolicy if continuous else CategoricalMLPPolicy
    policy = policy_class(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(policy, env, max_episode_length=6, seed=1, n_workers=1)
    algo = algo_class(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
        sampler,
    )
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=3, batch_size=24)
    assert trainer.last_record is not None
    assert (tmp_path / 'params.pkl').exists()


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
def test_trains_on_tuple_observations(tmp_path):
    torch.manual_seed(0)
    env = tuple_env()
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=5,
        seed=1,
        n_workers=1,
        worker_class=VecWorker,
        worker_args=dict(n_envs=2),
    )
    algo = PPO(
        env.spec, policy, GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)), sampler
    )
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=2, batch_size=20)
    assert trainer.last_record is not None


def test_policy_acts_on_one_tuple_and_a_batch_of_them():
    env = tuple_env()
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
    observation, _ = env.reset()
    action, _ = policy.get_action(observation)
    assert env.action_space.contains(int(action))
    actions, _ = policy.get_actions([observation, observation])
    assert actions.shape == (2,)
