"""Experiments end to end in subprocesses: log directory, kill and resume."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
import torch

from fixtures.algos import TinyPolicyGradient
from garage import wrap_experiment
from garage._dowel import dowel
from garage.envs import PointEnv
from garage.experiment.deterministic import set_seed
from garage.experiment.experiment import LogDirectoryLockedError, _drop_rows_after
from garage.experiment.resume import (
    ExperimentCompleteError,
    _draw_learning_curve,
    resume_experiment,
)
from garage.experiment.snapshotter import Snapshotter
from garage.trainer import Trainer

TESTS_DIR = Path(__file__).resolve().parents[2]

LAUNCHER = textwrap.dedent('''
    import os
    import pathlib
    import signal
    import sys
    import time

    from fixtures.algos import TinyPolicyGradient
    from garage import wrap_experiment
    from garage.envs import PointEnv
    from garage.experiment.deterministic import set_seed
    from garage.np.algos import EpochRecord
    from garage.trainer import Trainer


    def _stop_at(epoch):
        """Die (KILL_AT_EPOCH) or wait (HOLD_AT_EPOCH) at an epoch's start."""
        if epoch == int(os.environ.get('KILL_AT_EPOCH', '-1')):
            os.kill(os.getpid(), signal.SIGKILL)
        if epoch == int(os.environ.get('HOLD_AT_EPOCH', '-1')):
            pathlib.Path(os.environ['HOLD_MARKER']).write_text(str(os.getpid()))
            time.sleep(600)


    class SlowTinyPolicyGradient(TinyPolicyGradient):
        """Defined in the launcher: snapshots carry it by value."""

        def train(self, trainer):
            average_return = None
            for epoch in trainer.step_epochs():
                _stop_at(epoch)
                episodes = trainer.obtain_episodes(trainer.step_itr)
                average_return = self._train_once(episodes)
                trainer.report_epoch(EpochRecord.from_episodes(episodes))
            return average_return

        def _train_once(self, episodes):
            time.sleep(float(os.environ.get('EPOCH_SLEEP', '0')))
            return super()._train_once(episodes)


    @wrap_experiment(log_dir=sys.argv[1], snapshot_mode='last')
    def tiny_experiment(ctxt, seed, n_epochs):
        set_seed(seed)
        env = PointEnv(max_episode_length=20)
        trainer = Trainer(ctxt)
        trainer.setup(SlowTinyPolicyGradient(env), env)
        trainer.train(n_epochs=n_epochs, batch_size=100)


    tiny_experiment(seed=3, n_epochs=int(sys.argv[2]))
''')

# Resumes the experiment in sys.argv[1] in place, as the seed's Trainer
# docs do it: restore and resume inside wrap_experiment.
RESUMER = textwrap.dedent("""
    import sys

    from garage import wrap_experiment
    from garage.trainer import Trainer


    @wrap_experiment(
        log_dir=sys.argv[1], use_existing_dir=True, archive_launch_repo=False
    )
    def resume_in_place(ctxt, note):
        trainer = Trainer(ctxt)
        trainer.restore(sys.argv[1])
        trainer.resume()


    resume_in_place(note='resumed from Python')
""")


def environment(**extra):
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([str(TESTS_DIR), env.get('PYTHONPATH', '')])
    env.update(extra)
    return env


@pytest.fixture
def launcher(tmp_path):
    """The launcher script, committed in a git repository of its own."""
    repo = tmp_path / 'repo'
    repo.mkdir()
    script = repo / 'launcher.py'
    script.write_text(LAUNCHER)
    (repo / 'README').write_text('a research project\n')
    for command in (
        ['git', 'init', '-q'],
        ['git', 'add', '.'],
        [
            'git',
            '-c',
            'user.name=t',
            '-c',
            'user.email=t@t',
            'commit',
            '-qm',
            'launcher',
        ],
    ):
        subprocess.run(command, cwd=repo, check=True)
    return script


def progress_rows(log_dir):
    with (log_dir / 'progress.csv').open(newline='') as file:
        return [
            {key: value for key, value in row.items() if not key.startswith('Time/')}
            for row in csv.DictReader(file)
        ]


def test_log_directory_holds_every_file(tmp_path, launcher):
    log_dir = tmp_path / 'run'
    subprocess.run(
        [sys.executable, str(launcher), str(log_dir), '2'],
        cwd=tmp_path,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    names = {path.name for path in log_dir.iterdir()}
    assert {
        'variant.json',
        'metadata.json',
        'debug.log',
        'progress.csv',
        'params.pkl',
        'launch_archive.tar.xz',
    } <= names
    assert any(name.startswith('events.out.tfevents') for name in names)
    assert json.loads((log_dir / 'variant.json').read_text()) == {
        'seed': 3,
        'n_epochs': 2,
    }
    metadata = json.loads((log_dir / 'metadata.json').read_text())
    assert len(metadata['git_commit']) == 40
    assert metadata['git_dirty'] is False
    rows = progress_rows(log_dir)
    assert [row['Epoch'] for row in rows] == ['0', '1']
    assert {'AverageReturn', 'Loss', 'TotalEnvSteps'} <= set(rows[0])
    assert 'epoch #1 | Saved' in (log_dir / 'debug.log').read_text()
    with tarfile.open(log_dir / 'launch_archive.tar.xz') as archive:
        assert {Path(name).name for name in archive.getnames()} >= {
            'launcher.py',
            'README',
        }
    snapshot = Snapshotter().load(log_dir)
    assert snapshot['stats'].total_epoch == 1
    assert snapshot['train_args'].n_epochs == 2


def test_killed_experiment_resumes_exactly(tmp_path, launcher):
    """SIGKILL mid-run, resume in place: as if it had never stopped."""
    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    subprocess.run(
        [sys.executable, str(launcher), str(straight), '8'],
        cwd=tmp_path,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )

    process = subprocess.Popen(
        [sys.executable, str(launcher), str(killed), '8'],
        cwd=tmp_path,
        env=environment(EPOCH_SLEEP='0.2'),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        csv_path = killed / 'progress.csv'
        if csv_path.exists() and len(csv_path.read_text().splitlines()) > 4:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert len(progress_rows(killed)) < 8

    subprocess.run(
        [sys.executable, '-m', 'garage', 'resume', str(killed)],
        cwd=tmp_path,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )

    assert progress_rows(killed) == progress_rows(straight)
    mine, theirs = (Snapshotter().load(log_dir) for log_dir in (killed, straight))
    assert mine['seed'] == theirs['seed']
    # the same arguments, but for the epoch the resumed call started from
    assert mine['train_args'].start_epoch > 0
    assert mine['train_args']._replace(start_epoch=0) == theirs['train_args']
    assert vars(mine['stats']) == vars(theirs['stats'])
    for mine_p, theirs_p in zip(
        mine['algo'].policy.parameters(),
        theirs['algo'].policy.parameters(),
        strict=True,
    ):
        torch.testing.assert_close(mine_p, theirs_p, rtol=0, atol=0)
    torch.testing.assert_close(
        mine['algo'].optimizer.state_dict(),
        theirs['algo'].optimizer.state_dict(),
        rtol=0,
        atol=0,
    )
    assert mine['rng_states']['random'] == theirs['rng_states']['random']
    torch.testing.assert_close(
        mine['rng_states']['torch'], theirs['rng_states']['torch']
    )


def test_resume_more_epochs_from_the_command_line(tmp_path, launcher):
    log_dir = tmp_path / 'run'
    subprocess.run(
        [sys.executable, str(launcher), str(log_dir), '2'],
        cwd=tmp_path,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        [sys.executable, '-m', 'garage', 'resume', str(log_dir), '--n-epochs', '3'],
        cwd=tmp_path,
        env=environment(),
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert [row['Epoch'] for row in progress_rows(log_dir)] == ['0', '1', '2']


def test_resume_needs_a_log_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match='not a directory'):
        resume_experiment(tmp_path / 'missing')
    result = subprocess.run(
        [sys.executable, '-m', 'garage', 'resume', str(tmp_path)],
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert 'snapshot' in result.stderr.lower()


class TestDropRowsAfter:
    def test_keeps_rows_up_to_the_epoch(self, tmp_path):
        path = tmp_path / 'progress.csv'
        path.write_text('Epoch,Loss\n0,1.0\n1,0.5\n2,0.25\n')
        _drop_rows_after(path, 1)
        assert path.read_text().splitlines() == ['Epoch,Loss', '0,1.0', '1,0.5']

    def test_a_row_cut_short_before_the_epoch_column_is_dropped(self, tmp_path):
        path = tmp_path / 'progress.csv'
        path.write_text('a,Epoch,b\n1,0,2\n1,1,2\n5')
        _drop_rows_after(path, 1)
        assert path.read_text().splitlines() == ['a,Epoch,b', '1,0,2', '1,1,2']

    def test_without_an_epoch_column_counts_rows(self, tmp_path):
        path = tmp_path / 'progress.csv'
        path.write_text('Loss\n1.0\n0.5\n0.25\n')
        _drop_rows_after(path, 0)
        assert path.read_text().splitlines() == ['Loss', '1.0']

    def test_missing_or_complete_files_are_left_alone(self, tmp_path):
        _drop_rows_after(tmp_path / 'progress.csv', 3)
        path = tmp_path / 'progress.csv'
        path.write_text('Epoch\n0\n')
        before = path.stat().st_mtime_ns
        _drop_rows_after(path, 3)
        assert path.stat().st_mtime_ns == before


def run(args, cwd, check=True, **env):
    """Run a command with the tests on the path; return the finished process."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=environment(**env),
        check=check,
        capture_output=True,
        text=True,
        timeout=180,
    )


def start_holding(launcher, log_dir, n_epochs, epoch, marker, *args):
    """Start a run (or, with args, a resume) that waits at ``epoch``'s start.

    Returns:
        The process, once it waits: it has logged and saved the epochs
        before ``epoch``.

    """
    command = args or (launcher, log_dir, n_epochs)
    process = subprocess.Popen(
        [sys.executable, *map(str, command)],
        cwd=launcher.parent.parent,
        env=environment(HOLD_AT_EPOCH=str(epoch), HOLD_MARKER=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 180
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(
                f'the run never got to epoch {epoch}: {process.communicate()[1]}'
            )
        time.sleep(0.05)
    return process


def file_bytes(log_dir, *names):
    return {name: (log_dir / name).read_bytes() for name in names}


def test_both_resume_paths_continue_the_log_in_place(tmp_path, launcher):
    """wrap_experiment(use_existing_dir=True) + restore/resume keeps the log."""
    straight, killed = tmp_path / 'straight', tmp_path / 'killed'
    run([sys.executable, launcher, straight, 6], tmp_path)
    result = run(
        [sys.executable, launcher, killed, 6], tmp_path, False, KILL_AT_EPOCH='3'
    )
    assert result.returncode == -signal.SIGKILL
    assert [row['Epoch'] for row in progress_rows(killed)] == ['0', '1', '2']
    first = file_bytes(killed, 'variant.json', 'metadata.json')
    by_cli = tmp_path / 'by_cli'
    shutil.copytree(killed, by_cli)
    resumer = tmp_path / 'resumer.py'
    resumer.write_text(RESUMER)

    run([sys.executable, resumer, killed], tmp_path)
    run([sys.executable, '-m', 'garage', 'resume', by_cli], tmp_path)

    resumes = {}
    for log_dir in (killed, by_cli):
        # every row once, as in the run that was never killed
        assert progress_rows(log_dir) == progress_rows(straight)
        # the first run's files stay; the resume is recorded beside them
        assert (log_dir / 'variant.json').read_bytes() == first['variant.json']
        metadata = json.loads((log_dir / 'metadata.json').read_text())
        (resumes[log_dir],) = metadata.pop('resumes')
        assert metadata == json.loads(first['metadata.json'])
        assert resumes[log_dir]['from_epoch'] == 2
        assert {'time', 'garage_version', 'python_version'} <= set(resumes[log_dir])
        assert not (log_dir / '.garage.lock').exists()
    assert resumes[killed]['command_line'][1:] == [str(resumer), str(killed)]
    assert resumes[killed]['variant'] == {'note': 'resumed from Python'}
    assert resumes[by_cli]['command_line'][1:] == [
        '-m',
        'garage',
        'resume',
        str(by_cli),
    ]
    assert 'variant' not in resumes[by_cli]

    def names(log_dir):
        return {
            path.name
            for path in log_dir.iterdir()
            if not path.name.startswith('events.out.tfevents')
        }

    # the command line also draws the learning curve
    assert names(killed) == names(by_cli) - {'learning_curves.png'}
    assert Snapshotter.load(killed)['stats'].total_epoch == 5


def test_a_live_run_refuses_a_second_writer(tmp_path, launcher):
    """One writer per log directory; SIGKILL leaves no stale lock."""
    log_dir, marker = tmp_path / 'live', tmp_path / 'holding'
    process = start_holding(launcher, log_dir, 4, 2, marker)
    try:
        before = file_bytes(log_dir, 'progress.csv', 'debug.log', 'metadata.json')
        result = run(
            [sys.executable, '-m', 'garage', 'resume', log_dir], tmp_path, False
        )
        assert result.returncode == 1
        (line,) = result.stderr.splitlines()
        assert f'is being written by process {process.pid} (' in line
        assert str(launcher) in line
        with pytest.raises(LogDirectoryLockedError, match=f'process {process.pid}'):
            wrap_experiment(log_dir=log_dir, use_existing_dir=True)(lambda ctxt: None)()
        assert file_bytes(log_dir, *before) == before
    finally:
        process.kill()
        process.wait(timeout=30)
    assert (log_dir / '.garage.lock').exists()  # left by the kill, not locked

    run([sys.executable, '-m', 'garage', 'resume', log_dir], tmp_path)
    assert [row['Epoch'] for row in progress_rows(log_dir)] == ['0', '1', '2', '3']
    assert not (log_dir / '.garage.lock').exists()


def test_a_finished_run_says_how_to_extend_it(tmp_path, launcher):
    log_dir = tmp_path / 'done'
    run([sys.executable, launcher, log_dir, 2], tmp_path)
    before = file_bytes(log_dir, 'progress.csv', 'debug.log', 'metadata.json')
    for extra, asked in (([], ''), (['--n-epochs', '1'], 'than the 1 asked')):
        result = run(
            [sys.executable, '-m', 'garage', 'resume', log_dir, *extra], tmp_path
        )
        (line,) = result.stderr.splitlines()
        assert 'is complete: its snapshot has trained 2 epoch(s)' in line
        assert asked in line
        assert line.endswith(f'python -m garage resume {log_dir} --n-epochs 4')
    assert file_bytes(log_dir, *before) == before
    with pytest.raises(ExperimentCompleteError) as error:
        resume_experiment(log_dir)
    assert error.value.trained == 2


def test_ctrl_c_ends_with_one_line_naming_the_resume_command(tmp_path, launcher):
    """SIGINT during a run, then during its resume; the snapshots stay whole."""
    log_dir = tmp_path / 'run'
    hint = 'Interrupted; the last snapshot is kept. Continue with: '
    for epoch, command in (
        (2, (launcher, log_dir, 5)),
        (3, ('-m', 'garage', 'resume', log_dir)),
    ):
        marker = tmp_path / f'holding_{epoch}'
        process = start_holding(launcher, log_dir, 5, epoch, marker, *command)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        # Python's own exit on an uncaught KeyboardInterrupt: 130 in a shell
        assert process.returncode == -signal.SIGINT
        assert stderr.splitlines() == [f'{hint}python -m garage resume run']
        assert Snapshotter.load(log_dir)['stats'].total_epoch == epoch - 1
        assert 'KeyboardInterrupt' in (log_dir / 'debug.log').read_text()
        epochs = [int(row['Epoch']) for row in progress_rows(log_dir)]
        assert epochs == list(range(epoch))

    result = run([sys.executable, '-m', 'garage', 'resume', 'run'], tmp_path)
    assert [row['Epoch'] for row in progress_rows(log_dir)] == ['0', '1', '2', '3', '4']
    # the resume draws the learning curve, as the examples do after training
    assert (log_dir / 'learning_curves.png').read_bytes().startswith(b'\x89PNG')
    assert '[run] Learning curve: run/learning_curves.png' in result.stdout


def test_ctrl_c_before_the_first_snapshot_says_there_is_nothing_to_resume(
    tmp_path, launcher
):
    marker = tmp_path / 'holding'
    process = start_holding(launcher, tmp_path / 'early', 3, 0, marker)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGINT
    assert stderr.splitlines() == [
        'Interrupted before the first snapshot: nothing to resume in early'
    ]


class Interrupting:
    def __reduce__(self):
        raise KeyboardInterrupt


def test_ctrl_c_while_saving_leaves_the_last_snapshot_whole(tmp_path):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_itr_params(0, {'epoch': 0})
    with pytest.raises(KeyboardInterrupt):
        snapshotter.save_itr_params(1, {'epoch': 1, 'half': Interrupting()})
    assert Snapshotter.load(tmp_path) == {'epoch': 0}
    assert sorted(path.name for path in tmp_path.iterdir()) == ['params.pkl']


def test_a_learning_curve_that_cannot_be_drawn_is_logged(tmp_path, monkeypatch):
    import garage.plotting

    def broken(log_dir):
        raise ImportError('matplotlib is broken')

    monkeypatch.setattr(garage.plotting, 'plot_learning_curves', broken)
    logged = []
    monkeypatch.setattr(dowel.logger, 'log', logged.append)
    _draw_learning_curve(tmp_path)
    assert logged == ['Learning curve not drawn: matplotlib is broken']


def test_a_run_that_spent_its_step_budget_is_complete(tmp_path):
    log_dir = tmp_path / 'steps'

    @wrap_experiment(log_dir=log_dir, archive_launch_repo=False)
    def budgeted(ctxt):
        set_seed(1)
        env = PointEnv(max_episode_length=20)
        trainer = Trainer(ctxt)
        trainer.setup(TinyPolicyGradient(env), env)
        trainer.train(n_env_steps=250, batch_size=100, progress=False)

    budgeted()
    trained = Snapshotter.load(log_dir)['stats'].total_env_steps
    assert trained >= 250
    with pytest.raises(ExperimentCompleteError) as error:
        resume_experiment(log_dir)
    message = str(error.value)
    assert f'trained {trained} environment steps' in message
    assert message.endswith(f'--n-env-steps {2 * trained}')
    with pytest.raises(ValueError, match='not both'):
        resume_experiment(log_dir, n_epochs=9, n_env_steps=900)
    resume_experiment(
        log_dir, n_env_steps=trained + 1, progress=False, learning_curve=False
    )
    resumed = Snapshotter.load(log_dir)['stats']
    assert resumed.total_env_steps > trained
    assert resumed.total_epoch == 3
