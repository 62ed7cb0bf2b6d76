import csv
import dataclasses
import datetime
import inspect
import json
import os
import pathlib
import platform
import struct
import subprocess
import sys
import tarfile
import textwrap

import pytest

from garage._dowel import dowel, logger, tabular
from garage.experiment._log_lock import LogDirectoryLock
from garage.experiment.experiment import (
    ExperimentContext,
    ExperimentTemplate,
    LogDirectoryLockedError,
    _continue_logged_run,
    experiment_logging,
    wrap_experiment,
)

GIT = (
    'git',
    '-c',
    'user.name=Tester',
    '-c',
    'user.email=tester@example.com',
    '-c',
    'commit.gpgsign=false',
    '-c',
    'init.defaultBranch=main',
)


@pytest.fixture(autouse=True)
def launcher(tmp_path, monkeypatch):
    """Run in an empty directory, launched by a script outside git."""
    work = tmp_path / 'work'
    work.mkdir()
    monkeypatch.chdir(work)
    script = tmp_path / 'launch.py'
    script.write_text('# launcher\n')
    monkeypatch.setattr(sys.modules['__main__'], '__file__', str(script), raising=False)
    return script


@pytest.fixture
def git_repo(tmp_path, monkeypatch):
    """A committed git repository holding the launcher; the cwd is its root."""
    repo = tmp_path / 'repo'
    (repo / 'pkg').mkdir(parents=True)
    (repo / 'launch.py').write_text('# launcher\n')
    (repo / 'pkg' / 'module.py').write_text('X = 1\n')
    (repo / '.gitignore').write_text('ignored.txt\n')
    git(repo, 'init', '-q')
    git(repo, 'add', '.')
    git(repo, 'commit', '-qm', 'first')
    (repo / 'untracked.txt').write_text('not tracked\n')
    (repo / 'ignored.txt').write_text('ignored\n')
    monkeypatch.chdir(repo)
    monkeypatch.setattr(sys.modules['__main__'], '__file__', str(repo / 'launch.py'))
    return repo


def git(repo, *args):
    return subprocess.run(
        (*GIT, *args), cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def log_rows(rows):
    """Log each dict as one tabular row, as a trainer's epoch does."""
    for row in rows:
        for key, value in row.items():
            tabular.record(key, value)
        logger.log(tabular)
        logger.dump_all()
        tabular.clear()


def read_csv(path):
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def read_json(path):
    return json.loads(pathlib.Path(path).read_text())


def read_scalars(log_dir):
    """Read the scalars of the TensorBoard event files: {tag: [(step, value)]}."""
    from tensorboardX.proto import event_pb2

    scalars = {}
    for path in sorted(log_dir.glob('events.out.tfevents.*')):
        data = path.read_bytes()
        position = 0
        while position < len(data):
            (length,) = struct.unpack('<Q', data[position : position + 8])
            start = position + 12  # length, then its 4-byte checksum
            event = event_pb2.Event.FromString(data[start : start + length])
            position = start + length + 4
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append(
                    (event.step, value.simple_value)
                )
    return scalars


def returns_ctxt(ctxt, seed=1, lr=0.5):
    return ctxt


def data_dir(*parts):
    return os.path.join(os.getcwd(), 'data', 'local', *parts)


# The decorator


def test_decorator_without_arguments():
    experiment = wrap_experiment(returns_ctxt)
    ctxt = experiment()
    assert isinstance(experiment, ExperimentTemplate)
    assert ctxt == ExperimentContext(
        snapshot_dir=data_dir('experiment', 'returns_ctxt'),
        snapshot_mode='last',
        snapshot_gap=1,
    )
    assert ctxt.log_dir == ctxt.snapshot_dir


def test_decorator_with_arguments():
    experiment = wrap_experiment(
        prefix='mine', name='run', snapshot_mode='gap', snapshot_gap=3
    )(returns_ctxt)
    ctxt = experiment()
    assert ctxt == ExperimentContext(
        snapshot_dir=data_dir('mine', 'run'), snapshot_mode='gap', snapshot_gap=3
    )


def test_passes_arguments_and_returns_the_result():
    @wrap_experiment
    def add(ctxt, a, b=10):
        return ctxt, a + b

    ctxt, total = add(a=1, b=2)
    assert isinstance(ctxt, ExperimentContext)
    assert total == 3


def test_keeps_name_docstring_and_signature_without_ctxt():
    def documented(ctxt, seed: int, lr: float = 0.5) -> float:
        """Train something."""

    experiment = wrap_experiment(documented)
    assert experiment.__name__ == 'documented'
    assert experiment.__doc__ == 'Train something.'
    assert list(inspect.signature(experiment).parameters) == ['seed', 'lr']
    assert inspect.signature(experiment).return_annotation is float


def test_first_parameter_may_be_positional_only_or_star_args():
    @wrap_experiment
    def positional_only(ctxt, /, x=1):
        return ctxt, x

    @wrap_experiment
    def star_args(*args, x=1):
        return args, x

    assert positional_only(x=2)[1] == 2
    (ctxt,), x = star_args(x=3)
    assert isinstance(ctxt, ExperimentContext)
    assert x == 3


def test_directory_is_made_unique_with_suffixes():
    experiment = wrap_experiment(returns_ctxt)
    dirs = [experiment().snapshot_dir for _ in range(3)]
    base = data_dir('experiment', 'returns_ctxt')
    assert dirs == [base, base + '_1', base + '_2']
    assert all(os.path.isdir(d) for d in dirs)


def test_use_existing_dir_reuses_the_directory():
    experiment = wrap_experiment(returns_ctxt, use_existing_dir=True)
    first = experiment().snapshot_dir
    assert experiment().snapshot_dir == first
    assert sorted(os.listdir(data_dir('experiment'))) == ['returns_ctxt']


def test_log_dir_is_used_made_absolute_and_unique(tmp_path):
    experiment = wrap_experiment(
        returns_ctxt, log_dir='runs/here', prefix='unused', name='unused'
    )
    assert experiment().snapshot_dir == os.path.join(os.getcwd(), 'runs', 'here')
    assert experiment().snapshot_dir == os.path.join(os.getcwd(), 'runs', 'here_1')
    assert not os.path.exists('data')


def test_log_dir_may_be_a_path(tmp_path):
    experiment = wrap_experiment(returns_ctxt, log_dir=tmp_path / 'run')
    assert experiment().snapshot_dir == str(tmp_path / 'run')


@pytest.mark.parametrize(
    ('name_parameters', 'name'),
    [
        (None, 'returns_ctxt'),
        ('passed', 'returns_ctxt_seed=7'),
        ('all', 'returns_ctxt_seed=7_lr=0.5'),
    ],
)
def test_name_parameters(name_parameters, name):
    experiment = wrap_experiment(returns_ctxt, name_parameters=name_parameters)
    assert experiment(seed=7).snapshot_dir == data_dir('experiment', name)


def test_name_parameters_follow_the_definition_order():
    experiment = wrap_experiment(returns_ctxt, name_parameters='passed', name='ordered')
    ctxt = experiment(lr=0.1, seed=2)
    assert ctxt.snapshot_dir == data_dir('experiment', 'ordered_seed=2_lr=0.1')


def test_name_parameters_spread_kwargs_and_replace_path_separators():
    @wrap_experiment(name_parameters='all')
    def env_run(ctxt, env_id='CartPole-v1', **kwargs):
        return ctxt

    ctxt = env_run(env_id='ALE/Pong-v5', extra=3)
    assert ctxt.snapshot_dir == data_dir(
        'experiment', 'env_run_env_id=ALE_Pong-v5_extra=3'
    )


def test_name_parameters_do_not_change_an_explicit_log_dir(tmp_path):
    experiment = wrap_experiment(
        returns_ctxt, name_parameters='all', log_dir=tmp_path / 'fixed'
    )
    assert experiment(seed=3).snapshot_dir == str(tmp_path / 'fixed')


# Arguments of a run


def test_positional_arguments_are_refused():
    experiment = wrap_experiment(returns_ctxt)
    with pytest.raises(
        ValueError,
        match=r'returns_ctxt\(\) takes keyword '
        r'arguments only',
    ):
        experiment(1)
    with pytest.raises(ValueError, match='keyword arguments only'):
        experiment({'log_dir': 'x'}, 2)
    assert not os.path.exists('data')


def test_a_dict_of_options_changes_one_run(tmp_path):
    experiment = wrap_experiment(returns_ctxt, snapshot_mode='all')
    ctxt = experiment({'log_dir': tmp_path / 'once', 'snapshot_gap': 4}, seed=2)
    assert ctxt == ExperimentContext(
        snapshot_dir=str(tmp_path / 'once'), snapshot_mode='all', snapshot_gap=4
    )
    assert experiment().snapshot_dir == data_dir('experiment', 'returns_ctxt')


def test_a_dict_of_options_is_checked():
    experiment = wrap_experiment(returns_ctxt)
    with pytest.raises(
        ValueError,
        match=r'unknown wrap_experiment option\(s\) '
        r"'color': use 'log_dir', 'prefix'",
    ):
        experiment({'color': 'red'})
    with pytest.raises(
        ValueError, match=r"^snapshot_mode must be one of .*, got 'often'$"
    ):
        experiment({'snapshot_mode': 'often'})
    assert not os.path.exists('data')


def test_arguments_that_do_not_fit_make_no_directory():
    experiment = wrap_experiment(returns_ctxt)
    with pytest.raises(TypeError, match="unexpected keyword argument 'sed'"):
        experiment(sed=1)
    assert not os.path.exists('data')


# Checked options


@pytest.mark.parametrize(
    ('options', 'error', 'match'),
    [
        (
            {'snapshot_mode': 'often'},
            ValueError,
            r"^snapshot_mode must be one of 'all', 'last', 'gap', "
            r"'gap_and_last', 'gap_overwrite', 'none', got 'often'$",
        ),
        (
            {'snapshot_gap': 0},
            ValueError,
            '^snapshot_gap must be a positive integer, got 0$',
        ),
        (
            {'snapshot_gap': -2},
            ValueError,
            '^snapshot_gap must be a positive integer, got -2$',
        ),
        ({'snapshot_gap': 1.5}, ValueError, 'snapshot_gap must be a positive integer'),
        ({'snapshot_gap': True}, TypeError, 'snapshot_gap must be a positive integer'),
        (
            {'name_parameters': 'some'},
            ValueError,
            r"^name_parameters must be one of None, 'all', 'passed', got 'some'$",
        ),
        ({'prefix': ''}, ValueError, "^prefix must be a non-empty string, got ''$"),
        ({'prefix': None}, TypeError, '^prefix must be a str, not NoneType'),
        ({'name': ''}, ValueError, "^name must be a non-empty string or None, got ''"),
        ({'name': 3}, TypeError, r'^name must be a str, not int \(3\)$'),
    ],
)
def test_invalid_options_are_refused_when_decorating(options, error, match):
    with pytest.raises(error, match=match):
        wrap_experiment(**options)
    with pytest.raises(error, match=match):
        wrap_experiment(returns_ctxt, **options)


def test_only_functions_are_wrapped():
    with pytest.raises(
        TypeError,
        match='wrap_experiment wraps a function, '
        "not 'all'; pass its options as keyword arguments",
    ):
        wrap_experiment('all')
    with pytest.raises(TypeError, match='wraps a function, not 3'):
        wrap_experiment()(3)


@pytest.mark.parametrize(
    'function', [lambda: None, lambda *, ctxt: None, lambda **kwargs: None]
)
def test_the_function_must_take_the_context_first(function):
    with pytest.raises(
        TypeError, match='must take the ExperimentContext as its first argument'
    ):
        wrap_experiment(function)


# ExperimentContext


def test_experiment_context_is_frozen_and_keyword_only():
    ctxt = ExperimentContext(snapshot_dir='/d', snapshot_mode='all', snapshot_gap=2)
    assert (ctxt.snapshot_dir, ctxt.snapshot_mode, ctxt.snapshot_gap, ctxt.log_dir) == (
        '/d',
        'all',
        2,
        '/d',
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctxt.snapshot_dir = '/e'
    with pytest.raises(TypeError):
        ExperimentContext('/d', 'all', 2)


@pytest.mark.parametrize(
    ('mode', 'gap', 'error', 'match'),
    [
        ('sometimes', 1, ValueError, "snapshot_mode must be one of .*'sometimes'"),
        ('gap', 0, ValueError, 'snapshot_gap must be a positive integer, got 0'),
        ('gap', '2', TypeError, "snapshot_gap must be a positive integer, got '2'"),
    ],
)
def test_experiment_context_checks_its_options(mode, gap, error, match):
    with pytest.raises(error, match=match):
        ExperimentContext(snapshot_dir='/d', snapshot_mode=mode, snapshot_gap=gap)


def test_a_whole_float_gap_is_taken_as_an_int(tmp_path):
    ctxt = ExperimentContext(snapshot_dir='/d', snapshot_mode='gap', snapshot_gap=2.0)
    assert ctxt.snapshot_gap == 2
    assert type(ctxt.snapshot_gap) is int
    experiment = wrap_experiment(
        returns_ctxt, log_dir=tmp_path / 'gap', snapshot_mode='gap', snapshot_gap=3e0
    )
    assert type(experiment().snapshot_gap) is int


# The files of the log directory


def test_variant_json_holds_every_argument():
    class Opaque:
        def __repr__(self):
            return '<Opaque>'

    @wrap_experiment
    def variant(ctxt, seed, lr=0.5, net=None, **kwargs):
        return ctxt

    ctxt = variant(seed=3, net=Opaque(), sizes=(32, 32))
    assert read_json(pathlib.Path(ctxt.log_dir, 'variant.json')) == {
        'seed': 3,
        'lr': 0.5,
        'net': '<Opaque>',
        'sizes': [32, 32],
    }


def test_metadata_json_outside_git(launcher):
    before = datetime.datetime.now().astimezone()
    ctxt = wrap_experiment(
        returns_ctxt, snapshot_mode='gap', snapshot_gap=2, x_axis='Epoch'
    )()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    start = datetime.datetime.fromisoformat(metadata.pop('start_time'))
    assert before <= start <= datetime.datetime.now().astimezone()
    assert metadata == {
        'launcher': str(launcher),
        'git_root': None,
        'git_commit': None,
        'git_dirty': None,
        'githash': None,
        'garage_version': metadata['garage_version'],
        'python_version': platform.python_version(),
        'command_line': sys.argv,
        'x_axis': 'Epoch',
        'snapshot_mode': 'gap',
        'snapshot_gap': 2,
    }
    assert isinstance(metadata['garage_version'], str)


def test_metadata_json_in_a_clean_repository(git_repo):
    ctxt = wrap_experiment(returns_ctxt)()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    commit = git(git_repo, 'rev-parse', 'HEAD')
    assert metadata['launcher'] == 'launch.py'
    assert metadata['git_root'] == str(git_repo)
    assert metadata['git_commit'] == commit
    assert metadata['git_dirty'] is False  # the new log directory is untracked
    assert metadata['githash'] == commit


def test_metadata_json_in_a_dirty_repository(git_repo):
    (git_repo / 'pkg' / 'module.py').write_text('X = 2\n')
    ctxt = wrap_experiment(returns_ctxt)()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    assert metadata['git_dirty'] is True
    assert metadata['githash'] == git(git_repo, 'rev-parse', 'HEAD') + '-dirty'


def test_an_untracked_launcher_makes_the_repository_dirty(git_repo, monkeypatch):
    (git_repo / 'new_launch.py').write_text('# new\n')
    monkeypatch.setattr(
        sys.modules['__main__'], '__file__', str(git_repo / 'new_launch.py')
    )
    ctxt = wrap_experiment(returns_ctxt)()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    assert metadata['launcher'] == 'new_launch.py'
    assert metadata['git_dirty'] is True
    with tarfile.open(os.path.join(ctxt.log_dir, 'launch_archive.tar.xz')) as a:
        assert 'new_launch.py' in a.getnames()


def test_metadata_json_in_a_repository_without_commits(tmp_path, monkeypatch):
    repo = tmp_path / 'empty_repo'
    repo.mkdir()
    git(repo, 'init', '-q')
    (repo / 'launch.py').write_text('# launcher\n')
    monkeypatch.setattr(sys.modules['__main__'], '__file__', str(repo / 'launch.py'))
    ctxt = wrap_experiment(returns_ctxt)()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    assert metadata['git_root'] == str(repo)
    assert metadata['git_commit'] is None
    assert metadata['githash'] is None
    assert metadata['git_dirty'] is True


def test_launch_archive_holds_the_tracked_files_as_on_disk(git_repo):
    (git_repo / 'pkg' / 'module.py').write_text('X = 2\n')
    ctxt = wrap_experiment(returns_ctxt)()
    path = os.path.join(ctxt.log_dir, 'launch_archive.tar.xz')
    with tarfile.open(path, 'r:xz') as archive:
        assert sorted(archive.getnames()) == [
            '.gitignore',
            'launch.py',
            'pkg/module.py',
        ]
        assert archive.extractfile('pkg/module.py').read() == b'X = 2\n'


def test_launch_archive_skips_tracked_files_deleted_from_disk(git_repo):
    (git_repo / 'pkg' / 'module.py').unlink()
    ctxt = wrap_experiment(returns_ctxt)()
    path = os.path.join(ctxt.log_dir, 'launch_archive.tar.xz')
    with tarfile.open(path) as archive:
        assert sorted(archive.getnames()) == ['.gitignore', 'launch.py']


def test_archive_launch_repo_false_writes_no_archive(git_repo):
    ctxt = wrap_experiment(returns_ctxt, archive_launch_repo=False)()
    assert not os.path.exists(os.path.join(ctxt.log_dir, 'launch_archive.tar.xz'))


def test_no_archive_and_a_warning_outside_git():
    ctxt = wrap_experiment(returns_ctxt)()
    assert not os.path.exists(os.path.join(ctxt.log_dir, 'launch_archive.tar.xz'))
    with open(os.path.join(ctxt.log_dir, 'debug.log')) as f:
        assert (
            'WARNING: the launcher script is not in a git repository: '
            'launch_archive.tar.xz not written'
        ) in f.read()


def test_no_archive_and_a_warning_without_a_launcher_script(monkeypatch):
    monkeypatch.delattr(sys.modules['__main__'], '__file__')
    ctxt = wrap_experiment(returns_ctxt)()
    metadata = read_json(os.path.join(ctxt.log_dir, 'metadata.json'))
    assert metadata['launcher'] is None
    assert not os.path.exists(os.path.join(ctxt.log_dir, 'launch_archive.tar.xz'))


def test_progress_csv_keeps_a_key_that_appears_later():
    @wrap_experiment
    def three_epochs(ctxt):
        log_rows(
            [
                {'Epoch': 0, 'TotalEnvSteps': 10, 'Loss': 1.5},
                {'Epoch': 1, 'TotalEnvSteps': 20, 'Loss': 0.5},
                {
                    'Epoch': 2,
                    'TotalEnvSteps': 30,
                    'Loss': 0.25,
                    'Evaluation/AverageReturn': 9.0,
                },
            ]
        )
        return ctxt

    ctxt = three_epochs()
    header, rows = read_csv(os.path.join(ctxt.log_dir, 'progress.csv'))
    assert header == ['Epoch', 'TotalEnvSteps', 'Loss', 'Evaluation/AverageReturn']
    assert rows == [
        {
            'Epoch': '0',
            'TotalEnvSteps': '10',
            'Loss': '1.5',
            'Evaluation/AverageReturn': '',
        },
        {
            'Epoch': '1',
            'TotalEnvSteps': '20',
            'Loss': '0.5',
            'Evaluation/AverageReturn': '',
        },
        {
            'Epoch': '2',
            'TotalEnvSteps': '30',
            'Loss': '0.25',
            'Evaluation/AverageReturn': '9.0',
        },
    ]


def test_debug_log_has_the_logged_text_with_the_directory_prefix():
    @wrap_experiment
    def chatty(ctxt):
        logger.log('hello from the experiment')
        log_rows([{'TotalEnvSteps': 1, 'Loss': 2.0}])
        return ctxt

    ctxt = chatty()
    with open(os.path.join(ctxt.log_dir, 'debug.log')) as f:
        text = f.read()
    assert f'| [chatty] Logging to {ctxt.log_dir}\n' in text
    assert '| [chatty] hello from the experiment\n' in text
    assert 'Loss' in text  # the table of the dump


def test_stdout_shows_the_log(capsys):
    @wrap_experiment
    def loud(ctxt):
        logger.log('to the console')

    loud()
    assert '[loud] to the console' in capsys.readouterr().out


def test_tensorboard_events_use_the_x_axis():
    @wrap_experiment(x_axis='TotalEnvSteps')
    def board(ctxt):
        log_rows(
            [{'TotalEnvSteps': 100, 'Loss': 0.5}, {'TotalEnvSteps': 200, 'Loss': 0.25}]
        )
        return ctxt

    ctxt = board()
    scalars = read_scalars(pathlib.Path(ctxt.log_dir))
    assert scalars['Loss'] == [(100, 0.5), (200, 0.25)]


# Outputs attached while the experiment runs, and only then


def test_outputs_are_removed_after_the_experiment():
    before = list(logger._outputs)
    ctxt = wrap_experiment(returns_ctxt)()
    assert logger._outputs == before
    assert os.path.isfile(os.path.join(ctxt.log_dir, 'debug.log'))


def test_outputs_are_removed_and_the_traceback_logged_on_error():
    seen = {}

    @wrap_experiment
    def failing(ctxt):
        seen['ctxt'] = ctxt
        log_rows([{'TotalEnvSteps': 1, 'Loss': 2.0}])
        raise RuntimeError('boom')

    before = list(logger._outputs)
    with pytest.raises(RuntimeError, match='boom'):
        failing()
    assert logger._outputs == before
    log_dir = seen['ctxt'].log_dir
    with open(os.path.join(log_dir, 'debug.log')) as f:
        text = f.read()
    assert 'Experiment raised an exception:\nTraceback' in text
    assert "raise RuntimeError('boom')" in text
    assert text.rstrip().endswith('RuntimeError: boom')
    assert read_csv(os.path.join(log_dir, 'progress.csv'))[1] == [
        {'TotalEnvSteps': '1', 'Loss': '2.0'}
    ]


def test_sequential_experiments_write_to_their_own_files():
    @wrap_experiment
    def step(ctxt, n):
        logger.log(f'message {n}')
        log_rows([{'TotalEnvSteps': n, 'Loss': float(n)}])
        return ctxt

    first, second = step(n=1), step(n=2)
    for ctxt, n, other in ((first, 1, 2), (second, 2, 1)):
        with open(os.path.join(ctxt.log_dir, 'debug.log')) as f:
            text = f.read()
        assert f'message {n}' in text
        assert f'message {other}' not in text
        assert read_csv(os.path.join(ctxt.log_dir, 'progress.csv'))[1] == [
            {'TotalEnvSteps': str(n), 'Loss': f'{n}.0'}
        ]


def test_nested_experiments_do_not_share_outputs_or_values():
    @wrap_experiment
    def inner(ctxt):
        logger.log('inner message')
        log_rows([{'TotalEnvSteps': 5, 'Inner': 1.0}])
        return ctxt

    @wrap_experiment
    def outer(ctxt):
        tabular.record('TotalEnvSteps', 7)
        inner_ctxt = inner()
        logger.log('outer message')
        log_rows([{'Outer': 2.0}])
        return ctxt, inner_ctxt

    outer_ctxt, inner_ctxt = outer()
    with open(os.path.join(outer_ctxt.log_dir, 'debug.log')) as f:
        outer_text = f.read()
    with open(os.path.join(inner_ctxt.log_dir, 'debug.log')) as f:
        inner_text = f.read()
    assert 'outer message' in outer_text
    assert 'inner message' not in outer_text
    assert 'inner message' in inner_text
    assert 'outer message' not in inner_text
    assert read_csv(os.path.join(outer_ctxt.log_dir, 'progress.csv')) == (
        ['TotalEnvSteps', 'Outer'],
        [{'TotalEnvSteps': '7', 'Outer': '2.0'}],
    )
    assert read_csv(os.path.join(inner_ctxt.log_dir, 'progress.csv')) == (
        ['TotalEnvSteps', 'Inner'],
        [{'TotalEnvSteps': '5', 'Inner': '1.0'}],
    )


def test_outputs_attached_before_are_set_aside_and_restored():
    class Recorder(dowel.LogOutput):
        def __init__(self):
            self.seen = []

        @property
        def types_accepted(self):
            return (str,)

        def record(self, data, prefix=''):
            self.seen.append(data)

    recorder = Recorder()
    logger.add_output(recorder)
    try:

        @wrap_experiment
        def quiet(ctxt):
            logger.log('inside')

        quiet()
        logger.log('outside')
    finally:
        logger.remove_output_type(Recorder)
    assert recorder.seen == ['outside']


def test_importing_the_module_leaves_dowel_and_torch_out():
    code = (
        'import sys, garage.experiment.experiment\n'
        "print(sorted(m for m in ('dowel', 'tensorboardX', 'torch') "
        'if m in sys.modules))'
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout == '[]\n'


def test_an_installed_tensorflow_is_never_imported(tmp_path):
    fake = tmp_path / 'fake_site' / 'tensorflow'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text("print('tensorflow was imported')\n")
    script = tmp_path / 'run_experiment.py'
    script.write_text(
        textwrap.dedent("""
        import sys
        from garage.experiment.experiment import wrap_experiment

        @wrap_experiment(archive_launch_repo=False)
        def board(ctxt):
            from dowel import logger, tabular
            tabular.record('TotalEnvSteps', 1)
            tabular.record('Loss', 0.5)
            logger.log(tabular)
            logger.dump_all()

        board()
        print('tensorflow' in sys.modules)
    """)
    )
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / 'fake_site'), *sys.path])
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert 'tensorflow was imported' not in result.stdout
    assert result.stdout.endswith('False\n')
    assert list(
        (tmp_path / 'data' / 'local' / 'experiment' / 'board').glob(
            'events.out.tfevents.*'
        )
    )


# experiment_logging


def test_experiment_logging_writes_the_log_directory(tmp_path):
    log_dir = tmp_path / 'direct'
    with experiment_logging(
        log_dir, snapshot_mode='none', snapshot_gap=1, variant={'seed': 4}
    ) as ctxt:
        log_rows([{'TotalEnvSteps': 1, 'Loss': 3.0}])
    assert ctxt == ExperimentContext(
        snapshot_dir=str(log_dir), snapshot_mode='none', snapshot_gap=1
    )
    assert read_json(log_dir / 'variant.json') == {'seed': 4}
    assert read_json(log_dir / 'metadata.json')['snapshot_mode'] == 'none'
    assert sorted(
        p.name
        for p in log_dir.iterdir()
        if not p.name.startswith('events.out.tfevents.')
    ) == ['debug.log', 'metadata.json', 'progress.csv', 'variant.json']
    assert list(log_dir.glob('events.out.tfevents.*'))


def test_experiment_logging_without_a_variant_writes_an_empty_one(tmp_path):
    with experiment_logging(tmp_path / 'plain', snapshot_mode='last', snapshot_gap=1):
        pass
    assert read_json(tmp_path / 'plain' / 'variant.json') == {}


def test_experiment_logging_resume_appends_and_keeps_the_first_files(
    tmp_path, git_repo
):
    log_dir = tmp_path / 'resumable'
    with experiment_logging(
        log_dir, snapshot_mode='last', snapshot_gap=1, variant={'seed': 1}
    ):
        logger.log('first run')
        log_rows(
            [
                {'Epoch': 0, 'TotalEnvSteps': 10, 'Loss': 1.0},
                {'Epoch': 1, 'TotalEnvSteps': 20, 'Loss': 0.5},
            ]
        )
    (log_dir / 'launch_archive.tar.xz').unlink()
    kept = {
        name: (log_dir / name).read_text() for name in ('variant.json', 'metadata.json')
    }

    with experiment_logging(
        log_dir, snapshot_mode='last', snapshot_gap=1, variant={'seed': 2}, resume=True
    ) as ctxt:
        logger.log('second run')
        log_rows([{'Epoch': 2, 'TotalEnvSteps': 30, 'Loss': 0.25, 'Extra': 1}])
    assert ctxt.log_dir == str(log_dir)
    assert {name: (log_dir / name).read_text() for name in kept} == kept
    assert not (log_dir / 'launch_archive.tar.xz').exists()
    header, rows = read_csv(log_dir / 'progress.csv')
    assert header == ['Epoch', 'TotalEnvSteps', 'Loss', 'Extra']
    assert [(row['Epoch'], row['Extra']) for row in rows] == [
        ('0', ''),
        ('1', ''),
        ('2', '1'),
    ]
    text = (log_dir / 'debug.log').read_text()
    assert text.index('first run') < text.index('Resuming logging to')
    assert text.index('Resuming logging to') < text.index('second run')
    # an event file each, however soon the second run started
    assert len(list(log_dir.glob('events.out.tfevents.*'))) == 2
    assert sorted(read_scalars(log_dir)['Loss']) == [(10, 1.0), (20, 0.5), (30, 0.25)]


def test_experiment_logging_without_resume_starts_progress_afresh(tmp_path):
    log_dir = tmp_path / 'again'
    for epoch in range(2):
        with experiment_logging(log_dir, snapshot_mode='last', snapshot_gap=1):
            log_rows([{'TotalEnvSteps': epoch}])
    assert read_csv(log_dir / 'progress.csv')[1] == [{'TotalEnvSteps': '1'}]


def test_experiment_logging_resume_needs_the_directory(tmp_path):
    with (
        pytest.raises(
            FileNotFoundError,
            match=r'cannot resume logging in '
            r'.*missing: not a directory',
        ),
        experiment_logging(
            tmp_path / 'missing', snapshot_mode='last', snapshot_gap=1, resume=True
        ),
    ):
        pass
    assert not (tmp_path / 'missing').exists()


def test_experiment_logging_checks_the_snapshot_options(tmp_path):
    with (
        pytest.raises(ValueError, match=r"snapshot_mode must be one of .*'often'"),
        experiment_logging(tmp_path / 'bad', snapshot_mode='often', snapshot_gap=1),
    ):
        pass
    assert not (tmp_path / 'bad').exists()


def test_experiment_logging_restores_pending_tabular_values(tmp_path):
    tabular.record('Pending', 1)
    try:
        with experiment_logging(
            tmp_path / 'aside', snapshot_mode='last', snapshot_gap=1
        ):
            assert tabular.as_dict == {}
            tabular.record('Unlogged', 2)
        assert tabular.as_dict == {'Pending': 1}
    finally:
        tabular.as_dict.clear()


# An earlier run in the log directory, the lock, Ctrl-C


@pytest.fixture
def earlier_run(tmp_path):
    """A log directory holding a killed run: rows of epochs 0 to 3, a snapshot."""
    log_dir = tmp_path / 'earlier'
    log_dir.mkdir()
    (log_dir / 'variant.json').write_text('{"seed": 1}\n')
    (log_dir / 'metadata.json').write_text('{"command_line": ["first.py"]}\n')
    (log_dir / 'progress.csv').write_text(
        'Epoch,TotalEnvSteps\n' + ''.join(f'{epoch},{epoch}0\n' for epoch in range(4))
    )
    (log_dir / 'params.pkl').write_bytes(b'a snapshot')
    return log_dir


def snapshot_of_files(log_dir):
    return {
        path.name: path.read_bytes()
        for path in log_dir.iterdir()
        if not path.name.startswith('events.out.tfevents.') and path.name != 'debug.log'
    }


def test_an_earlier_run_is_left_alone_until_the_first_row(earlier_run):
    before = snapshot_of_files(earlier_run)
    with (
        pytest.raises(RuntimeError, match='failed to build'),
        experiment_logging(
            earlier_run, snapshot_mode='last', snapshot_gap=1, variant={'seed': 2}
        ),
    ):
        raise RuntimeError('failed to build the environment')
    assert snapshot_of_files(earlier_run) == before


def test_a_new_run_over_an_earlier_one_replaces_it_with_a_warning(earlier_run):
    with experiment_logging(
        earlier_run,
        snapshot_mode='last',
        snapshot_gap=1,
        variant={'seed': 2},
        archive_launch_repo=False,
    ):
        log_rows([{'Epoch': 0, 'TotalEnvSteps': 9}])
    assert read_csv(earlier_run / 'progress.csv')[1] == [
        {'Epoch': '0', 'TotalEnvSteps': '9'}
    ]
    assert read_json(earlier_run / 'variant.json') == {'seed': 2}
    assert 'resumes' not in read_json(earlier_run / 'metadata.json')
    assert 'holds an earlier run: this new run replaces its progress.csv' in (
        (earlier_run / 'debug.log').read_text()
    )


def test_restoring_the_directory_logged_to_continues_its_run(earlier_run):
    before = snapshot_of_files(earlier_run)
    with experiment_logging(
        earlier_run, snapshot_mode='last', snapshot_gap=1, variant={'seed': 2}
    ):
        # what Trainer.restore(earlier_run) does, with the snapshot's epoch
        _continue_logged_run(str(earlier_run) + '/.', 1)
        log_rows([{'Epoch': 2, 'TotalEnvSteps': 7}])
    _, rows = read_csv(earlier_run / 'progress.csv')
    assert [(row['Epoch'], row['TotalEnvSteps']) for row in rows] == [
        ('0', '00'),
        ('1', '10'),
        ('2', '7'),
    ]
    assert (earlier_run / 'variant.json').read_bytes() == before['variant.json']
    metadata = read_json(earlier_run / 'metadata.json')
    (resume,) = metadata.pop('resumes')
    assert metadata == {'command_line': ['first.py']}
    assert resume['from_epoch'] == 1
    assert resume['variant'] == {'seed': 2}
    assert resume['command_line'] == sys.orig_argv
    assert not (earlier_run / 'launch_archive.tar.xz').exists()


def test_restoring_another_directory_logs_a_new_run(earlier_run, tmp_path):
    with experiment_logging(
        tmp_path / 'new', snapshot_mode='last', snapshot_gap=1, variant={'seed': 2}
    ):
        _continue_logged_run(earlier_run, 1)
        log_rows([{'Epoch': 2, 'TotalEnvSteps': 7}])
    assert read_csv(tmp_path / 'new' / 'progress.csv')[1] == [
        {'Epoch': '2', 'TotalEnvSteps': '7'}
    ]
    assert 'resumes' not in read_json(tmp_path / 'new' / 'metadata.json')
    assert len(read_csv(earlier_run / 'progress.csv')[1]) == 4


def test_a_directory_is_logged_to_by_one_experiment_at_a_time(tmp_path):
    log_dir = tmp_path / 'locked'
    with experiment_logging(log_dir, snapshot_mode='last', snapshot_gap=1):
        info = read_json(log_dir / '.garage.lock')
        assert info['pid'] == os.getpid()
        assert info['command_line'] == sys.orig_argv
        with (
            pytest.raises(
                LogDirectoryLockedError,
                match=rf'locked is being written by this process '
                rf'\(pid {os.getpid()}\), in another experiment',
            ),
            experiment_logging(log_dir, snapshot_mode='last', snapshot_gap=1),
        ):
            pass
    assert not (log_dir / '.garage.lock').exists()
    with experiment_logging(log_dir, snapshot_mode='last', snapshot_gap=1):
        pass


LOCK_THEN_DIE = textwrap.dedent("""
    import os, signal, sys, time
    from garage.experiment._log_lock import LogDirectoryLock

    LogDirectoryLock(sys.argv[1]).acquire()
    child = os.fork()
    if child == 0:
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        time.sleep(120)
        os._exit(0)
    print(child, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
def test_a_killed_writer_leaves_no_lock_behind_in_its_forked_workers(tmp_path):
    script = tmp_path / 'lock_then_die.py'
    script.write_text(LOCK_THEN_DIE)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == -9
    child = int(result.stdout)
    try:
        os.kill(child, 0)  # the forked worker lives on
        lock = LogDirectoryLock(tmp_path)
        lock.acquire()
        lock.release()
    finally:
        os.kill(child, 9)


def test_ctrl_c_prints_the_resume_command_once_and_logs_the_traceback(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(sys, 'excepthook', sys.__excepthook__)
    outer, inner = tmp_path / 'outer', tmp_path / 'inner dir'

    def interrupted():
        with (
            experiment_logging(outer, snapshot_mode='last', snapshot_gap=1),
            experiment_logging(inner, snapshot_mode='last', snapshot_gap=1),
        ):
            (inner / 'params.pkl').write_bytes(b'a snapshot')
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as interrupt:
        interrupted()
    assert capsys.readouterr().err == (
        'Interrupted; the last snapshot is kept. Continue with: '
        f"python -m garage resume '{inner}'\n"
    )
    assert 'Interrupted (Ctrl-C):\nTraceback' in (inner / 'debug.log').read_text()
    # uncaught, it ends the script without a traceback
    sys.excepthook(KeyboardInterrupt, interrupt.value, None)
    sys.excepthook(ValueError, ValueError('other'), None)
    assert capsys.readouterr().err == 'ValueError: other\n'
