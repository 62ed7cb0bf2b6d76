"""A policy that looks its actions up by observation."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage.np._tensor_dicts import stack_tensor_dict_list
from garage.np.policies.policy import ParameterFreePolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class ScriptedPolicy(ParameterFreePolicy):
    """Returns ``scripted_actions[observation]``: the observation is an index.

    Useful for tests with environments whose observations count steps or
    name states.

    Args:
        scripted_actions: The actions, indexed by observation (a sequence
            indexed by integers, or a mapping).
        agent_env_infos: The agent information to return with each action,
            indexed the same way; empty dicts if None.
        env_spec: The specification of the environment, if there is one.

    """

    def __init__(
        self,
        scripted_actions: Sequence[Any],
        agent_env_infos: Sequence[dict] | None = None,
        *,
        env_spec: 'EnvSpec | None' = None,
    ):
        self._scripted_actions = scripted_actions
        self._agent_env_infos = agent_env_infos
        self._env_spec = env_spec

    @property
    def env_spec(self) -> 'EnvSpec | None':  # type: ignore[override]  # made without one
        """garage.EnvSpec or None: The specification of the environment."""
        return self._env_spec

    def get_action(self, observation: Any) -> tuple[Any, dict]:
        """Look up the action for an observation.

        Args:
            observation: The index of the action.

        Returns:
            tuple: ``scripted_actions[observation]`` and its agent info dict.

        Raises:
            IndexError: If there is no scripted action for the observation.

        """
        try:
            action = self._scripted_actions[observation]
            if self._agent_env_infos is None:
                return action, {}
            return action, self._agent_env_infos[observation]
        except (IndexError, KeyError) as error:
            raise IndexError(
                f'no scripted action or agent info for {observation=}; the '
                f'script has {len(self._scripted_actions)} actions'
            ) from error

    def get_actions(self, observations: Sequence[Any]) -> tuple[np.ndarray, dict]:
        """Look up the actions for a batch of observations.

        Args:
            observations: The indices of the actions, one per row.

        Returns:
            tuple: The stacked actions, and the stacked agent info dicts.

        Raises:
            ValueError: If the batch is empty.
            IndexError: If there is no scripted action for an observation.

        """
        if len(observations) == 0:
            raise ValueError(
                'get_actions needs at least one observation, but the batch is empty'
            )
        results = [self.get_action(obs) for obs in observations]
        return (
            np.stack([action for action, _ in results]),
            stack_tensor_dict_list([info for _, info in results]),
        )
