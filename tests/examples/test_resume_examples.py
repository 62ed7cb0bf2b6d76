"""Kill each example's launcher, resume it, and compare with a run never killed.

Each example runs twice at once with the same seed and short settings: one
run to the end, the other killed with SIGKILL as soon as its first snapshot
exists. ``python -m garage resume`` then continues the killed run, with no
thread settings in the environment, and the two ``progress.csv`` files must
agree in every cell but the wall-clock times.
"""

import ast
import csv
import importlib.util
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest
import torch

from fixtures.example_scripts import MANY_THREADS, NO_SNAPSHOTS, NOT_LAUNCHERS
from garage.experiment import Snapshotter
from garage.trainer import N_EPOCHS_ENV_VAR, N_STEPS_ENV_VAR

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'
N_EPOCHS = 3
TIMEOUT = 600

_NEEDS_MUJOCO = [
    pytest.mark.mujoco,
    pytest.mark.skipif(
        importlib.util.find_spec('mujoco') is None, reason='needs the mujoco extra'
    ),
]
# the single-task examples; the meta-RL, multi-task, imitation and Atari
# algorithms' exact resume is tested in their own test modules (a
# kill-and-resume of each of their examples would take most of CI's time)
SINGLE_TASK_EXAMPLES = (
    'ddpg_pendulum',
    'dqn_cartpole',
    'ppo_cartpole',
    'ppo_inverted_pendulum',
    'ppo_pendulum',
    'sac_half_cheetah',
    'sac_pendulum',
    'td3_pendulum',
    'trpo_cartpole',
    'vpg_cartpole',
)
CASES = [
    pytest.param(name, id=name, marks=_NEEDS_MUJOCO)
    if name in ('ppo_inverted_pendulum', 'sac_half_cheetah')
    else pytest.param(name, id=name)
    for name in SINGLE_TASK_EXAMPLES
]


def _environment() -> dict[str, str]:
    """This process's environment without thread counts or example caps."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.endswith('_NUM_THREADS') and not key.startswith('GARAGE_EXAMPLE_')
    }


def _launch(name: str, cwd: pathlib.Path) -> subprocess.Popen:
    cwd.mkdir()
    env = dict(
        _environment(),
        **{N_EPOCHS_ENV_VAR: str(N_EPOCHS), N_STEPS_ENV_VAR: '5'},
    )
    with open(cwd / 'output.txt', 'w') as output:
        return subprocess.Popen(
            [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '9'],
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _progress(log_dir: pathlib.Path) -> list[dict[str, str]]:
    with open(log_dir / 'progress.csv', newline='') as file:
        return list(csv.DictReader(file))


def _kill_after_first_snapshot(
    process: subprocess.Popen, log_dir: pathlib.Path
) -> None:
    """SIGKILL the launcher once its first snapshot is on disk.

    Snapshots are written to a temporary file and renamed, so the file
    exists only once it is whole.
    """
    deadline = time.monotonic() + TIMEOUT
    while not (log_dir / 'params.pkl').exists():
        assert process.poll() is None, f'the launcher ended first: {process.returncode}'
        assert time.monotonic() < deadline, 'no snapshot in time'
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(TIMEOUT) == -signal.SIGKILL, 'it finished before the kill'


@pytest.mark.parametrize('name', CASES)
def test_killed_and_resumed_example_matches_one_never_killed(name, tmp_path):
    log_dir = pathlib.Path('data', 'local', 'experiment', name)
    whole = _launch(name, tmp_path / 'whole')
    killed = _launch(name, tmp_path / 'killed')
    try:
        _kill_after_first_snapshot(killed, tmp_path / 'killed' / log_dir)
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
            env=dict(_environment(), **{N_STEPS_ENV_VAR: '5'}),
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
    assert resumed.returncode == 0, resumed.stderr
    debug_log = (tmp_path / 'killed' / log_dir / 'debug.log').read_text()
    assert 'Restored from the snapshot of epoch' in debug_log

    expected = _progress(tmp_path / 'whole' / log_dir)
    got = _progress(tmp_path / 'killed' / log_dir)
    assert len(expected) == N_EPOCHS
    assert [int(row['Epoch']) for row in got] == list(range(N_EPOCHS))
    assert list(got[0]) == list(expected[0])
    differing = [
        (int(want['Epoch']), column, want[column], have[column])
        for want, have in zip(expected, got, strict=True)
        for column in want
        if not column.startswith('Time/') and want[column] != have[column]
    ]
    assert not differing, f'{len(differing)} cells differ: {differing[:5]}'

    # the resumed process computed with the launcher's PyTorch settings
    # (threads, ...), which its last snapshot records, to the same policy
    expected_end = _snapshot(tmp_path / 'whole' / log_dir)
    end = _snapshot(tmp_path / 'killed' / log_dir)
    assert end.get('numeric_settings') == expected_end['numeric_settings']
    assert expected_end['numeric_settings']['num_threads'] == 1
    for mine, theirs in zip(
        end['algo'].policy.parameters(),
        expected_end['algo'].policy.parameters(),
        strict=True,
    ):
        assert torch.equal(mine, theirs)


def _snapshot(log_dir: pathlib.Path) -> dict:
    return Snapshotter(log_dir).load(log_dir)


def _decorator_keywords(source: str) -> dict[str, object]:
    """The keyword arguments of the launcher's ``@wrap_experiment(...)``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call):
                    return {
                        keyword.arg: ast.literal_eval(keyword.value)
                        for keyword in decorator.keywords
                    }
                if isinstance(decorator, ast.Name):
                    return {}
    raise AssertionError('no @wrap_experiment launcher')


@pytest.mark.parametrize(
    'name',
    [
        path.stem
        for path in sorted(EXAMPLES.glob('*.py'))
        if path.stem not in NOT_LAUNCHERS
    ],
)
def test_example_sets_one_torch_thread_and_keeps_snapshots(name):
    # as docs/howto/multiple-cores.md says; a resumed run restores both
    source = (EXAMPLES / f'{name}.py').read_text()
    assert ('torch.set_num_threads(1)' in source) == (name not in MANY_THREADS)
    keeps = _decorator_keywords(source).get('snapshot_mode', 'last') != 'none'
    assert keeps == (name not in NO_SNAPSHOTS)
