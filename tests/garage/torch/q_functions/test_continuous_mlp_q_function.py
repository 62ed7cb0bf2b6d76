import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.q_functions import ContinuousMLPQFunction


@pytest.fixture
def env_spec():
    return EnvSpec(
        akro.Box(low=-1.0, high=1.0, shape=(2, 2)),
        akro.Box(low=-1.0, high=1.0, shape=(3,)),
    )


def test_output_shape(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,))
    assert qf.env_spec is env_spec
    assert qf(torch.randn(5, 4), torch.randn(5, 3)).shape == (5, 1)


def test_concatenates_observations_and_actions(env_spec):
    qf = ContinuousMLPQFunction(
        env_spec,
        hidden_sizes=(),
        output_w_init=nn.init.ones_,
        output_b_init=nn.init.zeros_,
    )
    obs = torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    actions = torch.tensor([[10.0, 20.0, 30.0]])
    assert qf(obs, actions).tolist() == [[70.0]]
    linear = next(m for m in qf.modules() if isinstance(m, nn.Linear))
    assert linear.in_features == 7


def test_observations_in_space_shape_match_flattened(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,))
    obs, actions = torch.randn(5, 2, 2), torch.randn(5, 3)
    assert torch.equal(qf(obs, actions), qf(obs.reshape(5, 4), actions))


def test_wrong_observation_shape_raises_naming_expected_shape(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,))
    with pytest.raises(
        ValueError,
        match=r'observations of shape \(5, 3\) do '
        r'not match their space .*expected shape '
        r'\(\.\.\., 4\) \(flattened\) or \(\.\.\., \*\(2, 2\)\)',
    ):
        qf(torch.randn(5, 3), torch.randn(5, 3))


def test_wrong_action_shape_raises_naming_expected_shape(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,))
    with pytest.raises(
        ValueError,
        match=r'actions of shape \(5, 2\) do not '
        r'match their space .*expected shape \(\.\.\., 3\)',
    ):
        qf(torch.randn(5, 4), torch.randn(5, 2))


def test_batch_mismatch_raises(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,))
    with pytest.raises(ValueError, match='same batch shape, got'):
        qf(torch.randn(5, 4), torch.randn(4, 3))


@pytest.mark.parametrize('option', ['input_dim', 'output_dim'])
def test_dims_determined_by_env_spec(env_spec, option):
    with pytest.raises(TypeError, match=f'{option} is determined by env_spec'):
        ContinuousMLPQFunction(env_spec, hidden_sizes=(8,), **{option: 2})


def test_gradients_reach_every_parameter(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8, 8))
    qf(torch.randn(5, 4), torch.randn(5, 3)).sum().backward()
    for name, parameter in qf.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(env_spec, dumps):
    qf = ContinuousMLPQFunction(
        env_spec, hidden_sizes=(8,), hidden_nonlinearity=nn.ReLU
    )
    obs, actions = torch.randn(5, 4), torch.randn(5, 3)
    copy = pickle.loads(dumps(qf))
    assert torch.equal(copy(obs, actions), qf(obs, actions))


def test_to_float64(env_spec):
    qf = ContinuousMLPQFunction(env_spec, hidden_sizes=(8,)).to(torch.float64)
    output = qf(
        torch.randn(5, 4, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)
    )
    assert output.dtype == torch.float64
