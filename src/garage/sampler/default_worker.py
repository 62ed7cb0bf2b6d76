"""The worker that samples one episode at a time in one environment."""

from typing import Any

import numpy as np

from garage._dtypes import EpisodeBatch, StepType, observation_array
from garage._environment import Environment
from garage.sampler._collect import stack_env_infos, stack_infos
from garage.sampler._updates import EnvUpdateLike
from garage.sampler.env_update import apply_env_update
from garage.sampler.worker import Worker, paused_gc

_NOT_READY = (
    'the worker needs an environment and an agent before it samples: '
    'call update_env and update_agent first'
)


class DefaultWorker(Worker):
    """Samples whole episodes of one agent in one environment.

    `rollout` samples one episode. The step loop only appends to
    lists; arrays are built once per collection, in `collect_episode`.
    Each episode's identity is the worker's number, environment 0 and the
    episode's serial number, counted over the worker's collections.

    Args:
        seed: The sampler's seed, from which the worker derives its own;
            None leaves all random state alone.
        max_episode_length: The longest an episode may run; longer ones
            are cut short, their last step marked ``StepType.TIMEOUT``.
        worker_number: The index of this worker among the sampler's
            workers.

    Attributes:
        agent: The policy, or None until `update_agent` gives one.
        env: The environment, or None until `update_env` gives one.

    """

    def __init__(
        self, *, seed: int | None, max_episode_length: int, worker_number: int
    ):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
        )
        self.agent: Any = None
        self.env: Environment | None = None
        self._prev_obs: Any = None
        self._episode_info: dict[str, Any] = {}
        self._eps_length = 0
        # per step: observation, agent info, action, reward, step type and
        # env info; arrays are built from these once per collection
        self._steps: list[tuple[Any, ...]] = []
        self._lengths: list[int] = []
        self._truncated: list[bool] = []
        self._last_observations: list[Any] = []
        self._episode_infos: list[dict[str, Any]] = []
        # the serial number of the next episode collected
        self._next_episode = 0

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

    def update_env(self, env_update: EnvUpdateLike) -> None:
        """Update the environment, seeding a new or changed one.

        Args:
            env_update: None keeps the environment; an ``Environment``
                replaces it (the old one is closed); an ``EnvUpdate`` is
                called with the old environment and returns the new one.

        Raises:
            TypeError: If ``env_update`` is none of these.

        """
        if env_update is None:
            return
        with self._own_rng():
            env, _ = apply_env_update(self.env, env_update)
            self._n_env_updates += 1
            self._seed_new_env(env)
            self.env = env

    def start_episode(self) -> None:
        """Reset the environment and the agent for a new episode.

        The steps of an episode left unfinished (by an exception, say) are
        dropped.

        Raises:
            RuntimeError: If the worker has no environment or no agent yet.

        """
        self._reset_env()
        self.agent.reset()

    def _reset_env(self) -> None:
        """Reset the environment (not the agent) for a new episode.

        Raises:
            RuntimeError: If the worker has no environment or no agent yet.

        """
        if self.env is None or self.agent is None:
            raise RuntimeError(_NOT_READY)
        del self._steps[sum(self._lengths) :]
        self._eps_length = 0
        self._prev_obs, self._episode_info = self.env.reset()

    def step_episode(self) -> bool:
        """Take one step of the current episode.

        Returns:
            True when the episode is over: the environment ended it, or it
                reached ``max_episode_length``, which makes the last step a
                ``TIMEOUT``. Call `start_episode` before stepping
                again.

        Raises:
            RuntimeError: If the worker has no environment yet.

        """
        env = self.env
        if env is None:
            raise RuntimeError(_NOT_READY)
        action, agent_info = self.agent.get_action(self._prev_obs)
        env_step = env.step(action)
        # the fields, not the EnvStep: its memory is reused at once
        self._steps.append(
            (
                self._prev_obs,
                agent_info,
                env_step.action,
                env_step.reward,
                env_step.step_type,
                env_step.env_info,
            )
        )
        self._prev_obs = env_step.observation
        self._eps_length += 1
        if env_step.last or self._eps_length >= self._max_episode_length:
            self._lengths.append(self._eps_length)
            self._truncated.append(not env_step.last)
            self._last_observations.append(self._prev_obs)
            self._episode_infos.append(self._episode_info)
            return True
        return False

    def collect_episode(self) -> EpisodeBatch:
        """Collect the episodes completed since the last collection.

        Returns:
            The episodes.

        Raises:
            RuntimeError: If no episode was completed, or one is still in
                progress.

        """
        steps = self._steps
        lengths = np.asarray(self._lengths, dtype=np.int64)
        if self.env is None or not self._lengths or len(steps) != lengths.sum():
            raise RuntimeError(
                f'collect_episode() needs whole episodes: {len(lengths)} were '
                f'completed and {len(steps) - lengths.sum()} steps belong to '
                'one still in progress; step until step_episode() returns '
                'True'
            )
        (observations, agent_infos, actions, rewards, step_type_members, env_infos) = (
            zip(*steps, strict=True)
        )
        # fromiter converts StepType members twice as fast as asarray
        step_types = np.fromiter(step_type_members, dtype=np.int8, count=len(steps))
        step_types[(np.cumsum(lengths) - 1)[self._truncated]] = StepType.TIMEOUT
        first = self._next_episode
        spec = self.env.spec
        batch = EpisodeBatch(
            env_spec=spec,
            episode_infos=stack_env_infos(self._episode_infos),
            observations=observation_array(spec.observation_space, observations),
            last_observations=observation_array(
                spec.observation_space, self._last_observations
            ),
            actions=np.asarray(actions),
            rewards=np.asarray(rewards, dtype=np.float64),
            env_infos=stack_env_infos(list(env_infos)),
            agent_infos=stack_infos(list(agent_infos)),
            step_types=step_types,
            lengths=lengths,
            identities=EpisodeBatch.make_identities(
                worker=self._worker_number,
                env=0,
                episode=np.arange(first, first + len(lengths)),
            ),
        )
        self._next_episode += len(lengths)
        self._steps = []
        self._lengths = []
        self._truncated = []
        self._last_observations = []
        self._episode_infos = []
        return batch

    def rollout(self) -> EpisodeBatch:
        """Sample one whole episode with the worker's random state.

        Returns:
            The episode.

        """
        return self.rollout_steps(1)

    def rollout_steps(self, min_steps: int) -> EpisodeBatch:
        """Sample whole episodes until at least ``min_steps`` steps.

        The episodes go into one batch, built once at the end.

        Args:
            min_steps: The least number of steps to sample.

        Returns:
            The episodes, in the order they ran.

        """
        with self._own_rng(), paused_gc():
            self.start_episode()
            while True:
                while not self.step_episode():
                    pass
                if len(self._steps) >= min_steps:
                    return self.collect_episode()
                self.start_episode()

    def shutdown(self) -> None:
        """Close the environment."""
        if self.env is not None:
            self.env.close()
