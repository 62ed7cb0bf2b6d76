"""A Q-function of discrete actions over image observations."""

from collections.abc import Sequence

import torch
from torch import nn

from garage._dtypes import EnvSpec
from garage._legacy_gym import akro
from garage.torch.modules import DiscreteCNNModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.cnn_module import PaddingMode, Size2d
from garage.torch.modules.multi_headed_mlp_module import Initializer


class DiscreteCNNQFunction(nn.Module):
    """Convolutions then an MLP, from an image to one Q-value per action.

    Observations are images in the observation space's shape,
    ``(N, *shape)``, in ``image_format``, or flattened, ``(N, flat_dim)``.
    When the observation space is an ``akro.Image``, pixels are divided by
    255 (whatever their dtype); ``uint8`` observations are scaled in any
    case.

    Args:
        env_spec: The specification of the environment: a three-dimensional
            observation space and a discrete action space.
        image_format: ``'NCHW'`` or ``'NHWC'``, the layout of the
            observation space.
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
        layer_normalization: Whether to use layer normalisation.

    """

    _dueling = False

    def __init__(
        self,
        env_spec: EnvSpec,
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
    ):
        super().__init__()
        self._env_spec = env_spec
        self._cnn_module = DiscreteCNNModule(
            env_spec.observation_space.shape,
            env_spec.action_space.flat_dim,
            image_format,
            kernel_sizes,
            hidden_channels,
            strides,
            hidden_sizes=hidden_sizes,
            cnn_hidden_nonlinearity=cnn_hidden_nonlinearity,
            mlp_hidden_nonlinearity=mlp_hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            paddings=paddings,
            padding_mode=padding_mode,
            max_pool=max_pool,
            pool_shape=pool_shape,
            pool_stride=pool_stride,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            layer_normalization=layer_normalization,
            dueling=self._dueling,
            is_image=isinstance(env_spec.observation_space, akro.Image),
        )

    @property
    def env_spec(self) -> EnvSpec:
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Compute the Q-value of every action.

        Args:
            observations: Observations of shape ``(N, *shape)`` or
                ``(N, flat_dim)``.

        Returns:
            torch.Tensor: Q-values of shape ``(N, n_actions)``.

        Raises:
            ValueError: If the observations have neither shape.

        """
        return self._cnn_module(observations)
