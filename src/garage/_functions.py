"""Rolling out policies and logging how well they did."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage._dtypes import EpisodeBatch, StepType, observation_array
from garage.np._tensor_dicts import stack_tensor_dict_list

if TYPE_CHECKING:
    from garage._environment import Environment
    from garage.np.policies import Policy


def rollout(
    env: Environment,
    agent: Policy,
    *,
    max_episode_length: int | float | None = math.inf,
    animated: bool = False,
    pause_per_frame: float | None = None,
    deterministic: bool = False,
) -> dict[str, Any]:
    """Sample one episode of an agent in an environment.

    Args:
        env: The environment.
        agent: The policy; ``get_action(observation)`` returns an action and
            a dict of agent information.
        max_episode_length: Stop after this many steps, the last marked
            ``StepType.TIMEOUT``, or only when the episode ends if
            ``math.inf`` (or None).
        animated: Whether to visualize the environment.
        pause_per_frame: Seconds to sleep before each step, or None.
        deterministic: Act in the policy's deterministic mode where it has
            one (``agent.deterministic``, restored afterwards), or else with
            the agent information's ``'mean'`` where it provides one.

    Returns:
        The episode, in the form ``EpisodeBatch.from_list`` takes:
            ``observations``, ``next_observations`` and ``actions`` of
            shape (T, ...) (for a ``Dict`` or ``Tuple`` observation space,
            object arrays of shape (T,) holding the environment's dicts or
            tuples), ``rewards``, ``step_types`` and ``dones`` of
            shape (T,), ``agent_infos`` and ``env_infos`` (dicts of stacked
            arrays), and ``episode_infos`` (the dict ``reset`` returned).

    """
    limit = _validation.episode_limit('max_episode_length', max_episode_length)
    # a policy with a deterministic mode (a torch StochasticPolicy) acts in
    # it, whatever its distribution; others act with agent_info['mean']
    # (the NumPy Policy interface does not declare the mode)
    switchable: Any = agent
    was_deterministic = getattr(agent, 'deterministic', None)
    switch = deterministic and isinstance(was_deterministic, bool)
    if switch:
        switchable.deterministic = True
    try:
        return _rollout(env, agent, limit, animated, pause_per_frame, deterministic)
    finally:
        if switch:
            switchable.deterministic = was_deterministic


def _rollout(
    env: Environment,
    agent: Policy,
    max_episode_length: int | None,
    animated: bool,
    pause_per_frame: float | None,
    deterministic: bool,
) -> dict[str, Any]:
    """`rollout`, with the agent already in the mode it acts in."""
    observations: list[Any] = []
    actions: list[Any] = []
    rewards: list[float] = []
    step_types: list[StepType] = []
    agent_infos: list[dict[str, Any]] = []
    env_infos: list[dict[str, Any]] = []
    agent.reset()
    last_observation, episode_info = env.reset()
    if animated:
        env.visualize()
    step = None
    while max_episode_length is None or len(rewards) < max_episode_length:
        if pause_per_frame is not None:
            time.sleep(pause_per_frame)
        action, agent_info = agent.get_action(last_observation)
        if deterministic and 'mean' in agent_info:
            action = agent_info['mean']
        step = env.step(action)
        observations.append(last_observation)
        actions.append(step.action)
        rewards.append(step.reward)
        step_types.append(step.step_type)
        agent_infos.append(agent_info)
        env_infos.append(step.env_info)
        last_observation = step.observation
        if step.last:
            break
    step_type_array = np.asarray(step_types, dtype=np.int8)
    if step is not None and not step.last:  # cut short by max_episode_length
        step_type_array[-1] = StepType.TIMEOUT
    space = env.spec.observation_space
    return dict(
        episode_infos=episode_info,
        observations=observation_array(space, observations),
        next_observations=observation_array(
            space, [*observations[1:], last_observation]
        ),
        actions=np.asarray(actions),
        rewards=np.asarray(rewards, dtype=np.float64),
        step_types=step_type_array,
        dones=step_type_array == StepType.TERMINAL,
        agent_infos=stack_tensor_dict_list(agent_infos),
        env_infos=stack_tensor_dict_list(env_infos),
    )


def obtain_evaluation_episodes(
    policy: Policy,
    env: Environment,
    max_episode_length: int | float | None = 1000,
    num_eps: int = 100,
    deterministic: bool = True,
) -> EpisodeBatch:
    """Sample episodes of a policy for evaluation.

    Args:
        policy: The policy to evaluate.
        env: The environment.
        max_episode_length: The longest an episode may run; None or
            ``math.inf`` runs each until it ends.
        num_eps: How many episodes to sample.
        deterministic: Act in the policy's deterministic mode where it has
            one (``policy.deterministic``), or else with its mean action
            where it provides one.

    Returns:
        The sampled episodes.

    Raises:
        ValueError: If ``num_eps`` is not positive.

    """
    num_eps = _validation.positive_int('num_eps', num_eps)
    max_episode_length = _validation.episode_limit(
        'max_episode_length', max_episode_length
    )
    episodes = [
        rollout(
            env,
            policy,
            max_episode_length=max_episode_length,
            deterministic=deterministic,
        )
        for _ in range(num_eps)
    ]
    return EpisodeBatch.from_list(env.spec, episodes)


def log_performance(
    itr: int, batch: EpisodeBatch, discount: float, prefix: str = 'Evaluation'
) -> np.ndarray:
    """Record the returns and outcomes of a batch of episodes in dowel.

    Records, under ``prefix/``: ``Iteration``, ``NumEpisodes``,
    ``AverageDiscountedReturn``, ``AverageReturn``, ``StdReturn``,
    ``MaxReturn``, ``MinReturn``, ``AverageEpisodeLength``,
    ``TerminationRate``, and ``SuccessRate`` when the environment reports
    ``env_infos['success']``.

    Args:
        itr: The iteration number.
        batch: The episodes.
        discount: The discount factor.
        prefix: The prefix of the recorded keys.

    Returns:
        The undiscounted return of each episode.

    """
    from garage._dowel import tabular  # imported here: dowel is slow

    starts = np.cumsum(batch.lengths) - batch.lengths
    returns = np.add.reduceat(batch.rewards, starts)
    step_in_episode = np.arange(len(batch.rewards)) - np.repeat(starts, batch.lengths)
    discounted = np.add.reduceat(batch.rewards * discount**step_in_episode, starts)
    terminated = np.logical_or.reduceat(batch.terminals, starts)
    with tabular.prefix(prefix + '/'):
        tabular.record('Iteration', itr)
        tabular.record('NumEpisodes', len(returns))
        tabular.record('AverageDiscountedReturn', np.mean(discounted))
        tabular.record('AverageReturn', np.mean(returns))
        tabular.record('StdReturn', np.std(returns))
        tabular.record('MaxReturn', np.max(returns))
        tabular.record('MinReturn', np.min(returns))
        tabular.record('AverageEpisodeLength', np.mean(batch.lengths))
        tabular.record('TerminationRate', np.mean(terminated))
        if 'success' in batch.env_infos:
            success = np.logical_or.reduceat(
                batch.env_infos['success'].astype(bool), starts
            )
            tabular.record('SuccessRate', np.mean(success))
    return returns


def log_multitask_performance(
    itr: int,
    batch: EpisodeBatch,
    discount: float,
    name_map: dict[int, str] | None = None,
) -> np.ndarray:
    """Record the performance of each task of a multi-task batch in dowel.

    Episodes are grouped by ``env_infos['task_name']``, or else by
    ``env_infos['task_id']`` mapped through ``name_map``, and logged with
    `log_performance` under the task's name; tasks in ``name_map``
    with no episodes are recorded with ``NumEpisodes`` 0 and NaN returns,
    termination and success rates.
    The whole batch is logged under ``Average/``.

    Args:
        itr: The iteration number.
        batch: The episodes.
        discount: The discount factor.
        name_map: Task names by task id, or None.

    Returns:
        The undiscounted return of each episode.

    """
    from garage._dowel import tabular  # imported here: dowel is slow

    starts = np.cumsum(batch.lengths) - batch.lengths
    if 'task_name' in batch.env_infos:
        names = batch.env_infos['task_name'][starts]
    elif 'task_id' in batch.env_infos:
        mapping = name_map or {}
        names = [
            mapping.get(task_id, f'Task #{task_id}')
            for task_id in batch.env_infos['task_id'][starts].tolist()
        ]
    else:
        names = ['__unnamed_task__'] * len(starts)
    episodes = batch.split()
    by_name: dict[str, list[EpisodeBatch]] = {}
    for name, episode in zip(names, episodes, strict=True):
        by_name.setdefault(str(name), []).append(episode)
    task_names = by_name if name_map is None else name_map.values()
    for name in task_names:
        if name in by_name:
            log_performance(
                itr, EpisodeBatch.concatenate(*by_name[name]), discount, prefix=name
            )
            continue
        with tabular.prefix(name + '/'):
            tabular.record('Iteration', itr)
            tabular.record('NumEpisodes', 0)
            for key in (
                'AverageDiscountedReturn',
                'AverageReturn',
                'StdReturn',
                'MaxReturn',
                'MinReturn',
                'AverageEpisodeLength',
                'TerminationRate',
                'SuccessRate',
            ):
                tabular.record(key, np.nan)
    return log_performance(itr, batch, discount=discount, prefix='Average')
