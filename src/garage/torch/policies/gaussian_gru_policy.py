"""A Gaussian policy whose mean is computed by a GRU."""

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.distributions import Distribution, Independent, Normal

from garage import _validation
from garage._legacy_gym import akro
from garage.torch.policies._checks import check_action_space
from garage.torch.policies._recurrent import GRUPolicyBase

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class GaussianGRUPolicy(GRUPolicyBase):
    """A diagonal Gaussian policy with a GRU memory.

    A GRU reads the observations one step at a time; a linear layer maps
    its output to the mean. The standard deviation is a learned (or fixed)
    vector, as in `GaussianMLPPolicy`. The agent information holds
    the ``mean`` and ``log_std`` of each action's distribution.

    The policy keeps one hidden state per row (environment): see
    ``reset``, ``get_actions(observations, rows=...)`` and ``forward``,
    which evaluates padded sequences ``(N, T, flat_dim)`` for training. The
    original garage's TensorFlow policy of this name also fed the previous
    action into the GRU (``state_include_action``); here that is the
    environment's job (`garage.torch.algos.RL2Env` feeds it in).

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        hidden_dim: The size of the GRU's hidden state.
        output_nonlinearity: Nonlinearity applied to the mean, or None.
        hidden_state_init_trainable: Whether the initial hidden state is
            learned.
        learn_std: Whether the standard deviation is learned.
        init_std: Initial standard deviation.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Box``, or
            ``hidden_dim`` or ``init_std`` is not positive.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        hidden_dim: int = 32,
        *,
        output_nonlinearity: Callable[[torch.Tensor], torch.Tensor] | None = None,
        hidden_state_init_trainable: bool = False,
        learn_std: bool = True,
        init_std: float = 1.0,
        name: str = 'GaussianGRUPolicy',
    ):
        check_action_space(self, env_spec, akro.Box)
        hidden_dim = _validation.positive_int('hidden_dim', hidden_dim)
        init_std = _validation.number_in('init_std', init_std, 0, low_open=True)
        action_dim = int(env_spec.action_space.flat_dim)
        super().__init__(
            env_spec,
            action_dim,
            hidden_dim=hidden_dim,
            hidden_state_init_trainable=hidden_state_init_trainable,
            name=name,
        )
        self._output_nonlinearity = output_nonlinearity
        self._log_std = nn.Parameter(
            torch.full((action_dim,), math.log(init_std)), requires_grad=learn_std
        )

    def _mean_log_std(self, outputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = outputs
        if self._output_nonlinearity is not None:
            mean = self._output_nonlinearity(mean)
        return mean, self._log_std.expand_as(mean)

    def _distribution(
        self, outputs: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        mean, log_std = self._mean_log_std(outputs)
        dist = Independent(Normal(mean, log_std.exp(), validate_args=False), 1)
        return dist, {'mean': mean, 'log_std': log_std}

    def _sample(
        self, outputs: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        mean, log_std = self._mean_log_std(outputs)
        info = {'mean': mean, 'log_std': log_std}
        if self._deterministic:
            return mean, info
        return torch.addcmul(mean, log_std.exp(), torch.randn_like(mean)), info
