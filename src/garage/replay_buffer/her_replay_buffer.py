"""Hindsight Experience Replay (HER): a replay buffer that relabels goals."""

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro
from garage.replay_buffer.path_buffer import PathBuffer

#: The ways of choosing the goals of relabelled transitions.
REPLAY_STRATEGIES = ('future', 'final')


class HERReplayBuffer(PathBuffer):
    """A path buffer that adds hindsight transitions with relabelled goals.

    Hindsight Experience Replay (Andrychowicz et al., 2017) learns a
    goal-reaching task with sparse rewards by storing, beside each real
    transition, copies of it whose goal is one the episode did reach.
    The observations must be dicts of a goal-conditioned
    ``akro.Dict`` space, as Gymnasium-Robotics gives them, with the keys
    ``'achieved_goal'`` (the goal the state reaches), ``'desired_goal'``
    (the goal of the episode) and usually ``'observation'``.

    Each path added (`add_path`, or each episode of `add_episode_batch`)
    is stored as it is, then the hindsight transitions, each as a path of
    its own:

    * ``'future'`` (the default, and the original garage's only strategy):
      for each transition but the last, ``replay_k`` copies whose goal is
      the achieved goal of an observation drawn uniformly from the later
      observations of the same path (``observations[t + 1:]``), so a path
      of `T` steps adds ``replay_k * (T - 1)`` transitions;
    * ``'final'``: for each transition, one copy (none when ``replay_k`` is
      0) whose goal is the goal achieved at the end of the path (the
      achieved goal of its last ``next_observation``): `T` transitions.

    A copy has the new goal as the ``desired_goal`` of its observation and
    of its next observation, the reward ``reward_fn(achieved_goal,
    goal, None)`` of the achieved goal of its next observation, and is never
    ``TERMINAL`` (``MID`` where the real step was), as in the original;
    other stored keys are copied. Like every ``PathBuffer``, it stores
    observations flattened: the space's keys in sorted order
    (``achieved_goal``, ``desired_goal``, ``observation``), which is also
    the vector the policy and Q-function of DDPG see.

    `add_episode_batch` joins the fragments of episodes that a
    ``FragmentWorker`` samples, by their identity, and stores each
    episode once it has ended, so hindsight goals always come from the
    whole episode. Sampling draws from the buffer's generator, as do the
    hindsight goals: a pickled buffer, with its ``reward_fn`` and the
    fragments of unfinished episodes, resumes exactly (snapshots pickle
    with cloudpickle, which takes lambdas and bound methods).

    Args:
        replay_k: Hindsight transitions per real transition (``'future'``);
            0 adds none.
        reward_fn: The reward of an achieved goal for a desired goal, called
            as ``reward_fn(achieved_goal, desired_goal, info)`` with arrays
            of the goal's shape and ``info=None``, such as a
            Gymnasium-Robotics environment's ``unwrapped.compute_reward``.
        capacity_in_transitions: The most transitions the buffer holds,
            hindsight ones included.
        env_spec: The specification of the environment.
        replay_strategy: ``'future'`` or ``'final'``.
        rng: The generator to sample with, or a seed for one (see
            ``PathBuffer``).

    Raises:
        ValueError: If ``replay_k`` is not a non-negative integer,
            ``replay_strategy`` is unknown, or the observation space is not
            an ``akro.Dict`` with ``'achieved_goal'`` and ``'desired_goal'``
            of one size.
        ArgumentTypeError: If ``reward_fn`` is not callable or ``env_spec``
            not an ``EnvSpec``.

    """

    def __init__(
        self,
        replay_k: int,
        reward_fn: Callable[[np.ndarray, np.ndarray, Any], Any],
        capacity_in_transitions: int,
        env_spec: EnvSpec,
        *,
        replay_strategy: str = 'future',
        rng: np.random.Generator | int | None = None,
    ):
        self._replay_k = _validation.non_negative_int('replay_k', replay_k)
        if not callable(reward_fn):
            raise _validation.ArgumentTypeError(
                f'reward_fn must be callable, not {type(reward_fn).__name__}'
            )
        self._reward_fn = reward_fn
        self._replay_strategy = _validation.one_of(
            'replay_strategy', replay_strategy, REPLAY_STRATEGIES
        )
        _validation.instance_of('env_spec', env_spec, EnvSpec)
        self._achieved, self._desired = _goal_slices(env_spec.observation_space)
        super().__init__(capacity_in_transitions, env_spec, rng=rng)
        # imported here: garage.torch.algos imports this package
        from garage.torch.algos._fragments import FragmentJoiner

        self._joiner = FragmentJoiner()

    @property
    def replay_k(self) -> int:
        """Hindsight transitions per real transition."""
        return self._replay_k

    @property
    def replay_strategy(self) -> str:
        """``'future'`` or ``'final'``."""
        return self._replay_strategy

    @property
    def reward_fn(self) -> Callable[[np.ndarray, np.ndarray, Any], Any]:
        """The reward function of hindsight transitions."""
        return self._reward_fn

    def add_episode_batch(self, episodes: EpisodeBatch) -> None:
        """Add each episode that ended, with its hindsight transitions.

        Fragments of an episode still running are kept until it ends (see
        the class).

        Args:
            episodes: The episodes, or fragments of them.

        Raises:
            ValueError: If the batch's spaces differ from the buffer's, or
                an episode is longer than the capacity.

        """
        spec = self._env_spec
        assert spec is not None
        if episodes.env_spec is not spec and (
            episodes.env_spec.observation_space != spec.observation_space
            or episodes.env_spec.action_space != spec.action_space
        ):
            raise ValueError(
                f'the episodes come from an environment with '
                f'{episodes.env_spec!r}, but the buffer stores transitions '
                f'of {spec!r}'
            )
        ended = self._joiner.ended_episodes(episodes)
        if ended is None:
            return
        stops = np.cumsum(ended.lengths)
        next_observations = ended.next_observations
        for start, stop in zip(stops - ended.lengths, stops, strict=True):
            self.add_path(
                {
                    'observations': ended.observations[start:stop],
                    'actions': ended.actions[start:stop],
                    'rewards': ended.rewards[start:stop],
                    'next_observations': next_observations[start:stop],
                    'step_types': ended.step_types[start:stop],
                }
            )

    def add_path(self, path: Mapping[str, Any]) -> None:
        """Add one path and its hindsight transitions.

        Args:
            path: As ``PathBuffer.add_path`` takes it; observations and
                next observations may also be sequences of dicts (or a
                dict of arrays with one row per step) of the space's keys.

        Raises:
            ValueError: As ``PathBuffer.add_path``.

        """
        path = dict(path)
        for key in ('observations', 'next_observations'):
            if key in path:
                path[key] = self._flat_rows(key, path[key])
        super().add_path(path)
        self._add_hindsight(path)

    def _flat_rows(self, name: str, observations: Any) -> np.ndarray:
        """Observations of any accepted form as flattened rows."""
        space = self._env_spec.observation_space  # type: ignore[union-attr]
        if isinstance(observations, Mapping):  # a dict of arrays
            missing = [key for key in space.spaces if key not in observations]
            if missing:
                raise ValueError(f'{name} lacks the keys {missing}')
            parts = [
                np.asarray(observations[key]).reshape(
                    len(observations[key]), sub.flat_dim
                )
                for key, sub in space.spaces.items()
            ]
            return np.concatenate(parts, axis=1)
        if len(observations) and isinstance(observations[0], Mapping):
            return np.asarray(space.flatten_n(observations))
        return np.asarray(observations)

    def _add_hindsight(self, path: dict[str, Any]) -> None:
        """Store the hindsight transitions of a path just stored."""
        if self._replay_k == 0:
            return
        spec = self._env_spec
        assert spec is not None
        obs = self._flat_observations(spec, 'observations', path['observations'])
        next_obs = self._flat_observations(
            spec, 'next_observations', path['next_observations']
        )
        n_steps = len(obs)
        achieved, desired = self._achieved, self._desired
        if self._replay_strategy == 'future':
            if n_steps < 2:
                return
            steps = np.repeat(np.arange(n_steps - 1), self._replay_k)
            goals = obs[self._rng.integers(steps + 1, n_steps), achieved]
        else:
            steps = np.arange(n_steps)
            goals = np.repeat(next_obs[-1:, achieved], n_steps, axis=0)
        new_obs = obs[steps]
        new_obs[:, desired] = goals
        new_next_obs = next_obs[steps]
        new_next_obs[:, desired] = goals
        reward_fn = self._reward_fn
        rewards = np.array(
            [
                reward_fn(reached, goal, None)
                for reached, goal in zip(new_next_obs[:, achieved], goals, strict=True)
            ],
            dtype=np.float32,
        ).reshape(len(steps))
        if 'step_types' in path:
            step_types = np.asarray(path['step_types'])[steps]
        else:
            step_types = np.full(len(steps), StepType.MID, dtype=np.int8)
        step_types = np.where(step_types == StepType.TERMINAL, StepType.MID, step_types)
        extras = {
            key: np.asarray(value)[steps]
            for key, value in path.items()
            if key in self._extra_keys
        }
        self._store(
            path_starts=np.ones(len(steps), dtype=bool),
            observations=new_obs,
            actions=self._flat_actions(spec, 'actions', np.asarray(path['actions']))[
                steps
            ],
            rewards=rewards,
            next_observations=new_next_obs,
            step_types=step_types,
            **extras,
        )


def _goal_slices(space: akro.Space) -> tuple[slice, slice]:
    """The columns of the achieved and desired goals in flattened rows."""
    keys = ('achieved_goal', 'desired_goal')
    spaces: Any = getattr(space, 'spaces', None)
    if not isinstance(space, akro.Dict) or any(key not in spaces for key in keys):
        raise ValueError(
            'HERReplayBuffer needs a goal-conditioned observation space: an '
            "akro.Dict with the keys 'achieved_goal' and 'desired_goal', "
            f'not {space!r}'
        )
    slices = {}
    start = 0
    for key, sub in spaces.items():
        slices[key] = slice(start, start + sub.flat_dim)
        start += sub.flat_dim
    achieved, desired = slices['achieved_goal'], slices['desired_goal']
    if achieved.stop - achieved.start != desired.stop - desired.start:
        raise ValueError(
            'achieved_goal and desired_goal must have the same size, got '
            f'{spaces["achieved_goal"]!r} and {spaces["desired_goal"]!r}'
        )
    return achieved, desired
