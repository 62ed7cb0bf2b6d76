import pickle

import numpy as np
import pytest

from garage import StepType
from garage.envs import GoalPointEnv


def test_observations_rewards_and_timeout():
    env = GoalPointEnv(max_episode_length=5)
    env.seed(1)
    obs, info = env.reset()
    assert set(obs) == {'observation', 'achieved_goal', 'desired_goal'}
    assert env.observation_space.contains(obs)
    np.testing.assert_array_equal(obs['achieved_goal'], [0, 0])
    np.testing.assert_array_equal(info['goal'], obs['desired_goal'])
    steps = [env.step(np.array([2.0, -1.0])) for _ in range(5)]
    # actions are clipped to [-1, 1] and move by step_size
    np.testing.assert_allclose(steps[0].observation['observation'], [0.1, -0.1])
    assert [s.step_type for s in steps[-2:]] == [StepType.MID, StepType.TIMEOUT]
    with pytest.raises(RuntimeError, match='reset'):
        env.step(np.zeros(2))


def test_sparse_reward_and_success():
    env = GoalPointEnv(distance_threshold=0.15)
    env.seed(0)
    obs, _ = env.reset()
    goal = obs['desired_goal']
    env._goal = np.array([0.1, 0.0])  # within reach of one step
    step = env.step(np.array([1.0, 0.0]))
    assert step.reward == 0.0
    assert not np.signbit(step.reward)
    assert step.env_info['is_success'] == 1.0
    assert step.env_info['success'] is True
    env.step(np.array([1.0, 0.0]))
    step = env.step(np.array([1.0, 0.0]))  # at 0.3
    assert step.reward == -1.0
    assert step.env_info['is_success'] == 0.0
    rewards = env.compute_reward(
        np.zeros((3, 2)), np.array([[0, 0.1], [0, 0.2], [1, 1]])
    )
    np.testing.assert_array_equal(rewards, [0, -1, -1])
    assert goal.shape == (2,)


def test_goals_follow_the_seed_and_pickling():
    env = GoalPointEnv()
    env.seed(3)
    goals = [env.reset()[0]['desired_goal'] for _ in range(3)]
    env.seed(3)
    assert np.array_equal(env.reset()[0]['desired_goal'], goals[0])
    copy = pickle.loads(pickle.dumps(env))
    np.testing.assert_array_equal(
        copy.reset()[0]['desired_goal'], env.reset()[0]['desired_goal']
    )
    assert (np.abs(np.array(goals)) <= 1).all()


def test_seeded_from_numpy_global_state():
    np.random.seed(4)
    first = GoalPointEnv().reset()[0]['desired_goal']
    np.random.seed(4)
    np.testing.assert_array_equal(GoalPointEnv().reset()[0]['desired_goal'], first)


def test_render_and_errors(capsys):
    env = GoalPointEnv()
    env.reset()
    assert 'Goal' in env.render('ascii')
    env.visualize()
    env.step(np.zeros(2))
    assert capsys.readouterr().out.count('Point') == 2
    with pytest.raises(ValueError, match='mode'):
        env.render('rgb_array')
    with pytest.raises(ValueError, match='shape'):
        env.step(np.zeros(3))
    with pytest.raises(ValueError, match='distance_threshold'):
        GoalPointEnv(distance_threshold=0)
    env.close()
