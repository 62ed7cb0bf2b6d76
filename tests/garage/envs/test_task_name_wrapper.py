import pickle

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from garage import StepType
from garage.envs import PointEnv, TaskNameWrapper


def test_adds_task_name():
    env = TaskNameWrapper(StepCountEnv(terminate_after=2), task_name='count')
    env.reset()
    es = env.step(np.zeros(1))
    assert es.env_info == {'step': 1, 'task_name': 'count'}


def test_adds_task_id_when_given():
    env = TaskNameWrapper(StepCountEnv(), task_name='count', task_id=7)
    env.reset()
    assert env.step(np.zeros(1)).env_info == {
        'step': 1,
        'task_name': 'count',
        'task_id': 7,
    }


def test_every_step_labelled_and_steps_otherwise_unchanged():
    env = TaskNameWrapper(StepCountEnv(terminate_after=3), task_name='t')
    obs, episode_info = env.reset()
    np.testing.assert_array_equal(obs, [0.0])
    assert episode_info == {'episode': 0}
    steps = [env.step(np.zeros(1)) for _ in range(3)]
    assert [s.env_info['task_name'] for s in steps] == ['t'] * 3
    assert [s.step_type for s in steps] == [
        StepType.FIRST,
        StepType.MID,
        StepType.TERMINAL,
    ]
    assert [s.observation[0] for s in steps] == [1.0, 2.0, 3.0]


def test_does_not_mutate_inner_env_info():
    env = PointEnv()
    env.reset()
    inner_info = env.step(np.zeros(2)).env_info
    wrapped = TaskNameWrapper(env, task_name='point')
    wrapped.step(np.zeros(2))
    assert 'task_name' not in inner_info
    assert set(env.step(np.zeros(2)).env_info) == {'task', 'success'}


def test_spaces_and_spec_unchanged():
    inner = PointEnv(max_episode_length=3)
    env = TaskNameWrapper(inner, task_name='point')
    assert env.spec is inner.spec
    assert env.observation_space == inner.observation_space
    assert env.action_space == inner.action_space


def test_options_are_keyword_only():
    with pytest.raises(TypeError):
        TaskNameWrapper(PointEnv(), 'point')


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_round_trips(dumps):
    env = TaskNameWrapper(PointEnv(), task_name='point', task_id=3)
    copy = pickle.loads(dumps(env))
    copy.reset()
    assert copy.step(np.zeros(2)).env_info['task_id'] == 3
    assert copy.step(np.zeros(2)).env_info['task_name'] == 'point'
