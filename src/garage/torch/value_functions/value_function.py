"""Base class of value functions."""

import abc

import torch
from torch import nn

from garage._dtypes import EnvSpec


class ValueFunction(abc.ABC, nn.Module):
    """A state-value function: estimates the return from an observation.

    Args:
        env_spec: The specification of the environment.
        name: The name of the value function.

    """

    def __init__(self, env_spec: EnvSpec, name: str):
        super().__init__()
        self._mdp_spec = env_spec
        self.name = name

    @property
    def env_spec(self) -> EnvSpec:
        """garage.EnvSpec: The specification of the environment."""
        return self._mdp_spec

    @abc.abstractmethod
    def compute_loss(self, obs: torch.Tensor, returns: torch.Tensor) -> torch.Tensor:
        """Compute the loss of fitting ``returns`` from ``obs``.

        Args:
            obs: Observations, one per row.
            returns: The returns observed from them, one per row.

        Returns:
            torch.Tensor: The scalar loss, to minimise.

        """

    @abc.abstractmethod
    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Estimate the value of observations.

        Args:
            obs: Observations, one per row.

        Returns:
            torch.Tensor: One value per observation.

        """
