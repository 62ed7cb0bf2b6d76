import functools
import math
import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.value_functions import GaussianMLPValueFunction, ValueFunction


@pytest.fixture
def env_spec():
    return EnvSpec(
        akro.Box(low=-1.0, high=1.0, shape=(2, 2)),
        akro.Box(low=-1.0, high=1.0, shape=(1,)),
    )


def test_is_a_value_function_with_name_and_spec(env_spec):
    vf = GaussianMLPValueFunction(env_spec, name='vf')
    assert isinstance(vf, ValueFunction)
    assert vf.name == 'vf'
    assert vf.env_spec is env_spec
    assert GaussianMLPValueFunction(env_spec).name == 'GaussianMLPValueFunction'


def test_value_function_base_is_abstract(env_spec):
    with pytest.raises(TypeError, match='abstract'):
        ValueFunction(env_spec, 'vf')


def test_forward_returns_one_value_per_observation(env_spec):
    vf = GaussianMLPValueFunction(env_spec)
    assert vf(torch.randn(5, 4)).shape == (5,)


def test_observations_in_space_shape_match_flattened(env_spec):
    vf = GaussianMLPValueFunction(env_spec)
    obs = torch.randn(5, 2, 2)
    assert torch.equal(vf(obs), vf(obs.reshape(5, 4)))
    returns = torch.randn(5)
    assert torch.equal(
        vf.compute_loss(obs, returns), vf.compute_loss(obs.reshape(5, 4), returns)
    )


def test_wrong_observation_shape_raises_naming_expected_shape(env_spec):
    vf = GaussianMLPValueFunction(env_spec)
    with pytest.raises(
        ValueError,
        match=r'expected shape \(\.\.\., 4\) '
        r'\(flattened\) or \(\.\.\., \*\(2, 2\)\)',
    ):
        vf(torch.randn(5, 3))


def test_returns_of_wrong_size_raise(env_spec):
    vf = GaussianMLPValueFunction(env_spec)
    with pytest.raises(
        ValueError,
        match=r'returns of shape \(4,\) do not '
        r'match the 5 observations: expected shape \(5,\)',
    ):
        vf.compute_loss(torch.randn(5, 4), torch.randn(4))


def test_loss_is_negative_log_likelihood(env_spec):
    vf = GaussianMLPValueFunction(
        env_spec,
        init_std=2.0,
        output_w_init=nn.init.zeros_,
        output_b_init=functools.partial(nn.init.constant_, val=1.0),
    )
    returns = torch.tensor([1.0, 3.0, -1.0])
    loss = vf.compute_loss(torch.randn(3, 4), returns)
    expected = (
        sum(
            0.5 * math.log(2 * math.pi) + math.log(2.0) + (r - 1.0) ** 2 / (2 * 4.0)
            for r in returns.tolist()
        )
        / 3
    )
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert vf(torch.randn(3, 4)).tolist() == pytest.approx([1.0] * 3)


def test_loss_decreases_with_adam(env_spec):
    torch.manual_seed(0)
    vf = GaussianMLPValueFunction(env_spec, hidden_sizes=(16,))
    obs = torch.randn(64, 4)
    returns = obs.sum(dim=1)
    optimizer = torch.optim.Adam(vf.parameters(), lr=0.01)
    losses = []
    for _ in range(50):
        optimizer.zero_grad()
        loss = vf.compute_loss(obs, returns)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.3
    error = (vf(obs) - returns).pow(2).mean().item()
    assert error < returns.pow(2).mean().item() / 2


def test_std_learned_or_fixed(env_spec):
    learned = GaussianMLPValueFunction(env_spec)
    fixed = GaussianMLPValueFunction(env_spec, learn_std=False)
    assert (
        sum(p.numel() for p in learned.parameters())
        == sum(p.numel() for p in fixed.parameters()) + 1
    )


def test_layer_normalization(env_spec):
    vf = GaussianMLPValueFunction(env_spec, layer_normalization=True)
    assert sum(isinstance(m, nn.LayerNorm) for m in vf.modules()) == 2


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(env_spec, dumps):
    vf = GaussianMLPValueFunction(env_spec)
    obs = torch.randn(5, 4)
    copy = pickle.loads(dumps(vf))
    assert torch.equal(copy(obs), vf(obs))
    assert copy.name == vf.name


def test_to_float64(env_spec):
    vf = GaussianMLPValueFunction(env_spec).to('cpu').to(torch.float64)
    obs = torch.randn(5, 4, dtype=torch.float64)
    assert vf(obs).dtype == torch.float64
    assert vf.compute_loss(obs, torch.randn(5, dtype=torch.float64)).dtype == (
        torch.float64
    )
