import pickle

import cloudpickle
import numpy as np
import pytest
import torch
from torch import nn

from garage import EnvSpec, InOutSpec
from garage._legacy_gym import akro
from garage.torch.modules import CNNModule


def nhwc_module(**kwargs):
    return CNNModule((8, 8, 3), 'NHWC', (4, 5), (3, 3), (1, 2), **kwargs)


def test_output_dim_is_flattened_size():
    # 8x8 -> 3x3 stride 1 -> 6x6 -> 3x3 stride 2 -> 2x2, with 5 channels
    assert nhwc_module().output_dim == 2 * 2 * 5


def test_output_shapes_batch_single_and_flattened():
    module = nhwc_module()
    images = torch.rand(6, 8, 8, 3)
    assert module(images).shape == (6, 20)
    assert module(images[0]).shape == (20,)
    assert module(images.reshape(6, -1)).shape == (6, 20)
    assert module(images.reshape(2, 3, 8, 8, 3)).shape == (2, 3, 20)


def test_flattened_input_gives_the_same_output():
    module = nhwc_module()
    images = torch.rand(6, 8, 8, 3)
    assert torch.equal(module(images.reshape(6, 192)), module(images))


def test_empty_batch():
    assert nhwc_module()(torch.rand(0, 8, 8, 3)).shape == (0, 20)


def test_nhwc_and_nchw_agree():
    nhwc = CNNModule((8, 8, 3), 'NHWC', (4, 5), (3, 3), (1, 2))
    nchw = CNNModule((3, 8, 8), 'NCHW', (4, 5), (3, 3), (1, 2))
    nchw.load_state_dict(nhwc.state_dict())
    images = torch.rand(6, 3, 8, 8)
    from_nchw = nchw(images).reshape(6, 5, 2, 2)
    from_nhwc = nhwc(images.permute(0, 2, 3, 1)).reshape(6, 2, 2, 5)
    assert torch.allclose(from_nhwc.permute(0, 3, 1, 2), from_nchw)


def test_uint8_images_are_scaled_to_unit_interval():
    module = nhwc_module()
    pixels = torch.randint(0, 256, (4, 8, 8, 3), dtype=torch.uint8)
    assert torch.allclose(module(pixels), module(pixels.float() / 255.0))


def test_float_inputs_are_not_scaled_for_a_plain_shape():
    module = CNNModule(
        (1, 2, 2),
        'NCHW',
        (1,),
        (2,),
        (1,),
        hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
    )
    assert module(torch.full((1, 2, 2), 255.0)).tolist() == [1020.0]


@pytest.mark.parametrize(
    'make_spec',
    [
        lambda image: image,
        lambda image: InOutSpec(image, None),
        lambda image: EnvSpec(image, akro.Discrete(2)),
    ],
    ids=['space', 'in_out_spec', 'env_spec'],
)
def test_image_space_scales_float_pixels(make_spec):
    image = akro.Image(shape=(2, 2, 1))
    module = CNNModule(
        make_spec(image),
        'NHWC',
        (1,),
        (2,),
        (1,),
        hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
    )
    assert module(torch.full((2, 2, 1), 255.0)).tolist() == [4.0]


def test_initialisers_give_known_output():
    module = CNNModule(
        (1, 2, 2),
        'NCHW',
        (2,),
        (2,),
        (1,),
        hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
        hidden_b_init=nn.init.ones_,
    )
    image = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])
    assert module(image).tolist() == [11.0, 11.0]


@pytest.mark.parametrize(
    'nonlinearity',
    [torch.relu, nn.ReLU, nn.ReLU()],
    ids=['function', 'class', 'instance'],
)
def test_nonlinearity_given_three_ways(nonlinearity):
    module = CNNModule(
        (1, 2, 2),
        'NCHW',
        (1,),
        (1,),
        (1,),
        hidden_nonlinearity=nonlinearity,
        hidden_w_init=nn.init.ones_,
    )
    image = torch.tensor([[[1.0, -2.0], [-3.0, 4.0]]])
    assert module(image).tolist() == [1.0, 0.0, 0.0, 4.0]


def test_no_nonlinearity():
    module = CNNModule(
        (1, 2, 2),
        'NCHW',
        (1,),
        (1,),
        (1,),
        hidden_nonlinearity=None,
        hidden_w_init=nn.init.ones_,
    )
    image = torch.tensor([[[1.0, -2.0], [-3.0, 4.0]]])
    assert module(image).tolist() == [1.0, -2.0, -3.0, 4.0]


def test_layer_normalization_over_channels_height_width():
    module = nhwc_module(layer_normalization=True)
    norms = [m for m in module.modules() if isinstance(m, nn.LayerNorm)]
    assert [tuple(norm.normalized_shape) for norm in norms] == [(4, 6, 6), (5, 2, 2)]
    assert not any(isinstance(m, nn.LayerNorm) for m in nhwc_module().modules())


def test_paddings_and_padding_mode():
    module = CNNModule(
        (3, 8, 8), 'NCHW', (4,), (3,), (1,), paddings=1, padding_mode='replicate'
    )
    assert module.output_dim == 4 * 8 * 8
    assert module._cnn_layers[0].conv.padding_mode == 'replicate'


def test_per_layer_sizes_and_pairs():
    module = CNNModule(
        (3, 9, 8), 'NCHW', (4, 5), [(3, 2), (2, 1)], 1, paddings=[0, (1, 0)]
    )
    # height 9 -> 7 -> 6 + 2 = 8; width 8 -> 7 -> 7
    assert module.output_dim == 5 * 8 * 7


def test_pair_for_one_layer_is_one_size():
    module = CNNModule((3, 9, 8), 'NCHW', (4,), (3, 2), 1)
    assert module.output_dim == 4 * 7 * 7


def test_max_pool_shrinks_output():
    module = CNNModule(
        (3, 8, 8),
        'NCHW',
        (4,),
        (3,),
        (1,),
        max_pool=True,
        pool_shape=(2,),
        pool_stride=(2,),
    )
    assert module.output_dim == 4 * 3 * 3
    assert any(isinstance(m, nn.MaxPool2d) for m in module.modules())


def test_max_pool_without_pool_shape_raises():
    with pytest.raises(ValueError, match='pool_shape is required'):
        CNNModule((3, 8, 8), 'NCHW', (4,), (3,), (1,), max_pool=True)


def test_per_layer_option_of_wrong_length_raises_naming_it():
    with pytest.raises(
        ValueError,
        match=r'kernel_sizes must be one value or '
        r'a sequence of 1 or 2 values \(2 from hidden_channels\), got 3 values',
    ):
        CNNModule((3, 8, 8), 'NCHW', (4, 5), (3, 3, 3), 1)


def original_spec(output_space=None):
    return InOutSpec(akro.Box(0.0, 1.0, (3, 16, 16)), output_space)


def test_length_one_lists_broadcast_to_every_layer():
    # the original garage's call: one-entry lists for three layers
    module = CNNModule(
        spec=original_spec(),
        image_format='NCHW',
        hidden_channels=(4, 5, 6),
        kernel_sizes=[3],
        strides=[1],
        paddings=[1],
        max_pool=True,
        pool_shape=[(2, 2)],
        pool_stride=[2],
    )
    # each layer keeps the size (3x3 kernel, padding 1) and pools it by 2
    assert module.output_dim == 6 * 2 * 2
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    pools = [m for m in module.modules() if isinstance(m, nn.MaxPool2d)]
    assert [conv.kernel_size for conv in convs] == [(3, 3)] * 3
    assert [pool.kernel_size for pool in pools] == [(2, 2)] * 3
    assert module(torch.rand(2, 3, 16, 16)).shape == (2, 24)


def test_output_space_of_the_spec_adds_a_final_linear_layer():
    # the original garage's call: an InOutSpec whose output space is set
    spec = original_spec(akro.Box(-np.inf, np.inf, (7,)))
    module = CNNModule(
        spec,
        image_format='NCHW',
        hidden_channels=(4,),
        kernel_sizes=(3,),
        strides=(2,),
    )
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(4 * 7 * 7, 7)]
    assert module.output_dim == 7
    assert module.spec.output_space.shape == (7,)
    images = torch.rand(5, 3, 16, 16)
    assert module(images).shape == (5, 7)
    assert module(images[0]).shape == (7,)
    assert module(images[:0]).shape == (0, 7)
    features = module._cnn_layers(images).reshape(5, -1)
    assert torch.allclose(module(images), linears[0](features))


@pytest.mark.parametrize(
    'spec',
    [
        (3, 16, 16),
        akro.Box(0.0, 1.0, (3, 16, 16)),
        InOutSpec(akro.Box(0.0, 1.0, (3, 16, 16)), None),
        EnvSpec(akro.Box(0.0, 1.0, (3, 16, 16)), akro.Box(-1.0, 1.0, (2,))),
    ],
    ids=['shape', 'space', 'in_out_spec_without_output', 'env_spec'],
)
def test_no_output_space_no_final_layer(spec):
    module = CNNModule(spec, 'NCHW', (4,), (3,), (2,))
    assert not any(isinstance(m, nn.Linear) for m in module.modules())
    assert module.output_dim == 4 * 7 * 7
    assert module.spec.output_space.shape == (4 * 7 * 7,)
    assert module.spec.input_space.shape == (3, 16, 16)


def test_module_pickled_before_the_final_layer_loads():
    module = CNNModule((3, 16, 16), 'NCHW', (4,), (3,), (2,))
    state = module.__dict__.copy()
    for key in ('_final_layer', '_features_dim', '_spec'):
        del state[key]
    old = CNNModule.__new__(CNNModule)
    old.__setstate__(state)
    images = torch.rand(2, 3, 16, 16)
    assert torch.equal(old(images), module(images))
    assert old.spec.output_space.shape == (4 * 7 * 7,)


def test_bad_image_format_raises_listing_choices():
    with pytest.raises(
        ValueError,
        match=r"^image_format must be one of 'NCHW', 'NHWC', got 'HWC'$",
    ):
        CNNModule((3, 8, 8), 'HWC', (4,), (3,), (1,))


@pytest.mark.parametrize('shape', [(8, 8), (3, 8, 0), 7, (3, 8, 8.0)])
def test_bad_input_shape_raises(shape):
    with pytest.raises(ValueError, match='the input shape must be three positive ints'):
        CNNModule(shape, 'NCHW', (4,), (3,), (1,))


def test_image_too_small_raises():
    with pytest.raises(
        ValueError,
        match=r'images of shape \(3, 4, 4\) are too '
        'small for layer 1',
    ):
        CNNModule((3, 4, 4), 'NCHW', (4, 4), (3, 3), (1, 1))


def test_wrong_input_shape_raises_naming_expected_shape():
    module = nhwc_module()
    with pytest.raises(
        ValueError,
        match=r'expected images of shape '
        r'\(\.\.\., \*\(8, 8, 3\)\) or flattened images of '
        r'shape \(\.\.\., 192\)',
    ):
        module(torch.rand(6, 3, 8, 8))


def test_gradients_reach_every_parameter():
    module = nhwc_module(layer_normalization=True)
    module(torch.rand(4, 8, 8, 3)).sum().backward()
    for name, parameter in module.named_parameters():
        assert parameter.grad is not None, name


@pytest.mark.parametrize(
    'dumps', [pickle.dumps, cloudpickle.dumps], ids=['pickle', 'cloudpickle']
)
def test_pickle_round_trip_gives_identical_outputs(dumps):
    module = nhwc_module(hidden_nonlinearity=torch.tanh, max_pool=True, pool_shape=1)
    images = torch.rand(4, 8, 8, 3)
    copy = pickle.loads(dumps(module))
    assert copy.output_dim == module.output_dim
    assert torch.equal(copy(images), module(images))


def test_to_float64_scales_uint8_to_float64():
    module = nhwc_module().to('cpu').to(torch.float64)
    pixels = torch.randint(0, 256, (4, 8, 8, 3), dtype=torch.uint8)
    assert module(pixels).dtype == torch.float64


@pytest.mark.parametrize('enable', [True, False])
def test_enable_cudnn_benchmarks(monkeypatch, enable):
    monkeypatch.setattr(torch.backends.cudnn, 'benchmark', False)
    nhwc_module(enable_cudnn_benchmarks=enable)
    assert torch.backends.cudnn.benchmark is enable
