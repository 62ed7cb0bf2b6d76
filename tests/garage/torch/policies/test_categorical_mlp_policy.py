import pickle

import cloudpickle
import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import CategoricalMLPPolicy, StochasticPolicy


def make_spec(obs_shape=(4,), n_actions=3):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, obs_shape, np.float32), akro.Discrete(n_actions)
    )


def fixed_logits_policy(logits, **kwargs):
    """A policy whose logits are ``logits`` whatever the observation."""
    policy = CategoricalMLPPolicy(make_spec(n_actions=len(logits)), **kwargs)
    linear = [m for m in policy.modules() if isinstance(m, torch.nn.Linear)][-1]
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.as_tensor(logits))
    return policy


def test_is_stochastic_with_defaults():
    policy = CategoricalMLPPolicy(make_spec())
    assert isinstance(policy, StochasticPolicy)
    assert policy.name == 'CategoricalMLPPolicy'
    linears = [m for m in policy.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [32, 32, 3]


def test_rejects_box_actions():
    env_spec = EnvSpec(akro.Box(-1.0, 1.0, (4,)), akro.Box(-1.0, 1.0, (2,)))
    with pytest.raises(
        ValueError,
        match='CategoricalMLPPolicy needs an '
        'akro.Discrete action space, but the environment has '
        r'Box\(',
    ):
        CategoricalMLPPolicy(env_spec)


def test_single_action_and_probs():
    policy = CategoricalMLPPolicy(make_spec())
    action, info = policy.get_action(np.zeros(4, np.float32))
    assert action.shape == ()
    assert np.issubdtype(action.dtype, np.integer)
    assert 0 <= action < 3
    assert set(info) == {'probs'}
    assert info['probs'].shape == (3,)
    np.testing.assert_allclose(info['probs'].sum(), 1.0, rtol=1e-6)


def test_batch_actions_and_probs():
    policy = CategoricalMLPPolicy(make_spec())
    actions, info = policy.get_actions(np.zeros((6, 4)))
    assert actions.shape == (6,)
    assert info['probs'].shape == (6, 3)


def test_unflattened_image_observations():
    policy = CategoricalMLPPolicy(EnvSpec(akro.Image((3, 3, 2)), akro.Discrete(2)))
    images = np.random.default_rng(0).integers(0, 256, (5, 3, 3, 2), dtype=np.uint8)
    _, info = policy.get_actions(images)
    _, flat_info = policy.get_actions(images.reshape(5, 18))
    _, single_info = policy.get_action(images[0])
    np.testing.assert_array_equal(info['probs'], flat_info['probs'])
    np.testing.assert_allclose(single_info['probs'], info['probs'][0], rtol=1e-5)


def test_wrong_batch_shape_names_expected_shape():
    policy = CategoricalMLPPolicy(make_spec())
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(2, 5\), '
        r'but expected \(N, 4\)',
    ):
        policy.get_actions(np.zeros((2, 5)))


def test_samples_match_probs():
    logits = np.log([0.2, 0.5, 0.3])
    policy = fixed_logits_policy(logits)
    torch.manual_seed(0)
    actions, info = policy.get_actions(np.ones((20000, 4)))
    frequencies = np.bincount(actions, minlength=3) / len(actions)
    np.testing.assert_allclose(frequencies, [0.2, 0.5, 0.3], atol=0.015)
    np.testing.assert_allclose(info['probs'][0], [0.2, 0.5, 0.3], rtol=1e-5)


def test_single_samples_match_probs():
    policy = fixed_logits_policy(np.log([0.7, 0.1, 0.2]))
    torch.manual_seed(1)
    actions = [int(policy.get_action(np.ones(4))[0]) for _ in range(3000)]
    frequencies = np.bincount(actions, minlength=3) / len(actions)
    np.testing.assert_allclose(frequencies, [0.7, 0.1, 0.2], atol=0.03)


def test_zero_probability_actions_are_never_taken():
    policy = fixed_logits_policy([0.0, -np.inf, 0.0])
    actions, _ = policy.get_actions(np.ones((2000, 4)))
    assert set(actions.tolist()) == {0, 2}


def test_deterministic_mode_takes_the_most_probable_action():
    policy = fixed_logits_policy(np.log([0.2, 0.5, 0.3]))
    policy.deterministic = True
    assert policy.get_action(np.ones(4))[0] == 1
    np.testing.assert_array_equal(policy.get_actions(np.ones((5, 4)))[0], [1] * 5)


def test_forward_gives_a_categorical_with_gradients():
    policy = CategoricalMLPPolicy(make_spec())
    dist, info = policy(torch.randn(5, 4))
    assert isinstance(dist, Categorical)
    assert dist.batch_shape == (5,)
    torch.testing.assert_close(info['probs'], dist.probs)
    dist.log_prob(torch.tensor([0, 1, 2, 0, 1])).sum().backward()
    for name, parameter in policy.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


def test_probs_match_forward():
    policy = CategoricalMLPPolicy(make_spec())
    observations = np.random.default_rng(2).standard_normal((3, 4))
    _, info = policy.get_actions(observations)
    dist, _ = policy(torch.as_tensor(observations, dtype=torch.float32))
    np.testing.assert_allclose(info['probs'], dist.probs.detach().numpy(), rtol=1e-5)


def test_param_values_round_trip():
    source = CategoricalMLPPolicy(make_spec())
    target = CategoricalMLPPolicy(make_spec())
    target.set_param_values(source.get_param_values())
    observation = np.ones(4)
    np.testing.assert_array_equal(
        target.get_action(observation)[1]['probs'],
        source.get_action(observation)[1]['probs'],
    )


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_probs(dumps, loads):
    policy = CategoricalMLPPolicy(make_spec())
    observations = np.random.default_rng(3).standard_normal((3, 4))
    clone = loads(dumps(policy))
    np.testing.assert_array_equal(
        clone.get_actions(observations)[1]['probs'],
        policy.get_actions(observations)[1]['probs'],
    )


def test_float64_policy():
    policy = CategoricalMLPPolicy(make_spec()).to(torch.float64)
    _, info = policy.get_action(np.ones(4, np.float32))
    assert info['probs'].dtype == np.float64


def test_discrete_observations():
    env_spec = EnvSpec(akro.Discrete(5), akro.Discrete(2))
    policy = CategoricalMLPPolicy(env_spec)
    _, info = policy.get_action(3)
    _, batch_info = policy.get_actions([3, 3])
    np.testing.assert_allclose(batch_info['probs'][1], info['probs'], rtol=1e-6)
