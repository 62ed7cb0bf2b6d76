"""The base of exploration policies, and the linear decay two of them share."""

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage.np.policies import Policy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec, EpisodeBatch


class ExplorationPolicy(Policy):
    """A policy that perturbs another policy's actions, to explore.

    Subclasses implement `_explore`, which perturbs a batch of the
    wrapped policy's actions. Random draws come from NumPy's global
    generator, which a seeded sampler worker owns while it samples.

    Args:
        policy: The policy whose actions are perturbed.

    Attributes:
        policy: The policy whose actions are perturbed.

    """

    def __init__(self, policy: Policy):
        self.policy = policy

    @property
    def env_spec(self) -> 'EnvSpec':
        """The specification of the environment."""
        return self.policy.env_spec

    def get_action(self, observation: Any) -> tuple[np.ndarray, dict]:
        """Choose a perturbed action for one observation.

        Args:
            observation: One observation.

        Returns:
            The action, and the wrapped policy's agent information.

        """
        action, agent_info = self.policy.get_action(observation)
        return self._explore(np.asarray(action)[np.newaxis])[0], agent_info

    def get_actions(self, observations: Any) -> tuple[np.ndarray, dict]:
        """Choose perturbed actions for a batch of observations.

        Args:
            observations: One observation per row.

        Returns:
            The actions, one per row, and the wrapped policy's agent
                information.

        """
        actions, agent_infos = self.policy.get_actions(observations)
        return self._explore(np.asarray(actions)), agent_infos

    @abc.abstractmethod
    def _explore(self, actions: np.ndarray) -> np.ndarray:
        """Perturb a batch of actions, one step of each environment.

        Args:
            actions: The wrapped policy's actions, one per row.

        Returns:
            The perturbed actions, a new array.

        """

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:
        """Reset the wrapped policy (and any state of the exploration).

        Args:
            do_resets: Which environments start a new episode; None means
                all of them.

        """
        self.policy.reset(do_resets)

    def update(self, episode_batch: 'EpisodeBatch') -> None:
        """Take note of the steps sampled; the default ignores them.

        Args:
            episode_batch: The steps sampled since the last update.

        """

    def get_param_values(self) -> Any:
        """The wrapped policy's parameters.

        Returns:
            The parameters.

        """
        return self.policy.get_param_values()

    def set_param_values(self, params: Any) -> None:
        """Set the wrapped policy's parameters.

        Args:
            params: The parameters, as `get_param_values` returns.

        """
        self.policy.set_param_values(params)


class ScheduledExplorationPolicy(ExplorationPolicy):
    """An exploration policy whose noise level decays linearly with steps.

    The level falls from ``start`` to ``end`` over the first
    ``int(total_timesteps * decay_ratio)`` environment steps, then stays at
    ``end``. Each action taken counts as a step. A policy copied to sampler
    workers counts in each copy; `update` sets the count of the
    original from the steps sampled, and the parameters carry it to the
    copies.

    Args:
        policy: The policy whose actions are perturbed.
        total_timesteps: The number of environment steps of the whole run.
        start: The level at the first step.
        end: The level after the decay.
        decay_ratio: The fraction of ``total_timesteps`` the decay lasts.
        names: The names of ``start`` and ``end``, for error messages.

    Raises:
        ValueError: If ``total_timesteps`` is not a positive integer,
            ``decay_ratio`` is not in (0, 1], the decay would last no step,
            or a level is negative.

    """

    def __init__(
        self,
        policy: Policy,
        *,
        total_timesteps: int,
        start: float,
        end: float,
        decay_ratio: float,
        names: tuple[str, str],
    ):
        super().__init__(policy)
        total_timesteps = _validation.positive_int('total_timesteps', total_timesteps)
        _validation.number_in('decay_ratio', decay_ratio, 0, 1, low_open=True)
        for name, level in zip(names, (start, end), strict=True):
            _validation.number_in(name, level, 0)
        self._decay_period = int(total_timesteps * decay_ratio)
        if self._decay_period < 1:
            raise ValueError(
                f'the decay lasts int({total_timesteps=} * {decay_ratio=}) = '
                '0 steps; it must last at least one'
            )
        self._start = float(start)
        self._end = float(end)
        self._total_env_steps = 0
        self._last_total_env_steps = 0

    def _level(self, steps: np.ndarray | int) -> np.ndarray:
        fraction = np.minimum(np.asarray(steps) / self._decay_period, 1.0)
        return self._start + (self._end - self._start) * fraction

    def _next_levels(self, n: int) -> np.ndarray:
        """The levels of the next ``n`` steps, which are then counted."""
        levels = self._level(self._total_env_steps + np.arange(n))
        self._total_env_steps += n
        return levels

    @property
    def total_env_steps(self) -> int:
        """The number of environment steps counted so far."""
        return self._total_env_steps

    def update(self, episode_batch: 'EpisodeBatch') -> None:
        """Count the steps sampled since the last update.

        Args:
            episode_batch: The steps sampled since the last update.

        """
        self._total_env_steps = self._last_total_env_steps + int(
            np.sum(episode_batch.lengths)
        )
        self._last_total_env_steps = self._total_env_steps

    def get_param_values(self) -> dict[str, Any]:
        """The step count and the wrapped policy's parameters.

        Returns:
            ``total_env_steps`` and ``inner_params``.

        """
        return {
            'total_env_steps': self._total_env_steps,
            'inner_params': self.policy.get_param_values(),
        }

    def set_param_values(self, params: dict[str, Any]) -> None:
        """Set the step count and the wrapped policy's parameters.

        Args:
            params: As `get_param_values` returns.

        """
        self._total_env_steps = params['total_env_steps']
        self._last_total_env_steps = self._total_env_steps
        self.policy.set_param_values(params['inner_params'])
