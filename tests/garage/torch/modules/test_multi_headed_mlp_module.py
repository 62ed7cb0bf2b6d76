import functools
import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage.torch.modules import MultiHeadedMLPModule


def constant(value):
    return functools.partial(nn.init.constant_, val=value)


def test_one_output_per_head_with_per_head_dims():
    module = MultiHeadedMLPModule(3, 4, [1, 2, 3], (8,))
    outputs = module(torch.ones(5, 4))
    assert isinstance(outputs, list)
    assert [tuple(output.shape) for output in outputs] == [(5, 1), (5, 2), (5, 3)]
    single = module(torch.ones(4))
    assert [tuple(output.shape) for output in single] == [(1,), (2,), (3,)]


def test_single_output_dim_is_shared_by_all_heads():
    module = MultiHeadedMLPModule(2, 4, 3, (8,))
    assert [tuple(output.shape) for output in module(torch.ones(5, 4))] == [
        (5, 3),
        (5, 3),
    ]


def test_heads_share_the_hidden_layers():
    module = MultiHeadedMLPModule(2, 4, 3, (8, 8))
    assert len([m for m in module._trunk if isinstance(m, nn.Linear)]) == 2
    assert len(module._heads) == 2
    assert sum(isinstance(m, nn.Linear) for m in module.modules()) == 4


def test_per_head_initialisers_and_nonlinearities():
    module = MultiHeadedMLPModule(
        2,
        2,
        1,
        (3,),
        hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
        hidden_b_init=nn.init.zeros_,
        output_nonlinearities=[None, torch.relu],
        output_w_inits=[constant(1.0), constant(-1.0)],
        output_b_inits=[constant(0.5), constant(1.0)],
    )
    first, second = module(torch.tensor([1.0, 1.0]))
    # hidden units are 2 each: 3 * 2 + 0.5, and relu(-3 * 2 + 1)
    assert first.item() == pytest.approx(6.5)
    assert second.item() == 0.0


def test_no_hidden_layers_applies_heads_to_input():
    module = MultiHeadedMLPModule(
        2, 2, 2, (), output_w_inits=nn.init.eye_, output_b_inits=nn.init.zeros_
    )
    first, second = module(torch.tensor([1.0, -2.0]))
    assert first.tolist() == second.tolist() == [1.0, -2.0]


def test_layer_normalization_adds_one_layer_norm_per_hidden_layer():
    module = MultiHeadedMLPModule(2, 4, 3, (8, 8), layer_normalization=True)
    norms = [m for m in module.modules() if isinstance(m, nn.LayerNorm)]
    assert [tuple(norm.normalized_shape) for norm in norms] == [(4,), (8,)]


@pytest.mark.parametrize(
    ('option', 'value'),
    [
        ('output_dims', [1, 2, 3]),
        ('output_nonlinearities', [None, None, None]),
        ('output_w_inits', []),
        ('output_b_inits', (nn.init.zeros_, nn.init.zeros_, nn.init.zeros_)),
    ],
)
def test_per_head_option_of_wrong_length_raises_naming_it(option, value):
    kwargs = {'output_dims': 2, option: value}
    with pytest.raises(
        ValueError,
        match=(
            f'{option} must be one value or a sequence of '
            r'1 or 2 values \(2 from n_heads\), got'
        ),
    ):
        MultiHeadedMLPModule(2, 4, hidden_sizes=(8,), **kwargs)


def test_length_one_lists_broadcast_to_every_head():
    # the original garage's call: one-entry lists for three heads
    module = MultiHeadedMLPModule(
        n_heads=3,
        input_dim=4,
        output_dims=[2],
        hidden_sizes=(8,),
        output_nonlinearities=[torch.tanh],
        output_w_inits=[nn.init.ones_],
        output_b_inits=[constant(5.0)],
    )
    outputs = module(torch.ones(5, 4))
    assert [tuple(output.shape) for output in outputs] == [(5, 2)] * 3
    # one initialiser for every head: the heads are identical
    assert torch.equal(outputs[0], outputs[1])
    assert torch.equal(outputs[0], outputs[2])
    # weights of ones and biases of 5 on ReLU features: tanh of at least 5
    assert (outputs[0] >= torch.tanh(torch.tensor(5.0)) - 1e-6).all()
    assert (outputs[0] <= 1).all()


def test_no_heads_raises():
    with pytest.raises(
        ValueError, match=r'^n_heads must be a positive integer, got 0$'
    ):
        MultiHeadedMLPModule(0, 4, 2, (8,))


def test_whole_float_head_count():
    assert len(MultiHeadedMLPModule(2.0, 4, 2, (8,))._heads) == 2


def test_wrong_input_dim_raises_naming_expected_shape():
    module = MultiHeadedMLPModule(2, 4, 2, (8,))
    with pytest.raises(ValueError, match=r'expected shape \(\.\.\., 4\)'):
        module(torch.ones(3))


def test_gradients_from_one_head_skip_the_other_head():
    module = MultiHeadedMLPModule(2, 4, 2, (8,))
    first, _ = module(torch.randn(5, 4))
    first.sum().backward()
    assert module._trunk[0].weight.grad is not None
    assert module._heads[0].weight.grad is not None
    assert module._heads[1].weight.grad is None


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(dumps):
    module = MultiHeadedMLPModule(
        2,
        4,
        [1, 2],
        (8,),
        hidden_nonlinearity=nn.ReLU,
        output_nonlinearities=[torch.tanh, None],
    )
    inputs = torch.randn(5, 4)
    copy = pickle.loads(dumps(module))
    for expected, actual in zip(module(inputs), copy(inputs), strict=True):
        assert torch.equal(expected, actual)


def test_to_float64():
    module = MultiHeadedMLPModule(2, 4, 2, (8,)).to(torch.float64)
    outputs = module(torch.ones(5, 4, dtype=torch.float64))
    assert all(output.dtype == torch.float64 for output in outputs)
