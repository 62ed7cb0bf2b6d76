"""Vanilla policy gradient (REINFORCE with a learned baseline and GAE)."""

import copy
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch.distributions import Distribution

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EnvSpec, EpisodeBatch, StepType
from garage._functions import log_multitask_performance, log_performance
from garage.np import explained_variance_1d
from garage.np.algos import EpochRecord, RLAlgorithm
from garage.torch._functions import np_to_torch
from garage.torch.algos._fragments import FragmentJoiner, last_step_types
from garage.torch.algos._legacy import max_path_length_option
from garage.torch.optimizers import OptimizerWrapper

if TYPE_CHECKING:
    from garage.sampler import Sampler
    from garage.torch.policies import Policy
    from garage.torch.value_functions import ValueFunction
    from garage.trainer import Trainer

_ENTROPY_METHODS = ('max', 'regularized', 'no_entropy')


class VPG(RLAlgorithm):
    r"""Vanilla policy gradient: REINFORCE with a value-function baseline.

    Each update samples a batch, estimates advantages with GAE, takes
    gradient steps on the policy objective
    `log π(a_t|s_t) Â_t` (subclasses change the objective),
    then fits the value function to the `λ`-returns
    `Â_t + V(s_t)`.

    The value after an episode's last step is 0 when that step is
    ``TERMINAL`` and `V(s_T)`, of the episode's last observation,
    otherwise: on ``TIMEOUT``, and after a fragment of an episode still
    running (a ``FragmentWorker``'s rollouts), so that sampling a few
    steps per environment per update, as stable-baselines3 does, gives the
    right targets. The episodes that end during an epoch (joined across
    batches when they come in fragments) are logged at its end with
    `garage.log_performance`, under ``Training/`` (the original
    garage used ``Evaluation/``, which here means the deterministic
    policy's evaluation episodes, as the trainer's ``eval_every`` logs).
    Episodes of a multi-task environment, which name their task in
    ``env_infos['task_name']`` or ``env_infos['task_id']``
    (``MultiEnvWrapper``, ``TaskOnehotWrapper``, ``TaskNameWrapper``), are
    also logged per task with `garage.log_multitask_performance`.

    Entropy: with ``entropy_method='regularized'`` the objective gains
    ``policy_ent_coeff`` times the policy's entropy; with ``'max'``
    (maximum-entropy RL) the rewards do, and then
    ``stop_entropy_gradient`` must be True and ``center_adv`` False.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, a stochastic ``garage.torch`` policy.
        value_function: The value function, the baseline of the
            advantages.
        sampler: The sampler, or None when a ``LocalRunner`` makes one.
        policy_optimizer: The policy's optimizer; None takes Adam (the
            fused implementation) with learning rate 1e-3, one full-batch
            step per update.
        vf_optimizer: The value function's optimizer; None takes the same
            as for the policy.
        num_train_per_epoch: Updates (each on a new batch) per epoch.
        discount: The discount factor `γ`.
        gae_lambda: The GAE parameter `λ`: 1 gives returns
            minus the baseline, 0 one-step TD errors.
        center_adv: Normalise the advantages of each batch to mean 0 and
            standard deviation 1.
        positive_adv: Shift the advantages to be non-negative (after
            centering, if both).
        policy_ent_coeff: The weight of the entropy.
        use_softplus_entropy: Pass the entropy through a softplus, which
            keeps it positive when the policy's standard deviation is
            small.
        stop_entropy_gradient: Do not differentiate through the entropy.
        entropy_method: ``'no_entropy'``, ``'regularized'`` or ``'max'``.
        max_grad_norm: Before each optimizer step, scale the gradient of
            the policy, and that of the value function, down to this norm
            if it is larger (stable-baselines3's PPO clips at 0.5); None
            does not clip.
        max_path_length: Deprecated (2020.06): the longest episode to
            sample, instead of ``env_spec.max_episode_length``.

    Raises:
        ValueError: If an argument is out of range, or the entropy options
            conflict.
        TypeError: If an optimizer is not an ``OptimizerWrapper``.

    """

    policy: 'Policy'
    # Trainer.setup refuses it without a sampler unless a LocalRunner makes one
    _needs_sampler = True

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
        gae_lambda: float = 1,
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
        discount = _validation.number_in('discount', discount, 0, 1)
        gae_lambda = _validation.number_in('gae_lambda', gae_lambda, 0, 1)
        num_train_per_epoch = _validation.positive_int(
            'num_train_per_epoch', num_train_per_epoch
        )
        max_grad_norm = _validation.number_in(
            'max_grad_norm', max_grad_norm, 0, low_open=True, allow_none=True
        )
        policy_ent_coeff = _validation.number_in('policy_ent_coeff', policy_ent_coeff)
        _check_entropy_configuration(
            entropy_method, center_adv, stop_entropy_gradient, policy_ent_coeff
        )
        self.policy = policy
        max_episode_length = max_path_length_option(
            type(self).__name__, max_path_length
        )
        self.max_episode_length: int | None = (
            env_spec.max_episode_length
            if max_episode_length is None
            else max_episode_length
        )
        self._value_function = value_function
        self._sampler = sampler
        self.discount = discount
        self._gae_lambda = gae_lambda
        self._center_adv = center_adv
        self._positive_adv = positive_adv
        self._policy_ent_coeff = policy_ent_coeff
        self._use_softplus_entropy = use_softplus_entropy
        self._stop_entropy_gradient = stop_entropy_gradient
        self._entropy_method = entropy_method
        self._n_samples = num_train_per_epoch
        self._max_grad_norm = max_grad_norm
        self._policy_optimizer = _checked_optimizer(
            'policy_optimizer', policy_optimizer, policy
        )
        self._vf_optimizer = _checked_optimizer(
            'vf_optimizer', vf_optimizer, value_function
        )
        self._old_policy = copy.deepcopy(policy)
        self._fragments = FragmentJoiner()
        self._epoch_episodes: list[EpisodeBatch] = []

    def train(self, trainer: 'Trainer') -> float | None:
        """Train, ``num_train_per_epoch`` updates per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the episodes that ended in the last
                epoch (NaN if none did), or None if no epoch ran.

        """
        last_return = None
        for _ in trainer.step_epochs():
            first = trainer.step_itr
            for itr in range(first, first + self._n_samples):
                self._train_once(itr, trainer.obtain_episodes(itr))
            record = self._log_epoch_performance(first + self._n_samples - 1)
            trainer.report_epoch(record)
            average = record.average_return
            last_return = float('nan') if average is None else average
        return last_return

    def _train_once(self, itr: int, episodes: EpisodeBatch) -> np.ndarray:
        """Take one update from a batch of episodes (or fragments).

        Args:
            itr: The iteration number.
            episodes: The batch.

        Returns:
            The undiscounted returns of the episodes that ended in this
                batch.

        """
        del itr
        obs = np_to_torch(episodes.observations)
        actions = np_to_torch(episodes.actions)
        advantages_np, returns_np, values = self._compute_advantages(episodes, obs)
        explained_variance = explained_variance_1d(values, returns_np)
        advantages, returns = np_to_torch(advantages_np), np_to_torch(returns_np)
        with torch.no_grad():
            old_log_likelihoods = self._old_policy(obs)[0].log_prob(actions)
            policy_loss_before = self._compute_loss(
                obs, actions, advantages, old_log_likelihoods
            )
            vf_loss_before = self._value_function.compute_loss(obs, returns)
            kl_before = self._compute_kl_constraint(obs)

        self._train(obs, actions, advantages, old_log_likelihoods, returns)

        with torch.no_grad():
            policy_loss_after = self._compute_loss(
                obs, actions, advantages, old_log_likelihoods
            )
            vf_loss_after = self._value_function.compute_loss(obs, returns)
            kl_after = self._compute_kl_constraint(obs)
            dist = self.policy(obs)[0]
            entropy = self._compute_policy_entropy(dist).mean()
            extra = self._policy_diagnostics(
                dist.log_prob(actions), old_log_likelihoods
            )
        self._record_update(
            (policy_loss_before, policy_loss_after),
            (kl_before, kl_after),
            entropy,
            extra,
            (vf_loss_before, vf_loss_after),
            explained_variance,
        )
        self._old_policy.load_state_dict(self.policy.state_dict())

        ended = self._fragments.ended_episodes(episodes)
        if ended is None:
            return np.zeros(0)
        self._epoch_episodes.append(ended)
        starts = np.cumsum(ended.lengths) - ended.lengths
        return np.add.reduceat(ended.rewards, starts)

    def _record_update(
        self,
        policy_losses: tuple[torch.Tensor, torch.Tensor],
        kls: tuple[torch.Tensor, torch.Tensor],
        entropy: torch.Tensor,
        extra: dict[str, Any],
        vf_losses: tuple[torch.Tensor, torch.Tensor],
        explained_variance: float,
    ) -> None:
        """Log an update's diagnostics, under the policy's and the VF's names.

        Args:
            policy_losses: The policy's loss before and after the update.
            kls: The KL divergence from the old policy before and after.
            entropy: The policy's mean entropy after the update.
            extra: A subclass's diagnostics (`_policy_diagnostics`).
            vf_losses: The value function's loss before and after.
            explained_variance: How much of the returns the values explain.

        """
        with tabular.prefix(self.policy.name + '/'):
            tabular.record('LossBefore', policy_losses[0].item())
            tabular.record('LossAfter', policy_losses[1].item())
            tabular.record('dLoss', (policy_losses[0] - policy_losses[1]).item())
            tabular.record('KLBefore', kls[0].item())
            tabular.record('KL', kls[1].item())
            tabular.record('Entropy', entropy.item())
            for key, value in extra.items():
                tabular.record(key, value)
        with tabular.prefix(self._value_function.name + '/'):
            tabular.record('LossBefore', vf_losses[0].item())
            tabular.record('LossAfter', vf_losses[1].item())
            tabular.record('dLoss', (vf_losses[0] - vf_losses[1]).item())
            tabular.record('ExplainedVariance', explained_variance)

    def _compute_advantages(
        self, episodes: EpisodeBatch, obs: torch.Tensor
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Estimate advantages with GAE, and the value function's targets.

        Args:
            episodes: The batch.
            obs: Its observations, as a tensor.

        Returns:
            tuple: The advantages (centered and shifted as configured), the
                `λ`-returns and the values `V(s_t)`.

        """
        rewards = episodes.rewards
        with torch.no_grad():
            values = self._value_function(obs).cpu().numpy().astype(np.float64)
            last_values = (
                self._value_function(np_to_torch(episodes.last_observations))
                .cpu()
                .numpy()
            )
            if self._entropy_method == 'max':
                entropies = self._step_entropies(episodes, obs)
                rewards = rewards + self._policy_ent_coeff * entropies
        ends = np.cumsum(episodes.lengths) - 1
        next_values = np.empty_like(values)
        next_values[:-1] = values[1:]
        next_values[ends] = np.where(
            last_step_types(episodes) == StepType.TERMINAL, 0.0, last_values
        )
        is_end = np.zeros(len(values), dtype=bool)
        is_end[ends] = True

        deltas = (rewards + self.discount * next_values - values).tolist()
        ends_here = is_end.tolist()
        decay = self.discount * self._gae_lambda
        backwards = [0.0] * len(deltas)
        advantage = 0.0
        for t in reversed(range(len(deltas))):
            if ends_here[t]:
                advantage = 0.0
            advantage = deltas[t] + decay * advantage
            backwards[t] = advantage

        advantages = np.asarray(backwards)
        returns = advantages + values
        if self._center_adv:
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        if self._positive_adv:
            advantages = advantages - advantages.min()
        return advantages, returns, values

    def _step_entropies(self, episodes: EpisodeBatch, obs: torch.Tensor) -> np.ndarray:
        """The policy's entropy at each step of a batch (no gradient).

        Args:
            episodes: The batch.
            obs: Its observations, as a tensor.

        Returns:
            One entropy per step.

        """
        del episodes
        return self._compute_policy_entropy(self.policy(obs)[0]).cpu().numpy()

    def _train(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        advantages: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
        returns: torch.Tensor,
        *,
        vf_obs: torch.Tensor | None = None,
    ) -> None:
        """Train the policy, then the value function, in minibatches.

        Args:
            obs: The observations.
            actions: The actions.
            advantages: The advantage estimates.
            old_log_likelihoods: The actions' log-likelihoods under the
                policy that sampled them.
            returns: The value function's targets.
            vf_obs: The value function's observations, one per target, if
                not ``obs`` (RL2 trains its policy on padded trials and its
                value function on the steps).

        """
        # tensors in, tensors out
        for batch in self._policy_optimizer.get_minibatch(
            obs, actions, advantages, old_log_likelihoods
        ):
            self._train_policy(*cast('tuple[torch.Tensor, ...]', batch))
        vf_inputs = obs if vf_obs is None else vf_obs
        for batch in self._vf_optimizer.get_minibatch(vf_inputs, returns):
            self._train_value_function(*cast('tuple[torch.Tensor, ...]', batch))

    def _train_policy(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        advantages: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
    ) -> torch.Tensor:
        """Take one optimisation step on the policy.

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
        self._clip_gradient(self.policy)
        self._policy_optimizer.step()
        return loss

    def _train_value_function(
        self, obs: torch.Tensor, returns: torch.Tensor
    ) -> torch.Tensor:
        """Take one optimisation step on the value function.

        Args:
            obs: The observations.
            returns: The targets.

        Returns:
            The loss before the step.

        """
        self._vf_optimizer.zero_grad()
        loss = self._value_function.compute_loss(obs, returns)
        loss.backward()
        self._clip_gradient(self._value_function)
        self._vf_optimizer.step()
        return loss

    def _clip_gradient(self, module: torch.nn.Module) -> None:
        """Scale a module's gradient down to ``max_grad_norm``, if set.

        Args:
            module: The policy or the value function.

        """
        if self._max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(module.parameters(), self._max_grad_norm)

    def _compute_loss(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        advantages: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
    ) -> torch.Tensor:
        """Compute the policy's loss: the negated mean objective.

        Args:
            obs: The observations.
            actions: The actions.
            advantages: The advantage estimates.
            old_log_likelihoods: The actions' log-likelihoods under the
                policy that sampled them.

        Returns:
            The loss, a scalar.

        """
        dist = self.policy(obs)[0]
        objectives = self._compute_objective(
            dist.log_prob(actions), old_log_likelihoods, advantages
        )
        if self._entropy_method == 'regularized':
            objectives = objectives + (
                self._policy_ent_coeff * self._compute_policy_entropy(dist)
            )
        return -objectives.mean()

    def _compute_objective(
        self,
        log_likelihoods: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
        advantages: torch.Tensor,
    ) -> torch.Tensor:
        """Compute the objective of each sample, to maximise.

        Args:
            log_likelihoods: The actions' log-likelihoods under the policy.
            old_log_likelihoods: Their log-likelihoods under the policy
                that sampled them.
            advantages: The advantage estimates.

        Returns:
            The objective of each sample.

        """
        del old_log_likelihoods
        return log_likelihoods * advantages

    def _compute_policy_entropy(self, dist: Distribution) -> torch.Tensor:
        """Compute the entropy of each of the policy's distributions.

        Args:
            dist: The policy's distribution of actions.

        Returns:
            The entropies, detached if ``stop_entropy_gradient``, through a
                softplus if ``use_softplus_entropy``.

        """
        entropy = dist.entropy()
        if self._stop_entropy_gradient:
            entropy = entropy.detach()
        if self._use_softplus_entropy:
            entropy = F.softplus(entropy)
        return entropy

    def _compute_kl_constraint(self, obs: torch.Tensor) -> torch.Tensor:
        """Compute the mean KL divergence from the old policy to the policy.

        Args:
            obs: The observations.

        Returns:
            The mean KL divergence, differentiable in the policy's
                parameters.

        """
        with torch.no_grad():
            old_dist = self._old_policy(obs)[0]
        new_dist = self.policy(obs)[0]
        return torch.distributions.kl.kl_divergence(old_dist, new_dist).mean()

    def _policy_diagnostics(
        self, log_likelihoods: torch.Tensor, old_log_likelihoods: torch.Tensor
    ) -> dict[str, Any]:
        """Diagnostics of the update that a subclass adds to the log.

        Args:
            log_likelihoods: The actions' log-likelihoods after the update.
            old_log_likelihoods: Their log-likelihoods before it.

        Returns:
            Values to record under the policy's name.

        """
        del log_likelihoods, old_log_likelihoods
        return {}

    def _log_epoch_performance(self, itr: int) -> EpochRecord:
        """Log the returns of the episodes that ended during the epoch.

        Args:
            itr: The last iteration of the epoch.

        Returns:
            The epoch's record: those episodes, and the updates taken.

        """
        batches, self._epoch_episodes = self._epoch_episodes, []
        if not batches:
            return EpochRecord(iterations=self._n_samples)
        episodes = EpisodeBatch.concatenate(*batches)
        log_performance(itr, episodes, discount=self.discount, prefix='Training')
        if 'task_name' in episodes.env_infos or 'task_id' in episodes.env_infos:
            log_multitask_performance(itr, episodes, discount=self.discount)
        return EpochRecord.from_episodes(episodes, iterations=self._n_samples)


def _check_entropy_configuration(
    entropy_method: str,
    center_adv: bool,
    stop_entropy_gradient: bool,
    policy_ent_coeff: float,
) -> None:
    _validation.one_of('entropy_method', entropy_method, _ENTROPY_METHODS)
    if entropy_method == 'max':
        if center_adv:
            raise ValueError(
                'center_adv must be False when entropy_method '
                "is 'max': centering would cancel the entropy "
                'bonus added to the rewards'
            )
        if not stop_entropy_gradient:
            raise ValueError(
                'stop_entropy_gradient must be True when '
                "entropy_method is 'max': the entropy is part "
                'of the rewards, not of the objective'
            )
    if entropy_method == 'no_entropy' and policy_ent_coeff != 0.0:
        raise ValueError(
            f"{policy_ent_coeff=} must be 0 when entropy_method is 'no_entropy'"
        )


def _adam(
    module: torch.nn.Module,
    lr: float = 1e-3,
    max_optimization_epochs: int = 1,
    minibatch_size: int | None = None,
) -> OptimizerWrapper:
    """The algorithms' default optimizer: Adam, fused into one kernel.

    Args:
        module: The module to optimise.
        lr: The learning rate.
        max_optimization_epochs: Passes over each batch.
        minibatch_size: Samples per minibatch, or None for whole batches.

    Returns:
        The optimizer.

    """
    return OptimizerWrapper(
        (torch.optim.Adam, dict(lr=lr, fused=True)),
        module,
        max_optimization_epochs=max_optimization_epochs,
        minibatch_size=minibatch_size,
    )


def _checked_optimizer(
    name: str, optimizer: OptimizerWrapper | None, module: torch.nn.Module
) -> OptimizerWrapper:
    """The optimizer given, or the default (`_adam`) if None.

    Raises:
        TypeError: If ``optimizer`` is neither None nor an
            ``OptimizerWrapper``.

    """
    if optimizer is None:
        return _adam(module)
    if not isinstance(optimizer, OptimizerWrapper):
        raise TypeError(
            f'{name} must be a garage.torch.optimizers.OptimizerWrapper or '
            f'None, not {type(optimizer).__name__}; wrap it as '
            'OptimizerWrapper(optimizer) or OptimizerWrapper((torch.optim.'
            'Adam, dict(lr=...)), module)'
        )
    return optimizer
