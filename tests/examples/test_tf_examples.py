"""The TensorFlow examples: one epoch each, and kill-and-resume of each."""

import csv
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'tf'
NAMES = ['trpo_cartpole', 'ppo_pendulum']
N_EPOCHS = 3
TIMEOUT = 600


def _environment(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith('GARAGE_EXAMPLE_')
    }
    return dict(env, **extra)


def _progress(log_dir):
    with open(log_dir / 'progress.csv', newline='') as file:
        return list(csv.DictReader(file))


@pytest.mark.parametrize('name', NAMES)
def test_tf_example_runs_one_epoch(name, tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '2'],
        cwd=tmp_path,
        env=_environment(GARAGE_EXAMPLE_TEST_N_EPOCHS='1'),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / name
    rows = _progress(log_dir)
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) > 0
    assert (log_dir / 'params.pkl').exists()


def _launch(name, cwd):
    cwd.mkdir()
    with open(cwd / 'output.txt', 'w') as output:
        return subprocess.Popen(
            [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '9'],
            cwd=cwd,
            env=_environment(GARAGE_EXAMPLE_TEST_N_EPOCHS=str(N_EPOCHS)),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.parametrize('name', ['trpo_cartpole'])
def test_killed_and_resumed_tf_example_matches_one_never_killed(name, tmp_path):
    log_dir = pathlib.Path('data', 'local', 'experiment', name)
    whole = _launch(name, tmp_path / 'whole')
    killed = _launch(name, tmp_path / 'killed')
    try:
        deadline = time.monotonic() + TIMEOUT
        snapshot = tmp_path / 'killed' / log_dir / 'params.pkl'
        while not snapshot.exists():  # written atomically: whole once there
            assert killed.poll() is None, (tmp_path / 'killed/output.txt').read_text()
            assert time.monotonic() < deadline, 'no snapshot in time'
            time.sleep(0.01)
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(TIMEOUT) == -signal.SIGKILL, 'it finished before the kill'
        resumed = subprocess.run(
            [
                sys.executable,
                '-m',
                'garage',
                'resume',
                str(log_dir),
                '--n-epochs',
                str(N_EPOCHS),
            ],
            cwd=tmp_path / 'killed',
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert whole.wait(TIMEOUT) == 0, (tmp_path / 'whole/output.txt').read_text()
    finally:
        for process in (whole, killed):
            if process.poll() is None:
                process.kill()
                process.wait()
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    expected = _progress(tmp_path / 'whole' / log_dir)
    got = _progress(tmp_path / 'killed' / log_dir)
    assert [int(row['Epoch']) for row in got] == list(range(N_EPOCHS))
    differing = [
        (int(want['Epoch']), column, want[column], have[column])
        for want, have in zip(expected, got, strict=True)
        for column in want
        if not column.startswith('Time/') and want[column] != have[column]
    ]
    assert not differing, f'{len(differing)} cells differ: {differing[:5]}'
