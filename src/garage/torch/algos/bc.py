"""Behavioral Cloning."""

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EnvSpec
from garage._functions import log_performance, obtain_evaluation_episodes
from garage._optimizers import _Default, make_optimizer
from garage.np.algos import EpochRecord, RLAlgorithm
from garage.np.policies import Policy as AnyPolicy
from garage.torch._functions import np_to_torch
from garage.torch.policies import Policy, StochasticPolicy

if TYPE_CHECKING:
    from garage.sampler import Sampler
    from garage.trainer import Trainer

_LOSSES = ('log_prob', 'mse')


class BC(RLAlgorithm):
    """Behavioral Cloning: supervised learning of an expert's actions.

    Based on Model-Free Imitation Learning with Policy Optimization,
    https://arxiv.org/abs/1605.08478.

    Each epoch takes at least ``batch_size`` steps of the expert's
    (observation, action) pairs, sampled from ``source`` when it is a
    policy (through ``sampler``; their returns are logged under
    ``Expert/``), or the next batches of ``source`` when it is an iterable
    of stored ``EpisodeBatch`` or ``TimeStepBatch`` (cycled through when it
    runs out). It shuffles them into ``minibatches_per_epoch`` minibatches
    and takes one optimizer step on each, minimising

    - ``'log_prob'``: the negative log-likelihood of the expert's actions
      under the learner, which must be a ``StochasticPolicy``; or
    - ``'mse'``: the mean squared error between the expert's actions and
      the learner's: a deterministic learner's output, or a sample (with
      ``rsample``) of a stochastic learner's distribution.

    It logs the losses under ``name/`` and then evaluates the learner on a
    copy of the environment (``num_evaluation_episodes`` deterministic
    episodes, logged under ``Evaluation/`` and reported as the epoch's
    evaluation return).

    Args:
        env_spec: The specification of the environment.
        learner: The policy to train, a ``garage.torch`` policy.
        batch_size: The expert steps per epoch.
        source: The expert: a policy, or an iterable (a list, a generator)
            of ``EpisodeBatch`` or ``TimeStepBatch``.
        sampler: The sampler of the expert policy; needed when ``source``
            is a policy.
        policy_optimizer: The optimizer class, or a ``(class, args)``
            tuple.
        policy_lr: The learning rate.
        loss: ``'log_prob'`` or ``'mse'``.
        minibatches_per_epoch: The optimizer steps per epoch.
        name: The prefix of the logged losses.
        num_evaluation_episodes: The learner's evaluation episodes per
            epoch; 0 evaluates nothing.

    Raises:
        ValueError: If ``loss`` is ``'log_prob'`` and ``learner`` is not a
            ``StochasticPolicy``, or an argument is out of range.
        TypeError: If ``source`` is a policy and ``sampler`` is not a
            sampler, ``source`` is neither a policy nor an iterable, or
            ``learner`` is not a ``garage.torch`` policy.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        learner: Policy,
        *,
        batch_size: int,
        source: 'AnyPolicy | Iterable[Any] | None' = None,
        sampler: 'Sampler | None' = None,
        policy_optimizer: Any = torch.optim.Adam,
        policy_lr: float | _Default = _Default(1e-3),
        loss: str = 'log_prob',
        minibatches_per_epoch: int = 16,
        name: str = 'BC',
        num_evaluation_episodes: int = 100,
    ):
        _validation.instance_of('learner', learner, Policy)
        self._loss = _validation.one_of('loss', loss, _LOSSES)
        if loss == 'log_prob' and not isinstance(learner, StochasticPolicy):
            raise ValueError(
                f"loss='log_prob' needs a StochasticPolicy learner, not "
                f"{type(learner).__name__}: use loss='mse'"
            )
        self._batch_size = _validation.positive_int('batch_size', batch_size)
        self._minibatches_per_epoch = _validation.positive_int(
            'minibatches_per_epoch', minibatches_per_epoch
        )
        self._num_evaluation_episodes = _validation.non_negative_int(
            'num_evaluation_episodes', num_evaluation_episodes
        )
        self.learner = learner
        self.policy = learner
        self._name = name
        self._env_spec = env_spec
        self.max_episode_length = env_spec.max_episode_length
        self.discount = 1.0
        self._optimizer = make_optimizer(policy_optimizer, module=learner, lr=policy_lr)
        self._eval_env: Any = None
        self._source: AnyPolicy | _Cycle
        if isinstance(source, AnyPolicy):
            if sampler is None or not callable(
                getattr(sampler, 'obtain_samples', None)
            ):
                raise _validation.ArgumentTypeError(
                    f'source is a policy, so BC samples it and needs a sampler; '
                    f'got sampler={sampler!r}'
                )
            self._sampler = sampler
            self.exploration_policy = source
            self._source = source
        elif isinstance(source, Iterable):
            self._sampler = sampler
            self._source = _Cycle(source)
        else:
            raise _validation.ArgumentTypeError(
                f'source must be a policy or an iterable of EpisodeBatch or '
                f'TimeStepBatch, not {type(source).__name__} ({source!r})'
            )

    def train(self, trainer: 'Trainer') -> float | None:
        """Train, one pass over ``batch_size`` expert steps per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The learner's average evaluation return in the last epoch, or
                None if it was not evaluated or no epoch ran.

        """
        if self._eval_env is None and self._num_evaluation_episodes:
            self._eval_env = trainer.get_env_copy()
        last_return = None
        for epoch in trainer.step_epochs():
            losses = self._train_once(trainer, epoch)
            with tabular.prefix(self._name + '/'):
                tabular.record('MeanLoss', float(np.mean(losses)))
                tabular.record('StdLoss', float(np.std(losses)))
            last_return = None
            if self._eval_env is not None:
                episodes = obtain_evaluation_episodes(
                    self.learner, self._eval_env, num_eps=self._num_evaluation_episodes
                )
                last_return = float(log_performance(epoch, episodes, 1.0).mean())
            trainer.report_epoch(EpochRecord(evaluation_return=last_return))
        return last_return

    def _train_once(self, trainer: 'Trainer', epoch: int) -> list[float]:
        """Take ``minibatches_per_epoch`` steps on a batch of expert steps."""
        observations, actions = self._obtain_samples(trainer, epoch)
        indices = np.random.permutation(len(actions))
        losses = []
        for minibatch in np.array_split(indices, self._minibatches_per_epoch):
            if len(minibatch) == 0:
                continue
            self._optimizer.zero_grad()
            loss = self._compute_loss(
                np_to_torch(observations[minibatch]), np_to_torch(actions[minibatch])
            )
            loss.backward()
            self._optimizer.step()
            losses.append(loss.item())
        return losses

    def _obtain_samples(
        self, trainer: 'Trainer', epoch: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The observations and actions of at least ``batch_size`` steps."""
        if isinstance(self._source, AnyPolicy):
            batch = trainer.obtain_episodes(
                epoch,
                batch_size=self._batch_size,
                agent_update=_expert_update(self._source),
            )
            log_performance(epoch, batch, 1.0, prefix='Expert')
            return batch.observations, batch.actions
        observations, actions = [], []
        n_steps = 0
        while n_steps < self._batch_size:
            batch = next(self._source)
            observations.append(batch.observations)
            actions.append(batch.actions)
            n_steps += len(batch.actions)
        return np.concatenate(observations), np.concatenate(actions)

    def _compute_loss(
        self, observations: torch.Tensor, actions: torch.Tensor
    ) -> torch.Tensor:
        """The loss of the learner on a minibatch of expert steps."""
        output = self.learner(observations)
        if self._loss == 'log_prob':
            distribution, _ = output
            return -torch.mean(distribution.log_prob(actions))
        if isinstance(output, torch.Tensor):
            learner_actions = output
        else:
            distribution, _ = output
            if not distribution.has_rsample:
                raise ValueError(
                    f"loss='mse' needs a deterministic learner, or one whose "
                    f'distribution can be sampled with rsample; '
                    f'{type(distribution).__name__} cannot: use '
                    f"loss='log_prob'"
                )
            learner_actions = distribution.rsample()
        return torch.mean(
            (actions.reshape(learner_actions.shape) - learner_actions) ** 2
        )


def _expert_update(expert: AnyPolicy) -> Any:
    """What the sampler's workers update their agent with: the expert."""
    try:
        return expert.get_param_values()
    except NotImplementedError:  # a scripted expert: send it whole
        return expert


class _Cycle(Iterator[Any]):
    """Cycles through the batches of an iterable, as ``itertools.cycle``.

    Unlike ``itertools.cycle`` over a generator, it pickles: a snapshot
    keeps the batches taken so far (as ``itertools.cycle`` keeps them in
    memory anyway) and where the cycle is; a restored cycle cycles through
    those, since the generator itself cannot be pickled.

    Args:
        source: The batches.

    Raises:
        TypeError: If a batch has no ``observations`` and ``actions``.
        ValueError: If ``source`` gives no batch.

    """

    def __init__(self, source: Iterable[Any]):
        self._iterator: Iterator[Any] | None = iter(source)
        self._taken: list[Any] = []
        self._index = 0

    def __next__(self) -> Any:
        if self._iterator is not None:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
            else:
                if not (hasattr(batch, 'observations') and hasattr(batch, 'actions')):
                    raise _validation.ArgumentTypeError(
                        f'source must give EpisodeBatch or TimeStepBatch '
                        f'objects, with observations and actions, not '
                        f'{type(batch).__name__} ({batch!r})'
                    )
                self._taken.append(batch)
                return batch
        if not self._taken:
            raise ValueError('source gave no batch of expert steps')
        batch = self._taken[self._index % len(self._taken)]
        self._index += 1
        return batch

    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__, _iterator=None)
