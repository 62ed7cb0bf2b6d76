"""A Q-function of continuous actions."""

from typing import Any

import torch
from torch import nn

from garage._dtypes import EnvSpec
from garage.torch.modules import MLPModule
from garage.torch.modules._utils import flatten_observations


class ContinuousMLPQFunction(nn.Module):
    """An MLP of the concatenated observation and action, to one Q-value.

    Observations and actions may come flattened or in their space's shape.

    Args:
        env_spec: The specification of the environment.
        **kwargs: Options of `garage.torch.modules.MLPModule`
            (``hidden_sizes``, ``hidden_nonlinearity``, ...), all but
            ``input_dim`` and ``output_dim``, which the spaces determine.

    Raises:
        TypeError: If ``input_dim`` or ``output_dim`` is given.

    """

    def __init__(self, env_spec: EnvSpec, **kwargs: Any):
        super().__init__()
        for fixed in ('input_dim', 'output_dim'):
            if fixed in kwargs:
                raise TypeError(
                    f'{fixed} is determined by env_spec; do not '
                    'pass it to ContinuousMLPQFunction'
                )
        self._env_spec = env_spec
        self._obs_dim = env_spec.observation_space.flat_dim
        self._action_dim = env_spec.action_space.flat_dim
        self._module = MLPModule(
            input_dim=self._obs_dim + self._action_dim, output_dim=1, **kwargs
        )

    @property
    def env_spec(self) -> EnvSpec:
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    def forward(
        self, observations: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        """Compute Q-values.

        Args:
            observations: Observations of shape ``(N, obs_flat_dim)`` or
                ``(N, *obs_shape)``.
            actions: Actions of shape ``(N, action_flat_dim)`` or
                ``(N, *action_shape)``.

        Returns:
            torch.Tensor: Q-values of shape ``(N, 1)``.

        Raises:
            ValueError: If observations or actions do not match their space,
                or their batch shapes differ.

        """
        observations = flatten_observations(
            observations, self._env_spec.observation_space
        )
        actions = flatten_observations(actions, self._env_spec.action_space, 'actions')
        if observations.shape[:-1] != actions.shape[:-1]:
            raise ValueError(
                f'observations and actions must have the same batch shape, '
                f'got {tuple(observations.shape[:-1])} and '
                f'{tuple(actions.shape[:-1])}'
            )
        return self._module(torch.cat([observations, actions], dim=-1))
