"""HalfCheetahDirEnv and HalfCheetahVelEnv: tasks, rewards, pickling."""

import importlib.util
import pickle
import subprocess
import sys

import cloudpickle
import numpy as np
import pytest

from garage import StepType
from garage.envs import GymEnv, normalize
from garage.experiment import SetTaskSampler
from garage.experiment.deterministic import set_seed

pytestmark = [
    pytest.mark.mujoco,
    pytest.mark.skipif(
        importlib.util.find_spec('mujoco') is None, reason='needs the mujoco extra'
    ),
]


@pytest.fixture(scope='module')
def mujoco_envs():
    return pytest.importorskip('garage.envs.mujoco', reason='needs the mujoco extra')


def _step(env, action):
    return env.step(np.asarray(action, dtype=np.float32))


def test_import_garage_does_not_import_mujoco():
    code = 'import sys, garage, garage.envs; print("mujoco" in sys.modules)'
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == 'False'


def test_missing_mujoco_names_the_extra():
    code = (
        'import sys; sys.modules["mujoco"] = None\n'
        'try:\n'
        '    import garage.envs.mujoco\n'
        'except ImportError as error:\n'
        '    print(error)\n'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert 'pip install "garage[mujoco]"' in result.stdout


def test_observation_is_mamls(mujoco_envs):
    env = GymEnv(mujoco_envs.HalfCheetahDirEnv(), max_episode_length=5)
    assert env.observation_space.shape == (20,)
    assert env.action_space.shape == (6,)
    observation, _ = env.reset()
    assert observation.shape == (20,)
    assert observation.dtype == np.float32
    torso = env.get_body_com('torso')  # GymEnv passes it on
    np.testing.assert_allclose(observation[17:], torso, rtol=1e-6)


@pytest.mark.parametrize('direction', [1.0, -1.0])
def test_dir_reward_is_velocity_in_direction_minus_control(mujoco_envs, direction):
    env = mujoco_envs.HalfCheetahDirEnv({'direction': direction})
    env.reset(seed=0)
    action = np.full(6, 0.5)
    x_before = env.data.qpos[0]
    _, reward, terminated, truncated, info = env.step(action)
    velocity = (env.data.qpos[0] - x_before) / env.dt
    assert env.dt == pytest.approx(0.05)
    assert info['reward_forward'] == pytest.approx(direction * velocity)
    assert info['reward_ctrl'] == pytest.approx(-0.05 * 6 * 0.25)
    assert info['task_dir'] == direction
    assert reward == pytest.approx(info['reward_forward'] + info['reward_ctrl'])
    assert not terminated
    assert not truncated


def test_vel_reward_is_minus_distance_to_target(mujoco_envs):
    env = mujoco_envs.HalfCheetahVelEnv({'velocity': 1.5})
    env.reset(seed=0)
    x_before = env.data.qpos[0]
    _, reward, _, _, info = env.step(np.zeros(6))
    velocity = (env.data.qpos[0] - x_before) / env.dt
    assert info['reward_forward'] == pytest.approx(-abs(velocity - 1.5))
    assert info['reward_ctrl'] == 0.0
    assert info['task_vel'] == 1.5
    assert reward == pytest.approx(info['reward_forward'])


def test_default_tasks(mujoco_envs):
    assert mujoco_envs.HalfCheetahDirEnv()._task == {'direction': 1.0}
    assert mujoco_envs.HalfCheetahVelEnv()._task == {'velocity': 0.0}


def test_sample_tasks_follow_the_global_seed(mujoco_envs):
    env = mujoco_envs.HalfCheetahDirEnv()
    set_seed(3)
    directions = [task['direction'] for task in env.sample_tasks(200)]
    assert set(directions) == {1.0, -1.0}
    assert 60 < directions.count(1.0) < 140
    set_seed(3)
    assert [task['direction'] for task in env.sample_tasks(200)] == directions
    velocities = [
        task['velocity'] for task in mujoco_envs.HalfCheetahVelEnv().sample_tasks(200)
    ]
    assert 0.0 <= min(velocities) < 0.2
    assert 1.8 < max(velocities) <= 2.0
    with pytest.raises(ValueError, match='num_tasks'):
        env.sample_tasks(-1)


def test_set_task_changes_the_reward(mujoco_envs):
    env = GymEnv(mujoco_envs.HalfCheetahDirEnv(), max_episode_length=3)
    env.seed(0)
    env.reset()
    forward = _step(env, np.ones(6)).env_info['reward_forward']
    env.set_task({'direction': -1.0})  # GymEnv passes it on
    env.seed(0)
    env.reset()
    assert _step(env, np.ones(6)).env_info['reward_forward'] == pytest.approx(-forward)
    with pytest.raises(ValueError, match="'direction'"):
        env.set_task({'velocity': 1.0})
    with pytest.raises(ValueError, match="'velocity'"):
        mujoco_envs.HalfCheetahVelEnv().set_task({'direction': 1.0})


def test_set_task_sampler_with_wrapper_as_the_original_examples(mujoco_envs):
    def wrap(env, _):
        return normalize(GymEnv(env, max_episode_length=4), expected_action_scale=10.0)

    set_seed(1)
    sampler = SetTaskSampler(mujoco_envs.HalfCheetahDirEnv, wrapper=wrap)
    updates = cloudpickle.loads(cloudpickle.dumps(sampler.sample(4)))
    env = None
    for update in updates:
        env = update(env)
        env.reset()
        steps = [_step(env, np.full(6, 10.0)) for _ in range(4)]
        assert steps[-1].step_type == StepType.TIMEOUT
        assert all(s.env_info['task_dir'] == update.task['direction'] for s in steps)


@pytest.mark.parametrize('env_class', ['HalfCheetahDirEnv', 'HalfCheetahVelEnv'])
def test_pickled_mid_episode_steps_on_exactly(mujoco_envs, env_class):
    env = GymEnv(getattr(mujoco_envs, env_class)(), max_episode_length=50)
    task = env.sample_tasks(1)[0]
    env.set_task(task)
    env.seed(4)
    env.reset()
    rng = np.random.default_rng(0)
    for _ in range(10):
        _step(env, rng.uniform(-1, 1, 6))
    restored = pickle.loads(cloudpickle.dumps(env))
    assert restored._env._task == task
    for _ in range(10):
        action = rng.uniform(-1, 1, 6)
        original, copy = _step(env, action), _step(restored, action)
        assert copy.reward == original.reward
        np.testing.assert_array_equal(copy.observation, original.observation)
