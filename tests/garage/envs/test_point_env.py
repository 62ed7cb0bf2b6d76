import math
import pickle

import cloudpickle
import numpy as np
import pytest

from garage import EnvSpec, StepType
from garage.envs import PointEnv

RIGHT = np.array([0.1, 0.0], dtype=np.float32)
UP_RIGHT = np.array([0.1, 0.1], dtype=np.float32)


def run_episode(env, action, max_steps=1000):
    env.reset()
    steps = []
    for _ in range(max_steps):
        steps.append(env.step(action))
        if steps[-1].last:
            break
    return steps


class TestSpaces:
    def test_spaces_and_spec(self):
        env = PointEnv(max_episode_length=7)
        assert env.action_space.shape == (2,)
        np.testing.assert_allclose(env.action_space.low, [-0.1, -0.1])
        np.testing.assert_allclose(env.action_space.high, [0.1, 0.1])
        assert env.observation_space.shape == (3,)
        assert env.observation_space.dtype == np.float32
        assert isinstance(env.spec, EnvSpec)
        assert env.spec.max_episode_length == 7
        assert env.spec.action_space == env.action_space
        assert env.spec.observation_space == env.observation_space

    def test_no_limit_by_default(self):
        assert PointEnv().spec.max_episode_length is None


class TestReset:
    def test_reset_returns_origin_and_goal(self):
        env = PointEnv(goal=(3.0, 4.0))
        obs, episode_info = env.reset()
        np.testing.assert_allclose(obs, [0.0, 0.0, 5.0])
        assert obs.dtype == np.float32
        assert env.observation_space.contains(obs)
        np.testing.assert_array_equal(episode_info['goal'], [3.0, 4.0])

    def test_reset_starts_over(self):
        env = PointEnv()
        env.reset()
        env.step(UP_RIGHT)
        obs, _ = env.reset()
        np.testing.assert_allclose(obs, [0.0, 0.0, math.sqrt(2)], rtol=1e-6)


class TestStep:
    def test_moves_and_rewards_negative_distance(self):
        env = PointEnv(goal=(1.0, 0.0))
        env.reset()
        es = env.step(RIGHT)
        np.testing.assert_allclose(es.observation, [0.1, 0.0, 0.9], rtol=1e-6)
        assert es.observation.dtype == np.float32
        assert es.reward == pytest.approx(-0.9)
        assert isinstance(es.reward, float)
        assert es.step_type == StepType.FIRST
        assert es.env_info['success'] is False
        np.testing.assert_array_equal(es.env_info['task']['goal'], [1.0, 0.0])
        assert es.action is RIGHT
        assert es.env_spec is env.spec

    def test_action_is_clipped_to_bounds(self):
        env = PointEnv(goal=(1.0, 0.0))
        env.reset()
        es = env.step(np.array([5.0, -5.0]))
        np.testing.assert_allclose(es.observation[:2], [0.1, -0.1], rtol=1e-6)

    def test_point_stays_in_arena(self):
        env = PointEnv(goal=(0.0, 0.0), arena_size=0.25, never_done=True)
        env.reset()
        for _ in range(10):
            es = env.step(-UP_RIGHT)
        np.testing.assert_allclose(es.observation[:2], [-0.25, -0.25])

    def test_accepts_lists(self):
        env = PointEnv(goal=(1.0, 0.0))
        env.reset()
        es = env.step([0.1, 0.0])
        np.testing.assert_allclose(es.observation, [0.1, 0.0, 0.9], rtol=1e-6)

    def test_does_not_modify_action(self):
        env = PointEnv()
        env.reset()
        action = np.array([3.0, -3.0])
        env.step(action)
        np.testing.assert_array_equal(action, [3.0, -3.0])


class TestStepTypes:
    def test_terminal_on_success(self):
        env = PointEnv(goal=(0.5, 0.0), done_bonus=10.0)
        steps = run_episode(env, RIGHT)
        # After 4 steps the point is 0.1 from the goal: success.
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.MID,
            StepType.TERMINAL,
        ]
        assert steps[-1].env_info['success'] is True
        assert steps[-1].reward == pytest.approx(10.0 - 0.1)
        assert not any(s.env_info['success'] for s in steps[:-1])

    def test_timeout_at_max_episode_length(self):
        env = PointEnv(goal=(3.0, 0.0), max_episode_length=5)
        steps = run_episode(env, RIGHT)
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.MID,
            StepType.MID,
            StepType.TIMEOUT,
        ]

    def test_terminal_beats_timeout_on_last_step(self):
        env = PointEnv(goal=(0.5, 0.0), max_episode_length=4)
        steps = run_episode(env, RIGHT)
        assert len(steps) == 4
        assert steps[-1].step_type == StepType.TERMINAL

    def test_single_step_episode_can_time_out(self):
        env = PointEnv(max_episode_length=1)
        steps = run_episode(env, RIGHT)
        assert [s.step_type for s in steps] == [StepType.TIMEOUT]

    def test_never_done_keeps_going_and_reports_success(self):
        env = PointEnv(goal=(0.1, 0.0), never_done=True, max_episode_length=3)
        steps = run_episode(env, np.zeros(2, dtype=np.float32))
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TIMEOUT,
        ]
        assert all(s.env_info['success'] for s in steps)

    def test_many_episodes_in_a_row(self):
        env = PointEnv(goal=(0.5, 0.0), max_episode_length=10)
        for _ in range(3):
            assert len(run_episode(env, RIGHT)) == 4


class TestErrors:
    def test_step_before_reset(self):
        with pytest.raises(RuntimeError, match=r'reset\(\) must be called'):
            PointEnv().step(RIGHT)

    def test_step_after_episode_end(self):
        env = PointEnv(max_episode_length=1)
        env.reset()
        env.step(RIGHT)
        with pytest.raises(RuntimeError, match='again after an episode ends'):
            env.step(RIGHT)

    @pytest.mark.parametrize('action', [np.zeros(3), np.zeros((1, 2)), 0.1])
    def test_wrong_action_shape(self, action):
        env = PointEnv()
        env.reset()
        with pytest.raises(ValueError, match=r'action must have shape \(2,\) to match'):
            env.step(action)

    def test_goal_outside_arena(self):
        with pytest.raises(ValueError, match='lies outside the arena'):
            PointEnv(goal=(6.0, 0.0))

    def test_goal_of_wrong_shape(self):
        with pytest.raises(ValueError, match=r'goal must have shape \(2,\)'):
            PointEnv(goal=(1.0, 1.0, 1.0))

    def test_arena_size_not_positive(self):
        with pytest.raises(
            ValueError, match=r'^arena_size must be a number in \(0, inf\], got 0.0$'
        ):
            PointEnv(arena_size=0.0)

    def test_bad_max_episode_length(self):
        with pytest.raises(ValueError, match='max_episode_length must be'):
            PointEnv(max_episode_length=0)

    def test_task_without_goal(self):
        with pytest.raises(ValueError, match="task must hold a 'goal'"):
            PointEnv().set_task({'target': (1.0, 1.0)})

    @pytest.mark.parametrize('num_tasks', [-1, 2.5, True])
    def test_bad_num_tasks(self, num_tasks):
        with pytest.raises(
            ValueError,
            match=rf'^num_tasks must be a non-negative integer, got {num_tasks}$',
        ):
            PointEnv().sample_tasks(num_tasks)

    def test_whole_float_num_tasks(self):
        assert len(PointEnv().sample_tasks(3.0)) == 3

    def test_unknown_render_mode(self):
        with pytest.raises(
            ValueError, match=r"^mode must be one of 'ascii', got 'rgb_array'$"
        ):
            PointEnv().render('rgb_array')


class TestTasks:
    def test_sample_tasks_shape_and_range(self):
        tasks = PointEnv().sample_tasks(50)
        assert len(tasks) == 50
        goals = np.array([t['goal'] for t in tasks])
        assert goals.shape == (50, 2)
        assert (np.abs(goals) <= 2).all()
        assert len(np.unique(goals[:, 0])) == 50

    def test_sample_tasks_stay_inside_a_small_arena(self):
        env = PointEnv(goal=(0.5, 0.5), arena_size=1.0)
        goals = np.array([t['goal'] for t in env.sample_tasks(50)])
        assert (np.abs(goals) <= 1).all()
        for task in env.sample_tasks(5):
            env.set_task(task)

    def test_sample_tasks_deterministic_under_np_seed(self):
        np.random.seed(42)
        first = PointEnv().sample_tasks(5)
        np.random.seed(42)
        second = PointEnv().sample_tasks(5)
        np.testing.assert_array_equal(
            [t['goal'] for t in first], [t['goal'] for t in second]
        )

    def test_set_task_moves_goal(self):
        env = PointEnv()
        env.set_task({'goal': np.array([0.3, -0.4])})
        obs, episode_info = env.reset()
        np.testing.assert_allclose(obs, [0.0, 0.0, 0.5], rtol=1e-6)
        np.testing.assert_allclose(episode_info['goal'], [0.3, -0.4])
        es = env.step(np.zeros(2))
        np.testing.assert_allclose(es.env_info['task']['goal'], [0.3, -0.4])

    def test_set_sampled_task(self):
        env = PointEnv()
        (task,) = env.sample_tasks(1)
        env.set_task(task)
        _, episode_info = env.reset()
        np.testing.assert_array_equal(episode_info['goal'], task['goal'])

    def test_episode_info_goal_is_a_copy(self):
        env = PointEnv(goal=(1.0, 0.0))
        _, episode_info = env.reset()
        episode_info['goal'][0] = 3.0
        _, episode_info = env.reset()
        np.testing.assert_array_equal(episode_info['goal'], [1.0, 0.0])


class TestRender:
    def test_render_ascii(self):
        env = PointEnv(goal=(1.0, 0.0))
        env.reset()
        env.step(RIGHT)
        text = env.render('ascii')
        assert text.startswith('Point: [0.1 0. ]')
        assert 'Goal: [1. 0.]' in text

    def test_visualize_prints_every_step(self, capsys):
        env = PointEnv()
        env.reset()
        env.visualize()
        env.step(RIGHT)
        env.step(RIGHT)
        assert capsys.readouterr().out.count('Point:') == 3

    def test_render_modes(self):
        assert PointEnv().render_modes == ['ascii']


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_round_trips_state(dumps):
    env = PointEnv(goal=(0.5, 0.5), max_episode_length=10, done_bonus=2.0)
    env.reset()
    env.step(UP_RIGHT)
    copy = pickle.loads(dumps(env))
    assert copy.spec.max_episode_length == 10
    original_step = env.step(UP_RIGHT)
    copied_step = copy.step(UP_RIGHT)
    np.testing.assert_array_equal(copied_step.observation, original_step.observation)
    assert copied_step.reward == original_step.reward
    assert copied_step.step_type == original_step.step_type


def test_close_is_harmless():
    env = PointEnv()
    env.close()
    env.reset()
