"""Trust region policy optimization."""

from typing import TYPE_CHECKING, Any, cast

import torch

from garage import _validation
from garage._dtypes import EnvSpec
from garage.torch.algos.vpg import VPG, _adam
from garage.torch.optimizers import ConjugateGradientOptimizer, OptimizerWrapper

if TYPE_CHECKING:
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction


class TRPO(VPG):
    r"""Trust region policy optimization.

    Maximises the surrogate objective `r_t Â_t`, where
    `r_t` is the ratio of the action's likelihood under the policy to
    that under the policy that sampled it, subject to the mean KL
    divergence from the sampling policy staying within ``max_kl_step``:
    a ``ConjugateGradientOptimizer`` takes a natural-gradient step scaled
    to that bound, then backtracks until the surrogate improves and the
    constraint holds. Besides `VPG`'s diagnostics it logs the line
    search's outcome: ``LineSearchBacktracks`` and ``LineSearchAccepted``.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, the baseline of the
            advantages.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        policy_optimizer: The policy's optimizer, wrapping a
            ``ConjugateGradientOptimizer``; None makes one with
            ``max_kl_step``, one step on the whole batch.
        vf_optimizer: The value function's optimizer; None takes Adam
            with learning rate 2.5e-4, 10 epochs of minibatches of 64.
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
        max_kl_step: The bound on the mean KL divergence of one update,
            for the default policy optimizer; None takes 0.01.
        max_grad_norm: Before each step of the value function's
            optimizer, scale its gradient down to this norm if it is
            larger; None does not clip. (The policy's step is scaled to
            ``max_kl_step`` whatever the gradient's norm.)
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, instead of ``env_spec.max_episode_length``.

    Raises:
        ValueError: If an argument is out of range, the entropy options
            conflict, ``max_kl_step`` is given with a policy optimizer, or
            the policy optimizer is not a conjugate-gradient one.
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
        num_train_per_epoch: int = 1,
        discount: float = 0.99,
        gae_lambda: float = 0.98,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        *,
        max_kl_step: float | None = None,
        max_grad_norm: float | None = None,
        max_path_length: int | None = None,
    ):
        if policy_optimizer is None:
            max_kl_step = _validation.number_in(
                'max_kl_step',
                0.01 if max_kl_step is None else max_kl_step,
                0,
                low_open=True,
            )
            policy_optimizer = OptimizerWrapper(
                (ConjugateGradientOptimizer, dict(max_constraint_value=max_kl_step)),
                policy,
            )
        elif max_kl_step is not None:
            raise ValueError(
                f'got both {max_kl_step=} and a policy_optimizer; give the '
                "bound as the ConjugateGradientOptimizer's "
                'max_constraint_value instead'
            )
        elif isinstance(policy_optimizer, OptimizerWrapper) and not isinstance(
            policy_optimizer.optimizer, ConjugateGradientOptimizer
        ):
            raise ValueError(
                'TRPO steps with garage.torch.optimizers.'
                'ConjugateGradientOptimizer, but policy_optimizer wraps '
                f'{type(policy_optimizer.optimizer).__name__}'
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

    def _compute_objective(
        self,
        log_likelihoods: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
        advantages: torch.Tensor,
    ) -> torch.Tensor:
        """Compute the surrogate objective of each sample.

        Args:
            log_likelihoods: The actions' log-likelihoods under the policy.
            old_log_likelihoods: Their log-likelihoods under the policy
                that sampled them.
            advantages: The advantage estimates.

        Returns:
            The objective of each sample.

        """
        return (log_likelihoods - old_log_likelihoods).exp() * advantages

    def _train_policy(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        advantages: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
    ) -> torch.Tensor:
        """Take one constrained natural-gradient step on the policy.

        Args:
            obs: The observations.
            actions: The actions.
            advantages: The advantage estimates.
            old_log_likelihoods: The actions' log-likelihoods under the
                policy that sampled them.

        Returns:
            The loss before the step.

        """
        self._policy_optimizer.zero_grad()
        loss = self._compute_loss(obs, actions, advantages, old_log_likelihoods)
        loss.backward()
        self._policy_optimizer.step(
            f_loss=lambda: self._compute_loss(
                obs, actions, advantages, old_log_likelihoods
            ),
            f_constraint=lambda: self._compute_kl_constraint(obs),
        )
        return loss

    def _policy_diagnostics(
        self, log_likelihoods: torch.Tensor, old_log_likelihoods: torch.Tensor
    ) -> dict[str, Any]:
        """Record the outcome of the last line search.

        Args:
            log_likelihoods: The actions' log-likelihoods after the update.
            old_log_likelihoods: Their log-likelihoods before it.

        Returns:
            ``LineSearchBacktracks`` and ``LineSearchAccepted``.

        """
        del log_likelihoods, old_log_likelihoods
        # __init__ checked that it is a conjugate-gradient optimizer
        optimizer = cast(ConjugateGradientOptimizer, self._policy_optimizer.optimizer)
        line_search = optimizer.last_line_search
        if line_search is None:  # no step was taken
            return {}
        return {
            'LineSearchBacktracks': line_search.n_backtracks,
            'LineSearchAccepted': float(line_search.accepted),
        }
