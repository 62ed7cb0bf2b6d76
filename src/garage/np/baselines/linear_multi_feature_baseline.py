"""Linear Multi-Feature Baseline."""

from collections.abc import Sequence

import numpy as np

from garage._dtypes import EnvSpec
from garage.np.baselines.baseline import check_path, check_paths
from garage.np.baselines.linear_feature_baseline import LinearFeatureBaseline


class LinearMultiFeatureBaseline(LinearFeatureBaseline):
    """A least-squares fit of the returns on named features of each step.

    The features of a step are the step's entries of the path arrays
    named in ``features`` (each flattened and clipped to [-10, 10]),
    concatenated, and 1. It fits and predicts as `LinearFeatureBaseline`
    does, on these features instead of the polynomial ones; paths are
    dicts as ``EpisodeBatch.to_list`` gives them, where per-step
    ``agent_infos`` or ``env_infos`` entries can be copied to the top level
    to use them as features.

    Args:
        env_spec: The specification of the environment.
        features: The names of the path arrays to use; None takes
            ``['observations']``.
        reg_coeff: The ridge regularisation coefficient, non-negative.
        name: The name of the baseline.

    Raises:
        ValueError: If ``reg_coeff`` is negative or ``features`` is empty.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        features: Sequence[str] | None = None,
        reg_coeff: float = 1e-5,
        name: str = 'LinearMultiFeatureBaseline',
    ):
        super().__init__(env_spec, reg_coeff, name)
        features = ['observations'] if features is None else list(features)
        if not features:
            raise ValueError('features must name at least one path array, got []')
        self._feature_names = features

    def _features(self, path: dict[str, np.ndarray]) -> np.ndarray:
        n_steps = len(path['observations'])
        features = [
            np.clip(
                np.asarray(path[name], dtype=np.float64).reshape(n_steps, -1),
                self.lower_bound,
                self.upper_bound,
            )
            for name in self._feature_names
        ]
        return np.concatenate([*features, np.ones((n_steps, 1))], axis=1)

    def fit(self, paths: list[dict[str, np.ndarray]]) -> None:
        """Fit the coefficients to the returns of episodes.

        Args:
            paths: The episodes, each with ``'observations'``,
                ``'returns'`` and the features.

        Raises:
            ValueError: If ``paths`` is empty or a path lacks a key.

        """
        check_paths(paths, ('observations', 'returns', *self._feature_names))
        super().fit(paths)

    def predict(self, path: dict[str, np.ndarray]) -> np.ndarray:
        """Predict the return of each step of an episode.

        Args:
            path: The episode, with ``'observations'`` and the features.

        Returns:
            One prediction per step; zeros before the first fit.

        Raises:
            ValueError: If ``path`` lacks a key.

        """
        check_path(path, ('observations', *self._feature_names))
        return super().predict(path)
