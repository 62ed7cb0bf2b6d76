"""Twin delayed deep deterministic policy gradient (TD3)."""

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
    from garage.trainer import Trainer


class TD3(OffPolicyAlgorithm):
    r"""TD3: DDPG with twin critics, target smoothing and delayed updates.

    Each gradient step, on a batch from the replay buffer:

    * both Q-functions regress to `y = r · s + γ (1 - d)
      min_i Q'_i(s', clip(μ'(s') + ε))`, with the
      target policy smoothed by noise `ε ~ N(0,
      σ²)` clipped to ``[-policy_noise_clip, policy_noise_clip]`` and
      the action clipped to the action bounds; `d` is 1 only after a
      ``TERMINAL`` step, so the value is bootstrapped after a ``TIMEOUT``
      and after the last step of a fragment; `y` is clipped to
      ``[-clip_return, clip_return]``;
    * every ``update_actor_interval`` gradient steps, the policy
      `μ` maximises `Q_1(s, μ(s))` and the targets move
      towards their networks by ``target_update_tau``.

    For the first ``start_steps`` environment steps, a given
    ``uniform_random_policy`` samples instead of the exploration policy.
    See ``OffPolicyAlgorithm`` for the loop.

    Args:
        env_spec: The specification of the environment.
        policy: The deterministic policy (``DeterministicMLPPolicy``).
        qf1: The first Q-function, of observations and actions.
        qf2: The second Q-function.
        replay_buffer: The replay buffer.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, and to evaluate unless ``max_episode_length_eval`` is
            given, instead of ``env_spec.max_episode_length``.
        grad_steps_per_env_step: Gradient steps per iteration (per
            environment step when the trainer's batch size is 1).
        exploration_policy: The policy that samples, such as
            ``AddGaussianNoise``; None samples with ``policy`` itself.
        uniform_random_policy: The policy that samples the first
            ``start_steps`` steps, or None.
        max_action: The bound of the smoothed target actions,
            ``[-max_action, max_action]``; None takes the action space's
            bounds.
        target_update_tau: The interpolation weight of target updates.
        discount: The discount factor `γ`.
        reward_scaling: The factor `s` of the rewards.
        update_actor_interval: Gradient steps per policy update.
        buffer_batch_size: Transitions per gradient step.
        min_buffer_size: Transitions stored before training starts.
        policy_noise: The standard deviation `σ` of the target
            smoothing noise.
        policy_noise_clip: The bound of the smoothing noise.
        clip_return: The largest absolute target.
        policy_lr: The policy's learning rate.
        qf_lr: The Q-functions' learning rate.
        policy_optimizer: The policy's optimizer class, or a ``(class,
            args)`` tuple.
        qf_optimizer: The Q-functions' optimizer class, or a tuple; one
            optimizer updates both.
        num_evaluation_episodes: Evaluation episodes per epoch.
        steps_per_epoch: Iterations per epoch.
        start_steps: Environment steps sampled by
            ``uniform_random_policy``.
        update_after: Transitions stored before training starts, if more
            than ``min_buffer_size``.
        eval_env: The evaluation environment; None takes a copy of the
            trainer's.
        use_deterministic_evaluation: Evaluate the policy's own actions,
            without exploration noise.
        exploration_noise: Deprecated, no effect: the exploration policy
            adds the noise.
        replay_buffer_size: Deprecated, no effect: the replay buffer sets
            its own capacity.

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
        grad_steps_per_env_step: int = 1,
        exploration_policy: Any = None,
        uniform_random_policy: Any = None,
        max_action: float | None = None,
        target_update_tau: float = 0.005,
        discount: float = 0.99,
        reward_scaling: float = 1.0,
        update_actor_interval: int = 2,
        buffer_batch_size: int = 64,
        min_buffer_size: int | float = int(1e4),
        policy_noise: float = 0.2,
        policy_noise_clip: float = 0.5,
        clip_return: float = math.inf,
        policy_lr: float | _Default = _Default(1e-4),
        qf_lr: float | _Default = _Default(1e-3),
        policy_optimizer: Any = torch.optim.Adam,
        qf_optimizer: Any = torch.optim.Adam,
        num_evaluation_episodes: int = 10,
        steps_per_epoch: int = 20,
        start_steps: int = 10000,
        update_after: int = 1000,
        eval_env: 'Environment | None' = None,
        use_deterministic_evaluation: bool = True,
        exploration_noise: float | None = None,
        replay_buffer_size: int | None = None,
    ):
        warn_no_effect(
            'TD3',
            exploration_noise=(
                exploration_noise,
                'the exploration policy adds the noise',
            ),
            replay_buffer_size=(
                replay_buffer_size,
                'the replay buffer sets its own capacity',
            ),
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
            gradient_steps=grad_steps_per_env_step,
            gradient_steps_name='grad_steps_per_env_step',
            min_buffer_size=max(
                _validation.non_negative_int('min_buffer_size', min_buffer_size),
                _validation.non_negative_int('update_after', update_after),
            ),
            buffer_batch_size=buffer_batch_size,
            target_update_tau=target_update_tau,
            discount=discount,
            max_episode_length_eval=max_episode_length_eval,
            num_evaluation_episodes=num_evaluation_episodes,
            eval_env=eval_env,
            deterministic_evaluation=use_deterministic_evaluation,
        )
        self._uniform_random_policy = uniform_random_policy
        self._start_steps = _validation.non_negative_int('start_steps', start_steps)
        self._update_actor_interval = _validation.positive_int(
            'update_actor_interval', update_actor_interval
        )
        self._reward_scaling = _validation.number_in(
            'reward_scaling', reward_scaling, 0
        )
        self._policy_noise = _validation.number_in('policy_noise', policy_noise, 0)
        self._policy_noise_clip = _validation.number_in(
            'policy_noise_clip', policy_noise_clip, 0
        )
        self._clip_return = _validation.number_in('clip_return', clip_return, 0)
        space = env_spec.action_space
        if max_action is None:
            low, high = space.low, space.high
        else:
            bound = _validation.number_in('max_action', max_action, 0)
            low, high = np.full(space.shape, -bound), np.full(space.shape, bound)
        self._action_low = torch.as_tensor(low, dtype=torch.float32)
        self._action_high = torch.as_tensor(high, dtype=torch.float32)
        self._qf1 = qf1
        self._qf2 = qf2
        self._target_policy = make_target(policy)
        self._target_qf1 = make_target(qf1)
        self._target_qf2 = make_target(qf2)
        self._qf1_params = parameters(qf1)
        self._source_params = parameters(policy, qf1, qf2)
        self._target_params = parameters(
            self._target_policy, self._target_qf1, self._target_qf2
        )
        self._policy_optimizer = make_fast_optimizer(
            policy_optimizer, policy, policy_lr
        )
        self._qf_optimizer = make_fast_optimizer(
            qf_optimizer, nn.ModuleList([qf1, qf2]), qf_lr
        )
        self._n_gradient_steps = 0

    @property
    def networks(self) -> list[nn.Module]:
        """The policy, the Q-functions and their targets."""
        return [
            self.policy,
            self._qf1,
            self._qf2,
            self._target_policy,
            self._target_qf1,
            self._target_qf2,
        ]

    def to(self, device: torch.device | str | None = None) -> None:
        """Move the networks and the action bounds to a device.

        Args:
            device: The device; None takes ``garage.torch.global_device()``.

        """
        device = global_device() if device is None else device
        super().to(device)
        self._action_low = self._action_low.to(device)
        self._action_high = self._action_high.to(device)

    def _sampling_policy(self, trainer: 'Trainer') -> Any:
        """The uniform random policy for the first steps, then exploration.

        Args:
            trainer: The trainer.

        Returns:
            The policy to sample the next batch with.

        """
        if (
            self._uniform_random_policy is not None
            and trainer.total_env_steps < self._start_steps
        ):
            return self._uniform_random_policy
        return self.exploration_policy

    def _critic_targets(
        self,
        rewards: torch.Tensor,
        next_observations: torch.Tensor,
        terminals: torch.Tensor,
    ) -> torch.Tensor:
        """The regression targets of the Q-functions.

        Args:
            rewards: The rewards, shape ``(N,)``.
            next_observations: The observations after the actions.
            terminals: 1.0 after a ``TERMINAL`` step, else 0.0.

        Returns:
            The clipped targets, shape ``(N,)``.

        """
        with torch.no_grad():
            next_actions = self._target_policy(next_observations)
            noise = (torch.randn_like(next_actions) * self._policy_noise).clamp(
                -self._policy_noise_clip, self._policy_noise_clip
            )
            next_actions = torch.clamp(
                next_actions + noise, self._action_low, self._action_high
            )
            next_q = torch.min(
                self._target_qf1(next_observations, next_actions),
                self._target_qf2(next_observations, next_actions),
            ).flatten()
            targets = (
                rewards * self._reward_scaling
                + (1.0 - terminals) * self.discount * next_q
            )
            return targets.clamp(-self._clip_return, self._clip_return)

    def _train_once(self) -> None:
        """Take one gradient step of the Q-functions, and perhaps the policy."""
        batch = self._sample_batch()
        observations, actions = batch['observations'], batch['actions']
        targets = self._critic_targets(
            batch['rewards'], batch['next_observations'], batch['terminals']
        )

        q1 = self._qf1(observations, actions).flatten()
        q2 = self._qf2(observations, actions).flatten()
        qf_loss = F.mse_loss(q1, targets) + F.mse_loss(q2, targets)
        self._qf_optimizer.zero_grad()
        qf_loss.backward()
        self._qf_optimizer.step()
        self._record(qf_loss=qf_loss, q=torch.min(q1, q2), y=targets)

        self._n_gradient_steps += 1
        if self._n_gradient_steps % self._update_actor_interval:
            return
        set_requires_grad(self._qf1_params, False)  # no gradients of Q's
        policy_loss = -self._qf1(observations, self.policy(observations)).mean()
        set_requires_grad(self._qf1_params, True)
        self._policy_optimizer.zero_grad()
        policy_loss.backward()
        self._policy_optimizer.step()
        update_targets(self._target_params, self._source_params, self._tau)
        self._record(policy_loss=policy_loss)

    def _log_statistics(self) -> None:
        """Record the epoch's losses, Q-values and targets."""
        super()._log_statistics()
        stats = self._epoch_stats(['policy_loss', 'qf_loss', 'q', 'y'])
        tabular.record('Policy/AveragePolicyLoss', stats['policy_loss'].mean)
        tabular.record('QFunction/AverageQFunctionLoss', stats['qf_loss'].mean)
        record_q_statistics('QFunction/', stats['q'], stats['y'])
