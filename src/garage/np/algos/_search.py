"""Search over a policy's parameter vector: the core of `CEM` and `CMAES`."""

import abc
import collections
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec, EpisodeBatch
from garage.np.algos.rl_algorithm import EpochRecord, RLAlgorithm

if TYPE_CHECKING:
    from garage.sampler import Sampler
    from garage.trainer import Trainer


class ParamVector:
    """Reads a policy's parameters as one vector and writes vectors back.

    A NumPy policy's ``get_param_values`` gives an array, which is used as it
    is; a PyTorch policy's gives a ``state_dict``, whose floating-point
    entries are flattened and concatenated in its order (other entries,
    such as integer buffers, keep their values).

    Args:
        policy: The policy, with ``get_param_values`` and
            ``set_param_values``.

    Raises:
        TypeError: If the policy's parameter values are neither an array nor
            a dict of tensors or arrays.
        ValueError: If the policy has no floating-point parameters.

    """

    def __init__(self, policy: Any):
        template = policy.get_param_values()
        self._template = template
        if isinstance(template, Mapping):
            self._keys = [key for key, value in template.items() if _is_float(value)]
            self._shapes = [tuple(template[key].shape) for key in self._keys]
        elif isinstance(template, np.ndarray) or np.isscalar(template):
            self._keys = []
            self._shapes = [np.shape(template)]
        else:
            raise TypeError(
                f'the policy {type(policy).__name__} gives its parameters as '
                f'{type(template).__name__}: the evolution strategies need an '
                f'array or a dict of tensors (a state_dict)'
            )
        self.size = int(sum(int(np.prod(shape)) for shape in self._shapes))
        if self.size == 0:
            raise ValueError(
                f'the policy {type(policy).__name__} has no floating-point '
                f'parameters to optimise'
            )

    def read(self, policy: Any) -> np.ndarray:
        """The policy's parameters, as one float64 vector.

        Args:
            policy: The policy.

        Returns:
            The vector.

        """
        values = policy.get_param_values()
        if not isinstance(values, Mapping):
            return np.asarray(values, dtype=np.float64).reshape(-1).copy()
        return np.concatenate(
            [_to_numpy(values[key]).reshape(-1) for key in self._keys]
        ).astype(np.float64)

    def values(self, vector: np.ndarray) -> Any:
        """The parameter values ``set_param_values`` takes, from a vector.

        Args:
            vector: The parameters, as `read` gives them.

        Returns:
            An array, or a ``state_dict`` of the policy's structure.

        Raises:
            ValueError: If the vector has the wrong size.

        """
        vector = np.asarray(vector, dtype=np.float64).reshape(-1)
        if len(vector) != self.size:
            raise ValueError(
                f'a parameter vector must have {self.size} entries, got {len(vector)}'
            )
        if not isinstance(self._template, Mapping):
            return vector.reshape(self._shapes[0]).copy()
        values = dict(self._template)
        start = 0
        for key, shape in zip(self._keys, self._shapes, strict=True):
            size = int(np.prod(shape))
            piece = vector[start : start + size].reshape(shape)
            values[key] = _like(self._template[key], piece)
            start += size
        return values

    def write(self, policy: Any, vector: np.ndarray) -> None:
        """Set the policy's parameters to a vector.

        Args:
            policy: The policy.
            vector: The parameters, as `read` gives them.

        """
        policy.set_param_values(self.values(vector))


def _is_float(value: Any) -> bool:
    dtype = getattr(value, 'dtype', None)
    if dtype is None:
        return False
    if isinstance(dtype, np.dtype):
        return bool(np.issubdtype(dtype, np.floating))
    return bool(getattr(dtype, 'is_floating_point', False))


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    return value.detach().cpu().numpy()


def _like(template: Any, piece: np.ndarray) -> Any:
    """``piece`` as the type, dtype and device of ``template``."""
    if isinstance(template, np.ndarray):
        return piece.astype(template.dtype)
    import torch

    return torch.as_tensor(piece, dtype=template.dtype, device=template.device)


class PopulationSearch(RLAlgorithm):
    """The epoch loop shared by `CEM` and `CMAES`.

    Each epoch samples ``n_samples`` parameter vectors (`_candidates`),
    samples one batch of episodes with each (``trainer.obtain_episodes``,
    the trainer's ``batch_size`` steps: one episode or more), scores each
    vector by the average undiscounted return of its episodes, and updates
    the search distribution (`_update`), which sets ``policy``.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, whose parameter values are searched.
        sampler: The sampler.
        n_samples: The parameter vectors sampled per epoch.
        discount: The discount factor, for the logged discounted returns.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        policy: Any,
        sampler: 'Sampler | None',
        n_samples: int,
        discount: float,
    ):
        self._n_samples = _validation.positive_int('n_samples', n_samples)
        self.discount = _validation.number_in('discount', discount, 0, 1)
        self.policy = policy
        self._sampler = sampler
        self.max_episode_length: int | None = env_spec.max_episode_length
        self._env_spec = env_spec
        self._param_vector = ParamVector(policy)
        self._episode_reward_mean: collections.deque[float] = collections.deque(
            maxlen=100
        )

    def train(self, trainer: 'Trainer') -> float | None:
        """Train, ``n_samples`` batches of episodes per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The best score (average return of one parameter vector's
                episodes) of the last epoch, or None if no epoch ran.

        """
        # deferred: `import garage` imports this module, and must stay fast
        from garage._dowel import tabular
        from garage._functions import log_performance

        last_return = None
        for epoch in trainer.step_epochs():
            candidates = self._candidates(epoch)
            scores = np.empty(len(candidates))
            batches = []
            for i, params in enumerate(candidates):
                episodes = trainer.obtain_episodes(
                    trainer.step_itr, agent_update=self._param_vector.values(params)
                )
                batches.append(episodes)
                scores[i] = _returns(episodes).mean()
                trainer.step_itr += 1
            self._update(candidates, scores)
            batch = EpisodeBatch.concatenate(*batches)
            returns = log_performance(
                trainer.step_itr - 1, batch, self.discount, prefix='Training'
            )
            self._episode_reward_mean.extend(returns.tolist())
            tabular.record(
                'Extras/EpisodeRewardMean', float(np.mean(self._episode_reward_mean))
            )
            with tabular.prefix(f'{type(self).__name__}/'):
                tabular.record('BestSampleReturn', float(scores.max()))
                tabular.record('MeanSampleReturn', float(scores.mean()))
            last_return = float(scores.max())
            trainer.report_epoch(
                EpochRecord(
                    returns=returns,
                    episode_lengths=batch.lengths,
                    iterations=len(candidates),
                )
            )
        return last_return

    @abc.abstractmethod
    def _candidates(self, epoch: int) -> np.ndarray:
        """The parameter vectors to try in an epoch, one per row."""

    @abc.abstractmethod
    def _update(self, candidates: np.ndarray, scores: np.ndarray) -> None:
        """Update the search distribution and ``policy`` from the scores."""


def _returns(episodes: EpisodeBatch) -> np.ndarray:
    """The undiscounted return of each episode."""
    lengths = episodes.lengths
    return np.add.reduceat(episodes.rewards, np.cumsum(lengths) - lengths)
