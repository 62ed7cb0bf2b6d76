"""A convolutional network followed by a multi-layer perceptron."""

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from garage._dtypes import InOutSpec
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.cnn_module import CNNModule, PaddingMode, Size2d, image_shape
from garage.torch.modules.mlp_module import MLPModule
from garage.torch.modules.multi_headed_mlp_module import Initializer


class DiscreteCNNModule(nn.Module):
    """A `CNNModule` then an `MLPModule` to ``output_dim`` values.

    Meant for discrete actions: one output (say, a Q-value) per action.
    With ``dueling`` the network has two fully connected streams after the
    convolutions, a state value ``V`` (one output) and advantages ``A``
    (``output_dim`` outputs), combined as ``V + A - mean(A)``.

    Inputs are as for `CNNModule`: images of shape
    ``(..., *input_shape)`` in ``image_format``, or flattened images; an
    input without batch dimensions gives an output without them.

    The original garage took an ``InOutSpec`` (image input space, action
    output space); this module takes the image shape and ``output_dim``.

    Args:
        spec_or_input_shape: The shape of one image in ``image_format``, or
            a spec or akro space that has it (see `CNNModule`); only
            ``is_image`` decides whether float inputs are scaled.
        output_dim: Number of outputs.
        image_format: ``'NCHW'`` or ``'NHWC'``.
        kernel_sizes: Kernel size of each convolutional layer.
        hidden_channels: Output channels of each convolutional layer.
        strides: Stride of each convolutional layer.
        hidden_sizes: Size of each hidden fully connected layer.
        cnn_hidden_nonlinearity: Nonlinearity of the convolutional layers.
        mlp_hidden_nonlinearity: Nonlinearity of the fully connected hidden
            layers.
        hidden_w_init: Initialiser of all hidden layers' weights.
        hidden_b_init: Initialiser of all hidden layers' biases.
        paddings: Zero padding of each convolutional layer.
        padding_mode: ``padding_mode`` of ``nn.Conv2d``.
        max_pool: Whether each convolutional layer ends with max pooling.
        pool_shape: Kernel size of each max-pooling layer.
        pool_stride: Stride of each max-pooling layer.
        output_nonlinearity: Nonlinearity of the output, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        layer_normalization: Whether to use layer normalisation in both the
            convolutional and the fully connected layers.
        dueling: Whether to use the dueling architecture.
        is_image: Whether inputs are pixels in ``[0, 255]``, to be divided
            by 255 whatever their dtype. ``uint8`` inputs are scaled
            either way.

    """

    def __init__(
        self,
        spec_or_input_shape: Sequence[int] | InOutSpec | Any,
        output_dim: int,
        image_format: str,
        kernel_sizes: Size2d | Sequence[Size2d],
        hidden_channels: Sequence[int],
        strides: Size2d | Sequence[Size2d],
        *,
        hidden_sizes: Sequence[int] = (32, 32),
        cnn_hidden_nonlinearity: NonLinearitySpec | None = nn.ReLU,
        mlp_hidden_nonlinearity: NonLinearitySpec | None = nn.ReLU,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        paddings: Size2d | Sequence[Size2d] = 0,
        padding_mode: PaddingMode = 'zeros',
        max_pool: bool = False,
        pool_shape: Size2d | Sequence[Size2d] | None = None,
        pool_stride: Size2d | Sequence[Size2d] = 1,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        layer_normalization: bool = False,
        dueling: bool = False,
        is_image: bool = True,
    ):
        super().__init__()
        self._is_image = is_image
        self._dueling = dueling
        # a plain shape: float pixels are scaled here, according to is_image
        input_shape, _ = image_shape(spec_or_input_shape)
        self._cnn_module = CNNModule(
            input_shape,
            image_format,
            hidden_channels,
            kernel_sizes,
            strides,
            hidden_nonlinearity=cnn_hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            paddings=paddings,
            padding_mode=padding_mode,
            max_pool=max_pool,
            pool_shape=pool_shape,
            pool_stride=pool_stride,
            layer_normalization=layer_normalization,
        )

        def mlp(mlp_output_dim: int) -> MLPModule:
            return MLPModule(
                self._cnn_module.output_dim,
                mlp_output_dim,
                hidden_sizes,
                hidden_nonlinearity=mlp_hidden_nonlinearity,
                hidden_w_init=hidden_w_init,
                hidden_b_init=hidden_b_init,
                output_nonlinearity=output_nonlinearity,
                output_w_init=output_w_init,
                output_b_init=output_b_init,
                layer_normalization=layer_normalization,
            )

        if dueling:
            self._val = mlp(1)
            self._act = mlp(output_dim)
        else:
            self._mlp_module = mlp(output_dim)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Compute the outputs.

        Args:
            inputs: Images of shape ``(..., *input_shape)``, or flattened
                images of shape ``(..., prod(input_shape))``.

        Returns:
            torch.Tensor: Outputs of shape ``(..., output_dim)``.

        """
        if self._is_image and inputs.dtype != torch.uint8:
            inputs = inputs / 255.0
        x = self._cnn_module(inputs)
        if not self._dueling:
            return self._mlp_module(x)
        advantages = self._act(x)
        return self._val(x) + advantages - advantages.mean(dim=-1, keepdim=True)
