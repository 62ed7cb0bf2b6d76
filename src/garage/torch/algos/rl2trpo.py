"""Trust region policy optimisation for RL^2."""

from typing import TYPE_CHECKING, Any

from garage._dtypes import EnvSpec
from garage.torch.algos.rl2 import RL2, rl2_adam
from garage.torch.algos.trpo import TRPO
from garage.torch.optimizers import OptimizerWrapper

if TYPE_CHECKING:
    from garage.experiment.task_sampler import TaskSampler
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction


class RL2TRPO(RL2, TRPO):
    """TRPO as RL^2's inner algorithm (PyTorch; the original was TensorFlow).

    See `RL2` for how trials are sampled and joined, and `TRPO` for the
    constrained step, whose KL divergence is averaged over the trials'
    steps. The sampler must have ``meta_batch_size`` workers of
    class `RL2Worker` with ``n_episodes_per_trial=episodes_per_trial``; the
    trainer's ``batch_size`` should be at most the steps of one trial per
    worker (``meta_batch_size * episodes_per_trial * max_episode_length``),
    so that each worker samples one trial an epoch.

    Args:
        meta_batch_size: The tasks sampled per epoch.
        task_sampler: The sampler of training tasks.
        env_spec: The specification of the environment (an `RL2Env`'s).
        policy: A recurrent policy (`GaussianGRUPolicy`,
            `CategoricalGRUPolicy`).
        value_function: The value function (the original's
            ``baseline``), fitted on the individual steps.
        sampler: The sampler.
        episodes_per_trial: The episodes of one trial.
        policy_optimizer: The policy's optimizer, an ``OptimizerWrapper``
            of a ``ConjugateGradientOptimizer`` over whole batches of
            trials; None makes one bounded by ``max_kl_step``.
        vf_optimizer: The value function's optimizer; None takes Adam with
            learning rate 1e-3, 10 passes over minibatches of 256 steps.
        max_kl_step: The largest KL divergence of a step (without a
            ``policy_optimizer``).
        discount: The discount factor.
        gae_lambda: The GAE parameter.
        center_adv: Normalise the advantages to mean 0, std 1.
        positive_adv: Shift the advantages to be non-negative.
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        meta_evaluator: An evaluator whose ``evaluate(algo)`` runs
            meta-tests, or None.
        n_epochs_per_eval: Meta-test every this many epochs.
        max_grad_norm: Clip gradients to this norm, or None.

    """

    def __init__(
        self,
        meta_batch_size: int,
        task_sampler: 'TaskSampler',
        env_spec: EnvSpec,
        policy: 'Policy',
        value_function: 'ValueFunction',
        sampler: 'Sampler | None',
        episodes_per_trial: int,
        *,
        policy_optimizer: OptimizerWrapper | None = None,
        vf_optimizer: OptimizerWrapper | None = None,
        max_kl_step: float | None = None,
        discount: float = 0.99,
        gae_lambda: float = 0.98,
        center_adv: bool = True,
        positive_adv: bool = False,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        meta_evaluator: Any = None,
        n_epochs_per_eval: int = 10,
        max_grad_norm: float | None = None,
    ):
        super().__init__(
            meta_batch_size=meta_batch_size,
            task_sampler=task_sampler,
            episodes_per_trial=episodes_per_trial,
            meta_evaluator=meta_evaluator,
            n_epochs_per_eval=n_epochs_per_eval,
            env_spec=env_spec,
            policy=policy,
            value_function=value_function,
            sampler=sampler,
            policy_optimizer=policy_optimizer,
            max_kl_step=max_kl_step,
            vf_optimizer=vf_optimizer or rl2_adam(value_function, minibatch_size=256),
            discount=discount,
            gae_lambda=gae_lambda,
            center_adv=center_adv,
            positive_adv=positive_adv,
            policy_ent_coeff=policy_ent_coeff,
            use_softplus_entropy=use_softplus_entropy,
            stop_entropy_gradient=stop_entropy_gradient,
            entropy_method=entropy_method,
            max_grad_norm=max_grad_norm,
        )
