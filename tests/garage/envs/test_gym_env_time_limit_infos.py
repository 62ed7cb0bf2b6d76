"""GymEnv's time-limit keys in every step's env_info, as the original's."""

import gymnasium
import numpy as np

from fixtures.policies import TagPolicy
from garage import StepType
from garage.envs import GymEnv
from garage.sampler import LocalSampler

TRUNCATED = 'TimeLimit.truncated'
LIMIT = 'GymEnv.TimeLimitTerminated'


class CountdownEnv(gymnasium.Env):
    """Terminates after ``n_steps`` steps."""

    observation_space = gymnasium.spaces.Box(-1.0, 1.0, (1,), np.float32)
    action_space = gymnasium.spaces.Discrete(2)

    def __init__(self, n_steps=2):
        self._n_steps = n_steps
        self._count = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._count = 0
        return np.zeros(1, np.float32), {}

    def step(self, action):
        self._count += 1
        return np.zeros(1, np.float32), 0.0, self._count >= self._n_steps, False, {}


def run_episode(env):
    env.reset()
    steps = []
    while True:
        steps.append(env.step(0))
        if steps[-1].last:
            return steps


def test_max_episode_length_sets_both_on_the_last_step():
    env = GymEnv(CountdownEnv(n_steps=10), max_episode_length=3)
    steps = run_episode(env)
    assert [s.step_type for s in steps][-1] == StepType.TIMEOUT
    assert [s.env_info[TRUNCATED] for s in steps] == [False, False, True]
    assert [s.env_info[LIMIT] for s in steps] == [False, False, True]


def test_gyms_time_limit_sets_both():
    env = GymEnv(gymnasium.make('CartPole-v1', max_episode_steps=2))
    env.reset()
    env.step(0)
    step = env.step(0)
    assert step.step_type == StepType.TIMEOUT
    assert step.env_info[TRUNCATED] is True
    assert step.env_info[LIMIT] is True


def test_termination_sets_neither():
    env = GymEnv(CountdownEnv(n_steps=2), max_episode_length=10)
    steps = run_episode(env)
    assert steps[-1].step_type == StepType.TERMINAL
    assert [s.env_info[TRUNCATED] for s in steps] == [False, False]
    assert [s.env_info[LIMIT] for s in steps] == [False, False]


def test_termination_at_gyms_time_limit_is_terminal_but_reached_the_limit():
    inner = gymnasium.wrappers.TimeLimit(CountdownEnv(n_steps=2), 2)
    steps = run_episode(GymEnv(inner))
    assert steps[-1].step_type == StepType.TERMINAL
    assert steps[-1].env_info[TRUNCATED] is False
    assert steps[-1].env_info[LIMIT] is True


def test_sampled_batches_have_the_keys():
    env = GymEnv('Pendulum-v1', max_episode_length=4)
    sampler = LocalSampler(TagPolicy(env.spec), env, max_episode_length=4)
    batch = sampler.obtain_samples(0, 8, None)
    ends = np.cumsum(batch.lengths) - 1
    timeouts = batch.step_types == StepType.TIMEOUT
    np.testing.assert_array_equal(batch.env_infos[TRUNCATED], timeouts)
    np.testing.assert_array_equal(batch.env_infos[LIMIT], timeouts)
    assert batch.env_infos[TRUNCATED].dtype == bool
    assert timeouts[ends].all()
    sampler.shutdown_worker()
