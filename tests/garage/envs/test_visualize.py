"""``env.visualize()`` with Gymnasium: the environment is made again to show itself."""

import numpy as np
import pytest

from fixtures.rendering import RECORDING_ID, RENDERS, RecordingEnv
from garage.envs import GymEnv


@pytest.fixture(autouse=True)
def no_renders():
    RENDERS.clear()
    yield
    RENDERS.clear()


def test_an_environment_made_from_an_id_is_made_again_to_show_itself():
    # the original's rollout loop: reset, visualize, step
    env = GymEnv(RECORDING_ID)
    first_observation, _ = env.reset()
    env.visualize()
    assert env._env.render_mode == 'human'
    steps = [env.step(np.array([0.1, 0.1]))]
    while not steps[-1].last:
        steps.append(env.step(np.array([0.1, 0.1])))
    env.close()
    # the episode starts again in the window from the state reset gave
    np.testing.assert_allclose(steps[0].observation, first_observation + 0.1, rtol=1e-6)
    assert len(steps) == 5
    assert [('human', step) for step in range(6)] == RENDERS


def test_visualize_before_reset_shows_the_episodes_that_follow():
    env = GymEnv(RECORDING_ID)
    env.visualize()
    env.reset()
    env.step(np.zeros(2))
    assert RENDERS == [('human', 0), ('human', 1)]


def test_cartpole_made_from_its_id_is_shown(monkeypatch):
    monkeypatch.setenv('SDL_VIDEODRIVER', 'dummy')  # pygame draws nowhere
    env = GymEnv('CartPole-v1', max_episode_length=3)
    env.reset()
    env.visualize()
    assert env._env.render_mode == 'human'
    assert env.step(0).observation.shape == (4,)
    env.close()


def test_an_instance_not_made_from_an_id_cannot_be_made_again():
    env = GymEnv(RecordingEnv(), max_episode_length=5)
    with pytest.raises(ValueError, match='not made from a registered id'):
        env.visualize()


def test_an_environment_made_for_humans_is_left_alone():
    env = GymEnv(RECORDING_ID, render_mode='human')
    inner = env._env
    env.reset()
    env.visualize()
    assert env._env is inner
