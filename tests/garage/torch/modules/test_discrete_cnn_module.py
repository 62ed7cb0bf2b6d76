import pickle

import cloudpickle
import pytest
import torch
from torch import nn

from garage._legacy_gym import akro
from garage.torch.modules import DiscreteCNNModule


def make(**kwargs):
    return DiscreteCNNModule((8, 8, 3), 4, 'NHWC', (3, 3), (4, 5), (1, 2), **kwargs)


@pytest.mark.parametrize('dueling', [False, True])
def test_output_shapes_batch_single_and_flattened(dueling):
    module = make(dueling=dueling)
    images = torch.rand(6, 8, 8, 3)
    assert module(images).shape == (6, 4)
    assert module(images[0]).shape == (4,)
    assert torch.equal(module(images.reshape(6, -1)), module(images))


def test_cnn_then_mlp_structure():
    module = make(hidden_sizes=(7, 9))
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [
        (20, 7),
        (7, 9),
        (9, 4),
    ]
    assert sum(isinstance(m, nn.Conv2d) for m in module.modules()) == 2


def test_is_image_scales_float_pixels():
    image = make(is_image=True)
    plain = make(is_image=False)
    plain.load_state_dict(image.state_dict())
    pixels = torch.randint(0, 256, (3, 8, 8, 3)).float()
    assert torch.allclose(image(pixels), plain(pixels / 255.0))
    assert not torch.allclose(image(pixels), plain(pixels))


@pytest.mark.parametrize('is_image', [True, False])
def test_uint8_pixels_scaled_once(is_image):
    module = make(is_image=is_image)
    pixels = torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8)
    assert torch.allclose(
        module(pixels),
        module(pixels.float() / 255.0) if not is_image else module(pixels.float()),
    )


def test_image_space_does_not_scale_when_is_image_is_false():
    module = DiscreteCNNModule(
        akro.Image(shape=(2, 2, 1)),
        1,
        'NHWC',
        2,
        (1,),
        1,
        hidden_sizes=(),
        cnn_hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
        output_w_init=nn.init.ones_,
        is_image=False,
    )
    assert module(torch.full((2, 2, 1), 255.0)).tolist() == [1020.0]


def test_output_initialisers_and_nonlinearity():
    module = make(
        output_w_init=nn.init.zeros_,
        output_b_init=nn.init.ones_,
        output_nonlinearity=torch.tanh,
    )
    outputs = module(torch.rand(2, 8, 8, 3))
    assert torch.allclose(
        outputs, torch.full((2, 4), torch.tanh(torch.tensor(1.0)).item())
    )


def test_layer_normalization_in_both_parts():
    module = make(layer_normalization=True)
    norms = [m for m in module.modules() if isinstance(m, nn.LayerNorm)]
    assert [tuple(norm.normalized_shape) for norm in norms] == [
        (4, 6, 6),
        (5, 2, 2),
        (20,),
        (32,),
    ]


def test_dueling_mean_over_actions_is_the_value():
    module = make(dueling=True)
    images = torch.rand(6, 8, 8, 3)
    q_values = module(images)
    values = module._val(module._cnn_module(images / 255.0))
    assert torch.allclose(q_values.mean(dim=-1, keepdim=True), values, atol=1e-6)


def test_dueling_gradients_reach_both_streams():
    module = make(dueling=True)
    module(torch.rand(6, 8, 8, 3)).sum().backward()
    for name, parameter in module.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
@pytest.mark.parametrize('dueling', [False, True])
def test_pickle_round_trip_gives_identical_outputs(dumps, dueling):
    module = make(dueling=dueling)
    images = torch.rand(4, 8, 8, 3)
    copy = pickle.loads(dumps(module))
    assert torch.equal(copy(images), module(images))


def test_to_float64():
    module = make(dueling=True).to(torch.float64)
    pixels = torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8)
    assert module(pixels).dtype == torch.float64
