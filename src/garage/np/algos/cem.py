"""Cross Entropy Method."""

from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage.np.algos._search import PopulationSearch

if TYPE_CHECKING:
    from garage.sampler import Sampler


class CEM(PopulationSearch):
    r"""Cross Entropy Method: a Gaussian search over the policy's parameters.

    In each epoch, CEM

    1. samples ``n_samples`` parameter vectors from a Gaussian of mean
       `\mu` and standard deviation
       `\sqrt{\sigma^2 + e^2 \max(1 - k / T, 0)}` (per parameter), where
       `k` is the epoch, `e` is ``extra_std`` and `T` is
       ``extra_decay_time``; in the first epoch the first vector is the
       policy's initial parameters themselves;
    2. samples a batch of episodes (the trainer's ``batch_size`` steps) with
       each vector, and scores it by their average undiscounted return;
    3. sets `\mu` and `\sigma` to the mean and standard deviation of
       the ``max(1, int(n_samples * best_frac))`` best vectors (maximum
       likelihood), and the policy's parameters to `\mu`.

    The policy's parameters are its ``get_param_values``: an array for a
    NumPy policy, the floating-point entries of the ``state_dict``,
    flattened, for a PyTorch policy (``CategoricalMLPPolicy`` and the
    others). The search state is part of the algorithm, so snapshots hold
    it and a resumed run continues exactly; the samples are drawn from
    NumPy's global random state, which ``deterministic.set_seed`` seeds and
    snapshots hold.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, with ``get_param_values`` and
            ``set_param_values``.
        sampler: The sampler.
        n_samples: The parameter vectors sampled per epoch.
        discount: The discount factor, for the logged discounted returns.
        init_std: The initial standard deviation `\sigma`, non-negative.
        best_frac: The fraction of the vectors the update keeps, in
            (0, 1]; ``n_samples * best_frac`` must be at least 1.
        extra_std: The extra standard deviation `e`, non-negative.
        extra_decay_time: The epochs `T` over which the extra
            standard deviation decays linearly to 0, positive.

    Raises:
        ValueError: If an argument is out of range, or the policy has no
            floating-point parameters.
        TypeError: If the policy's parameter values are neither an array
            nor a ``state_dict``.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        policy: Any,
        sampler: 'Sampler | None',
        n_samples: int,
        discount: float = 0.99,
        init_std: float = 1,
        best_frac: float = 0.05,
        extra_std: float = 1.0,
        extra_decay_time: float = 100,
    ):
        super().__init__(env_spec, policy, sampler, n_samples, discount)
        self._init_std = _validation.number_in('init_std', init_std, 0)
        best_frac = _validation.number_in('best_frac', best_frac, 0, 1, low_open=True)
        self._extra_std = _validation.number_in('extra_std', extra_std, 0)
        self._extra_decay_time = _validation.number_in(
            'extra_decay_time', extra_decay_time, 0, low_open=True
        )
        self._n_best = int(self._n_samples * best_frac)
        if self._n_best < 1:
            raise ValueError(
                f'n_samples * best_frac must be at least 1 (the update keeps '
                f'int(n_samples * best_frac) vectors), got n_samples='
                f'{self._n_samples} and best_frac={best_frac}'
            )
        self._best_frac = best_frac
        self._cur_mean: np.ndarray | None = None
        self._cur_std: np.ndarray | float = self._init_std

    def _candidates(self, epoch: int) -> np.ndarray:
        first = self._cur_mean is None
        if self._cur_mean is None:
            self._cur_mean = self._param_vector.read(self.policy)
        extra_var_mult = max(1.0 - epoch / self._extra_decay_time, 0)
        sample_std = np.sqrt(
            np.square(self._cur_std) + np.square(self._extra_std) * extra_var_mult
        )
        n_drawn = self._n_samples - 1 if first else self._n_samples
        drawn = (
            np.random.standard_normal((n_drawn, len(self._cur_mean))) * sample_std
            + self._cur_mean
        )
        if first:
            return np.concatenate([self._cur_mean[np.newaxis], drawn])
        return drawn

    def _update(self, candidates: np.ndarray, scores: np.ndarray) -> None:
        best = candidates[np.argsort(-scores, kind='stable')[: self._n_best]]
        self._cur_mean = best.mean(axis=0)
        self._cur_std = best.std(axis=0)
        self._param_vector.write(self.policy, self._cur_mean)
