"""The worker that steps several copies of an environment in lockstep."""

import array
import copy
import itertools
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from garage._dtypes import EpisodeBatch, StepType, observation_array
from garage._environment import Environment
from garage._pickling import ENV_FACTORY_ADVICE, explained
from garage._validation import positive_int
from garage.np._tensor_dicts import index_nested_dict
from garage.sampler._collect import concat_infos, stack_env_infos
from garage.sampler._updates import EnvUpdateLike
from garage.sampler.env_update import apply_env_update, check_env_update
from garage.sampler.worker import Worker, paused_gc

_TERMINAL = StepType.TERMINAL  # a global: faster to read than the member


class VecWorker(Worker):
    """Samples episodes in ``n_envs`` copies of an environment in lockstep.

    Every step makes one batched ``agent.get_actions`` call for the
    environments whose episode is running. `rollout` returns one
    whole episode per environment, in environment order: an environment
    whose episode has ended idles until all have. `rollout_steps`,
    which samplers use, starts a new episode in such an environment at
    once until it has the steps asked for, so that every environment stays
    busy and only the last episodes leave some idle. The policy's
    ``get_actions`` must return agent information with one row per
    observation, and its ``reset`` take a boolean mask (``do_resets``).
    A recurrent policy (``policy.recurrent`` True) keeps one state per
    environment: it is called as ``get_actions(observations, rows=running)``
    with the indices of the environments acted for, so that an idle
    environment's state is left alone.

    The environment given to `update_env` is used as the first
    environment and deep-copied for the others; an ``EnvUpdate`` is applied
    to each environment (and its result deep-copied if it returns one
    environment already in use). A list of ``n_envs`` environments or
    updates gives each environment its own, as in the original garage:
    through a sampler, one such list per worker (``envs=[[env_a, env_b]]``
    for one worker of ``n_envs=2``). Environment ``i`` is seeded from the
    worker's seed and ``i``, so the copies do not replay one another.
    Each episode's identity is the worker's number, its environment's
    index and its serial number in that environment.

    Args:
        seed: The sampler's seed, from which the worker derives its own;
            None leaves all random state alone.
        max_episode_length: The longest an episode may run; longer ones
            are cut short, their last step marked ``StepType.TIMEOUT``.
        worker_number: The index of this worker among the sampler's
            workers.
        n_envs: The number of environments.

    Raises:
        ValueError: If ``n_envs`` is not a positive integer.

    Attributes:
        agent: The policy, or None until `update_agent` gives one.

    """

    # samplers let a list of updates, one per environment, through to it
    _takes_env_lists = True

    def __init__(
        self,
        *,
        seed: int | None,
        max_episode_length: int,
        worker_number: int,
        n_envs: int = 8,
    ):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
        )
        self._n_envs = positive_int('n_envs', n_envs)
        self.agent: Any = None
        self._envs: list[Environment] = []
        # the observations the agent acts on next, one row per environment
        self._prev_obs: np.ndarray = np.empty(0)
        self._current_infos: list[dict[str, Any]] = []
        self._running: list[int] = []
        # whether the agent keeps state per row: it is then told the rows
        self._recurrent = False
        self._min_steps = 0
        # batched steps taken since start_episode, and the one at which
        # each environment's episode started
        self._time = 0
        self._starts: list[int] = []
        self._next_cut: int | float = 0  # math.inf when unbounded
        # Sampled steps, in time order: per batched step, the environment
        # indices, observations, actions and agent information ...
        self._batched_steps: list[
            tuple[list[int], np.ndarray, np.ndarray, dict[str, Any]]
        ] = []
        # ... one per environment step ...
        self._rewards = array.array('d')
        self._step_types = bytearray()
        self._env_infos: list[dict[str, Any]] = []
        # ... and, per finished episode (or fragment): (env index, length,
        # whether the worker cut it short, last observation, episode info,
        # episode serial number, fragment number)
        self._ends: list[tuple[int, int, bool, Any, dict[str, Any], int, int]] = []
        # the episodes begun in each environment: the running one's serial
        # number is one less
        self._episodes_begun = [0] * self._n_envs

    @property
    def n_envs(self) -> int:
        """The number of environments."""
        return self._n_envs

    @property
    def envs(self) -> list[Environment]:
        """The environments (empty until `update_env` gives one)."""
        return list(self._envs)

    def update_agent(self, agent_update: Any) -> None:
        """Update the agent.

        Args:
            agent_update: A policy, which replaces the agent; its parameter
                values (a dict, as ``get_param_values`` returns, or an
                array), loaded with ``agent.set_param_values``; or None,
                which keeps the agent.

        Raises:
            ValueError: If parameter values arrive before any policy.
            TypeError: If ``agent_update`` is none of these.

        """
        self.agent = self._updated_agent(self.agent, agent_update)

    def update_env(self, env_update: EnvUpdateLike | Sequence[EnvUpdateLike]) -> None:
        """Update every environment, seeding each new or changed one.

        Args:
            env_update: None keeps the environments; an ``Environment``
                replaces them (it and ``n_envs - 1`` deep copies); an
                ``EnvUpdate`` is applied to each environment; a list (or
                tuple) of exactly ``n_envs`` of these gives each
                environment its own, in order (distinct tasks per
                environment, say), None keeping that environment.

        Raises:
            TypeError: If ``env_update``, or an entry of a list, is none of
                these.
            ValueError: If a list does not have ``n_envs`` entries, or has
                None for an environment the worker does not have yet.

        """
        if env_update is None:
            return
        updates = self._per_env_updates(env_update)
        with self._own_rng():
            envs: list[Environment] = []
            changed: list[bool] = []
            old_envs: list[Environment | None] = [*self._envs] or [None] * self._n_envs
            for i, (old_env, update) in enumerate(zip(old_envs, updates, strict=True)):
                env, was_changed = apply_env_update(old_env, update)
                if env is None:
                    raise ValueError(
                        f'env_update[{i}] is None, but environment {i} does '
                        'not exist yet: the first update of a '
                        f'{type(self).__name__} must give every environment'
                    )
                changed.append(was_changed)
                if any(env is other for other in envs):
                    env = explained(
                        copy.deepcopy,
                        env,
                        'env',
                        f'the environment that {type(self).__name__} copies '
                        'for each of its environments',
                        ENV_FACTORY_ADVICE,
                    )
                envs.append(env)
            self._n_env_updates += 1
            for i, env in enumerate(envs):
                if changed[i]:
                    self._seed_new_env(env, i)
            self._envs = envs

    def _per_env_updates(
        self, env_update: EnvUpdateLike | Sequence[EnvUpdateLike]
    ) -> list[EnvUpdateLike]:
        """One update per environment, from one update or a list of them.

        Args:
            env_update: One update for every environment, or a list (or
                tuple) of one per environment.

        Returns:
            ``n_envs`` updates, in environment order.

        Raises:
            ValueError: If a list does not have ``n_envs`` entries.

        """
        if not isinstance(env_update, (list, tuple)):
            # not a list: one update (or a wrong kind apply_env_update names)
            return [cast(EnvUpdateLike, env_update)] * self._n_envs
        if len(env_update) != self._n_envs:
            raise ValueError(
                f'env_update is a list of {len(env_update)} entries, but '
                f'this {type(self).__name__} has n_envs={self._n_envs} '
                f'environments; pass exactly {self._n_envs} entries, one per '
                'environment, or a single update for all of them'
            )
        for i, update in enumerate(env_update):
            check_env_update(update, f'env_update[{i}]')
        return list(env_update)

    def start_episode(self) -> None:
        """Reset every environment, and the agent, for new episodes.

        Episodes left unfinished (by an exception, say) are dropped, with
        everything not yet collected.
        """
        if self._running:
            self._clear()
        observations, self._current_infos = [], []
        for env in self._envs:
            observation, episode_info = env.reset()
            observations.append(observation)
            self._current_infos.append(episode_info)
        self._prev_obs = observation_array(
            self._envs[0].spec.observation_space, observations
        )
        self._episodes_begun = [n + 1 for n in self._episodes_begun]
        self._time = 0
        self._starts = [0] * self._n_envs
        self._next_cut = self._max_episode_length
        self._running = list(range(self._n_envs))
        self._recurrent = bool(getattr(self.agent, 'recurrent', False))
        self.agent.reset(np.ones(self._n_envs, dtype=bool))

    def step_episode(self) -> bool:
        """Take one step in every environment whose episode is running.

        An environment whose episode ends starts a new one straight away
        while fewer steps than `rollout_steps` asked for have been
        sampled, and otherwise idles.

        Returns:
            True when every environment's episode is over.

        Raises:
            ValueError: If ``get_actions`` did not return one action per
                observation.

        """
        running = self._running
        prev_obs = self._prev_obs
        # rows written in place: stacking a list of arrays costs more
        if len(running) == self._n_envs:
            observations = prev_obs.copy()
        else:
            observations = prev_obs[running]
        if self._recurrent:
            # the policy steps the state of these rows only
            actions, agent_infos = self.agent.get_actions(observations, rows=running)
        else:
            actions, agent_infos = self.agent.get_actions(observations)
        if len(actions) != len(running):
            raise ValueError(
                f'get_actions returned {len(actions)} actions for '
                f'{len(running)} observations'
            )
        self._batched_steps.append((running, observations, actions, agent_infos))
        envs = self._envs
        # the fields kept, not the EnvSteps: their memory is reused at once
        add_reward = self._rewards.append
        add_step_type = self._step_types.append
        add_env_info = self._env_infos.append
        ended = {}
        for j, i in enumerate(running):
            env_step = envs[i].step(actions[j])
            add_reward(env_step.reward)
            add_env_info(env_step.env_info)
            step_type = env_step.step_type
            add_step_type(step_type)
            if step_type >= _TERMINAL:
                ended[i] = env_step.observation
            else:
                prev_obs[i] = env_step.observation
        self._time += 1
        if ended or self._time >= self._next_cut:
            self._end_episodes(ended)
        return not self._running

    def _end_episodes(self, ended: dict[int, Any]) -> None:
        """Record the episodes that ended, and restart or idle their envs.

        Episodes end when the environment says so (``ended``) or when they
        reach the longest length allowed. Their environments start new
        episodes while fewer steps than `rollout_steps` asked for have
        been sampled, and otherwise idle.

        Args:
            ended: The last observation of each environment whose step
                was ``TERMINAL`` or ``TIMEOUT`` in this step, by index.

        """
        running, starts, time = self._running, self._starts, self._time
        begun = self._episodes_begun
        finished = []
        for i in running:
            length = time - starts[i]
            if i in ended:
                last, truncated = ended[i], False
            elif length >= self._max_episode_length:
                # a copy of a row, or the dict (tuple) of a Dict (Tuple) space
                last, truncated = copy.copy(self._prev_obs[i]), True
            else:
                continue
            self._ends.append(
                (i, length, truncated, last, self._current_infos[i], begun[i] - 1, 0)
            )
            finished.append(i)
        if len(self._rewards) < self._min_steps:
            for i in finished:
                self._prev_obs[i], self._current_infos[i] = self._envs[i].reset()
                begun[i] += 1
                starts[i] = time
            mask = np.zeros(self._n_envs, dtype=bool)
            mask[finished] = True
            self.agent.reset(mask)
        else:
            self._running = running = [i for i in running if i not in finished]
        self._next_cut = (
            min(starts[i] for i in running) + self._max_episode_length if running else 0
        )

    def collect_episode(self) -> EpisodeBatch:
        """Collect the episodes completed since the last collection.

        Returns:
            The episodes, grouped by environment in environment order.

        Raises:
            RuntimeError: If no episode was completed, or some are still in
                progress.

        """
        if self._running or not self._ends:
            raise RuntimeError(
                f'collect_episode() needs whole episodes: {len(self._ends)} '
                f'were completed and {len(self._running)} are still running; '
                'step until step_episode() returns True'
            )
        return self._collect()

    def rollout(self) -> EpisodeBatch:
        """Sample one whole episode in each environment.

        Returns:
            ``n_envs`` episodes, in environment order.

        """
        return self.rollout_steps(0)

    def rollout_steps(self, min_steps: int) -> EpisodeBatch:
        """Sample whole episodes, at least ``min_steps`` steps in all.

        Every environment runs at least one episode. Until ``min_steps``
        steps are sampled, an environment whose episode ends starts
        another at once; after that, it idles while the running episodes
        finish.

        Args:
            min_steps: The least number of steps to sample.

        Returns:
            The episodes, grouped by environment in environment order,
            each environment's in the order they ran.

        """
        with self._own_rng(), paused_gc():
            self._min_steps = min_steps
            try:
                self.start_episode()
                while not self.step_episode():
                    pass
            finally:
                self._min_steps = 0
            return self.collect_episode()

    def shutdown(self) -> None:
        """Close the environments."""
        for env in self._envs:
            env.close()

    def _collect(self) -> EpisodeBatch:
        """Turn the sampled steps into a batch, grouped by environment.

        Steps are stored in time order; a stable sort by environment index
        groups each environment's steps, in time order, and the episode
        (fragment) ends are sorted the same way.

        Returns:
            The batch of the episodes (fragments) in ``self._ends``.

        Raises:
            ValueError: If the agent information of ``get_actions`` did not
                have one row per observation.

        """
        n_steps = len(self._rewards)
        indices, observations, actions, agent_infos = zip(
            *self._batched_steps, strict=True
        )
        # small integer keys: numpy's stable sort is then a radix sort
        env_indices = np.fromiter(
            itertools.chain.from_iterable(indices),
            dtype=np.min_scalar_type(self._n_envs - 1),
            count=n_steps,
        )
        order = np.argsort(env_indices, kind='stable')
        agent_infos = concat_infos(list(agent_infos))
        _check_rows(agent_infos, n_steps)
        step_types = np.frombuffer(self._step_types, dtype=np.int8)[order]
        ends = sorted(self._ends, key=lambda end: end[0])
        lengths = np.asarray([end[1] for end in ends], dtype=np.int64)
        truncated = [end[2] for end in ends]
        step_types[(np.cumsum(lengths) - 1)[truncated]] = StepType.TIMEOUT
        spec = self._envs[0].spec
        batch = EpisodeBatch(
            env_spec=spec,
            episode_infos=stack_env_infos([end[4] for end in ends]),
            observations=index_nested_dict(np.concatenate(observations), order),
            last_observations=observation_array(
                spec.observation_space, [end[3] for end in ends]
            ),
            actions=index_nested_dict(np.concatenate(actions), order),
            rewards=np.frombuffer(self._rewards)[order],
            env_infos=stack_env_infos(
                list(map(self._env_infos.__getitem__, order.tolist()))
            ),
            agent_infos=index_nested_dict(agent_infos, order),
            step_types=step_types,
            lengths=lengths,
            identities=EpisodeBatch.make_identities(
                worker=self._worker_number,
                env=[end[0] for end in ends],
                episode=[end[5] for end in ends],
                fragment=[end[6] for end in ends],
            ),
        )
        self._clear()
        return batch

    def _clear(self) -> None:
        self._batched_steps = []
        self._rewards = array.array('d')
        self._step_types = bytearray()
        self._env_infos = []
        self._ends = []


def _check_rows(
    agent_infos: dict[str, Any], n_rows: int, path: str = 'agent_info'
) -> None:
    """Check every agent information array has one row per observation."""
    for key, value in agent_infos.items():
        if isinstance(value, dict):
            _check_rows(value, n_rows, f'{path}[{key!r}]')
        elif len(value) != n_rows:
            raise ValueError(
                f'{path}[{key!r}] from get_actions has {len(value)} rows in '
                f'all, but the policy was given {n_rows} observations; '
                'get_actions must return agent information with one row '
                'per observation'
            )
