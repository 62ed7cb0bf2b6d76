"""Checks of what the whole repository keeps true."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_python(code, **kwargs):
    return subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        **kwargs,
    )


@pytest.mark.parametrize('command', [['check'], ['format', '--check']])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [sys.executable, '-m', 'ruff', *command, '.'],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    result = subprocess.run(
        [sys.executable, '-m', 'mypy'], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_garage_prints_nothing_and_skips_tensorflow_and_ray():
    result = run_python(
        'import sys, garage, garage.envs, garage.np.policies, '
        'garage.experiment\n'
        'print(sorted(m for m in sys.modules '
        "if m.split('.')[0] in ('tensorflow', 'theano', 'ray')))"
    )
    assert result.stdout == '[]\n'
    assert result.stderr == ''


def test_import_garage_defers_slow_imports():
    # each takes from a quarter to several seconds; workers import garage
    result = run_python(
        'import sys, garage\n'
        "print(sorted(m for m in ('scipy.signal', 'dowel', 'torch') "
        'if m in sys.modules))'
    )
    assert result.stdout == '[]\n'


def test_import_garage_keeps_an_installed_tensorflow_out(tmp_path):
    fake = tmp_path / 'tensorflow'
    fake.mkdir()
    (fake / '__init__.py').write_text("print('tensorflow was imported')\n")
    result = run_python(
        "import sys, garage\nprint('tensorflow' in sys.modules)",
        env={'PYTHONPATH': str(tmp_path)},
    )
    assert result.stdout == 'False\n'
    assert result.stderr == ''


def test_readme_quickstart_has_two_commands():
    readme = (ROOT / 'README.md').read_text()
    assert readme.startswith('# garage\n')
    section = readme.split('## Quickstart', 1)[1]
    block = re.search(r'```bash\n(.*?)```', section, re.DOTALL).group(1)
    commands = block.strip().splitlines()
    assert len(commands) == 2
    assert all('pip install torch==2.13.0' in c for c in commands)
    assert commands[1].endswith('-m pytest')
