import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.q_functions import DiscreteMLPQFunction


@pytest.fixture
def env_spec():
    return EnvSpec(akro.Box(low=-1.0, high=1.0, shape=(2, 2)), akro.Discrete(3))


def test_one_q_value_per_action(env_spec):
    qf = DiscreteMLPQFunction(env_spec, (8,))
    assert qf.env_spec is env_spec
    assert qf(torch.randn(5, 4)).shape == (5, 3)
    assert qf(torch.randn(4)).shape == (3,)


def test_observations_in_space_shape_match_flattened(env_spec):
    qf = DiscreteMLPQFunction(env_spec, (8,))
    obs = torch.randn(5, 2, 2)
    assert torch.equal(qf(obs), qf(obs.reshape(5, 4)))


def test_options_reach_the_mlp(env_spec):
    qf = DiscreteMLPQFunction(
        env_spec,
        (),
        output_w_init=nn.init.ones_,
        output_b_init=nn.init.ones_,
        output_nonlinearity=torch.relu,
    )
    assert qf(
        torch.tensor([[1.0, 1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, -1.0]])
    ).tolist() == [[5.0] * 3, [0.0] * 3]


def test_layer_normalization(env_spec):
    qf = DiscreteMLPQFunction(env_spec, (8, 8), layer_normalization=True)
    assert sum(isinstance(m, nn.LayerNorm) for m in qf.modules()) == 2


def test_wrong_observation_shape_raises_naming_expected_shape(env_spec):
    qf = DiscreteMLPQFunction(env_spec, (8,))
    with pytest.raises(
        ValueError,
        match=r'expected shape \(\.\.\., 4\) '
        r'\(flattened\) or \(\.\.\., \*\(2, 2\)\)',
    ):
        qf(torch.randn(5, 2, 3))


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(env_spec, dumps):
    qf = DiscreteMLPQFunction(env_spec, (8,))
    obs = torch.randn(5, 4)
    copy = pickle.loads(dumps(qf))
    assert torch.equal(copy(obs), qf(obs))


def test_to_float64(env_spec):
    qf = DiscreteMLPQFunction(env_spec, (8,)).to('cpu').to(torch.float64)
    assert qf(torch.randn(5, 4, dtype=torch.float64)).dtype == torch.float64
