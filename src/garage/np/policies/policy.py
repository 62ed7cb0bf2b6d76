"""Base class of policies that map observations to actions."""

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class Policy(abc.ABC):
    """A policy: chooses actions for observations of an environment.

    Subclasses implement `get_action`, `get_actions` and
    `env_spec`. The base class keeps no state and defines no
    ``__init__``, so a subclass that is also a ``torch.nn.Module`` can run
    its own constructors freely.

    A policy with memory per environment (a recurrent policy) sets the
    class attribute ``recurrent`` to True. Its state has one row per
    environment of a vectorised worker: ``reset(do_resets)`` resets the
    rows of a boolean mask, and ``get_actions(observations, rows=...)``
    acts for the rows listed only (the environments whose episodes are
    running), which ``VecWorker`` then passes. Feed-forward policies keep
    ``recurrent = False`` and are called with the observations alone.
    """

    #: Whether the policy keeps state per row and takes ``rows`` in
    #: `get_actions`.
    recurrent: bool = False

    @abc.abstractmethod
    def get_action(self, observation: Any) -> tuple[Any, dict]:
        """Choose the action for one observation.

        Args:
            observation: One observation from the environment.

        Returns:
            tuple: The action, and a dict of agent information about it (for
                example, the parameters of the action's distribution).

        """

    @abc.abstractmethod
    def get_actions(self, observations: Any) -> tuple[Any, dict]:
        """Choose actions for a batch of observations.

        Args:
            observations: A batch of observations, one per row.

        Returns:
            tuple: The actions, one per row, and a dict of agent information
                whose values are arrays with one row per observation.

        """

    @property
    @abc.abstractmethod
    def env_spec(self) -> 'EnvSpec':
        """garage.EnvSpec: The specification of the environment."""

    @property
    def name(self) -> str:
        """str: The name of the policy; the class name unless overridden."""
        return type(self).__name__

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:  # noqa: B027
        """Reset the policy's internal state, if it has any.

        The default does nothing: a policy without memory has nothing to
        reset.

        Args:
            do_resets: For a policy acting on a batch of environments, which
                of them start a new episode; None means all of them.

        """

    def get_param_values(self) -> Any:
        """Return the parameters, which a sampler ships to its workers.

        Returns:
            The parameters, in a form `set_param_values` takes.

        Raises:
            NotImplementedError: Unless a subclass defines it; a policy a
                sampler runs must.

        """
        raise NotImplementedError(
            f'{type(self).__name__} does not define get_param_values(), which '
            'samplers call to ship the policy to their workers'
        )

    def set_param_values(self, params: Any) -> None:
        """Load parameters, as `get_param_values` returns them.

        Args:
            params: The parameters.

        Raises:
            NotImplementedError: Unless a subclass defines it; a policy a
                sampler runs must.

        """
        raise NotImplementedError(
            f'{type(self).__name__} does not define set_param_values(), which '
            'sampler workers call to load the parameters they are sent'
        )

    @property
    def observation_space(self):
        """akro.Space: The observation space of the environment."""
        return self.env_spec.observation_space

    @property
    def action_space(self):
        """akro.Space: The action space of the environment."""
        return self.env_spec.action_space

    @property
    def state_info_specs(self) -> list[tuple[str, tuple[int, ...]]]:
        """list: ``(key, shape)`` pairs of the state a recurrent policy keeps.

        The state is fed back in as agent information; a policy without
        memory has none, which is the default.
        """
        return []

    @property
    def state_info_keys(self) -> list[str]:
        """list[str]: The keys of `state_info_specs`."""
        return [key for key, _ in self.state_info_specs]


class ParameterFreePolicy(Policy):
    """A policy without parameters.

    ``get_param_values`` returns an empty tuple, as in the original garage;
    a worker sent it loads nothing and keeps its agent.
    """

    def get_param_values(self) -> tuple[()]:
        """Return the parameters, of which there are none.

        Returns:
            tuple: An empty tuple.

        """
        return ()

    def set_param_values(self, params: Any) -> None:
        """Set the parameters: a no-op, since there are none.

        Args:
            params: Ignored.

        """
        del params
