"""The baseline that always predicts 0."""

from typing import Any

import numpy as np

from garage.np.baselines.baseline import Baseline, check_path, check_paths


class ZeroBaseline(Baseline):
    """Predicts a return of 0 for every step: no baseline at all.

    Args:
        env_spec: The specification of the environment.

    """

    def get_param_values(self) -> None:
        """Get the parameters: there are none.

        Returns:
            None.

        """
        return None

    def set_param_values(self, flattened_params: Any) -> None:
        """Set the parameters: there are none, so it does nothing.

        Args:
            flattened_params: Ignored.

        """
        del flattened_params

    def fit(self, paths: list[dict[str, np.ndarray]]) -> None:
        """Fit nothing.

        Args:
            paths: The episodes, each with ``'observations'``.

        Raises:
            ValueError: If ``paths`` is empty or a path lacks
                ``'observations'``.

        """
        check_paths(paths, ('observations',))

    def predict(self, path: dict[str, np.ndarray]) -> np.ndarray:
        """Predict 0 for each step.

        Args:
            path: The episode, with ``'observations'``.

        Returns:
            Zeros, one per step.

        Raises:
            ValueError: If ``path`` lacks ``'observations'``.

        """
        check_path(path, ('observations',))
        return np.zeros(len(path['observations']))
