import inspect
import pickle

import numpy as np
import pytest
import torch
from torch.distributions import Categorical

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import (
    CategoricalCNNPolicy,
    DiscreteCNNPolicy,
    StochasticPolicy,
)

SHAPE = (4, 10, 8)  # NCHW: four stacked frames


def make_policy(space=None, actions=None, **kwargs):
    env_spec = EnvSpec(space or akro.Image(SHAPE), actions or akro.Discrete(3))
    return DiscreteCNNPolicy(
        env_spec,
        'NCHW',
        kernel_sizes=(3,),
        hidden_channels=(4,),
        strides=(1,),
        hidden_sizes=(8,),
        **kwargs,
    )


def images(n, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (n, *SHAPE), dtype=np.uint8)


def test_signature_is_the_originals():
    parameters = list(inspect.signature(DiscreteCNNPolicy).parameters)
    assert parameters[:6] == [
        'env_spec',
        'image_format',
        'kernel_sizes',
        'hidden_channels',
        'strides',
        'hidden_sizes',
    ]
    assert parameters[-1] == 'name'
    policy = make_policy()
    assert policy.name == 'DiscreteCNNPolicy'
    assert isinstance(policy, StochasticPolicy)
    assert isinstance(policy, CategoricalCNNPolicy)


def test_separate_nonlinearities():
    policy = make_policy(
        cnn_hidden_nonlinearity=torch.nn.Tanh, mlp_hidden_nonlinearity=torch.nn.ELU
    )
    kinds = {type(module) for module in policy.modules()}
    assert torch.nn.Tanh in kinds
    assert torch.nn.ELU in kinds
    assert torch.nn.ReLU not in kinds


def test_categorical_over_actions():
    policy = make_policy()
    dist, info = policy(torch.as_tensor(images(5)))
    assert isinstance(dist, Categorical)
    assert dist.batch_shape == (5,)
    assert info['probs'].shape == (5, 3)
    torch.testing.assert_close(info['probs'].sum(dim=1), torch.ones(5))


def test_get_actions_flat_or_shaped_and_deterministic():
    policy = make_policy()
    obs = images(6)
    actions, info = policy.get_actions(obs)
    assert actions.shape == (6,)
    assert set(actions) <= {0, 1, 2}
    policy.deterministic = True
    greedy, info = policy.get_actions(obs.reshape(6, -1))
    np.testing.assert_array_equal(greedy, info['probs'].argmax(axis=1))
    action, _ = policy.get_action(obs[0])
    assert action == greedy[0]


def test_uint8_images_are_scaled():
    policy = make_policy()
    obs = images(2)
    _, from_uint8 = policy(torch.as_tensor(obs))
    _, from_float = policy(torch.as_tensor(obs, dtype=torch.float32))
    torch.testing.assert_close(from_uint8['probs'], from_float['probs'])


def test_rejects_other_spaces():
    with pytest.raises(ValueError, match=r'DiscreteCNNPolicy needs an akro\.Discrete'):
        make_policy(actions=akro.Box(-1.0, 1.0, (2,)))
    with pytest.raises(ValueError, match='three-dimensional'):
        make_policy(space=akro.Box(0.0, 1.0, (12,)))


def test_pickles():
    policy = make_policy()
    obs = images(3)
    copy = pickle.loads(pickle.dumps(policy))
    torch.testing.assert_close(
        copy(torch.as_tensor(obs))[1]['probs'], policy(torch.as_tensor(obs))[1]['probs']
    )
