"""Run each on-policy example for one epoch, as a user would, in a subprocess."""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'

CASES = [
    pytest.param('ppo_cartpole', id='ppo_cartpole'),
    pytest.param('trpo_cartpole', id='trpo_cartpole'),
    pytest.param('vpg_cartpole', id='vpg_cartpole'),
    pytest.param('ppo_pendulum', id='ppo_pendulum'),
    pytest.param(
        'ppo_inverted_pendulum',
        id='ppo_inverted_pendulum',
        marks=[
            pytest.mark.mujoco,
            pytest.mark.skipif(
                importlib.util.find_spec('mujoco') is None,
                reason='needs the mujoco extra',
            ),
        ],
    ),
]


@pytest.mark.parametrize('name', CASES)
def test_example_runs_one_epoch(name, tmp_path):
    env = dict(os.environ, GARAGE_EXAMPLE_TEST_N_EPOCHS='1')
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '2'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / name
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) > 0
    assert (log_dir / 'params.pkl').exists()
    assert 'seed": 2' in (log_dir / 'variant.json').read_text()
