"""Run every example as a user would, in a subprocess."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples'


def test_rollout_cartpole():
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / 'rollout_cartpole.py'), '--episodes', '3'],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith('CartPole-v1: observations of shape (4,)')
    balancing = next(
        line for line in lines if line.startswith('BalancingPolicy')
    ).split()
    assert balancing[1:] == ['3', '500.0', '500', '500', '0', '3']
    assert result.stderr == ''
