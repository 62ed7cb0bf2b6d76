"""A Q-function of discrete actions, from a multi-layer perceptron."""

from collections.abc import Sequence

import torch
from torch import nn

from garage._dtypes import EnvSpec
from garage.torch.modules import MLPModule
from garage.torch.modules._utils import NonLinearitySpec, flatten_observations
from garage.torch.modules.multi_headed_mlp_module import Initializer


class DiscreteMLPQFunction(nn.Module):
    """An MLP from an observation to one Q-value per discrete action.

    Observations may come flattened or in the observation space's shape.

    Args:
        env_spec: The specification of the environment; its action space is
            discrete, with ``flat_dim`` actions.
        hidden_sizes: Size of each hidden layer.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the output, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        layer_normalization: Whether to normalise the input of each hidden
            layer.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        hidden_sizes: Sequence[int],
        hidden_nonlinearity: NonLinearitySpec | None = torch.relu,
        hidden_w_init: Initializer = nn.init.xavier_normal_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_normal_,
        output_b_init: Initializer = nn.init.zeros_,
        layer_normalization: bool = False,
    ):
        super().__init__()
        self._env_spec = env_spec
        self._module = MLPModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=env_spec.action_space.flat_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            layer_normalization=layer_normalization,
        )

    @property
    def env_spec(self) -> EnvSpec:
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Compute the Q-value of every action.

        Args:
            observations: Observations of shape ``(N, flat_dim)`` or
                ``(N, *shape)``.

        Returns:
            torch.Tensor: Q-values of shape ``(N, n_actions)``.

        Raises:
            ValueError: If the observations do not match the observation
                space.

        """
        return self._module(
            flatten_observations(observations, self._env_spec.observation_space)
        )
