"""Deep deterministic policy gradient (DDPG)."""

import math
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
    set_requires_grad,
    update_targets,
    warn_no_effect,
)

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec
    from garage._environment import Environment
    from garage.replay_buffer import ReplayBuffer
    from garage.sampler import Sampler
    from garage.torch.policies import Policy


class DDPG(OffPolicyAlgorithm):
    r"""Deep deterministic policy gradient: an actor and one critic.

    Each gradient step, on a batch from the replay buffer:

    * the Q-function regresses to `y = r · s + γ (1 - d)
      Q'(s', μ'(s'))`, clipped to ``[-clip_return, clip_return]`` (or
      ``[-clip_return, 0]`` with ``clip_pos_returns``), where `d` is
      1 only after a ``TERMINAL`` step: the value is bootstrapped after a
      ``TIMEOUT`` and after the last step of a fragment;
    * the policy `μ` maximises `Q(s, μ(s))`;
    * the target policy `μ'` and Q-function `Q'` move
      towards them by ``target_update_tau``.

    Explore with an exploration policy such as
    ``AddOrnsteinUhlenbeckNoise`` or ``AddGaussianNoise``. See
    ``OffPolicyAlgorithm`` for the loop.

    Args:
        env_spec: The specification of the environment.
        policy: The deterministic policy (``DeterministicMLPPolicy``).
        qf: The Q-function, of observations and actions.
        replay_buffer: The replay buffer.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        steps_per_epoch: Iterations per epoch.
        n_train_steps: Gradient steps per iteration.
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, and to evaluate unless ``max_episode_length_eval`` is
            given, instead of ``env_spec.max_episode_length``.
        buffer_batch_size: Transitions per gradient step.
        min_buffer_size: Transitions stored before training starts.
        exploration_policy: The policy that samples; None samples with
            ``policy`` itself.
        target_update_tau: The interpolation weight of target updates.
        discount: The discount factor `γ`.
        policy_weight_decay: The policy optimizer's weight decay (unless
            ``policy_optimizer`` is a tuple, whose arguments replace it).
        qf_weight_decay: The Q-function optimizer's weight decay (unless
            ``qf_optimizer`` is a tuple).
        policy_optimizer: The policy's optimizer class, or a ``(class,
            args)`` tuple.
        qf_optimizer: The Q-function's optimizer class, or a tuple.
        policy_lr: The policy's learning rate.
        qf_lr: The Q-function's learning rate.
        clip_pos_returns: Clip the targets to at most 0.
        clip_return: The largest absolute target.
        reward_scale: The factor `s` of the rewards.
        num_evaluation_episodes: Evaluation episodes per epoch.
        eval_env: The evaluation environment; None takes a copy of the
            trainer's.
        max_action: Deprecated, no effect: the policy's output layer bounds
            the actions.

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
        *,
        steps_per_epoch: int = 20,
        n_train_steps: int = 50,
        max_episode_length_eval: int | None = None,
        max_path_length: int | None = None,
        buffer_batch_size: int = 64,
        min_buffer_size: int | float = int(1e4),
        exploration_policy: Any = None,
        target_update_tau: float = 0.01,
        discount: float = 0.99,
        policy_weight_decay: float = 0.0,
        qf_weight_decay: float = 0.0,
        policy_optimizer: Any = torch.optim.Adam,
        qf_optimizer: Any = torch.optim.Adam,
        policy_lr: float | _Default = _Default(1e-4),
        qf_lr: float | _Default = _Default(1e-3),
        clip_pos_returns: bool = False,
        clip_return: float = math.inf,
        reward_scale: float = 1.0,
        num_evaluation_episodes: int = 10,
        eval_env: 'Environment | None' = None,
        max_action: float | None = None,
    ):
        warn_no_effect(
            'DDPG',
            max_action=(max_action, "the policy's output layer bounds the actions"),
        )
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
            num_evaluation_episodes=num_evaluation_episodes,
            eval_env=eval_env,
        )
        clip_return = _validation.number_in('clip_return', clip_return, 0)
        self._clip_range = (-clip_return, 0.0 if clip_pos_returns else clip_return)
        self._reward_scale = _validation.number_in('reward_scale', reward_scale, 0)
        self._qf = qf
        self._target_policy = make_target(policy)
        self._target_qf = make_target(qf)
        self._qf_params = parameters(qf)
        self._source_params = parameters(policy, qf)
        self._target_params = parameters(self._target_policy, self._target_qf)
        self._policy_optimizer = make_fast_optimizer(
            policy_optimizer,
            policy,
            policy_lr,
            weight_decay=_validation.number_in(
                'policy_weight_decay', policy_weight_decay, 0
            ),
        )
        self._qf_optimizer = make_fast_optimizer(
            qf_optimizer,
            qf,
            qf_lr,
            weight_decay=_validation.number_in('qf_weight_decay', qf_weight_decay, 0),
        )

    @property
    def networks(self) -> list[nn.Module]:
        """The policy, the Q-function and their targets."""
        return [self.policy, self._qf, self._target_policy, self._target_qf]

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
            The clipped targets, shape ``(N,)``.

        """
        with torch.no_grad():
            next_q = self._target_qf(
                next_observations, self._target_policy(next_observations)
            ).flatten()
            targets = (
                rewards * self._reward_scale
                + (1.0 - terminals) * self.discount * next_q
            )
            return targets.clamp(*self._clip_range)

    def _train_once(self) -> None:
        """Take one gradient step of the Q-function and the policy."""
        batch = self._sample_batch()
        observations = batch['observations']
        targets = self._critic_targets(
            batch['rewards'], batch['next_observations'], batch['terminals']
        )

        q = self._qf(observations, batch['actions']).flatten()
        qf_loss = F.mse_loss(q, targets)
        self._qf_optimizer.zero_grad()
        qf_loss.backward()
        self._qf_optimizer.step()

        set_requires_grad(self._qf_params, False)  # no gradients of Q's weights
        policy_loss = -self._qf(observations, self.policy(observations)).mean()
        set_requires_grad(self._qf_params, True)
        self._policy_optimizer.zero_grad()
        policy_loss.backward()
        self._policy_optimizer.step()

        update_targets(self._target_params, self._source_params, self._tau)
        self._record(policy_loss=policy_loss, qf_loss=qf_loss, q=q, y=targets)

    def _log_statistics(self) -> None:
        """Record the epoch's losses, Q-values and targets."""
        super()._log_statistics()
        stats = self._epoch_stats(['policy_loss', 'qf_loss', 'q', 'y'])
        tabular.record('Policy/AveragePolicyLoss', stats['policy_loss'].mean)
        tabular.record('QFunction/AverageQFunctionLoss', stats['qf_loss'].mean)
        record_q_statistics('QFunction/', stats['q'], stats['y'])
