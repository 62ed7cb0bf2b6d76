"""A policy that plays back a fixed sequence of actions."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage.np._tensor_dicts import stack_tensor_dict_list
from garage.np.policies.policy import ParameterFreePolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class FixedPolicy(ParameterFreePolicy):
    """Plays back scripted actions in order, whatever it observes.

    Useful for tests, and for replaying a recorded episode. It acts in one
    environment at a time.

    Args:
        env_spec: The specification of the environment.
        scripted_actions: The actions to return, in order.
        agent_infos: The agent information to return with each action; empty
            dicts if None.

    Raises:
        ValueError: If ``agent_infos`` does not have one entry per action.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        scripted_actions: Sequence[Any],
        agent_infos: Sequence[dict] | None = None,
    ):
        if agent_infos is None:
            agent_infos = [{} for _ in scripted_actions]
        elif len(agent_infos) != len(scripted_actions):
            raise ValueError(
                f'agent_infos has {len(agent_infos)} entries, but there are '
                f'{len(scripted_actions)} scripted actions; give one agent '
                'info dict per action'
            )
        self._env_spec = env_spec
        self._scripted_actions = scripted_actions
        self._agent_infos = agent_infos
        self._index = 0

    @property
    def env_spec(self) -> 'EnvSpec':
        """garage.EnvSpec: The specification of the environment."""
        return self._env_spec

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:
        """Rewind to the first scripted action.

        Args:
            do_resets: None, or one flag for the single environment; a False
                flag leaves the position in the script unchanged.

        Raises:
            ValueError: If ``do_resets`` has more than one flag.

        """
        if do_resets is None:
            do_resets = [True]
        if len(do_resets) != 1:
            raise ValueError(
                'FixedPolicy acts in one environment at a time, '
                f'but do_resets has {len(do_resets)} flags'
            )
        if do_resets[0]:
            self._index = 0

    def get_action(self, observation: Any) -> tuple[Any, dict]:
        """Return the next scripted action.

        Args:
            observation: Ignored.

        Returns:
            tuple: The next scripted action and its agent info dict.

        Raises:
            IndexError: If every scripted action has been returned since the
                last `reset`.

        """
        del observation
        if self._index >= len(self._scripted_actions):
            raise IndexError(
                f'FixedPolicy has returned all {len(self._scripted_actions)} '
                'of its scripted actions; call reset() to start again'
            )
        action = self._scripted_actions[self._index]
        agent_info = self._agent_infos[self._index]
        self._index += 1
        return action, agent_info

    def get_actions(self, observations: Sequence[Any]) -> tuple[np.ndarray, dict]:
        """Return the next scripted action for a batch of one observation.

        Args:
            observations: A batch holding exactly one observation (ignored).

        Returns:
            tuple: An array holding the next scripted action, and its agent
                info with every value in an array of length 1.

        Raises:
            ValueError: If the batch does not hold exactly one observation.

        """
        if len(observations) != 1:
            raise ValueError(
                'FixedPolicy acts in one environment at a time, '
                'so get_actions takes a batch of exactly one '
                f'observation, not {len(observations)}'
            )
        action, agent_info = self.get_action(observations[0])
        return np.asarray([action]), stack_tensor_dict_list([agent_info])
