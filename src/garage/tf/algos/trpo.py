"""Trust region policy optimization (TensorFlow)."""

from typing import Any

from garage import _validation
from garage.tf.algos.npo import NPO
from garage.tf.optimizers import ConjugateGradientOptimizer, PenaltyLbfgsOptimizer


class TRPO(NPO):
    """Trust region policy optimization: `NPO` with natural-gradient steps.

    See https://arxiv.org/abs/1502.05477. The loss is the likelihood-ratio
    surrogate, minimized under the mean KL bound ``max_kl_step``: by
    `ConjugateGradientOptimizer` (``kl_constraint='hard'``) or
    `PenaltyLbfgsOptimizer` (``'soft'``). The arguments are `NPO`'s, but for:

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
        lr_clip_range: The clip range of the likelihood ratio (unused by
            the surrogate).
        max_kl_step: The bound of the mean KL divergence of a step.
        optimizer: The optimizer class; None takes the one of
            ``kl_constraint``.
        optimizer_args: The optimizer's constructor arguments.
        policy_ent_coeff: The entropy's coefficient.
        use_softplus_entropy: Pass the entropy through softplus.
        use_neg_logli_entropy: Estimate the entropy as the negative
            log-likelihood.
        stop_entropy_gradient: Stop the gradient through the entropy.
        kl_constraint: The default optimizer: ``'hard'``, the
            constraint kept by a line search (`ConjugateGradientOptimizer`),
            or ``'soft'``, the KL added to the loss as a penalty adapted
            until the constraint holds (`PenaltyLbfgsOptimizer`). Only
            chooses the optimizer when ``optimizer`` is None.
        entropy_method: ``'max'``, ``'regularized'`` or ``'no_entropy'``.
        name: The name of the algorithm.

    Raises:
        ValueError: If an option has a bad value.

    """

    def __init__(
        self,
        env_spec: Any,
        policy: Any,
        baseline: Any,
        sampler: Any,
        scope: str | None = None,
        discount: float = 0.99,
        gae_lambda: float = 0.98,
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
        kl_constraint: str = 'hard',
        entropy_method: str = 'no_entropy',
        name: str = 'TRPO',
    ):
        _validation.one_of('kl_constraint', kl_constraint, ('hard', 'soft'))
        if optimizer is None:
            optimizer = (
                ConjugateGradientOptimizer
                if kl_constraint == 'hard'
                else PenaltyLbfgsOptimizer
            )
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
            pg_loss='surrogate',
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
