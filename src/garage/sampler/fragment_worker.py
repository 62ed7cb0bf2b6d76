"""The worker that returns fragments of episodes that go on across calls."""

import copy
from collections.abc import Sequence

import numpy as np

from garage._dtypes import EpisodeBatch
from garage._validation import positive_int
from garage.sampler._updates import EnvUpdateLike
from garage.sampler.vec_worker import VecWorker
from garage.sampler.worker import Worker


class FragmentWorker(VecWorker):
    """Steps ``n_envs`` environments a few steps per call, episodes going on.

    Each `rollout` steps every environment ``timesteps_per_call``
    times and returns what was sampled as fragments of episodes: for each
    environment in order, the part of an episode that ended during the
    call (last step ``TERMINAL`` or ``TIMEOUT``), then the part of the
    episode still running (its last step ``MID``, or ``FIRST``, and its
    ``last_observations`` entry the observation the next call continues
    from). An environment whose episode ends is reset at once and its next
    fragment begins. Off-policy algorithms sample this way, a few steps
    between updates. Each fragment's identity names its environment, its
    episode's serial number in that environment and its fragment number
    (0 for an episode's first), by which ``VPG`` joins the fragments.

    Args:
        seed: The sampler's seed, from which the worker derives its own;
            None leaves all random state alone.
        max_episode_length: The longest an episode may run; longer ones
            are cut short, their last step marked ``StepType.TIMEOUT``.
        worker_number: The index of this worker among the sampler's
            workers.
        n_envs: The number of environments.
        timesteps_per_call: The steps each environment takes per
            `rollout`.

    Raises:
        ValueError: If ``n_envs`` or ``timesteps_per_call`` is not a
            positive integer.

    Attributes:
        agent: The policy, or None until `update_agent` gives one.

    """

    def __init__(
        self,
        *,
        seed: int | None,
        max_episode_length: int,
        worker_number: int,
        n_envs: int = 8,
        timesteps_per_call: int = 1,
    ):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
            n_envs=n_envs,
        )
        self._timesteps_per_call = positive_int(
            'timesteps_per_call', timesteps_per_call
        )
        self._all_envs = list(range(self._n_envs))
        self._eps_lengths: list[int] = []
        self._fragment_lengths: list[int] = []
        # which fragment of its episode each environment is sampling
        self._fragment_numbers: list[int] = []
        self._needs_start = True

    @property
    def timesteps_per_call(self) -> int:
        """The steps each environment takes per `rollout`."""
        return self._timesteps_per_call

    def update_env(self, env_update: EnvUpdateLike | Sequence[EnvUpdateLike]) -> None:
        """Update every environment; new episodes start at the next rollout.

        Args:
            env_update: None keeps the environments and their episodes; an
                ``Environment`` replaces them (it and ``n_envs - 1`` deep
                copies); an ``EnvUpdate`` is applied to each environment; a
                list (or tuple) of exactly ``n_envs`` of these gives each
                environment its own, in order.

        Raises:
            TypeError: If ``env_update``, or an entry of a list, is none of
                these.
            ValueError: If a list does not have ``n_envs`` entries, or has
                None for an environment the worker does not have yet.

        """
        super().update_env(env_update)
        if env_update is not None:
            self._needs_start = True

    def start_episode(self) -> None:
        """Start new episodes in every environment.

        Fragments not yet collected are dropped.
        """
        self._clear()
        super().start_episode()
        self._eps_lengths = [0] * self._n_envs
        self._fragment_lengths = [0] * self._n_envs
        self._fragment_numbers = [0] * self._n_envs

    def step_episode(self) -> bool:
        """Take one step in every environment.

        An environment whose episode ends is reset, and the agent reset for
        it.

        Returns:
            True if any environment's episode ended.

        """
        prev_obs = self._prev_obs
        observations = prev_obs.copy()
        actions, agent_infos = self.agent.get_actions(observations)
        self._batched_steps.append((self._all_envs, observations, actions, agent_infos))
        ended = np.zeros(self._n_envs, dtype=bool)
        for i, (action, env) in enumerate(zip(actions, self._envs, strict=True)):
            env_step = env.step(action)
            self._rewards.append(env_step.reward)
            self._step_types.append(env_step.step_type)
            self._env_infos.append(env_step.env_info)
            length = self._eps_lengths[i] + 1
            self._fragment_lengths[i] += 1
            if env_step.last or length >= self._max_episode_length:
                self._ends.append(
                    (
                        i,
                        self._fragment_lengths[i],
                        not env_step.last,
                        env_step.observation,
                        self._current_infos[i],
                        self._episodes_begun[i] - 1,
                        self._fragment_numbers[i],
                    )
                )
                ended[i] = True
                self._eps_lengths[i] = 0
                self._fragment_lengths[i] = 0
                self._fragment_numbers[i] = 0
                prev_obs[i], self._current_infos[i] = env.reset()
                self._episodes_begun[i] += 1
            else:
                self._eps_lengths[i] = length
                prev_obs[i] = env_step.observation
        if ended.any():
            self.agent.reset(ended)
            return True
        return False

    def collect_episode(self) -> EpisodeBatch:
        """Collect the fragments sampled since the last collection.

        Returns:
            The fragments, grouped by environment in environment order.

        Raises:
            RuntimeError: If nothing was sampled since the last collection.

        """
        for i, length in enumerate(self._fragment_lengths):
            if length:
                self._ends.append(
                    (
                        i,
                        length,
                        False,
                        copy.copy(self._prev_obs[i]),
                        self._current_infos[i],
                        self._episodes_begun[i] - 1,
                        self._fragment_numbers[i],
                    )
                )
                self._fragment_lengths[i] = 0
                self._fragment_numbers[i] += 1
        if not self._ends:
            raise RuntimeError(
                'collect_episode() found no steps sampled '
                'since the last collection; call '
                'step_episode() first'
            )
        return self._collect()

    def rollout(self) -> EpisodeBatch:
        """Step every environment ``timesteps_per_call`` times.

        Returns:
            The fragments sampled, grouped by environment.

        """
        with self._own_rng():
            if self._needs_start:
                self.start_episode()
            # if stepping fails, the next rollout starts afresh
            self._needs_start = True
            for _ in range(self._timesteps_per_call):
                self.step_episode()
            batch = self.collect_episode()
            self._needs_start = False
            return batch

    def rollout_steps(self, min_steps: int) -> EpisodeBatch:
        """Repeat `rollout` until at least ``min_steps`` steps.

        Args:
            min_steps: The least number of steps to sample.

        Returns:
            The fragments sampled, each rollout's grouped by environment.

        """
        return Worker.rollout_steps(self, min_steps)
