"""A policy whose action is the output of an MLP."""

from typing import TYPE_CHECKING, Any

import torch

from garage._legacy_gym import akro
from garage.torch.modules import MLPModule
from garage.torch.policies._checks import check_action_space
from garage.torch.policies.policy import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class DeterministicMLPPolicy(Policy):
    """A deterministic policy: the action is an MLP's output (DDPG, TD3).

    As in the original garage, the MLP's output is linear unless
    ``output_nonlinearity`` is given: pass ``output_nonlinearity=torch.tanh``
    for actions in ``[-1, 1]``, and scale the environment's actions to that
    range (``garage.envs.normalize``). The agent information is empty.

    Args:
        env_spec: The specification of the environment; its action space
            must be an ``akro.Box``.
        name: The name of the policy.
        **kwargs: Options of `garage.torch.modules.MLPModule`
            (``hidden_sizes``, ``hidden_nonlinearity``,
            ``output_nonlinearity`` and the initialisers). ``hidden_sizes``
            defaults to ``(32, 32)`` and ``output_nonlinearity`` to None
            (linear); ``input_dim`` and ``output_dim`` come from
            ``env_spec``.

    Raises:
        ValueError: If the action space is not an ``akro.Box``.
        TypeError: If ``kwargs`` holds an option ``MLPModule`` does not take,
            or ``input_dim`` or ``output_dim``.

    """

    def __init__(
        self, env_spec: 'EnvSpec', name: str = 'DeterministicMLPPolicy', **kwargs: Any
    ):
        check_action_space(self, env_spec, akro.Box)
        for key in ('input_dim', 'output_dim'):
            if key in kwargs:
                raise TypeError(
                    f'{key} comes from env_spec; it cannot be '
                    f'given to {type(self).__name__}'
                )
        super().__init__(env_spec, name)
        kwargs.setdefault('hidden_sizes', (32, 32))
        self._module = MLPModule(
            input_dim=env_spec.observation_space.flat_dim,
            output_dim=env_spec.action_space.flat_dim,
            **kwargs,
        )

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Compute the actions.

        Args:
            observations: Flattened observations, of shape
                ``(N, flat_dim)``.

        Returns:
            torch.Tensor: The actions, of shape ``(N, action_dim)``.

        """
        return self._module(observations)
