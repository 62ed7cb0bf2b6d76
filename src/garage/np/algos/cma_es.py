"""Covariance Matrix Adaptation Evolution Strategy."""

from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec
from garage.np.algos._search import PopulationSearch

if TYPE_CHECKING:
    from garage.sampler import Sampler


class CMAES(PopulationSearch):
    r"""Covariance Matrix Adaptation Evolution Strategy over the parameters.

    A ``cma.CMAEvolutionStrategy`` of population ``n_samples`` starts from
    the policy's parameters with step size ``sigma0``. Each epoch asks it
    for ``n_samples`` parameter vectors, samples a batch of episodes (the
    trainer's ``batch_size`` steps) with each, tells it their average
    undiscounted returns (negated: ``cma`` minimises), and sets the policy's
    parameters to the best vector evaluated so far.

    The policy's parameters are read as `CEM` reads them. The evolution
    strategy is part of the algorithm, so snapshots hold it and a resumed
    run continues exactly; it samples from NumPy's global random state
    (never reseeding it), which ``deterministic.set_seed`` seeds and
    snapshots hold. ``cma`` prints nothing and writes no ``outcmaes/``
    files.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, with ``get_param_values`` and
            ``set_param_values``.
        sampler: The sampler.
        n_samples: The parameter vectors sampled per epoch (the
            population size), at least 2.
        discount: The discount factor, for the logged discounted returns.
        sigma0: The initial standard deviation of the search, positive.

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
        sigma0: float = 1.0,
    ):
        super().__init__(env_spec, policy, sampler, n_samples, discount)
        if self._n_samples < 2:
            raise ValueError(
                f'n_samples must be at least 2 (the population of CMA-ES), '
                f'got {self._n_samples}'
            )
        self._sigma0 = _validation.number_in('sigma0', sigma0, 0, low_open=True)
        self._es: Any = None  # a cma.CMAEvolutionStrategy, once training

    def _candidates(self, epoch: int) -> np.ndarray:
        del epoch
        if self._es is None:
            # imported here: cma imports matplotlib.pyplot
            import cma  # type: ignore[import-untyped]

            self._es = cma.CMAEvolutionStrategy(
                self._param_vector.read(self.policy),
                self._sigma0,
                {
                    'popsize': self._n_samples,
                    'seed': np.nan,  # never reseed NumPy's global state
                    'verbose': -9,
                    'verb_log': 0,
                    'verb_disp': 0,
                },
            )
        return np.array(self._es.ask())

    def _update(self, candidates: np.ndarray, scores: np.ndarray) -> None:
        assert self._es is not None
        self._es.tell(list(candidates), (-scores).tolist())
        self._param_vector.write(self.policy, self._es.best.x)
