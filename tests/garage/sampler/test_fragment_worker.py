import itertools

import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage import EnvStep, StepType, Wrapper
from garage.envs import GridWorldEnv, PointEnv
from garage.sampler import FragmentWorker, NewEnvUpdate
from garage.torch.algos._fragments import FragmentJoiner
from garage.torch.policies import GaussianMLPPolicy

FIRST, MID, TERMINAL, TIMEOUT = (
    StepType.FIRST,
    StepType.MID,
    StepType.TERMINAL,
    StepType.TIMEOUT,
)


def make_worker(
    env, agent=None, *, n_envs=2, timesteps_per_call=2, seed=1, max_episode_length=10
):
    worker = FragmentWorker(
        seed=seed,
        max_episode_length=max_episode_length,
        worker_number=0,
        n_envs=n_envs,
        timesteps_per_call=timesteps_per_call,
    )
    worker.update_agent(agent or TagPolicy(env.spec))
    worker.update_env(env)
    return worker


class TestRollout:
    def test_fragments_continue_across_calls(self):
        worker = make_worker(StepCountEnv(terminate_after=None))
        first, second = worker.rollout(), worker.rollout()
        np.testing.assert_array_equal(first.lengths, [2, 2])
        np.testing.assert_array_equal(first.observations.ravel(), [0, 1, 0, 1])
        np.testing.assert_array_equal(first.last_observations.ravel(), [2, 2])
        np.testing.assert_array_equal(first.step_types, [FIRST, MID] * 2)
        np.testing.assert_array_equal(second.observations.ravel(), [2, 3, 2, 3])
        np.testing.assert_array_equal(second.step_types, [MID, MID] * 2)
        np.testing.assert_array_equal(
            second.episode_infos_by_episode['episode'], [0, 0]
        )

    def test_an_episode_ending_splits_the_fragment(self):
        env = StepCountEnv(terminate_after=3)
        policy = TagPolicy(env.spec)
        worker = make_worker(env, policy, timesteps_per_call=5)
        batch = worker.rollout()
        # per env: the 3-step episode, then 2 steps of the next
        np.testing.assert_array_equal(batch.lengths, [3, 2, 3, 2])
        np.testing.assert_array_equal(batch.observations.ravel(), [0, 1, 2, 0, 1] * 2)
        np.testing.assert_array_equal(
            batch.step_types, [FIRST, MID, TERMINAL, FIRST, MID] * 2
        )
        np.testing.assert_array_equal(batch.last_observations.ravel(), [3, 2, 3, 2])
        np.testing.assert_array_equal(
            batch.episode_infos_by_episode['episode'], [0, 1, 0, 1]
        )
        np.testing.assert_array_equal(
            batch.agent_infos['observation'], batch.observations
        )
        np.testing.assert_array_equal(policy.resets[-1], [True, True])

    def test_worker_time_limit_marks_timeout(self):
        worker = make_worker(
            StepCountEnv(terminate_after=None),
            timesteps_per_call=3,
            max_episode_length=2,
        )
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.lengths, [2, 1, 2, 1])
        np.testing.assert_array_equal(batch.step_types, [FIRST, TIMEOUT, FIRST] * 2)

    def test_an_episode_ending_on_the_last_step(self):
        worker = make_worker(StepCountEnv(terminate_after=2))
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.lengths, [2, 2])
        np.testing.assert_array_equal(
            worker.rollout().step_types, [FIRST, TERMINAL] * 2
        )

    def test_point_env_with_a_gaussian_policy(self):
        env = PointEnv()
        worker = make_worker(
            env, GaussianMLPPolicy(env.spec, (4,)), n_envs=4, timesteps_per_call=3
        )
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.lengths, [3] * 4)
        assert batch.agent_infos['mean'].shape == (12, 2)


class TestStepByStep:
    def test_collect_needs_steps(self):
        worker = make_worker(StepCountEnv())
        worker.start_episode()
        with pytest.raises(RuntimeError, match='no steps'):
            worker.collect_episode()
        assert not worker.step_episode()
        np.testing.assert_array_equal(worker.collect_episode().lengths, [1, 1])
        with pytest.raises(RuntimeError, match='no steps'):
            worker.collect_episode()

    def test_step_reports_ended_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=1))
        worker.start_episode()
        assert worker.step_episode()


class TestUpdates:
    def test_new_env_starts_new_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=None))
        worker.rollout()
        worker.update_env(NewEnvUpdate(lambda: StepCountEnv(terminate_after=None)))
        np.testing.assert_array_equal(
            worker.rollout().observations.ravel(), [0, 1, 0, 1]
        )

    def test_none_keeps_the_episodes_going(self):
        worker = make_worker(StepCountEnv(terminate_after=None))
        worker.rollout()
        worker.update_env(None)
        worker.update_agent({'tag': 2})
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.observations.ravel(), [2, 3, 2, 3])
        assert (batch.agent_infos['tag'] == 2).all()

    def test_failed_rollout_starts_over(self):
        env = StepCountEnv(terminate_after=None)
        policy = TagPolicy(env.spec)
        worker = make_worker(env, policy)
        worker.rollout()
        get_actions = policy.get_actions
        policy.get_actions = lambda obs: 1 / 0
        with pytest.raises(ZeroDivisionError):
            worker.rollout()
        policy.get_actions = get_actions
        np.testing.assert_array_equal(
            worker.rollout().observations.ravel(), [0, 1, 0, 1]
        )


@pytest.mark.parametrize('timesteps_per_call', [0, 1.5])
def test_rejects_bad_timesteps_per_call(timesteps_per_call):
    with pytest.raises(ValueError, match='timesteps_per_call'):
        FragmentWorker(
            seed=1,
            max_episode_length=5,
            worker_number=0,
            timesteps_per_call=timesteps_per_call,
        )


class TestIdentities:
    def test_fragments_carry_episode_and_fragment_numbers(self):
        worker = make_worker(StepCountEnv(terminate_after=3), timesteps_per_call=2)
        first, second, third = worker.rollout(), worker.rollout(), worker.rollout()
        assert first.identities.tolist() == [(0, 0, 0, 0), (0, 1, 0, 0)]
        # the episode ends after one more step, and the next begins
        assert second.identities.tolist() == [
            (0, 0, 0, 1),
            (0, 0, 1, 0),
            (0, 1, 0, 1),
            (0, 1, 1, 0),
        ]
        assert third.identities.tolist() == [(0, 0, 1, 1), (0, 1, 1, 1)]

    def test_restarted_episodes_get_new_numbers(self):
        worker = make_worker(StepCountEnv(terminate_after=None))
        worker.rollout()
        worker.update_env(NewEnvUpdate(lambda: StepCountEnv(terminate_after=None)))
        assert worker.rollout().identities.tolist() == [(0, 0, 1, 0), (0, 1, 1, 0)]


class RecordingEnv(Wrapper):
    """Gives every step a reward no other step has, and records it.

    The rewards come from one counter shared by all copies, so steps that
    a join mixes up between episodes show; ``record`` holds, per step of
    this copy, its reward and whether it ended the episode.
    """

    _rewards = itertools.count(1)

    def __init__(self, env):
        super().__init__(env)
        self.record = []

    def step(self, action):
        step = self._env.step(action)
        reward = float(next(self._rewards))
        self.record.append((reward, step.last))
        return EnvStep(
            env_spec=step.env_spec,
            action=step.action,
            reward=reward,
            observation=step.observation,
            env_info=step.env_info,
            step_type=step.step_type,
        )


class RandomMoves:
    """Uniformly random moves in a grid world, from NumPy's global RNG."""

    def reset(self, do_resets=None):
        pass

    def get_action(self, observation):
        return np.random.randint(4), {}

    def get_actions(self, observations):
        return np.random.randint(4, size=len(observations)), {}


def _episodes_of(record):
    """The reward sequences of the episodes a record holds, whole ones only."""
    episodes, current = [], []
    for reward, last in record:
        current.append(reward)
        if last:
            episodes.append(current)
            current = []
    return episodes


def test_joined_grid_world_episodes_are_each_environments_own():
    """Environments in one cell at a rollout's end keep their own episodes.

    Eight copies of a small grid world, stepped three steps per call, often
    share a cell when a rollout ends; the joined episodes must be the very
    episodes each environment ran, step for step.
    """
    env = RecordingEnv(GridWorldEnv('4x4_safe', max_episode_length=12))
    worker = make_worker(
        env, RandomMoves(), n_envs=8, timesteps_per_call=3, max_episode_length=12
    )
    joiner = FragmentJoiner()
    joined = []
    collisions = 0
    for _ in range(40):
        batch = worker.rollout()
        running = batch.step_types[np.cumsum(batch.lengths) - 1] < StepType.TERMINAL
        cells = batch.last_observations[running].tolist()
        collisions += len(cells) - len(set(cells))
        ended = joiner.ended_episodes(batch)
        if ended is not None:
            joined.extend(zip(ended.identities.tolist(), ended.split(), strict=True))
    assert collisions > 20  # the case that joining by observation got wrong
    for index, copy in enumerate(worker.envs):
        truth = _episodes_of(copy.record)
        mine = sorted(
            (identity[2], episode.rewards.tolist())
            for identity, episode in joined
            if identity[1] == index
        )
        assert [serial for serial, _ in mine] == list(range(len(truth)))
        assert [rewards for _, rewards in mine] == truth
