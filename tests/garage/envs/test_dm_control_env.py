"""DMControlEnv: the Control Suite as garage Environments."""

import importlib.util
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from garage import StepType, rollout
from garage.envs.dm_control import DMControlEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import LocalSampler
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.dm_control,
    pytest.mark.skipif(
        importlib.util.find_spec('dm_control') is None,
        reason='needs the dm_control extra',
    ),
]
# dm_env comes with dm_control; dm_control itself is imported by the tests
# (DMControlEnv.from_suite), not at collection
dm_env = pytest.importorskip('dm_env', reason='needs the dm_control extra')


@pytest.fixture(scope='module')
def cartpole():
    env = DMControlEnv.from_suite('cartpole', 'balance')
    yield env
    env.close()


def test_spec_from_the_dm_env_specs(cartpole):
    assert cartpole.name == 'cartpole.balance'
    assert repr(cartpole) == 'DMControlEnv(cartpole.balance)'
    spec = cartpole.spec
    # cartpole observes position (3) and velocity (2)
    assert spec.observation_space.shape == (5,)
    assert spec.observation_space.dtype == np.float32
    assert spec.action_space.shape == (1,)
    np.testing.assert_array_equal(spec.action_space.low, [-1])
    np.testing.assert_array_equal(spec.action_space.high, [1])
    assert spec.max_episode_length == 1000  # the suite's 20 s time limit
    assert cartpole.render_modes == ['rgb_array']


def test_observations_are_the_flattened_dict(cartpole):
    first, episode_info = cartpole.reset()
    assert episode_info == {}
    physics_obs = cartpole._env.task.get_observation(cartpole._env.physics)
    expected = np.concatenate([np.ravel(v) for v in physics_obs.values()])
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    assert first.dtype == np.float32
    assert cartpole.observation_space.contains(first)


def test_episode_ends_with_a_timeout_at_the_time_limit(cartpole):
    cartpole.reset()
    step_types = []
    while not step_types or step_types[-1] not in (StepType.TIMEOUT,):
        step = cartpole.step(np.zeros(1, dtype=np.float32))
        step_types.append(step.step_type)
        assert step.env_info == {'discount': 1.0}
        assert 0 <= step.reward <= 1
        if len(step_types) > 1000:
            break
    assert len(step_types) == 1000
    assert step_types[0] == StepType.FIRST
    assert set(step_types[1:-1]) == {StepType.MID}
    with pytest.raises(RuntimeError, match='reset'):
        cartpole.step(np.zeros(1))


class EndingTask:
    """A fake dm_control environment that ends after 3 steps with a
    discount: 0 (the task failed) or 1 (ended, but not a failure)."""

    def __init__(self, discount):
        self.task = self
        self._discount = discount
        self._step_limit = 10
        self._n = 0

    def action_spec(self):
        return dm_env.specs.BoundedArray((2,), np.float64, -2.0, 2.0)

    def observation_spec(self):
        return {
            'a': dm_env.specs.Array((2, 2), np.float64),
            'b': dm_env.specs.Array((), np.float64),
        }

    def _obs(self):
        return {'a': np.full((2, 2), self._n), 'b': np.float64(-self._n)}

    def reset(self):
        self._n = 0
        return dm_env.restart(self._obs())

    def step(self, action):
        self._n += 1
        if self._n == 3:
            return dm_env.truncation(1.0, self._obs(), self._discount)
        return dm_env.transition(1.0, self._obs())

    def close(self):
        pass


@pytest.mark.parametrize(
    ('discount', 'last_type'), [(0.0, StepType.TERMINAL), (1.0, StepType.TIMEOUT)]
)
def test_task_ending_the_episode(discount, last_type):
    env = DMControlEnv(EndingTask(discount))
    assert env.name == 'EndingTask'
    assert env.spec.observation_space.shape == (5,)
    assert env.spec.max_episode_length == 10
    np.testing.assert_array_equal(env.action_space.low, [-2, -2])
    env.reset()
    steps = [env.step(np.zeros(2)) for _ in range(3)]
    assert [s.step_type for s in steps] == [StepType.FIRST, StepType.MID, last_type]
    np.testing.assert_array_equal(steps[-1].observation, [3, 3, 3, 3, -3])


def test_render_rgb_array():
    # in a process of its own: in the test process, an OpenGL context that
    # an earlier test's renderer left can crash EGL's (it did in CI)
    code = (
        'from garage.envs.dm_control import DMControlEnv\n'
        "env = DMControlEnv.from_suite('cartpole', 'balance')\n"
        'env.reset()\n'
        "frame = env.render('rgb_array')\n"
        'print(frame.shape, frame.dtype, frame.std() > 0)\n'
        'try:\n'
        "    env.render('human')\n"
        'except ValueError as error:\n'
        "    print('mode' in str(error))\n"
    )
    result = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['(240, 320, 3) uint8 True', 'True']


def test_pickling_mid_episode_continues_exactly(cartpole):
    cartpole.reset()
    for _ in range(5):
        cartpole.step(np.array([0.3], dtype=np.float32))
    copy = pickle.loads(pickle.dumps(cartpole))
    for _ in range(3):
        action = np.array([-0.7], dtype=np.float32)
        a, b = cartpole.step(action), copy.step(action)
        np.testing.assert_array_equal(a.observation, b.observation)
        assert a.reward == b.reward
    # the task's random state too: the next episodes start alike
    np.testing.assert_array_equal(cartpole.reset()[0], copy.reset()[0])
    copy.close()


def test_from_suite_unknown_task():
    with pytest.raises(ValueError, match='no task'):
        DMControlEnv.from_suite('cartpole', 'juggle')


def test_missing_extra_names_it():
    code = (
        'import sys; sys.modules["dm_control"] = None\n'
        'from garage.envs.dm_control import DMControlEnv\n'
        'try:\n'
        '    DMControlEnv.from_suite("cartpole", "balance")\n'
        'except ImportError as error:\n'
        '    print(error)\n'
    )
    out = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install 'garage[dm_control]'" in out


def test_visualize_draws_each_step():
    pytest.importorskip('pygame', reason='needs pygame (the video extra)')
    # in a process of its own, as test_render_rgb_array
    code = (
        'import numpy as np\n'
        'from garage.envs.dm_control import DMControlEnv\n'
        "env = DMControlEnv.from_suite('cartpole', 'swingup')\n"
        'env.reset()\n'
        'env.visualize()\n'
        'shown = []\n'
        'env._show = lambda: shown.append(1)\n'
        'env.step(np.zeros(1, dtype=np.float32))\n'
        'print(shown)\n'
        'del env._show\n'
        'env.close()\n'
        'print(env._window is None)\n'
    )
    result = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=dict(os.environ, SDL_VIDEODRIVER='dummy'),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == ['[1]', 'True']


def test_mujoco_warnings_leave_no_log_file(cartpole, monkeypatch, tmp_path):
    from dm_control.rl.control import PhysicsError

    from garage.envs.gym_env import _mujoco_hook

    monkeypatch.chdir(tmp_path)
    cartpole.reset()
    cartpole._env.physics.data.qvel[:] = np.inf
    # dm_control raises for the invalid state, naming MuJoCo's warning;
    # the warning is neither logged to MUJOCO_LOG.TXT nor issued later
    with pytest.raises(PhysicsError, match='mjWARN_BADQVEL'):
        cartpole.step(np.zeros(1, dtype=np.float32))
    assert _mujoco_hook.messages == []
    assert list(tmp_path.iterdir()) == []
    cartpole.reset()


def test_rollout(cartpole):
    from garage.np.policies import UniformRandomPolicy

    episode = rollout(
        cartpole, UniformRandomPolicy(cartpole.spec), max_episode_length=20
    )
    assert episode['observations'].shape == (20, 5)
    assert episode['actions'].shape == (20, 1)
    assert episode['rewards'].shape == (20,)


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
def test_ppo_trains_on_cartpole_balance(tmp_path):
    import torch

    from garage.torch.algos import PPO
    from garage.torch.policies import GaussianMLPPolicy
    from garage.torch.value_functions import GaussianMLPValueFunction

    deterministic.set_seed(1)
    env = DMControlEnv.from_suite('cartpole', 'balance')
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    before = [p.detach().clone() for p in policy.parameters()]
    sampler = LocalSampler(policy, env, max_episode_length=100, n_workers=1)
    algo = PPO(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
        sampler,
        discount=0.99,
    )
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
    trainer.setup(algo, env)
    average_return = trainer.train(n_epochs=1, batch_size=200, progress=False)
    assert trainer.total_env_steps == 200
    assert np.isfinite(average_return)
    assert any(
        not torch.equal(a, b) for a, b in zip(before, policy.parameters(), strict=True)
    )
    # the snapshot holds the environment, which unpickles
    restored = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
    restored.restore(tmp_path)
    assert isinstance(restored.get_env_copy(), DMControlEnv)
    env.close()
