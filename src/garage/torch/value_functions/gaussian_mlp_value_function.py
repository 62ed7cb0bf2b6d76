"""A value function that models the return as a Gaussian."""

from collections.abc import Sequence

import torch
from torch import nn

from garage._dtypes import EnvSpec
from garage.torch.modules import GaussianMLPModule
from garage.torch.modules._utils import NonLinearitySpec, flatten_observations
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.value_functions.value_function import ValueFunction


class GaussianMLPValueFunction(ValueFunction):
    """A Gaussian over the return: an MLP for the mean, a parameter for std.

    `forward` returns the mean, the value estimate.
    `compute_loss` is the negative log-likelihood of the returns, so
    fitting also learns how uncertain the estimate is (with ``learn_std``).

    Observations may come flattened, ``(N, flat_dim)``, or in the
    observation space's shape, ``(N, *shape)``.

    Args:
        env_spec: The specification of the environment.
        hidden_sizes: Size of each hidden layer.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the output, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        learn_std: Whether the standard deviation is learned.
        init_std: Initial standard deviation.
        layer_normalization: Whether to normalise the input of each hidden
            layer.
        name: The name of the value function.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        hidden_sizes: Sequence[int] = (32, 32),
        hidden_nonlinearity: NonLinearitySpec | None = torch.tanh,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        learn_std: bool = True,
        init_std: float = 1.0,
        layer_normalization: bool = False,
        name: str = 'GaussianMLPValueFunction',
    ):
        super().__init__(env_spec, name)
        self.module = GaussianMLPModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=1,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            learn_std=learn_std,
            init_std=init_std,
            min_std=None,
            max_std=None,
            std_parameterization='exp',
            layer_normalization=layer_normalization,
        )

    def compute_loss(self, obs: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
        """Compute the negative log-likelihood of the returns.

        Args:
            obs: Observations of shape ``(N, flat_dim)`` or ``(N, *shape)``.
            returns: Returns of shape ``(N,)``.

        Returns:
            torch.Tensor: The mean negative log-likelihood, a scalar.

        Raises:
            ValueError: If the observations do not match the observation
                space, or ``returns`` does not hold one value per
                observation.

        """
        obs = flatten_observations(obs, self.env_spec.observation_space)
        n_obs = obs.shape[:-1].numel()
        if returns.numel() != n_obs:
            raise ValueError(
                f'returns of shape {tuple(returns.shape)} do not '
                f'match the {n_obs} observations: expected '
                f'shape ({n_obs},)'
            )
        dist = self.module(obs)
        return -dist.log_prob(returns.reshape(*obs.shape[:-1], 1)).mean()

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Estimate the value of observations: the Gaussian's mean.

        Args:
            obs: Observations of shape ``(N, flat_dim)`` or ``(N, *shape)``.

        Returns:
            torch.Tensor: Values of shape ``(N,)``.

        Raises:
            ValueError: If the observations do not match the observation
                space.

        """
        obs = flatten_observations(obs, self.env_spec.observation_space)
        mean, _ = self.module.forward_mean_std(obs)
        return mean.squeeze(-1)
