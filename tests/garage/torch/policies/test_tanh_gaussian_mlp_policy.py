import math
import pickle

import cloudpickle
import numpy as np
import pytest
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.distributions import TanhNormal
from garage.torch.policies import StochasticPolicy, TanhGaussianMLPPolicy


def make_spec(obs_shape=(3,), action_dim=2):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, obs_shape, np.float32),
        akro.Box(-1.0, 1.0, (action_dim,), np.float32),
    )


def heads(policy):
    """The two output layers: the mean head, then the std head."""
    return [m for m in policy.modules() if isinstance(m, torch.nn.Linear)][-2:]


def fixed_policy(mean, std, **kwargs):
    """A policy whose Gaussian is N(mean, std**2) for every observation."""
    policy = TanhGaussianMLPPolicy(make_spec(action_dim=len(mean)), **kwargs)
    mean_head, std_head = heads(policy)
    with torch.no_grad():
        mean_head.weight.zero_()
        mean_head.bias.copy_(torch.as_tensor(mean))
        std_head.weight.zero_()
        std_head.bias.copy_(torch.log(torch.as_tensor(std)))
    return policy


def test_defaults():
    policy = TanhGaussianMLPPolicy(make_spec())
    assert isinstance(policy, StochasticPolicy)
    assert policy.name == 'TanhGaussianPolicy'
    assert [
        m.out_features for m in policy.modules() if isinstance(m, torch.nn.Linear)
    ] == [32, 32, 2, 2]
    assert any(isinstance(m, torch.nn.ReLU) for m in policy.modules())


def test_rejects_discrete_actions():
    env_spec = EnvSpec(akro.Box(-1.0, 1.0, (3,)), akro.Discrete(2))
    with pytest.raises(
        ValueError,
        match=r'TanhGaussianMLPPolicy needs an '
        r'akro\.Box action space',
    ):
        TanhGaussianMLPPolicy(env_spec)


def test_shapes_and_infos():
    policy = TanhGaussianMLPPolicy(make_spec(obs_shape=(2, 2)))
    action, info = policy.get_action(np.ones((2, 2)))
    assert action.shape == (2,)
    assert set(info) == {'mean', 'log_std'}
    assert info['mean'].shape == info['log_std'].shape == (2,)
    actions, info = policy.get_actions(np.ones((5, 4)))
    assert actions.shape == (5, 2)
    assert info['mean'].shape == info['log_std'].shape == (5, 2)


def test_wrong_shape_names_expected_shape():
    policy = TanhGaussianMLPPolicy(make_spec())
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(4,\), '
        r'but expected \(N, 3\)',
    ):
        policy.get_actions(np.ones(4))


def test_actions_lie_in_the_open_interval():
    policy = fixed_policy([0.0, 2.0], [1.0, 1.0])
    actions, _ = policy.get_actions(np.ones((5000, 3)))
    assert np.all(np.abs(actions) < 1.0)
    assert np.abs(actions).max() > 0.99


def test_extreme_actions_stay_in_the_action_space():
    # float32 tanh rounds to 1.0 beyond about 9: the closed interval holds
    policy = fixed_policy([50.0, -50.0], [7.0, 7.0])
    actions, _ = policy.get_actions(np.ones((100, 3)))
    assert np.all(np.isfinite(actions))
    assert np.all(np.abs(actions) <= 1.0)


def test_samples_are_tanh_of_the_gaussian():
    policy = fixed_policy([0.5, -1.0], [0.4, 0.2])
    torch.manual_seed(0)
    actions, info = policy.get_actions(np.ones((20000, 3)))
    pre_tanh = np.arctanh(actions.astype(np.float64))
    np.testing.assert_allclose(pre_tanh.mean(axis=0), [0.5, -1.0], atol=0.01)
    np.testing.assert_allclose(pre_tanh.std(axis=0), [0.4, 0.2], rtol=0.03)
    np.testing.assert_allclose(info['mean'][0], np.tanh([0.5, -1.0]), rtol=1e-6)
    np.testing.assert_allclose(info['log_std'][0], np.log([0.4, 0.2]), rtol=1e-5)


def test_std_bounds_apply():
    policy = fixed_policy([0.0], [1e-12], min_std=0.1)
    _, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(info['log_std'], [math.log(0.1)], rtol=1e-6)
    policy = fixed_policy([0.0], [100.0])
    _, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(info['log_std'], [2.0], rtol=1e-6)


def test_deterministic_mode_returns_the_tanh_of_the_mean():
    policy = fixed_policy([0.5, -1.0], [0.4, 0.2])
    policy.deterministic = True
    action, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(action, np.tanh([0.5, -1.0]), rtol=1e-6)
    np.testing.assert_array_equal(action, info['mean'])
    action += 1.0
    np.testing.assert_allclose(info['mean'], np.tanh([0.5, -1.0]), rtol=1e-6)


def test_info_matches_forward():
    policy = TanhGaussianMLPPolicy(make_spec())
    observations = np.random.default_rng(1).standard_normal((4, 3))
    _, info = policy.get_actions(observations)
    dist, forward_info = policy(torch.as_tensor(observations, dtype=torch.float32))
    assert isinstance(dist, TanhNormal)
    for key in ('mean', 'log_std'):
        np.testing.assert_allclose(
            info[key], forward_info[key].detach().numpy(), rtol=1e-5, atol=1e-7
        )


def test_log_prob_is_finite_and_differentiable():
    policy = TanhGaussianMLPPolicy(make_spec())
    dist, _ = policy(torch.randn(64, 3))
    pre_tanh, actions = dist.rsample_with_pre_tanh_value()
    log_prob = dist.log_prob(actions, pre_tanh_value=pre_tanh)
    assert log_prob.shape == (64,)
    assert torch.isfinite(log_prob).all()
    assert torch.isfinite(dist.log_prob(actions)).all()
    log_prob.sum().backward()
    for name, parameter in policy.named_parameters():
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all(), name
    _, std_head = heads(policy)
    assert std_head.bias.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_means(dumps, loads):
    policy = TanhGaussianMLPPolicy(make_spec())
    observations = np.random.default_rng(2).standard_normal((3, 3))
    clone = loads(dumps(policy))
    _, expected = policy.get_actions(observations)
    _, got = clone.get_actions(observations)
    np.testing.assert_array_equal(got['mean'], expected['mean'])
    np.testing.assert_array_equal(got['log_std'], expected['log_std'])


def test_param_values_round_trip():
    source = TanhGaussianMLPPolicy(make_spec())
    target = TanhGaussianMLPPolicy(make_spec())
    target.set_param_values(source.get_param_values())
    _, expected = source.get_action(np.ones(3))
    _, got = target.get_action(np.ones(3))
    np.testing.assert_array_equal(got['mean'], expected['mean'])


def test_float64_policy():
    policy = TanhGaussianMLPPolicy(make_spec()).to(torch.float64)
    action, info = policy.get_action(np.ones(3))
    assert action.dtype == info['log_std'].dtype == np.float64
