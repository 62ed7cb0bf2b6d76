"""``python -m garage``: the command line."""

import re
import shutil
import subprocess
import sys

import pytest

from fixtures.experiments import train_cartpole
from garage.__main__ import main
from garage.experiment import evaluate_experiment


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


@pytest.fixture(scope='module')
def cartpole_log_dir(tmp_path_factory):
    """A CartPole experiment of two epochs that kept its best policy."""
    log_dir = tmp_path_factory.mktemp('cartpole')
    train_cartpole(log_dir)
    return log_dir


SUMMARY = re.compile(
    r'^return (?P<mean_return>\S+) ± (?P<std_return>\S+), '
    r'length (?P<mean_length>\S+) ± (?P<std_length>\S+) '
    r'\((?P<episodes>\d+) episodes, policy of epoch (?P<epoch>\d+), '
    r'(?P<source>[^)]+)\)$'
)


def run_eval(*args):
    return subprocess.run(
        [sys.executable, '-m', 'garage', 'eval', *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ('options', 'source'),
    [((), 'last snapshot'), (('--best',), 'best_policy.pkl')],
)
def test_eval_prints_one_summary(cartpole_log_dir, options, source):
    result = run_eval(cartpole_log_dir, *options, '--episodes', 3, '--seed', 5)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    summary = SUMMARY.match(line)
    assert summary, line
    expected = evaluate_experiment(
        cartpole_log_dir, best=bool(options), n_episodes=3, seed=5
    )
    assert summary['source'] == source == expected.source
    assert int(summary['epoch']) == expected.epoch
    assert int(summary['episodes']) == 3
    assert float(summary['mean_return']) == round(expected.mean_return, 3)
    assert float(summary['std_length']) == round(expected.std_length, 1)


def test_eval_with_a_seed_prints_the_same_twice(cartpole_log_dir, capsys):
    arguments = ['eval', str(cartpole_log_dir), '--episodes', '4', '--seed', '7']
    assert main(arguments) == 0
    first = capsys.readouterr().out
    assert main(arguments) == 0
    assert capsys.readouterr().out == first
    assert SUMMARY.match(first.strip())


def test_eval_names_the_videos(cartpole_log_dir, tmp_path, capsys):
    pytest.importorskip('moviepy', reason='needs the video extra')
    videos = tmp_path / 'videos'
    arguments = ['eval', str(cartpole_log_dir), '--episodes', '2']
    assert main([*arguments, '--video', str(videos)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert SUMMARY.match(lines[0])
    assert lines[1:] == [
        f'video: {videos / "eval-episode-0.mp4"}',
        f'video: {videos / "eval-episode-1.mp4"}',
    ]


def test_eval_error_is_one_line(tmp_path):
    result = run_eval(tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith('python -m garage eval: no snapshot in')
    assert len(result.stderr.splitlines()) == 1
    assert 'Traceback' not in result.stderr


@pytest.mark.parametrize(
    ('setup', 'options', 'message'),
    [
        (
            'snapshot only',
            ['--best'],
            'no best_policy.pkl in .*keep_best=True',
        ),
        (
            "snapshot_mode='none'",
            [],
            "ran with snapshot_mode='none', which saves no snapshot",
        ),
        ('snapshot only', ['--render', '--video', 'videos'], 'cannot be combined'),
    ],
)
def test_eval_explains_what_is_missing(
    cartpole_log_dir, tmp_path, capsys, setup, options, message
):
    if setup == 'snapshot only':
        shutil.copy(cartpole_log_dir / 'params.pkl', tmp_path / 'params.pkl')
    else:
        (tmp_path / 'metadata.json').write_text('{"snapshot_mode": "none"}')
    assert main(['eval', str(tmp_path), *options]) == 1
    error = capsys.readouterr().err
    assert re.match(f'python -m garage eval: .*{message}', error)


@pytest.mark.parametrize(
    'options', [['--episodes', '0'], ['--episodes', 'ten'], ['--seed', '-1']]
)
def test_eval_checks_its_options(tmp_path, capsys, options):
    with pytest.raises(SystemExit) as exit_info:
        main(['eval', str(tmp_path), *options])
    assert exit_info.value.code == 2
    assert 'expected an integer of at least' in capsys.readouterr().err


@pytest.mark.parametrize('n_epochs', ['0', '-3', 'many'])
def test_resume_takes_a_positive_number_of_epochs(tmp_path, capsys, n_epochs):
    with pytest.raises(SystemExit) as exit_info:
        main(['resume', str(tmp_path), '--n-epochs', n_epochs])
    assert exit_info.value.code == 2
    assert (
        f"expected an integer of at least 1, got '{n_epochs}'"
        in capsys.readouterr().err
    )
