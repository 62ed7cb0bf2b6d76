"""A policy drawing discrete actions from the softmax of an MLP's output."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Categorical

from garage._legacy_gym import akro
from garage.torch.modules import MLPModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.policies._categorical import (
    categorical_with_probs,
    sample_categorical,
)
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class CategoricalMLPPolicy(StochasticPolicy):
    """A categorical policy: an MLP outputs the logits of each action.

    The agent information of an action holds the ``probs`` of every action,
    and the action of deterministic mode is the most probable one.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Discrete``.
        hidden_sizes: Size of each hidden layer.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity applied to the logits, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        layer_normalization: Whether to normalise the input of each hidden
            layer.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Discrete``.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        hidden_sizes: Sequence[int] = (32, 32),
        *,
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        layer_normalization: bool = False,
        name: str = 'CategoricalMLPPolicy',
    ):
        check_action_space(self, env_spec, akro.Discrete)
        super().__init__(env_spec, name)
        self._module = MLPModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=env_spec.action_space.n,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            layer_normalization=layer_normalization,
        )

    def forward(
        self, observations: torch.Tensor
    ) -> tuple[Categorical, dict[str, torch.Tensor]]:
        """Compute the distribution of actions.

        Args:
            observations: Flattened observations, of shape
                ``(N, flat_dim)``.

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
