"""Proximal policy optimization (TensorFlow)."""

from typing import Any

from garage.tf.algos.npo import NPO, _first_order


class PPO(NPO):
    """Proximal policy optimization: `NPO` with the clipped surrogate loss.

    See https://arxiv.org/abs/1707.06347. The loss is minimized by epochs
    of minibatch Adam steps (`FirstOrderOptimizer`, by default with its
    own defaults: 1000 passes at most, minibatches of 32, learning rate
    1e-3, as the original's); give ``optimizer_args`` such as
    ``dict(batch_size=32, max_optimization_epochs=10)``. The arguments are
    `NPO`'s.

    Args:
        env_spec: The specification of the environment.
        policy: The policy.
        baseline: The baseline.
        sampler: The sampler.
        scope: The name scope of the algorithm's operations.
        discount: The discount.
        gae_lambda: The GAE lambda.
        center_adv: Standardize the advantages.
        positive_adv: Shift the advantages to be positive.
        fixed_horizon: Unused, as in the original.
        lr_clip_range: The clip range of the likelihood ratio.
        max_kl_step: Unused by the clipped loss (logged KL only).
        optimizer: The optimizer class; None takes `FirstOrderOptimizer`.
        optimizer_args: The optimizer's constructor arguments.
        policy_ent_coeff: The entropy's coefficient.
        use_softplus_entropy: Pass the entropy through softplus.
        use_neg_logli_entropy: Estimate the entropy as the negative
            log-likelihood.
        stop_entropy_gradient: Stop the gradient through the entropy.
        entropy_method: ``'max'``, ``'regularized'`` or ``'no_entropy'``.
        name: The name of the algorithm.

    """

    def __init__(
        self,
        env_spec: Any,
        policy: Any,
        baseline: Any,
        sampler: Any,
        scope: str | None = None,
        discount: float = 0.99,
        gae_lambda: float = 1,
        center_adv: bool = True,
        positive_adv: bool = False,
        fixed_horizon: bool = False,
        lr_clip_range: float = 0.01,
        max_kl_step: float = 0.01,
        optimizer: Any = None,
        optimizer_args: dict[str, Any] | None = None,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        use_neg_logli_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        name: str = 'PPO',
    ):
        optimizer, optimizer_args = _first_order(optimizer, optimizer_args, {})
        super().__init__(
            env_spec=env_spec,
            policy=policy,
            baseline=baseline,
            sampler=sampler,
            scope=scope,
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            fixed_horizon=fixed_horizon,
            pg_loss='surrogate_clip',
            lr_clip_range=lr_clip_range,
            max_kl_step=max_kl_step,
            optimizer=optimizer,
            optimizer_args=optimizer_args,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            use_neg_logli_entropy=use_neg_logli_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
            name=name,
        )
