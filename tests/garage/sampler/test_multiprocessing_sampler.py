"""MultiprocessingSampler's processes: failures, signals, pickling, cleanup.

What every sampler does (batches, updates, the same batches as
LocalSampler for every worker class) is in test_sampler_contract.py.
"""

import gc
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from fixtures.envs import DummyBoxEnv
from fixtures.faulty import (
    BrokenOnUnpickleEnv,
    ExitOnUnpickleEnv,
    FailingPolicy,
    FailingResetEnv,
    FailingStepEnv,
    LockOnResetEnv,
    SlowEnv,
    TorchThreadsPolicy,
    UnpicklableEnv,
    UnpicklablePolicy,
    worker_processes,
)
from fixtures.policies import TagPolicy
from garage.sampler import LocalSampler, VecWorker
from garage.sampler.multiprocessing_sampler import (
    MultiprocessingSampler,
    WorkerError,
)

# no test here may hang, whatever the sampler does
pytestmark = pytest.mark.timeout(60)

TESTS_DIR = Path(__file__).resolve().parents[2]
# a worker that fails or dies must surface in the caller within this
FAILURE_SECONDS = 5.0


def make_sampler(envs=None, agents=None, **options):
    if envs is None:
        envs = DummyBoxEnv(max_episode_length=100)
    if agents is None:
        spec = (envs[0] if isinstance(envs, list) else envs).spec
        agents = TagPolicy(spec)
    options.setdefault('max_episode_length', 20)
    options.setdefault('n_workers', 2)
    options.setdefault('seed', 1)
    return MultiprocessingSampler(agents, envs, **options)


def assert_batches_equal(first, second):
    for name in ('observations', 'actions', 'rewards', 'step_types', 'lengths'):
        np.testing.assert_array_equal(
            getattr(first, name), getattr(second, name), err_msg=name
        )
    np.testing.assert_array_equal(first.agent_infos['tag'], second.agent_infos['tag'])


@pytest.fixture(scope='module')
def sampler():
    sampler = make_sampler()
    yield sampler
    sampler.shutdown_worker()


@pytest.fixture
def baseline():
    """The pids of worker processes that were there before the test."""
    return {process.pid for process in worker_processes()}


def new_workers(baseline):
    return [process for process in worker_processes() if process.pid not in baseline]


def assert_workers_stopped(baseline):
    _, alive = psutil.wait_procs(new_workers(baseline), timeout=2)
    assert not alive, f'worker processes left behind: {alive}'


def assert_stopped_after_failure(sampler, baseline):
    assert_workers_stopped(baseline)
    sampler.shutdown_worker()
    sampler.shutdown_worker()
    with pytest.raises(RuntimeError, match='stopped after a failure'):
        sampler.obtain_samples(0, 10, None)


def slow_env():
    return SlowEnv(step_seconds=0.01, max_episode_length=100)


FAILURES = {
    # worker 0 samples slowly (seconds), worker 1 fails at once
    'reset': (
        [slow_env(), FailingResetEnv(max_episode_length=100)],
        None,
        'ValueError: FailingResetEnv.reset failed on purpose',
    ),
    'step': (
        [slow_env(), FailingStepEnv(max_episode_length=100)],
        None,
        'ValueError: FailingStepEnv.step failed on purpose',
    ),
    'get_actions': (
        slow_env(),
        [TagPolicy(slow_env().spec), FailingPolicy(slow_env().spec)],
        'ValueError: FailingPolicy.get_actions failed on purpose',
    ),
}


class TestWorkerFailures:
    @pytest.mark.parametrize('function', list(FAILURES))
    @pytest.mark.parametrize('worker_class', ['default', 'vec'])
    def test_raises_promptly_with_the_remote_traceback(
        self, baseline, function, worker_class
    ):
        envs, agents, error_line = FAILURES[function]
        options = (
            {'worker_class': VecWorker, 'worker_args': {'n_envs': 2}}
            if worker_class == 'vec'
            else {}
        )
        sampler = make_sampler(envs, agents, **options)
        start = time.monotonic()
        with pytest.raises(WorkerError) as excinfo:
            sampler.obtain_samples(0, 1000, None)
        assert time.monotonic() - start < FAILURE_SECONDS
        error = excinfo.value
        message = str(error)
        assert error.worker_number == 1
        assert message.startswith('worker 1 (process ')
        assert 'raised an exception while sampling' in message
        assert error.remote_traceback in message
        assert f', in {function}\n' in message
        assert 'faulty.py", line ' in message
        assert error_line in message
        assert_stopped_after_failure(sampler, baseline)
        copy = pickle.loads(pickle.dumps(error))
        assert (str(copy), copy.worker_number, copy.remote_traceback) == (
            message,
            1,
            error.remote_traceback,
        )

    def test_killed_worker_is_detected(self, baseline):
        sampler = make_sampler(slow_env())
        victim = new_workers(baseline)[0]
        killer = threading.Timer(0.3, os.kill, (victim.pid, signal.SIGKILL))
        killer.start()
        start = time.monotonic()
        try:
            with pytest.raises(
                WorkerError,
                match=rf'worker \d \(process {victim.pid}\) was killed by '
                'signal SIGKILL while sampling; every worker process was '
                'stopped',
            ):
                sampler.obtain_samples(0, 10_000, None)
        finally:
            killer.join()
        assert time.monotonic() - start < 0.3 + FAILURE_SECONDS
        assert_stopped_after_failure(sampler, baseline)

    def test_failure_to_start(self, baseline):
        with pytest.raises(WorkerError) as excinfo:
            make_sampler(BrokenOnUnpickleEnv())
        message = str(excinfo.value)
        assert 'raised an exception while starting' in message
        assert ', in __setstate__\n' in message
        assert (
            'ValueError: BrokenOnUnpickleEnv.__setstate__ failed on purpose'
        ) in message
        assert_workers_stopped(baseline)

    def test_death_while_starting(self, baseline):
        with pytest.raises(
            WorkerError,
            match=r'exited with code 3 while starting(.|\n)*'
            "if __name__ == '__main__':",
        ):
            make_sampler(ExitOnUnpickleEnv())
        assert_workers_stopped(baseline)

    def test_ctrl_c_stops_the_workers(self):
        script = textwrap.dedent("""
            from fixtures.faulty import SlowEnv, worker_processes
            from fixtures.policies import TagPolicy
            from garage.sampler.multiprocessing_sampler import (
                MultiprocessingSampler)

            if __name__ == '__main__':
                env = SlowEnv(step_seconds=0.01, max_episode_length=100)
                sampler = MultiprocessingSampler(
                    TagPolicy(env.spec), env, max_episode_length=100,
                    n_workers=2)
                print('sampling', flush=True)
                try:
                    sampler.obtain_samples(0, 100_000, None)
                except KeyboardInterrupt:
                    print('workers left:', len(worker_processes()),
                          flush=True)
                    raise
        """)
        env = dict(os.environ)
        env['PYTHONPATH'] = os.pathsep.join(
            [str(TESTS_DIR), *filter(None, [env.get('PYTHONPATH')])]
        )
        # a session of its own, so that Ctrl-C can go to the whole process
        # group, as a terminal sends it
        process = subprocess.Popen(
            [sys.executable, '-c', script],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        try:
            assert process.stdout.readline() == 'sampling\n'
            time.sleep(0.3)
            descendants = psutil.Process(process.pid).children(recursive=True)
            assert len(descendants) >= 2
            os.killpg(process.pid, signal.SIGINT)
            stdout, stderr = process.communicate(timeout=2 * FAILURE_SECONDS)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert process.returncode != 0
        assert stdout == 'workers left: 0\n'
        assert stderr.rstrip().endswith('KeyboardInterrupt'), stderr
        # only the parent's: the workers ignore SIGINT
        assert stderr.count('Traceback') == 1, stderr
        _, alive = psutil.wait_procs(descendants, timeout=FAILURE_SECONDS)
        assert not alive


class TestUnpicklable:
    @pytest.mark.parametrize(
        ('envs', 'agents', 'match'),
        [
            (
                UnpicklableEnv(),
                None,
                r'cannot send the environment UnpicklableEnv\(\) to the worker '
                r"processes: TypeError: cannot pickle '_thread.lock' object",
            ),
            (
                [DummyBoxEnv(), UnpicklableEnv()],
                None,
                r'cannot send the environment UnpicklableEnv\(\) to worker 1: ',
            ),
            (
                DummyBoxEnv(),
                UnpicklablePolicy(DummyBoxEnv().spec),
                r'cannot send the agent UnpicklablePolicy\(\) to the worker '
                'processes',
            ),
        ],
        ids=['env', 'env-list', 'agent'],
    )
    def test_constructor_refuses(self, baseline, envs, agents, match):
        with pytest.raises(TypeError, match=match):
            make_sampler(envs, agents)
        assert not new_workers(baseline)

    def test_updates_are_refused_before_anything_is_sent(self, sampler):
        env = UnpicklableEnv()
        with pytest.raises(
            TypeError,
            match=r'cannot send the agent update '
            r'UnpicklablePolicy\(\)',
        ):
            sampler.obtain_samples(0, 10, UnpicklablePolicy(env.spec))
        with pytest.raises(
            TypeError,
            match=r'cannot send the environment update '
            r'UnpicklableEnv\(\) to worker 0: ',
        ):
            sampler.obtain_exact_episodes(1, None, [env, DummyBoxEnv()])
        assert len(sampler.obtain_exact_episodes(1, None).lengths) == 2


class TestPickling:
    def test_copy_goes_on_like_the_original(self, sampler):
        sampler.obtain_samples(0, 30, None)
        copy = pickle.loads(pickle.dumps(sampler))
        try:
            for _ in range(2):
                assert_batches_equal(
                    sampler.obtain_samples(0, 30, None),
                    copy.obtain_samples(0, 30, None),
                )
        finally:
            copy.shutdown_worker()

    def test_unpicklable_worker(self):
        sampler = make_sampler(LockOnResetEnv())
        try:
            sampler.obtain_exact_episodes(1, None)
            with pytest.raises(
                TypeError,
                match=r'worker 0 cannot be pickled(.|\n)*'
                '_thread.lock',
            ):
                pickle.dumps(sampler)
            assert len(sampler.obtain_exact_episodes(1, None).lengths) == 2
        finally:
            sampler.shutdown_worker()

    def test_shut_down_sampler(self):
        sampler = make_sampler()
        sampler.shutdown_worker()
        copy = pickle.loads(pickle.dumps(sampler))
        with pytest.raises(RuntimeError, match='shut down before it was pickled'):
            copy.obtain_samples(0, 10, None)


class TestLifecycle:
    def test_workers_use_one_torch_thread(self):
        env = DummyBoxEnv()
        sampler = make_sampler(env, TorchThreadsPolicy(env.spec))
        try:
            batch = sampler.obtain_exact_episodes(1, None)
        finally:
            sampler.shutdown_worker()
        assert (batch.agent_infos['torch_threads'] == 1).all()

    def test_obtain_after_shutdown(self, baseline):
        sampler = make_sampler()
        sampler.shutdown_worker()
        assert_workers_stopped(baseline)
        for obtain in (
            lambda: sampler.obtain_samples(0, 10, None),
            lambda: sampler.obtain_exact_episodes(1, None),
        ):
            with pytest.raises(RuntimeError, match=r'shutdown_worker\(\) was called'):
                obtain()

    def test_garbage_collection_stops_the_workers(self, baseline):
        sampler = make_sampler()
        assert len(new_workers(baseline)) == 2
        del sampler
        gc.collect()
        assert_workers_stopped(baseline)

    def test_spawn_context_gives_the_same_batches(self):
        env = DummyBoxEnv()
        sampler = make_sampler(env, n_workers=1, mp_context='spawn')
        try:
            batch = sampler.obtain_samples(0, 30, None)
        finally:
            sampler.shutdown_worker()
        local = LocalSampler(
            TagPolicy(env.spec), env, max_episode_length=20, n_workers=1, seed=1
        )
        assert_batches_equal(batch, local.obtain_samples(0, 30, None))

    def test_unguarded_launcher_script_works(self, tmp_path):
        # original garage launchers run their experiment at the top level,
        # with no ``if __name__ == '__main__':``; the default start method
        # must not re-run them in every worker
        script = tmp_path / 'launcher.py'
        script.write_text(
            textwrap.dedent("""
            from garage.envs import PointEnv
            from garage.sampler import MultiprocessingSampler
            from garage.torch.policies import GaussianMLPPolicy

            env = PointEnv(max_episode_length=10)
            sampler = MultiprocessingSampler(GaussianMLPPolicy(env.spec), env,
                                             max_episode_length=10,
                                             n_workers=2, seed=1)
            batch = sampler.obtain_samples(0, 40, None)
            sampler.shutdown_worker()
            print('sampled', len(batch.rewards))
        """)
        )
        result = subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == 'sampled 40\n'

    @pytest.mark.parametrize(
        ('mp_context', 'error'), [('threads', ValueError), (3, TypeError)]
    )
    def test_rejects_bad_mp_context(self, mp_context, error):
        with pytest.raises(error, match='mp_context'):
            make_sampler(mp_context=mp_context)
