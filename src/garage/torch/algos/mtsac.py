"""Multi-task soft actor-critic (MTSAC): SAC with one temperature per task."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from garage import _validation
from garage._dowel import tabular
from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._functions import log_multitask_performance, obtain_evaluation_episodes
from garage.experiment.meta_evaluator import _with_task_id
from garage.torch.algos.sac import SAC

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec
    from garage.replay_buffer import ReplayBuffer
    from garage.sampler import Sampler
    from garage.torch.policies import Policy


class MTSAC(SAC):
    r"""Soft actor-critic for several tasks, with one temperature per task.

    The same as `SAC` but for "disentangled alphas": each task has its
    own entropy weight `α_k`, tuned towards the same target entropy
    on that task's transitions only. The task of an observation is read
    from its last ``num_tasks`` entries, a one-hot encoding of the task's
    index (as ``TaskOnehotWrapper``, ``MultiEnvWrapper(mode='add-onehot')``
    and ``MetaWorldTaskSampler(add_env_onehot=True)`` append), so that
    the temperature of a sample is `α = exp(onehot · log α)`; it
    weights the entropy in the Q-functions' targets and in the policy's
    loss of that sample. With ``num_tasks=1`` no one-hot is needed (the
    original garage's MT1 examples append none): the one temperature serves
    every sample, as in `SAC`.

    Each epoch the deterministic policy is evaluated on every environment of
    ``eval_env`` and the episodes are logged per task with
    `garage.log_multitask_performance` (success rates included when the
    environments report ``env_infos['success']``, as MetaWorld's do), by
    their ``task_name`` or ``task_id`` env info, or else by the index of
    their environment in ``eval_env``.

    Args:
        policy: The policy (``TanhGaussianMLPPolicy``).
        qf1: The first Q-function.
        qf2: The second Q-function.
        replay_buffer: The replay buffer.
        env_spec: The specification of the environment.
        sampler: The sampler.
        num_tasks: The number of tasks, the length of the one-hot.
        eval_env: The evaluation environments, one per task (a single
            environment is taken as a list of one).
        gradient_steps_per_itr: Gradient steps per iteration.
        max_episode_length_eval: The longest evaluation episode; None
            takes ``env_spec.max_episode_length``.
        fixed_alpha: A fixed entropy weight for every task; None tunes
            them.
        target_entropy: The entropy target of every task; None takes minus
            the action dimension.
        initial_log_entropy: The initial `log α` of every task when
            tuning.
        discount: The discount factor.
        buffer_batch_size: Transitions per gradient step.
        min_buffer_size: Transitions stored before training starts.
        target_update_tau: The interpolation weight of target updates.
        policy_lr: The learning rate of the policy and of the
            temperatures.
        qf_lr: The learning rate of the Q-functions.
        reward_scale: The factor of the rewards.
        optimizer: The optimizer class, or a ``(class, args)`` tuple.
        steps_per_epoch: Iterations per epoch.
        num_evaluation_episodes: Evaluation episodes per environment of
            ``eval_env`` per epoch.
        use_deterministic_evaluation: Evaluate the policy's mean action
            rather than samples.

    Raises:
        ValueError: If an option is out of range, ``eval_env`` is empty or
            is not an environment or a list of them, or the observations
            are too short to end in a one-hot of ``num_tasks`` (more than
            one) entries.

    """

    def __init__(
        self,
        policy: 'Policy',
        qf1: nn.Module,
        qf2: nn.Module,
        replay_buffer: 'ReplayBuffer',
        env_spec: 'EnvSpec',
        sampler: 'Sampler | None' = None,
        *,
        num_tasks: int,
        eval_env: Sequence[Environment] | Environment,
        gradient_steps_per_itr: int,
        max_episode_length_eval: int | None = None,
        fixed_alpha: float | None = None,
        target_entropy: float | None = None,
        initial_log_entropy: float = 0.0,
        discount: float = 0.99,
        buffer_batch_size: int = 64,
        min_buffer_size: int | float = int(1e4),
        target_update_tau: float = 5e-3,
        policy_lr: float = 3e-4,
        qf_lr: float = 3e-4,
        reward_scale: float = 1.0,
        optimizer: Any = torch.optim.Adam,
        steps_per_epoch: int = 1,
        num_evaluation_episodes: int = 5,
        use_deterministic_evaluation: bool = True,
    ):
        num_tasks = _validation.positive_int('num_tasks', num_tasks)
        eval_envs = _eval_env_list(eval_env)
        obs_dim = int(np.prod(env_spec.observation_space.shape))
        if num_tasks > 1 and obs_dim <= num_tasks:
            raise ValueError(
                f'the observations must end in a one-hot of num_tasks={num_tasks} '
                f'entries after the state, but have only {obs_dim} entries'
            )
        # SAC sizes log(alpha) by _log_alpha_shape, which needs num_tasks
        self._num_tasks = num_tasks
        super().__init__(
            env_spec,
            policy,
            qf1,
            qf2,
            replay_buffer,
            sampler,
            max_episode_length_eval=max_episode_length_eval,
            gradient_steps_per_itr=gradient_steps_per_itr,
            fixed_alpha=fixed_alpha,
            target_entropy=target_entropy,
            initial_log_entropy=initial_log_entropy,
            discount=discount,
            buffer_batch_size=buffer_batch_size,
            min_buffer_size=min_buffer_size,
            target_update_tau=target_update_tau,
            policy_lr=policy_lr,
            qf_lr=qf_lr,
            reward_scale=reward_scale,
            optimizer=optimizer,
            steps_per_epoch=steps_per_epoch,
            num_evaluation_episodes=num_evaluation_episodes,
            eval_env=eval_envs[0],
            use_deterministic_evaluation=use_deterministic_evaluation,
        )
        self._eval_envs = eval_envs

    @property
    def num_tasks(self) -> int:
        """The number of tasks."""
        return self._num_tasks

    def _log_alpha_shape(self) -> tuple[int, ...]:
        r"""One `log α` per task."""
        return (self._num_tasks,)

    def _log_alphas(self, observations: torch.Tensor) -> torch.Tensor:
        r"""The `log α` of each observation's task.

        Args:
            observations: A batch of observations, shape ``(N, O)``, whose
                last ``num_tasks`` entries are a one-hot of the task.

        Returns:
            One `log α` per observation, shape ``(N,)``.

        Raises:
            ValueError: If the observations are too short.

        """
        if self._num_tasks == 1:
            return self._log_alpha.expand(len(observations))
        if observations.shape[-1] <= self._num_tasks:
            raise ValueError(
                f'observations of {observations.shape[-1]} entries cannot end '
                f'in a one-hot of num_tasks={self._num_tasks} entries after '
                f'the state'
            )
        one_hots = observations[:, -self._num_tasks :]
        return one_hots @ self._log_alpha

    def _evaluate_policy(self, epoch: int) -> float:
        """Evaluate the policy on each environment; log each task's results.

        Args:
            epoch: The epoch.

        Returns:
            The average undiscounted return over all tasks' episodes.

        """
        batches = [
            _with_task_id(
                obtain_evaluation_episodes(
                    self.policy,
                    env,
                    self._max_episode_length_eval,
                    num_eps=self._num_evaluation_episodes,
                    deterministic=self._deterministic_evaluation,
                ),
                index,
            )
            for index, env in enumerate(self._eval_envs)
        ]
        returns = log_multitask_performance(
            epoch, EpisodeBatch.concatenate(*batches), discount=self.discount
        )
        return float(np.mean(returns))

    def _log_statistics(self) -> None:
        """Record SAC's statistics and each task's temperature."""
        super()._log_statistics()
        alphas = self._log_alpha.detach().exp().cpu().tolist()
        for task, alpha in enumerate(alphas):
            tabular.record(f'AlphaTemperature/task_{task}', alpha)


def _eval_env_list(eval_env: Sequence[Environment] | Environment) -> list[Environment]:
    """Check the evaluation environments.

    Args:
        eval_env: One environment or a sequence of them.

    Returns:
        The environments, as a list.

    Raises:
        ValueError: If there is none, or one is not an ``Environment``.

    """
    if isinstance(eval_env, Environment):
        return [eval_env]
    _validation.instance_of('eval_env', eval_env, (list, tuple))
    envs = list(eval_env)
    if not envs:
        raise ValueError('eval_env must hold at least one environment, got none')
    for i, env in enumerate(envs):
        _validation.instance_of(f'eval_env[{i}]', env, Environment)
    return envs
