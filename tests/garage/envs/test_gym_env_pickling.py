"""A pickled GymEnv steps on exactly as the original, mid-episode included."""

import importlib.util

import cloudpickle
import numpy as np
import pytest

from garage.envs import GymEnv


def _steps(env, n_steps):
    observations = []
    for _ in range(n_steps):
        step = env.step(np.zeros(env.action_space.shape))
        observations.append(step.observation)
        if step.last:
            observations.append(env.reset()[0])
    return observations


@pytest.mark.parametrize(
    'env_id',
    [
        'Pendulum-v1',
        pytest.param(
            'InvertedPendulum-v5',
            marks=[
                pytest.mark.mujoco,
                pytest.mark.skipif(
                    importlib.util.find_spec('mujoco') is None,
                    reason='needs the mujoco extra',
                ),
            ],
        ),
    ],
)
def test_a_copy_continues_the_episode_and_the_resets(env_id):
    # MuJoCo's environments pickle their constructor's arguments only
    # (EzPickle): the copy must get the simulation and the generator too
    env = GymEnv(env_id, max_episode_length=8)
    env.seed(4)
    env.reset()
    _steps(env, 3)
    copy = cloudpickle.loads(cloudpickle.dumps(env))
    for mine, theirs in zip(_steps(copy, 20), _steps(env, 20), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_gym_env_pickled_before_it_kept_its_state_loads():
    env = GymEnv('Pendulum-v1')
    env.reset()
    old = GymEnv.__new__(GymEnv)
    old.__setstate__(dict(vars(env)))
    assert old.spec == env.spec
    _steps(old, 2)
