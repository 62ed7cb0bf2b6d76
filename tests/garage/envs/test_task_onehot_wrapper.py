import functools
import pickle

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import DummyBoxEnv, StepCountEnv
from garage import StepType
from garage.envs import GridWorldEnv, PointEnv, TaskOnehotWrapper


class TestObservations:
    def test_reset_and_step_append_one_hot(self):
        env = TaskOnehotWrapper(
            StepCountEnv(terminate_after=3), task_index=1, n_total_tasks=3
        )
        obs, episode_info = env.reset()
        np.testing.assert_array_equal(obs, [0.0, 0.0, 1.0, 0.0])
        assert episode_info == {'episode': 0}
        es = env.step(np.zeros(1))
        np.testing.assert_array_equal(es.observation, [1.0, 0.0, 1.0, 0.0])
        assert es.observation.dtype == np.float32
        assert env.observation_space.contains(es.observation)

    def test_observation_space_widened(self):
        env = TaskOnehotWrapper(PointEnv(), task_index=0, n_total_tasks=2)
        space = env.observation_space
        assert space.shape == (5,)
        assert space.dtype == np.float32
        np.testing.assert_array_equal(space.low[3:], [0.0, 0.0])
        np.testing.assert_array_equal(space.high[3:], [1.0, 1.0])
        assert np.isinf(space.low[:3]).all()
        assert env.spec.observation_space == space
        assert env.spec.action_space == PointEnv().action_space

    def test_multidimensional_box_is_flattened(self):
        env = TaskOnehotWrapper(
            DummyBoxEnv(obs_dim=(2, 3)), task_index=2, n_total_tasks=4
        )
        assert env.observation_space.shape == (10,)
        obs, _ = env.reset()
        assert obs.shape == (10,)
        np.testing.assert_array_equal(obs[6:], [0.0, 0.0, 1.0, 0.0])

    def test_single_task(self):
        env = TaskOnehotWrapper(PointEnv(), task_index=0, n_total_tasks=1)
        assert env.reset()[0][-1] == 1.0


class TestStep:
    def test_env_info_gets_task_id_without_touching_inner(self):
        inner = StepCountEnv(terminate_after=3)
        env = TaskOnehotWrapper(inner, task_index=2, n_total_tasks=3)
        env.reset()
        es = env.step(np.zeros(1))
        assert es.env_info == {'step': 1, 'task_id': 2}
        assert es.env_spec is env.spec

    def test_step_types_pass_through(self):
        env = TaskOnehotWrapper(StepCountEnv(terminate_after=3), 0, 1)
        env.reset()
        steps = [env.step(np.zeros(1)) for _ in range(3)]
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TERMINAL,
        ]
        assert [s.reward for s in steps] == [1.0, 1.0, 1.0]

    def test_max_episode_length_carries_over(self):
        env = TaskOnehotWrapper(PointEnv(max_episode_length=4), 0, 2)
        assert env.spec.max_episode_length == 4


class TestWrapLists:
    def test_wrap_env_list(self):
        envs = TaskOnehotWrapper.wrap_env_list([PointEnv() for _ in range(3)])
        one_hots = [env.reset()[0][3:] for env in envs]
        np.testing.assert_array_equal(one_hots, np.eye(3))

    def test_wrap_env_cons_list(self):
        cons = [functools.partial(PointEnv, goal=(i, 0.0)) for i in range(3)]
        wrapped_cons = TaskOnehotWrapper.wrap_env_cons_list(cons)
        assert len(wrapped_cons) == 3
        for i, con in enumerate(wrapped_cons):
            env = con()
            assert isinstance(env, TaskOnehotWrapper)
            obs, episode_info = env.reset()
            np.testing.assert_array_equal(obs[3:], np.eye(3)[i])
            assert episode_info['goal'][0] == i

    def test_wrapped_constructors_pickle(self):
        cons = TaskOnehotWrapper.wrap_env_cons_list([PointEnv, PointEnv])
        env = pickle.loads(pickle.dumps(cons[1]))()
        np.testing.assert_array_equal(env.reset()[0][3:], [0.0, 1.0])


class TestErrors:
    @pytest.mark.parametrize('task_index', [-1, 0.5, None, True])
    def test_bad_task_index(self, task_index):
        with pytest.raises(
            ValueError,
            match=rf'^task_index must be a non-negative integer, got {task_index}$',
        ):
            TaskOnehotWrapper(PointEnv(), task_index, 3)

    def test_task_index_past_the_tasks(self):
        with pytest.raises(
            ValueError, match=r'^task_index must be less than n_total_tasks, 3, got 3$'
        ):
            TaskOnehotWrapper(PointEnv(), 3, 3)

    @pytest.mark.parametrize('n_total_tasks', [0, -2, 2.5, True])
    def test_bad_n_total_tasks(self, n_total_tasks):
        with pytest.raises(
            ValueError,
            match=rf'^n_total_tasks must be a positive integer, got {n_total_tasks}$',
        ):
            TaskOnehotWrapper(PointEnv(), 0, n_total_tasks)

    def test_whole_float_counts_are_taken(self):
        env = TaskOnehotWrapper(PointEnv(), 1.0, 2.0)
        np.testing.assert_array_equal(env.reset()[0][-2:], [0.0, 1.0])

    def test_discrete_observations(self):
        with pytest.raises(ValueError, match='needs a Box observation space'):
            TaskOnehotWrapper(GridWorldEnv(), 0, 2)


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_round_trips(dumps):
    env = TaskOnehotWrapper(PointEnv(goal=(0.5, 0.0)), 1, 2)
    env.reset()
    env.step(np.array([0.1, 0.0]))
    copy = pickle.loads(dumps(env))
    original_step = env.step(np.array([0.1, 0.0]))
    copied_step = copy.step(np.array([0.1, 0.0]))
    np.testing.assert_array_equal(copied_step.observation, original_step.observation)
    assert copied_step.env_info['task_id'] == 1
