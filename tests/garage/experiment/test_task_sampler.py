import functools

import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from garage.envs import PointEnv, normalize
from garage.experiment import task_sampler
from garage.experiment.task_sampler import (
    ConstructEnvsSampler,
    EnvPoolSampler,
    SetTaskSampler,
    TaskSampler,
)
from garage.sampler import ExistingEnvUpdate, NewEnvUpdate, SetTaskUpdate


@pytest.fixture(autouse=True)
def seeded():
    state = np.random.get_state()
    np.random.seed(0)
    yield
    np.random.set_state(state)


def goals(envs):
    return [tuple(env.reset()[1]['goal'].tolist()) for env in envs]


def test_module_is_exported():
    import garage.experiment

    assert garage.experiment.task_sampler is task_sampler
    assert 'task_sampler' in garage.experiment.__all__


def test_task_sampler_is_abstract():
    with pytest.raises(TypeError, match='abstract'):
        TaskSampler()


class TestConstructEnvsSampler:
    def constructors(self):
        return [functools.partial(PointEnv, goal=(float(i), 0.0)) for i in range(3)]

    def test_without_replacement_uses_each_once_per_round(self):
        sampler = ConstructEnvsSampler(self.constructors())
        assert sampler.n_tasks == 3
        updates = sampler.sample(7)
        assert all(isinstance(u, NewEnvUpdate) for u in updates)
        firsts = [goal[0] for goal in goals(u() for u in updates)]
        assert sorted(firsts[:3]) == sorted(firsts[3:6]) == [0.0, 1.0, 2.0]

    def test_with_replacement(self):
        updates = ConstructEnvsSampler(self.constructors()).sample(
            20, with_replacement=True
        )
        firsts = [goal[0] for goal in goals(u() for u in updates)]
        assert set(firsts) <= {0.0, 1.0, 2.0}
        assert any(firsts.count(x) > 1 for x in firsts[:4])

    def test_zero_tasks(self):
        assert ConstructEnvsSampler(self.constructors()).sample(0) == []

    @pytest.mark.parametrize('n_tasks', [-1, 1.5, True])
    def test_rejects_bad_counts(self, n_tasks):
        with pytest.raises(
            ValueError,
            match=rf'^n_tasks must be a non-negative integer, got {n_tasks}$',
        ):
            ConstructEnvsSampler(self.constructors()).sample(n_tasks)

    def test_takes_a_whole_float_count(self):
        assert len(ConstructEnvsSampler(self.constructors()).sample(2.0)) == 2

    def test_needs_callables(self):
        with pytest.raises(ValueError, match='at least one'):
            ConstructEnvsSampler([])
        with pytest.raises(TypeError, match=r'env_constructors\[0\]'):
            ConstructEnvsSampler([PointEnv()])


class TestSetTaskSampler:
    def test_samples_set_task_updates(self):
        sampler = SetTaskSampler(PointEnv)
        assert sampler.n_tasks is None
        updates = sampler.sample(3)
        assert all(isinstance(u, SetTaskUpdate) for u in updates)
        env = PointEnv()
        seen = [goals([u(env)])[0] for u in updates]
        assert len(set(seen)) == 3

    def test_uses_the_given_env_and_wrapper(self):
        env = PointEnv(goal=(0.1, 0.1), arena_size=0.5)
        sampler = SetTaskSampler(
            PointEnv, env=env, wrapper=lambda e, task: normalize(e)
        )
        update = sampler.sample(1)[0]
        assert (np.abs(update.task['goal']) <= 0.5).all()
        made = update()
        assert made.unwrapped is not made

    @pytest.mark.parametrize('n_tasks', [-1, True])
    def test_rejects_bad_counts(self, n_tasks):
        with pytest.raises(
            ValueError, match=r'^n_tasks must be a non-negative integer'
        ):
            SetTaskSampler(PointEnv).sample(n_tasks)

    def test_n_tasks_is_the_envs_num_tasks(self):
        class FiniteTasksEnv(PointEnv):
            num_tasks = 7

        assert SetTaskSampler(FiniteTasksEnv).n_tasks == 7

    def test_takes_a_wrapped_env(self):
        # sample_tasks is reached through the wrapper's __getattr__
        sampler = SetTaskSampler(PointEnv, env=normalize(PointEnv()))
        assert len(sampler.sample(2)) == 2

    def test_rejects_bad_constructors(self):
        with pytest.raises(TypeError, match='class'):
            SetTaskSampler(lambda: PointEnv())
        with pytest.raises(TypeError, match='sample_tasks'):
            SetTaskSampler(StepCountEnv)


class TestEnvPoolSampler:
    def test_samples_copies(self):
        pool = [PointEnv(goal=(float(i), 0.0)) for i in range(2)]
        sampler = EnvPoolSampler(pool)
        updates = sampler.sample(4)
        assert all(isinstance(u, ExistingEnvUpdate) for u in updates)
        envs = [u() for u in updates]
        assert not any(env is p for env in envs for p in pool)
        assert len({id(env) for env in envs}) == 4
        firsts = [goal[0] for goal in goals(envs)]
        assert sorted(firsts[:2]) == sorted(firsts[2:]) == [0.0, 1.0]

    def test_grow_pool(self):
        pool = [PointEnv(goal=(float(i), 0.0)) for i in range(2)]
        sampler = EnvPoolSampler(pool)
        sampler.grow_pool(5)
        assert sampler.n_tasks == 5
        sampler.grow_pool(3)
        assert sampler.n_tasks == 5
        firsts = sorted(goal[0] for goal in goals(u() for u in sampler.sample(5)))
        assert firsts == [0.0, 0.0, 0.0, 1.0, 1.0]

    def test_grow_pool_rejects_a_bad_size(self):
        sampler = EnvPoolSampler([PointEnv()])
        with pytest.raises(
            TypeError, match=r"^new_size must be a non-negative integer, got '3'$"
        ):
            sampler.grow_pool('3')

    def test_needs_environments(self):
        with pytest.raises(ValueError, match='at least one'):
            EnvPoolSampler([])
        with pytest.raises(TypeError, match=r'envs\[0\].*str'):
            EnvPoolSampler(['PointEnv'])
