import dataclasses
import pickle

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import DummyBoxEnv, DummyDiscreteEnv, DummyEnv
from garage import StepType
from garage._legacy_gym import akro
from garage.envs import GridWorldEnv, NormalizedEnv, PointEnv, normalize


class ScriptedEnv(DummyEnv):
    """Observations and rewards from given functions of the step count."""

    def __init__(self, obs_fn, reward_fn=lambda step_cnt: 1.0, shape=(2,)):
        super().__init__(
            akro.Box(low=-np.inf, high=np.inf, shape=shape, dtype=np.float32),
            akro.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32),
            max_episode_length=None,
        )
        self._obs_fn = obs_fn
        self._reward_fn = reward_fn

    def _observation(self, step_cnt):
        return np.asarray(self._obs_fn(step_cnt), dtype=np.float32)

    def step(self, action):
        es = super().step(action)
        return dataclasses.replace(es, reward=self._reward_fn(es.env_info['step']))


def constant_env(value):
    return ScriptedEnv(lambda _: value)


def test_normalize_is_normalized_env():
    assert normalize is NormalizedEnv


class TestActions:
    @pytest.mark.parametrize(
        ('action', 'expected'),
        [(-1.0, -5.0), (0.0, 0.0), (0.5, 2.5), (1.0, 5.0), (3.0, 5.0), (-3.0, -5.0)],
    )
    def test_maps_unit_box_onto_bounds_and_clips(self, action, expected):
        inner = DummyBoxEnv(action_dim=(2,))
        env = NormalizedEnv(inner)
        env.reset()
        es = env.step(np.full(2, action))
        np.testing.assert_allclose(inner.last_action, [expected, expected])
        np.testing.assert_array_equal(es.action, np.full(2, action))

    def test_asymmetric_bounds_and_expected_scale(self):
        inner = DummyBoxEnv(action_dim=(2,), action_bounds=([0.0, -1.0], [2.0, 3.0]))
        env = NormalizedEnv(inner, expected_action_scale=2.0)
        np.testing.assert_array_equal(env.action_space.low, [-2.0, -2.0])
        np.testing.assert_array_equal(env.action_space.high, [2.0, 2.0])
        env.reset()
        env.step(np.array([-2.0, 2.0]))
        np.testing.assert_allclose(inner.last_action, [0.0, 3.0])
        env.step(np.array([0.0, 0.0]))
        np.testing.assert_allclose(inner.last_action, [1.0, 1.0])
        env.step(np.array([1.0, -1.0]))
        np.testing.assert_allclose(inner.last_action, [1.5, 0.0])

    def test_inner_action_has_inner_dtype(self):
        inner = DummyBoxEnv()
        env = NormalizedEnv(inner)
        env.reset()
        env.step(np.zeros(2, dtype=np.float64))
        assert inner.last_action.dtype == np.float32

    def test_scaled_action_space(self):
        env = NormalizedEnv(PointEnv())
        assert isinstance(env.action_space, akro.Box)
        np.testing.assert_array_equal(env.action_space.low, [-1.0, -1.0])
        np.testing.assert_array_equal(env.action_space.high, [1.0, 1.0])
        assert env.spec.action_space == env.action_space

    def test_unbounded_box_passes_through(self):
        inner = DummyBoxEnv(action_bounds=(-np.inf, np.inf))
        env = NormalizedEnv(inner)
        assert env.action_space == inner.action_space
        env.reset()
        env.step(np.array([7.0, -7.0]))
        np.testing.assert_array_equal(inner.last_action, [7.0, -7.0])

    def test_discrete_passes_through(self):
        inner = DummyDiscreteEnv(action_dim=3)
        env = NormalizedEnv(inner)
        assert env.action_space == inner.action_space
        env.reset()
        env.step(2)
        assert inner.last_action == 2


class TestObservations:
    def test_off_by_default(self):
        inner = DummyBoxEnv(seed=3)
        reference = DummyBoxEnv(seed=3)
        env = NormalizedEnv(inner)
        np.testing.assert_array_equal(env.reset()[0], reference.reset()[0])
        np.testing.assert_array_equal(
            env.step(np.zeros(2)).observation, reference.step(np.zeros(2)).observation
        )
        assert env.observation_space == inner.observation_space

    def test_first_normalization_by_hand(self):
        value = np.array([10.0, -3.0])
        alpha = 0.1
        env = NormalizedEnv(constant_env(value), normalize_obs=True, obs_alpha=alpha)
        obs, _ = env.reset()
        mean = alpha * value
        var = (1 - alpha) + alpha * (value - mean) ** 2
        np.testing.assert_allclose(obs, (value - mean) / np.sqrt(var), rtol=1e-6)
        assert obs.dtype == np.float32
        assert env.observation_space.contains(obs)

    def test_statistics_move_toward_constant_data(self):
        env = NormalizedEnv(
            constant_env([10.0, -3.0]), normalize_obs=True, obs_alpha=0.1
        )
        obs, _ = env.reset()
        magnitudes = [np.abs(obs).max()]
        for _ in range(200):
            magnitudes.append(np.abs(env.step(np.zeros(1)).observation).max())
        assert magnitudes[-1] < 1e-3
        assert magnitudes[-1] < magnitudes[50] < magnitudes[0]

    def test_standardizes_random_data(self):
        rng = np.random.default_rng(0)
        data = rng.normal([5.0, -2.0], [3.0, 0.5], size=(20001, 2))
        env = NormalizedEnv(
            ScriptedEnv(lambda t: data[t]), normalize_obs=True, obs_alpha=0.01
        )
        env.reset()
        normalized = np.array([env.step(np.zeros(1)).observation for _ in range(20000)])
        tail = normalized[5000:]
        np.testing.assert_allclose(tail.mean(axis=0), [0.0, 0.0], atol=0.1)
        np.testing.assert_allclose(tail.std(axis=0), [1.0, 1.0], atol=0.1)

    def test_normalized_observation_space_is_unbounded(self):
        env = NormalizedEnv(DummyBoxEnv(), normalize_obs=True)
        assert env.observation_space.shape == (4,)
        assert np.isinf(env.observation_space.low).all()
        assert np.isinf(env.observation_space.high).all()
        assert env.spec.observation_space == env.observation_space

    def test_flattens_observations_and_space(self):
        inner = DummyBoxEnv(obs_dim=(2, 3))
        env = NormalizedEnv(inner)
        assert env.observation_space.shape == (6,)
        np.testing.assert_array_equal(env.observation_space.low, -np.ones(6))
        obs, _ = env.reset()
        assert obs.shape == (6,)
        assert env.step(np.zeros(2)).observation.shape == (6,)

    def test_flatten_obs_false_keeps_shape(self):
        inner = DummyBoxEnv(obs_dim=(2, 3))
        env = NormalizedEnv(inner, flatten_obs=False)
        assert env.observation_space == inner.observation_space
        assert env.reset()[0].shape == (2, 3)
        normalizing = NormalizedEnv(
            DummyBoxEnv(obs_dim=(2, 3)), normalize_obs=True, flatten_obs=False
        )
        assert normalizing.observation_space.shape == (2, 3)
        assert normalizing.reset()[0].shape == (2, 3)

    def test_discrete_observations_pass_through(self):
        env = NormalizedEnv(GridWorldEnv())
        assert env.observation_space == GridWorldEnv().observation_space
        assert env.reset()[0] == 0


class TestRewards:
    def test_scale_reward(self):
        env = NormalizedEnv(DummyBoxEnv(), scale_reward=3.0)
        env.reset()
        assert env.step(np.zeros(2)).reward == 3.0

    def test_first_normalization_by_hand(self):
        alpha = 0.1
        env = NormalizedEnv(
            ScriptedEnv(lambda _: [0.0, 0.0], reward_fn=lambda _: 4.0),
            normalize_reward=True,
            reward_alpha=alpha,
            scale_reward=2.0,
        )
        env.reset()
        mean = alpha * 4.0
        var = (1 - alpha) + alpha * (4.0 - mean) ** 2
        reward = env.step(np.zeros(1)).reward
        assert reward == pytest.approx(2.0 * 4.0 / np.sqrt(var))
        assert isinstance(reward, float)

    def test_scales_random_rewards_to_unit_variance(self):
        rng = np.random.default_rng(1)
        rewards = rng.normal(0.0, 7.0, size=20001)
        env = NormalizedEnv(
            ScriptedEnv(lambda _: [0.0, 0.0], reward_fn=lambda t: rewards[t]),
            normalize_reward=True,
            reward_alpha=0.01,
        )
        env.reset()
        normalized = np.array([env.step(np.zeros(1)).reward for _ in range(20000)])
        assert normalized[5000:].std() == pytest.approx(1.0, abs=0.1)


class TestStep:
    def test_step_types_and_env_info_pass_through(self):
        env = NormalizedEnv(DummyBoxEnv(max_episode_length=3))
        env.reset()
        steps = [env.step(np.zeros(2)) for _ in range(3)]
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TIMEOUT,
        ]
        assert [s.env_info['step'] for s in steps] == [1, 2, 3]
        assert all(s.env_spec is env.spec for s in steps)

    def test_max_episode_length_carries_over(self):
        env = NormalizedEnv(PointEnv(max_episode_length=9))
        assert env.spec.max_episode_length == 9

    def test_step_before_reset(self):
        with pytest.raises(RuntimeError, match=r'reset\(\) must be called'):
            NormalizedEnv(PointEnv()).step(np.zeros(2))

    def test_delegates_other_attributes(self):
        env = NormalizedEnv(PointEnv())
        assert len(env.sample_tasks(2)) == 2
        assert isinstance(env.unwrapped, PointEnv)


class TestErrors:
    @pytest.mark.parametrize('scale', [0.0, -1.0])
    def test_expected_action_scale_not_positive(self, scale):
        with pytest.raises(
            ValueError, match=r'^expected_action_scale must be a number in \(0, inf\]'
        ):
            NormalizedEnv(PointEnv(), expected_action_scale=scale)

    def test_expected_action_scale_not_a_number(self):
        with pytest.raises(TypeError, match=r'^expected_action_scale must be a number'):
            NormalizedEnv(PointEnv(), expected_action_scale='1')

    @pytest.mark.parametrize('name', ['obs_alpha', 'reward_alpha'])
    @pytest.mark.parametrize('alpha', [0.0, 1.5])
    def test_alpha_out_of_range(self, name, alpha):
        with pytest.raises(
            ValueError, match=rf'^{name} must be a number in \(0, 1\], got {alpha}$'
        ):
            NormalizedEnv(PointEnv(), **{name: alpha})

    def test_normalize_obs_needs_box(self):
        with pytest.raises(ValueError, match='normalize_obs needs a Box observation'):
            NormalizedEnv(GridWorldEnv(), normalize_obs=True)

    def test_needs_garage_environment(self):
        with pytest.raises(TypeError, match='needs a garage Environment'):
            NormalizedEnv(object())


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_keeps_running_statistics(dumps):

    def make():
        return NormalizedEnv(
            PointEnv(goal=(3.0, 3.0)),
            normalize_obs=True,
            normalize_reward=True,
            obs_alpha=0.2,
            reward_alpha=0.2,
        )

    env = make()
    env.reset()
    for _ in range(10):
        env.step(np.ones(2))
    copy = pickle.loads(dumps(env))
    original_step = env.step(np.ones(2))
    copied_step = copy.step(np.ones(2))
    np.testing.assert_array_equal(copied_step.observation, original_step.observation)
    assert copied_step.reward == original_step.reward

    fresh = make()
    fresh_obs, _ = fresh.reset()
    copy_obs, _ = copy.reset()
    assert not np.allclose(fresh_obs, copy_obs)
