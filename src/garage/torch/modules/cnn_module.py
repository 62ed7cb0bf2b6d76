"""A convolutional neural network over images."""

import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from garage import _validation
from garage._dtypes import EnvSpec, InOutSpec
from garage._legacy_gym import akro
from garage.torch.modules._utils import (
    NonLinearitySpec,
    is_sequence,
    make_nonlinearity,
    per_layer,
)
from garage.torch.modules.multi_headed_mlp_module import Initializer

_IMAGE_FORMATS = ('NCHW', 'NHWC')

#: A size of a 2-D operation: one int for both sides, or ``(height, width)``.
Size2d = int | tuple[int, int]
PaddingMode = Literal['zeros', 'reflect', 'replicate', 'circular']


class CNNModule(nn.Module):
    """Convolutional layers whose output is flattened to a vector.

    Each layer is ``Conv2d -> [LayerNorm] -> [nonlinearity] -> [MaxPool2d]``.
    Given an ``InOutSpec`` whose output space is set, the module ends, as in
    the original garage, in a linear layer from the flattened features to
    the output space's ``flat_dim`` (initialised as ``nn.Linear`` does).

    Inputs are images of shape ``(..., *input_shape)`` or flattened images
    of shape ``(..., prod(input_shape))``; any leading dimensions are batch
    dimensions, and an input with none gives an output with none.
    ``input_shape`` is in ``image_format``: ``(channels, height, width)``
    for ``'NCHW'`` and ``(height, width, channels)`` for ``'NHWC'``; the
    module converts ``'NHWC'`` inputs for the convolutions and converts the
    result back, so the flattened output is in ``image_format`` too.

    ``uint8`` inputs are pixels: they are scaled to ``[0, 1]`` (divided by
    255) and converted to the parameters' dtype. When an ``akro.Image``
    space gives the shape, float inputs are scaled the same way.

    The original garage took an ``InOutSpec`` whose input space is the image
    space; this module takes the image shape, or still accepts such a spec
    (or an ``EnvSpec``, whose observation space is then used, and whose
    action space adds no linear layer).

    Options given per layer (``kernel_sizes``, ``strides``, ``paddings``,
    ``pool_shape``, ``pool_stride``) take one value for every layer, or a
    list or tuple of one value per layer, or a list or tuple of one value
    for every layer (``pool_shape=[(2, 2)]``); a value is an int or a
    ``(height, width)`` pair. A sequence with one entry per layer is always
    read as per-layer values, so with exactly two layers ``(3, 5)`` means 3
    for the first layer and 5 for the second: write ``[(3, 5), (3, 5)]``
    for a 3x5 kernel in both.

    Args:
        spec: The shape of one image in ``image_format``, or an akro space
            or a spec that has it: an ``InOutSpec`` (whose output space, if
            set, adds a final linear layer) or an ``EnvSpec``.
        image_format: ``'NCHW'`` or ``'NHWC'``.
        hidden_channels: Number of output channels of each layer.
        kernel_sizes: Kernel size of each layer.
        strides: Stride of each layer.
        hidden_nonlinearity: Nonlinearity after each convolution: a function,
            an ``nn.Module`` class or instance, or None.
        hidden_w_init: Initialiser of the convolutions' weights.
        hidden_b_init: Initialiser of the convolutions' biases.
        paddings: Zero padding of each layer.
        padding_mode: ``padding_mode`` of ``nn.Conv2d``: ``'zeros'``,
            ``'reflect'``, ``'replicate'`` or ``'circular'``.
        max_pool: Whether each layer ends with a max-pooling layer.
        pool_shape: Kernel size of each max-pooling layer; required with
            ``max_pool``.
        pool_stride: Stride of each max-pooling layer.
        layer_normalization: Whether to normalise each convolution's output
            with ``nn.LayerNorm`` over channels, height and width.
        enable_cudnn_benchmarks: Whether to set
            ``torch.backends.cudnn.benchmark`` (a process-wide setting that
            speeds up convolutions of fixed size on a GPU).

    Raises:
        ValueError: If the shape is not three positive ints,
            ``image_format`` is not one of the choices, the per-layer options
            disagree in length, ``max_pool`` is set without ``pool_shape``,
            or the image is too small for the layers.

    """

    def __init__(
        self,
        spec: Sequence[int] | InOutSpec | Any,
        image_format: str,
        hidden_channels: Sequence[int],
        kernel_sizes: Size2d | Sequence[Size2d],
        strides: Size2d | Sequence[Size2d],
        *,
        hidden_nonlinearity: NonLinearitySpec | None = nn.ReLU,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        paddings: Size2d | Sequence[Size2d] = 0,
        padding_mode: PaddingMode = 'zeros',
        max_pool: bool = False,
        pool_shape: Size2d | Sequence[Size2d] | None = None,
        pool_stride: Size2d | Sequence[Size2d] = 1,
        layer_normalization: bool = False,
        enable_cudnn_benchmarks: bool = True,
    ):
        super().__init__()
        input_shape, self._scale_floats = image_shape(spec)
        _validation.one_of('image_format', image_format, _IMAGE_FORMATS)
        if max_pool and pool_shape is None:
            raise ValueError('pool_shape is required when max_pool is True')
        n_layers = len(hidden_channels)

        def is_size(value: Any) -> bool:
            return not is_sequence(value) or (
                len(value) == 2
                and len(value) != n_layers
                and not any(is_sequence(item) for item in value)
            )

        def expand(value: Any, name: str) -> list:
            return per_layer(
                value, n_layers, name, is_single=is_size, reference='hidden_channels'
            )

        layer_kernel_sizes = expand(kernel_sizes, 'kernel_sizes')
        layer_strides = expand(strides, 'strides')
        layer_paddings = expand(paddings, 'paddings')
        if max_pool:
            layer_pool_shapes = expand(pool_shape, 'pool_shape')
            layer_pool_strides = expand(pool_stride, 'pool_stride')
        if enable_cudnn_benchmarks:
            torch.backends.cudnn.benchmark = True
        self._input_shape = input_shape
        self._flat_dim = math.prod(input_shape)
        self._format = image_format
        if image_format == 'NHWC':
            height, width, channels = input_shape
        else:
            channels, height, width = input_shape
        self._cnn_layers = nn.Sequential()
        prev_channels = channels
        with torch.no_grad():
            x = torch.zeros(1, channels, height, width)
            for i, n_channels in enumerate(hidden_channels):
                layer = nn.Sequential()
                conv = nn.Conv2d(
                    prev_channels,
                    n_channels,
                    layer_kernel_sizes[i],
                    stride=layer_strides[i],
                    padding=layer_paddings[i],
                    padding_mode=padding_mode,
                )
                hidden_w_init(conv.weight)
                assert conv.bias is not None  # made with bias=True
                hidden_b_init(conv.bias)
                layer.add_module('conv', conv)
                x = _dummy_forward(conv, x, input_shape, i)
                if layer_normalization:
                    layer.add_module(
                        'layer_normalization', nn.LayerNorm(tuple(x.shape[1:]))
                    )
                if hidden_nonlinearity is not None:
                    layer.add_module(
                        'non_linearity', make_nonlinearity(hidden_nonlinearity)
                    )
                if max_pool:
                    pool = nn.MaxPool2d(
                        layer_pool_shapes[i], stride=layer_pool_strides[i]
                    )
                    layer.add_module('max_pooling', pool)
                    x = _dummy_forward(pool, x, input_shape, i)
                self._cnn_layers.add_module(f'layer_{i}', layer)
                prev_channels = n_channels
        self._features_dim = self._output_dim = x[0].numel()
        output_space = (
            spec.output_space
            if isinstance(spec, InOutSpec) and not isinstance(spec, EnvSpec)
            else None
        )
        self._final_layer: nn.Linear | None = None
        if output_space is not None:
            self._final_layer = nn.Linear(self._output_dim, output_space.flat_dim)
            self._output_dim = output_space.flat_dim
        else:
            output_space = akro.Box(-np.inf, np.inf, (self._output_dim,))
        if isinstance(spec, InOutSpec) and not isinstance(spec, EnvSpec):
            input_space = spec.input_space
        elif isinstance(spec, EnvSpec):
            input_space = spec.observation_space
        elif isinstance(spec, akro.Space):
            input_space = spec
        else:
            input_space = akro.Box(-np.inf, np.inf, input_shape)
        self._spec = InOutSpec(input_space, output_space)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled module, also one pickled before the final layer.

        Args:
            state: The pickled ``__dict__``.

        """
        state.setdefault('_features_dim', state['_output_dim'])
        if '_final_layer' not in state and '_final_layer' not in state['_modules']:
            state['_final_layer'] = None
        state.setdefault(
            '_spec',
            InOutSpec(
                akro.Box(-np.inf, np.inf, state['_input_shape']),
                akro.Box(-np.inf, np.inf, (state['_output_dim'],)),
            ),
        )
        super().__setstate__(state)

    @property
    def spec(self) -> InOutSpec:
        """InOutSpec: The image space and the space of the output vector.

        The output space is the one the given ``InOutSpec`` set, or else an
        unbounded ``akro.Box`` of shape ``(output_dim,)``; the input space is
        the given space, or an unbounded ``akro.Box`` of the given shape.
        """
        return self._spec

    @property
    def output_dim(self) -> int:
        """int: Size of the output of one image, after any final linear layer."""
        return self._output_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Compute the flattened features of images.

        Args:
            x: Images of shape ``(..., *input_shape)``, or flattened images
                of shape ``(..., prod(input_shape))``.

        Returns:
            torch.Tensor: Features of shape ``(..., output_dim)``.

        Raises:
            ValueError: If the input has neither shape.

        """
        n_image_dims = len(self._input_shape)
        if tuple(x.shape[-n_image_dims:]) == self._input_shape:
            batch_shape = x.shape[:-n_image_dims]
        elif x.dim() >= 1 and x.shape[-1] == self._flat_dim:
            batch_shape = x.shape[:-1]
        else:
            raise ValueError(
                f'input of shape {tuple(x.shape)} does not match the '
                f'module: expected images of shape (..., '
                f'*{self._input_shape}) or flattened images of shape (..., '
                f'{self._flat_dim})'
            )
        if x.dtype == torch.uint8:
            parameter = next(self.parameters(), None)
            dtype = torch.get_default_dtype() if parameter is None else parameter.dtype
            x = x.to(dtype) / 255.0
        elif self._scale_floats:
            x = x / 255.0
        x = x.reshape(math.prod(batch_shape), *self._input_shape)
        if self._format == 'NHWC':
            x = x.permute(0, 3, 1, 2)
        x = self._cnn_layers(x)
        if self._format == 'NHWC':
            x = x.permute(0, 2, 3, 1)
        x = x.reshape(*batch_shape, self._features_dim)
        if self._final_layer is not None:
            x = self._final_layer(x)
        return x


def image_shape(spec_or_input_shape: Any) -> tuple[tuple[int, ...], bool]:
    """Find the image shape, and whether float pixels must be scaled.

    Args:
        spec_or_input_shape: A shape, an akro space, or a spec holding one.

    Returns:
        tuple: The shape, and whether the space is an ``akro.Image``.

    Raises:
        ValueError: If the shape is not three positive ints.

    """
    space = spec_or_input_shape
    if isinstance(space, EnvSpec):
        space = space.observation_space
    elif isinstance(space, InOutSpec):
        space = space.input_space
    if isinstance(space, akro.Space):
        shape = space.shape
        scale_floats = isinstance(space, akro.Image)
    else:
        shape = spec_or_input_shape
        scale_floats = False
    if not (
        is_sequence(shape)
        and len(shape) == 3
        and all(
            isinstance(size, numbers.Integral)
            and not isinstance(size, bool)
            and int(size) > 0
            for size in shape
        )
    ):
        raise ValueError(
            f'the input shape must be three positive ints (one '
            f'image in image_format), not {spec_or_input_shape!r}'
        )
    return tuple(int(size) for size in shape), scale_floats


def _dummy_forward(
    layer: nn.Module, x: torch.Tensor, input_shape: tuple[int, ...], index: int
) -> torch.Tensor:
    """Run a dummy input through a layer, explaining a too-small image."""
    try:
        return layer(x)
    except RuntimeError as error:
        raise ValueError(
            f'images of shape {input_shape} are too small for layer {index}: '
            f'its input has shape {tuple(x.shape[1:])} (channels, height, '
            f'width); {error}'
        ) from error
