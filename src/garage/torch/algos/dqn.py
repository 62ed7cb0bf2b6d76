"""Deep Q-networks (DQN), with double Q-learning."""

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from garage import _validation
from garage._dowel import tabular
from garage._optimizers import _Default
from garage.torch.algos._legacy import off_policy_lengths
from garage.torch.algos._off_policy import (
    OffPolicyAlgorithm,
    make_fast_optimizer,
    make_target,
    parameters,
    record_q_statistics,
    update_targets,
)

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec
    from garage._environment import Environment
    from garage.replay_buffer import ReplayBuffer
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.trainer import Trainer


class DQN(OffPolicyAlgorithm):
    r"""Deep Q-learning of a discrete-action Q-function.

    Each gradient step, on a batch from the replay buffer, the Q-value of
    the action taken regresses, under the Huber loss, to `y = r
    · s + γ (1 - d) Q'(s', argmax_(a') Q(s', a'))` with double
    Q-learning, or to `r · s + γ (1 - d) max_(a') Q'(s',
    a')` without; `d` is 1 only after a ``TERMINAL`` step, so the
    value is bootstrapped after a ``TIMEOUT`` and after the last step of a
    fragment. Rewards are scaled, then clipped if asked; the gradient's
    norm is clipped to ``clip_gradient``. Every ``target_update_freq``
    iterations the target Q-function `Q'` moves towards `Q`
    by ``target_update_tau`` (1 copies it).

    Explore with ``EpsilonGreedyPolicy``. See ``OffPolicyAlgorithm`` for
    the loop.

    Args:
        env_spec: The specification of the environment; its action space
            is discrete.
        policy: The greedy policy of the Q-function
            (``DiscreteQFArgmaxPolicy``).
        qf: The Q-function: observations to one value per action.
        replay_buffer: The replay buffer.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        exploration_policy: The policy that samples; None samples with
            ``policy`` itself.
        eval_env: The evaluation environment; None takes a copy of the
            trainer's.
        qf_optimizer: The optimizer class, or a ``(class, args)`` tuple.
        steps_per_epoch: Iterations per epoch.
        qf_lr: The learning rate.
        n_train_steps: Gradient steps per iteration.
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, and to evaluate unless ``max_episode_length_eval`` is
            given, instead of ``env_spec.max_episode_length``.
        buffer_batch_size: Transitions per gradient step.
        min_buffer_size: Transitions stored before training starts.
        num_eval_episodes: Evaluation episodes per epoch.
        discount: The discount factor `γ`.
        deterministic_eval: Evaluate with ``policy``'s most likely actions
            (the greedy ones) rather than samples.
        target_update_freq: Iterations between target updates.
        target_update_tau: The interpolation weight of target updates.
        double_q: Use double Q-learning.
        reward_scale: The factor `s` of the rewards.
        clip_rewards: Clip the scaled rewards to ``[-clip_rewards,
            clip_rewards]``; None does not.
        clip_gradient: The largest norm of the gradient; None does not
            clip.

    Raises:
        ValueError: If an option is out of range.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        policy: 'Policy',
        qf: nn.Module,
        replay_buffer: 'ReplayBuffer',
        sampler: 'Sampler | None' = None,
        exploration_policy: Any = None,
        eval_env: 'Environment | None' = None,
        qf_optimizer: Any = torch.optim.Adam,
        *,
        steps_per_epoch: int = 20,
        qf_lr: float | _Default = _Default(1e-3),
        n_train_steps: int = 50,
        max_episode_length_eval: int | None = None,
        max_path_length: int | None = None,
        buffer_batch_size: int = 64,
        min_buffer_size: int | float = int(1e4),
        num_eval_episodes: int = 10,
        discount: float = 0.99,
        deterministic_eval: bool = True,
        target_update_freq: int = 5,
        target_update_tau: float = 1.0,
        double_q: bool = False,
        reward_scale: float = 1.0,
        clip_rewards: float | None = None,
        clip_gradient: float | None = 10,
    ):
        max_episode_length_eval = off_policy_lengths(
            self, max_path_length, max_episode_length_eval
        )
        super().__init__(
            env_spec=env_spec,
            policy=policy,
            replay_buffer=replay_buffer,
            sampler=sampler,
            exploration_policy=exploration_policy,
            steps_per_epoch=steps_per_epoch,
            gradient_steps=n_train_steps,
            gradient_steps_name='n_train_steps',
            min_buffer_size=min_buffer_size,
            buffer_batch_size=buffer_batch_size,
            target_update_tau=target_update_tau,
            discount=discount,
            max_episode_length_eval=max_episode_length_eval,
            num_evaluation_episodes=num_eval_episodes,
            eval_env=eval_env,
            deterministic_evaluation=deterministic_eval,
        )
        self._target_update_freq = _validation.positive_int(
            'target_update_freq', target_update_freq
        )
        self._double_q = double_q
        self._reward_scale = _validation.number_in('reward_scale', reward_scale, 0)
        self._clip_rewards = (
            None
            if clip_rewards is None
            else _validation.number_in('clip_rewards', clip_rewards, 0)
        )
        self._clip_gradient = (
            None
            if clip_gradient is None
            else _validation.number_in('clip_gradient', clip_gradient, 0)
        )
        self._qf = qf
        self._target_qf = make_target(qf)
        self._qf_params = parameters(qf)
        self._target_qf_params = parameters(self._target_qf)
        self._qf_optimizer = make_fast_optimizer(qf_optimizer, qf, qf_lr)
        self._n_iterations = 0

    @property
    def networks(self) -> list[nn.Module]:
        """The Q-function and its target."""
        return [self._qf, self._target_qf]

    def _train_iteration(self, trainer: 'Trainer', itr: int) -> None:
        """Sample, train, and update the target every few iterations.

        Args:
            trainer: The trainer.
            itr: The iteration (one per epoch).

        """
        super()._train_iteration(trainer, itr)
        self._n_iterations += 1
        if self._n_iterations % self._target_update_freq == 0:
            update_targets(self._target_qf_params, self._qf_params, self._tau)

    def _critic_targets(
        self,
        rewards: torch.Tensor,
        next_observations: torch.Tensor,
        terminals: torch.Tensor,
    ) -> torch.Tensor:
        """The regression targets of the Q-function.

        Args:
            rewards: The rewards, shape ``(N,)``.
            next_observations: The observations after the actions.
            terminals: 1.0 after a ``TERMINAL`` step, else 0.0.

        Returns:
            The targets, shape ``(N,)``.

        """
        with torch.no_grad():
            next_qs = self._target_qf(next_observations)
            if self._double_q:
                best = self._qf(next_observations).argmax(dim=1, keepdim=True)
                next_q = next_qs.gather(1, best).squeeze(1)
            else:
                next_q = next_qs.max(dim=1).values
            rewards = rewards * self._reward_scale
            if self._clip_rewards is not None:
                rewards = rewards.clamp(-self._clip_rewards, self._clip_rewards)
            return rewards + (1.0 - terminals) * self.discount * next_q

    def _train_once(self) -> None:
        """Take one gradient step of the Q-function."""
        batch = self._sample_batch()
        targets = self._critic_targets(
            batch['rewards'], batch['next_observations'], batch['terminals']
        )
        q = (
            self._qf(batch['observations'])
            .gather(1, batch['actions'].unsqueeze(1))
            .squeeze(1)
        )
        loss = F.smooth_l1_loss(q, targets)
        self._qf_optimizer.zero_grad()
        loss.backward()
        if self._clip_gradient is not None:
            nn.utils.clip_grad_norm_(self._qf_params, self._clip_gradient)
        self._qf_optimizer.step()
        self._record(qf_loss=loss, q=q, y=targets)

    def _log_statistics(self) -> None:
        """Record the epoch's loss, Q-values and targets."""
        super()._log_statistics()
        stats = self._epoch_stats(['qf_loss', 'q', 'y'])
        tabular.record('DQN/QFunctionLoss', stats['qf_loss'].mean)
        record_q_statistics('DQN/', stats['q'], stats['y'])
