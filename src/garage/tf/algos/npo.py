"""Natural policy optimization: the TensorFlow policy-gradient family's core."""

import collections
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dowel import logger, tabular
from garage._dtypes import EpisodeBatch, StepType
from garage._functions import log_performance
from garage.np import discount_cumsum, explained_variance_1d
from garage.np.algos import RLAlgorithm
from garage.tf._core import session_for
from garage.tf.optimizers import ConjugateGradientOptimizer, FirstOrderOptimizer
from garage.tf.policies import StochasticPolicy

# the PyTorch algorithms' check: the same options, the same rules
from garage.torch.algos.vpg import _check_entropy_configuration

if TYPE_CHECKING:
    from garage.trainer import Trainer

v1 = tf.compat.v1

_PG_LOSSES = ('vanilla', 'surrogate', 'surrogate_clip')
_ENTROPY_METHODS = ('max', 'regularized', 'no_entropy')


class NPO(RLAlgorithm):
    """Natural policy optimization, the base of `TRPO`, `PPO` and `VPG`.

    Each epoch samples a batch, estimates advantages with GAE from the
    baseline's predictions (the value after an episode's last step is 0 when
    that step is ``TERMINAL``, the baseline's prediction for the last
    observation on ``TIMEOUT``), optimizes the policy loss ``pg_loss`` with
    the optimizer (under the KL constraint ``max_kl_step`` when it takes
    one), then fits the baseline to the discounted returns.

    Args:
        env_spec: The specification of the environment.
        policy: The policy, a ``garage.tf.policies.StochasticPolicy``.
        baseline: The baseline: ``LinearFeatureBaseline``,
            ``GaussianMLPBaseline``, or anything with ``fit(paths)`` and
            ``predict(path)``.
        sampler: The sampler.
        scope: The name scope of the algorithm's operations.
        discount: The discount.
        gae_lambda: The GAE lambda.
        center_adv: Standardize the advantages.
        positive_adv: Shift the advantages to be positive (after
            centering).
        fixed_horizon: Unused, as in the original.
        pg_loss: ``'vanilla'`` (log-likelihood times advantage),
            ``'surrogate'`` (likelihood ratio times advantage) or
            ``'surrogate_clip'`` (PPO's clipped ratio).
        lr_clip_range: The clip range of the likelihood ratio.
        max_kl_step: The bound of the mean KL divergence of a step.
        optimizer: The optimizer class; None takes
            `ConjugateGradientOptimizer`.
        optimizer_args: The optimizer's constructor arguments.
        policy_ent_coeff: The entropy's coefficient.
        use_softplus_entropy: Pass the entropy through softplus, so it
            stays positive.
        use_neg_logli_entropy: Estimate the entropy as the negative
            log-likelihood of the actions.
        stop_entropy_gradient: Stop the gradient through the entropy.
        entropy_method: ``'max'`` (added to the rewards), ``'regularized'``
            (added to the objective) or ``'no_entropy'``.
        name: The name of the algorithm.

    Raises:
        ValueError: If an option has a bad value, or the entropy options
            conflict.

    """

    _needs_sampler = True
    policy: StochasticPolicy

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
        pg_loss: str = 'surrogate',
        lr_clip_range: float = 0.01,
        max_kl_step: float = 0.01,
        optimizer: Any = None,
        optimizer_args: dict[str, Any] | None = None,
        policy_ent_coeff: float = 0.0,
        use_softplus_entropy: bool = False,
        use_neg_logli_entropy: bool = False,
        stop_entropy_gradient: bool = False,
        entropy_method: str = 'no_entropy',
        name: str = 'NPO',
    ):
        self._env_spec = env_spec
        self.policy = policy
        self._baseline = baseline
        self._sampler = sampler
        self._scope = scope
        self.discount = _validation.number_in('discount', discount, 0.0, 1.0)
        self._gae_lambda = _validation.number_in('gae_lambda', gae_lambda, 0.0, 1.0)
        self._center_adv = center_adv
        self._positive_adv = positive_adv
        self._fixed_horizon = fixed_horizon
        self._pg_loss = _validation.one_of('pg_loss', pg_loss, _PG_LOSSES)
        self._lr_clip_range = _validation.number_in(
            'lr_clip_range', lr_clip_range, 0.0, low_open=True
        )
        self._max_kl_step = _validation.number_in(
            'max_kl_step', max_kl_step, 0.0, low_open=True
        )
        self._policy_ent_coeff = _validation.number_in(
            'policy_ent_coeff', policy_ent_coeff
        )
        self._use_softplus_entropy = use_softplus_entropy
        self._use_neg_logli_entropy = use_neg_logli_entropy
        self._stop_entropy_gradient = stop_entropy_gradient
        self._entropy_method = _validation.one_of(
            'entropy_method', entropy_method, _ENTROPY_METHODS
        )
        _check_entropy_configuration(
            entropy_method, center_adv, stop_entropy_gradient, policy_ent_coeff
        )
        self._name = name
        self.max_episode_length = env_spec.max_episode_length
        if optimizer is None:
            optimizer = ConjugateGradientOptimizer
        self._optimizer = optimizer(**(optimizer_args or {}))
        self._episode_reward_mean: collections.deque = collections.deque(maxlen=100)
        self._ops: dict[str, Any] = {}
        self._init_opt()

    # -- the graph -------------------------------------------------------

    def _init_opt(self) -> None:
        """Build the loss, KL and entropy, and the optimizer's operations."""
        policy = self.policy
        graph = policy._graph
        dist = policy.distribution
        with graph.as_default(), tf.name_scope(self._scope or self._name):
            obs = v1.placeholder(tf.float32, [None, policy._obs_dim], name='obs')
            if dist.dist_info_keys == ('prob',):
                action = v1.placeholder(tf.int32, [None], name='action')
            else:
                action = v1.placeholder(tf.float32, [None, dist.dim], name='action')
            advantage = v1.placeholder(tf.float32, [None], name='advantage')
            old_info = {
                key: v1.placeholder(tf.float32, [None, dist.dim], name=f'old_{key}')
                for key in dist.dist_info_keys
            }
            info = policy.dist_info_sym(obs)
            logli = dist.log_likelihood_sym(action, info)
            old_logli = dist.log_likelihood_sym(action, old_info)
            kl = tf.reduce_mean(dist.kl_sym(old_info, info))
            entropy = self._entropy(dist, info, logli)
            if self._pg_loss == 'vanilla':
                objective = logli * advantage
            else:
                ratio = tf.exp(logli - old_logli)
                objective = ratio * advantage
                if self._pg_loss == 'surrogate_clip':
                    clipped = tf.clip_by_value(
                        ratio, 1 - self._lr_clip_range, 1 + self._lr_clip_range
                    )
                    objective = tf.minimum(objective, clipped * advantage)
            if self._entropy_method == 'regularized':
                objective += self._policy_ent_coeff * entropy
            loss = -tf.reduce_mean(objective)
            mean_entropy = tf.reduce_mean(entropy)
        inputs = [obs, action, advantage, *[old_info[k] for k in dist.dist_info_keys]]
        self._ops = {
            'obs': obs,
            'entropy': entropy,
            'mean_entropy': mean_entropy,
            'kl': kl,
            'loss': loss,
            'inputs': inputs,
        }
        with graph.as_default():
            self._optimizer.update_opt(
                loss=loss,
                target=policy,
                leq_constraint=(kl, self._max_kl_step),
                inputs=inputs,
                constraint_name='mean_kl',
            )

    def _entropy(self, dist: Any, info: dict[str, Any], logli: Any) -> Any:
        entropy = -logli if self._use_neg_logli_entropy else dist.entropy_sym(info)
        if self._use_softplus_entropy:
            entropy = tf.nn.softplus(entropy)
        if self._stop_entropy_gradient:
            entropy = tf.stop_gradient(entropy)
        return entropy

    # -- training --------------------------------------------------------

    def train(self, trainer: 'Trainer') -> float | None:
        """Train: one batch and one policy step per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the last epoch, or None if none ran.

        """
        last_return = None
        for _ in trainer.step_epochs():
            trainer.step_episode = trainer.obtain_episodes(trainer.step_itr)
            last_return = self._train_once(trainer.step_itr, trainer.step_episode)
            trainer.step_itr += 1
        return last_return

    def _train_once(self, itr: int, episodes: EpisodeBatch) -> float:
        """Take one policy step and fit the baseline on a batch.

        Args:
            itr: The iteration.
            episodes: The batch.

        Returns:
            The average undiscounted return of the batch's episodes.

        """
        returns = log_performance(itr, episodes, discount=self.discount)
        self._episode_reward_mean.extend(returns)
        tabular.record('Extras/EpisodeRewardMean', np.mean(self._episode_reward_mean))
        logger.log('Optimizing policy...')
        self._optimize_policy(episodes)
        return float(np.mean(returns))

    def _policy_inputs(self, episodes: EpisodeBatch) -> tuple[list[Any], list[dict]]:
        """The optimizer's input values, and the episodes as paths."""
        policy = self.policy
        obs = policy._flatten(episodes.observations)
        rewards = episodes.rewards.astype(np.float64)
        if self._entropy_method == 'max':
            session = session_for(policy._graph)
            step_entropy = session.run(self._ops['entropy'], {self._ops['obs']: obs})
            rewards = rewards + self._policy_ent_coeff * step_entropy
        paths = []
        advantages = []
        start = 0
        for length, last_obs, step_type in zip(
            episodes.lengths,
            episodes.last_observations,
            episodes.step_types[np.cumsum(episodes.lengths) - 1],
            strict=True,
        ):
            end = start + int(length)
            path_obs = episodes.observations[start:end]
            path = {'observations': path_obs, 'rewards': rewards[start:end]}
            values = np.asarray(self._baseline.predict(path), dtype=np.float64)
            if step_type == StepType.TERMINAL:
                last_value = 0.0
            else:
                last = {'observations': np.asarray([last_obs]), 'rewards': np.zeros(1)}
                last_value = float(np.asarray(self._baseline.predict(last))[0])
            next_values = np.append(values[1:], last_value)
            deltas = rewards[start:end] + self.discount * next_values - values
            advantages.append(discount_cumsum(deltas, self.discount * self._gae_lambda))
            path['returns'] = discount_cumsum(rewards[start:end], self.discount)
            path['baselines'] = values
            paths.append(path)
            start = end
        advantage = np.concatenate(advantages)
        if self._center_adv:
            advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
        if self._positive_adv:
            advantage = advantage - advantage.min() + 1e-8
        actions = episodes.actions
        if self.policy.distribution.dist_info_keys == ('prob',):
            actions = np.asarray(actions).reshape(-1).astype(np.int32)
        infos = [
            np.asarray(episodes.agent_infos[key], dtype=np.float32)
            for key in self.policy.distribution.dist_info_keys
        ]
        return [obs, actions, advantage, *infos], paths

    def _optimize_policy(self, episodes: EpisodeBatch) -> None:
        inputs, paths = self._policy_inputs(episodes)
        session = session_for(self.policy._graph)
        feed = dict(zip(self._ops['inputs'], inputs, strict=True))
        logger.log('Computing loss before')
        loss_before = self._optimizer.loss(inputs)
        logger.log('Computing KL before')
        kl_before = session.run(self._ops['kl'], feed)
        logger.log('Optimizing')
        self._optimizer.optimize(inputs)
        logger.log('Computing KL after')
        kl_after, entropy = session.run(
            [self._ops['kl'], self._ops['mean_entropy']], feed
        )
        logger.log('Computing loss after')
        loss_after = self._optimizer.loss(inputs)
        name = self.policy.name
        tabular.record(f'{name}/LossBefore', loss_before)
        tabular.record(f'{name}/LossAfter', loss_after)
        tabular.record(f'{name}/dLoss', loss_before - loss_after)
        tabular.record(f'{name}/KLBefore', kl_before)
        tabular.record(f'{name}/KL', kl_after)
        tabular.record(f'{name}/Entropy', entropy)
        tabular.record(f'{name}/Perplexity', np.exp(entropy))
        self._fit_baseline(paths)

    def _fit_baseline(self, paths: list[dict[str, np.ndarray]]) -> None:
        returns = np.concatenate([path['returns'] for path in paths])
        baselines = np.concatenate([path['baselines'] for path in paths])
        logger.log('Fitting baseline...')
        self._baseline.fit(paths)
        tabular.record(
            f'{self._baseline_name()}/ExplainedVariance',
            explained_variance_1d(baselines, returns),
        )

    def _baseline_name(self) -> str:
        return getattr(self._baseline, 'name', type(self._baseline).__name__)

    # -- pickling --------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state['_ops'] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_opt()


def _first_order(optimizer: Any, optimizer_args: dict | None, defaults: dict) -> tuple:
    """The optimizer class and arguments, with a subclass's defaults.

    Args:
        optimizer: The class given, or None for `FirstOrderOptimizer`.
        optimizer_args: The arguments given, or None for ``defaults``.
        defaults: The subclass's default arguments.

    Returns:
        tuple: The class and the arguments.

    """
    if optimizer is None:
        optimizer = FirstOrderOptimizer
        if optimizer_args is None:
            optimizer_args = defaults
    return optimizer, optimizer_args
