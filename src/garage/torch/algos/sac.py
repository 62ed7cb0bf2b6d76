"""Soft actor-critic (SAC), with automatic entropy tuning."""

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from garage import _validation
from garage._dowel import tabular
from garage._optimizers import _Default
from garage.torch._functions import global_device
from garage.torch.algos._legacy import off_policy_lengths
from garage.torch.algos._off_policy import (
    OffPolicyAlgorithm,
    make_fast_optimizer,
    make_target,
    parameters,
    set_requires_grad,
    update_targets,
)

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec
    from garage._environment import Environment
    from garage.replay_buffer import ReplayBuffer
    from garage.sampler import Sampler
    from garage.torch.policies import Policy


class SAC(OffPolicyAlgorithm):
    r"""Soft actor-critic: maximum-entropy RL with twin Q-functions.

    Each gradient step, on a batch from the replay buffer:

    * the Q-functions regress to `r · s + γ (1 - d)
      (min_i Q'_i(s', a') - α log π(a'|s'))` with
      `a' ~ π(s')`, where `d` is 1 only after a
      ``TERMINAL`` step: the value is bootstrapped after a ``TIMEOUT`` and
      after the last step of a fragment of a running episode;
    * the policy minimises `α log π(a|s) - min_i Q_i(s, a)`
      with reparameterised `a ~ π(s)`;
    * with automatic entropy tuning, `log α` minimises
      `-log α (log π(a|s) + H̄)`, driving the policy's
      entropy towards the target `H̄`;
    * the target Q-functions move towards the Q-functions by
      ``target_update_tau``.

    Both Q-functions share one optimizer, and so do the policy and
    `log α`: for per-parameter optimizers such as Adam, the same
    as one each, in fewer calls. Adam runs fused. See
    ``OffPolicyAlgorithm`` for the loop.

    Args:
        env_spec: The specification of the environment.
        policy: The policy: calling it on observations returns a
            ``TanhNormal`` (``garage.torch.policies.TanhGaussianMLPPolicy``).
        qf1: The first Q-function, of observations and actions.
        qf2: The second Q-function.
        replay_buffer: The replay buffer.
        sampler: The sampler (a ``LocalSampler`` with ``FragmentWorker``s
            samples a few steps per iteration).
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, and to evaluate unless ``max_episode_length_eval`` is
            given, instead of ``env_spec.max_episode_length``.
        gradient_steps_per_itr: Gradient steps per iteration.
        fixed_alpha: A fixed entropy weight `α`; None tunes it.
        target_entropy: The entropy target `H̄`; None takes
            minus the action dimension.
        initial_log_entropy: The initial `log α` when tuning.
        discount: The discount factor `γ`.
        buffer_batch_size: Transitions per gradient step.
        min_buffer_size: Transitions stored before training starts.
        target_update_tau: The interpolation weight of target updates.
        policy_lr: The learning rate of the policy and of
            `log α`.
        qf_lr: The learning rate of the Q-functions.
        reward_scale: The factor `s` of the rewards.
        optimizer: The optimizer class, or a ``(class, args)`` tuple.
        steps_per_epoch: Iterations per epoch.
        num_evaluation_episodes: Evaluation episodes per epoch.
        eval_env: The evaluation environment; None takes a copy of the
            trainer's.
        use_deterministic_evaluation: Evaluate the policy's mean action
            rather than samples.

    Raises:
        ValueError: If an option is out of range.

    """

    def __init__(
        self,
        env_spec: 'EnvSpec',
        policy: 'Policy',
        qf1: nn.Module,
        qf2: nn.Module,
        replay_buffer: 'ReplayBuffer',
        sampler: 'Sampler | None' = None,
        *,
        max_episode_length_eval: int | None = None,
        max_path_length: int | None = None,
        gradient_steps_per_itr: int = 1,
        fixed_alpha: float | None = None,
        target_entropy: float | None = None,
        initial_log_entropy: float = 0.0,
        discount: float = 0.99,
        buffer_batch_size: int = 64,
        min_buffer_size: int | float = int(1e4),
        target_update_tau: float = 5e-3,
        policy_lr: float = 3e-4,
        qf_lr: float = 3e-4,
        reward_scale: float = 1.0,
        optimizer: Any = torch.optim.Adam,
        steps_per_epoch: int = 1,
        num_evaluation_episodes: int = 10,
        eval_env: 'Environment | None' = None,
        use_deterministic_evaluation: bool = True,
    ):
        max_episode_length_eval = off_policy_lengths(
            self, max_path_length, max_episode_length_eval
        )
        super().__init__(
            env_spec=env_spec,
            policy=policy,
            replay_buffer=replay_buffer,
            sampler=sampler,
            exploration_policy=None,
            steps_per_epoch=steps_per_epoch,
            gradient_steps=gradient_steps_per_itr,
            gradient_steps_name='gradient_steps_per_itr',
            min_buffer_size=min_buffer_size,
            buffer_batch_size=buffer_batch_size,
            target_update_tau=target_update_tau,
            discount=discount,
            max_episode_length_eval=max_episode_length_eval,
            num_evaluation_episodes=num_evaluation_episodes,
            eval_env=eval_env,
            deterministic_evaluation=use_deterministic_evaluation,
        )
        fixed_alpha = _validation.number_in(
            'fixed_alpha', fixed_alpha, 0, low_open=True, allow_none=True
        )
        self._reward_scale = _validation.number_in('reward_scale', reward_scale, 0)
        self._qf1 = qf1
        self._qf2 = qf2
        self._target_qf1 = make_target(qf1)
        self._target_qf2 = make_target(qf2)
        self._qf_params = parameters(qf1, qf2)
        self._target_qf_params = parameters(self._target_qf1, self._target_qf2)
        self._target_entropy = (
            -float(np.prod(env_spec.action_space.shape))
            if target_entropy is None
            else float(target_entropy)
        )
        self._log_alpha = nn.Parameter(
            torch.full(
                self._log_alpha_shape(),
                initial_log_entropy if fixed_alpha is None else math.log(fixed_alpha),
                dtype=torch.float32,
            ),
            requires_grad=fixed_alpha is None,
        )
        self._policy_optimizer = make_fast_optimizer(
            optimizer,
            nn.ModuleList([policy, nn.ParameterList([self._log_alpha])]),
            _Default(policy_lr),
        )
        self._qf_optimizer = make_fast_optimizer(
            optimizer, nn.ModuleList([qf1, qf2]), _Default(qf_lr)
        )

    @property
    def networks(self) -> list[nn.Module]:
        """The policy, the Q-functions and their targets."""
        return [self.policy, self._qf1, self._qf2, self._target_qf1, self._target_qf2]

    def to(self, device: torch.device | str | None = None) -> None:
        r"""Move the networks and `log α` to a device.

        Args:
            device: The device; None takes ``garage.torch.global_device()``.

        """
        device = global_device() if device is None else device
        super().to(device)
        self._log_alpha.data = self._log_alpha.data.to(device)

    def _actions_and_log_probs(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterised actions of the policy and their log densities.

        Args:
            observations: A batch of observations.

        Returns:
            The actions and their log densities.

        """
        dist = self.policy(observations)[0]
        pre_tanh, actions = dist.rsample_with_pre_tanh_value()
        return actions, dist.log_prob(actions, pre_tanh_value=pre_tanh)

    def _critic_targets(
        self,
        rewards: torch.Tensor,
        next_observations: torch.Tensor,
        terminals: torch.Tensor,
        alpha: torch.Tensor,
    ) -> torch.Tensor:
        """The regression targets of the Q-functions.

        Args:
            rewards: The rewards, shape ``(N,)``.
            next_observations: The observations after the actions.
            terminals: 1.0 after a ``TERMINAL`` step, else 0.0.
            alpha: The entropy weight.

        Returns:
            The targets, shape ``(N,)``.

        """
        with torch.no_grad():
            next_actions, next_log_pi = self._actions_and_log_probs(next_observations)
            next_q = torch.min(
                self._target_qf1(next_observations, next_actions),
                self._target_qf2(next_observations, next_actions),
            ).flatten()
            next_value = next_q - alpha * next_log_pi
            return (
                rewards * self._reward_scale
                + (1.0 - terminals) * self.discount * next_value
            )

    def _log_alpha_shape(self) -> tuple[int, ...]:
        r"""The shape of the learned `log α`: one scalar for SAC."""
        return ()

    def _log_alphas(self, observations: torch.Tensor) -> torch.Tensor:
        r"""`log α` for a batch of observations.

        Args:
            observations: The batch.

        Returns:
            SAC's one `log α`; subclasses may return one per
                observation.

        """
        del observations
        return self._log_alpha

    def _temperature_loss(
        self, log_pi: torch.Tensor, log_alpha: torch.Tensor | None = None
    ) -> torch.Tensor:
        r"""The loss of `log α`.

        Args:
            log_pi: Log densities of the policy's actions.
            log_alpha: `log α`, one or one per action; None takes
                the algorithm's.

        Returns:
            The loss, whose gradient raises `α` when the
                entropy is below the target.

        """
        log_alpha = self._log_alpha if log_alpha is None else log_alpha
        return -(log_alpha * (log_pi.detach() + self._target_entropy)).mean()

    def _train_once(self) -> None:
        """Take one gradient step of the Q-functions, policy and alpha."""
        batch = self._sample_batch()
        observations, actions = batch['observations'], batch['actions']
        log_alpha = self._log_alphas(observations)
        alpha = log_alpha.detach().exp()
        targets = self._critic_targets(
            batch['rewards'], batch['next_observations'], batch['terminals'], alpha
        )

        q1 = self._qf1(observations, actions).flatten()
        q2 = self._qf2(observations, actions).flatten()
        qf1_loss = F.mse_loss(q1, targets)
        qf2_loss = F.mse_loss(q2, targets)
        self._qf_optimizer.zero_grad()
        (qf1_loss + qf2_loss).backward()
        self._qf_optimizer.step()

        new_actions, log_pi = self._actions_and_log_probs(observations)
        set_requires_grad(self._qf_params, False)  # no gradients of Q's weights
        new_q = torch.min(
            self._qf1(observations, new_actions), self._qf2(observations, new_actions)
        ).flatten()
        set_requires_grad(self._qf_params, True)
        policy_loss = (alpha * log_pi - new_q).mean()
        alpha_loss = self._temperature_loss(log_pi, log_alpha)
        self._policy_optimizer.zero_grad()
        # alpha_loss's gradient reaches log(alpha) only, policy_loss's the
        # policy only: one backward pass and one step for both
        (policy_loss + alpha_loss).backward()
        self._policy_optimizer.step()

        update_targets(self._target_qf_params, self._qf_params, self._tau)
        self._record(
            policy_loss=policy_loss,
            qf1_loss=qf1_loss,
            qf2_loss=qf2_loss,
            q=q1,
            log_pi=log_pi,
            alpha=alpha,
        )

    def _log_statistics(self) -> None:
        """Record the epoch's losses, Q-values, entropy and alpha."""
        super()._log_statistics()
        stats = self._epoch_stats(
            ['policy_loss', 'qf1_loss', 'qf2_loss', 'q', 'log_pi', 'alpha']
        )
        tabular.record('AlphaTemperature/mean', stats['alpha'].mean)
        tabular.record('Policy/Loss', stats['policy_loss'].mean)
        tabular.record('Policy/Entropy', -stats['log_pi'].mean)
        tabular.record('QF/Qf1Loss', stats['qf1_loss'].mean)
        tabular.record('QF/Qf2Loss', stats['qf2_loss'].mean)
        tabular.record('QF/AverageQ', stats['q'].mean)
        tabular.record('QF/MaxQ', stats['q'].max)
