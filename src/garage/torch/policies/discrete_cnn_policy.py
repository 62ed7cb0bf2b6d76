"""A policy of discrete actions over images, as the original garage named it."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from torch import nn

from garage._legacy_gym import akro
from garage.torch.modules import DiscreteCNNModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.cnn_module import PaddingMode, Size2d
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.categorical_cnn_policy import CategoricalCNNPolicy
from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class DiscreteCNNPolicy(CategoricalCNNPolicy):
    """A categorical policy over images with the original garage's options.

    Convolutions, then an MLP, give one logit per action; actions are
    drawn from the categorical distribution of these logits, and the
    action of deterministic mode is the most probable one. It is a
    `CategoricalCNNPolicy` with separate nonlinearities for the
    convolutional and the fully connected layers (ReLU both by default),
    whose pixels are divided by 255 when the observation space is an
    ``akro.Image`` (``uint8`` observations are scaled in any case).

    Args:
        env_spec: The specification of the environment: a three-dimensional
            observation space and an ``akro.Discrete`` action space.
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
        output_nonlinearity: Nonlinearity applied to the logits, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        layer_normalization: Whether to use layer normalisation.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Discrete``, or the
            observation space is not a three-dimensional ``akro.Box``.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        image_format: str,
        kernel_sizes: Size2d | Sequence[Size2d],
        hidden_channels: Sequence[int],
        strides: Size2d | Sequence[Size2d],
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
        name: str = 'DiscreteCNNPolicy',
    ):
        check_action_space(self, env_spec, akro.Discrete)
        space = env_spec.observation_space
        if not (isinstance(space, akro.Box) and len(space.shape) == 3):
            raise ValueError(
                f'DiscreteCNNPolicy needs a three-dimensional akro.Box (or '
                f'akro.Image) observation space, but the environment has {space!r}'
            )
        StochasticPolicy.__init__(self, env_spec, name, flatten_observations=False)
        self._module = DiscreteCNNModule(
            space.shape,
            env_spec.action_space.n,
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
            is_image=isinstance(space, akro.Image),
        )
