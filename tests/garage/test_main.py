"""``python -m garage``: the command line."""

import subprocess
import sys

import pytest

from garage.__main__ import main


def test_plot_writes_a_png(tmp_path, capsys):
    for name, returns in (('run_a', '1,2,3'), ('run_b', '2,3,5')):
        log_dir = tmp_path / name
        log_dir.mkdir()
        rows = zip([10, 20, 30], returns.split(','), strict=True)
        (log_dir / 'progress.csv').write_text(
            'TotalEnvSteps,AverageReturn\n'
            + ''.join(f'{steps},{value}\n' for steps, value in rows)
        )
    output = tmp_path / 'curves.png'
    assert (
        main(
            [
                'plot',
                str(tmp_path / 'run_a'),
                str(tmp_path / 'run_b'),
                '-o',
                str(output),
            ]
        )
        == 0
    )
    assert output.read_bytes().startswith(b'\x89PNG')
    assert str(output) in capsys.readouterr().out


def test_plot_error_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'garage', 'plot', str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert 'progress.csv' in result.stderr
    assert 'Traceback' not in result.stderr


def test_resume_error_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, '-m', 'garage', 'resume', str(tmp_path / 'gone')],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert 'not a directory' in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert 'resume' in capsys.readouterr().err


@pytest.mark.parametrize('n_epochs', ['0', '-3', 'many'])
def test_resume_takes_a_positive_number_of_epochs(tmp_path, capsys, n_epochs):
    with pytest.raises(SystemExit) as exit_info:
        main(['resume', str(tmp_path), '--n-epochs', n_epochs])
    assert exit_info.value.code == 2
    assert f"expected a positive integer, got '{n_epochs}'" in capsys.readouterr().err
