"""A baseline linear in features of the observation and the time step."""

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage.np.baselines.baseline import Baseline, check_path, check_paths


class LinearFeatureBaseline(Baseline):
    r"""A least-squares fit of the returns on polynomial features.

    The features of step `t` with observation `o` (flattened
    and clipped to [-10, 10]) are `o`, `o²` (elementwise),
    `τ`, `τ²`, `τ³` and 1, where
    `τ = t / 100`. `fit` solves the ridge regression of the
    returns on them; if that gives NaN coefficients, it retries with the
    regularisation ten times larger, up to five times in all.

    Args:
        env_spec: The specification of the environment.
        reg_coeff: The ridge regularisation coefficient, non-negative.
        name: The name of the baseline.

    Raises:
        ValueError: If ``reg_coeff`` is negative.

    """

    lower_bound = -10
    upper_bound = 10

    def __init__(
        self,
        env_spec: EnvSpec,
        reg_coeff: float = 1e-5,
        name: str = 'LinearFeatureBaseline',
    ):
        _validation.number_in('reg_coeff', reg_coeff, 0)
        super().__init__(env_spec)
        self._coeffs: np.ndarray | None = None
        self._reg_coeff = reg_coeff
        self.name = name

    def get_param_values(self) -> np.ndarray | None:
        """Get the coefficients.

        Returns:
            The coefficients, or None before the first fit.

        """
        return self._coeffs

    def set_param_values(self, flattened_params: np.ndarray | None) -> None:
        """Set the coefficients.

        Args:
            flattened_params: The coefficients, one per feature, or None
                for an unfitted baseline.

        """
        self._coeffs = flattened_params

    def _features(self, path: dict[str, np.ndarray]) -> np.ndarray:
        obs = np.asarray(path['observations'], dtype=np.float64)
        obs = np.clip(obs.reshape(len(obs), -1), self.lower_bound, self.upper_bound)
        time = np.arange(len(obs)).reshape(-1, 1) / 100.0
        return np.concatenate(
            [obs, obs**2, time, time**2, time**3, np.ones((len(obs), 1))], axis=1
        )

    def fit(self, paths: list[dict[str, np.ndarray]]) -> None:
        """Fit the coefficients to the returns of episodes.

        Args:
            paths: The episodes, each with ``'observations'`` and
                ``'returns'``.

        Raises:
            ValueError: If ``paths`` is empty or a path lacks a key.

        """
        check_paths(paths, ('observations', 'returns'))
        features = np.concatenate([self._features(path) for path in paths])
        returns = np.concatenate([path['returns'] for path in paths])
        gram = features.T @ features
        target = features.T @ returns
        reg_coeff = self._reg_coeff
        for _ in range(5):
            self._coeffs = np.linalg.lstsq(
                gram + reg_coeff * np.identity(features.shape[1]), target, rcond=-1
            )[0]
            if not np.isnan(self._coeffs).any():
                break
            reg_coeff *= 10

    def predict(self, path: dict[str, np.ndarray]) -> np.ndarray:
        """Predict the return of each step of an episode.

        Args:
            path: The episode, with ``'observations'``.

        Returns:
            One prediction per step; zeros before the first fit.

        Raises:
            ValueError: If ``path`` lacks ``'observations'``.

        """
        check_path(path, ('observations',))
        if self._coeffs is None:
            return np.zeros(len(path['observations']))
        return self._features(path) @ self._coeffs
