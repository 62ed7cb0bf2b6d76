"""Run the Atari examples as a user would: one short epoch, then watch it."""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'

pytestmark = [
    pytest.mark.atari,
    pytest.mark.skipif(
        importlib.util.find_spec('ale_py') is None,
        reason='needs the atari extra (ale-py)',
    ),
]


def run(args, cwd, **env):
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ('DISPLAY', 'WAYLAND_DISPLAY')
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=dict(environ, **env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_dqn_atari_one_epoch_then_watch_it(tmp_path):
    result = run(
        [
            str(EXAMPLES / 'dqn_atari.py'),
            'Pong',
            '--seed',
            '2',
            '--n',
            '1',
            '--buffer_size',
            '500',
            '--max_episode_length',
            '40',
        ],
        tmp_path,
        GARAGE_EXAMPLE_TEST_N_EPOCHS='1',
        GARAGE_EXAMPLE_TEST_N_STEPS='1',
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / 'dqn_atari'
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert int(rows[0]['ReplayBuffer/buffer_size']) == 500
    assert float(rows[0]['DQN/QFunctionLoss']) >= 0
    assert float(rows[0]['Evaluation/NumEpisodes']) == 10
    assert 'PongNoFrameskip-v4' in (log_dir / 'variant.json').read_text()
    assert (log_dir / 'params.pkl').exists()

    watched = run(
        [
            str(EXAMPLES / 'watch_atari.py'),
            str(log_dir),
            '--num_episodes',
            '2',
            '--max_episode_length',
            '20',
        ],
        tmp_path,
    )
    assert watched.returncode == 0, watched.stderr
    lines = watched.stdout.splitlines()
    assert lines[0] == 'no display: playing without a window'
    assert lines[1].startswith('episode 0: return ')
    assert lines[1].endswith(', 20 steps')
    assert lines[-1].startswith('Average Reward ')
