import pickle

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from garage.envs import PointEnv, normalize
from garage.sampler import (
    EnvUpdate,
    ExistingEnvUpdate,
    NewEnvUpdate,
    SetTaskUpdate,
)
from garage.sampler.env_update import apply_env_update, check_env_update

GOAL = {'goal': np.array([0.5, -0.5], dtype=np.float32)}


def goal_of(env):
    return env.reset()[1]['goal']


class TestNewEnvUpdate:
    def test_constructs_and_closes_the_old(self):
        old = StepCountEnv()
        env = NewEnvUpdate(StepCountEnv)(old)
        assert isinstance(env, StepCountEnv)
        assert env is not old
        assert old.closed

    def test_without_an_old_env(self):
        assert isinstance(NewEnvUpdate(PointEnv)(), PointEnv)

    def test_needs_a_callable(self):
        with pytest.raises(TypeError, match='env_constructor must be callable'):
            NewEnvUpdate(PointEnv())

    def test_lambda_pickles_with_cloudpickle(self):
        update = NewEnvUpdate(lambda: PointEnv(goal=(1.0, 2.0)))
        env = pickle.loads(cloudpickle.dumps(update))()
        np.testing.assert_array_equal(goal_of(env), [1.0, 2.0])


class TestSetTaskUpdate:
    def test_keeps_an_env_of_the_type(self):
        env = PointEnv()
        assert SetTaskUpdate(PointEnv, GOAL)(env) is env
        np.testing.assert_array_equal(goal_of(env), GOAL['goal'])

    def test_rebuilds_a_wrapped_env_of_the_type(self):
        # the original's check is the exact type: a wrapper is rebuilt, so
        # that wrapper_constructor wraps the new task
        old = normalize(PointEnv())
        env = SetTaskUpdate(PointEnv, GOAL, None)(old)
        assert type(env) is PointEnv
        assert env is not old.unwrapped
        np.testing.assert_array_equal(goal_of(env), GOAL['goal'])

    def test_rebuilds_an_env_of_a_subclass(self):
        class GoalPointEnv(PointEnv):
            closed = False

            def close(self):
                self.closed = True

        old = GoalPointEnv()
        env = SetTaskUpdate(PointEnv, GOAL, None)(old)
        assert type(env) is PointEnv
        assert old.closed
        np.testing.assert_array_equal(goal_of(env), GOAL['goal'])

    def test_replaces_an_env_of_another_type(self):
        old = StepCountEnv()
        env = SetTaskUpdate(PointEnv, GOAL)(old)
        assert isinstance(env, PointEnv)
        assert old.closed
        np.testing.assert_array_equal(goal_of(env), GOAL['goal'])

    def test_wraps_new_envs(self):
        calls = []

        def wrap(env, task):
            calls.append(task)
            return normalize(env)

        update = SetTaskUpdate(PointEnv, GOAL, wrap)
        env = update()
        assert env.unwrapped is not env
        again = update(env)
        assert again is not env
        assert again.unwrapped is not again
        assert calls == [GOAL, GOAL]
        assert update.task is GOAL

    def test_the_wrapper_sees_the_task_set(self):
        # as the original: a bare MetaWorldSetTaskEnv has spaces only then
        seen = []
        update = SetTaskUpdate(
            PointEnv, GOAL, lambda env, _: seen.append(goal_of(env)) or env
        )
        update()
        np.testing.assert_array_equal(seen[0], GOAL['goal'])

    def test_needs_a_class(self):
        with pytest.raises(TypeError, match='env_type must be the class'):
            SetTaskUpdate(lambda: PointEnv(), GOAL)

    def test_wrapper_must_be_callable(self):
        with pytest.raises(TypeError, match='wrapper_constructor'):
            SetTaskUpdate(PointEnv, GOAL, 'normalize')

    def test_needs_an_environment_with_tasks(self):
        update = SetTaskUpdate(StepCountEnv, GOAL)
        with pytest.raises(TypeError, match=r'set_task.*StepCountEnv has none'):
            update()

    def test_pickles(self):
        update = pickle.loads(pickle.dumps(SetTaskUpdate(PointEnv, GOAL)))
        np.testing.assert_array_equal(goal_of(update()), GOAL['goal'])


class TestExistingEnvUpdate:
    def test_replaces_and_closes_the_old(self):
        old, new = StepCountEnv(), StepCountEnv()
        assert ExistingEnvUpdate(new)(old) is new
        assert old.closed
        assert not new.closed

    def test_does_not_close_the_same_env(self):
        env = StepCountEnv()
        assert ExistingEnvUpdate(env)(env) is env
        assert not env.closed

    def test_needs_an_environment(self):
        with pytest.raises(TypeError, match='env must be a Environment, not str'):
            ExistingEnvUpdate('PointEnv')


class TestApplyEnvUpdate:
    def test_none_keeps(self):
        env = StepCountEnv()
        assert apply_env_update(env, None) == (env, False)

    def test_environment_replaces(self):
        old, new = StepCountEnv(), StepCountEnv()
        assert apply_env_update(old, new) == (new, True)
        assert old.closed

    def test_env_update_is_called(self):
        old = StepCountEnv()
        env, changed = apply_env_update(old, NewEnvUpdate(PointEnv))
        assert isinstance(env, PointEnv)
        assert changed

    def test_rejects_other_values(self):
        with pytest.raises(
            TypeError,
            match=r'env_update must be None, a garage '
            r'Environment or an EnvUpdate, got int: 3',
        ):
            apply_env_update(None, 3)

    def test_env_update_must_return_an_environment(self):

        class Broken(EnvUpdate):
            def __call__(self, old_env=None):
                return 'env'

        with pytest.raises(TypeError, match='Broken returned str'):
            apply_env_update(None, Broken())

    def test_check_names_the_value(self):
        with pytest.raises(TypeError, match='envs\\[1\\] must be'):
            check_env_update([], 'envs[1]')
