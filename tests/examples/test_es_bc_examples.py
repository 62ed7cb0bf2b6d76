"""Run the CEM, CMA-ES and BC examples for one epoch, in a subprocess."""

import csv
import os
import pathlib
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples'


@pytest.mark.parametrize(
    ('path', 'args', 'column'),
    [
        pytest.param('np/cem_cartpole.py', [], 'Training/AverageReturn', id='cem'),
        pytest.param(
            'np/cma_es_cartpole.py', [], 'Training/AverageReturn', id='cma_es'
        ),
        pytest.param('torch/bc_point.py', [], 'Evaluation/AverageReturn', id='bc'),
        pytest.param(
            'torch/bc_point.py',
            ['--loss', 'mse'],
            'Evaluation/AverageReturn',
            id='bc_mse',
        ),
    ],
)
def test_example_runs_one_epoch(path, args, column, tmp_path):
    env = dict(os.environ, GARAGE_EXAMPLE_TEST_N_EPOCHS='1')
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / path), '--seed', '2', *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    name = pathlib.Path(path).stem
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / name
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) > 0
    assert float(rows[0][column]) == float(rows[0][column])  # not empty or NaN
    assert (log_dir / 'params.pkl').exists()
    assert 'seed": 2' in (log_dir / 'variant.json').read_text()
    assert not (tmp_path / 'outcmaes').exists()
