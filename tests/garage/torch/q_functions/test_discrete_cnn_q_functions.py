import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.q_functions import (
    DiscreteCNNQFunction,
    DiscreteDuelingCNNQFunction,
)

CLASSES = [DiscreteCNNQFunction, DiscreteDuelingCNNQFunction]


@pytest.fixture
def env_spec():
    return EnvSpec(akro.Image(shape=(8, 8, 3)), akro.Discrete(4))


def make(cls, env_spec, **kwargs):
    return cls(env_spec, 'NHWC', (3, 3), (4, 5), (1, 2), **kwargs)


@pytest.mark.parametrize('cls', CLASSES)
def test_one_q_value_per_action(cls, env_spec):
    qf = make(cls, env_spec)
    assert qf.env_spec is env_spec
    images = torch.randint(0, 256, (6, 8, 8, 3)).float()
    assert qf(images).shape == (6, 4)
    assert qf(images[0]).shape == (4,)


@pytest.mark.parametrize('cls', CLASSES)
def test_flattened_observations_match_images(cls, env_spec):
    qf = make(cls, env_spec)
    images = torch.randint(0, 256, (6, 8, 8, 3)).float()
    assert torch.equal(qf(images.reshape(6, -1)), qf(images))


@pytest.mark.parametrize('cls', CLASSES)
def test_image_space_scales_float_and_uint8_pixels_alike(cls, env_spec):
    qf = make(cls, env_spec)
    pixels = torch.randint(0, 256, (6, 8, 8, 3), dtype=torch.uint8)
    assert torch.allclose(qf(pixels), qf(pixels.float()))


@pytest.mark.parametrize('cls', CLASSES)
def test_box_space_does_not_scale_floats(cls):
    box_spec = EnvSpec(akro.Box(low=0.0, high=1.0, shape=(1, 2, 2)), akro.Discrete(1))
    qf = cls(
        box_spec,
        'NCHW',
        (2,),
        (1,),
        (1,),
        hidden_sizes=(),
        cnn_hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
        output_w_init=nn.init.ones_,
    )
    assert qf(torch.full((1, 1, 2, 2), 100.0)).tolist() == [[400.0]]


@pytest.mark.parametrize('cls', CLASSES)
def test_options_reach_the_network(cls, env_spec):
    qf = make(
        cls,
        env_spec,
        hidden_sizes=(7,),
        layer_normalization=True,
        max_pool=True,
        pool_shape=1,
        paddings=1,
    )
    assert sum(isinstance(m, nn.MaxPool2d) for m in qf.modules()) == 2
    assert any(isinstance(m, nn.LayerNorm) for m in qf.modules())
    assert all(
        m.out_features in (7, 4, 1) for m in qf.modules() if isinstance(m, nn.Linear)
    )


@pytest.mark.parametrize('cls', CLASSES)
def test_wrong_observation_shape_raises_naming_expected_shape(cls, env_spec):
    qf = make(cls, env_spec)
    with pytest.raises(
        ValueError,
        match=r'expected images of shape '
        r'\(\.\.\., \*\(8, 8, 3\)\) or flattened images of '
        r'shape \(\.\.\., 192\)',
    ):
        qf(torch.rand(6, 3, 8, 8))


def test_dueling_has_value_and_advantage_streams(env_spec):
    assert not hasattr(make(DiscreteCNNQFunction, env_spec)._cnn_module, '_val')
    module = make(DiscreteDuelingCNNQFunction, env_spec)._cnn_module
    assert module._val(torch.zeros(20)).shape == (1,)
    assert module._act(torch.zeros(20)).shape == (4,)


def test_dueling_mean_q_over_actions_is_the_value(env_spec):
    qf = make(DiscreteDuelingCNNQFunction, env_spec)
    pixels = torch.randint(0, 256, (6, 8, 8, 3), dtype=torch.uint8)
    module = qf._cnn_module
    values = module._val(module._cnn_module(pixels))
    assert torch.allclose(qf(pixels).mean(dim=1, keepdim=True), values, atol=1e-6)


@pytest.mark.parametrize('cls', CLASSES)
def test_gradients_reach_every_parameter(cls, env_spec):
    qf = make(cls, env_spec)
    qf(torch.rand(6, 8, 8, 3)).sum().backward()
    for name, parameter in qf.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize('cls', CLASSES)
@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(cls, env_spec, dumps):
    qf = make(cls, env_spec)
    pixels = torch.randint(0, 256, (6, 8, 8, 3), dtype=torch.uint8)
    copy = pickle.loads(dumps(qf))
    assert type(copy) is cls
    assert torch.equal(copy(pixels), qf(pixels))


@pytest.mark.parametrize('cls', CLASSES)
def test_to_float64(cls, env_spec):
    qf = make(cls, env_spec).to(torch.float64)
    pixels = torch.randint(0, 256, (6, 8, 8, 3), dtype=torch.uint8)
    assert qf(pixels).dtype == torch.float64
