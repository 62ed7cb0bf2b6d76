"""The contract between an algorithm and the trainer that drives it."""

import abc
import dataclasses
import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EpisodeBatch

if TYPE_CHECKING:
    from garage.np.policies import Policy
    from garage.sampler import Sampler
    from garage.trainer import Trainer


class RLAlgorithm(abc.ABC):
    """An algorithm that a `Trainer` drives.

    The trainer reads these members, and checks them at ``setup``:

    - ``policy``: the policy being trained, which the trainer evaluates,
      plots and (unless there is an ``exploration_policy``) sends to the
      sampler's workers;
    - ``sampler``: the sampler, or None for an algorithm that does not
      sample; this base class gives the ``_sampler`` attribute, where the
      original garage kept it;
    - ``exploration_policy``: the policy the workers sample with, or None
      for ``policy`` itself;
    - ``discount``: the discount factor, in [0, 1];
    - ``max_episode_length``: the longest episode, or None to take the
      environment's.

    Subclassing is optional: any object with a ``train(trainer)`` method
    and these members works, as in the original garage.
    """

    policy: 'Policy'
    _sampler: 'Sampler | None' = None
    exploration_policy: 'Policy | None' = None
    discount: float
    max_episode_length: int | None

    @property
    def sampler(self) -> 'Sampler | None':
        """The sampler, or None if the algorithm does not sample."""
        return self._sampler

    @abc.abstractmethod
    def train(self, trainer: 'Trainer') -> float | None:
        """Train, epoch by epoch, through ``trainer.step_epochs()``.

        In each epoch, an algorithm samples with
        ``trainer.obtain_episodes(itr)``, updates itself, and reports the
        epoch with ``trainer.report_epoch(EpochRecord(...))``; the trainer
        then evaluates, logs and saves a snapshot. (An algorithm written
        for the original garage sets ``trainer.step_episode`` and
        increments ``trainer.step_itr`` instead, and that works too.)

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the last epoch, or None if the
                algorithm does not measure one.

        """


@dataclasses.dataclass(frozen=True)
class EpochRecord:
    """What an algorithm reports of one epoch of training.

    The trainer takes keep-best decisions and shows the progress bar from
    these values; dowel only writes them.

    Attributes:
        returns: The undiscounted returns of the training episodes that
            ended in the epoch (empty if none did, or the algorithm does
            not measure them).
        episode_lengths: The lengths of those episodes.
        evaluation_return: The average return of the epoch's evaluation
            episodes, if the algorithm evaluated its policy itself; the
            trainer then does not evaluate again.
        iterations: The updates the epoch took; the trainer advances
            ``step_itr`` by this many.
        env_steps: The environment steps sampled in the epoch; None lets
            the trainer fill in the steps sampled through it.

    Raises:
        ValueError: If a value is out of range, or ``returns`` and
            ``episode_lengths`` differ in length.

    """

    returns: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    episode_lengths: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64)
    )
    evaluation_return: float | None = None
    iterations: int = 1
    env_steps: int | None = None

    def __post_init__(self) -> None:
        returns = np.asarray(self.returns, dtype=np.float64).reshape(-1)
        lengths = np.asarray(self.episode_lengths, dtype=np.int64).reshape(-1)
        if len(returns) != len(lengths):
            raise ValueError(
                f'returns has {len(returns)} entries but episode_lengths has '
                f'{len(lengths)}: give one of each per episode'
            )
        if (lengths < 1).any():
            raise ValueError(f'episode_lengths must be positive, got {lengths}')
        evaluation_return = self.evaluation_return
        if evaluation_return is not None:
            evaluation_return = _validation.number_in(
                'evaluation_return', evaluation_return
            )
        object.__setattr__(self, 'returns', returns)
        object.__setattr__(self, 'episode_lengths', lengths)
        object.__setattr__(self, 'evaluation_return', evaluation_return)
        object.__setattr__(
            self,
            'iterations',
            _validation.non_negative_int('iterations', self.iterations),
        )
        object.__setattr__(
            self,
            'env_steps',
            _validation.non_negative_int('env_steps', self.env_steps, allow_none=True),
        )

    @classmethod
    def from_episodes(
        cls,
        episodes: 'EpisodeBatch | Sequence[dict[str, Any]] | None',
        *,
        evaluation_return: float | None = None,
        iterations: int = 1,
    ) -> 'EpochRecord':
        """The record of an epoch whose training episodes are ``episodes``.

        Args:
            episodes: Whole episodes: an ``EpisodeBatch``, or the list of
                episode dicts ``trainer.obtain_samples`` gives; None for
                none.
            evaluation_return: The average evaluation return, if any.
            iterations: The updates the epoch took.

        Returns:
            The record, with the episodes' returns and lengths.

        """
        if episodes is None:
            returns, lengths = np.zeros(0), np.zeros(0, dtype=np.int64)
        elif isinstance(episodes, EpisodeBatch):
            lengths = episodes.lengths
            returns = np.add.reduceat(episodes.rewards, np.cumsum(lengths) - lengths)
        else:
            rewards = [np.asarray(episode['rewards']) for episode in episodes]
            returns = np.array([r.sum() for r in rewards], dtype=np.float64)
            lengths = np.array([len(r) for r in rewards], dtype=np.int64)
        return cls(
            returns=returns,
            episode_lengths=lengths,
            evaluation_return=evaluation_return,
            iterations=iterations,
        )

    @property
    def average_return(self) -> float | None:
        """The average of ``returns``, or None if no episode ended."""
        return float(self.returns.mean()) if len(self.returns) else None


class AlgorithmMembers:
    """The members of an algorithm that the trainer reads, typed and checked.

    The trainer's and ``LocalRunner``'s one way to read them; not part of
    the public interface.

    Reads them live (a ``LocalRunner`` gives the algorithm its sampler after
    ``setup``), from any object that follows `RLAlgorithm`'s contract,
    whether it subclasses it or not.

    Args:
        algo: The algorithm.

    Raises:
        TypeError: If ``algo`` has no ``train`` method.
        ValueError: If a member has a bad value, or is missing and an
            attribute of a similar name (a misspelling) is present.

    """

    _MEMBERS = (
        'policy',
        'sampler',
        'exploration_policy',
        'discount',
        'max_episode_length',
    )

    def __init__(self, algo: Any):
        self.algo = algo
        self._name = type(algo).__name__
        if not callable(getattr(algo, 'train', None)):
            raise _validation.ArgumentTypeError(
                f'the algorithm must have a train(trainer) method; '
                f'{self._name} has none'
            )
        self._check_spelling()
        self.check()

    @property
    def policy(self) -> Any:
        """The policy, or None if the algorithm has none."""
        return getattr(self.algo, 'policy', None)

    @property
    def sampler(self) -> Any:
        """The sampler (``sampler``, or else ``_sampler``), or None."""
        sampler = getattr(self.algo, 'sampler', None)
        if sampler is None:
            sampler = getattr(self.algo, '_sampler', None)
        return sampler

    @property
    def sampling_policy(self) -> Any:
        """The policy to sample with: the exploration policy, or ``policy``."""
        policy = getattr(self.algo, 'exploration_policy', None)
        return self.policy if policy is None else policy

    @property
    def discount(self) -> float:
        """The discount factor; 1 if the algorithm does not give one."""
        discount = getattr(self.algo, 'discount', None)
        return 1.0 if discount is None else float(discount)

    @property
    def max_episode_length(self) -> int | None:
        """The longest episode the algorithm asks for, or None."""
        return getattr(self.algo, 'max_episode_length', None)

    def check(self) -> None:
        """Check the members' values.

        Raises:
            ValueError: If a member has a bad value.

        """
        name = self._name
        if getattr(self.algo, 'discount', None) is not None:
            _validation.number_in(f'{name}.discount', self.algo.discount, 0, 1)
        _validation.positive_int(
            f'{name}.max_episode_length', self.max_episode_length, allow_none=True
        )
        sampler = self.sampler
        if sampler is not None and not callable(
            getattr(sampler, 'obtain_samples', None)
        ):
            raise _validation.ArgumentTypeError(
                f'{name}.sampler must be a sampler, with an obtain_samples '
                f'method, not {type(sampler).__name__} ({sampler!r})'
            )

    def _check_spelling(self) -> None:
        """Raise if a member is missing and a misspelling of it is present."""
        present = [name for name in dir(self.algo) if not name.startswith('__')]
        for expected in self._MEMBERS:
            if expected == 'sampler':
                found = self.sampler is not None
            else:
                found = getattr(self.algo, expected, None) is not None
            typo = None if found else _misspelling(expected, present)
            if typo is not None:
                raise ValueError(
                    f'{self._name} has an attribute {typo!r} but no '
                    f'{expected!r}: is {typo!r} a misspelling of {expected!r}? '
                    f'The trainer reads {expected!r}'
                )


def _misspelling(expected: str, names: Sequence[str]) -> str | None:
    """A name that looks like a misspelling of ``expected``, if any.

    Names that extend ``expected`` (``max_episode_length_eval``) or differ
    from it only by leading underscores (``_discount``) are not
    misspellings.
    """
    candidates = {}
    for name in names:
        bare = name.lstrip('_')
        too_far = abs(len(bare) - len(expected)) > max(2, len(expected) // 5)
        if bare == expected or expected in bare or too_far:
            continue
        candidates[bare] = name
    matches = difflib.get_close_matches(expected, list(candidates), n=1, cutoff=0.8)
    return candidates[matches[0]] if matches else None


__all__ = ['EpochRecord', 'RLAlgorithm']
