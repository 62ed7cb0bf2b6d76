"""Model-Agnostic Meta-Learning (MAML) for reinforcement learning."""

import copy
import dataclasses
from typing import TYPE_CHECKING, Any, cast

import torch
from torch.distributions import Distribution, kl_divergence

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EpisodeBatch
from garage._functions import log_multitask_performance, log_performance
from garage._optimizers import _Default, make_optimizer
from garage.np.algos import EpochRecord, MetaRLAlgorithm
from garage.torch._functions import np_to_torch, update_module_params
from garage.torch.optimizers import (
    ConjugateGradientOptimizer,
    DifferentiableSGD,
    OptimizerWrapper,
)

if TYPE_CHECKING:
    from garage._environment import Environment
    from garage.experiment import MetaEvaluator
    from garage.experiment.task_sampler import TaskSampler
    from garage.sampler import Sampler
    from garage.torch.algos.vpg import VPG
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction
    from garage.trainer import Trainer


@dataclasses.dataclass(frozen=True)
class _Samples:
    """One batch of one task, ready for the inner algorithm's loss.

    Attributes:
        episodes: The episodes.
        obs: Their observations.
        actions: Their actions.
        advantages: The advantage estimates.
        old_log_likelihoods: The actions' log-likelihoods under the policy
            that sampled them.
        old_dist: That policy's distributions, detached (for the KL).

    """

    episodes: EpisodeBatch
    obs: torch.Tensor
    actions: torch.Tensor
    advantages: torch.Tensor
    old_log_likelihoods: torch.Tensor
    old_dist: Distribution

    def loss_inputs(self) -> tuple[torch.Tensor, ...]:
        """The arguments of the inner algorithm's ``_compute_loss``."""
        return (self.obs, self.actions, self.advantages, self.old_log_likelihoods)


class MAML(MetaRLAlgorithm):
    r"""Model-Agnostic Meta-Learning (Finn et al., 2017), for RL.

    Each epoch samples ``meta_batch_size`` tasks with ``task_sampler``.
    For each task it samples a batch with the meta policy `θ`,
    takes ``num_grad_updates`` steps of SGD (learning rate ``inner_lr``,
    with `garage.torch.optimizers.DifferentiableSGD`) on the inner
    algorithm's loss to get adapted parameters `θ'`, sampling a new batch
    after each step. The meta objective is the mean over tasks of the
    inner algorithm's loss of `θ'` on the last batch; it is
    differentiated through the inner steps (second-order MAML) and
    minimised by ``meta_optimizer``: a `ConjugateGradientOptimizer`
    (MAML-TRPO, bounded by the mean KL divergence between the adapted
    policies before and after the step) or a first-order optimizer such as
    Adam.

    The value function, the inner algorithm's, is shared by all tasks: after
    advantages are estimated on each batch, it is fitted to the batch's
    returns with the inner algorithm's value-function optimizer.

    The episodes of the adapted policies are logged with
    `garage.log_multitask_performance` (``Average/AverageReturn``, ...),
    those of the meta policy with `garage.log_performance` under
    ``PreUpdate/``; the loss and KL divergence of the meta step under the
    policy's name. The epoch's record (for the trainer's progress and
    keep-best) holds the adapted policies' episodes.

    Args:
        inner_algo: The inner algorithm (`VPG`, `PPO` or `TRPO`),
            built with ``policy``; its loss is the inner and the meta
            objective, and its value function the baseline.
        env: The environment (the task distribution's, for its spec).
        policy: The meta policy, a stochastic ``garage.torch`` policy.
        sampler: The sampler (None when a ``LocalRunner`` makes one);
            each batch is ``trainer.train``'s ``batch_size`` steps of one
            task.
        task_sampler: Samples the tasks, as environment updates.
        meta_optimizer: The meta optimizer class (``torch.optim.Adam``,
            built with ``lr=outer_lr`` and ``eps=1e-5``) or a ``(class,
            dict_of_args)`` tuple (built with those arguments only).
        meta_batch_size: Tasks per meta step.
        inner_lr: The learning rate of the adaptation steps.
        outer_lr: The meta optimizer's learning rate (unless given in a
            tuple).
        num_grad_updates: Adaptation steps per task.
        meta_evaluator: Meta-tests the algorithm after every
            ``evaluate_every_n_epochs`` epochs; None for none.
        evaluate_every_n_epochs: Epochs between meta-tests.

    Raises:
        ValueError: If a count or learning rate is out of range, or
            ``inner_algo`` was built with another policy.

    """

    # Trainer.setup refuses it without a sampler unless a LocalRunner makes one
    _needs_sampler = True

    def __init__(
        self,
        inner_algo: 'VPG',
        env: 'Environment',
        policy: 'Policy',
        sampler: 'Sampler | None',
        task_sampler: 'TaskSampler',
        meta_optimizer: type | tuple[type, dict[str, Any]],
        meta_batch_size: int = 40,
        inner_lr: float | _Default = 0.1,
        outer_lr: float = 1e-3,
        num_grad_updates: int = 1,
        meta_evaluator: 'MetaEvaluator | None' = None,
        evaluate_every_n_epochs: int = 1,
    ):
        if isinstance(inner_lr, _Default):
            inner_lr = inner_lr.val
        inner_lr = _validation.number_in('inner_lr', inner_lr, 0)
        outer_lr = _validation.number_in('outer_lr', outer_lr, 0, low_open=True)
        self._meta_batch_size = _validation.positive_int(
            'meta_batch_size', meta_batch_size
        )
        self._num_grad_updates = _validation.positive_int(
            'num_grad_updates', num_grad_updates
        )
        self._evaluate_every_n_epochs = _validation.positive_int(
            'evaluate_every_n_epochs', evaluate_every_n_epochs
        )
        if inner_algo.policy is not policy:
            raise ValueError(
                'inner_algo must be built with the same policy as MAML, but '
                'inner_algo.policy is another object'
            )
        self._inner_algo = inner_algo
        self._env = env
        self._policy = policy
        self._sampler = sampler
        self._task_sampler = task_sampler
        self._meta_evaluator = meta_evaluator
        self.discount = inner_algo.discount
        self.max_episode_length = inner_algo.max_episode_length
        self._inner_optimizer = DifferentiableSGD(policy, lr=inner_lr)
        self._meta_optimizer = OptimizerWrapper(
            make_optimizer(
                meta_optimizer,
                module=policy,
                lr=_Default(outer_lr),
                eps=_Default(1e-5),
            )
        )

    @property
    def policy(self) -> 'Policy':  # type: ignore[override]  # read-only here
        """The meta policy."""
        return self._policy

    def train(self, trainer: 'Trainer') -> float | None:
        """Meta-train, one meta step per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the adapted policies in the last epoch,
                or None if no epoch ran.

        """
        last_return = None
        for _ in trainer.step_epochs():
            itr = trainer.step_itr
            all_samples = self._obtain_samples(trainer, itr)
            record = self._train_once(itr, all_samples)
            if (
                self._meta_evaluator is not None
                and itr % self._evaluate_every_n_epochs == 0
            ):
                self._meta_evaluator.evaluate(self)
            trainer.report_epoch(record)
            last_return = record.average_return
        return last_return

    def get_exploration_policy(self) -> 'Policy':
        """Return a copy of the meta policy, to explore a task with.

        Returns:
            The copy.

        """
        return copy.deepcopy(self._policy)

    def adapt_policy(
        self, exploration_policy: 'Policy', exploration_episodes: EpisodeBatch
    ) -> 'Policy':
        """Adapt the policy by one inner step on the exploration episodes.

        The value function is fitted to them too, as in training.

        Args:
            exploration_policy: A policy from `get_exploration_policy`,
                which is updated and returned.
            exploration_episodes: Episodes of the task, sampled with
                ``exploration_policy``.

        Returns:
            ``exploration_policy``, adapted.

        """
        # a copy, so that meta-testing leaves training's value function alone
        inner = copy.deepcopy(self._inner_algo)
        inner.policy = exploration_policy
        optimizer = DifferentiableSGD(exploration_policy, lr=self._inner_optimizer.lr)
        samples = self._process_samples(exploration_episodes, inner)
        self._adapt(samples, create_graph=False, inner=inner, optimizer=optimizer)
        return exploration_policy

    def _obtain_samples(self, trainer: 'Trainer', itr: int) -> list[list[_Samples]]:
        """Sample and adapt on each task of a new meta-batch.

        Args:
            trainer: The trainer.
            itr: The iteration number.

        Returns:
            For each task, its ``num_grad_updates + 1`` batches: one with
                the meta policy, then one after each adaptation step.

        """
        theta = dict(self._policy.named_parameters())
        all_samples = []
        for env_update in self._task_sampler.sample(self._meta_batch_size):
            task_samples = []
            for step in range(self._num_grad_updates + 1):
                episodes = trainer.obtain_episodes(itr, env_update=env_update)
                task_samples.append(self._process_samples(episodes))
                if step < self._num_grad_updates:
                    self._adapt(task_samples[-1], create_graph=False)
            all_samples.append(task_samples)
            update_module_params(self._policy, theta)
        self._inner_optimizer.set_grads_none()
        return all_samples

    def _process_samples(
        self, episodes: EpisodeBatch, inner: 'VPG | None' = None
    ) -> _Samples:
        """Estimate advantages, fit the value function, record the policy.

        Args:
            episodes: A batch of one task, sampled with the inner
                algorithm's (current) policy.
            inner: The inner algorithm; None for ``inner_algo``.

        Returns:
            The batch, ready for the loss.

        """
        inner = self._inner_algo if inner is None else inner
        obs = np_to_torch(episodes.observations)
        actions = np_to_torch(episodes.actions)
        advantages, returns, _ = inner._compute_advantages(episodes, obs)
        for batch in inner._vf_optimizer.get_minibatch(obs, np_to_torch(returns)):
            inner._train_value_function(*cast('tuple[torch.Tensor, ...]', batch))
        with torch.no_grad():
            dist = inner.policy(obs)[0]
            old_log_likelihoods = dist.log_prob(actions)
        return _Samples(
            episodes=episodes,
            obs=obs,
            actions=actions,
            advantages=np_to_torch(advantages),
            old_log_likelihoods=old_log_likelihoods,
            old_dist=dist,
        )

    def _adapt(
        self,
        samples: _Samples,
        create_graph: bool,
        inner: 'VPG | None' = None,
        optimizer: DifferentiableSGD | None = None,
    ) -> None:
        """Take one inner SGD step on a batch, in place of the parameters.

        Args:
            samples: The batch.
            create_graph: Keep the step in the autograd graph, so that a
                loss of the adapted policy can be differentiated through
                it (second order); otherwise the step is a constant.
            inner: The inner algorithm, whose policy to update; None for
                ``inner_algo``.
            optimizer: The SGD of that policy; None for the meta policy's.

        """
        inner = self._inner_algo if inner is None else inner
        optimizer = self._inner_optimizer if optimizer is None else optimizer
        params = list(optimizer.module.parameters())
        with torch.enable_grad():
            loss = inner._compute_loss(*samples.loss_inputs())
            grads = torch.autograd.grad(
                loss, params, create_graph=create_graph, allow_unused=True
            )
        for param, grad in zip(params, grads, strict=True):
            param.grad = grad
        with torch.set_grad_enabled(create_graph):
            optimizer.step()
        if not create_graph:
            # leaves again, so that a further step can differentiate
            for param in optimizer.module.parameters():
                param.requires_grad_(True)

    def _adapted_values(
        self, all_samples: list[list[_Samples]], differentiable: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The meta objective and mean KL divergence at the current `θ`.

        For each task, the adaptation steps are taken again from `θ`, on the
        same batches, and the inner loss and the KL divergence from the
        policy that sampled the last batch are evaluated on the last batch.

        Args:
            all_samples: The meta-batch, from `_obtain_samples`.
            differentiable: Keep the graph, through the adaptation steps, to
                differentiate the results in `θ`.

        Returns:
            The mean loss and the mean KL divergence over the tasks.

        """
        theta = dict(self._policy.named_parameters())
        losses, kls = [], []
        with torch.set_grad_enabled(differentiable):
            for task_samples in all_samples:
                for samples in task_samples[:-1]:
                    self._adapt(samples, create_graph=differentiable)
                last = task_samples[-1]
                losses.append(self._inner_algo._compute_loss(*last.loss_inputs()))
                new_dist = self._policy(last.obs)[0]
                kls.append(kl_divergence(last.old_dist, new_dist).mean())
                update_module_params(self._policy, theta)
        self._inner_optimizer.set_grads_none()
        return torch.stack(losses).mean(), torch.stack(kls).mean()

    def _train_once(self, itr: int, all_samples: list[list[_Samples]]) -> EpochRecord:
        """Take the meta step, and log the epoch.

        Args:
            itr: The iteration number.
            all_samples: The meta-batch, from `_obtain_samples`.

        Returns:
            The epoch's record: the adapted policies' episodes.

        """
        loss_before, kl_before = self._adapted_values(all_samples, False)
        meta_loss = self._adapted_values(all_samples, True)[0]
        self._meta_optimizer.zero_grad()
        meta_loss.backward()
        if isinstance(self._meta_optimizer.optimizer, ConjugateGradientOptimizer):
            self._meta_optimizer.step(
                f_loss=lambda: self._adapted_values(all_samples, False)[0],
                f_constraint=lambda: self._adapted_values(
                    all_samples, torch.is_grad_enabled()
                )[1],
            )
        else:
            self._meta_optimizer.step()
        self._meta_optimizer.zero_grad()
        loss_after, kl_after = self._adapted_values(all_samples, False)
        with torch.no_grad():
            entropy = torch.cat(
                [
                    self._policy(task_samples[0].obs)[0].entropy()
                    for task_samples in all_samples
                ]
            ).mean()

        pre_update = EpisodeBatch.concatenate(
            *[task_samples[0].episodes for task_samples in all_samples]
        )
        adapted = EpisodeBatch.concatenate(
            *[task_samples[-1].episodes for task_samples in all_samples]
        )
        log_performance(itr, pre_update, discount=self.discount, prefix='PreUpdate')
        name_map = None
        names = getattr(self._env, 'all_task_names', None)
        if names is not None:
            name_map = dict(enumerate(names))
        log_multitask_performance(itr, adapted, self.discount, name_map=name_map)
        with tabular.prefix(self._policy.name + '/'):
            tabular.record('LossBefore', loss_before.item())
            tabular.record('LossAfter', loss_after.item())
            tabular.record('dLoss', (loss_before - loss_after).item())
            tabular.record('KLBefore', kl_before.item())
            tabular.record('KL', kl_after.item())
            tabular.record('Entropy', entropy.item())
        return EpochRecord.from_episodes(adapted)


def _inner_optimizers(
    policy: 'Policy', value_function: 'ValueFunction', inner_lr: float | _Default
) -> tuple[OptimizerWrapper, OptimizerWrapper]:
    """The inner algorithm's optimizers: Adam at ``inner_lr``, as the original.

    The policy's is never stepped (`MAML` adapts with `DifferentiableSGD`);
    the value function's takes one full-batch step per batch.
    """
    lr = inner_lr.val if isinstance(inner_lr, _Default) else inner_lr
    return (
        OptimizerWrapper((torch.optim.Adam, dict(lr=lr)), policy),
        OptimizerWrapper((torch.optim.Adam, dict(lr=lr)), value_function),
    )


__all__ = ['MAML']
