"""Base class of the policies that sample actions from a distribution."""

import abc
from typing import TYPE_CHECKING

import torch
from torch.distributions import Distribution

from garage.torch.policies.policy import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class StochasticPolicy(Policy):
    """A policy whose action is a sample of a distribution over actions.

    ``forward`` (calling the policy) returns the distribution, for
    algorithms to compute log-likelihoods and entropies with gradients.
    `get_action` and `get_actions` sample from the same
    distribution for samplers, without gradients, and return NumPy arrays.

    Subclasses implement `forward`. They may also override
    `_act` with a faster path that draws the same distribution
    without building a ``torch.distributions`` object: at one observation
    per environment step, building one costs more than a small network.

    Deterministic mode, for evaluation: with ``policy.deterministic = True``,
    `get_action` and `get_actions` return the most likely action
    (the mean of a Gaussian, the tanh of the mean of a tanh-Gaussian, the
    most probable category) instead of a sample; the agent information is
    unchanged. ``forward`` ignores the mode. The mode is an attribute of the
    policy object: it is pickled with it, and is not part of the parameters.

    Args:
        env_spec: The specification of the environment.
        name: The name of the policy.
        flatten_observations: Whether the module takes flattened
            observations or observations in the space's shape.

    """

    def __init__(
        self, env_spec: 'EnvSpec', name: str, *, flatten_observations: bool = True
    ):
        super().__init__(env_spec, name, flatten_observations=flatten_observations)
        self._deterministic = False

    @property
    def deterministic(self) -> bool:
        """bool: Whether actions are the most likely ones, not samples."""
        return self._deterministic

    @deterministic.setter
    def deterministic(self, value: bool) -> None:
        self._deterministic = bool(value)

    @abc.abstractmethod
    def forward(
        self, observations: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        """Compute the distribution of actions.

        Args:
            observations: A batch of observations, one per row, as the
                module takes them (flattened, for the MLP policies).

        Returns:
            tuple: The distribution of the actions, with one batch entry per
                observation, and a dict of tensors describing it, one row
                per observation (the keys of the agent information of
                `get_actions`).

        """

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Draw actions (or take the most likely ones in deterministic mode).

        Called in inference mode (no gradient). Overriding it must not
        change the distribution of the actions, only how fast they are
        drawn.

        Args:
            observations: A batch of observations, as `forward` takes
                them.

        Returns:
            tuple: The actions, one per row, and the agent information: a
                dict of tensors with one row per observation. They may be
                views of parameters or buffers, or of one another:
                `get_action` and `get_actions` copy them.

        """
        dist, info = self(observations)
        actions = dist.mode if self._deterministic else dist.sample()
        return actions, info
