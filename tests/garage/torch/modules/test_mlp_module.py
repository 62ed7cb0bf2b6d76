import functools
import math
import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage.torch.modules import MLPModule

ones_ = nn.init.ones_
zeros_ = nn.init.zeros_


def constant(value):
    return functools.partial(nn.init.constant_, val=value)


def test_output_shapes_batch_single_and_leading_dims():
    module = MLPModule(3, 2, (8, 8))
    assert module.output_dim == 2
    assert module(torch.ones(5, 3)).shape == (5, 2)
    assert module(torch.ones(3)).shape == (2,)
    assert module(torch.ones(4, 5, 3)).shape == (4, 5, 2)


def test_initialisers_give_known_output():
    module = MLPModule(
        3,
        1,
        (4,),
        hidden_nonlinearity=None,
        hidden_w_init=ones_,
        hidden_b_init=constant(1.0),
        output_w_init=constant(0.5),
        output_b_init=constant(2.0),
    )
    # each hidden unit: 1 + 2 + 3 + 1 = 7; output: 4 * 0.5 * 7 + 2 = 16
    output = module(torch.tensor([1.0, 2.0, 3.0]))
    assert output.item() == pytest.approx(16.0)


@pytest.mark.parametrize(
    'nonlinearity',
    [torch.tanh, nn.Tanh, nn.Tanh()],
    ids=['function', 'class', 'instance'],
)
def test_hidden_nonlinearity_given_three_ways(nonlinearity):
    module = MLPModule(
        3,
        1,
        (4,),
        hidden_nonlinearity=nonlinearity,
        hidden_w_init=ones_,
        hidden_b_init=zeros_,
        output_w_init=ones_,
        output_b_init=zeros_,
    )
    output = module(torch.tensor([0.1, 0.2, 0.3]))
    assert output.item() == pytest.approx(4 * math.tanh(0.6), rel=1e-6)


@pytest.mark.parametrize(
    'nonlinearity',
    [torch.relu, nn.ReLU, nn.ReLU()],
    ids=['function', 'class', 'instance'],
)
def test_output_nonlinearity_given_three_ways(nonlinearity):
    module = MLPModule(
        2,
        2,
        (),
        output_nonlinearity=nonlinearity,
        output_w_init=nn.init.eye_,
        output_b_init=zeros_,
    )
    output = module(torch.tensor([-1.0, 3.0]))
    assert output.tolist() == [0.0, 3.0]


def test_no_output_nonlinearity_by_default():
    module = MLPModule(2, 2, (), output_w_init=nn.init.eye_, output_b_init=zeros_)
    assert module(torch.tensor([-1.0, 3.0])).tolist() == [-1.0, 3.0]


def test_nonlinearity_instance_is_copied_per_layer():
    prelu = nn.PReLU()
    module = MLPModule(2, 2, (3, 3), hidden_nonlinearity=prelu)
    prelus = [m for m in module.modules() if isinstance(m, nn.PReLU)]
    assert len(prelus) == 2
    assert all(m is not prelu for m in prelus)
    assert prelus[0].weight is not prelus[1].weight


def test_nonlinearity_rejects_non_callable():
    with pytest.raises(TypeError, match='a nonlinearity must be a function'):
        MLPModule(2, 2, (3,), hidden_nonlinearity='relu')


def test_nonlinearity_rejects_class_that_is_not_a_module():
    with pytest.raises(TypeError, match=r'must be an nn\.Module subclass'):
        MLPModule(2, 2, (3,), hidden_nonlinearity=int)


def test_layer_normalization_normalises_hidden_inputs():
    kwargs = dict(
        hidden_nonlinearity=None,
        hidden_w_init=ones_,
        hidden_b_init=zeros_,
        output_w_init=ones_,
        output_b_init=zeros_,
    )
    normalised = MLPModule(3, 1, (4,), layer_normalization=True, **kwargs)
    plain = MLPModule(3, 1, (4,), **kwargs)
    assert sum(isinstance(m, nn.LayerNorm) for m in normalised.modules()) == 1
    assert not any(isinstance(m, nn.LayerNorm) for m in plain.modules())
    inputs = torch.tensor([1.0, 2.0, 6.0])
    # a normalised input sums to zero, so every hidden unit is zero
    assert normalised(inputs).item() == pytest.approx(0.0, abs=1e-5)
    assert plain(inputs).item() == pytest.approx(36.0)


def test_wrong_input_dim_raises_naming_expected_shape():
    module = MLPModule(3, 2, (4,))
    with pytest.raises(ValueError, match=r'expected shape \(\.\.\., 3\)'):
        module(torch.ones(5, 4))


def test_gradients_reach_every_parameter():
    module = MLPModule(3, 2, (4, 4))
    module(torch.randn(5, 3)).sum().backward()
    for name, parameter in module.named_parameters():
        assert parameter.grad is not None, name
        assert parameter.grad.abs().sum() > 0, name


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
@pytest.mark.parametrize(
    'nonlinearity',
    [torch.tanh, nn.Tanh, nn.Tanh()],
    ids=['function', 'class', 'instance'],
)
def test_pickle_round_trip_gives_identical_outputs(dumps, nonlinearity):
    module = MLPModule(3, 2, (4,), hidden_nonlinearity=nonlinearity)
    inputs = torch.randn(5, 3)
    copy = pickle.loads(dumps(module))
    assert torch.equal(copy(inputs), module(inputs))


def test_to_float64_and_cpu():
    module = MLPModule(3, 2, (4,)).to(torch.float64).to('cpu')
    output = module(torch.ones(5, 3, dtype=torch.float64))
    assert output.dtype == torch.float64
    assert output.device.type == 'cpu'
