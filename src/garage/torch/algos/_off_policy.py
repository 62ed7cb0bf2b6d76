"""What DDPG, TD3, SAC and DQN share: options, sampling, evaluation, targets."""

import abc
import copy
import math
import os
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import torch
from torch import nn

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EnvSpec, EpisodeBatch
from garage._functions import log_performance, obtain_evaluation_episodes
from garage._optimizers import _Default, make_optimizer
from garage.np.algos import EpochRecord, RLAlgorithm
from garage.replay_buffer import ReplayBuffer
from garage.sampler import LocalSampler
from garage.torch._functions import global_device, np_to_torch
from garage.trainer import N_STEPS_ENV_VAR

if TYPE_CHECKING:
    from garage._environment import Environment
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.trainer import Trainer


def make_fast_optimizer(
    optimizer: Any, module: nn.Module, lr: float | _Default, **defaults: Any
) -> torch.optim.Optimizer:
    """Build an optimizer of a module's parameters.

    Adam and AdamW given as classes run fused (one kernel for all
    parameters). A ``(class, args)`` tuple replaces the learning rate and
    these defaults with its own arguments.

    Args:
        optimizer: The optimizer class, or a ``(class, args)`` tuple.
        module: The module (an ``nn.ModuleList`` of several, or an
            ``nn.ParameterList``) whose parameters it updates.
        lr: The learning rate, a ``_Default`` when not the user's.
        **defaults: Further arguments of the class, used unless a tuple is
            given.

    Returns:
        The optimizer.

    """
    options: dict[str, Any] = {'lr': lr}
    options.update((key, _Default(value)) for key, value in defaults.items())
    if optimizer in (torch.optim.Adam, torch.optim.AdamW):
        options['fused'] = _Default(True)
    return make_optimizer(optimizer, module=module, **options)


def warn_no_effect(algorithm: str, **options: tuple[Any, str]) -> None:
    """Warn about options of the original garage that have no effect here.

    Args:
        algorithm: The algorithm's name, for the message.
        **options: For each option, its value (None when not given) and why
            it has no effect.

    """
    for name, (value, reason) in options.items():
        if value is not None:
            warnings.warn(
                f'{algorithm}({name}=...) has no effect and is deprecated: {reason}',
                DeprecationWarning,
                stacklevel=3,
            )


def parameters(*modules: nn.Module) -> list[torch.Tensor]:
    """The parameters of some modules, in one list.

    Algorithms keep such lists for the hot path: walking a module's
    submodules on every gradient step costs more than the arithmetic of a
    small network's update.

    Args:
        *modules: The modules.

    Returns:
        Their parameters, module after module.

    """
    return [param for module in modules for param in module.parameters()]


@torch.no_grad()
def update_targets(
    targets: list[torch.Tensor], sources: list[torch.Tensor], tau: float
) -> None:
    r"""Move target parameters towards their sources, all in one call.

    `θ' ← (1 - τ)θ' + τθ`; ``tau=1``
    copies the sources.

    Args:
        targets: The target networks' parameters.
        sources: The parameters they follow, in the same order.
        tau: The interpolation weight.

    """
    torch._foreach_lerp_(targets, sources, tau)


def set_requires_grad(params: list[torch.Tensor], requires_grad: bool) -> None:
    """Switch the gradients of parameters on or off.

    Args:
        params: The parameters.
        requires_grad: Whether autograd computes their gradients.

    """
    for param in params:
        param.requires_grad_(requires_grad)


def make_target(module: nn.Module) -> nn.Module:
    """A frozen copy of a network, to be its target network.

    Args:
        module: The network.

    Returns:
        The copy, its parameters excluded from autograd.

    """
    target = copy.deepcopy(module)
    target.requires_grad_(False)
    return target


class Summary(NamedTuple):
    """The summary of a statistic over an epoch's gradient steps.

    Attributes:
        mean: The average of the values.
        max: The largest value.
        mean_abs: The average absolute value.
        n_values: The number of values.

    """

    mean: float
    max: float
    mean_abs: float
    n_values: int


class StepStatistics:
    """Statistics of values recorded at every gradient step, in fixed memory.

    Keeping each step's small tensors until the end of an epoch of tens of
    thousands of steps fragments the heap among the large transient tensors
    of the gradient steps (SAC's resident memory grew by 540 MB in 1,500
    steps). Instead each statistic copies its values into preallocated rows,
    which are folded into a running sum, absolute sum and maximum when full.

    Args:
        rows: The steps kept before folding.

    """

    def __init__(self, rows: int = 256):
        self._rows = rows
        self._pending: dict[str, tuple[torch.Tensor, int]] = {}
        self._totals: dict[str, torch.Tensor] = {}
        self._counts: dict[str, int] = {}

    def record(self, key: str, value: torch.Tensor) -> None:
        """Add a step's values of a statistic.

        Args:
            key: The statistic.
            value: A scalar or one value per sample.

        """
        value = value.detach().reshape(-1)
        rows, n = self._pending.get(key, (None, 0))
        if (
            rows is None
            or rows.shape[1] != value.numel()
            or rows.device != value.device
        ):
            self._fold(key)
            rows, n = value.new_empty((self._rows, value.numel())), 0
        rows[n].copy_(value)
        self._pending[key] = (rows, n + 1)
        if n + 1 == self._rows:
            self._fold(key)

    def _fold(self, key: str) -> None:
        """Fold a statistic's pending rows into its running totals.

        Args:
            key: The statistic.

        """
        pending = self._pending.pop(key, None)
        if pending is None:
            return
        rows, n = pending
        block = rows[:n].double()
        totals = torch.stack((block.sum(), block.abs().sum(), block.max()))
        previous = self._totals.get(key)
        if previous is not None:
            totals = torch.cat(
                (previous[:2] + totals[:2], torch.maximum(previous[2:], totals[2:]))
            )
        self._totals[key] = totals
        self._counts[key] = self._counts.get(key, 0) + block.numel()

    def summaries(self, keys: Sequence[str]) -> dict[str, Summary]:
        """Summarise statistics and forget everything recorded.

        Args:
            keys: The statistics to summarise.

        Returns:
            Each statistic's summary; NaNs with a count of 0 for one never
                recorded.

        """
        result = {}
        for key in keys:
            self._fold(key)
            count = self._counts.get(key, 0)
            if count:
                total, abs_total, largest = self._totals[key].tolist()
                result[key] = Summary(total / count, largest, abs_total / count, count)
            else:
                result[key] = Summary(math.nan, math.nan, math.nan, 0)
        self._pending, self._totals, self._counts = {}, {}, {}
        return result


def record_q_statistics(prefix: str, q: Summary, y: Summary) -> None:
    """Record the average, largest and average absolute Q-values and targets.

    Args:
        prefix: The prefix of the keys, such as ``'QFunction/'``.
        q: The summary of the Q-values of the epoch's batches.
        y: The summary of their targets.

    """
    for name, summary in (('Q', q), ('Y', y)):
        tabular.record(f'{prefix}Average{name}', summary.mean)
        tabular.record(f'{prefix}Max{name}', summary.max)
        tabular.record(f'{prefix}AverageAbs{name}', summary.mean_abs)


class OffPolicyAlgorithm(RLAlgorithm):
    """The loop of the off-policy algorithms, and what they share.

    Each iteration samples a batch with the exploration policy (the
    trainer's batch size, or what the replay buffer lacks of
    ``min_buffer_size``), adds it to the replay buffer and, once the buffer
    holds ``min_buffer_size`` transitions, takes ``gradient_steps``
    gradient steps, each on ``buffer_batch_size`` transitions sampled from
    the buffer (`_train_once`, which subclasses implement). An epoch
    is ``steps_per_epoch`` iterations, then an evaluation of the
    deterministic policy, logged under ``Evaluation/``, then the epoch's
    training statistics.

    With a ``LocalSampler``, the workers act with the exploration policy
    object itself, so that no parameters are copied and the exploration
    state (noise, step counts) lives in the algorithm, which snapshots
    hold. Other samplers get the policy at the first iteration of each
    `train`, and its parameter values after that.

    Args:
        env_spec: The specification of the environment.
        policy: The policy being trained.
        replay_buffer: The replay buffer.
        sampler: The sampler.
        exploration_policy: The policy that samples, or None for
            ``policy`` itself.
        steps_per_epoch: Iterations per epoch.
        gradient_steps: Gradient steps per iteration.
        min_buffer_size: Transitions stored before training starts.
        buffer_batch_size: Transitions per gradient step.
        target_update_tau: The interpolation weight of target updates.
        discount: The discount factor.
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        num_evaluation_episodes: Evaluation episodes per epoch.
        eval_env: The evaluation environment; None takes a copy of the
            trainer's environment.
        deterministic_evaluation: Evaluate the policy's most likely
            actions rather than samples.
        gradient_steps_name: The subclass's name of ``gradient_steps``,
            for error messages.

    Raises:
        ValueError: If an option is out of range, or ``replay_buffer`` is
            not a ``ReplayBuffer``.

    """

    policy: 'Policy'
    # Trainer.setup refuses it without a sampler unless a LocalRunner makes one
    _needs_sampler = True

    def __init__(
        self,
        *,
        env_spec: EnvSpec,
        policy: Any,
        replay_buffer: ReplayBuffer,
        sampler: 'Sampler | None',
        exploration_policy: Any,
        steps_per_epoch: int,
        gradient_steps: int,
        min_buffer_size: int | float,
        buffer_batch_size: int,
        target_update_tau: float,
        discount: float,
        max_episode_length_eval: int | None,
        num_evaluation_episodes: int,
        eval_env: 'Environment | None',
        deterministic_evaluation: bool = True,
        gradient_steps_name: str = 'gradient_steps',
    ):
        _validation.instance_of('replay_buffer', replay_buffer, ReplayBuffer)
        self.env_spec = env_spec
        self.policy = policy
        self.exploration_policy = (
            policy if exploration_policy is None else exploration_policy
        )
        self.replay_buffer = replay_buffer
        self._sampler = sampler
        self.discount = _validation.number_in('discount', discount, 0, 1)
        self._steps_per_epoch = _validation.positive_int(
            'steps_per_epoch', steps_per_epoch
        )
        self._gradient_steps = _validation.non_negative_int(
            gradient_steps_name, gradient_steps
        )
        self._min_buffer_size = _validation.non_negative_int(
            'min_buffer_size', min_buffer_size
        )
        self._buffer_batch_size = _validation.positive_int(
            'buffer_batch_size', buffer_batch_size
        )
        self._tau = _validation.number_in('target_update_tau', target_update_tau, 0, 1)
        self._max_episode_length_eval = _validation.positive_int(
            'max_episode_length_eval',
            env_spec.max_episode_length
            if max_episode_length_eval is None
            else max_episode_length_eval,
            allow_none=True,
        )
        self._num_evaluation_episodes = _validation.positive_int(
            'num_evaluation_episodes', num_evaluation_episodes
        )
        self._eval_env = eval_env
        self._deterministic_evaluation = deterministic_evaluation
        self._agent_sent: Any = None
        self._step_stats = StepStatistics()

    @property
    @abc.abstractmethod
    def networks(self) -> list[nn.Module]:
        """The networks the algorithm trains, and their targets."""

    def to(self, device: torch.device | str | None = None) -> None:
        """Move the networks to a device.

        Call it before training: the optimizers' state does not move.

        Args:
            device: The device; None takes ``garage.torch.global_device()``.

        """
        device = global_device() if device is None else device
        for network in self.networks:
            network.to(device)

    def train(self, trainer: 'Trainer') -> float | None:
        """Train, epoch by epoch, through ``trainer.step_epochs()``.

        Args:
            trainer: The trainer.

        Returns:
            The average evaluation return of the last epoch.

        """
        if self._eval_env is None:
            self._eval_env = trainer.get_env_copy()
        self._agent_sent = None
        last_return = None
        for epoch in trainer.step_epochs():
            for _ in range(_capped(self._steps_per_epoch)):
                self._train_iteration(trainer, trainer.step_itr)
            last_return = self._evaluate_policy(epoch)
            self._log_statistics()
            trainer.report_epoch(EpochRecord(evaluation_return=last_return))
        return last_return

    def _train_iteration(self, trainer: 'Trainer', itr: int) -> None:
        """Sample, store, and take the gradient steps if enough is stored.

        Args:
            trainer: The trainer.
            itr: The iteration (one per epoch).

        """
        self._obtain(trainer, itr)
        if self.replay_buffer.n_transitions_stored >= self._min_buffer_size:
            for _ in range(_capped(self._gradient_steps)):
                self._train_once()

    def _sampling_policy(self, trainer: 'Trainer') -> Any:
        """The policy to sample the next batch with.

        Args:
            trainer: The trainer.

        Returns:
            The exploration policy.

        """
        del trainer
        return self.exploration_policy

    def _obtain(self, trainer: 'Trainer', itr: int) -> EpisodeBatch:
        """Sample a batch, store it, and let the exploration policy count it.

        Args:
            trainer: The trainer.
            itr: The iteration.

        Returns:
            The batch.

        """
        lacking = self._min_buffer_size - self.replay_buffer.n_transitions_stored
        policy = self._sampling_policy(trainer)
        episodes = trainer.obtain_episodes(
            itr,
            lacking if lacking > 0 else None,
            agent_update=self._agent_update(policy),
        )
        self.replay_buffer.add_episode_batch(episodes)
        update = getattr(policy, 'update', None)
        if update is not None:
            update(episodes)
        return episodes

    def _agent_update(self, policy: Any) -> Any:
        """The cheapest agent update that makes the workers act with policy.

        Args:
            policy: The policy to sample with.

        Returns:
            For a ``LocalSampler``, the policy itself for every worker (a
                list is passed on without copies); for other samplers, the
                policy the first time, its parameter values after.

        """
        sampler = self._sampler
        if isinstance(sampler, LocalSampler):
            return [policy] * sampler.worker_factory.n_workers
        if policy is self._agent_sent:
            return policy.get_param_values()
        self._agent_sent = policy
        return policy

    def _sample_batch(self) -> dict[str, torch.Tensor]:
        """Sample a batch of transitions as tensors on the global device.

        Returns:
            ``observations``, ``actions``, ``rewards``,
                ``next_observations`` and ``terminals`` (1.0 where the
                episode terminated, 0.0 where the value is bootstrapped:
                ``TIMEOUT`` and fragment ends), float32 tensors except
                integer actions, which stay int64.

        """
        samples = self.replay_buffer.sample_transitions(self._buffer_batch_size)
        actions = samples['actions']
        return {
            'observations': np_to_torch(samples['observations']),
            'actions': (
                np_to_torch(actions)
                if np.issubdtype(actions.dtype, np.floating)
                else torch.from_numpy(actions).to(global_device())
            ),
            'rewards': np_to_torch(samples['rewards']),
            'next_observations': np_to_torch(samples['next_observations']),
            'terminals': np_to_torch(samples['terminals']),
        }

    @abc.abstractmethod
    def _train_once(self) -> None:
        """Take one gradient step on a batch from the replay buffer."""

    def _record(self, **values: torch.Tensor) -> None:
        """Keep a gradient step's statistics for the end of the epoch.

        Args:
            **values: Tensors: scalars or one value per sample.

        """
        for key, value in values.items():
            self._step_stats.record(key, value)

    def _epoch_stats(self, keys: Sequence[str]) -> dict[str, Summary]:
        """Summarise the statistics of this epoch, which are then forgotten.

        Args:
            keys: The statistics to summarise.

        Returns:
            Each statistic's summary (NaNs when no gradient step was taken).

        """
        return self._step_stats.summaries(keys)

    def _log_statistics(self) -> None:
        """Record the epoch's training statistics."""
        tabular.record(
            'ReplayBuffer/buffer_size', self.replay_buffer.n_transitions_stored
        )

    def _evaluate_policy(self, epoch: int) -> float:
        """Evaluate the policy; log under ``Evaluation/``.

        Args:
            epoch: The epoch.

        Returns:
            The average undiscounted return.

        """
        if self._eval_env is None:
            raise ValueError('evaluation needs an environment: give eval_env')
        episodes = obtain_evaluation_episodes(
            self.policy,
            self._eval_env,
            self._max_episode_length_eval,
            num_eps=self._num_evaluation_episodes,
            deterministic=self._deterministic_evaluation,
        )
        returns = log_performance(
            epoch, episodes, discount=self.discount, prefix='Evaluation'
        )
        return float(np.mean(returns))


def _capped(n_steps: int) -> int:
    """``n_steps``, or fewer while the example tests cap them."""
    cap = os.environ.get(N_STEPS_ENV_VAR)
    return min(n_steps, int(cap)) if cap else n_steps
