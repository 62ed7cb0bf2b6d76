"""Run the HER example for one epoch, as a user would, in a subprocess."""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'


@pytest.mark.mujoco
@pytest.mark.skipif(
    importlib.util.find_spec('gymnasium_robotics') is None,
    reason='needs the robotics extra (gymnasium-robotics)',
)
def test_her_ddpg_fetchreach_runs_one_epoch(tmp_path):
    env = dict(
        os.environ, GARAGE_EXAMPLE_TEST_N_EPOCHS='1', GARAGE_EXAMPLE_TEST_N_STEPS='1'
    )
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / 'her_ddpg_fetchreach.py'), '--seed', '2'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / 'her_ddpg_fetchreach'
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    # the 10,000 steps of min_buffer_size: 200 whole episodes of 50 steps
    # from 8 environments, each with 4 hindsight transitions for 49 steps
    assert rows[0]['TotalEnvSteps'] == '10000'
    assert rows[0]['ReplayBuffer/buffer_size'] == str(10_000 + 200 * 49 * 4)
    assert float(rows[0]['Evaluation/NumEpisodes']) == 10
    assert (log_dir / 'params.pkl').exists()
    assert 'seed": 2' in (log_dir / 'variant.json').read_text()
