"""A policy taking the action of highest value under a Q-function."""

from typing import TYPE_CHECKING

import torch

from garage._legacy_gym import akro
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.policy import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class DiscreteQFArgmaxPolicy(Policy):
    """The greedy policy of a discrete Q-function (DQN).

    The action is the index of the largest of the Q-values the Q-function
    gives for the observation (the first one on ties). Wrap it in an
    exploration policy (``garage.np.exploration_policies
    .EpsilonGreedyPolicy``) to collect samples. The agent information is
    empty.

    Args:
        qf: A module mapping a batch of flattened observations,
            ``(N, flat_dim)``, to Q-values, ``(N, n_actions)``, such as
            ``garage.torch.q_functions.DiscreteMLPQFunction`` or
            ``DiscreteCNNQFunction``. It is a submodule of the policy: the
            policy's parameters are the Q-function's.
        env_spec: The specification of the environment; its action space
            must be an ``akro.Discrete``.
        name: The name of the policy.

    Raises:
        ValueError: If the action space is not an ``akro.Discrete``.

    """

    def __init__(
        self,
        qf: torch.nn.Module,
        env_spec: 'EnvSpec',
        *,
        name: str = 'DiscreteQFArgmaxPolicy',
    ):
        check_action_space(self, env_spec, akro.Discrete)
        super().__init__(env_spec, name)
        self._qf = qf

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Compute the greedy actions.

        Args:
            observations: Flattened observations, of shape
                ``(N, flat_dim)``.

        Returns:
            torch.Tensor: The index of each row's largest Q-value, of shape
                ``(N,)``.

        """
        return self._qf(observations).argmax(dim=1)
