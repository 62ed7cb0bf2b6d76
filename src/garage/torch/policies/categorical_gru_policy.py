"""A categorical policy whose logits are computed by a GRU."""

from typing import TYPE_CHECKING

import torch
from torch.distributions import Distribution

from garage import _validation
from garage._legacy_gym import akro
from garage.torch.policies._categorical import (
    categorical_with_probs,
    sample_categorical,
)
from garage.torch.policies._checks import check_action_space
from garage.torch.policies._recurrent import GRUPolicyBase

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class CategoricalGRUPolicy(GRUPolicyBase):
    """A categorical policy over discrete actions, with a GRU memory.

    A GRU reads the observations one step at a time; a linear layer maps
    its output to the logits of the actions. The agent information holds
    the ``probs`` of each action's distribution, as for
    `CategoricalMLPPolicy`; deterministic mode takes the most probable
    action.

    The policy keeps one hidden state per row (environment): see
    ``reset``, ``get_actions(observations, rows=...)`` and ``forward``,
    which evaluates padded sequences ``(N, T, flat_dim)`` for training.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Discrete``.
        hidden_dim: The size of the GRU's hidden state.
        hidden_state_init_trainable: Whether the initial hidden state is
            learned.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Discrete``, or
            ``hidden_dim`` is not positive.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        hidden_dim: int = 32,
        *,
        hidden_state_init_trainable: bool = False,
        name: str = 'CategoricalGRUPolicy',
    ):
        check_action_space(self, env_spec, akro.Discrete)
        hidden_dim = _validation.positive_int('hidden_dim', hidden_dim)
        super().__init__(
            env_spec,
            int(env_spec.action_space.n),
            hidden_dim=hidden_dim,
            hidden_state_init_trainable=hidden_state_init_trainable,
            name=name,
        )

    def _distribution(
        self, outputs: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        return categorical_with_probs(outputs)

    def _sample(
        self, outputs: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        return sample_categorical(outputs, self._deterministic)
