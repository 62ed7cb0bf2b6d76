import pickle

import numpy as np
import pytest

from garage import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro
from garage.np.exploration_policies import (
    AddGaussianNoise,
    AddOrnsteinUhlenbeckNoise,
    EpsilonGreedyPolicy,
    ExplorationPolicy,
)
from garage.np.policies import Policy


def box_spec(dim=2, bound=100.0):
    return EnvSpec(
        akro.Box(-1.0, 1.0, (3,), np.float32),
        akro.Box(-bound, bound, (dim,), np.float32),
    )


def discrete_spec(n=4):
    return EnvSpec(akro.Box(-1.0, 1.0, (3,), np.float32), akro.Discrete(n))


class ConstantPolicy(Policy):
    """Always the same action; counts its resets and holds parameters."""

    def __init__(self, env_spec, action):
        self._env_spec = env_spec
        self.action = np.asarray(action)
        self.resets = []
        self.params = {'w': 1}

    @property
    def env_spec(self):
        return self._env_spec

    def get_action(self, observation):
        return self.action.copy(), {'info': 1}

    def get_actions(self, observations):
        n = len(observations)
        return (np.repeat(self.action[np.newaxis], n, axis=0), {'info': np.ones(n)})

    def reset(self, do_resets=None):
        self.resets.append(do_resets)

    def get_param_values(self):
        return self.params

    def set_param_values(self, params):
        self.params = params


def observations(n):
    return np.zeros((n, 3), dtype=np.float32)


def batch_of(n_steps):
    spec = box_spec()
    return EpisodeBatch(
        env_spec=spec,
        episode_infos={},
        observations=observations(n_steps),
        last_observations=observations(1),
        actions=np.zeros((n_steps, 2), dtype=np.float32),
        rewards=np.zeros(n_steps),
        env_infos={},
        agent_infos={},
        step_types=np.full(n_steps, StepType.MID, dtype=np.int8),
        lengths=np.array([n_steps]),
    )


# AddGaussianNoise


def test_gaussian_noise_has_the_scheduled_mean_and_std():
    np.random.seed(0)
    spec = box_spec()
    policy = AddGaussianNoise(
        spec,
        ConstantPolicy(spec, [0.5, -0.5]),
        total_timesteps=100,
        max_sigma=0.3,
        min_sigma=0.3,
    )
    assert isinstance(policy, ExplorationPolicy)
    actions, infos = policy.get_actions(observations(100_000))
    assert actions.dtype == np.float32
    np.testing.assert_allclose(actions.mean(axis=0), [0.5, -0.5], atol=0.005)
    np.testing.assert_allclose(actions.std(axis=0), [0.3, 0.3], atol=0.005)
    np.testing.assert_array_equal(infos['info'], np.ones(100_000))


def test_gaussian_noise_decays_linearly_then_stays():
    spec = box_spec()
    policy = AddGaussianNoise(
        spec,
        ConstantPolicy(spec, [0.0, 0.0]),
        total_timesteps=200,
        max_sigma=1.0,
        min_sigma=0.2,
        decay_ratio=0.5,
    )
    assert policy.sigma == 1.0
    policy.get_actions(observations(50))
    assert policy.total_env_steps == 50
    assert policy.sigma == pytest.approx(0.6)
    policy.get_action(observations(1)[0])
    assert policy.sigma == pytest.approx(0.6 - 0.8 / 100)
    policy.get_actions(observations(500))
    assert policy.sigma == pytest.approx(0.2)


def test_gaussian_noise_of_each_step_follows_the_schedule():
    np.random.seed(1)
    spec = box_spec(dim=1)
    policy = AddGaussianNoise(
        spec,
        ConstantPolicy(spec, [0.0]),
        total_timesteps=4,
        max_sigma=1.0,
        min_sigma=0.0,
    )
    actions, _ = policy.get_actions(observations(8))
    np.random.seed(1)
    noise = np.random.standard_normal((8, 1))
    np.testing.assert_allclose(
        actions[:, 0], noise[:, 0] * [1, 0.75, 0.5, 0.25, 0, 0, 0, 0], rtol=1e-6
    )


def test_gaussian_noise_is_clipped_to_the_action_space():
    spec = box_spec(bound=1.0)
    policy = AddGaussianNoise(
        spec,
        ConstantPolicy(spec, [0.9, -0.9]),
        total_timesteps=10,
        max_sigma=5,
        min_sigma=5,
    )
    actions, _ = policy.get_actions(observations(1000))
    assert actions.min() == -1.0
    assert actions.max() == 1.0


def test_update_counts_the_steps_sampled_by_copies():
    spec = box_spec()
    policy = AddGaussianNoise(
        spec,
        ConstantPolicy(spec, [0.0, 0.0]),
        total_timesteps=100,
        max_sigma=1.0,
        min_sigma=0.0,
    )
    worker_copy = pickle.loads(pickle.dumps(policy))
    worker_copy.get_actions(observations(10))
    assert policy.total_env_steps == 0
    policy.update(batch_of(10))
    assert policy.total_env_steps == 10
    # the original stepping itself, then told of the same steps
    policy.get_actions(observations(5))
    policy.update(batch_of(5))
    assert policy.total_env_steps == 15
    params = policy.get_param_values()
    assert params == {'total_env_steps': 15, 'inner_params': {'w': 1}}
    worker_copy.set_param_values({'total_env_steps': 40, 'inner_params': {'w': 2}})
    assert worker_copy.total_env_steps == 40
    assert worker_copy.sigma == pytest.approx(0.6)
    assert worker_copy.policy.params == {'w': 2}


def test_gaussian_noise_needs_a_box_action_space():
    spec = discrete_spec()
    with pytest.raises(ValueError, match=r'needs an akro\.Box action'):
        AddGaussianNoise(spec, ConstantPolicy(spec, 0), total_timesteps=10)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'total_timesteps': 0}, 'total_timesteps must be a positive integer, got 0'),
        ({'total_timesteps': 1.5}, 'total_timesteps must be a positive integer'),
        ({'total_timesteps': True}, 'total_timesteps must be a positive integer'),
        ({'decay_ratio': 0}, r'decay_ratio must be a number in \(0, 1\], got 0'),
        ({'decay_ratio': 1.5}, r'decay_ratio must be a number in \(0, 1\]'),
        ({'total_timesteps': 3, 'decay_ratio': 0.2}, 'the decay lasts'),
        ({'max_sigma': -1}, r'max_sigma must be a number in \[0, inf\], got -1'),
        ({'min_sigma': float('nan')}, r'min_sigma must be a number in \[0, inf\]'),
    ],
)
def test_gaussian_noise_checks_its_schedule(kwargs, message):
    spec = box_spec()
    kwargs = {'total_timesteps': 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        AddGaussianNoise(spec, ConstantPolicy(spec, [0, 0]), **kwargs)


# AddOrnsteinUhlenbeckNoise


def ou_noise(n_steps, n_envs=1, **kwargs):
    spec = box_spec(dim=1, bound=1e6)
    policy = AddOrnsteinUhlenbeckNoise(spec, ConstantPolicy(spec, [0.0]), **kwargs)
    return policy, np.stack(
        [policy.get_actions(observations(n_envs))[0][:, 0] for _ in range(n_steps)]
    )


def test_ou_noise_has_the_stationary_mean_std_and_autocorrelation():
    np.random.seed(2)
    theta, dt, sigma, mu = 5.0, 0.1, 0.6, 0.25
    _, noise = ou_noise(60_000, mu=mu, sigma=sigma, theta=theta, dt=dt)
    x = noise[100:, 0]
    rho = 1 - theta * dt  # lag-1 autocorrelation
    np.testing.assert_allclose(x.mean(), mu, atol=0.01)
    np.testing.assert_allclose(x.std(), sigma * np.sqrt(dt / (1 - rho**2)), rtol=0.02)
    centred = x - x.mean()
    lag1 = (centred[1:] * centred[:-1]).mean() / centred.var()
    lag2 = (centred[2:] * centred[:-2]).mean() / centred.var()
    np.testing.assert_allclose([lag1, lag2], [rho, rho**2], atol=0.02)


def test_ou_noise_starts_from_x0_and_restarts_on_reset():
    np.random.seed(3)
    policy, noise = ou_noise(1, x0=[2.0], sigma=0.0, theta=1.0, dt=0.5)
    assert noise[0, 0] == pytest.approx(2.0 - 1.0 * 2.0 * 0.5)
    policy.get_action(observations(1)[0])
    policy.reset()
    assert policy.policy.resets == [None]
    action, _ = policy.get_action(observations(1)[0])
    assert action[0] == pytest.approx(1.0)


def test_ou_noise_runs_one_process_per_environment():
    np.random.seed(4)
    policy, noise = ou_noise(2000, n_envs=3, theta=0.5, dt=0.1)
    correlation = np.corrcoef(noise.T)
    np.testing.assert_allclose(correlation[np.triu_indices(3, 1)], 0, atol=0.3)
    before = policy._state.copy()
    policy.reset(np.array([False, True, False]))
    np.testing.assert_array_equal(policy._state[[0, 2]], before[[0, 2]])
    np.testing.assert_array_equal(policy._state[1], [0.0])


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'sigma': -1}, r'^sigma must be a number in \[0, inf\], got -1$'),
        ({'theta': -1}, r'^theta must be a number in \[0, inf\], got -1$'),
        ({'dt': 0}, r'^dt must be a number in \(0, inf\], got 0$'),
        ({'x0': [0.0, 1.0]}, r'x0 has shape \(2,\)'),
    ],
)
def test_ou_noise_checks_its_options(kwargs, message):
    spec = box_spec(dim=1)
    with pytest.raises(ValueError, match=message):
        AddOrnsteinUhlenbeckNoise(spec, ConstantPolicy(spec, [0.0]), **kwargs)


def test_ou_noise_needs_a_box_action_space():
    spec = discrete_spec()
    with pytest.raises(ValueError, match=r'needs an akro\.Box action'):
        AddOrnsteinUhlenbeckNoise(spec, ConstantPolicy(spec, 0))


# EpsilonGreedyPolicy


def test_epsilon_decays_linearly_then_stays():
    spec = discrete_spec()
    policy = EpsilonGreedyPolicy(
        spec,
        ConstantPolicy(spec, 0),
        total_timesteps=1000,
        max_epsilon=1.0,
        min_epsilon=0.1,
        decay_ratio=0.1,
    )
    assert policy.epsilon == 1.0
    policy.get_actions(observations(50))
    assert policy.epsilon == pytest.approx(0.55)
    policy.get_actions(observations(50))
    assert policy.epsilon == pytest.approx(0.1)
    policy.get_actions(observations(500))
    assert policy.epsilon == pytest.approx(0.1)


def test_random_actions_come_at_the_rate_epsilon():
    np.random.seed(5)
    spec = discrete_spec(4)
    policy = EpsilonGreedyPolicy(
        spec,
        ConstantPolicy(spec, 0),
        total_timesteps=10,
        max_epsilon=0.4,
        min_epsilon=0.4,
    )
    actions, _ = policy.get_actions(observations(100_000))
    assert actions.dtype == np.int64
    counts = np.bincount(actions, minlength=4) / len(actions)
    # greedy 0 with probability 0.6, plus a uniform 0..3 with 0.4
    np.testing.assert_allclose(counts, [0.7, 0.1, 0.1, 0.1], atol=0.005)
    action, _ = policy.get_action(observations(1)[0])
    assert action.shape == ()


def test_random_actions_follow_the_schedule_within_a_batch():
    np.random.seed(6)
    spec = discrete_spec(2)
    policy = EpsilonGreedyPolicy(
        spec,
        ConstantPolicy(spec, 0),
        total_timesteps=20_000,
        max_epsilon=1.0,
        min_epsilon=0.0,
        decay_ratio=1.0,
    )
    actions, _ = policy.get_actions(observations(20_000))
    first, last = actions[:2000].mean(), actions[-2000:].mean()
    # epsilon / 2 of the actions are 1: about 0.475 early, 0.025 late
    np.testing.assert_allclose([first, last], [0.475, 0.025], atol=0.03)


def test_epsilon_greedy_draws_box_actions_within_the_bounds():
    np.random.seed(7)
    spec = box_spec(dim=2, bound=2.0)
    policy = EpsilonGreedyPolicy(
        spec,
        ConstantPolicy(spec, [5.0, 5.0]),
        total_timesteps=10,
        max_epsilon=0.5,
        min_epsilon=0.5,
    )
    actions, _ = policy.get_actions(observations(10_000))
    random = actions[:, 0] != 5.0
    assert random.mean() == pytest.approx(0.5, abs=0.02)
    assert np.abs(actions[random]).max() <= 2.0
    np.testing.assert_allclose(actions[random].mean(axis=0), 0, atol=0.05)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'max_epsilon': 1.5}, r'max_epsilon must be a number in \[0, 1\], got 1.5'),
        ({'min_epsilon': -0.1}, r'min_epsilon must be a number in \[0, 1\]'),
        ({'total_timesteps': -5}, 'total_timesteps must be a positive'),
    ],
)
def test_epsilon_greedy_checks_its_options(kwargs, message):
    spec = discrete_spec()
    kwargs = {'total_timesteps': 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        EpsilonGreedyPolicy(spec, ConstantPolicy(spec, 0), **kwargs)


def test_epsilon_greedy_needs_an_array_action_space():
    spec = EnvSpec(
        akro.Box(-1.0, 1.0, (3,)), akro.Tuple((akro.Discrete(2), akro.Discrete(2)))
    )
    with pytest.raises(ValueError, match=r'needs a Discrete, Box, MultiDiscrete or'):
        EpsilonGreedyPolicy(spec, ConstantPolicy(spec, 0), total_timesteps=10)


def test_exploration_policies_pass_on_spec_resets_and_parameters():
    spec = box_spec()
    inner = ConstantPolicy(spec, [0.0, 0.0])
    policy = AddOrnsteinUhlenbeckNoise(spec, inner)
    assert policy.env_spec is spec
    mask = np.array([True])
    policy.reset(mask)
    assert inner.resets == [mask]
    assert policy.get_param_values() == {'w': 1}
    policy.set_param_values({'w': 3})
    assert inner.params == {'w': 3}
    policy.update(batch_of(3))  # nothing to count
