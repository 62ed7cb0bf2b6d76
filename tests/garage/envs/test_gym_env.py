import pickle
import subprocess
import sys

import cloudpickle
import gymnasium
import numpy as np
import pytest

from garage import EnvStep, StepType
from garage._legacy_gym import akro, gym
from garage.envs import GymEnv
from garage.experiment import deterministic


def run_episode(env, action):
    env.reset()
    steps = [env.step(action)]
    while not steps[-1].last:
        steps.append(env.step(action))
    return steps


class OldApiEnv(gym.Env):
    """A pre-0.26 gym environment: reset returns obs, step four values."""

    observation_space = gym.spaces.Box(-1, 1, (2,), np.float32)
    action_space = gym.spaces.Discrete(2)
    metadata = {'render.modes': ['ansi', 'human']}

    def __init__(self, length=3, truncate=False):
        self.length = length
        self.truncate = truncate
        self.t = 0
        self.human_renders = 0
        self.seeds = []

    def seed(self, seed=None):
        self.seeds.append(seed)

    def reset(self):
        self.t = 0
        return np.zeros(2, np.float32)

    def step(self, action):
        self.t += 1
        done = self.t >= self.length
        info = {'TimeLimit.truncated': True} if done and self.truncate else {}
        return np.full(2, self.t, np.float32), 1.0, done, info

    def render(self, mode='ansi'):
        if mode == 'human':
            self.human_renders += 1
            return None
        return f't={self.t}'


class RenderingEnv(gymnasium.Env):
    """A Gymnasium environment that can render rgb_array frames."""

    metadata = {'render_modes': ['rgb_array']}
    observation_space = gymnasium.spaces.Box(-1, 1, (1,), np.float32)
    action_space = gymnasium.spaces.Box(-1, 1, (1,), np.float32)

    def __init__(self, render_mode=None):
        self.render_mode = render_mode

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self.np_random.uniform(-1, 1, (1,)).astype(np.float32), {}

    def step(self, action):
        return np.zeros(1, np.float32), 0.0, False, False, {}

    def render(self):
        return np.zeros((2, 2, 3), np.uint8)


class TestGymnasium:
    def test_cartpole_step_types(self):
        env = GymEnv('CartPole-v1')
        assert env.spec.max_episode_length == 500
        steps = run_episode(env, 1)  # always pushing right falls over soon
        assert steps[0].step_type == StepType.FIRST
        assert all(s.step_type == StepType.MID for s in steps[1:-1])
        assert steps[-1].step_type == StepType.TERMINAL
        assert len(steps) < 500
        assert isinstance(steps[-1], EnvStep)
        assert steps[-1].env_spec is env.spec

    def test_max_episode_length_gives_timeout(self):
        env = GymEnv('CartPole-v1', max_episode_length=3)
        assert env.spec.max_episode_length == 3
        steps = run_episode(env, 0)
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TIMEOUT,
        ]

    def test_continuous_env_truncates_at_its_time_limit(self):
        env = GymEnv('Pendulum-v1')
        assert isinstance(env.action_space, akro.Box)
        assert env.action_space.dtype == np.float32
        steps = run_episode(env, np.zeros(1, np.float32))
        assert len(steps) == 200
        assert steps[-1].step_type == StepType.TIMEOUT
        assert isinstance(steps[0].reward, float)

    def test_terminal_beats_timeout_on_the_last_step(self):
        env = GymEnv(OldApiEnv(length=3), max_episode_length=3)
        steps = run_episode(env, 0)
        assert steps[-1].step_type == StepType.TERMINAL

    def test_instance(self):
        env = GymEnv(gymnasium.make('CartPole-v1', max_episode_steps=7))
        assert env.spec.max_episode_length == 7
        assert len(run_episode(env, np.int64(0))) <= 7

    def test_tuple_observations(self):
        box = gymnasium.spaces.Box(-1, 1, (1,), np.float32)
        inner = RenderingEnv()
        inner.observation_space = gymnasium.spaces.Tuple((box, box))
        inner.reset = lambda seed=None: ((np.ones(1), np.zeros(1)), {'a': 1})
        observation, episode_info = GymEnv(inner).reset()
        np.testing.assert_array_equal(observation[0], [1])
        np.testing.assert_array_equal(observation[1], [0])
        assert episode_info == {}

    def test_make_kwargs(self):
        env = GymEnv('Pendulum-v1', g=1.0)
        assert env._env.unwrapped.g == 1.0


class TestLegacyGym:
    def test_gym_026_cartpole(self):
        # gym.make wraps the env in its NumPy-2-broken env checker
        env = GymEnv(gym.make('CartPole-v1'))
        assert env.spec.max_episode_length == 500
        steps = run_episode(env, 1)
        assert steps[-1].step_type == StepType.TERMINAL
        assert isinstance(env.observation_space, akro.Box)

    def test_old_four_tuple_api(self):
        env = GymEnv(OldApiEnv(length=3))
        observation, episode_info = env.reset()
        np.testing.assert_array_equal(observation, np.zeros(2))
        assert episode_info == {}
        types = [env.step(0).step_type for _ in range(3)]
        assert types == [StepType.FIRST, StepType.MID, StepType.TERMINAL]

    def test_old_api_env_is_seeded_through_its_seed_method(self):
        inner = OldApiEnv()
        env = GymEnv(inner)
        env.seed(5)
        env.reset()
        env.reset()
        assert inner.seeds == [5]

    def test_old_api_time_limit_truncation_is_timeout(self):
        env = GymEnv(OldApiEnv(length=3, truncate=True))
        assert run_episode(env, 0)[-1].step_type == StepType.TIMEOUT

    def test_legacy_id_fallback(self, monkeypatch):
        gym.register(
            'LegacyOnly-v0',
            entry_point=OldApiEnv,
            kwargs={'length': 2},
            apply_api_compatibility=True,
        )
        try:
            env = GymEnv('LegacyOnly-v0')
            assert run_episode(env, 0)[-1].step_type == StepType.TERMINAL
        finally:
            del gym.envs.registry['LegacyOnly-v0']


class TestErrors:
    def test_unknown_id(self):
        with pytest.raises(ValueError, match="unknown environment id 'Nope-v0'"):
            GymEnv('Nope-v0')

    def test_not_an_env(self):
        with pytest.raises(TypeError, match='not int'):
            GymEnv(3)

    def test_make_kwargs_with_instance(self):
        with pytest.raises(TypeError, match=r"\['g'\] are for making"):
            GymEnv(gymnasium.make('Pendulum-v1'), g=1.0)

    def test_max_episode_length_over_instance_limit(self):
        with pytest.raises(
            ValueError, match='max_episode_length=600 exceeds the time limit of 500'
        ):
            GymEnv(gymnasium.make('CartPole-v1'), max_episode_length=600)

    @pytest.mark.parametrize('length', [0, 2.5, True, '3'])
    def test_bad_max_episode_length(self, length):
        with pytest.raises(
            ValueError, match=r'^max_episode_length must be a positive integer or None'
        ):
            GymEnv('CartPole-v1', max_episode_length=length)

    def test_whole_float_max_episode_length(self):
        env = GymEnv('CartPole-v1', max_episode_length=1e1)
        assert env.spec.max_episode_length == 10
        assert type(env.spec.max_episode_length) is int

    def test_step_before_reset(self):
        with pytest.raises(RuntimeError, match='reset'):
            GymEnv('CartPole-v1').step(0)

    def test_step_after_episode_end(self):
        env = GymEnv(OldApiEnv(length=1))
        run_episode(env, 0)
        with pytest.raises(RuntimeError, match='reset'):
            env.step(0)

    def test_action_of_wrong_shape(self):
        env = GymEnv('Pendulum-v1')
        env.reset()
        with pytest.raises(
            ValueError,
            match=r'action has shape \(2,\).*expects shape '
            r'\(1,\)',
        ):
            env.step(np.zeros(2))

    def test_discrete_action_must_be_a_scalar(self):
        env = GymEnv('CartPole-v1')
        env.reset()
        with pytest.raises(ValueError, match=r'expects shape \(\)'):
            env.step(np.array([1]))

    def test_unsupported_space(self):
        env = gymnasium.make('CartPole-v1').unwrapped
        env.action_space = gymnasium.spaces.Text(3)
        with pytest.raises(ValueError, match=r'action_space must be .* space'):
            GymEnv(env)


class TestRendering:
    def test_render_modes_from_either_metadata_key(self):
        assert GymEnv('CartPole-v1').render_modes == ['human', 'rgb_array']
        assert GymEnv(OldApiEnv()).render_modes == ['ansi', 'human']

    def test_unknown_render_mode(self):
        with pytest.raises(
            ValueError, match=r"^mode must be one of 'human', 'rgb_array', got 'ansi'$"
        ):
            GymEnv('CartPole-v1').render('ansi')

    def test_gymnasium_renders_in_the_mode_it_was_made_with(self):
        env = GymEnv(RenderingEnv(render_mode='rgb_array'))
        env.reset()
        assert env.render('rgb_array').shape == (2, 2, 3)

    def test_gymnasium_made_for_another_mode(self):
        env = GymEnv(RenderingEnv())
        with pytest.raises(ValueError, match="render_mode='rgb_array'"):
            env.render('rgb_array')

    def test_gym_026_made_without_render_mode(self):
        env = GymEnv(gym.make('CartPole-v1'))
        with pytest.raises(ValueError, match="render_mode='rgb_array'"):
            env.render('rgb_array')
        with pytest.raises(ValueError, match="render_mode='human'"):
            env.visualize()

    def test_old_api_render(self):
        env = GymEnv(OldApiEnv())
        env.reset()
        env.step(0)
        assert env.render('ansi') == 't=1'

    def test_visualize_renders_every_step(self):
        inner = OldApiEnv(length=3)
        env = GymEnv(inner)
        env.visualize()
        run_episode(env, 0)
        assert inner.human_renders == 4  # the reset and three steps

    def test_visualize_needs_an_environment_it_can_make_again(self):
        # made for another mode, and not from an id (tests/garage/envs/
        # test_visualize.py shows environments made from an id)
        with pytest.raises(ValueError, match='not made from a registered id'):
            GymEnv(RenderingEnv()).visualize()

    def test_visualize_needs_a_mode_for_windows(self):
        class Silent(RenderingEnv):
            metadata = {'render_modes': ['ansi']}

        with pytest.raises(ValueError, match='cannot render in a window'):
            GymEnv(Silent()).visualize()


class TestSpaces:
    def test_box_keeps_dtype_and_bounds(self):
        space = gymnasium.spaces.Box(0, 5, (2, 3), np.int64)
        converted = GymEnv(_env_with(observation_space=space)).observation_space
        assert isinstance(converted, akro.Box)
        assert converted.dtype == np.int64
        assert converted.shape == (2, 3)
        np.testing.assert_array_equal(converted.high, space.high)

    def test_discrete_keeps_start(self):
        space = gymnasium.spaces.Discrete(3, start=1)
        converted = GymEnv(_env_with(action_space=space)).action_space
        assert isinstance(converted, akro.Discrete)
        assert (converted.n, converted.start) == (3, 1)

    def test_dict_and_tuple(self):
        box = gymnasium.spaces.Box(-1, 1, (2,), np.float32)
        dict_space = gymnasium.spaces.Dict(
            {'a': box, 'b': gymnasium.spaces.Discrete(2)}
        )
        env = GymEnv(_env_with(observation_space=dict_space))
        assert isinstance(env.observation_space, akro.Dict)
        assert env.observation_space.flat_dim == 4
        tuple_space = gymnasium.spaces.Tuple((box, box))
        env = GymEnv(_env_with(observation_space=tuple_space))
        assert isinstance(env.observation_space, akro.Tuple)

    def test_image(self):
        space = gymnasium.spaces.Box(0, 255, (4, 4, 3), np.uint8)
        env = GymEnv(_env_with(observation_space=space), is_image=True)
        assert isinstance(env.observation_space, akro.Image)

    def test_image_needs_0_to_255(self):
        space = gymnasium.spaces.Box(0, 1, (4, 4, 3), np.float32)
        with pytest.raises(ValueError, match='is_image=True needs a Box'):
            GymEnv(_env_with(observation_space=space), is_image=True)


def _env_with(**spaces):
    env = RenderingEnv()
    for name, space in spaces.items():
        setattr(env, name, space)
    return env


class TestSeedingAndPickling:
    def test_set_seed_makes_resets_reproducible(self):
        def first_observations():
            deterministic.set_seed(7)
            env = GymEnv('CartPole-v1')
            return [env.reset()[0] for _ in range(3)]

        first, second = first_observations(), first_observations()
        np.testing.assert_array_equal(first, second)
        assert not np.array_equal(first[0], first[1])

    def test_seed(self):
        observations, actions = [], []
        for _ in range(2):
            env = GymEnv('CartPole-v1')
            env.seed(3)
            observations.append(env.reset()[0])
            actions.append([env.action_space.sample() for _ in range(10)])
        np.testing.assert_array_equal(*observations)
        assert actions[0] == actions[1]

    @pytest.mark.parametrize(
        ('dumps', 'loads'),
        [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
    )
    def test_pickle_keeps_state(self, dumps, loads):
        env = GymEnv('Pendulum-v1')
        env.reset()
        env.step(np.ones(1, np.float32))
        copy = loads(dumps(env))
        action = np.full(1, 0.5, np.float32)
        for _ in range(5):
            np.testing.assert_array_equal(
                env.step(action).observation, copy.step(action).observation
            )
        assert copy.spec == env.spec

    def test_legacy_env_pickles(self):
        env = GymEnv(OldApiEnv(length=5))
        env.reset()
        env.step(0)
        copy = pickle.loads(pickle.dumps(env))
        assert copy.step(0).observation[0] == 2


class TestAtari:
    """'ALE/...' ids: ale-py registered on demand, or named as the fix."""

    def test_ale_py_is_imported_to_register_its_envs(self, monkeypatch, tmp_path):
        # a stand-in for ale-py: importing it registers an ALE environment,
        # as ale-py does
        package = tmp_path / 'ale_py'
        package.mkdir()
        (package / '__init__.py').write_text(
            'import gymnasium\n'
            "gymnasium.register('ALE/FakePong-v5', "
            "entry_point='gymnasium.envs.classic_control:CartPoleEnv', "
            'max_episode_steps=7)\n'
        )
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.delitem(sys.modules, 'ale_py', raising=False)
        try:
            env = GymEnv('ALE/FakePong-v5')
            assert env.spec.max_episode_length == 7
            assert 'ale_py' in sys.modules
        finally:
            gymnasium.registry.pop('ALE/FakePong-v5', None)
            sys.modules.pop('ale_py', None)

    def test_without_ale_py_the_error_names_the_package(self, monkeypatch):
        monkeypatch.setitem(sys.modules, 'ale_py', None)  # import fails
        with pytest.raises(ValueError, match=r'(?s)ALE/Pong-v5.*pip install ale-py'):
            GymEnv('ALE/Pong-v5')

    def test_other_unknown_ids_do_not_mention_it(self):
        with pytest.raises(ValueError, match='unknown environment id') as error:
            GymEnv('Nowhere/Pong-v5')
        assert 'ale-py' not in str(error.value)


@pytest.mark.mujoco
class TestMujocoLog:
    """MuJoCo's warnings become Python warnings, not MUJOCO_LOG.TXT."""

    def test_no_log_file_in_the_working_directory(self, monkeypatch, tmp_path):
        pytest.importorskip('mujoco', reason='needs the mujoco extra')
        monkeypatch.chdir(tmp_path)
        env = GymEnv('InvertedPendulum-v5')
        env.reset()
        # an infinite velocity makes MuJoCo warn that the simulation is
        # unstable, which it logs to MUJOCO_LOG.TXT without a handler
        env._env.unwrapped.data.qvel[:] = np.inf
        with pytest.warns(RuntimeWarning, match='MuJoCo: Nan, Inf or huge value'):
            env.step(np.zeros(1, np.float32))
        env.close()
        assert not (tmp_path / 'MUJOCO_LOG.TXT').exists()
        assert list(tmp_path.iterdir()) == []

    def test_building_a_model_logs_no_file_in_a_new_process(self, tmp_path):
        # HalfCheetah's model uses a compiler attribute that MuJoCo 4
        # deprecates and warns about while building it: at make, and again
        # when a pickled environment is rebuilt in another process (MuJoCo
        # 3, which MetaWorld pins, builds it silently)
        pytest.importorskip('mujoco', reason='needs the mujoco extra')
        make = (
            'import cloudpickle; from garage.envs import GymEnv; '
            "env = GymEnv('HalfCheetah-v5'); env.reset(); "
            "open('env.pkl', 'wb').write(cloudpickle.dumps(env))"
        )
        load = (
            "import cloudpickle; env = cloudpickle.load(open('env.pkl', 'rb')); "
            'env.step(env.action_space.sample())'
        )
        for code in (make, load):
            result = subprocess.run(
                [sys.executable, '-c', code],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert result.returncode == 0, result.stderr
            if result.stderr:  # only as a Python warning
                assert 'MuJoCo: ' in result.stderr, result.stderr
            assert sorted(path.name for path in tmp_path.iterdir()) == ['env.pkl']
