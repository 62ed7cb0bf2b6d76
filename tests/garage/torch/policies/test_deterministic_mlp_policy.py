import pickle

import cloudpickle
import numpy as np
import pytest
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import DeterministicMLPPolicy, Policy


def make_spec(obs_shape=(3,), action_dim=2):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, obs_shape, np.float32),
        akro.Box(-1.0, 1.0, (action_dim,), np.float32),
    )


def linears(policy):
    return [m for m in policy.modules() if isinstance(m, torch.nn.Linear)]


def test_defaults():
    policy = DeterministicMLPPolicy(make_spec())
    assert isinstance(policy, Policy)
    assert policy.name == 'DeterministicMLPPolicy'
    assert [m.out_features for m in linears(policy)] == [32, 32, 2]


def test_rejects_discrete_actions():
    env_spec = EnvSpec(akro.Box(-1.0, 1.0, (3,)), akro.Discrete(2))
    with pytest.raises(
        ValueError,
        match=r'DeterministicMLPPolicy needs an '
        r'akro\.Box action space',
    ):
        DeterministicMLPPolicy(env_spec)


@pytest.mark.parametrize('key', ['input_dim', 'output_dim'])
def test_dimensions_come_from_the_spec(key):
    with pytest.raises(TypeError, match=f'{key} comes from env_spec'):
        DeterministicMLPPolicy(make_spec(), **{key: 4})


def test_unknown_option_is_rejected():
    with pytest.raises(TypeError, match='unexpected keyword'):
        DeterministicMLPPolicy(make_spec(), hidden_size=(8,))


def test_output_is_linear_by_default_as_in_the_original():
    # the original garage's call, with no output_nonlinearity
    policy = DeterministicMLPPolicy(env_spec=make_spec(), hidden_sizes=(4,))
    assert [m.out_features for m in linears(policy)] == [4, 2]
    with torch.no_grad():
        linears(policy)[-1].weight.zero_()
        linears(policy)[-1].bias.copy_(torch.tensor([5.0, -3.0]))
    action, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(action, [5.0, -3.0])
    assert info == {}


def test_tanh_output_when_asked():
    policy = DeterministicMLPPolicy(make_spec(), output_nonlinearity=torch.tanh)
    with torch.no_grad():
        linears(policy)[-1].weight.zero_()
        linears(policy)[-1].bias.copy_(torch.tensor([0.5, -20.0]))
    action, info = policy.get_action(np.ones(3))
    np.testing.assert_allclose(action, np.tanh([0.5, -20.0]), rtol=1e-6)
    assert info == {}


def test_get_actions_matches_forward():
    policy = DeterministicMLPPolicy(make_spec(obs_shape=(2, 2)))
    observations = np.random.default_rng(0).standard_normal((5, 2, 2))
    actions, info = policy.get_actions(observations)
    expected = policy(torch.as_tensor(observations.reshape(5, 4), dtype=torch.float32))
    assert actions.shape == (5, 2)
    np.testing.assert_allclose(actions, expected.detach().numpy(), rtol=1e-6)
    assert info == {}
    single, _ = policy.get_action(observations[1])
    np.testing.assert_allclose(single, actions[1], rtol=1e-5)


def test_wrong_shape_names_expected_shape():
    policy = DeterministicMLPPolicy(make_spec())
    with pytest.raises(ValueError, match=r'but expected \(3,\)'):
        policy.get_action(np.ones(2))


def test_gradients_flow_from_the_actions():
    policy = DeterministicMLPPolicy(make_spec())
    policy(torch.randn(4, 3)).sum().backward()
    for name, parameter in policy.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_actions(dumps, loads):
    policy = DeterministicMLPPolicy(make_spec())
    observation = np.array([0.1, 0.2, 0.3])
    clone = loads(dumps(policy))
    np.testing.assert_array_equal(
        clone.get_action(observation)[0], policy.get_action(observation)[0]
    )


def test_param_values_round_trip():
    source = DeterministicMLPPolicy(make_spec())
    target = DeterministicMLPPolicy(make_spec())
    target.set_param_values(source.get_param_values())
    np.testing.assert_array_equal(
        target.get_action(np.ones(3))[0], source.get_action(np.ones(3))[0]
    )


def test_float64_policy():
    policy = DeterministicMLPPolicy(make_spec()).to(torch.float64)
    assert policy.get_actions(np.ones((2, 3)))[0].dtype == np.float64
