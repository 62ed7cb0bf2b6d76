"""A policy drawing actions from a Gaussian whose mean is an MLP's output."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Distribution

from garage._legacy_gym import akro
from garage.torch.modules import GaussianMLPModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class GaussianMLPPolicy(StochasticPolicy):
    """A diagonal Gaussian policy: an MLP for the mean, a vector for the std.

    The standard deviation does not depend on the observation; it is learned
    (``learn_std``) or fixed at ``init_std``. The agent information of an
    action holds the ``mean`` and the ``log_std`` of its distribution, and
    the actions of deterministic mode are the means.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        hidden_sizes: Size of each hidden layer of the mean network.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the mean's output, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        learn_std: Whether the standard deviation is learned.
        init_std: Initial standard deviation.
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_parameterization: ``'exp'`` (the parameter is the log standard
            deviation) or ``'softplus'`` (``std = log(1 + exp(param))``).
        layer_normalization: Whether to normalise the input of each hidden
            layer.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Box``.

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
        learn_std: bool = True,
        init_std: float = 1.0,
        min_std: float | None = 1e-6,
        max_std: float | None = None,
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
        name: str = 'GaussianMLPPolicy',
    ):
        check_action_space(self, env_spec, akro.Box)
        super().__init__(env_spec, name)
        self._module = GaussianMLPModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=env_spec.action_space.flat_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            learn_std=learn_std,
            init_std=init_std,
            min_std=min_std,
            max_std=max_std,
            std_parameterization=std_parameterization,
            layer_normalization=layer_normalization,
        )

    def forward(
        self, observations: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        """Compute the distribution of actions.

        Args:
            observations: Flattened observations, of shape
                ``(N, flat_dim)``.

        Returns:
            tuple: The distribution, an ``Independent`` ``Normal`` with
                batch shape ``(N,)`` and event shape ``(action_dim,)``, and
                a dict of its ``mean`` and ``log_std``, each of shape
                ``(N, action_dim)``.

        """
        dist = self._module(observations)
        return dist, {'mean': dist.mean, 'log_std': dist.stddev.log()}

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        # mean + std * N(0, 1), as Normal.sample draws, without building it
        mean, log_std = self._module.forward_mean_std(observations)
        if self._deterministic:
            return mean, {'mean': mean, 'log_std': log_std}
        actions = torch.addcmul(mean, log_std.exp(), torch.randn_like(mean))
        return actions, {'mean': mean, 'log_std': log_std}
