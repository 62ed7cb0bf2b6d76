import pickle

import cloudpickle
import numpy as np
import pytest
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import GaussianMLPPolicy, StochasticPolicy


def make_spec(obs_shape=(3,), action_dim=2):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, obs_shape, np.float32),
        akro.Box(-1.0, 1.0, (action_dim,), np.float32),
    )


def output_linear(policy):
    return [m for m in policy.modules() if isinstance(m, torch.nn.Linear)][-1]


def fixed_mean_policy(mean, **kwargs):
    """A policy whose mean is ``mean`` whatever the observation."""
    policy = GaussianMLPPolicy(make_spec(action_dim=len(mean)), **kwargs)
    linear = output_linear(policy)
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.as_tensor(mean))
    return policy


def test_is_stochastic():
    assert isinstance(GaussianMLPPolicy(make_spec()), StochasticPolicy)


def test_defaults():
    policy = GaussianMLPPolicy(make_spec())
    assert policy.name == 'GaussianMLPPolicy'
    hidden = [m for m in policy.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in hidden] == [32, 32, 2]


def test_rejects_discrete_actions():
    env_spec = EnvSpec(akro.Box(-1.0, 1.0, (3,)), akro.Discrete(2))
    with pytest.raises(
        ValueError,
        match=r'GaussianMLPPolicy needs an '
        r'akro.Box action space, but the environment has '
        r'Discrete\(2\)',
    ):
        GaussianMLPPolicy(env_spec)


def test_single_observation_shapes():
    policy = GaussianMLPPolicy(make_spec())
    action, info = policy.get_action(np.zeros(3, np.float32))
    assert action.shape == (2,)
    assert action.dtype == np.float32
    assert set(info) == {'mean', 'log_std'}
    assert info['mean'].shape == (2,)
    assert info['log_std'].shape == (2,)


@pytest.mark.parametrize('batch_size', [1, 5])
def test_batch_shapes(batch_size):
    policy = GaussianMLPPolicy(make_spec())
    actions, info = policy.get_actions(np.zeros((batch_size, 3)))
    assert actions.shape == (batch_size, 2)
    assert info['mean'].shape == (batch_size, 2)
    assert info['log_std'].shape == (batch_size, 2)


def test_unflattened_observations():
    policy = GaussianMLPPolicy(make_spec(obs_shape=(2, 3)))
    observations = np.random.default_rng(0).standard_normal((4, 2, 3))
    _, info = policy.get_actions(observations)
    _, flat_info = policy.get_actions(observations.reshape(4, 6))
    _, single_info = policy.get_action(observations[0])
    np.testing.assert_allclose(info['mean'], flat_info['mean'])
    np.testing.assert_allclose(single_info['mean'], info['mean'][0], rtol=1e-5)


def test_wrong_observation_shape_names_expected_shape():
    policy = GaussianMLPPolicy(make_spec(obs_shape=(2, 3)))
    with pytest.raises(ValueError, match=r'but expected \(2, 3\) or \(6,\)'):
        policy.get_action(np.zeros(5))


def test_samples_match_mean_and_std():
    policy = fixed_mean_policy([1.5, -0.5], init_std=0.3)
    torch.manual_seed(1)
    actions, info = policy.get_actions(np.ones((20000, 3)))
    np.testing.assert_allclose(actions.mean(axis=0), [1.5, -0.5], atol=0.01)
    np.testing.assert_allclose(actions.std(axis=0), [0.3, 0.3], rtol=0.03)
    np.testing.assert_allclose(info['mean'], np.tile([1.5, -0.5], (20000, 1)))
    np.testing.assert_allclose(info['log_std'], np.log(0.3), rtol=1e-6)


def test_single_samples_match_mean_and_std():
    policy = fixed_mean_policy([0.25, 2.0], init_std=2.0)
    torch.manual_seed(2)
    actions = np.array([policy.get_action(np.ones(3))[0] for _ in range(4000)])
    np.testing.assert_allclose(actions.mean(axis=0), [0.25, 2.0], atol=0.15)
    np.testing.assert_allclose(actions.std(axis=0), [2.0, 2.0], rtol=0.05)


@pytest.mark.parametrize(
    ('kwargs', 'std'),
    [
        ({'init_std': 0.01, 'min_std': 0.1}, 0.1),
        ({'init_std': 5.0, 'max_std': 2.0}, 2.0),
        ({'init_std': 0.7, 'std_parameterization': 'softplus'}, 0.7),
    ],
)
def test_std_options_reach_the_samples(kwargs, std):
    policy = fixed_mean_policy([0.0, 0.0], **kwargs)
    torch.manual_seed(3)
    actions, info = policy.get_actions(np.ones((20000, 3)))
    np.testing.assert_allclose(actions.std(axis=0), [std, std], rtol=0.03)
    np.testing.assert_allclose(info['log_std'], np.log(std), rtol=1e-5, atol=1e-6)


def test_sampling_matches_the_distribution_of_forward():
    policy = GaussianMLPPolicy(make_spec(), init_std=0.5)
    observations = np.random.default_rng(4).standard_normal((3, 3))
    _, info = policy.get_actions(observations)
    dist, forward_info = policy(torch.as_tensor(observations, dtype=torch.float32))
    np.testing.assert_allclose(info['mean'], dist.mean.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        info['log_std'], dist.stddev.log().detach().numpy(), rtol=1e-5
    )
    assert set(forward_info) == set(info)


def test_same_seed_same_actions():
    policy = GaussianMLPPolicy(make_spec())
    torch.manual_seed(5)
    first = policy.get_action(np.ones(3))[0]
    torch.manual_seed(5)
    np.testing.assert_array_equal(policy.get_action(np.ones(3))[0], first)


def test_deterministic_mode_returns_the_mean():
    policy = fixed_mean_policy([0.3, -0.7])
    policy.deterministic = True
    action, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(action, [0.3, -0.7], rtol=1e-6)
    np.testing.assert_array_equal(action, info['mean'])
    actions, infos = policy.get_actions(np.ones((4, 3)))
    np.testing.assert_array_equal(actions, infos['mean'])


def test_deterministic_action_is_not_the_info_array():
    policy = fixed_mean_policy([0.3, -0.7])
    policy.deterministic = True
    action, info = policy.get_action(np.ones(3))
    action += 1.0
    np.testing.assert_allclose(info['mean'], [0.3, -0.7], rtol=1e-6)


def test_agent_info_does_not_alias_the_std_parameter():
    policy = GaussianMLPPolicy(make_spec(), min_std=None)
    _, info = policy.get_action(np.zeros(3))
    info['log_std'][:] = 3.0
    _, info = policy.get_actions(np.zeros((2, 3)))
    info['log_std'][:] = 3.0
    np.testing.assert_array_equal(
        policy.get_action(np.zeros(3))[1]['log_std'], [0.0, 0.0]
    )


def test_fixed_std_without_bounds():
    policy = GaussianMLPPolicy(make_spec(), learn_std=False, min_std=None, init_std=2.0)
    _, info = policy.get_action(np.zeros(3))
    np.testing.assert_allclose(info['log_std'], np.log([2.0, 2.0]))


def test_gradients_reach_mean_and_std_parameters():
    policy = GaussianMLPPolicy(make_spec())
    dist, _ = policy(torch.randn(5, 3))
    dist.log_prob(torch.randn(5, 2)).sum().backward()
    for name, parameter in policy.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name
    std_names = [n for n, _ in policy.named_parameters() if 'std' in n]
    assert std_names


def test_learn_std_false_has_no_std_parameter_to_train():
    policy = GaussianMLPPolicy(make_spec(), learn_std=False)
    assert not any('std' in n for n, p in policy.named_parameters() if p.requires_grad)


def test_param_values_round_trip():
    source = GaussianMLPPolicy(make_spec(), init_std=0.5)
    target = GaussianMLPPolicy(make_spec())
    target.set_param_values(source.get_param_values())
    observation = np.ones(3)
    _, expected = source.get_action(observation)
    _, got = target.get_action(observation)
    np.testing.assert_array_equal(got['mean'], expected['mean'])
    np.testing.assert_array_equal(got['log_std'], expected['log_std'])


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_means(dumps, loads):
    policy = GaussianMLPPolicy(make_spec(), init_std=0.4)
    observations = np.random.default_rng(6).standard_normal((3, 3))
    clone = loads(dumps(policy))
    _, expected = policy.get_actions(observations)
    _, got = clone.get_actions(observations)
    np.testing.assert_array_equal(got['mean'], expected['mean'])
    np.testing.assert_array_equal(got['log_std'], expected['log_std'])


def test_float64_policy():
    policy = GaussianMLPPolicy(make_spec()).to(torch.float64)
    action, info = policy.get_action(np.ones(3, np.float32))
    assert action.dtype == np.float64
    assert info['mean'].dtype == np.float64
    dist, _ = policy(torch.ones(2, 3, dtype=torch.float64))
    assert dist.mean.dtype == torch.float64


def test_to_cpu():
    policy = GaussianMLPPolicy(make_spec())
    assert policy.to('cpu') is policy
    assert policy.get_action(np.ones(3))[0].shape == (2,)
