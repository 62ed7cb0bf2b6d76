import copy
import dataclasses
import pickle

import cloudpickle
import gymnasium
import numpy as np
import pytest

from garage import Environment, EnvSpec, EnvStep, StepType, TimeStep, Wrapper
from garage._legacy_gym import akro


class TinyEnv(Environment):
    """Counts steps; observation = [step count]; TIMEOUT at the limit."""

    def __init__(self, max_episode_length=3):
        self._obs_space = akro.Box(low=0.0, high=100.0, shape=(1,))
        self._act_space = akro.Discrete(2)
        self._spec = EnvSpec(self._obs_space, self._act_space, max_episode_length)
        self._step_cnt = None
        self._secret = 'private'
        self.goal = np.array([1.0, 2.0])
        self.calls = []

    @property
    def action_space(self):
        return self._act_space

    @property
    def observation_space(self):
        return self._obs_space

    @property
    def spec(self):
        return self._spec

    @property
    def render_modes(self):
        return ['ascii', 'rgb_array']

    def reset(self):
        self.calls.append('reset')
        self._step_cnt = 0
        return np.zeros(1), {'goal': self.goal}

    def step(self, action):
        if self._step_cnt is None:
            raise RuntimeError('reset() must be called before step()')
        self.calls.append(('step', action))
        self._step_cnt += 1
        step_type = StepType.get_step_type(
            self._step_cnt, self._spec.max_episode_length, done=action == 1
        )
        step = EnvStep(
            env_spec=self._spec,
            action=np.asarray(action),
            reward=float(self._step_cnt),
            observation=np.array([float(self._step_cnt)]),
            env_info={'count': self._step_cnt},
            step_type=step_type,
        )
        if step.last:
            self._step_cnt = None
        return step

    def render(self, mode):
        self._check_render_mode(mode)
        self.calls.append(('render', mode))
        if mode == 'ascii':
            return f'step {self._step_cnt}'
        return np.zeros((2, 2, 3), np.uint8)

    def visualize(self):
        self.calls.append('visualize')

    def close(self):
        self.calls.append('close')

    def set_goal(self, goal):
        self.goal = goal
        return 'goal set'


class DoubleReward(Wrapper):
    """Overrides step only."""

    def step(self, action):
        step = self._env.step(action)
        return dataclasses.replace(step, reward=2 * step.reward)


# EnvStep.


def _env_step(step_type):
    return EnvStep(
        env_spec=TinyEnv().spec,
        action=np.array(0),
        reward=1.0,
        observation=np.zeros(1),
        env_info={},
        step_type=step_type,
    )


class TestEnvStep:
    def test_fields(self):
        step = _env_step(StepType.MID)
        assert step.reward == 1.0
        assert step.env_info == {}
        assert step.step_type is StepType.MID
        assert isinstance(step.env_spec, EnvSpec)

    @pytest.mark.parametrize(
        ('step_type', 'flags'),
        [
            (StepType.FIRST, (True, False, False, False, False)),
            (StepType.MID, (False, True, False, False, False)),
            (StepType.TERMINAL, (False, False, True, False, True)),
            (StepType.TIMEOUT, (False, False, False, True, True)),
        ],
    )
    def test_step_type_properties(self, step_type, flags):
        step = _env_step(step_type)
        assert (step.first, step.mid, step.terminal, step.timeout, step.last) == flags

    @pytest.mark.parametrize('bad', [0, 3, 'TIMEOUT', None, True])
    def test_non_step_type(self, bad):
        with pytest.raises(
            ValueError, match=f'^step_type must be a StepType, not {bad!r}$'
        ):
            _env_step(bad)

    def test_frozen(self):
        step = _env_step(StepType.MID)
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.reward = 3.0  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.step_type = StepType.TERMINAL  # type: ignore[misc]

    def test_pickle(self):
        step = _env_step(StepType.TERMINAL)
        restored = pickle.loads(cloudpickle.dumps(step))
        assert restored.step_type is StepType.TERMINAL
        assert restored.env_spec == step.env_spec

    def test_time_step_from_env_step(self):
        step = _env_step(StepType.FIRST)
        ts = TimeStep.from_env_step(step, np.ones(1), {'a': 1}, {'b': 2})
        assert ts.first
        assert ts.next_observation is step.observation
        assert ts.observation.tolist() == [1.0]


# Environment.


class TestEnvironment:
    def test_is_abstract(self):
        with pytest.raises(TypeError, match='abstract'):
            Environment()

    def test_subclass_missing_a_method_is_abstract(self):
        class Partial(Environment):
            def reset(self):
                return None

        with pytest.raises(TypeError, match='abstract'):
            Partial()

    def test_unwrapped_is_self(self):
        env = TinyEnv()
        assert env.unwrapped is env

    def test_check_render_mode(self):
        env = TinyEnv()
        assert env.render('ascii') == 'step None'
        with pytest.raises(
            ValueError,
            match=(r"^mode must be one of 'ascii', 'rgb_array', got 'human'$"),
        ):
            env.render('human')

    def test_rollout_loop(self):
        """The loop in the Environment docstring."""
        env = TinyEnv(max_episode_length=3)
        first_obs, episode_info = env.reset()
        assert first_obs.tolist() == [0.0]
        assert episode_info['goal'] is env.goal
        episode = [env.step(0)]
        while not episode[-1].last:
            episode.append(env.step(0))
        assert [s.step_type for s in episode] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TIMEOUT,
        ]

    def test_step_before_reset(self):
        with pytest.raises(RuntimeError, match='reset'):
            TinyEnv().step(0)


# Wrapper.


class TestWrapper:
    def test_delegates_spaces_spec_and_render_modes(self):
        env = TinyEnv()
        wrapped = Wrapper(env)
        assert wrapped.action_space is env.action_space
        assert wrapped.observation_space is env.observation_space
        assert wrapped.spec is env.spec
        assert wrapped.render_modes == ['ascii', 'rgb_array']

    def test_delegates_reset_step_render_visualize_close(self):
        env = TinyEnv()
        wrapped = Wrapper(env)
        obs, info = wrapped.reset()
        assert obs.tolist() == [0.0]
        assert info['goal'] is env.goal
        step = wrapped.step(0)
        assert isinstance(step, EnvStep)
        assert step.first
        assert step.observation.tolist() == [1.0]
        assert wrapped.render('ascii') == 'step 1'
        assert wrapped.render('rgb_array').shape == (2, 2, 3)
        assert wrapped.visualize() is None
        assert wrapped.close() is None
        assert env.calls == [
            'reset',
            ('step', 0),
            ('render', 'ascii'),
            ('render', 'rgb_array'),
            'visualize',
            'close',
        ]

    def test_render_error_comes_from_inner_env(self):
        with pytest.raises(
            ValueError, match=r"^mode must be one of 'ascii', 'rgb_array', got 'human'$"
        ):
            Wrapper(TinyEnv()).render('human')

    def test_step_before_reset_error_passes_through(self):
        with pytest.raises(RuntimeError, match='reset'):
            Wrapper(TinyEnv()).step(0)

    def test_delegates_public_attributes_and_methods(self):
        env = TinyEnv()
        wrapped = Wrapper(Wrapper(env))
        assert wrapped.goal is env.goal
        assert wrapped.calls is env.calls
        assert wrapped.set_goal(np.zeros(2)) == 'goal set'
        assert env.goal.tolist() == [0.0, 0.0]
        # Attributes added after wrapping are found too.
        env.late = 'late'
        assert wrapped.late == 'late'

    def test_missing_public_attribute(self):
        with pytest.raises(AttributeError, match='no_such_thing'):
            _ = Wrapper(TinyEnv()).no_such_thing
        assert not hasattr(Wrapper(TinyEnv()), 'no_such_thing')

    @pytest.mark.parametrize('name', ['_secret', '_step_cnt', '_spec'])
    def test_private_attributes_not_delegated(self, name):
        env = TinyEnv()
        assert hasattr(env, name)
        wrapped = Wrapper(env)
        with pytest.raises(
            AttributeError, match=f"^'Wrapper' object has no attribute '{name}'$"
        ):
            getattr(wrapped, name)

    def test_private_error_names_the_subclass(self):
        with pytest.raises(AttributeError, match=r"^'DoubleReward' object"):
            _ = DoubleReward(TinyEnv())._secret

    def test_dunder_not_delegated(self):
        assert not hasattr(Wrapper(TinyEnv()), '__array__')

    def test_unwrapped_through_two_wrappers(self):
        env = TinyEnv()
        inner = Wrapper(env)
        outer = DoubleReward(inner)
        assert inner.unwrapped is env
        assert outer.unwrapped is env
        assert outer._env is inner

    def test_override_one_method(self):
        env = TinyEnv()
        wrapped = Wrapper(DoubleReward(env))
        wrapped.reset()
        step = wrapped.step(0)
        assert step.reward == 2.0
        assert wrapped.spec is env.spec

    @pytest.mark.parametrize(
        'not_env',
        [object(), None, 'env', gymnasium.make('CartPole-v1')],
        ids=['object', 'None', 'str', 'gymnasium'],
    )
    def test_non_environment_is_type_error(self, not_env):
        with pytest.raises(
            TypeError,
            match=r'^Wrapper needs a garage Environment, not '
            rf'{type(not_env).__name__}; wrap gym and '
            'Gymnasium environments with garage.envs.GymEnv',
        ):
            Wrapper(not_env)

    def test_is_an_environment(self):
        assert isinstance(Wrapper(TinyEnv()), Environment)

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickle(self, dumps):
        wrapped = DoubleReward(Wrapper(TinyEnv()))
        wrapped.reset()
        restored = pickle.loads(dumps(wrapped))
        assert type(restored) is DoubleReward
        assert isinstance(restored.unwrapped, TinyEnv)
        assert restored.unwrapped is not wrapped.unwrapped
        assert restored.step(0).reward == 2.0
        assert restored.goal.tolist() == [1.0, 2.0]

    def test_copy_and_deepcopy(self):
        wrapped = Wrapper(TinyEnv())
        shallow = copy.copy(wrapped)
        assert shallow.unwrapped is wrapped.unwrapped
        deep = copy.deepcopy(wrapped)
        assert deep.unwrapped is not wrapped.unwrapped
        assert deep.spec == wrapped.spec
