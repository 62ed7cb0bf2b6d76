"""A policy drawing discrete actions from a convolutional network's logits."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Categorical

from garage._legacy_gym import akro
from garage.torch.modules import DiscreteCNNModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.cnn_module import PaddingMode, Size2d
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.policies._categorical import (
    categorical_with_probs,
    sample_categorical,
)
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class CategoricalCNNPolicy(StochasticPolicy):
    """A categorical policy over images: convolutions, then an MLP of logits.

    The observation space must be three-dimensional, laid out as
    ``image_format`` says. Observations reach the network in the space's
    shape, ``(N, *shape)`` (flattened ones are reshaped); with ``is_image``
    pixels are divided by 255. The agent information of an action holds
    the ``probs`` of every action, and the action of deterministic mode is
    the most probable one.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Discrete``.
        image_format: ``'NCHW'`` or ``'NHWC'``, the layout of the
            observation space.
        kernel_sizes: Kernel size of each convolutional layer.
        hidden_channels: Output channels of each convolutional layer.
        strides: Stride of each convolutional layer.
        hidden_sizes: Size of each hidden fully connected layer.
        hidden_nonlinearity: Nonlinearity of the convolutional and the
            hidden fully connected layers, or None.
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
        is_image: Whether observations are pixels in ``[0, 255]``, to be
            divided by 255.
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
        *,
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
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
        is_image: bool = True,
        name: str = 'CategoricalCNNPolicy',
    ):
        check_action_space(self, env_spec, akro.Discrete)
        space = env_spec.observation_space
        if not (isinstance(space, akro.Box) and len(space.shape) == 3):
            raise ValueError(
                f'{type(self).__name__} needs a '
                'three-dimensional akro.Box (or akro.Image) '
                f'observation space, but the environment has '
                f'{space!r}'
            )
        super().__init__(env_spec, name, flatten_observations=False)
        self._module = DiscreteCNNModule(
            space.shape,
            env_spec.action_space.n,
            image_format,
            kernel_sizes,
            hidden_channels,
            strides,
            hidden_sizes=hidden_sizes,
            cnn_hidden_nonlinearity=hidden_nonlinearity,
            mlp_hidden_nonlinearity=hidden_nonlinearity,
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
            is_image=is_image,
        )

    def forward(
        self, observations: torch.Tensor
    ) -> tuple[Categorical, dict[str, torch.Tensor]]:
        """Compute the distribution of actions.

        Args:
            observations: Images of shape ``(N, *shape)``, or flattened
                images of shape ``(N, flat_dim)``.

        Returns:
            tuple: The ``Categorical`` distribution, with batch shape
                ``(N,)``, and a dict of its ``probs``, of shape
                ``(N, n_actions)``.

        """
        return categorical_with_probs(self._module(observations))

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return sample_categorical(self._module(observations), self._deterministic)
