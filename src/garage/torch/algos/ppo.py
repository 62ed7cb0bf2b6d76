"""Proximal policy optimization."""

from typing import TYPE_CHECKING, Any

import torch

from garage import _validation
from garage._dtypes import EnvSpec
from garage.torch.algos.vpg import VPG, _adam
from garage.torch.optimizers import OptimizerWrapper

if TYPE_CHECKING:
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction


class PPO(VPG):
    r"""Proximal policy optimization, with the clipped surrogate objective.

    The objective of a sample is `min(r_t Â_t,
    clip(r_t, 1 - ε, 1 + ε) Â_t)`, where
    `r_t` is the ratio of the action's likelihood under the policy to
    that under the policy that sampled it, and `ε` is
    ``lr_clip_range``. Besides `VPG`'s diagnostics it logs
    ``ClipFraction``, the share of samples whose ratio lies outside the
    clip range after the update.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, the baseline of the
            advantages.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        policy_optimizer: The policy's optimizer; None takes Adam with
            learning rate 2.5e-4, 10 epochs of minibatches of 64.
        vf_optimizer: The value function's optimizer; None takes the same
            as for the policy.
        lr_clip_range: The clip range `ε` of the likelihood
            ratio, positive.
        num_train_per_epoch: Updates (each on a new batch) per epoch.
        discount: The discount factor `γ`.
        gae_lambda: The GAE parameter `λ`.
        center_adv: Normalise the advantages of each batch to mean 0 and
            standard deviation 1.
        positive_adv: Shift the advantages to be non-negative.
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        max_grad_norm: Before each optimizer step, scale the gradient of
            the policy, and that of the value function, down to this norm
            if it is larger (stable-baselines3 clips at 0.5); None does
            not clip.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, instead of ``env_spec.max_episode_length``.

    Raises:
        ValueError: If an argument is out of range, or the entropy options
            conflict.
        TypeError: If an optimizer is not an ``OptimizerWrapper``.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        policy: 'Policy',
        value_function: 'ValueFunction',
        sampler: 'Sampler | None' = None,
        policy_optimizer: OptimizerWrapper | None = None,
        vf_optimizer: OptimizerWrapper | None = None,
        lr_clip_range: float = 2e-1,
        num_train_per_epoch: int = 1,
        discount: float = 0.99,
        gae_lambda: float = 0.97,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        *,
        max_grad_norm: float | None = None,
        max_path_length: int | None = None,
    ):
        lr_clip_range = _validation.number_in(
            'lr_clip_range', lr_clip_range, 0, low_open=True
        )
        if policy_optimizer is None:
            policy_optimizer = _adam(
                policy, lr=2.5e-4, max_optimization_epochs=10, minibatch_size=64
            )
        if vf_optimizer is None:
            vf_optimizer = _adam(
                value_function, lr=2.5e-4, max_optimization_epochs=10, minibatch_size=64
            )
        super().__init__(
            env_spec=env_spec,
            policy=policy,
            value_function=value_function,
            sampler=sampler,
            policy_optimizer=policy_optimizer,
            vf_optimizer=vf_optimizer,
            num_train_per_epoch=num_train_per_epoch,
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
            max_grad_norm=max_grad_norm,
            max_path_length=max_path_length,
        )
        self._lr_clip_range = lr_clip_range

    def _compute_objective(
        self,
        log_likelihoods: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
        advantages: torch.Tensor,
    ) -> torch.Tensor:
        """Compute the clipped surrogate objective of each sample.

        Args:
            log_likelihoods: The actions' log-likelihoods under the policy.
            old_log_likelihoods: Their log-likelihoods under the policy
                that sampled them.
            advantages: The advantage estimates.

        Returns:
            The objective of each sample.

        """
        likelihood_ratio = (log_likelihoods - old_log_likelihoods).exp()
        clipped_ratio = likelihood_ratio.clamp(
            1 - self._lr_clip_range, 1 + self._lr_clip_range
        )
        return torch.min(likelihood_ratio * advantages, clipped_ratio * advantages)

    def _policy_diagnostics(
        self, log_likelihoods: torch.Tensor, old_log_likelihoods: torch.Tensor
    ) -> dict[str, Any]:
        """Record the share of samples whose ratio is outside the clip range.

        Args:
            log_likelihoods: The actions' log-likelihoods after the update.
            old_log_likelihoods: Their log-likelihoods before it.

        Returns:
            ``ClipFraction``.

        """
        ratio = (log_likelihoods - old_log_likelihoods).exp()
        clipped = (ratio - 1).abs() > self._lr_clip_range
        return {'ClipFraction': clipped.float().mean().item()}
