import pickle
import random

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import DummyBoxEnv, DummyDiscreteEnv, StepCountEnv
from garage import StepType
from garage.envs import (
    GridWorldEnv,
    MultiEnvWrapper,
    PointEnv,
    TaskOnehotWrapper,
    round_robin_strategy,
    uniform_random_strategy,
)


def point_envs(n=3):
    return [PointEnv(goal=(i, 0.0)) for i in range(n)]


def goal_of(episode_info):
    return float(episode_info['goal'][0])


class TestStrategies:
    def test_round_robin_order(self):
        tasks = [round_robin_strategy(3)]
        for _ in range(6):
            tasks.append(round_robin_strategy(3, tasks[-1]))
        assert tasks == [0, 1, 2, 0, 1, 2, 0]

    def test_uniform_random_covers_tasks_and_follows_random_seed(self):
        random.seed(5)
        first = [uniform_random_strategy(4, None) for _ in range(200)]
        random.seed(5)
        second = [uniform_random_strategy(4, None) for _ in range(200)]
        assert first == second
        assert set(first) == {0, 1, 2, 3}


class TestReset:
    def test_round_robin_cycles_envs(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy, mode='vanilla')
        assert env.active_task_index is None
        goals, indices = [], []
        for _ in range(5):
            _, episode_info = env.reset()
            goals.append(goal_of(episode_info))
            indices.append(env.active_task_index)
        assert goals == [0.0, 1.0, 2.0, 0.0, 1.0]
        assert indices == [0, 1, 2, 0, 1]

    def test_uniform_random_by_default(self):
        random.seed(0)
        env = MultiEnvWrapper(point_envs())
        seen = set()
        for _ in range(50):
            env.reset()
            seen.add(env.active_task_index)
        assert seen == {0, 1, 2}

    def test_strategy_gets_num_tasks_and_last_task(self):
        calls = []

        def strategy(num_tasks, last_task):
            calls.append((num_tasks, last_task))
            return 1

        env = MultiEnvWrapper(point_envs(), strategy)
        env.reset()
        env.reset()
        assert calls == [(3, None), (3, 1)]


class TestModes:
    def test_add_onehot(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy)
        assert env.observation_space.shape == (6,)
        np.testing.assert_array_equal(env.observation_space.low[3:], 0.0)
        np.testing.assert_array_equal(env.observation_space.high[3:], 1.0)
        for i in range(3):
            obs, _ = env.reset()
            np.testing.assert_array_equal(obs[3:], np.eye(3)[i])
            es = env.step(np.zeros(2))
            np.testing.assert_array_equal(es.observation[3:], np.eye(3)[i])
            assert es.observation.dtype == np.float32
            assert env.observation_space.contains(es.observation)
        assert env.spec.observation_space == env.observation_space

    def test_del_onehot(self):
        envs = TaskOnehotWrapper.wrap_env_list(point_envs())
        env = MultiEnvWrapper(envs, round_robin_strategy, mode='del-onehot')
        assert env.observation_space == PointEnv().observation_space
        env.reset()
        obs, _ = env.reset()
        np.testing.assert_allclose(obs, [0.0, 0.0, 1.0])
        assert env.step(np.zeros(2)).observation.shape == (3,)

    def test_vanilla(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy, mode='vanilla')
        assert env.observation_space == PointEnv().observation_space
        obs, _ = env.reset()
        np.testing.assert_allclose(obs, [0.0, 0.0, 0.0])

    def test_vanilla_allows_discrete_observations(self):
        env = MultiEnvWrapper(
            [GridWorldEnv('4x4'), GridWorldEnv('4x4_safe')],
            round_robin_strategy,
            mode='vanilla',
        )
        assert env.reset()[0] == 0


class TestStep:
    def test_env_info_task_id_and_name(self):
        env = MultiEnvWrapper(
            point_envs(2), round_robin_strategy, env_names=['left', 'right']
        )
        infos = []
        for _ in range(2):
            env.reset()
            infos.append(env.step(np.zeros(2)).env_info)
        assert [(i['task_id'], i['task_name']) for i in infos] == [
            (0, 'left'),
            (1, 'right'),
        ]
        assert set(infos[0]) == {'task', 'success', 'task_id', 'task_name'}

    def test_existing_task_id_kept(self):
        envs = [
            TaskOnehotWrapper(PointEnv(), task_index=i + 5, n_total_tasks=7)
            for i in range(2)
        ]
        env = MultiEnvWrapper(envs, round_robin_strategy, mode='vanilla')
        env.reset()
        assert env.step(np.zeros(2)).env_info['task_id'] == 5

    def test_no_task_name_without_names(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy)
        env.reset()
        assert 'task_name' not in env.step(np.zeros(2)).env_info

    def test_step_types_and_per_task_time_limit(self):
        envs = [
            StepCountEnv(terminate_after=None, max_episode_length=2),
            StepCountEnv(terminate_after=None, max_episode_length=3),
        ]
        env = MultiEnvWrapper(envs, round_robin_strategy, mode='vanilla')
        lengths = []
        for _ in range(2):
            env.reset()
            steps = [env.step(np.zeros(1))]
            while not steps[-1].last:
                steps.append(env.step(np.zeros(1)))
            assert steps[-1].step_type == StepType.TIMEOUT
            assert steps[-1].env_spec is env.spec
            lengths.append(len(steps))
            assert env.spec.max_episode_length == lengths[-1]
        assert lengths == [2, 3]

    def test_step_before_reset(self):
        env = MultiEnvWrapper(point_envs())
        with pytest.raises(RuntimeError, match=r'reset\(\) must be called'):
            env.step(np.zeros(2))


class TestProperties:
    def test_num_tasks_and_task_space(self):
        env = MultiEnvWrapper(point_envs(4))
        assert env.num_tasks == 4
        assert env.task_space.shape == (4,)
        np.testing.assert_array_equal(env.task_space.low, np.zeros(4))
        np.testing.assert_array_equal(env.task_space.high, np.ones(4))

    def test_action_space_and_render_modes(self):
        env = MultiEnvWrapper(point_envs())
        assert env.action_space == PointEnv().action_space
        assert env.render_modes == ['ascii']
        assert env.spec.action_space == env.action_space

    def test_close_closes_all(self):
        envs = [DummyBoxEnv(), DummyBoxEnv()]
        MultiEnvWrapper(envs).close()
        assert all(env.closed for env in envs)


class TestErrors:
    def test_no_envs(self):
        with pytest.raises(ValueError, match='needs at least one env'):
            MultiEnvWrapper([])

    def test_bad_mode(self):
        with pytest.raises(ValueError, match=r"mode must be one of .*'oops'"):
            MultiEnvWrapper(point_envs(), mode='oops')

    @pytest.mark.parametrize('env_names', [['a', 'b'], ['a', 'a', 'b']])
    def test_bad_env_names(self, env_names):
        with pytest.raises(ValueError, match=r'one unique name per env \(3 envs\)'):
            MultiEnvWrapper(point_envs(), env_names=env_names)

    def test_mismatched_action_spaces(self):
        envs = [DummyBoxEnv(action_dim=(2,)), DummyBoxEnv(action_dim=(3,))]
        with pytest.raises(ValueError, match=r'envs\[1\] has the action_space'):
            MultiEnvWrapper(envs)

    def test_mismatched_action_space_types(self):
        envs = [DummyBoxEnv(action_dim=(2,)), DummyDiscreteEnv(action_dim=2)]
        with pytest.raises(
            ValueError, match=r'envs\[1\] has the action_space Discrete'
        ):
            MultiEnvWrapper(envs)

    def test_mismatched_observation_spaces(self):
        envs = [DummyBoxEnv(obs_dim=(4,)), DummyBoxEnv(obs_dim=(5,))]
        with pytest.raises(ValueError, match=r'envs\[1\] has the observation_space'):
            MultiEnvWrapper(envs)

    def test_add_onehot_needs_flat_box(self):
        with pytest.raises(
            ValueError, match="'add-onehot' needs a one-dimensional Box"
        ):
            MultiEnvWrapper([GridWorldEnv()])

    def test_del_onehot_needs_room_for_one_hot(self):
        with pytest.raises(ValueError, match='removes a one-hot of 3 entries'):
            MultiEnvWrapper(point_envs(), mode='del-onehot')


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_keeps_active_task(dumps):
    env = MultiEnvWrapper(point_envs(), round_robin_strategy, env_names=['a', 'b', 'c'])
    env.reset()
    env.reset()
    env.step(np.array([0.1, 0.0]))
    copy = pickle.loads(dumps(env))
    assert copy.active_task_index == 1
    original_step = env.step(np.array([0.1, 0.0]))
    copied_step = copy.step(np.array([0.1, 0.0]))
    np.testing.assert_array_equal(copied_step.observation, original_step.observation)
    assert copied_step.env_info['task_name'] == 'b'
    _, episode_info = copy.reset()
    assert copy.active_task_index == 2
    assert goal_of(episode_info) == 2.0


class SeedRecordingEnv(PointEnv):
    def __init__(self, goal):
        super().__init__(goal=goal, max_episode_length=2)
        self.seeds = []

    def seed(self, seed):
        self.seeds.append(seed)


class TestSeed:
    def test_seeds_every_task_env(self):
        envs = [SeedRecordingEnv((i, 0.0)) for i in range(3)]
        env = MultiEnvWrapper(envs, round_robin_strategy, mode='vanilla')
        env.seed(10)
        assert [e.seeds for e in envs] == [[10], [11], [12]]

    def test_leaves_envs_without_seed_alone(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy)
        env.seed(3)  # PointEnv has no seed method
        env.reset()
        assert env.active_task_index == 0

    def test_round_robin_starts_at_the_seed_modulo_tasks(self):
        env = MultiEnvWrapper(point_envs(), round_robin_strategy, mode='vanilla')
        env.seed(7)
        indices = []
        for _ in range(4):
            env.reset()
            indices.append(env.active_task_index)
        assert indices == [1, 2, 0, 1]
        env.seed(9)  # seeding again restarts the cycle
        env.reset()
        assert env.active_task_index == 0

    def test_seeded_copies_in_a_vec_worker_do_not_run_in_step(self):
        from garage.np.policies import UniformRandomPolicy
        from garage.sampler import LocalSampler, VecWorker

        envs = TaskOnehotWrapper.wrap_env_list(
            [PointEnv(goal=(i, 0.0), max_episode_length=3) for i in range(4)]
        )
        env = MultiEnvWrapper(envs, round_robin_strategy, mode='vanilla')
        policy = UniformRandomPolicy(env.spec)
        sampler = LocalSampler(
            policy,
            env,
            max_episode_length=3,
            n_workers=1,
            seed=0,
            worker_class=VecWorker,
            worker_args={'n_envs': 4},
        )
        episodes = sampler.obtain_samples(0, 12, policy)
        first_tasks = episodes.env_infos['task_id'][
            np.cumsum(episodes.lengths) - episodes.lengths
        ][:4]
        assert len(set(first_tasks.tolist())) > 1


def test_unpickles_a_wrapper_pickled_before_seed_existed():
    env = MultiEnvWrapper(point_envs(), round_robin_strategy)
    env.reset()
    env.reset()
    state = dict(env.__dict__)
    del state['_previous_task']  # as this class pickled before
    old = MultiEnvWrapper.__new__(MultiEnvWrapper)
    old.__setstate__(state)
    restored = pickle.loads(pickle.dumps(old))
    restored.reset()
    assert restored.active_task_index == 2
