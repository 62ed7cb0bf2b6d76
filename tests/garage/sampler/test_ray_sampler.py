"""RaySampler against a real local Ray instance.

Starting Ray takes seconds, so the tests share one instance per module (the
``ray_instance`` fixture of ``conftest.py``, which every test marked
``ray`` gets); a sampler joins it and leaves it running. The two tests of a
sampler that connects by itself, starting a private instance or joining
the cluster at ``RAY_ADDRESS``, run in a subprocess.
"""

import functools
import math
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from fixtures.batches import assert_tree_equal
from fixtures.faulty import (
    UnpicklableEnv,
)
from fixtures.policies import TagPolicy
from garage.envs import PointEnv
from garage.sampler import (
    DefaultWorker,
    FragmentWorker,
    LocalSampler,
    NewEnvUpdate,
    VecWorker,
    WorkerError,
    WorkerFactory,
)
from garage.sampler.ray_sampler import RaySampler
from garage.torch.policies import GaussianMLPPolicy

ray = pytest.importorskip('ray')

pytestmark = [pytest.mark.ray, pytest.mark.timeout(120)]

TESTS_DIR = pathlib.Path(__file__).resolve().parents[2]
WORKER_CONFIGS = {
    'default': (DefaultWorker, None),
    'vec': (VecWorker, {'n_envs': 3}),
    'fragment': (FragmentWorker, {'n_envs': 2, 'timesteps_per_call': 3}),
}


def point_env(**kwargs):
    kwargs.setdefault('max_episode_length', 100)
    return PointEnv(**kwargs)


def make_sampler(cls, agents, envs, **options):
    options.setdefault('max_episode_length', 6)
    options.setdefault('n_workers', 2)
    options.setdefault('seed', 1)
    return cls(agents, envs, **options)


def wait_for_free_cpus(timeout=10.0):
    """Wait until all of Ray's CPUs are free: every actor is gone."""
    deadline = time.monotonic() + timeout
    n_cpus = ray.cluster_resources()['CPU']
    while ray.available_resources().get('CPU', 0) < n_cpus:
        assert time.monotonic() < deadline, ray.available_resources()
        time.sleep(0.1)


def run_script(code, **env):
    """Run Python code in a subprocess; return its standard output."""
    result = subprocess.run(
        [sys.executable, '-c', textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, **env},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_batches_equal(first, second):
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


def test_without_ray_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'ray', None)
    env = point_env()
    with pytest.raises(ImportError, match=r"pip install 'garage\[ray\]'"):
        make_sampler(RaySampler, TagPolicy(env.spec), env)


def test_starts_and_stops_a_private_instance():
    # The fixtures are importable here only through sys.path, which the
    # private instance hands to its workers. A second sampler shares the
    # instance (and its actors claim no CPUs there, so they need not wait
    # for the one CPU); the last sampler to go stops it.
    stdout = run_script(
        f"""
        import gc
        import sys
        sys.path.insert(0, {str(TESTS_DIR)!r})
        import ray
        from fixtures.policies import TagPolicy
        from garage.envs import PointEnv
        from garage.sampler import RaySampler
        env = PointEnv(max_episode_length=6)
        first = RaySampler(TagPolicy(env.spec), env, max_episode_length=6,
                           n_workers=1, seed=1)
        print(ray.cluster_resources()['CPU'])
        second = RaySampler(TagPolicy(env.spec), env, max_episode_length=6,
                            n_workers=2, seed=1)
        first.shutdown_worker()
        print(ray.is_initialized())
        batch = second.obtain_exact_episodes(1, [{{'tag': 1}}, {{'tag': 2}}])
        print(batch.agent_infos['tag'][[0, -1]].tolist())
        del second  # as good as shutting it down
        gc.collect()
        print(ray.is_initialized())
    """,
        RAY_ADDRESS='',
    )
    assert stdout == '1.0\nTrue\n[1, 2]\nFalse\n'


def test_joins_the_cluster_at_ray_address(ray_instance):
    # another process joins this one's instance as its cluster
    stdout = run_script(
        """
        import ray
        from garage.envs import PointEnv
        from garage.np.policies import FixedPolicy
        from garage.sampler import RaySampler
        env = PointEnv(max_episode_length=6)
        policy = FixedPolicy(env.spec, [[0., 0.]] * 6)
        sampler = RaySampler(policy, env, max_episode_length=6, n_workers=2,
                             seed=1)
        print(sampler.obtain_exact_episodes(1, None).lengths.tolist())
        sampler.shutdown_worker()
        print(ray.is_initialized())
    """,
        RAY_ADDRESS=ray.get_runtime_context().gcs_address,
    )
    assert stdout == '[6, 6]\nFalse\n'
    # the cluster is still up, and the actors are gone
    assert ray.get(ray.put(1)) == 1
    wait_for_free_cpus()


@pytest.fixture
def samplers(ray_instance):
    """Build RaySamplers and LocalSamplers; shut them down afterwards."""
    made = []

    def make(agents, envs, *, cls=RaySampler, **options):
        sampler = make_sampler(cls, agents, envs, **options)
        made.append(sampler)
        return sampler

    yield make
    for sampler in made:
        sampler.shutdown_worker()
    wait_for_free_cpus()


class TestSampling:
    def test_quota_and_worker_order(self, samplers):
        env = point_env()
        sampler = samplers(TagPolicy(env.spec), env)
        batch = sampler.obtain_samples(0, 25, [{'tag': 0}, {'tag': 1}])
        tags = batch.agent_infos['tag']
        assert tags.tolist() == sorted(tags.tolist())
        assert (tags == 0).sum() >= math.ceil(25 / 2)
        assert (tags == 1).sum() >= math.ceil(25 / 2)
        assert batch.lengths.sum() == len(batch.rewards) >= 25

    def test_exact_episodes_in_worker_order(self, samplers):
        env = point_env()
        sampler = samplers(
            TagPolicy(env.spec), env, worker_class=VecWorker, worker_args={'n_envs': 3}
        )
        agents = [TagPolicy(env.spec, tag=10), TagPolicy(env.spec, tag=11)]
        batch = sampler.obtain_exact_episodes(4, agents)
        starts = np.cumsum(batch.lengths) - batch.lengths
        assert batch.agent_infos['tag'][starts].tolist() == [10] * 4 + [11] * 4

    @pytest.mark.parametrize(
        ('worker', 'policy_class'),
        [
            ('default', TagPolicy),
            ('vec', TagPolicy),
            ('fragment', TagPolicy),
            ('vec', GaussianMLPPolicy),
        ],
    )
    def test_same_batches_as_local_sampler(self, samplers, worker, policy_class):
        # TagPolicy draws from NumPy's global RNG, GaussianMLPPolicy from
        # PyTorch's: each worker owns both, in an actor as in this process
        worker_class, worker_args = WORKER_CONFIGS[worker]
        env = point_env()
        policy = policy_class(env.spec)
        options = {'seed': 7, 'worker_class': worker_class, 'worker_args': worker_args}
        reference = samplers(policy, env, cls=LocalSampler, **options)
        sampler = samplers(policy, env, **options)
        for _ in range(2):
            params = policy.get_param_values()
            assert_batches_equal(
                sampler.obtain_samples(0, 20, params),
                reference.obtain_samples(0, 20, params),
            )
            if isinstance(policy, GaussianMLPPolicy):
                with torch.no_grad():
                    for param in policy.parameters():
                        param.add_(0.1)
            else:
                policy.tag += 1
        batch = sampler.obtain_exact_episodes(3, None)
        expected = reference.obtain_exact_episodes(3, None)
        assert_batches_equal(batch, expected)
        # ordinary arrays, not read-only views of Ray's object store
        assert (
            batch.observations.flags.writeable == expected.observations.flags.writeable
        )

    def test_legacy_positional_form_and_from_worker_factory(self, samplers):
        env = point_env()
        factory = WorkerFactory(max_episode_length=6, n_workers=1, seed=1)
        first = RaySampler(factory, TagPolicy(env.spec, tag=3), env)
        try:
            assert set(
                first.obtain_samples(0, 6, None).agent_infos['tag'].tolist()
            ) == {3}
        finally:
            first.shutdown_worker()
        second = RaySampler.from_worker_factory(factory, TagPolicy(env.spec), env)
        try:
            assert first.worker_factory is second.worker_factory is factory
            assert_batches_equal(
                second.obtain_samples(0, 6, {'tag': 3}),
                LocalSampler(factory, TagPolicy(env.spec, tag=3), env).obtain_samples(
                    0, 6, None
                ),
            )
        finally:
            second.shutdown_worker()

    def test_pickled_sampler_goes_on_where_it_was(self, samplers):
        env = point_env()
        policy = TagPolicy(env.spec)
        reference = samplers(policy, env, cls=LocalSampler)
        sampler = samplers(policy, env)
        assert_batches_equal(
            sampler.obtain_samples(0, 10, None), reference.obtain_samples(0, 10, None)
        )
        data = pickle.dumps(sampler)
        sampler.shutdown_worker()  # frees the CPUs the copy needs
        wait_for_free_cpus()
        restored = pickle.loads(data)
        try:
            assert_batches_equal(
                restored.obtain_samples(0, 10, None),
                reference.obtain_samples(0, 10, None),
            )
        finally:
            restored.shutdown_worker()


class TestFailures:
    # what every remote sampler does on a failure, RaySampler included, is
    # in test_sampler_contract.py; here, what only an actor does
    def test_dying_actor_surfaces(self, samplers):
        env = point_env()
        sampler = samplers(TagPolicy(env.spec), env)
        exit_now = NewEnvUpdate(functools.partial(os._exit, 3))
        with pytest.raises(WorkerError, match='actor of worker 1 died') as info:
            sampler.obtain_samples(0, 10, None, [None, exit_now])
        assert info.value.worker_number == 1
        assert info.value.remote_traceback is None


class TestShutdown:
    def test_shutdown_is_idempotent_and_leaves_a_joined_ray_up(self, samplers):
        # also: an update that cannot be pickled is refused in this process
        env = point_env()
        sampler = samplers(TagPolicy(env.spec), env)
        with pytest.raises(TypeError, match='cloudpickle'):
            sampler.obtain_samples(0, 5, None, UnpicklableEnv())
        sampler.obtain_samples(0, 5, None)  # refused before anything went
        sampler.shutdown_worker()
        sampler.shutdown_worker()
        assert ray.is_initialized()
        wait_for_free_cpus()
        with pytest.raises(RuntimeError, match='shutdown_worker'):
            sampler.obtain_exact_episodes(1, None)
