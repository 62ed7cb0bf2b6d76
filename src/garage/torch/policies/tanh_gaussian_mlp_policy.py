"""A policy squashing a Gaussian's samples with tanh (SAC's policy)."""

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from torch import nn

from garage._legacy_gym import akro
from garage.torch.distributions import TanhNormal
from garage.torch.modules import GaussianMLPTwoHeadedModule
from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.multi_headed_mlp_module import Initializer
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class TanhGaussianMLPPolicy(StochasticPolicy):
    """A tanh-squashed Gaussian policy: actions lie in ``(-1, 1)``.

    One MLP with two heads gives the mean and the log standard deviation of
    a Gaussian, both depending on the observation; the action is the tanh
    of a sample of it (`garage.torch.distributions.TanhNormal`).
    Scale the environment's actions to ``[-1, 1]``
    (``garage.envs.normalize``). The agent information of an action holds
    ``mean``, the tanh of the Gaussian's mean, and ``log_std``, the log
    standard deviation of the Gaussian (before tanh), as in the original
    garage; the action of deterministic mode is ``mean``.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        hidden_sizes: Size of each shared hidden layer.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the mean head, or None.
        output_w_init: Initialiser of both heads' weights.
        output_b_init: Initialiser of the mean head's biases.
        init_std: Initial standard deviation (the std head's bias).
        min_std: Lower bound of the standard deviation, or None.
        max_std: Upper bound of the standard deviation, or None.
        std_parameterization: ``'exp'`` (the head outputs the log standard
            deviation) or ``'softplus'``.
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
        hidden_nonlinearity: NonLinearitySpec | None = nn.ReLU,
        hidden_w_init: Initializer = nn.init.xavier_uniform_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_uniform_,
        output_b_init: Initializer = nn.init.zeros_,
        init_std: float = 1.0,
        min_std: float | None = math.exp(-20.0),
        max_std: float | None = math.exp(2.0),
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
        name: str = 'TanhGaussianPolicy',
    ):
        check_action_space(self, env_spec, akro.Box)
        super().__init__(env_spec, name)
        self._module = GaussianMLPTwoHeadedModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=env_spec.action_space.flat_dim,
            hidden_sizes=hidden_sizes,
            hidden_nonlinearity=hidden_nonlinearity,
            hidden_w_init=hidden_w_init,
            hidden_b_init=hidden_b_init,
            output_nonlinearity=output_nonlinearity,
            output_w_init=output_w_init,
            output_b_init=output_b_init,
            init_std=init_std,
            min_std=min_std,
            max_std=max_std,
            std_parameterization=std_parameterization,
            layer_normalization=layer_normalization,
            normal_distribution_cls=TanhNormal,
        )

    def forward(
        self, observations: torch.Tensor
    ) -> tuple[TanhNormal, dict[str, torch.Tensor]]:
        """Compute the distribution of actions.

        Args:
            observations: Flattened observations, of shape
                ``(N, flat_dim)``.

        Returns:
            tuple: The ``TanhNormal`` distribution, with batch shape
                ``(N,)`` and event shape ``(action_dim,)``, and a dict of
                its ``mean`` (``tanh`` of the Gaussian's mean) and
                ``log_std`` (of the Gaussian), each of shape
                ``(N, action_dim)``.

        """
        dist = self._module(observations)
        return dist, {'mean': dist.mean, 'log_std': dist.stddev.log()}

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        # tanh(mean + std * N(0, 1)), as TanhNormal.sample draws
        mean, log_std = self._module.forward_mean_std(observations)
        squashed_mean = torch.tanh(mean)
        if self._deterministic:
            actions = squashed_mean
        else:
            actions = torch.tanh(
                torch.addcmul(mean, log_std.exp(), torch.randn_like(mean))
            )
        return actions, {'mean': squashed_mean, 'log_std': log_std}
