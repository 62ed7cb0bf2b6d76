import pickle

import cloudpickle
import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import CategoricalCNNPolicy, StochasticPolicy

IMAGE_SHAPE = (8, 8, 3)


def make_spec(space=None, n_actions=4):
    return EnvSpec(space or akro.Image(IMAGE_SHAPE), akro.Discrete(n_actions))


def make_policy(env_spec=None, **kwargs):
    return CategoricalCNNPolicy(
        env_spec or make_spec(),
        'NHWC',
        kernel_sizes=(3,),
        hidden_channels=(4,),
        strides=(1,),
        hidden_sizes=(8,),
        **kwargs,
    )


def images(n, seed=0):
    return np.random.default_rng(seed).integers(
        0, 256, (n, *IMAGE_SHAPE), dtype=np.uint8
    )


def output_linear(policy):
    return [m for m in policy.modules() if isinstance(m, torch.nn.Linear)][-1]


def test_is_stochastic():
    policy = make_policy()
    assert isinstance(policy, StochasticPolicy)
    assert policy.name == 'CategoricalCNNPolicy'
    assert any(isinstance(m, torch.nn.Conv2d) for m in policy.modules())


def test_rejects_box_actions():
    env_spec = EnvSpec(akro.Image(IMAGE_SHAPE), akro.Box(-1.0, 1.0, (2,)))
    with pytest.raises(
        ValueError,
        match=r'CategoricalCNNPolicy needs an '
        r'akro\.Discrete action space',
    ):
        make_policy(env_spec)


def test_rejects_flat_observation_space():
    env_spec = make_spec(akro.Box(-1.0, 1.0, (12,)))
    with pytest.raises(
        ValueError,
        match=r'needs a three-dimensional akro\.Box '
        r'\(or akro\.Image\) observation space',
    ):
        make_policy(env_spec)


def test_single_and_batch_shapes():
    policy = make_policy()
    action, info = policy.get_action(images(1)[0])
    assert action.shape == ()
    assert 0 <= action < 4
    assert info['probs'].shape == (4,)
    actions, info = policy.get_actions(images(5))
    assert actions.shape == (5,)
    assert info['probs'].shape == (5, 4)


def test_flattened_and_image_observations_agree():
    policy = make_policy()
    batch = images(3)
    _, info = policy.get_actions(batch)
    _, flat_info = policy.get_actions(batch.reshape(3, -1))
    _, single_info = policy.get_action(batch[1].reshape(-1))
    np.testing.assert_array_equal(info['probs'], flat_info['probs'])
    np.testing.assert_allclose(single_info['probs'], info['probs'][1], rtol=1e-5)


def test_wrong_shape_names_expected_shapes():
    policy = make_policy()
    with pytest.raises(
        ValueError,
        match=r'observation has shape \(8, 8\), '
        r'but expected \(8, 8, 3\) or \(192,\)',
    ):
        policy.get_action(np.zeros((8, 8)))


def test_probs_match_forward_on_scaled_pixels():
    policy = make_policy()
    batch = images(4)
    _, info = policy.get_actions(batch)
    dist, forward_info = policy(torch.as_tensor(batch, dtype=torch.float32))
    assert isinstance(dist, Categorical)
    np.testing.assert_allclose(info['probs'], dist.probs.detach().numpy(), rtol=1e-5)
    torch.testing.assert_close(forward_info['probs'], dist.probs)


def test_is_image_scales_pixels():
    scaled = make_policy()
    unscaled = make_policy(is_image=False)
    unscaled.set_param_values(scaled.get_param_values())
    batch = images(2)
    _, info = scaled.get_actions(batch)
    _, unscaled_info = unscaled.get_actions(batch.astype(np.float32) / 255)
    np.testing.assert_allclose(info['probs'], unscaled_info['probs'], rtol=1e-5)


def test_samples_match_probs():
    policy = make_policy()
    linear = output_linear(policy)
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4])))
    torch.manual_seed(0)
    batch = np.repeat(images(1), 20000, axis=0)
    actions, _ = policy.get_actions(batch)
    frequencies = np.bincount(actions, minlength=4) / len(actions)
    np.testing.assert_allclose(frequencies, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    policy.deterministic = True
    assert policy.get_action(batch[0])[0] == 3


def test_gradients_reach_every_parameter():
    policy = make_policy()
    dist, _ = policy(torch.as_tensor(images(3), dtype=torch.float32))
    dist.log_prob(torch.tensor([0, 1, 2])).sum().backward()
    for name, parameter in policy.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_probs(dumps, loads):
    policy = make_policy()
    clone = loads(dumps(policy))
    np.testing.assert_array_equal(
        clone.get_actions(images(2))[1]['probs'],
        policy.get_actions(images(2))[1]['probs'],
    )


def test_float64_policy():
    policy = make_policy().to(torch.float64)
    assert policy.get_action(images(1)[0])[1]['probs'].dtype == np.float64
