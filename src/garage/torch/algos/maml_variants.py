"""MAML with the policy-gradient algorithms as inner algorithms."""

from typing import TYPE_CHECKING

import torch

from garage._optimizers import _Default
from garage.torch.algos.maml import MAML, _inner_optimizers
from garage.torch.algos.ppo import PPO
from garage.torch.algos.trpo import TRPO
from garage.torch.algos.vpg import VPG
from garage.torch.optimizers import ConjugateGradientOptimizer

if TYPE_CHECKING:
    from garage._environment import Environment
    from garage.experiment import MetaEvaluator
    from garage.experiment.task_sampler import TaskSampler
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction


class MAMLPPO(MAML):
    """MAML with PPO's clipped surrogate as the inner and meta objective.

    The meta step is Adam's, with learning rate ``outer_lr``. See `MAML`.

    Args:
        env: The environment (the task distribution's, for its spec).
        policy: The meta policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, shared by all tasks.
        sampler: The sampler.
        task_sampler: Samples the tasks, as environment updates.
        inner_lr: The learning rate of the adaptation steps (and of the
            value function's optimizer).
        outer_lr: The learning rate of the meta optimizer.
        lr_clip_range: The bound on the likelihood ratio's distance from 1.
        discount: The discount factor.
        gae_lambda: The GAE parameter.
        center_adv: Normalise the advantages of each batch.
        positive_adv: Shift the advantages to be non-negative.
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        meta_batch_size: Tasks per meta step.
        num_grad_updates: Adaptation steps per task.
        meta_evaluator: Meta-tests the algorithm; None for none.
        evaluate_every_n_epochs: Epochs between meta-tests.

    """

    def __init__(
        self,
        env: 'Environment',
        policy: 'Policy',
        value_function: 'ValueFunction',
        sampler: 'Sampler | None',
        task_sampler: 'TaskSampler',
        inner_lr: float | _Default = _Default(0.1),
        outer_lr: float = 1e-3,
        lr_clip_range: float = 5e-1,
        discount: float = 0.99,
        gae_lambda: float = 1.0,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        meta_batch_size: int = 20,
        num_grad_updates: int = 1,
        meta_evaluator: 'MetaEvaluator | None' = None,
        evaluate_every_n_epochs: int = 1,
    ):
        policy_optimizer, vf_optimizer = _inner_optimizers(
            policy, value_function, inner_lr
        )
        inner_algo = PPO(
            env.spec,
            policy,
            value_function,
            None,
            policy_optimizer,
            vf_optimizer,
            lr_clip_range=lr_clip_range,
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
        )
        super().__init__(
            inner_algo=inner_algo,
            env=env,
            policy=policy,
            sampler=sampler,
            task_sampler=task_sampler,
            meta_optimizer=torch.optim.Adam,
            meta_batch_size=meta_batch_size,
            inner_lr=inner_lr,
            outer_lr=outer_lr,
            num_grad_updates=num_grad_updates,
            meta_evaluator=meta_evaluator,
            evaluate_every_n_epochs=evaluate_every_n_epochs,
        )


class MAMLTRPO(MAML):
    """MAML with TRPO's surrogate and a trust-region meta step.

    The meta step is a `ConjugateGradientOptimizer`'s, bounding the mean KL
    divergence between the adapted policies before and after it by
    ``max_kl_step``; ``outer_lr`` is not used. See `MAML`.

    Args:
        env: The environment (the task distribution's, for its spec).
        policy: The meta policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, shared by all tasks.
        sampler: The sampler.
        task_sampler: Samples the tasks, as environment updates.
        inner_lr: The learning rate of the adaptation steps (and of the
            value function's optimizer).
        outer_lr: Not used (the original's signature keeps it).
        max_kl_step: The bound on the mean KL divergence of a meta step.
        discount: The discount factor.
        gae_lambda: The GAE parameter.
        center_adv: Normalise the advantages of each batch.
        positive_adv: Shift the advantages to be non-negative.
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        meta_batch_size: Tasks per meta step.
        num_grad_updates: Adaptation steps per task.
        meta_evaluator: Meta-tests the algorithm; None for none.
        evaluate_every_n_epochs: Epochs between meta-tests.

    """

    def __init__(
        self,
        env: 'Environment',
        policy: 'Policy',
        value_function: 'ValueFunction',
        sampler: 'Sampler | None',
        task_sampler: 'TaskSampler',
        inner_lr: float | _Default = _Default(1e-2),
        outer_lr: float = 1e-3,
        max_kl_step: float = 0.01,
        discount: float = 0.99,
        gae_lambda: float = 1,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        meta_batch_size: int = 40,
        num_grad_updates: int = 1,
        meta_evaluator: 'MetaEvaluator | None' = None,
        evaluate_every_n_epochs: int = 1,
    ):
        inner_algo = TRPO(
            env.spec,
            policy,
            value_function,
            None,
            vf_optimizer=_inner_optimizers(policy, value_function, inner_lr)[1],
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
            max_kl_step=max_kl_step,
        )
        super().__init__(
            inner_algo=inner_algo,
            env=env,
            policy=policy,
            sampler=sampler,
            task_sampler=task_sampler,
            meta_optimizer=(
                ConjugateGradientOptimizer,
                dict(max_constraint_value=max_kl_step),
            ),
            meta_batch_size=meta_batch_size,
            inner_lr=inner_lr,
            outer_lr=outer_lr,
            num_grad_updates=num_grad_updates,
            meta_evaluator=meta_evaluator,
            evaluate_every_n_epochs=evaluate_every_n_epochs,
        )


class MAMLVPG(MAML):
    """MAML with the vanilla policy gradient's objective.

    The meta step is Adam's, with learning rate ``outer_lr``. See `MAML`.

    Args:
        env: The environment (the task distribution's, for its spec).
        policy: The meta policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, shared by all tasks.
        sampler: The sampler.
        task_sampler: Samples the tasks, as environment updates.
        inner_lr: The learning rate of the adaptation steps (and of the
            value function's optimizer).
        outer_lr: The learning rate of the meta optimizer.
        discount: The discount factor.
        gae_lambda: The GAE parameter.
        center_adv: Normalise the advantages of each batch.
        positive_adv: Shift the advantages to be non-negative.
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        meta_batch_size: Tasks per meta step.
        num_grad_updates: Adaptation steps per task.
        meta_evaluator: Meta-tests the algorithm; None for none.
        evaluate_every_n_epochs: Epochs between meta-tests.

    """

    def __init__(
        self,
        env: 'Environment',
        policy: 'Policy',
        value_function: 'ValueFunction',
        sampler: 'Sampler | None',
        task_sampler: 'TaskSampler',
        inner_lr: float | _Default = _Default(0.1),
        outer_lr: float = 1e-3,
        discount: float = 0.99,
        gae_lambda: float = 1,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        meta_batch_size: int = 20,
        num_grad_updates: int = 1,
        meta_evaluator: 'MetaEvaluator | None' = None,
        evaluate_every_n_epochs: int = 1,
    ):
        policy_optimizer, vf_optimizer = _inner_optimizers(
            policy, value_function, inner_lr
        )
        inner_algo = VPG(
            env.spec,
            policy,
            value_function,
            None,
            policy_optimizer,
            vf_optimizer,
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
        )
        super().__init__(
            inner_algo=inner_algo,
            env=env,
            policy=policy,
            sampler=sampler,
            task_sampler=task_sampler,
            meta_optimizer=torch.optim.Adam,
            meta_batch_size=meta_batch_size,
            inner_lr=inner_lr,
            outer_lr=outer_lr,
            num_grad_updates=num_grad_updates,
            meta_evaluator=meta_evaluator,
            evaluate_every_n_epochs=evaluate_every_n_epochs,
        )


__all__ = ['MAMLPPO', 'MAMLTRPO', 'MAMLVPG']
