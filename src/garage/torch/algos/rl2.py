"""RL^2: meta-reinforcement learning with a recurrent policy, in PyTorch.

The original garage had RL2 in TensorFlow only (``garage.tf.algos.rl2``);
this module has the same names for PyTorch.
"""

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from garage import _validation
from garage._dtypes import EnvSpec, EpisodeBatch, StepType
from garage._environment import Environment, EnvStep, Wrapper
from garage._legacy_gym import akro
from garage.np import explained_variance_1d
from garage.np.algos.meta_rl_algorithm import MetaRLAlgorithm
from garage.sampler.default_worker import DefaultWorker
from garage.sampler.worker import paused_gc
from garage.torch._functions import np_to_torch
from garage.torch.algos.vpg import VPG
from garage.torch.optimizers import OptimizerWrapper

if TYPE_CHECKING:
    from garage.experiment.task_sampler import TaskSampler
    from garage.torch.policies._recurrent import GRUPolicyBase
    from garage.trainer import Trainer

__all__ = ['RL2', 'NoResetPolicy', 'RL2AdaptedPolicy', 'RL2Env', 'RL2Worker']


class RL2Env(Wrapper):
    """Feeds the previous action, reward and done flag into the observation.

    The observation is the wrapped environment's (flattened), then the
    previous action (one-hot for a ``Discrete`` action space, flattened
    otherwise), the previous reward and the previous done flag (1.0 if the
    previous step ended the episode); after ``reset`` the action, reward and
    flag are zeros. A recurrent policy that sees them can tell how well its
    behaviour worked and across which episode boundaries.

    Args:
        env: The environment to wrap.

    """

    def __init__(self, env: Environment):
        super().__init__(env)
        inner = env.observation_space
        action_space = env.action_space
        self._action_dim = int(action_space.flat_dim)
        low = np.concatenate(
            [
                np.asarray(inner.flatten(inner.low), dtype=np.float64)
                if isinstance(inner, akro.Box)
                else np.full(inner.flat_dim, -np.inf),
                np.full(self._action_dim + 2, -np.inf),
            ]
        )
        high = np.concatenate(
            [
                np.asarray(inner.flatten(inner.high), dtype=np.float64)
                if isinstance(inner, akro.Box)
                else np.full(inner.flat_dim, np.inf),
                np.full(self._action_dim + 2, np.inf),
            ]
        )
        self._observation_space = akro.Box(low=low, high=high, dtype=np.float32)
        self._spec = EnvSpec(
            self._observation_space,
            action_space,
            max_episode_length=env.spec.max_episode_length,
        )

    @property
    def observation_space(self) -> akro.Space:
        """The augmented observation space, a flat ``akro.Box``."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification, with the augmented observations."""
        return self._spec

    def reset(self) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the wrapped environment.

        Returns:
            The first observation, followed by zeros for the previous
                action, reward and done flag, and the episode information.

        """
        observation, episode_info = self._env.reset()
        return self._augment(observation, None, 0.0, False), episode_info

    def step(self, action: Any) -> EnvStep:
        """Step the wrapped environment.

        Args:
            action: An action provided by the agent.

        Returns:
            The step, its observation augmented with this step's action,
                reward and done flag.

        """
        env_step = self._env.step(action)
        observation = self._augment(
            env_step.observation, env_step.action, env_step.reward, env_step.terminal
        )
        return EnvStep(
            env_spec=self._spec,
            action=env_step.action,
            reward=env_step.reward,
            observation=observation,
            env_info=env_step.env_info,
            step_type=env_step.step_type,
        )

    def _augment(
        self, observation: Any, action: Any, reward: float, done: bool
    ) -> np.ndarray:
        """Concatenate an observation, an action, a reward and a flag."""
        parts = np.empty(self._observation_space.shape, dtype=np.float32)
        flat = self._env.observation_space.flatten(observation)
        n = len(flat)
        parts[:n] = flat
        if action is None:
            parts[n : n + self._action_dim] = 0.0
        else:
            parts[n : n + self._action_dim] = self._env.action_space.flatten(action)
        parts[-2] = reward
        parts[-1] = float(done)
        return parts


class RL2Worker(DefaultWorker):
    """Samples trials: episodes of one task without resetting the policy.

    In RL2 the policy's memory carries across the episodes of a *trial*:
    each `rollout` resets the agent once, then samples
    ``n_episodes_per_trial`` episodes (resetting the environment, not the
    agent, before each). `rollout_steps`, which samplers use, samples
    whole trials until it has the steps asked for.

    Args:
        seed: The sampler's seed, from which the worker derives its own;
            None leaves all random state alone.
        max_episode_length: The longest an episode may run.
        worker_number: The index of this worker among the sampler's
            workers.
        n_episodes_per_trial: The episodes of one trial.

    Raises:
        ValueError: If ``n_episodes_per_trial`` is not a positive integer.

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
        n_episodes_per_trial: int = 2,
    ):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
        )
        self._n_episodes_per_trial = _validation.positive_int(
            'n_episodes_per_trial', n_episodes_per_trial
        )

    @property
    def n_episodes_per_trial(self) -> int:
        """The episodes of one trial."""
        return self._n_episodes_per_trial

    def start_episode(self) -> None:
        """Reset the environment, not the agent, for a new episode.

        Raises:
            RuntimeError: If the worker has no environment or no agent yet.

        """
        self._reset_env()

    def rollout(self) -> EpisodeBatch:
        """Sample one trial: reset the agent, then its episodes.

        Returns:
            ``n_episodes_per_trial`` episodes, in the order they ran.

        """
        return self.rollout_steps(1)

    def rollout_steps(self, min_steps: int) -> EpisodeBatch:
        """Sample whole trials until at least ``min_steps`` steps.

        Args:
            min_steps: The least number of steps to sample.

        Returns:
            The trials' episodes, in the order they ran.

        """
        with self._own_rng(), paused_gc():
            n_steps = 0
            while True:
                self.agent.reset()
                for _ in range(self._n_episodes_per_trial):
                    self.start_episode()
                    n_steps += 1
                    while not self.step_episode():
                        n_steps += 1
                if n_steps >= min_steps:
                    return self.collect_episode()


class NoResetPolicy:
    """A policy whose ``reset`` does nothing, for RL2's exploration.

    Meta-testing samples exploration episodes of a task one after another;
    the policy's hidden state must carry across them, as within a trial.

    Args:
        policy: The recurrent policy.

    """

    #: Workers pass ``rows`` to `get_actions`, as to the wrapped policy.
    recurrent = True

    def __init__(self, policy: 'GRUPolicyBase'):
        self._policy = policy

    @property
    def policy(self) -> 'GRUPolicyBase':
        """The wrapped policy."""
        return self._policy

    @property
    def env_spec(self) -> EnvSpec:
        """The specification of the environment."""
        return self._policy.env_spec

    def reset(self, do_resets: Any = None) -> None:
        """Do nothing: the hidden state is kept.

        Args:
            do_resets: Ignored.

        """
        del do_resets

    def get_action(self, observation: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Choose the action for one observation with the wrapped policy.

        Args:
            observation: One observation.

        Returns:
            tuple: The action and its agent information.

        """
        return self._policy.get_action(observation)

    def get_actions(
        self, observations: Any, rows: Any = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Choose actions for a batch of observations with the wrapped policy.

        Args:
            observations: A batch of observations.
            rows: The rows of the hidden state they belong to; None for
                every row, in order.

        Returns:
            tuple: The actions and their agent information.

        """
        return self._policy.get_actions(observations, rows=rows)

    def get_param_values(self) -> dict[str, torch.Tensor]:
        """Return the wrapped policy's parameters.

        Returns:
            The wrapped policy's parameter values.

        """
        return self._policy.get_param_values()

    def set_param_values(self, params: dict[str, torch.Tensor]) -> None:
        """Set the wrapped policy's parameters.

        Args:
            params: Parameter values, as `get_param_values` returns.

        """
        self._policy.set_param_values(params)


class RL2AdaptedPolicy(NoResetPolicy):
    """A recurrent policy adapted to a task: its hidden state after exploring.

    ``reset`` returns the hidden state to the one it had when this object
    was made (after the exploration episodes), so that every test episode
    starts from what exploration taught it.

    Args:
        policy: The recurrent policy, its hidden state set to the adapted
            one.

    """

    def __init__(self, policy: 'GRUPolicyBase'):
        super().__init__(policy)
        self._adapted_state = policy.hidden_state

    def reset(self, do_resets: Any = None) -> None:
        """Set the hidden state back to the adapted one.

        Args:
            do_resets: Ignored.

        """
        del do_resets
        self._policy.hidden_state = self._adapted_state


class RL2(VPG, MetaRLAlgorithm):
    """RL^2 (https://arxiv.org/abs/1611.02779): the inner algorithm's base.

    Each epoch samples ``meta_batch_size`` tasks from the task sampler and
    gives one to each sampler worker (the sampler needs exactly
    ``meta_batch_size`` workers, of class `RL2Worker`), which samples a
    trial of ``episodes_per_trial`` episodes with a recurrent policy whose
    memory carries across them. The episodes of a trial are joined into one
    sequence, as the original did: returns and advantages run across the
    episode boundaries and end at the trial's end, so acting to learn about
    the task in early episodes pays off in later ones. The policy loss
    evaluates each trial's sequence from the initial hidden state; the value
    function is fitted on the individual steps.

    Use `RL2PPO` or `RL2TRPO`; this class is their common part. It provides
    the meta-RL methods `get_exploration_policy` and `adapt_policy`.

    Args:
        meta_batch_size: The tasks sampled per epoch.
        task_sampler: The sampler of training tasks.
        episodes_per_trial: The episodes of one trial (the workers'
            ``n_episodes_per_trial``).
        meta_evaluator: An evaluator whose ``evaluate(algo)`` runs
            meta-tests, or None for none.
        n_epochs_per_eval: Meta-test every this many epochs (when
            ``meta_evaluator`` is given).
        **inner_algo_args: The inner algorithm's arguments.

    Raises:
        ValueError: If a count is not a positive integer.

    """

    policy: 'GRUPolicyBase'

    def __init__(
        self,
        *,
        meta_batch_size: int,
        task_sampler: 'TaskSampler',
        episodes_per_trial: int,
        meta_evaluator: Any = None,
        n_epochs_per_eval: int = 10,
        **inner_algo_args: Any,
    ):
        super().__init__(**inner_algo_args)
        if not getattr(self.policy, 'recurrent', False):
            raise ValueError(
                f'{type(self).__name__} needs a recurrent policy (such as '
                'GaussianGRUPolicy or CategoricalGRUPolicy), not '
                f'{type(self.policy).__name__}'
            )
        self._meta_batch_size = _validation.positive_int(
            'meta_batch_size', meta_batch_size
        )
        self._episodes_per_trial = _validation.positive_int(
            'episodes_per_trial', episodes_per_trial
        )
        self._n_epochs_per_eval = _validation.positive_int(
            'n_epochs_per_eval', n_epochs_per_eval
        )
        self._task_sampler = task_sampler
        self._meta_evaluator = meta_evaluator

    @property
    def episodes_per_trial(self) -> int:
        """The episodes of one trial."""
        return self._episodes_per_trial

    def train(self, trainer: 'Trainer') -> float | None:
        """Train: one batch of trials, on new tasks, per epoch.

        Args:
            trainer: The trainer, which samples, logs and snapshots.

        Returns:
            The average return of the last epoch's episodes, or None if no
                epoch ran.

        """
        last_return = None
        for _ in trainer.step_epochs():
            itr = trainer.step_itr
            if self._meta_evaluator is not None and itr % self._n_epochs_per_eval == 0:
                self._meta_evaluator.evaluate(self)
            tasks = self._task_sampler.sample(self._meta_batch_size)
            self._train_once(itr, trainer.obtain_episodes(itr, env_update=tasks))
            record = self._log_epoch_performance(itr)
            trainer.report_epoch(record)
            average = record.average_return
            last_return = float('nan') if average is None else average
        return last_return

    def get_exploration_policy(self) -> NoResetPolicy:
        """Return a policy to explore a new task with, before adaptation.

        Returns:
            A copy of the policy, at the initial state, that keeps its
                memory across episodes.

        """
        policy = copy.deepcopy(self.policy)
        policy.reset()
        return NoResetPolicy(policy)

    def adapt_policy(
        self, exploration_policy: NoResetPolicy, exploration_episodes: EpisodeBatch
    ) -> RL2AdaptedPolicy:
        """Adapt the policy to a task: remember its exploration episodes.

        The hidden state after the exploration episodes is computed from
        their observations (one sequence, in order), so it does not matter
        where they were sampled.

        Args:
            exploration_policy: The policy that explored,
                `get_exploration_policy`'s.
            exploration_episodes: The episodes it sampled in the task.

        Returns:
            The adapted policy: every episode starts from the hidden state
                reached after exploring.

        """
        policy = copy.deepcopy(exploration_policy.policy)
        observations = np_to_torch(exploration_episodes.observations).to(
            next(policy.parameters()).device
        )
        policy.hidden_state = policy.final_hidden_state(observations)
        return RL2AdaptedPolicy(policy)

    def _trials(self, episodes: EpisodeBatch) -> tuple[EpisodeBatch, np.ndarray]:
        """Join each trial's episodes into one episode.

        Episodes are grouped by the worker that sampled them (in the order
        they ran), each ``episodes_per_trial`` consecutive ones a trial.

        Args:
            episodes: The episodes sampled.

        Returns:
            tuple: The trials as a batch of one episode per trial, and, for
                each step of it, its index in ``episodes``.

        Raises:
            ValueError: If a worker's episodes are not whole trials.

        """
        workers = episodes.identities['worker']
        order = np.argsort(workers, kind='stable')
        n = self._episodes_per_trial
        for worker in np.unique(workers):
            count = int(np.sum(workers == worker))
            if count % n:
                raise ValueError(
                    f'worker {worker} sampled {count} episodes, not whole '
                    f'trials of episodes_per_trial={n}; sample with '
                    f'RL2Worker and n_episodes_per_trial={n}'
                )
        starts = np.cumsum(episodes.lengths) - episodes.lengths
        steps = np.concatenate(
            [np.arange(starts[i], starts[i] + episodes.lengths[i]) for i in order]
        )
        trial_lengths = episodes.lengths[order].reshape(-1, n).sum(axis=1)
        last = order.reshape(-1, n)[:, -1]
        first = order.reshape(-1, n)[:, 0]
        ends = np.cumsum(episodes.lengths) - 1
        spec = episodes.env_spec
        if spec.max_episode_length is not None:  # a trial is n episodes long
            spec = EnvSpec(
                spec.observation_space,
                spec.action_space,
                max_episode_length=spec.max_episode_length * n,
            )
        trials = EpisodeBatch(
            env_spec=spec,
            episode_infos={
                key: value[first]
                for key, value in episodes.episode_infos_by_episode.items()
            },
            observations=episodes.observations[steps],
            last_observations=episodes.last_observations[last],
            actions=episodes.actions[steps],
            rewards=episodes.rewards[steps],
            env_infos={},
            agent_infos={},
            step_types=_trial_step_types(episodes, steps, ends[last]),
            lengths=trial_lengths,
            identities=episodes.identities[first],
        )
        return trials, steps

    def _train_once(self, itr: int, episodes: EpisodeBatch) -> np.ndarray:
        """Take one update from a batch of trials.

        Args:
            itr: The iteration number.
            episodes: The episodes of the trials.

        Returns:
            The undiscounted returns of the episodes.

        """
        del itr
        trials, _ = self._trials(episodes)
        flat_obs = np_to_torch(trials.observations)
        advantages_np, returns_np, values = self._compute_advantages(trials, flat_obs)
        explained_variance = explained_variance_1d(values, returns_np)
        obs, valid = _padded(trials, trials.observations)
        actions = _padded(trials, trials.actions)[0]
        advantages = _padded(trials, advantages_np[:, None])[0][..., 0]
        packed = torch.cat([obs, valid[..., None].to(obs.dtype)], dim=-1)
        returns = np_to_torch(returns_np)
        with torch.no_grad():
            old_log_likelihoods = self._old_policy(obs)[0].log_prob(actions)
            policy_loss_before = self._compute_loss(
                packed, actions, advantages, old_log_likelihoods
            )
            vf_loss_before = self._value_function.compute_loss(flat_obs, returns)
            kl_before = self._compute_kl_constraint(packed)

        self._train(
            packed, actions, advantages, old_log_likelihoods, returns, vf_obs=flat_obs
        )

        with torch.no_grad():
            policy_loss_after = self._compute_loss(
                packed, actions, advantages, old_log_likelihoods
            )
            vf_loss_after = self._value_function.compute_loss(flat_obs, returns)
            kl_after = self._compute_kl_constraint(packed)
            dist = self.policy(obs)[0]
            entropy = self._compute_policy_entropy(dist)[valid].mean()
            extra = self._policy_diagnostics(
                dist.log_prob(actions)[valid], old_log_likelihoods[valid]
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
        self._epoch_episodes.append(episodes)
        return np.add.reduceat(
            episodes.rewards, np.cumsum(episodes.lengths) - episodes.lengths
        )

    def _compute_loss(
        self,
        obs: torch.Tensor,
        actions: torch.Tensor,
        advantages: torch.Tensor,
        old_log_likelihoods: torch.Tensor,
    ) -> torch.Tensor:
        """The policy's loss over the valid steps of padded trials.

        Args:
            obs: The trials' observations, packed with their validity
                (the last channel).
            actions: The actions, padded.
            advantages: The advantages, padded.
            old_log_likelihoods: The log-likelihoods under the policy that
                sampled them, padded.

        Returns:
            The loss, a scalar.

        """
        observations, valid = _unpacked(obs)
        dist = self.policy(observations)[0]
        objectives = self._compute_objective(
            dist.log_prob(actions), old_log_likelihoods, advantages
        )
        if self._entropy_method == 'regularized':
            objectives = objectives + (
                self._policy_ent_coeff * self._compute_policy_entropy(dist)
            )
        return -objectives[valid].mean()

    def _compute_kl_constraint(self, obs: torch.Tensor) -> torch.Tensor:
        """The mean KL divergence over the valid steps of padded trials.

        Args:
            obs: The trials' observations, packed with their validity.

        Returns:
            The mean KL divergence from the old policy to the policy.

        """
        observations, valid = _unpacked(obs)
        with torch.no_grad():
            old_dist = self._old_policy(observations)[0]
        new_dist = self.policy(observations)[0]
        kl = torch.distributions.kl.kl_divergence(old_dist, new_dist)
        return kl[valid].mean()

    def _step_entropies(self, episodes: EpisodeBatch, obs: torch.Tensor) -> np.ndarray:
        del obs
        observations, valid = _padded(episodes, episodes.observations)
        entropies = self._compute_policy_entropy(self.policy(observations)[0])
        return entropies[valid].cpu().numpy()


def _trial_step_types(
    episodes: EpisodeBatch, steps: np.ndarray, trial_ends: np.ndarray
) -> np.ndarray:
    """The step types of joined trials.

    Each step keeps its type, except that the last steps of a trial's
    episodes but the last become ``MID``: only the trial's end ends it.
    """
    step_types = episodes.step_types.copy()
    ends = np.cumsum(episodes.lengths) - 1
    inner_ends = np.setdiff1d(ends, trial_ends)
    step_types[inner_ends] = StepType.MID
    return step_types[steps]


def _padded(
    trials: EpisodeBatch, values: np.ndarray
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad per-step values into ``(n_trials, max_length, ...)``.

    Args:
        trials: The trials, one episode each.
        values: One row per step of ``trials``.

    Returns:
        tuple: The padded values (zeros after each trial's end), and the
            mask of the valid steps, ``(n_trials, max_length)``.

    """
    lengths = trials.lengths
    flat = np.asarray(values).reshape(len(values), -1)
    padded = np.zeros((len(lengths), int(lengths.max()), flat.shape[1]), np.float32)
    valid = np.arange(padded.shape[1])[None, :] < lengths[:, None]
    padded[valid] = flat
    tensor = np_to_torch(padded)
    return tensor, torch.as_tensor(valid, device=tensor.device)


def _unpacked(obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split padded observations from their validity channel.

    The validity rides along in the observations' last channel so that
    the optimizers' minibatches of trials keep it with its trials.
    """
    return obs[..., :-1], obs[..., -1] > 0.5


def rl2_adam(module: torch.nn.Module, *, minibatch_size: int) -> OptimizerWrapper:
    """RL2's default optimizer: Adam, learning rate 1e-3, 10 passes.

    Args:
        module: The module to optimise.
        minibatch_size: Trials (for the policy) or steps (for the value
            function) per minibatch.

    Returns:
        The optimizer.

    """
    return OptimizerWrapper(
        (torch.optim.Adam, dict(lr=1e-3)),
        module,
        max_optimization_epochs=10,
        minibatch_size=minibatch_size,
    )
