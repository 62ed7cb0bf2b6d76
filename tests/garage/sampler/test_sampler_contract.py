"""What every sampler must do, whichever process its workers run in.

Each test runs for every class in ``SAMPLER_CLASSES`` (add a sampler there,
as a ``pytest.param`` with marks if it needs an optional extra), most of
them for every worker class in ``WORKER_CONFIGS`` too; the fault tests run
for every sampler whose workers run in other processes
(``REMOTE_SAMPLER_CLASSES``). Samplers are built with the keyword form
``cls(agents, envs, max_episode_length=..., ...)`` that all of them share,
and shut down after each test.
"""

import functools
import importlib.util
import math
import pickle
import random
import time

import cloudpickle
import numpy as np
import psutil
import pytest
import torch

from fixtures.batches import assert_tree_equal
from fixtures.envs import DummyBoxEnv, StepCountEnv
from fixtures.faulty import (
    BrokenOnUnpickleEnv,
    FailingStepEnv,
    SlowEnv,
    UnpicklableEnv,
    worker_processes,
)
from fixtures.policies import TagPolicy
from garage import StepType
from garage.envs import GymEnv, PointEnv
from garage.experiment import deterministic
from garage.sampler import (
    DefaultWorker,
    FragmentWorker,
    LocalSampler,
    MultiprocessingSampler,
    NewEnvUpdate,
    RaySampler,
    SetTaskUpdate,
    VecWorker,
    WorkerError,
    WorkerFactory,
)
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy

REMOTE_SAMPLER_CLASSES = [
    MultiprocessingSampler,
    pytest.param(
        RaySampler,
        marks=[
            pytest.mark.ray,
            pytest.mark.skipif(
                importlib.util.find_spec('ray') is None,
                reason="needs Ray: pip install 'garage[ray]'",
            ),
        ],
    ),
]
SAMPLER_CLASSES = [LocalSampler, *REMOTE_SAMPLER_CLASSES]
# a worker that fails must surface in the caller within this
FAILURE_SECONDS = 5.0

WORKER_CONFIGS = {
    'default': (DefaultWorker, None),
    'vec': (VecWorker, {'n_envs': 3}),
    'fragment': (FragmentWorker, {'n_envs': 2, 'timesteps_per_call': 3}),
}

N_WORKERS = 2
MAX_EPISODE_LENGTH = 6


@pytest.fixture(params=SAMPLER_CLASSES, ids=lambda cls: cls.__name__)
def sampler_cls(request):
    return request.param


@pytest.fixture(params=REMOTE_SAMPLER_CLASSES, ids=lambda cls: cls.__name__)
def remote_sampler_cls(request):
    return request.param


@pytest.fixture(params=list(WORKER_CONFIGS))
def worker_config(request):
    return WORKER_CONFIGS[request.param]


def sampler_maker(sampler_cls):
    """Build samplers of a class; shut them down when the test is done."""
    samplers = []

    def make(
        agents,
        envs,
        *,
        cls=sampler_cls,
        worker_config=WORKER_CONFIGS['default'],
        **options,
    ):
        worker_class, worker_args = worker_config
        options.setdefault('max_episode_length', MAX_EPISODE_LENGTH)
        options.setdefault('n_workers', N_WORKERS)
        options.setdefault('seed', 1)
        sampler = cls(
            agents, envs, worker_class=worker_class, worker_args=worker_args, **options
        )
        samplers.append(sampler)
        return sampler

    yield make
    for sampler in samplers:
        sampler.shutdown_worker()


@pytest.fixture
def make_sampler(sampler_cls):
    """Build samplers of the class under test."""
    yield from sampler_maker(sampler_cls)


@pytest.fixture
def make_remote_sampler(remote_sampler_cls):
    """Build samplers of the remote sampler class under test."""
    yield from sampler_maker(remote_sampler_cls)


@pytest.fixture(autouse=True)
def keep_global_seed(monkeypatch):
    monkeypatch.setattr(deterministic, '_seed', None)


def point_env(**kwargs):
    kwargs.setdefault('max_episode_length', 100)
    return PointEnv(**kwargs)


def tag_updates(n_workers=N_WORKERS):
    return [{'tag': worker} for worker in range(n_workers)]


def episode_tags(batch):
    """The tag of each episode's agent (every step of it has the same)."""
    starts = np.cumsum(batch.lengths) - batch.lengths
    tags = batch.agent_infos['tag']
    for start, length in zip(starts, batch.lengths, strict=True):
        assert (tags[start : start + length] == tags[start]).all()
    return tags[starts].tolist()


def assert_batches_equal(first, second):
    assert first.env_spec == second.env_spec
    for name in (
        'observations',
        'last_observations',
        'actions',
        'rewards',
        'step_types',
        'lengths',
    ):
        np.testing.assert_array_equal(
            getattr(first, name), getattr(second, name), err_msg=name
        )
    for name in ('env_infos', 'agent_infos', 'episode_infos_by_episode'):
        assert_tree_equal(getattr(first, name), getattr(second, name))


class TestObtainSamples:
    def test_every_worker_fills_its_quota(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        num_samples = 25
        batch = sampler.obtain_samples(0, num_samples, tag_updates())
        quota = math.ceil(num_samples / N_WORKERS)
        tags = np.asarray(episode_tags(batch))
        assert sorted(set(tags.tolist())) == list(range(N_WORKERS))
        assert tags.tolist() == sorted(tags.tolist())  # worker order
        for worker in range(N_WORKERS):
            assert batch.lengths[tags == worker].sum() >= quota
        assert len(batch.rewards) >= num_samples
        # each step's agent information went with its own observation
        np.testing.assert_array_equal(
            batch.agent_infos['observation'], batch.observations
        )

    @pytest.mark.parametrize('worker_name', ['default', 'vec'])
    @pytest.mark.parametrize(
        'env_maker',
        [
            functools.partial(StepCountEnv, terminate_after=4),
            functools.partial(point_env),
        ],
        ids=['terminating', 'time-limited'],
    )
    def test_episodes_are_whole(self, make_sampler, worker_name, env_maker):
        env = env_maker()
        sampler = make_sampler(
            TagPolicy(env.spec, noise=0.0),
            env,
            worker_config=WORKER_CONFIGS[worker_name],
        )
        batch = sampler.obtain_samples(0, 20, None)
        for episode in batch.split():
            step_types = episode.step_types.tolist()
            assert step_types[0] == StepType.FIRST
            assert all(s == StepType.MID for s in step_types[1:-1])
            assert step_types[-1] in (StepType.TERMINAL, StepType.TIMEOUT)
        expected_end = (
            StepType.TERMINAL if isinstance(env, StepCountEnv) else StepType.TIMEOUT
        )
        assert (batch.step_types[np.cumsum(batch.lengths) - 1] == expected_end).all()
        assert batch.lengths.max() <= MAX_EPISODE_LENGTH

    def test_fragments_continue_their_episodes(self, make_sampler):
        env = StepCountEnv(terminate_after=None, max_episode_length=None)
        sampler = make_sampler(
            TagPolicy(env.spec), env, worker_config=WORKER_CONFIGS['fragment']
        )
        first = sampler.obtain_exact_episodes(1, None)
        second = sampler.obtain_exact_episodes(1, None)
        # one fragment per worker, from each worker's first environment:
        # observations count steps, going on from call to call, until the
        # worker's time limit ends the episode
        np.testing.assert_array_equal(first.observations.ravel(), [0, 1, 2] * N_WORKERS)
        np.testing.assert_array_equal(first.last_observations.ravel(), [3] * N_WORKERS)
        np.testing.assert_array_equal(
            first.step_types, [StepType.FIRST, StepType.MID, StepType.MID] * N_WORKERS
        )
        np.testing.assert_array_equal(
            second.observations.ravel(), [3, 4, 5] * N_WORKERS
        )
        np.testing.assert_array_equal(
            second.step_types,
            [StepType.MID, StepType.MID, StepType.TIMEOUT] * N_WORKERS,
        )

    def test_uses_parameter_updates(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(
            TagPolicy(env.spec, tag=7), env, worker_config=worker_config
        )
        assert set(episode_tags(sampler.obtain_samples(0, 8, None))) == {7}
        assert set(episode_tags(sampler.obtain_samples(0, 8, {'tag': 3}))) == {3}

    @pytest.mark.parametrize('num_samples', [0, -1, 2.5, True])
    def test_rejects_bad_num_samples(self, make_sampler, num_samples):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.raises(ValueError, match='num_samples'):
            sampler.obtain_samples(0, num_samples, None)


class TestObtainExactEpisodes:
    def test_counts_and_worker_order(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        agents = [TagPolicy(env.spec, tag=10 + w) for w in range(N_WORKERS)]
        batch = sampler.obtain_exact_episodes(2, agents)
        assert episode_tags(batch) == [10, 10, 11, 11]

    def test_more_episodes_than_a_rollout_gives(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        batch = sampler.obtain_exact_episodes(5, tag_updates())
        assert episode_tags(batch) == [0] * 5 + [1] * 5

    @pytest.mark.parametrize('n_eps', [0, -2, 1.5])
    def test_rejects_bad_counts(self, make_sampler, n_eps):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.raises(ValueError, match='n_eps_per_worker'):
            sampler.obtain_exact_episodes(n_eps, None)


class TestUpdateLists:
    @pytest.mark.parametrize('n_entries', [1, 3])
    def test_agent_update_list_must_match_workers(self, make_sampler, n_entries):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.raises(
            ValueError, match=rf'agent_update.*{n_entries}.*{N_WORKERS}'
        ):
            sampler.obtain_samples(0, 10, tag_updates(n_entries))
        with pytest.raises(
            ValueError, match=rf'agent_update.*{n_entries}.*{N_WORKERS}'
        ):
            sampler.obtain_exact_episodes(1, tag_updates(n_entries))

    def test_env_update_list_must_match_workers(self, make_sampler):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.raises(ValueError, match=rf'env_update.*3.*{N_WORKERS}'):
            sampler.obtain_samples(0, 10, None, [point_env()] * 3)

    def test_constructor_lists_must_match_workers(self, make_sampler):
        env = point_env()
        with pytest.raises(ValueError, match=rf'agents.*3.*{N_WORKERS}'):
            make_sampler([TagPolicy(env.spec)] * 3, env)
        with pytest.raises(ValueError, match=rf'envs.*1.*{N_WORKERS}'):
            make_sampler(TagPolicy(env.spec), [env])

    def test_lists_give_each_worker_its_own(self, make_sampler):
        envs = [point_env(goal=(0.5, 0.5)), point_env(goal=(-1.0, 2.0))]
        agents = [TagPolicy(envs[0].spec, tag=4), TagPolicy(envs[0].spec, tag=5)]
        sampler = make_sampler(agents, envs)
        batch = sampler.obtain_exact_episodes(1, None)
        assert episode_tags(batch) == [4, 5]
        np.testing.assert_allclose(
            batch.episode_infos_by_episode['goal'], [[0.5, 0.5], [-1.0, 2.0]]
        )


class TestEnvUpdates:
    def test_new_env_update(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        update = NewEnvUpdate(functools.partial(point_env, goal=(0.5, -0.5)))
        batch = sampler.obtain_samples(0, 10, None, update)
        np.testing.assert_allclose(
            batch.episode_infos_by_episode['goal'], [[0.5, -0.5]] * len(batch.lengths)
        )

    def test_set_task_update_per_worker(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        goals = [(0.3, 0.3), (-0.3, 0.2)]
        updates = [SetTaskUpdate(PointEnv, {'goal': goal}) for goal in goals]
        batch = sampler.obtain_exact_episodes(2, None, updates)
        np.testing.assert_allclose(
            batch.episode_infos_by_episode['goal'], [goals[0]] * 2 + [goals[1]] * 2
        )
        np.testing.assert_allclose(batch.env_infos['task'][0]['goal'], goals[0])

    def test_environment_as_update(self, make_sampler, worker_config):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env, worker_config=worker_config)
        batch = sampler.obtain_samples(0, 10, None, point_env(goal=(2.0, 2.0)))
        assert (batch.episode_infos_by_episode['goal'] == 2.0).all()

    def test_rejects_bad_env_update(self, make_sampler):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.raises(TypeError, match=r'env_update.*str'):
            sampler.obtain_samples(0, 10, None, 'CartPole-v1')

    @pytest.mark.parametrize('config', ['vec', 'fragment'])
    def test_a_list_per_worker_of_one_per_environment(self, make_sampler, config):
        # as the original: LocalSampler(policy, [[env_a, env_b, ...]], ...)
        n_envs = WORKER_CONFIGS[config][1]['n_envs']
        goals = [[(w + 1.0, e + 1.0) for e in range(n_envs)] for w in range(N_WORKERS)]
        envs = [[point_env(goal=goal) for goal in mine] for mine in goals]
        sampler = make_sampler(
            TagPolicy(envs[0][0].spec), envs, worker_config=WORKER_CONFIGS[config]
        )
        assert episode_goals(sampler.obtain_samples(0, 40, None)) == goals
        updates = [
            [SetTaskUpdate(PointEnv, {'goal': (-x, -y)}, None) for x, y in mine]
            for mine in goals
        ]
        batch = sampler.obtain_samples(1, 40, None, updates)
        assert episode_goals(batch) == [[(-x, -y) for x, y in mine] for mine in goals]


def episode_goals(batch):
    """The goal of each worker's environments, from their episodes' tasks."""
    tasks = batch.env_infos['task'][np.cumsum(batch.lengths) - 1]
    found = {}
    for identity, task in zip(batch.identities.tolist(), tasks, strict=True):
        found.setdefault(identity[0], {})[identity[1]] = tuple(task['goal'].tolist())
    return [[found[w][e] for e in sorted(found[w])] for w in sorted(found)]


class TestDeterminism:
    @staticmethod
    def cases():
        point = point_env()
        cartpole = GymEnv('CartPole-v1', max_episode_length=200)
        return {
            'numpy': (TagPolicy(point.spec), point),
            'gaussian': (GaussianMLPPolicy(point.spec, (8,)), point),
            'categorical': (CategoricalMLPPolicy(cartpole.spec, (8,)), cartpole),
        }

    @pytest.mark.parametrize('case', ['numpy', 'gaussian', 'categorical'])
    def test_same_seed_same_batches_as_local_sampler(
        self, make_sampler, worker_config, case
    ):
        # for LocalSampler itself: the same seed gives the same batches
        policy, env = self.cases()[case]
        reference = make_sampler(
            policy, env, cls=LocalSampler, seed=5, worker_config=worker_config
        )
        sampler = make_sampler(policy, env, seed=5, worker_config=worker_config)
        for _ in range(2):
            params = policy.get_param_values()
            assert_batches_equal(
                reference.obtain_samples(0, 20, params),
                sampler.obtain_samples(0, 20, params),
            )
        assert_batches_equal(
            reference.obtain_exact_episodes(3, None),
            sampler.obtain_exact_episodes(3, None),
        )

    @pytest.mark.parametrize('case', ['numpy', 'categorical'])
    def test_different_seed_different_batches(self, make_sampler, case):
        policy, env = self.cases()[case]
        first = make_sampler(policy, env, seed=5)
        second = make_sampler(policy, env, seed=6)
        assert not np.array_equal(
            first.obtain_samples(0, 20, None).actions,
            second.obtain_samples(0, 20, None).actions,
        )

    def test_workers_differ_from_one_another(self, make_sampler):
        policy, env = self.cases()['categorical']
        batch = make_sampler(policy, env).obtain_exact_episodes(1, None)
        episodes = batch.split()
        assert not np.array_equal(
            episodes[0].observations[0], episodes[1].observations[0]
        )

    def test_leaves_the_callers_random_state_alone(self, make_sampler):
        policy, env = self.cases()['gaussian']
        sampler = make_sampler(policy, env)
        states = (
            random.getstate(),
            np.random.get_state()[1].copy(),
            torch.get_rng_state(),
        )
        sampler.obtain_samples(0, 20, None)
        assert random.getstate() == states[0]
        np.testing.assert_array_equal(np.random.get_state()[1], states[1])
        assert torch.equal(torch.get_rng_state(), states[2])


class TestLifecycle:
    def test_is_tf_worker_false_warns(self, sampler_cls, make_sampler):
        env = point_env()
        with pytest.warns(DeprecationWarning, match='is_tf_worker') as record:
            sampler = make_sampler(TagPolicy(env.spec), env, is_tf_worker=False)
        # the warning names the line that made the sampler
        assert record[0].filename == make_sampler.__code__.co_filename
        assert len(sampler.obtain_exact_episodes(1, None).lengths) == 2

    def test_from_worker_factory(self, sampler_cls):
        env = point_env()
        factory = WorkerFactory(
            max_episode_length=MAX_EPISODE_LENGTH, n_workers=N_WORKERS, seed=1
        )
        sampler = sampler_cls.from_worker_factory(factory, TagPolicy(env.spec), env)
        try:
            assert len(sampler.obtain_exact_episodes(1, None).lengths) == 2
        finally:
            sampler.shutdown_worker()

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickled_factory_builds_the_same_sampler(self, sampler_cls, dumps):
        env = point_env()
        factory = WorkerFactory(
            max_episode_length=MAX_EPISODE_LENGTH,
            n_workers=N_WORKERS,
            seed=1,
            worker_class=VecWorker,
            worker_args={'n_envs': 2},
        )
        samplers = [
            sampler_cls.from_worker_factory(f, TagPolicy(env.spec), env)
            for f in (factory, pickle.loads(dumps(factory)))
        ]
        try:
            assert_batches_equal(*(s.obtain_samples(0, 10, None) for s in samplers))
        finally:
            for sampler in samplers:
                sampler.shutdown_worker()

    def test_start_worker_is_deprecated(self, make_sampler):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        with pytest.warns(DeprecationWarning, match='start_worker'):
            sampler.start_worker()
        assert len(sampler.obtain_exact_episodes(1, None).lengths) == 2

    def test_shutdown_twice(self, make_sampler):
        env = point_env()
        sampler = make_sampler(TagPolicy(env.spec), env)
        sampler.obtain_samples(0, 5, None)
        sampler.shutdown_worker()
        sampler.shutdown_worker()

    def test_no_max_episode_length_means_no_limit(self, sampler_cls):
        env = point_env()
        sampler = sampler_cls(TagPolicy(env.spec), env, n_workers=1)
        try:
            assert sampler.worker_factory.max_episode_length is None
        finally:
            sampler.shutdown_worker()


class TestPickling:
    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_copy_goes_on_like_the_original(self, make_sampler, dumps):
        policy, env = TestDeterminism.cases()['gaussian']
        sampler = make_sampler(policy, env)
        sampler.obtain_samples(0, 10, None)
        copy = pickle.loads(dumps(sampler))
        try:
            assert_batches_equal(
                sampler.obtain_samples(0, 10, None), copy.obtain_samples(0, 10, None)
            )
        finally:
            copy.shutdown_worker()


def workers_gone(sampler_cls, baseline):
    """Whether the workers a test started are gone: processes or actors."""
    if sampler_cls is MultiprocessingSampler:
        _, alive = psutil.wait_procs(
            [p for p in worker_processes() if p.pid not in baseline], timeout=2
        )
        return not alive
    import ray

    deadline = time.monotonic() + 10
    n_cpus = ray.cluster_resources()['CPU']
    while ray.available_resources().get('CPU', 0) < n_cpus:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.timeout(120)
class TestFaults:
    @pytest.fixture
    def baseline(self):
        """The pids of worker processes that were there before the test."""
        return {process.pid for process in worker_processes()}

    def test_raising_worker_surfaces_promptly_with_its_traceback(
        self, remote_sampler_cls, make_remote_sampler, baseline
    ):
        # worker 0 would take seconds to fill its quota; worker 1 fails
        envs = [
            SlowEnv(step_seconds=0.01, max_episode_length=100),
            FailingStepEnv(max_episode_length=100),
        ]
        sampler = make_remote_sampler(
            TagPolicy(envs[0].spec), envs, max_episode_length=100
        )
        start = time.monotonic()
        with pytest.raises(WorkerError) as info:
            sampler.obtain_samples(0, 1000, None)
        assert time.monotonic() - start < FAILURE_SECONDS
        error = info.value
        assert error.worker_number == 1
        assert str(error).startswith('worker 1 (')
        assert 'raised an exception while sampling' in str(error)
        assert 'Traceback (most recent call last)' in error.remote_traceback
        assert 'faulty.py", line ' in error.remote_traceback
        assert 'ValueError: FailingStepEnv.step failed on purpose' in (
            error.remote_traceback
        )
        assert error.remote_traceback in str(error)
        assert workers_gone(remote_sampler_cls, baseline)
        with pytest.raises(RuntimeError, match='stopped after a failure'):
            sampler.obtain_samples(0, 10, None)
        sampler.shutdown_worker()

    def test_failure_to_start(self, remote_sampler_cls, make_remote_sampler, baseline):
        env = DummyBoxEnv()
        with pytest.raises(WorkerError, match='while starting') as info:
            make_remote_sampler(TagPolicy(env.spec), [env, BrokenOnUnpickleEnv()])
        assert info.value.worker_number == 1
        assert 'BrokenOnUnpickleEnv.__setstate__ failed on purpose' in (
            info.value.remote_traceback
        )
        assert workers_gone(remote_sampler_cls, baseline)

    def test_unpicklable_update_is_refused_before_anything_is_sent(
        self, make_remote_sampler
    ):
        env = DummyBoxEnv()
        sampler = make_remote_sampler(TagPolicy(env.spec), env)
        with pytest.raises(
            TypeError,
            match=r'cannot send the environment update UnpicklableEnv\(\) to '
            'worker 1: .*cloudpickle',
        ):
            sampler.obtain_samples(0, 10, None, [env, UnpicklableEnv()])
        assert len(sampler.obtain_exact_episodes(1, None).lengths) == N_WORKERS

    def test_shutdown_stops_the_workers(
        self, remote_sampler_cls, make_remote_sampler, baseline
    ):
        env = DummyBoxEnv()
        sampler = make_remote_sampler(TagPolicy(env.spec), env)
        sampler.obtain_samples(0, 10, None)
        sampler.shutdown_worker()
        assert workers_gone(remote_sampler_cls, baseline)
        with pytest.raises(RuntimeError, match=r'shutdown_worker\(\) was called'):
            sampler.obtain_exact_episodes(1, None)
