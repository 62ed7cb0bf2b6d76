"""The types of the updates samplers send to their workers.

An agent update is None (keep the agent), a policy (any object with
``get_action``; it replaces the agent) or parameter values (a mapping, as
``get_param_values`` returns, or an array; the agent loads them). An
environment update is None (keep the environment), an ``Environment``
(it replaces the environment) or an ``EnvUpdate`` (called with the old
environment, it returns the new one). A sampler takes one update for every
worker or a sequence of exactly one per worker.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np

from garage._environment import Environment
from garage.sampler.env_update import EnvUpdate


@runtime_checkable
class PolicyLike(Protocol):
    """What a worker needs of a policy: an action for an observation."""

    def get_action(self, observation: Any) -> tuple[Any, dict[str, Any]]:
        """Choose the action for one observation; see ``Policy``."""


ParameterValues: TypeAlias = Mapping[str, Any] | np.ndarray
AgentUpdate: TypeAlias = PolicyLike | ParameterValues | None
EnvUpdateLike: TypeAlias = Environment | EnvUpdate | None
AgentUpdates: TypeAlias = AgentUpdate | Sequence[AgentUpdate]
EnvUpdates: TypeAlias = EnvUpdateLike | Sequence[EnvUpdateLike]
