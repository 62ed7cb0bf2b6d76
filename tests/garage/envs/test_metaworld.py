"""MetaWorldSetTaskEnv and MetaWorldTaskSampler on MetaWorld 3 benchmarks.

Building a benchmark takes seconds, so each is built once per module, and
the multi-environment cases use a two-environment ``CustomML`` rather than
ML10 or MT10.
"""

import importlib.util
import pickle
import subprocess
import sys

import cloudpickle
import numpy as np
import pytest

from garage import StepType
from garage.envs import GymEnv, MetaWorldSetTaskEnv, TaskNameWrapper, normalize
from garage.experiment import MetaWorldTaskSampler, SetTaskSampler
from garage.experiment.deterministic import set_seed

pytestmark = [
    pytest.mark.metaworld,
    pytest.mark.skipif(
        importlib.util.find_spec('metaworld') is None,
        reason='needs the metaworld extra',
    ),
]

TRAIN_ENVS = ['reach-v3', 'push-v3']


@pytest.fixture(scope='module')
def metaworld():
    return pytest.importorskip('metaworld', reason='needs the metaworld extra')


@pytest.fixture(scope='module')
def ml1(metaworld):
    return metaworld.ML1('push-v3', seed=0)


@pytest.fixture(scope='module')
def mt1(metaworld):
    return metaworld.MT1('reach-v3', seed=0)


@pytest.fixture(scope='module')
def two_envs(metaworld):
    """A meta-learning benchmark of two training and one test environment."""
    return metaworld.CustomML(TRAIN_ENVS, ['pick-place-v3'], seed=0)


def _names(updates):
    return [update.task.env_name for update in updates]


def test_import_garage_does_not_import_metaworld():
    code = (
        'import sys, garage.envs, garage.experiment; print("metaworld" in sys.modules)'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == 'False'


def test_missing_metaworld_names_the_extra():
    code = (
        'import sys; sys.modules["metaworld"] = None\n'
        'from garage.envs import MetaWorldSetTaskEnv\n'
        'try:\n'
        '    MetaWorldSetTaskEnv()\n'
        'except ImportError as error:\n'
        '    print(error)\n'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert 'pip install "garage[metaworld]"' in result.stdout


def test_sampler_makes_wrapped_envs_with_success(ml1):
    set_seed(1)
    sampler = MetaWorldTaskSampler(ml1, 'train')
    assert sampler.n_tasks == 50
    assert sampler.task_names == ['push-v3']
    update = cloudpickle.loads(cloudpickle.dumps(sampler.sample(1)[0]))
    env = update()
    assert isinstance(env, TaskNameWrapper)
    assert env.spec.max_episode_length == 500
    assert env.spec.observation_space.shape == (39,)
    env.reset()
    step = env.step(np.zeros(4))
    assert step.env_info['task_name'] == 'push-v3'
    assert step.env_info['success'] in (0.0, 1.0)


def test_sampler_takes_every_task_before_repeating(ml1):
    set_seed(2)
    sampler = MetaWorldTaskSampler(ml1, 'test')
    tasks = [update.task for update in sampler.sample(50)]
    assert len({task.data for task in tasks}) == 50
    assert all(task in ml1.test_tasks for task in tasks)
    again = [update.task for update in sampler.sample(50)]
    assert len({task.data for task in again}) == 50
    assert again != tasks  # a new order
    set_seed(2)
    repeated = MetaWorldTaskSampler(ml1, 'test').sample(50)
    assert [update.task for update in repeated] == tasks
    with_replacement = sampler.sample(50, with_replacement=True)
    assert len({update.task.data for update in with_replacement}) < 50


def test_sampler_groups_tasks_by_env(two_envs):
    sampler = MetaWorldTaskSampler(two_envs, 'train')
    assert sampler.n_tasks == 100
    assert sampler.task_names == TRAIN_ENVS
    assert _names(sampler.sample(6)) == ['reach-v3'] * 3 + ['push-v3'] * 3
    with pytest.raises(ValueError, match='multiple of the 2 environments'):
        sampler.sample(3)
    test_sampler = MetaWorldTaskSampler(two_envs, 'test')
    assert _names(test_sampler.sample(2)) == ['pick-place-v3'] * 2


def test_sampler_onehot_for_multi_task_benchmarks(mt1):
    calls = []

    def wrapper(env, task):
        calls.append(task.env_name)
        return normalize(env)

    sampler = MetaWorldTaskSampler(mt1, 'train', wrapper=wrapper, add_env_onehot=True)
    env = sampler.sample(1)[0]()
    assert calls == ['reach-v3']
    assert env.spec.observation_space.shape == (40,)
    observation, _ = env.reset()
    assert observation[-1] == 1.0


@pytest.mark.parametrize('make', [MetaWorldTaskSampler, MetaWorldSetTaskEnv])
def test_bad_arguments(make, ml1, mt1, two_envs):
    with pytest.raises(ValueError, match="kind must be one of 'train', 'test'"):
        make(ml1, 'valid')
    with pytest.raises(ValueError, match='only for the training tasks of multi-task'):
        make(ml1, 'train', add_env_onehot=True)
    with pytest.raises(ValueError, match='only for the training tasks of multi-task'):
        make(two_envs, 'train', add_env_onehot=True)
    with pytest.raises(ValueError, match="MT1 has no test tasks: use kind='train'"):
        make(mt1, 'test')
    with pytest.raises(TypeError, match='benchmark'):
        make('push-v3', 'train')


def test_set_task_env_samples_and_sets_tasks(two_envs):
    set_seed(3)
    env = MetaWorldSetTaskEnv(two_envs, 'train')
    assert env.num_tasks == 100
    assert env.task_names == TRAIN_ENVS
    assert env.spec.max_episode_length == 500
    tasks = env.sample_tasks(5)
    names = [task['inner'].env_name for task in tasks]
    assert names == ['reach-v3'] * 3 + ['push-v3'] * 2
    more = [task['inner'].env_name for task in env.sample_tasks(2)]
    assert sorted(more) == ['push-v3', 'reach-v3']  # round the environments
    for task in tasks:
        env.set_task(task)
        env.reset()
        step = env.step(np.zeros(4))
        assert step.env_info['task_name'] == task['inner'].env_name
        assert 'success' in step.env_info
    assert len(env._envs) == 2  # one environment of each class, kept
    env.close()


def test_set_task_env_takes_every_task_of_an_env(ml1):
    env = MetaWorldSetTaskEnv(ml1, 'test')
    tasks = env.sample_tasks(50)
    assert len({task['inner'].data for task in tasks}) == 50


def test_set_task_sampler_of_set_task_env_as_the_original_example(ml1):
    env = MetaWorldSetTaskEnv(ml1, 'test')
    sampler = SetTaskSampler(MetaWorldSetTaskEnv, env=env)
    assert sampler.n_tasks == 50
    updates = sampler.sample(2)
    worker_env = None
    for update in pickle.loads(cloudpickle.dumps(updates)):
        worker_env = update(worker_env)
        assert type(worker_env) is MetaWorldSetTaskEnv  # made with no benchmark
        worker_env.reset()
        assert worker_env.step(np.zeros(4)).env_info['task_name'] == 'push-v3'


def test_set_task_env_without_a_benchmark(ml1):
    env = MetaWorldSetTaskEnv()
    with pytest.raises(ValueError, match='has no task yet'):
        _ = env.spec
    with pytest.raises(ValueError, match='sample_tasks needs a benchmark'):
        env.sample_tasks(1)
    with pytest.raises(ValueError, match='kind must be None without a benchmark'):
        MetaWorldSetTaskEnv(kind='train')
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        MetaWorldSetTaskEnv(ml1)
    with pytest.raises(ValueError, match="MetaWorld task as 'inner'"):
        env.set_task(ml1.train_tasks[0])


def test_set_task_env_onehot_and_pickling(mt1):
    env = MetaWorldSetTaskEnv(mt1, 'train', add_env_onehot=True)
    assert env.spec.observation_space.shape == (40,)
    task = env.sample_tasks(1)[0]
    env.set_task(task)
    restored = pickle.loads(cloudpickle.dumps(env))
    assert len(cloudpickle.dumps(env)) < 1_000_000  # not the MuJoCo models
    first, _ = env.reset()
    again, _ = restored.reset()
    np.testing.assert_array_equal(first, again)
    steps = [restored.step(np.zeros(4)) for _ in range(500)]
    assert steps[-1].step_type == StepType.TIMEOUT
    assert steps[-1].observation[-1] == 1.0


def test_gym_env_of_a_metaworld_env_passes_set_task_on(ml1):
    raw = ml1.train_classes['push-v3']()
    raw.set_task(ml1.train_tasks[0])
    env = GymEnv(raw, max_episode_length=raw.max_path_length)
    env.set_task(ml1.train_tasks[1])
    expected = pickle.loads(ml1.train_tasks[1].data)['rand_vec']
    np.testing.assert_array_equal(raw._last_rand_vec, expected)


def test_sampled_env_pickles_small_and_resets_alike(ml1):
    env = MetaWorldTaskSampler(ml1, 'train').sample(1)[0]()
    env.reset()
    for _ in range(3):
        env.step(np.zeros(4))
    blob = cloudpickle.dumps(env)
    assert len(blob) < 100_000  # not MetaWorld's 85 MB of MuJoCo objects
    restored = pickle.loads(blob)
    np.testing.assert_array_equal(restored.reset()[0], env.reset()[0])
    action = np.array([0.3, -0.2, 0.1, 0.5])
    for _ in range(5):
        original, copy = env.step(action), restored.step(action)
        assert copy.reward == original.reward
        np.testing.assert_array_equal(copy.observation, original.observation)
