"""Experiments end to end in subprocesses: log directory, kill and resume."""

import csv
import json
import os
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
import torch

from garage.experiment.resume import _drop_rows_after, resume_experiment
from garage.experiment.snapshotter import Snapshotter

TESTS_DIR = Path(__file__).resolve().parents[2]

LAUNCHER = textwrap.dedent('''
    import os
    import sys
    import time

    from fixtures.algos import TinyPolicyGradient
    from garage import wrap_experiment
    from garage.envs import PointEnv
    from garage.experiment.deterministic import set_seed
    from garage.trainer import Trainer


    class SlowTinyPolicyGradient(TinyPolicyGradient):
        """Defined in the launcher: snapshots carry it by value."""

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
