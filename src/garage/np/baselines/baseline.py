"""Base class of the baselines."""

import abc
from typing import Any

import numpy as np

from garage._dtypes import EnvSpec


class Baseline(abc.ABC):
    """Predicts the return of each step of an episode, from its observations.

    Episodes are given as dicts (paths), as ``EpisodeBatch.to_list``
    returns them: `fit` reads ``'observations'`` and ``'returns'``
    (the discounted return from each step), `predict` reads
    ``'observations'``.

    Args:
        env_spec: The specification of the environment.

    """

    def __init__(self, env_spec: EnvSpec):
        self._env_spec = env_spec

    @property
    def env_spec(self) -> EnvSpec:
        """The specification of the environment."""
        return self._env_spec

    @abc.abstractmethod
    def get_param_values(self) -> Any:
        """Get the parameters of the baseline.

        Returns:
            The parameters, as `set_param_values` takes them.

        """

    @abc.abstractmethod
    def set_param_values(self, flattened_params: Any) -> None:
        """Set the parameters of the baseline.

        Args:
            flattened_params: The parameters, as `get_param_values`
                returns them.

        """

    @abc.abstractmethod
    def fit(self, paths: list[dict[str, np.ndarray]]) -> None:
        """Fit the baseline to the returns of episodes.

        Args:
            paths: The episodes, each with ``'observations'`` and
                ``'returns'``.

        """

    @abc.abstractmethod
    def predict(self, path: dict[str, np.ndarray]) -> np.ndarray:
        """Predict the return of each step of an episode.

        Args:
            path: The episode, with ``'observations'``.

        Returns:
            One prediction per step.

        """


def check_paths(paths: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    """Check there is at least one path and each has ``keys``.

    Args:
        paths: The paths given to ``fit``.
        keys: The keys each must have.

    Raises:
        ValueError: If ``paths`` is empty or a path lacks a key.

    """
    if len(paths) == 0:
        raise ValueError('fit() needs at least one path, got none')
    for i, path in enumerate(paths):
        check_path(path, keys, f'paths[{i}]')


def check_path(path: dict[str, Any], keys: tuple[str, ...], name: str = 'path') -> None:
    """Check a path has ``keys``.

    Args:
        path: The path.
        keys: The keys it must have.
        name: What to call it in the error.

    Raises:
        ValueError: If the path lacks a key.

    """
    missing = [key for key in keys if key not in path]
    if missing:
        raise ValueError(f'{name} lacks the keys {missing}; it has {sorted(path)}')
