"""Run each off-policy example for one epoch, as a user would, in a subprocess."""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'

CASES = [
    pytest.param('sac_pendulum', True, id='sac_pendulum'),
    pytest.param('td3_pendulum', True, id='td3_pendulum'),
    pytest.param('ddpg_pendulum', True, id='ddpg_pendulum'),
    pytest.param('dqn_cartpole', True, id='dqn_cartpole'),
    pytest.param(
        'sac_half_cheetah',
        True,
        id='sac_half_cheetah',
        marks=[
            pytest.mark.mujoco,
            pytest.mark.skipif(
                importlib.util.find_spec('mujoco') is None,
                reason='needs the mujoco extra',
            ),
        ],
    ),
]


@pytest.mark.parametrize(('name', 'snapshots'), CASES)
def test_example_runs_one_epoch(name, snapshots, tmp_path):
    # no OMP_NUM_THREADS: each example sets PyTorch to one thread itself
    env = dict(os.environ, GARAGE_EXAMPLE_TEST_N_EPOCHS='1')
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '2'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / name
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) > 0
    assert float(rows[0]['Evaluation/NumEpisodes']) == 10
    assert rows[0]['ReplayBuffer/buffer_size'] == rows[0]['TotalEnvSteps']
    assert (log_dir / 'params.pkl').exists() == snapshots
    assert 'seed": 2' in (log_dir / 'variant.json').read_text()
