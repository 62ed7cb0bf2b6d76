import functools
import math
import pickle

import cloudpickle
import pytest
import torch
from torch import nn
from torch.distributions import Independent, Normal

from garage.torch.modules import (
    GaussianMLPIndependentStdModule,
    GaussianMLPModule,
    GaussianMLPTwoHeadedModule,
)

CLASSES = [
    GaussianMLPModule,
    GaussianMLPIndependentStdModule,
    GaussianMLPTwoHeadedModule,
]


def constant(value):
    return functools.partial(nn.init.constant_, val=value)


def constant_module(cls, mean=0.5, **kwargs):
    """A module whose mean is ``mean`` and whose std is its initial std."""
    if cls is GaussianMLPIndependentStdModule:
        kwargs.setdefault('std_output_w_init', nn.init.zeros_)
    return cls(
        3, 2, (4,), output_w_init=nn.init.zeros_, output_b_init=constant(mean), **kwargs
    )


@pytest.mark.parametrize('cls', CLASSES)
def test_returns_independent_normal_with_batch_and_event_shapes(cls):
    module = cls(3, 2, (4,))
    dist = module(torch.ones(5, 3))
    assert isinstance(dist, Independent)
    assert isinstance(dist.base_dist, Normal)
    assert dist.batch_shape == (5,)
    assert dist.event_shape == (2,)
    single = module(torch.ones(3))
    assert single.batch_shape == ()
    assert single.event_shape == (2,)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('std_parameterization', ['exp', 'softplus'])
def test_samples_match_mean_and_std_of_the_parameters(cls, std_parameterization):
    torch.manual_seed(0)
    module = constant_module(
        cls, mean=0.5, init_std=2.0, std_parameterization=std_parameterization
    )
    dist = module(torch.randn(3))
    assert dist.mean.tolist() == pytest.approx([0.5, 0.5])
    assert dist.stddev.tolist() == pytest.approx([2.0, 2.0], rel=1e-5)
    samples = dist.sample((20000,))
    assert samples.mean(0).tolist() == pytest.approx([0.5, 0.5], abs=0.06)
    assert samples.std(0).tolist() == pytest.approx([2.0, 2.0], abs=0.06)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('std_parameterization', ['exp', 'softplus'])
def test_forward_mean_std_matches_forward(cls, std_parameterization):
    module = cls(
        3,
        2,
        (4,),
        init_std=0.7,
        min_std=0.1,
        max_std=5.0,
        std_parameterization=std_parameterization,
    )
    inputs = torch.randn(6, 3)
    mean, log_std = module.forward_mean_std(inputs)
    dist = module(inputs)
    assert mean.shape == log_std.shape == (6, 2)
    assert torch.allclose(mean, dist.mean)
    assert torch.allclose(log_std.exp(), dist.stddev, rtol=1e-5)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('std_parameterization', ['exp', 'softplus'])
def test_min_std_clamps(cls, std_parameterization):
    module = constant_module(
        cls, init_std=0.1, min_std=0.5, std_parameterization=std_parameterization
    )
    _, log_std = module.forward_mean_std(torch.ones(3))
    assert log_std.exp().tolist() == pytest.approx([0.5, 0.5], rel=1e-5)
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([0.5, 0.5], rel=1e-5)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('std_parameterization', ['exp', 'softplus'])
def test_max_std_clamps(cls, std_parameterization):
    module = constant_module(
        cls, init_std=3.0, max_std=2.0, std_parameterization=std_parameterization
    )
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([2.0, 2.0], rel=1e-5)


def test_no_clamping_without_bounds():
    module = constant_module(GaussianMLPModule, init_std=1e-8, min_std=None)
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([1e-8] * 2)


def test_exp_parameterisation_stores_log_std():
    module = GaussianMLPModule(3, 2, init_std=2.0)
    assert module._std_param.tolist() == pytest.approx([math.log(2.0)] * 2)
    with torch.no_grad():
        module._std_param.fill_(0.0)
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([1.0, 1.0])


def test_softplus_parameterisation_stores_rho():
    module = GaussianMLPModule(3, 2, init_std=2.0, std_parameterization='softplus')
    assert module._std_param.tolist() == pytest.approx(
        [math.log(math.exp(2.0) - 1.0)] * 2
    )
    with torch.no_grad():
        module._std_param.fill_(0.0)
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([math.log(2.0)] * 2)


def test_softplus_handles_large_init_std():
    module = GaussianMLPModule(3, 2, init_std=1000.0, std_parameterization='softplus')
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([1000.0, 1000.0])


def test_std_is_independent_of_the_input():
    module = GaussianMLPModule(3, 2, init_std=0.3)
    dist = module(torch.randn(4, 3))
    assert torch.allclose(dist.stddev, torch.full((4, 2), 0.3))


def test_learned_std_is_a_parameter_that_gets_gradients():
    module = GaussianMLPModule(3, 2, (4,))
    dist = module(torch.randn(5, 3))
    (-dist.log_prob(torch.randn(5, 2)).sum()).backward()
    assert any(p is module._std_param for p in module.parameters())
    assert module._std_param.grad is not None
    assert module._std_param.grad.abs().sum() > 0
    for name, parameter in module._mean_module.named_parameters():
        assert parameter.grad is not None, name


def test_fixed_std_is_a_buffer_that_is_not_trained():
    module = GaussianMLPModule(3, 2, (4,), learn_std=False, init_std=0.5)
    assert not any(p is module._std_param for p in module.parameters())
    assert '_std_param' in dict(module.named_buffers())
    assert not module._std_param.requires_grad
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        dist = module(torch.randn(5, 3))
        (-dist.log_prob(torch.randn(5, 2)).sum()).backward()
        optimizer.step()
    assert module(torch.ones(3)).stddev.tolist() == pytest.approx([0.5, 0.5])


def test_independent_std_network_shapes_and_init():
    module = GaussianMLPIndependentStdModule(
        3,
        2,
        (4,),
        std_hidden_sizes=(5, 6),
        init_std=0.5,
        std_output_w_init=nn.init.zeros_,
    )
    std_linears = [
        m for m in module._log_std_module.modules() if isinstance(m, nn.Linear)
    ]
    assert [m.out_features for m in std_linears] == [5, 6, 2]
    assert std_linears[-1].bias.tolist() == pytest.approx([math.log(0.5)] * 2)
    assert module(torch.randn(3)).stddev.tolist() == pytest.approx([0.5, 0.5])


def test_independent_std_depends_on_the_input():
    module = GaussianMLPIndependentStdModule(3, 2, (4,))
    dist = module(torch.randn(2, 3))
    assert not torch.allclose(dist.stddev[0], dist.stddev[1])


def test_independent_std_network_gets_gradients():
    module = GaussianMLPIndependentStdModule(3, 2, (4,))
    module(torch.randn(5, 3)).log_prob(torch.randn(5, 2)).sum().backward()
    for name, parameter in module.named_parameters():
        assert parameter.grad is not None, name


def test_independent_std_network_frozen_without_learn_std():
    module = GaussianMLPIndependentStdModule(3, 2, (4,), learn_std=False)
    assert all(not p.requires_grad for p in module._log_std_module.parameters())
    assert all(p.requires_grad for p in module._mean_module.parameters())


def test_two_headed_std_head_starts_at_init_std():
    module = GaussianMLPTwoHeadedModule(3, 2, (4,), init_std=0.5)
    std_head = module._shared_mean_log_std_network._heads[1]
    assert std_head.bias.tolist() == pytest.approx([math.log(0.5)] * 2)


def test_two_headed_std_depends_on_the_input_and_gets_gradients():
    module = GaussianMLPTwoHeadedModule(3, 2, (4,))
    dist = module(torch.randn(2, 3))
    assert not torch.allclose(dist.stddev[0], dist.stddev[1])
    dist.log_prob(torch.randn(2, 2)).sum().backward()
    for name, parameter in module.named_parameters():
        assert parameter.grad is not None, name


def test_two_headed_std_head_frozen_without_learn_std():
    module = GaussianMLPTwoHeadedModule(3, 2, (4,), learn_std=False)
    network = module._shared_mean_log_std_network
    assert all(not p.requires_grad for p in network._heads[1].parameters())
    assert all(p.requires_grad for p in network._heads[0].parameters())
    assert all(p.requires_grad for p in network._trunk.parameters())


@pytest.mark.parametrize('cls', CLASSES)
def test_bad_std_parameterization_raises_listing_choices(cls):
    with pytest.raises(
        ValueError,
        match=r"^std_parameterization must be one of 'exp', 'softplus', got 'log'$",
    ):
        cls(3, 2, std_parameterization='log')


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('init_std', [0.0, -1.0])
def test_non_positive_init_std_raises(cls, init_std):
    with pytest.raises(
        ValueError, match=rf'^init_std must be a number in \(0, inf\], got {init_std}$'
    ):
        cls(3, 2, init_std=init_std)


@pytest.mark.parametrize('bound', ['min_std', 'max_std'])
def test_non_positive_std_bound_raises(bound):
    with pytest.raises(
        ValueError,
        match=rf'^{bound} must be a number in \(0, inf\] or None, got 0.0$',
    ):
        GaussianMLPModule(3, 2, **{bound: 0.0})


def test_max_std_below_min_std_raises():
    with pytest.raises(ValueError, match='max_std must be at least min_std'):
        GaussianMLPModule(3, 2, min_std=1.0, max_std=0.5)


@pytest.mark.parametrize('cls', CLASSES)
def test_distribution_built_without_validation(cls):
    module = cls(3, 2, (4,))
    # validation would reject a NaN mean
    dist = module(torch.full((3,), float('nan')))
    assert torch.isnan(dist.mean).all()


def test_normal_distribution_cls_without_validate_args():

    class PlainNormal(Normal):
        def __init__(self, loc, scale):
            super().__init__(loc, scale)

    module = GaussianMLPModule(3, 2, normal_distribution_cls=PlainNormal)
    dist = module(torch.ones(4, 3))
    assert isinstance(dist.base_dist, PlainNormal)
    assert dist.event_shape == (2,)


def test_normal_distribution_cls_with_vector_event_is_not_wrapped():

    def independent_normal(loc, scale):
        return Independent(Normal(loc, scale), 1)

    module = GaussianMLPModule(3, 2, normal_distribution_cls=independent_normal)
    dist = module(torch.ones(4, 3))
    assert isinstance(dist.base_dist, Normal)
    assert dist.batch_shape == (4,)
    assert dist.event_shape == (2,)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(cls, dumps):
    module = cls(3, 2, (4,), std_parameterization='softplus', max_std=3.0)
    inputs = torch.randn(5, 3)
    copy = pickle.loads(dumps(module))
    expected, actual = module(inputs), copy(inputs)
    assert torch.equal(expected.mean, actual.mean)
    assert torch.equal(expected.stddev, actual.stddev)


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize('learn_std', [True, False])
def test_to_float64(cls, learn_std):
    module = cls(3, 2, (4,), learn_std=learn_std).to('cpu').to(torch.float64)
    dist = module(torch.ones(5, 3, dtype=torch.float64))
    assert dist.mean.dtype == dist.stddev.dtype == torch.float64
