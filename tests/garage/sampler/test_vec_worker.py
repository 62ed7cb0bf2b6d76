import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage import StepType
from garage.envs import GymEnv, PointEnv
from garage.sampler import (
    DefaultWorker,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
    VecWorker,
)
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy


class SeededLengthEnv(StepCountEnv):
    """Terminates after a number of steps its seed chooses (1 to 5)."""

    def __init__(self):
        super().__init__(terminate_after=3)
        self.seeds = []

    def seed(self, seed):
        self.seeds.append(seed)
        self._terminate_after = 1 + seed % 5

    def set_task(self, task):
        self.task = task


def make_worker(
    env, agent=None, *, n_envs=3, seed=1, max_episode_length=10, worker_number=0
):
    worker = VecWorker(
        seed=seed,
        max_episode_length=max_episode_length,
        worker_number=worker_number,
        n_envs=n_envs,
    )
    worker.update_agent(agent or TagPolicy(env.spec))
    worker.update_env(env)
    return worker


class TestRollout:
    def test_one_episode_per_env_in_env_order(self):
        worker = make_worker(SeededLengthEnv(), n_envs=4)
        expected = [1 + env.seeds[-1] % 5 for env in worker.envs]
        assert len(set(expected)) > 1  # the seeds gave different lengths
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.lengths, expected)
        np.testing.assert_array_equal(
            batch.observations.ravel(), np.concatenate([np.arange(n) for n in expected])
        )
        np.testing.assert_array_equal(batch.last_observations.ravel(), expected)
        np.testing.assert_array_equal(
            batch.env_infos['step'], batch.observations.ravel() + 1
        )
        np.testing.assert_array_equal(
            batch.agent_infos['observation'], batch.observations
        )
        assert (
            batch.step_types[np.cumsum(batch.lengths) - 1] == StepType.TERMINAL
        ).all()

    def test_finished_envs_idle(self):
        env = SeededLengthEnv()
        policy = TagPolicy(env.spec)
        worker = make_worker(env, policy, n_envs=4)
        sizes = []
        get_actions = policy.get_actions
        policy.get_actions = lambda obs: sizes.append(len(obs)) or get_actions(obs)
        batch = worker.rollout()
        assert sizes == [
            int((batch.lengths > t).sum()) for t in range(batch.lengths.max())
        ]
        assert [e.n_resets for e in worker.envs] == [1] * 4

    def test_rollout_steps_keeps_every_env_busy(self):
        env = SeededLengthEnv()
        policy = TagPolicy(env.spec)
        worker = make_worker(env, policy, n_envs=4)
        expected = [1 + env.seeds[-1] % 5 for env in worker.envs]
        sizes = []
        get_actions = policy.get_actions
        policy.get_actions = lambda obs: sizes.append(len(obs)) or get_actions(obs)
        batch = worker.rollout_steps(30)
        assert len(batch.rewards) >= 30
        # every env ran several whole episodes of its own length, in order
        starts = np.cumsum(batch.lengths) - batch.lengths
        assert (batch.observations.ravel()[starts] == 0).all()
        assert (batch.step_types[starts + batch.lengths - 1] == StepType.TERMINAL).all()
        runs = []
        for length in batch.lengths:
            if not runs or runs[-1][0] != length:
                runs.append([length, 0])
            runs[-1][1] += 1
        assert [length for length, _ in runs] == expected
        assert all(count > 1 for _, count in runs)
        # all envs stepped together until 8 steps of 4 passed the budget
        assert sizes[:8] == [4] * 8
        # ... and the envs were reset once per episode, the policy with masks
        assert sum(e.n_resets for e in worker.envs) == len(batch.lengths)
        assert all(mask.sum() >= 1 for mask in policy.resets)

    def test_rollout_steps_after_the_budget_only_finishes(self):
        env = StepCountEnv(terminate_after=None)
        batch = make_worker(env, max_episode_length=4).rollout_steps(13)
        # 3 envs of 4-step episodes: 12 steps < 13, so each starts another
        np.testing.assert_array_equal(batch.lengths, [4] * 6)
        np.testing.assert_array_equal(
            batch.step_types,
            [StepType.FIRST, StepType.MID, StepType.MID, StepType.TIMEOUT] * 6,
        )

    def test_worker_time_limit_marks_timeout(self):
        env = StepCountEnv(terminate_after=None)
        batch = make_worker(env, max_episode_length=3).rollout()
        np.testing.assert_array_equal(batch.lengths, [3, 3, 3])
        np.testing.assert_array_equal(
            batch.step_types, [StepType.FIRST, StepType.MID, StepType.TIMEOUT] * 3
        )
        np.testing.assert_array_equal(batch.last_observations.ravel(), [3, 3, 3])

    def test_resets_the_policy_with_a_mask(self):
        env = StepCountEnv()
        policy = TagPolicy(env.spec)
        make_worker(env, policy, n_envs=3).rollout()
        np.testing.assert_array_equal(policy.resets[-1], [True] * 3)

    def test_point_env_with_a_gaussian_policy(self):
        env = PointEnv(max_episode_length=100)
        worker = make_worker(
            env, GaussianMLPPolicy(env.spec, (4,)), n_envs=8, max_episode_length=20
        )
        batch = worker.rollout()
        assert len(batch.lengths) == 8
        assert batch.agent_infos['mean'].shape == (len(batch.rewards), 2)
        tasks = batch.env_infos['task']
        assert tasks.dtype == object
        assert tasks.shape == (len(batch.rewards),)
        assert tasks[0]['goal'].shape == (2,)

    def test_gym_env_with_a_categorical_policy(self):
        env = GymEnv('CartPole-v1')
        worker = make_worker(
            env, CategoricalMLPPolicy(env.spec, (4,)), max_episode_length=50
        )
        batch = worker.rollout()
        first_obs = batch.observations[np.cumsum(batch.lengths) - batch.lengths]
        assert len({tuple(obs) for obs in first_obs.tolist()}) == 3

    def test_one_env_matches_default_worker(self):
        env = PointEnv()
        policy = GaussianMLPPolicy(env.spec, (4,))
        vec = make_worker(env, policy, n_envs=1).rollout()
        default = DefaultWorker(seed=1, max_episode_length=10, worker_number=0)
        default.update_agent(policy)
        default.update_env(PointEnv())
        batch = default.rollout()
        np.testing.assert_array_equal(vec.actions, batch.actions)
        np.testing.assert_array_equal(vec.observations, batch.observations)

    @pytest.mark.parametrize(
        ('cut', 'error'),
        [
            (
                lambda actions, infos: (actions, {'tag': infos['tag'][:1]}),
                r"agent_info\['tag'\].* 5 rows.* 15 obs",
            ),
            (
                lambda actions, infos: (actions[1:], infos),
                'get_actions returned 2 actions for 3 obs',
            ),
        ],
    )
    def test_policy_outputs_need_one_row_per_observation(self, cut, error):
        env = StepCountEnv()
        policy = TagPolicy(env.spec)
        get_actions = policy.get_actions
        policy.get_actions = lambda observations: cut(*get_actions(observations))
        with pytest.raises(ValueError, match=error):
            make_worker(env, policy).rollout()

    def test_terminations_and_timeouts_in_one_rollout(self):
        worker = make_worker(SeededLengthEnv(), n_envs=6, max_episode_length=3)
        limits = [env._terminate_after for env in worker.envs]
        assert min(limits) <= 3 < max(limits)
        batch = worker.rollout_steps(40)
        assert batch.lengths.sum() >= 40
        starts = np.cumsum(batch.lengths) - batch.lengths
        for start, length in zip(starts, batch.lengths, strict=True):
            np.testing.assert_array_equal(
                batch.observations[start : start + length, 0], np.arange(length)
            )
        ends = zip(
            batch.lengths.tolist(),
            batch.step_types[starts + batch.lengths - 1].tolist(),
            strict=True,
        )
        assert set(ends) == {
            (min(limit, 3), StepType.TERMINAL if limit <= 3 else StepType.TIMEOUT)
            for limit in limits
        }


class TestStepByStep:
    def test_collect_needs_whole_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=2))
        worker.start_episode()
        worker.step_episode()
        with pytest.raises(RuntimeError, match='3 are still running'):
            worker.collect_episode()
        assert worker.step_episode()
        assert len(worker.collect_episode().lengths) == 3

    def test_start_drops_unfinished_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=2))
        worker.start_episode()
        worker.step_episode()
        np.testing.assert_array_equal(worker.rollout().lengths, [2, 2, 2])


class TestUpdateEnv:
    def test_environment_and_copies(self):
        env = SeededLengthEnv()
        worker = make_worker(env)
        envs = worker.envs
        assert envs[0] is env
        assert len({id(e) for e in envs}) == 3
        assert len({e.seeds[-1] for e in envs}) == 3

    def test_existing_env_update_is_copied(self):
        worker = make_worker(StepCountEnv())
        old = worker.envs
        new = StepCountEnv(terminate_after=1)
        worker.update_env(ExistingEnvUpdate(new))
        assert worker.envs[0] is new
        assert len({id(e) for e in worker.envs}) == 3
        assert all(e.closed for e in old)
        np.testing.assert_array_equal(worker.rollout().lengths, [1, 1, 1])

    def test_new_env_update_builds_each(self):
        worker = make_worker(StepCountEnv())
        worker.update_env(NewEnvUpdate(lambda: StepCountEnv(terminate_after=2)))
        assert len({id(e) for e in worker.envs}) == 3
        np.testing.assert_array_equal(worker.rollout().lengths, [2, 2, 2])

    def test_set_task_update_keeps_the_envs(self):
        worker = make_worker(PointEnv())
        envs = worker.envs
        worker.update_env(SetTaskUpdate(PointEnv, {'goal': (0.5, 0.5)}))
        assert all(a is b for a, b in zip(envs, worker.envs, strict=True))
        goals = worker.rollout().episode_infos_by_episode['goal']
        np.testing.assert_allclose(goals, [[0.5, 0.5]] * 3)

    def test_reseeds_on_each_update(self):
        env = SeededLengthEnv()
        worker = make_worker(env)
        worker.update_env(SetTaskUpdate(SeededLengthEnv, None))
        assert len(set(env.seeds)) == 2

    def test_none_keeps_the_envs(self):
        worker = make_worker(StepCountEnv())
        envs = worker.envs
        worker.update_env(None)
        assert worker.envs == envs

    def test_shutdown_closes_every_env(self):
        worker = make_worker(StepCountEnv())
        worker.shutdown()
        assert all(env.closed for env in worker.envs)


@pytest.mark.parametrize('n_envs', [0, -1, 2.5])
def test_rejects_bad_n_envs(n_envs):
    with pytest.raises(ValueError, match='n_envs'):
        VecWorker(seed=1, max_episode_length=5, worker_number=0, n_envs=n_envs)


class TestIdentities:
    def test_each_episode_names_its_env_and_serial_number(self):
        worker = make_worker(StepCountEnv(terminate_after=2), n_envs=2, worker_number=4)
        batch = worker.rollout_steps(8)
        # every env ran two 2-step episodes, grouped by env
        assert batch.identities.tolist() == [
            (4, 0, 0, 0),
            (4, 0, 1, 0),
            (4, 1, 0, 0),
            (4, 1, 1, 0),
        ]
        assert worker.rollout().identities['episode'].tolist() == [2, 2]

    def test_unfinished_episodes_dropped_by_start_keep_their_numbers(self):
        worker = make_worker(StepCountEnv(terminate_after=3), n_envs=2)
        worker.start_episode()
        worker.step_episode()
        assert worker.rollout().identities['episode'].tolist() == [1, 1]
