"""Base class of the TensorFlow policies."""

from collections.abc import Sequence
from typing import Any

import akro
import numpy as np
import tensorflow as tf

from garage._dtypes import EnvSpec
from garage._validation import instance_of
from garage.np.policies import Policy as _NpPolicy
from garage.tf._core import GraphObject

v1 = tf.compat.v1


class StochasticPolicy(GraphObject, _NpPolicy):
    """A policy whose graph gives the parameters of an action distribution.

    Actions are drawn in NumPy (with its global RNG, which samplers' workers
    seed) from the distribution parameters the graph computes; they are
    the policy's agent information (``'prob'``, or ``'mean'`` and
    ``'log_std'``), which the algorithms read back as the old policy's.
    With ``deterministic = True`` it takes the most likely action instead,
    as evaluation does.

    Subclasses set ``self._distribution`` and build ``self._tf['mlp']``
    etc. in ``_build``, and implement `dist_info_sym`.

    Args:
        env_spec: The specification of the environment.
        name: The name of the variable scope.

    """

    _distribution: Any

    def __init__(self, env_spec: EnvSpec, name: str):
        instance_of('env_spec', env_spec, EnvSpec)
        self._env_spec = env_spec
        self._obs_dim = env_spec.observation_space.flat_dim
        self.deterministic = False
        super().__init__(name)

    @property
    def env_spec(self) -> EnvSpec:
        """The specification of the environment."""
        return self._env_spec

    @property
    def vectorized(self) -> bool:
        """Whether the policy acts on batches (it does)."""
        return True

    @property
    def distribution(self) -> Any:
        """The action distribution, whose methods build its graph operations."""
        return self._distribution

    def dist_info_sym(self, obs_var: Any, name: str | None = None) -> dict[str, Any]:
        """Build the distribution parameters for a batch of observations.

        Args:
            obs_var: Flattened observations, a float tensor ``(N, obs_dim)``.
            name: Unused; the original's name of the operations.

        Returns:
            The parameters, keyed as the agent information is.

        """
        raise NotImplementedError

    def _build_inputs(self) -> None:
        obs = v1.placeholder(tf.float32, [None, self._obs_dim], name='obs')
        self._tf['obs'] = obs
        info = self.dist_info_sym(obs)
        self._tf['info'] = info

    def get_action(self, observation: Any) -> tuple[Any, dict]:
        """Choose the action for one observation; see `get_actions`."""
        actions, infos = self.get_actions([observation])
        return actions[0], {key: value[0] for key, value in infos.items()}

    def get_actions(self, observations: Any) -> tuple[np.ndarray, dict]:
        """Choose actions for a batch of observations.

        Args:
            observations: The observations, one per row (flattened or not).

        Returns:
            tuple: The actions, and the distribution parameters of each.

        """
        flat = self._flatten(observations)
        info = self._run(self._tf['info'], {self._tf['obs']: flat})
        dist = self._distribution
        actions = dist.mode(info) if self.deterministic else dist.sample(info)
        return actions, info

    def _flatten(self, observations: Any) -> np.ndarray:
        space = self._env_spec.observation_space
        rows = np.asarray(observations)
        if rows.ndim == 2 and rows.shape[1] == self._obs_dim:
            return rows.astype(np.float32)
        return np.asarray(space.flatten_n(observations), dtype=np.float32)

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:
        """Reset the policy: a feed-forward one has nothing to reset."""

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state['deterministic'] = False
        return state


def _action_dim(env_spec: EnvSpec, space_type: Any, policy: str) -> int:
    """The size of the action, checking the action space's type.

    Args:
        env_spec: The environment's specification.
        space_type: The akro space class the policy needs.
        policy: The policy's class name, for the error.

    Returns:
        The number of actions (Discrete) or the action's dimension (Box).

    Raises:
        ValueError: If the action space is of another type.

    """
    space: Any = env_spec.action_space
    if not isinstance(space, space_type):
        raise ValueError(
            f'{policy} needs a {space_type.__name__} action space, got '
            f'{type(space).__name__} ({space})'
        )
    return int(space.n if isinstance(space, akro.Discrete) else space.flat_dim)
