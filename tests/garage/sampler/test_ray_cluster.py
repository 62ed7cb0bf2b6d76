"""RaySampler joining a cluster started by ``ray start --head``.

The steps of ``docs/howto/ray-cluster.md``, run for real on this machine:
a launcher first samples with a private Ray instance (which, from Ray 2.5x
on, leaves a token in ``~/.ray/auth_token``), then ``ray start --head``
starts a cluster (which finds that token and turns token authentication
on), and ``RAY_ADDRESS=<head> python launcher.py`` joins it. Every process
runs with its own home directory, so the token is this test's alone, and
the head runs in a process group of its own, which the test ends: no other
Ray on this machine is touched.
"""

import contextlib
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psutil
import pytest

import garage

ray = pytest.importorskip('ray')

pytestmark = [pytest.mark.ray, pytest.mark.timeout(600)]

RAY_CLI = pathlib.Path(sys.executable).with_name('ray')
GARAGE_DIR = pathlib.Path(garage.__file__).resolve().parents[1]
HEAD_CPUS = 3  # not the two CPUs a private instance of two workers gets

LAUNCHER = """
import ray
from garage.envs import PointEnv
from garage.np.policies import FixedPolicy
from garage.sampler import RaySampler

env = PointEnv(max_episode_length=6)
policy = FixedPolicy(env.spec, [[0.0, 0.0]] * 6)
sampler = RaySampler(policy, env, max_episode_length=6, n_workers=2, seed=1)
print(sampler.obtain_exact_episodes(1, None).lengths.tolist())
print(ray.get_runtime_context().gcs_address)
print(ray.cluster_resources()['CPU'])
sampler.shutdown_worker()
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(('', 0))
        return sock.getsockname()[1]


def run_launcher(directory, env, **extra):
    """Run the launcher as a user would; return the finished process."""
    script = directory / 'launcher.py'
    script.write_text(LAUNCHER)
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, **extra},
        cwd=directory,
    )


def end_process_group(process):
    """End the head's process group: Ray's processes, and only those."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=90)  # Ray drains the node for up to 30 s
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def group_members(pgid):
    members = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid:
                members.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            pass
    return members


@pytest.fixture(scope='module')
def cluster():
    """A Ray head started by ``ray start --head``, after a private run.

    Yields ``(address, env, token_auth)``: the address ``ray start`` prints
    for joining, the environment of the test's processes, and whether the
    head uses token authentication.
    """
    if not RAY_CLI.exists():
        pytest.skip(f'the ray command is not installed beside {sys.executable}')
    # short: Ray's socket paths under the temporary directory must fit
    root = pathlib.Path(tempfile.mkdtemp(prefix='grc-', dir='/tmp'))
    home = root / 'home'
    home.mkdir()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(('RAY_', 'PYTEST_'))
    }
    env.update(
        HOME=str(home),
        PYTHONPATH=str(GARAGE_DIR),
        RAY_USAGE_STATS_ENABLED='0',
    )
    # a run on a private instance comes first, as it did for the user
    private = run_launcher(root, env)
    assert private.returncode == 0, private.stderr
    assert private.stdout.splitlines()[0] == '[6, 6]'
    token_auth = (home / '.ray' / 'auth_token').exists()

    ports = {
        name: free_port()
        for name in (
            'port',
            'dashboard-port',
            'dashboard-agent-listen-port',
            'dashboard-agent-grpc-port',
            'runtime-env-agent-port',
            'metrics-export-port',
            'node-manager-port',
            'object-manager-port',
        )
    }
    log_path = root / 'head.log'
    with open(log_path, 'w') as log:
        head = subprocess.Popen(
            [
                str(RAY_CLI),
                'start',
                '--head',
                '--block',
                f'--temp-dir={root / "ray"}',
                f'--num-cpus={HEAD_CPUS}',
                '--include-dashboard=false',
                '--disable-usage-stats',
                *(f'--{name}={port}' for name, port in ports.items()),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240
        while 'Ray runtime started' not in log_path.read_text():
            assert head.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.5)
        # the address ray start prints for joining: <head-ip>:<port>
        found = re.search(r"--address='([^']+)'", log_path.read_text())
        assert found, log_path.read_text()
        assert found[1].endswith(f':{ports["port"]}')
        yield found[1], env, token_auth
    finally:
        end_process_group(head)
        assert group_members(head.pid) == []
        shutil.rmtree(root, ignore_errors=True)


def test_launcher_joins_the_cluster_at_ray_address(cluster, tmp_path):
    address, env, _ = cluster
    joined = run_launcher(tmp_path, env, RAY_ADDRESS=address)
    assert joined.returncode == 0, joined.stderr
    # it sampled on that cluster, not on a private instance of its own
    assert joined.stdout.splitlines() == ['[6, 6]', address, f'{HEAD_CPUS:.1f}']


def test_refused_token_says_what_to_set(cluster, tmp_path):
    address, env, token_auth = cluster
    if not token_auth:
        pytest.skip('this Ray does not turn token authentication on')
    # token authentication turned off by hand, against a head that uses it
    refused = run_launcher(tmp_path, env, RAY_ADDRESS=address, RAY_AUTH_MODE='disabled')
    assert refused.returncode != 0
    message = refused.stderr.strip().splitlines()[-1]
    assert message.startswith(
        f'ConnectionError: RaySampler could not join the Ray cluster at '
        f'RAY_ADDRESS={address}: the cluster uses token authentication'
    ), refused.stderr
    assert 'Set RAY_AUTH_MODE=token' in message
    assert "copy the head node's ~/.ray/auth_token" in message
