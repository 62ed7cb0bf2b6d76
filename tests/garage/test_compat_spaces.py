"""The original garage's calls with gym and Gymnasium spaces, unbounded
episodes, observations of any shape and flat actions of multi-dimensional
Box spaces, written as its users wrote them."""

import math
import pickle

import gymnasium
import numpy as np
import pytest
import torch

from fixtures.policies import TagPolicy
from garage import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro, gym
from garage.envs import GymEnv, PointEnv
from garage.experiment import SnapshotConfig
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.np.policies import FixedPolicy, UniformRandomPolicy
from garage.sampler import (
    DefaultWorker,
    LocalSampler,
    VecWorker,
    WorkerFactory,
)
from garage.torch.algos import VPG
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

SPACE_LIBRARIES = pytest.mark.parametrize(
    'spaces', [gym.spaces, gymnasium.spaces], ids=['gym', 'gymnasium']
)


class ArrayActionEnv(gymnasium.Env):
    """A Gymnasium env whose actions come from ``action_space``."""

    def __init__(self, action_space, length=4):
        self.observation_space = gymnasium.spaces.Box(-1.0, 1.0, (3,), np.float32)
        self.action_space = action_space
        self.length = length
        self.actions = []

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(3, np.float32), {}

    def step(self, action):
        assert self.action_space.contains(action), action
        self.actions.append(action)
        self.t += 1
        observation = np.full(3, self.t / self.length, np.float32)
        return observation, 1.0, self.t >= self.length, False, {}


class ToTheGoal(TagPolicy):
    """Steps PointEnv's point straight to its goal (1, 1)."""

    def get_actions(self, observations):
        to_goal = 1 - np.asarray(observations)[:, :2]
        return np.clip(to_goal, -0.1, 0.1).astype(np.float32), {}


def vpg_trainer(env, policy, sampler, tmp_path):
    algo = VPG(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
        sampler,
    )
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    return trainer


class TestSpaces:
    @SPACE_LIBRARIES
    def test_env_spec_keeps_multi_discrete_and_converts_box(self, spaces):
        spec = EnvSpec(spaces.Box(-1.0, 1.0, (3,)), spaces.MultiDiscrete([2, 5]))
        assert isinstance(spec.observation_space, akro.Box)
        assert spec.observation_space.flat_dim == 3
        assert isinstance(spec.action_space, spaces.MultiDiscrete)
        assert list(spec.action_space.nvec) == [2, 5]
        same = EnvSpec(spaces.Box(-1.0, 1.0, (3,)), spaces.MultiDiscrete([2, 5]))
        assert same == spec
        assert hash(same) == hash(spec)
        assert pickle.loads(pickle.dumps(spec)) == spec

    @SPACE_LIBRARIES
    def test_env_spec_converts_discrete_dict_and_tuple(self, spaces):
        spec = EnvSpec(
            spaces.Dict({'a': spaces.Discrete(3), 'b': spaces.Box(0.0, 1.0, (2,))}),
            spaces.Tuple((spaces.Discrete(2), spaces.Box(0.0, 1.0, (2,)))),
        )
        assert isinstance(spec.observation_space, akro.Dict)
        assert spec.observation_space.flat_dim == 5
        assert isinstance(spec.action_space, akro.Tuple)
        with pytest.raises(TypeError, match=r'action_space\[1\] is a MultiBinary'):
            EnvSpec(
                spaces.Discrete(2),
                spaces.Tuple((spaces.Discrete(2), spaces.MultiBinary(3))),
            )

    @SPACE_LIBRARIES
    def test_policies_take_a_spec_of_gym_spaces(self, spaces):
        box = spaces.Box(-1.0, 1.0, (4,))
        gaussian = GaussianMLPPolicy(EnvSpec(box, spaces.Box(-1.0, 1.0, (2,))))
        assert gaussian.get_action(np.zeros(4))[0].shape == (2,)
        categorical = CategoricalMLPPolicy(EnvSpec(box, spaces.Discrete(3)))
        assert categorical.get_action(np.zeros(4))[0] in range(3)

    @SPACE_LIBRARIES
    def test_epsilon_greedy_policy_takes_gym_spaces(self, spaces):
        env_spec = EnvSpec(spaces.Box(-1.0, 1.0, (4,)), spaces.Discrete(3))
        policy = CategoricalMLPPolicy(env_spec)
        exploration = EpsilonGreedyPolicy(env_spec, policy, total_timesteps=100)
        actions, _ = exploration.get_actions(np.zeros((20, 4)))
        assert set(actions.tolist()) <= {0, 1, 2}

    @pytest.mark.parametrize(
        'action_space',
        [gymnasium.spaces.MultiDiscrete([2, 5]), gymnasium.spaces.MultiBinary(3)],
    )
    def test_epsilon_greedy_explores_multi_discrete_and_binary(self, action_space):
        env_spec = EnvSpec(gymnasium.spaces.Box(-1.0, 1.0, (3,)), action_space)
        zeros = np.zeros(action_space.shape, action_space.dtype)
        greedy = FixedPolicy(env_spec, [zeros] * 200)
        exploration = EpsilonGreedyPolicy(env_spec, greedy, total_timesteps=100)
        actions = [exploration.get_action(np.zeros(3))[0] for _ in range(200)]
        assert all(action_space.contains(a) for a in actions)
        assert any(a.any() for a in actions)

    @pytest.mark.parametrize(
        'action_space',
        [gymnasium.spaces.MultiDiscrete([2, 5]), gymnasium.spaces.MultiBinary(2)],
    )
    def test_gym_env_rolls_out_multi_discrete_and_binary_actions(self, action_space):
        env = GymEnv(ArrayActionEnv(action_space))
        policy = UniformRandomPolicy(env.spec)
        sampler = LocalSampler(agents=policy, envs=env, max_episode_length=10)
        episodes = sampler.obtain_samples(0, 8, policy)
        assert episodes.actions.shape == (8, 2)
        assert all(action_space.contains(a) for a in episodes.actions)

    def test_batches_check_actions_against_a_multi_discrete_space(self):
        env_spec = EnvSpec(
            gymnasium.spaces.Box(-1.0, 1.0, (3,)),
            gymnasium.spaces.MultiDiscrete([2, 5]),
            max_episode_length=5,
        )
        fields = {
            'env_spec': env_spec,
            'episode_infos': {},
            'observations': np.zeros((2, 3)),
            'last_observations': np.zeros((1, 3)),
            'rewards': np.zeros(2),
            'env_infos': {},
            'agent_infos': {},
            'step_types': np.array([StepType.FIRST, StepType.TERMINAL]),
            'lengths': np.array([2]),
        }
        batch = EpisodeBatch(actions=np.array([[0, 4], [1, 0]]), **fields)
        assert batch.actions.shape == (2, 2)
        with pytest.raises(ValueError, match=r'actions has shape \(2, 3\)'):
            EpisodeBatch(actions=np.zeros((2, 3), int), **fields)

    def test_unsupported_space_is_refused(self):
        with pytest.raises(TypeError, match='Text'):
            EnvSpec(gymnasium.spaces.Text(4), gymnasium.spaces.Discrete(2))


class TestUnboundedEpisodes:
    def test_point_env_is_unbounded_by_default(self):
        assert PointEnv().spec.max_episode_length is None
        assert PointEnv(max_episode_length=math.inf).spec.max_episode_length is None

    def test_env_spec_and_gym_env_take_infinity(self):
        spec = EnvSpec(akro.Discrete(2), akro.Discrete(2), max_episode_length=math.inf)
        assert spec.max_episode_length is None
        assert spec == EnvSpec(akro.Discrete(2), akro.Discrete(2))
        env = ArrayActionEnv(gymnasium.spaces.Discrete(2))
        assert GymEnv(env, max_episode_length=math.inf).spec.max_episode_length is None
        # an id keeps its own time limit
        cart_pole = GymEnv('CartPole-v1', max_episode_length=np.inf)
        assert cart_pole.spec.max_episode_length == 500

    def test_the_tutorials_sampler(self):
        env = PointEnv()
        policy = ToTheGoal(env.spec)
        sampler = LocalSampler(
            agents=policy,
            envs=PointEnv(),
            max_episode_length=env.spec.max_episode_length,
        )
        episodes = sampler.obtain_samples(0, 20, policy)
        # ten steps of 0.1 per axis; the goal counts as reached within 0.141
        assert (episodes.lengths == 9).all()
        assert episodes.step_types[-1] == StepType.TERMINAL

    @pytest.mark.parametrize('worker_class', [DefaultWorker, VecWorker])
    def test_worker_factory_takes_infinity(self, worker_class):
        factory = WorkerFactory(
            max_episode_length=math.inf, n_workers=1, worker_class=worker_class
        )
        assert factory.max_episode_length is None
        env = PointEnv()
        policy = ToTheGoal(env.spec)
        sampler = LocalSampler(policy, env, worker_factory=factory)
        episodes = sampler.obtain_samples(0, 10, policy)
        assert episodes.lengths[0] == 9

    @pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
    def test_evaluation_without_a_limit_is_a_clear_error(self, tmp_path):
        env = PointEnv()
        policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
        sampler = LocalSampler(policy, env, max_episode_length=5, n_workers=1)
        trainer = vpg_trainer(env, policy, sampler, tmp_path)
        with pytest.raises(ValueError, match='evaluation needs a maximum episode'):
            trainer.train(n_epochs=1, batch_size=10, eval_every=1, progress=False)


class TestObservationShapes:
    def test_get_action_flattens_an_observation_of_the_right_size(self):
        env_spec = EnvSpec(
            gymnasium.spaces.Box(-1.0, 1.0, (4,)), gymnasium.spaces.Discrete(3)
        )
        torch.manual_seed(0)
        policy = CategoricalMLPPolicy(env_spec)
        observation = np.linspace(-1, 1, 4)
        probs = policy.get_action(observation)[1]['probs']
        for shaped in (observation[None], observation.reshape(2, 2)):
            np.testing.assert_allclose(policy.get_action(shaped)[1]['probs'], probs)

    def test_get_actions_flattens_rows_of_the_right_size(self):
        env_spec = EnvSpec(
            gymnasium.spaces.Box(-1.0, 1.0, (4,)), gymnasium.spaces.Box(-1, 1, (1,))
        )
        policy = GaussianMLPPolicy(env_spec)
        _, infos = policy.get_actions(np.zeros((3, 2, 2)))
        np.testing.assert_allclose(
            infos['mean'], policy.get_actions(np.zeros((3, 4)))[1]['mean']
        )

    def test_wrong_size_names_both_sizes(self):
        env_spec = EnvSpec(
            gymnasium.spaces.Box(-1.0, 1.0, (4,)), gymnasium.spaces.Discrete(3)
        )
        policy = CategoricalMLPPolicy(env_spec)
        with pytest.raises(ValueError, match=r'shape \(1, 5\).*size 5, not 4'):
            policy.get_action(np.zeros((1, 5)))


class Box2x2Env(gymnasium.Env):
    """Rewards actions near the identity matrix; actions must be 2x2."""

    observation_space = gymnasium.spaces.Box(-1.0, 1.0, (3,), np.float32)
    action_space = gymnasium.spaces.Box(-1.0, 1.0, (2, 2), np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(3, np.float32), {}

    def step(self, action):
        assert np.shape(action) == (2, 2), np.shape(action)
        self.t += 1
        reward = -float(np.square(action - np.eye(2)).sum())
        return np.full(3, self.t / 5, np.float32), reward, self.t >= 5, False, {}


class TestFlatActions:
    def test_gym_env_unflattens_a_flat_action(self):
        env = GymEnv(Box2x2Env())
        env.reset()
        step = env.step(np.array([1.0, 0.0, 0.0, 1.0], np.float32))
        assert step.reward == 0.0
        env.reset()
        with pytest.raises(ValueError, match=r'shape \(3,\) \(size 3\).*size 4'):
            env.step(np.zeros(3, np.float32))

    @pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
    def test_gaussian_policy_samples_and_trains_on_a_box_2x2_env(self, tmp_path):
        env = GymEnv(Box2x2Env())
        policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
        sampler = LocalSampler(
            agents=policy, envs=env, max_episode_length=5, n_workers=1, seed=1
        )
        episodes = sampler.obtain_samples(0, 10, policy)
        assert episodes.actions.shape == (10, 4)
        trainer = vpg_trainer(env, policy, sampler, tmp_path)
        assert math.isfinite(trainer.train(n_epochs=1, batch_size=10, progress=False))
