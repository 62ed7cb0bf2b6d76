"""PEARL (probabilistic embeddings for actor-critic RL) and its worker."""

import copy
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EnvSpec, EpisodeBatch, InOutSpec, TimeStep
from garage._legacy_gym import akro
from garage._optimizers import _Default
from garage.experiment.meta_evaluator import MetaEvaluator
from garage.np.algos import EpochRecord, MetaRLAlgorithm
from garage.replay_buffer import PathBuffer
from garage.sampler import DefaultWorker
from garage.torch._functions import global_device, np_to_torch
from garage.torch.algos._off_policy import (
    StepStatistics,
    _capped,
    make_fast_optimizer,
    make_target,
    parameters,
    set_requires_grad,
    update_targets,
)
from garage.torch.embeddings import MLPEncoder
from garage.torch.policies.context_conditioned_policy import (
    ContextConditionedPolicy,
)

if TYPE_CHECKING:
    from garage.experiment.task_sampler import TaskSampler
    from garage.sampler import Sampler
    from garage.trainer import Trainer

_STATISTICS = ('qf_loss', 'vf_loss', 'policy_loss', 'kl_div', 'q', 'z_vars')


class PEARL(MetaRLAlgorithm):
    r"""PEARL (Rakelly et al., 2019): off-policy meta-RL with a latent task.

    An inference network (the context encoder) estimates the posterior
    `q(z | c)` of a latent task variable `z` from transitions `c` of a task;
    the policy (`garage.torch.policies.ContextConditionedPolicy`) acts on
    the observation and a sample of `z`. The actor-critic is SAC's, with
    two Q-functions and a value function, all of which also see `z`.

    Training keeps, for each of the ``num_train_tasks`` training tasks
    (``env``), a replay buffer for the actor-critic and a context buffer
    for the encoder. The first epoch samples ``num_initial_steps``
    transitions of every task with `z` from the prior. Each epoch then
    picks ``num_tasks_sample`` tasks at random and, for each, clears its
    context buffer and samples ``num_steps_prior`` transitions with `z`
    from the prior, ``num_steps_posterior`` with `z` from the posterior
    (re-inferred from the context buffer every ``update_post_train``
    episodes), and ``num_extra_rl_steps_posterior`` more such transitions
    that go to the replay buffer only. It then takes
    ``num_steps_per_epoch`` gradient steps, each on ``meta_batch_size``
    random tasks: ``embedding_batch_size`` transitions of a task's context
    buffer give its posterior and `z`; ``batch_size`` transitions of its
    replay buffer give the losses:

    * the Q-functions regress to `s r + γ (1 - d) V'(s', z)`, and their
      gradient flows into the encoder through `z`, with the information
      bottleneck's `λ_{KL} KL(q(z | c) || N(0, I))`;
    * the value function regresses to `min_i Q_i(s, a, z) - log π(a|s, z)`,
      with `a ~ π`;
    * the policy minimises `log π(a|s, z) - min_i Q_i(s, a, z)` plus small
      penalties on its mean, log standard deviation and pre-tanh actions;
    * the target value function follows by ``soft_target_tau``.

    After each epoch it meta-tests with a `garage.experiment.MetaEvaluator`
    on ``num_test_tasks`` tasks of ``test_env_sampler`` (workers of class
    `PEARLWorker`, acting with the mean action): for each task, episodes
    with `z` from the prior, then the posterior inferred from them, then
    the test episodes with `z` from the posterior, logged under
    ``MetaTest/``.

    A snapshot holds everything, the replay and context buffers included:
    a resumed run goes on exactly as an uninterrupted one.

    Args:
        env: The training tasks: environment updates (as
            `garage.experiment.SetTaskSampler.sample` gives), one per task.
        inner_policy: The inner policy (a ``TanhGaussianMLPPolicy``) of the
            augmented specification (`augment_env_spec`).
        qf: The Q-function, of the augmented specification; the second one
            is a copy.
        vf: The value function, a ``ContinuousMLPQFunction`` of
            ``get_env_spec(env_spec, latent_dim, 'vf')``, called as
            ``vf(observations, z)``.
        sampler: The sampler, with `PEARLWorker` workers.
        num_train_tasks: The number of training tasks (the first of
            ``env``).
        num_test_tasks: Tasks per meta-test; None takes
            ``test_env_sampler.n_tasks``.
        latent_dim: The dimension of `z`.
        encoder_hidden_sizes: The context encoder's hidden layer sizes.
        test_env_sampler: Samples the meta-test tasks.
        policy_class: The class of the policy (`ContextConditionedPolicy`).
        encoder_class: The class of the context encoder (`MLPEncoder`).
        policy_lr: The policy's learning rate.
        qf_lr: The Q-functions' learning rate.
        vf_lr: The value function's learning rate.
        context_lr: The context encoder's learning rate.
        policy_mean_reg_coeff: The weight of the penalty on the policy's
            mean.
        policy_std_reg_coeff: The weight of the penalty on its log standard
            deviation.
        policy_pre_activation_coeff: The weight of the penalty on its
            actions before tanh.
        soft_target_tau: The interpolation weight of the target update.
        kl_lambda: The weight `λ_{KL}` of the KL divergence.
        optimizer_class: The optimizer class (or a ``(class, args)``
            tuple) of every network.
        use_information_bottleneck: Whether `z` is stochastic (with the KL
            penalty); otherwise it is deterministic.
        use_next_obs_in_context: Whether the context holds the next
            observations too.
        meta_batch_size: Tasks per gradient step.
        num_steps_per_epoch: Gradient steps per epoch.
        num_initial_steps: Transitions sampled per task before training.
        num_tasks_sample: Tasks sampled per epoch.
        num_steps_prior: Transitions per sampled task with `z` from the
            prior.
        num_steps_posterior: Transitions per sampled task with `z` from the
            posterior.
        num_extra_rl_steps_posterior: Further transitions per sampled task
            with `z` from the posterior, for the replay buffer only.
        batch_size: Transitions per task per gradient step.
        embedding_batch_size: Context transitions per task per gradient
            step.
        embedding_mini_batch_size: The original's mini-batch of the context,
            for recurrent encoders; an MLP encoder reads whole contexts, so
            it has no effect (give ``embedding_batch_size``).
        discount: The discount factor `γ`.
        replay_buffer_size: The capacity of each buffer, in transitions.
        reward_scale: The factor `s` of the rewards.
        update_post_train: Episodes between re-inferences of the posterior
            when sampling with it.

    Raises:
        ValueError: If an option is out of range, ``env`` has fewer than
            ``num_train_tasks`` tasks, or ``num_test_tasks`` is None and
            ``test_env_sampler`` does not know its number of tasks.

    """

    # Trainer.setup refuses it without a sampler unless a LocalRunner makes one
    _needs_sampler = True

    def __init__(
        self,
        env: Sequence[Any],
        inner_policy: nn.Module,
        qf: nn.Module,
        vf: nn.Module,
        sampler: 'Sampler | None',
        *,
        num_train_tasks: int,
        num_test_tasks: int | None = None,
        latent_dim: int,
        encoder_hidden_sizes: Sequence[int],
        test_env_sampler: 'TaskSampler',
        policy_class: type = ContextConditionedPolicy,
        encoder_class: type = MLPEncoder,
        policy_lr: float = 3e-4,
        qf_lr: float = 3e-4,
        vf_lr: float = 3e-4,
        context_lr: float = 3e-4,
        policy_mean_reg_coeff: float = 1e-3,
        policy_std_reg_coeff: float = 1e-3,
        policy_pre_activation_coeff: float = 0.0,
        soft_target_tau: float = 0.005,
        kl_lambda: float = 0.1,
        optimizer_class: Any = torch.optim.Adam,
        use_information_bottleneck: bool = True,
        use_next_obs_in_context: bool = False,
        meta_batch_size: int = 64,
        num_steps_per_epoch: int = 1000,
        num_initial_steps: int = 100,
        num_tasks_sample: int = 100,
        num_steps_prior: int = 100,
        num_steps_posterior: int = 0,
        num_extra_rl_steps_posterior: int = 100,
        batch_size: int = 1024,
        embedding_batch_size: int = 1024,
        embedding_mini_batch_size: int = 1024,
        discount: float = 0.99,
        replay_buffer_size: int = 1000000,
        reward_scale: float = 1,
        update_post_train: int = 1,
    ):
        positive, non_negative = _validation.positive_int, _validation.non_negative_int
        self._num_train_tasks = positive('num_train_tasks', num_train_tasks)
        self._latent_dim = positive('latent_dim', latent_dim)
        self._meta_batch_size = positive('meta_batch_size', meta_batch_size)
        self._num_steps_per_epoch = positive('num_steps_per_epoch', num_steps_per_epoch)
        self._num_initial_steps = non_negative('num_initial_steps', num_initial_steps)
        self._num_tasks_sample = non_negative('num_tasks_sample', num_tasks_sample)
        self._num_steps_prior = non_negative('num_steps_prior', num_steps_prior)
        self._num_steps_posterior = non_negative(
            'num_steps_posterior', num_steps_posterior
        )
        self._num_extra_rl_steps_posterior = non_negative(
            'num_extra_rl_steps_posterior', num_extra_rl_steps_posterior
        )
        self._batch_size = positive('batch_size', batch_size)
        self._embedding_batch_size = positive(
            'embedding_batch_size', embedding_batch_size
        )
        self._embedding_mini_batch_size = positive(
            'embedding_mini_batch_size', embedding_mini_batch_size
        )
        self._replay_buffer_size = positive('replay_buffer_size', replay_buffer_size)
        self._update_post_train = positive('update_post_train', update_post_train)
        self.discount = _validation.number_in('discount', discount, 0, 1)
        self._reward_scale = _validation.number_in('reward_scale', reward_scale, 0)
        self._tau = _validation.number_in('soft_target_tau', soft_target_tau, 0, 1)
        self._kl_lambda = _validation.number_in('kl_lambda', kl_lambda, 0)
        self._policy_mean_reg_coeff = _validation.number_in(
            'policy_mean_reg_coeff', policy_mean_reg_coeff, 0
        )
        self._policy_std_reg_coeff = _validation.number_in(
            'policy_std_reg_coeff', policy_std_reg_coeff, 0
        )
        self._policy_pre_activation_coeff = _validation.number_in(
            'policy_pre_activation_coeff', policy_pre_activation_coeff, 0
        )
        lrs = {}
        for name, lr in (
            ('policy_lr', policy_lr),
            ('qf_lr', qf_lr),
            ('vf_lr', vf_lr),
            ('context_lr', context_lr),
        ):
            lrs[name] = _validation.number_in(name, lr, 0, low_open=True)
        env = list(env)
        if len(env) < self._num_train_tasks:
            raise ValueError(
                f'env holds {len(env)} tasks but num_train_tasks='
                f'{self._num_train_tasks}: give at least one per training task'
            )
        if num_test_tasks is None:
            num_test_tasks = getattr(test_env_sampler, 'n_tasks', None)
            if num_test_tasks is None:
                raise ValueError(
                    'num_test_tasks is None, and test_env_sampler does not '
                    'know how many tasks it has: give num_test_tasks'
                )
        self._num_test_tasks = positive('num_test_tasks', num_test_tasks)
        self._use_information_bottleneck = bool(use_information_bottleneck)
        self._use_next_obs_in_context = bool(use_next_obs_in_context)

        self._env = env
        self._sampler = sampler
        single_env = env[0]()
        self._env_spec: EnvSpec = single_env.spec
        self.max_episode_length = single_env.spec.max_episode_length
        single_env.close()
        self._evaluator = MetaEvaluator(
            test_task_sampler=test_env_sampler,
            n_test_tasks=self._num_test_tasks,
            worker_class=PEARLWorker,
            worker_args=dict(deterministic=True, accum_context=True),
        )

        encoder_spec = self.get_env_spec(self._env_spec, latent_dim, 'encoder')
        encoder_in_dim = encoder_spec.input_space.flat_dim
        if self._use_next_obs_in_context:
            encoder_in_dim += self._env_spec.observation_space.flat_dim
        encoder_out_dim = (
            2 * latent_dim if self._use_information_bottleneck else latent_dim
        )
        context_encoder = encoder_class(
            input_dim=encoder_in_dim,
            output_dim=encoder_out_dim,
            hidden_sizes=encoder_hidden_sizes,
        )
        self._policy = policy_class(
            latent_dim=latent_dim,
            context_encoder=context_encoder,
            policy=inner_policy,
            use_information_bottleneck=use_information_bottleneck,
            use_next_obs=use_next_obs_in_context,
        )
        self._qf1 = qf
        self._qf2 = copy.deepcopy(qf)
        self._vf = vf
        self.target_vf = make_target(vf)
        self._qf_params = parameters(self._qf1, self._qf2)
        self._vf_params = parameters(vf)
        self._target_vf_params = parameters(self.target_vf)

        self._replay_buffers = {
            i: PathBuffer(replay_buffer_size, self._env_spec)
            for i in range(self._num_train_tasks)
        }
        self._context_replay_buffers = {
            i: PathBuffer(replay_buffer_size, self._env_spec)
            for i in range(self._num_train_tasks)
        }

        encoder, policy = self._policy.networks
        self._policy_optimizer = make_fast_optimizer(
            optimizer_class, policy, _Default(lrs['policy_lr'])
        )
        self.qf1_optimizer = make_fast_optimizer(
            optimizer_class, self._qf1, _Default(lrs['qf_lr'])
        )
        self.qf2_optimizer = make_fast_optimizer(
            optimizer_class, self._qf2, _Default(lrs['qf_lr'])
        )
        self.vf_optimizer = make_fast_optimizer(
            optimizer_class, self._vf, _Default(lrs['vf_lr'])
        )
        self.context_optimizer = make_fast_optimizer(
            optimizer_class, encoder, _Default(lrs['context_lr'])
        )
        self._initial_samples_taken = False
        self._step_stats = StepStatistics()

    @property
    def policy(self) -> ContextConditionedPolicy:  # type: ignore[override]
        """The context-conditioned policy being meta-trained."""
        return self._policy

    @property
    def networks(self) -> list[nn.Module]:
        """The policy (encoder and inner policy), Q-, value and target networks."""
        return [*self._policy.networks, self._qf1, self._qf2, self._vf, self.target_vf]

    def to(self, device: torch.device | str | None = None) -> None:
        """Move the networks (and the belief) to a device.

        Call it before training: the optimizers' state does not move.

        Args:
            device: The device; None takes ``garage.torch.global_device()``.

        """
        device = global_device() if device is None else device
        self._policy.to(device)
        for network in self.networks:
            network.to(device)

    @staticmethod
    def augment_env_spec(env_spec: Any, latent_dim: int) -> EnvSpec:
        """The specification the inner policy and Q-function see.

        Args:
            env_spec: The environment's specification (or the environment).
            latent_dim: The dimension of the latent task variable.

        Returns:
            Flat ``Box`` spaces: observations followed by the latent
                variable, and the actions.

        """
        obs_dim = int(np.prod(env_spec.observation_space.shape))
        action_dim = int(np.prod(env_spec.action_space.shape))
        return EnvSpec(
            akro.Box(low=-1, high=1, shape=(obs_dim + latent_dim,), dtype=np.float32),
            akro.Box(low=-1, high=1, shape=(action_dim,), dtype=np.float32),
        )

    @staticmethod
    def get_env_spec(
        env_spec: Any, latent_dim: int, module: str
    ) -> EnvSpec | InOutSpec:
        """The specification of the context encoder or of the value function.

        Args:
            env_spec: The environment's specification (or the environment).
            latent_dim: The dimension of the latent task variable.
            module: ``'encoder'``: an ``InOutSpec`` from a transition
                (observation, action, reward) to a Gaussian's parameters
                (``2 * latent_dim``); ``'vf'``: an ``EnvSpec`` whose
                "observations" are the environment's observations and whose
                "actions" are the latent variable, so that a
                ``ContinuousMLPQFunction`` of it is a value function of
                both.

        Returns:
            The specification.

        Raises:
            ValueError: If ``module`` is neither.

        """
        _validation.one_of('module', module, ('encoder', 'vf'))
        obs_dim = int(np.prod(env_spec.observation_space.shape))
        action_dim = int(np.prod(env_spec.action_space.shape))
        if module == 'encoder':
            in_dim, out_dim = obs_dim + action_dim + 1, latent_dim * 2
        else:
            in_dim, out_dim = obs_dim, latent_dim
        in_space = akro.Box(low=-1, high=1, shape=(in_dim,), dtype=np.float32)
        out_space = akro.Box(low=-1, high=1, shape=(out_dim,), dtype=np.float32)
        if module == 'encoder':
            return InOutSpec(in_space, out_space)
        return EnvSpec(in_space, out_space)

    def train(self, trainer: 'Trainer') -> float | None:
        """Sample, take the gradient steps and meta-test, epoch by epoch.

        Args:
            trainer: The trainer.

        Returns:
            The average meta-test return of the last epoch.

        """
        last_return = None
        for _ in trainer.step_epochs():
            itr = trainer.step_itr
            batches = []
            if not self._initial_samples_taken:
                for idx in range(self._num_train_tasks):
                    batches += self._obtain_samples(
                        trainer, itr, idx, self._num_initial_steps, math.inf
                    )
                self._initial_samples_taken = True
            for _ in range(self._num_tasks_sample):
                idx = int(np.random.randint(self._num_train_tasks))
                self._context_replay_buffers[idx].clear()
                batches += self._obtain_samples(
                    trainer, itr, idx, self._num_steps_prior, math.inf
                )
                batches += self._obtain_samples(
                    trainer,
                    itr,
                    idx,
                    self._num_steps_posterior,
                    self._update_post_train,
                )
                batches += self._obtain_samples(
                    trainer,
                    itr,
                    idx,
                    self._num_extra_rl_steps_posterior,
                    self._update_post_train,
                    add_to_enc_buffer=False,
                )
            self._train_once()
            self._policy.reset_belief()
            test_episodes = self._evaluator.evaluate(self)
            last_return = _average_return(test_episodes)
            self._log_statistics()
            trainer.report_epoch(
                EpochRecord.from_episodes(
                    EpisodeBatch.concatenate(*batches) if batches else None,
                    evaluation_return=last_return,
                )
            )
        return last_return

    def _obtain_samples(
        self,
        trainer: 'Trainer',
        itr: int,
        idx: int,
        num_samples: int,
        update_posterior_rate: float,
        add_to_enc_buffer: bool = True,
    ) -> list[EpisodeBatch]:
        """Sample transitions of a training task into its buffers.

        The belief starts at the prior; with a finite
        ``update_posterior_rate``, the posterior is inferred from the
        task's context buffer after every that many episodes.

        Args:
            trainer: The trainer.
            itr: The iteration.
            idx: The task.
            num_samples: The least number of transitions to sample.
            update_posterior_rate: Episodes between inferences, or inf.
            add_to_enc_buffer: Whether the context buffer gets them too.

        Returns:
            The batches sampled.

        """
        self._policy.reset_belief()
        num_samples = _capped(num_samples)  # fewer in the examples' tests
        if math.isinf(update_posterior_rate):
            per_batch = num_samples
        else:
            if self.max_episode_length is None:
                raise ValueError(
                    'sampling with the posterior every update_post_train '
                    'episodes needs a max_episode_length in the '
                    "environment's spec"
                )
            per_batch = int(update_posterior_rate) * self.max_episode_length
        batches: list[EpisodeBatch] = []
        total = 0
        while total < num_samples:
            episodes = trainer.obtain_episodes(
                itr, per_batch, agent_update=self._policy, env_update=self._env[idx]
            )
            batches.append(episodes)
            total += int(episodes.lengths.sum())
            self._replay_buffers[idx].add_episode_batch(episodes)
            if add_to_enc_buffer:
                self._context_replay_buffers[idx].add_episode_batch(episodes)
            if not math.isinf(update_posterior_rate):
                with torch.no_grad():
                    self._policy.infer_posterior(self._sample_context([idx]))
        return batches

    def _sample_context(self, indices: Sequence[int] | np.ndarray) -> torch.Tensor:
        """Sample context transitions of tasks from their context buffers.

        Args:
            indices: The tasks.

        Returns:
            Shape ``(len(indices), embedding_batch_size, D)``: observations,
                actions, rewards (and next observations) of each transition.

        """
        contexts = []
        for idx in indices:
            batch = self._context_replay_buffers[idx].sample_transitions(
                self._embedding_batch_size
            )
            contexts.append(self._context_rows(batch))
        return np_to_torch(np.stack(contexts))

    def _context_rows(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """One context row per transition of a batch of transitions."""
        n = len(batch['rewards'])
        parts = [
            batch['observations'].reshape(n, -1),
            batch['actions'].reshape(n, -1),
            batch['rewards'].reshape(n, 1),
        ]
        if self._use_next_obs_in_context:
            parts.append(batch['next_observations'].reshape(n, -1))
        return np.concatenate(parts, axis=1).astype(np.float32)

    def _sample_data(self, indices: Sequence[int] | np.ndarray) -> list[torch.Tensor]:
        """Sample transitions of tasks from their replay buffers.

        Args:
            indices: The tasks.

        Returns:
            Observations, actions, rewards, next observations and terminal
                flags, each of shape ``(len(indices), batch_size, ·)``.

        """
        keys = ('observations', 'actions', 'rewards', 'next_observations', 'terminals')
        batches = [
            self._replay_buffers[idx].sample_transitions(self._batch_size)
            for idx in indices
        ]
        result = []
        for key in keys:
            rows = np.stack([b[key].reshape(self._batch_size, -1) for b in batches])
            result.append(np_to_torch(rows.astype(np.float32)))
        return result

    def _train_once(self) -> None:
        """Take the epoch's gradient steps, each on a random meta-batch."""
        for _ in range(_capped(self._num_steps_per_epoch)):
            indices = np.random.choice(self._num_train_tasks, self._meta_batch_size)
            self._optimize_policy(indices)

    def _optimize_policy(self, indices: Sequence[int] | np.ndarray) -> None:
        """Take one gradient step of every network on some tasks.

        Args:
            indices: The tasks.

        """
        num_tasks = len(indices)
        context = self._sample_context(indices)
        self._policy.reset_belief(num_tasks=num_tasks)
        obs, actions, rewards, next_obs, terms = self._sample_data(indices)
        policy_outputs, task_z = self._policy(obs, context)
        new_actions, policy_mean, policy_log_std, log_pi, pre_tanh = policy_outputs

        t, b, _ = obs.size()
        obs = obs.reshape(t * b, -1)
        actions = actions.reshape(t * b, -1)
        next_obs = next_obs.reshape(t * b, -1)
        rewards = rewards.reshape(t * b, 1) * self._reward_scale
        terms = terms.reshape(t * b, 1)

        # the Q-functions' observations are those of the augmented spec
        obs_z = torch.cat([obs, task_z], dim=1)
        q1_pred = self._qf1(obs_z, actions)
        q2_pred = self._qf2(obs_z, actions)
        v_pred = self._vf(obs, task_z.detach())
        with torch.no_grad():
            target_v = self.target_vf(next_obs, task_z)
            q_target = rewards + (1.0 - terms) * self.discount * target_v

        # the encoder learns from the Q-functions' loss and the KL penalty
        self.context_optimizer.zero_grad()
        self.qf1_optimizer.zero_grad()
        self.qf2_optimizer.zero_grad()
        qf_loss = F.mse_loss(q1_pred, q_target) + F.mse_loss(q2_pred, q_target)
        loss = qf_loss
        if self._use_information_bottleneck:
            kl_div = self._policy.compute_kl_div()
            loss = loss + self._kl_lambda * kl_div
        else:
            kl_div = torch.zeros(())
        loss.backward()
        self.qf1_optimizer.step()
        self.qf2_optimizer.step()
        self.context_optimizer.step()

        obs_z = obs_z.detach()
        set_requires_grad(self._qf_params, False)  # no gradients of Q's weights
        min_q = torch.min(self._qf1(obs_z, new_actions), self._qf2(obs_z, new_actions))
        set_requires_grad(self._qf_params, True)

        vf_loss = F.mse_loss(v_pred, (min_q - log_pi).detach())
        self.vf_optimizer.zero_grad()
        vf_loss.backward()
        self.vf_optimizer.step()
        update_targets(self._target_vf_params, self._vf_params, self._tau)

        policy_loss = (log_pi - min_q).mean()
        policy_loss = (
            policy_loss
            + self._policy_mean_reg_coeff * (policy_mean**2).mean()
            + self._policy_std_reg_coeff * (policy_log_std**2).mean()
            + self._policy_pre_activation_coeff * (pre_tanh**2).sum(dim=1).mean()
        )
        self._policy_optimizer.zero_grad()
        policy_loss.backward()
        self._policy_optimizer.step()

        for key, value in (
            ('qf_loss', qf_loss),
            ('vf_loss', vf_loss),
            ('policy_loss', policy_loss),
            ('kl_div', kl_div),
            ('q', q1_pred),
            ('z_vars', self._policy.z_vars),
        ):
            self._step_stats.record(key, value)

    def _log_statistics(self) -> None:
        """Record the epoch's losses, Q-values and posterior variances."""
        stats = self._step_stats.summaries(_STATISTICS)
        tabular.record('QF/Loss', stats['qf_loss'].mean)
        tabular.record('QF/AverageQ', stats['q'].mean)
        tabular.record('VF/Loss', stats['vf_loss'].mean)
        tabular.record('Policy/Loss', stats['policy_loss'].mean)
        tabular.record('Encoder/KLDivergence', stats['kl_div'].mean)
        tabular.record('Encoder/AverageZVariance', stats['z_vars'].mean)
        tabular.record(
            'ReplayBuffer/buffer_size',
            sum(buf.n_transitions_stored for buf in self._replay_buffers.values()),
        )

    def get_exploration_policy(self) -> ContextConditionedPolicy:
        """Return a copy of the policy, its belief at the prior.

        Returns:
            The copy.

        """
        policy = copy.deepcopy(self._policy)
        policy.reset_belief()
        return policy

    def adapt_policy(
        self,
        exploration_policy: ContextConditionedPolicy,
        exploration_episodes: EpisodeBatch,
    ) -> ContextConditionedPolicy:
        """Infer the posterior from the exploration episodes' transitions.

        Args:
            exploration_policy: A policy from `get_exploration_policy`,
                whose belief is set and which is returned.
            exploration_episodes: Episodes of the task.

        Returns:
            ``exploration_policy``, conditioned on the posterior.

        """
        context = self._context_rows(
            {
                'observations': exploration_episodes.observations,
                'actions': exploration_episodes.actions,
                'rewards': exploration_episodes.rewards,
                'next_observations': exploration_episodes.next_observations,
            }
        )
        with torch.no_grad():
            exploration_policy.infer_posterior(np_to_torch(context[None]))
        return exploration_policy


class PEARLWorker(DefaultWorker):
    """A worker for PEARL: it keeps the agent's belief across episodes.

    Before each episode it samples the agent's latent variable from its
    belief (``sample_from_belief``); it never resets the agent.

    Args:
        seed: The sampler's seed, from which the worker derives its own;
            None leaves all random state alone.
        max_episode_length: The longest an episode may run.
        worker_number: The index of this worker among the sampler's
            workers.
        deterministic: Act with the policy's mean action rather than a
            sample.
        accum_context: Append every transition to the agent's context
            (``update_context``).

    Attributes:
        agent: The policy, or None until `update_agent` gives one.
        env: The environment, or None until `update_env` gives one.

    """

    def __init__(
        self,
        *,
        seed: int | None,
        max_episode_length: int,
        worker_number: int,
        deterministic: bool = False,
        accum_context: bool = False,
    ):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
        )
        self._deterministic = bool(deterministic)
        self._accum_context = bool(accum_context)

    def start_episode(self) -> None:
        """Reset the environment and sample the agent's latent variable.

        Raises:
            RuntimeError: If the worker has no environment or no agent yet.

        """
        self._reset_env()
        self.agent.sample_from_belief()

    def step_episode(self) -> bool:
        """Take one step, appending it to the agent's context if asked.

        Returns:
            True when the episode is over.

        """
        agent = self.agent
        if self._deterministic:
            previous = agent.deterministic
            agent.deterministic = True
            try:
                done = super().step_episode()
            finally:
                agent.deterministic = previous
        else:
            done = super().step_episode()
        if self._accum_context:
            obs, agent_info, action, reward, step_type, env_info = self._steps[-1]
            agent.update_context(
                TimeStep(
                    env_spec=self.env.spec,  # type: ignore[union-attr]
                    episode_info=self._episode_info,
                    observation=obs,
                    action=action,
                    reward=reward,
                    next_observation=self._prev_obs,
                    env_info=env_info,
                    agent_info=agent_info,
                    step_type=step_type,
                )
            )
        return done


def _average_return(episodes: EpisodeBatch) -> float:
    """The average undiscounted return of some episodes."""
    return float(EpochRecord.from_episodes(episodes).returns.mean())


__all__ = ['PEARL', 'PEARLWorker']
