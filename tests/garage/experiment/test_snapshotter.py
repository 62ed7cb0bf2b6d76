import importlib
import importlib.metadata
import os
import pickle
import signal
import subprocess
import sys
import textwrap

import cloudpickle
import numpy as np
import pytest
import torch

from garage.experiment import snapshotter as snapshotter_module
from garage.experiment.snapshotter import (
    SNAPSHOT_MODES,
    SnapshotConfig,
    SnapshotError,
    Snapshotter,
)


def save_itrs(snapshotter, itrs):
    for itr in itrs:
        snapshotter.save_itr_params(itr, {'itr': itr})


def files_in(directory):
    return sorted(os.listdir(directory))


# --- configuration -----------------------------------------------------------


def test_snapshot_config_is_a_namedtuple_with_the_original_fields(tmp_path):
    config = SnapshotConfig(snapshot_dir=tmp_path, snapshot_mode='gap', snapshot_gap=3)
    assert SnapshotConfig._fields == ('snapshot_dir', 'snapshot_mode', 'snapshot_gap')
    assert tuple(config) == (tmp_path, 'gap', 3)
    assert SnapshotConfig() == (None, 'last', 1)
    snapshotter = Snapshotter(*config)
    assert snapshotter.snapshot_dir == str(tmp_path)
    assert snapshotter.snapshot_mode == 'gap'
    assert snapshotter.snapshot_gap == 3


def test_default_directory_is_resolved_when_made_and_not_created(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    snapshotter = Snapshotter()
    assert snapshotter.snapshot_dir == str(tmp_path / 'data' / 'local' / 'experiments')
    assert snapshotter.snapshot_mode == 'last'
    assert snapshotter.snapshot_gap == 1
    assert not (tmp_path / 'data').exists()


@pytest.mark.parametrize('mode', ['every', 'Last', '', None])
def test_unknown_mode_names_the_valid_modes(tmp_path, mode):
    with pytest.raises(
        ValueError,
        match=r"^snapshot_mode must be one of 'all', "
        r"'last', 'gap', 'gap_and_last', 'gap_overwrite', "
        r"'none', got ",
    ):
        Snapshotter(tmp_path, mode)


@pytest.mark.parametrize('gap', [0, -1])
def test_gap_must_be_positive(tmp_path, gap):
    with pytest.raises(
        ValueError,
        match=rf'^snapshot_gap must be a positive integer, got {gap}$',
    ):
        Snapshotter(tmp_path, 'gap', gap)


@pytest.mark.parametrize('gap', ['2', True])
def test_gap_must_be_an_integer(tmp_path, gap):
    with pytest.raises(TypeError, match=r'^snapshot_gap must be a positive integer'):
        Snapshotter(tmp_path, 'gap', gap)


def test_a_fractional_gap_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match=r'^snapshot_gap must be a positive integer'):
        Snapshotter(tmp_path, 'gap', 1.5)


@pytest.mark.parametrize('gap', [2.0, np.int64(2)])
def test_whole_float_and_numpy_gaps_are_taken_as_ints(tmp_path, gap):
    snapshotter = Snapshotter(tmp_path, 'gap', gap)
    assert snapshotter.snapshot_gap == 2
    assert type(snapshotter.snapshot_gap) is int


def test_last_mode_takes_no_gap(tmp_path):
    with pytest.raises(
        ValueError,
        match="snapshot_gap=2 must be 1 with snapshot_mode='last'; did you mean",
    ):
        Snapshotter(tmp_path, 'last', 2)


def test_gap_overwrite_needs_a_gap(tmp_path):
    with pytest.raises(
        ValueError, match="more than 1 with snapshot_mode='gap_overwrite'"
    ):
        Snapshotter(tmp_path, 'gap_overwrite', 1)


# --- modes -------------------------------------------------------------------

# After iterations 0..5 with snapshot_gap=3 (or 1 for 'all' and 'last'):
# each file, and the iteration it holds.
MODE_FILES = {
    'all': (1, {f'itr_{i}.pkl': i for i in range(6)}),
    'last': (1, {'params.pkl': 5}),
    'gap': (3, {'itr_0.pkl': 0, 'itr_3.pkl': 3}),
    'gap_and_last': (3, {'itr_0.pkl': 0, 'itr_3.pkl': 3, 'params.pkl': 5}),
    'gap_overwrite': (3, {'params.pkl': 3}),
    'none': (1, {}),
}


def test_every_mode_is_covered():
    assert set(MODE_FILES) == set(SNAPSHOT_MODES)


@pytest.mark.parametrize('mode', SNAPSHOT_MODES)
def test_files_written_by_each_mode(tmp_path, mode):
    gap, expected = MODE_FILES[mode]
    snapshot_dir = tmp_path / 'snapshots'
    save_itrs(Snapshotter(snapshot_dir, mode, gap), range(6))
    if not expected:
        assert not snapshot_dir.exists()
        return
    assert files_in(snapshot_dir) == sorted(expected)
    for name, itr in expected.items():
        with open(snapshot_dir / name, 'rb') as file:
            pickle.load(file)  # the header
            assert torch.load(file, weights_only=False) == {'itr': itr}


def test_gap_overwrite_keeps_the_last_gap_iteration(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'gap_overwrite', 3), range(5))
    assert Snapshotter.load(tmp_path) == {'itr': 3}


def test_gap_and_last_writes_params_between_gaps(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'gap_and_last', 3), range(5))
    assert files_in(tmp_path) == ['itr_0.pkl', 'itr_3.pkl', 'params.pkl']
    assert Snapshotter.load(tmp_path) == {'itr': 4}
    assert Snapshotter.load(tmp_path, 3) == {'itr': 3}


def test_save_creates_missing_directories(tmp_path):
    snapshot_dir = tmp_path / 'a' / 'b' / 'c'
    Snapshotter(snapshot_dir).save_itr_params(0, {'x': 1})
    assert files_in(snapshot_dir) == ['params.pkl']


def test_snapshot_dir_may_be_a_string(tmp_path):
    snapshotter = Snapshotter(str(tmp_path), 'all')
    snapshotter.save_itr_params(np.int64(3), {'x': 1})
    assert Snapshotter.load(str(tmp_path), 3) == {'x': 1}


def test_snapshots_respect_the_umask(tmp_path):
    Snapshotter(tmp_path).save_itr_params(0, {})
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / 'params.pkl').stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ('itr', 'error', 'match'),
    [
        (-1, ValueError, '^itr must be a non-negative integer, got -1$'),
        (0.5, ValueError, '^itr must be a non-negative integer, got 0.5$'),
        ('3', TypeError, "^itr must be a non-negative integer, got '3'$"),
        (True, TypeError, '^itr must be a non-negative integer, got True$'),
    ],
)
def test_save_rejects_a_bad_itr(tmp_path, itr, error, match):
    with pytest.raises(error, match=match):
        Snapshotter(tmp_path).save_itr_params(itr, {})


def test_save_takes_a_whole_float_itr(tmp_path):
    Snapshotter(tmp_path, 'all').save_itr_params(2.0, {'x': 1})
    assert (tmp_path / 'itr_2.pkl').is_file()


def test_save_rejects_params_that_are_not_a_dict(tmp_path):
    with pytest.raises(
        TypeError, match=r'^params must be a dict, not list \(\[1, 2\]\)'
    ):
        Snapshotter(tmp_path).save_itr_params(0, [1, 2])


# --- choosing the snapshot to load -------------------------------------------


def test_last_and_first_order_iterations_numerically(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'all'), [2, 9, 10])
    assert Snapshotter.load(tmp_path) == {'itr': 10}
    assert Snapshotter.load(tmp_path, 'last') == {'itr': 10}
    assert Snapshotter.load(tmp_path, 'first') == {'itr': 2}


@pytest.mark.parametrize('itr', [9, '9', np.int64(9)])
def test_load_an_iteration_by_number(tmp_path, itr):
    save_itrs(Snapshotter(tmp_path, 'all'), [2, 9, 10])
    assert Snapshotter.load(tmp_path, itr) == {'itr': 9}


def test_last_prefers_params_and_first_takes_the_lowest_iteration(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'gap_and_last', 2), range(6))
    assert Snapshotter.load(tmp_path, 'last') == {'itr': 5}
    assert Snapshotter.load(tmp_path, 'first') == {'itr': 0}


def test_first_falls_back_to_params(tmp_path):
    save_itrs(Snapshotter(tmp_path), range(3))
    assert Snapshotter.load(tmp_path, 'first') == {'itr': 2}


def test_load_through_an_instance(tmp_path):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_itr_params(0, {'x': 1})
    assert snapshotter.load(tmp_path) == {'x': 1}


@pytest.mark.parametrize('itr', ['latest', '', '1.0', '-1', '³'])
def test_load_rejects_a_bad_itr_string(tmp_path, itr):
    Snapshotter(tmp_path).save_itr_params(0, {})
    with pytest.raises(
        ValueError,
        match=r"^itr must be a non-negative iteration number, 'last' or 'first', got",
    ):
        Snapshotter.load(tmp_path, itr)


@pytest.mark.parametrize('itr', [-1, True, 0.5, None])
def test_load_rejects_a_bad_itr_number(tmp_path, itr):
    Snapshotter(tmp_path).save_itr_params(0, {})
    with pytest.raises(ValueError, match=r'^itr must be a non-negative integer, got'):
        Snapshotter.load(tmp_path, itr)


def test_load_takes_a_whole_float_itr(tmp_path):
    Snapshotter(tmp_path, 'all').save_itr_params(1, {'x': 1})
    assert Snapshotter.load(tmp_path, 1.0) == {'x': 1}


def test_missing_directory(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r'snapshot directory .*missing does not exist: '
        r'pass the log directory',
    ):
        Snapshotter.load(tmp_path / 'missing')


def test_file_instead_of_directory(tmp_path):
    (tmp_path / 'params.pkl').write_bytes(b'')
    with pytest.raises(
        NotADirectoryError,
        match=r'is not a directory: pass '
        r'the directory that holds params\.pkl',
    ):
        Snapshotter.load(tmp_path / 'params.pkl')


def test_directory_without_snapshots(tmp_path):
    (tmp_path / 'progress.csv').write_text('a,b\n')
    (tmp_path / '.params.pkl.0123abcd.tmp').write_bytes(b'partial')
    (tmp_path / 'itr_01.pkl').write_bytes(b'not ours')
    (tmp_path / 'itr_2.pkl').mkdir()
    with pytest.raises(
        FileNotFoundError,
        match=r'no snapshot in .*: there is '
        r'neither params.pkl nor itr_N.pkl. Was the experiment '
        r"run with snapshot_mode='none'",
    ):
        Snapshotter.load(tmp_path)


def test_missing_iteration_lists_the_available_ones(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'gap_and_last', 2), range(4))
    with pytest.raises(
        FileNotFoundError,
        match=r'no snapshot of iteration 1 '
        r'in .*: itr_1.pkl does not exist. Available: '
        r'params.pkl, itr_0.pkl, itr_2.pkl; pass the '
        r"iteration of one of those, or itr='last'",
    ):
        Snapshotter.load(tmp_path, 1)


def test_a_long_list_of_snapshots_is_elided(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'all'), range(12))
    with pytest.raises(
        FileNotFoundError,
        match=r'Available: itr_0.pkl, '
        r'itr_1.pkl, itr_2.pkl, itr_3.pkl, itr_4.pkl, \.\.\., '
        r'itr_7.pkl, itr_8.pkl, itr_9.pkl, itr_10.pkl, '
        r'itr_11.pkl \(12 in all\)',
    ):
        Snapshotter.load(tmp_path, 12)


# --- the file format and its errors ------------------------------------------


def test_snapshot_starts_with_a_version_header(tmp_path):
    Snapshotter(tmp_path).save_itr_params(0, {'x': 1})
    with open(tmp_path / 'params.pkl', 'rb') as file:
        header = pickle.load(file)
    assert header == {
        'garage_snapshot_format': 1,
        'garage': importlib.metadata.version('garage'),
        'python': '.'.join(map(str, sys.version_info[:3])),
        'torch': str(torch.__version__),
        'numpy': np.__version__,
    }


def test_header_reads_without_importing_torch(tmp_path):
    Snapshotter(tmp_path).save_itr_params(0, {'x': torch.zeros(2)})
    code = textwrap.dedent(f"""
        import pickle, sys
        with open({str(tmp_path / 'params.pkl')!r}, 'rb') as file:
            print(pickle.load(file)['garage_snapshot_format'])
        print('torch' in sys.modules)
        """)
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout == '1\nFalse\n'


def test_importing_the_module_does_not_import_torch():
    code = "import sys, garage.experiment.snapshotter\nprint('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout == 'False\n'


def write_with_header(path, header, params):
    with open(path, 'wb') as file:
        pickle.dump(header, file)
        torch.save(params, file, pickle_module=cloudpickle)


def test_a_newer_format_is_refused_with_both_versions(tmp_path):
    write_with_header(
        tmp_path / 'params.pkl',
        {
            'garage_snapshot_format': 2,
            'garage': '2031.1.0',
            'python': '3.14.0',
            'torch': '3.0',
            'numpy': '3.0',
        },
        {'x': 1},
    )
    installed = importlib.metadata.version('garage')
    with pytest.raises(
        SnapshotError,
        match=(
            rf'params.pkl is a snapshot of format 2, written by garage '
            rf'2031.1.0 \(Python 3.14.0, torch 3.0, NumPy 3.0\); the '
            rf'installed garage {installed} \(.*\) reads format 1 only. Load '
            rf'it with garage 2031.1.0'
        ),
    ):
        Snapshotter.load(tmp_path)


@pytest.mark.parametrize('params', [{'x': 1}, {'x': np.zeros(3)}])
def test_a_snapshot_without_header_is_refused(tmp_path, params):
    # what the original garage wrote: the params alone, cloudpickled
    with open(tmp_path / 'params.pkl', 'wb') as file:
        cloudpickle.dump(params, file)
    installed = importlib.metadata.version('garage')
    with pytest.raises(
        SnapshotError,
        match=(
            rf'params.pkl has no garage snapshot header: it was written by '
            rf'the original garage \(2021.03 or earlier\) or by another program, of '
            rf'unknown version, and the installed garage {installed}'
        ),
    ):
        Snapshotter.load(tmp_path)


def test_snapshot_error_is_a_value_error():
    assert issubclass(SnapshotError, ValueError)


@pytest.mark.parametrize('size', [0, 10])
def test_a_truncated_header_is_reported(tmp_path, size):
    Snapshotter(tmp_path).save_itr_params(0, {'x': 1})
    with open(tmp_path / 'params.pkl', 'r+b') as file:
        file.truncate(size)
    with pytest.raises(
        SnapshotError,
        match=(
            r'params.pkl is not a readable garage snapshot: it is corrupt or '
            r'truncated, or not a snapshot. Delete it and load another '
            r'\(available: params.pkl\)'
        ),
    ) as info:
        Snapshotter.load(tmp_path)
    assert info.value.__cause__ is not None


def test_a_file_of_another_kind_is_reported(tmp_path):
    torch.save({'x': 1}, tmp_path / 'params.pkl')  # a zip archive
    with pytest.raises(SnapshotError, match='not a readable garage snapshot'):
        Snapshotter.load(tmp_path)


def test_a_truncated_snapshot_is_reported(tmp_path):
    save_itrs(Snapshotter(tmp_path, 'all'), range(2))
    path = tmp_path / 'itr_1.pkl'
    with open(path, 'r+b') as file:
        file.truncate(path.stat().st_size - 30)
    installed = importlib.metadata.version('garage')
    with pytest.raises(
        SnapshotError,
        match=(
            rf'cannot load .*itr_1.pkl \(written by garage {installed} .*, '
            rf'loaded by the installed garage {installed} .*\): the file may '
            rf'be corrupt or truncated. Load another snapshot \(available: '
            rf'itr_0.pkl, itr_1.pkl\). Unpickling failed with '
            rf'RuntimeError'
        ),
    ) as info:
        Snapshotter.load(tmp_path)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert Snapshotter.load(tmp_path, 0) == {'itr': 0}


@pytest.fixture
def importable_module(tmp_path, monkeypatch):
    """Make a module ``snapshot_test_module`` defining a class ``Thing``."""
    source = tmp_path / 'module'
    source.mkdir()
    (source / 'snapshot_test_module.py').write_text('class Thing:\n    value = 7\n')
    monkeypatch.syspath_prepend(source)
    yield importlib.import_module('snapshot_test_module')
    sys.modules.pop('snapshot_test_module', None)


def save_with_version(snapshot_dir, version, params, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(snapshotter_module, '_garage_version', lambda: version)
        Snapshotter(snapshot_dir).save_itr_params(0, params)


def test_a_missing_module_names_both_versions(tmp_path, monkeypatch, importable_module):
    snapshot_dir = tmp_path / 'snapshots'
    save_with_version(
        snapshot_dir, '2020.6.0', {'thing': importable_module.Thing()}, monkeypatch
    )
    # the snapshot refers to the class by module and name
    assert Snapshotter.load(snapshot_dir)['thing'].value == 7
    sys.modules.pop('snapshot_test_module')
    (tmp_path / 'module' / 'snapshot_test_module.py').unlink()
    installed = importlib.metadata.version('garage')
    with pytest.raises(
        SnapshotError,
        match=(
            rf'cannot load .*params.pkl \(written by garage 2020.6.0 .*, '
            rf'loaded by the installed garage {installed} .*\): something it '
            rf'refers to is missing from the installed libraries. Load it '
            rf'with the versions that wrote it.*ModuleNotFoundError: No '
            rf"module named 'snapshot_test_module'"
        ),
    ) as info:
        Snapshotter.load(snapshot_dir)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_missing_attribute_names_both_versions(
    tmp_path, monkeypatch, importable_module
):
    snapshot_dir = tmp_path / 'snapshots'
    save_with_version(
        snapshot_dir, '2020.6.0', {'thing': importable_module.Thing()}, monkeypatch
    )
    monkeypatch.delattr(importable_module, 'Thing')
    with pytest.raises(
        SnapshotError,
        match=(
            r'written by garage 2020.6.0 .*something it refers to is '
            r"missing.*AttributeError: .*'Thing'"
        ),
    ) as info:
        Snapshotter.load(snapshot_dir)
    assert isinstance(info.value.__cause__, AttributeError)


# --- atomic writes -----------------------------------------------------------


class FailsToPickle:
    def __reduce__(self):
        raise RuntimeError('cannot pickle this')


def test_a_failed_pickle_keeps_the_previous_snapshot(tmp_path):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_itr_params(0, {'version': 1})
    with pytest.raises(RuntimeError, match='cannot pickle this'):
        snapshotter.save_itr_params(
            1, {'version': 2, 'big': np.zeros(100_000), 'bad': FailsToPickle()}
        )
    assert files_in(tmp_path) == ['params.pkl']
    assert Snapshotter.load(tmp_path) == {'version': 1}


def test_a_failed_write_keeps_the_previous_snapshot(tmp_path, monkeypatch):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_itr_params(0, {'version': 1})

    def write_half(obj, file, **kwargs):
        file.write(b'half a snapshot')
        raise OSError('No space left on device')

    monkeypatch.setattr(torch, 'save', write_half)
    with pytest.raises(OSError, match='No space left'):
        snapshotter.save_itr_params(1, {'version': 2})
    assert files_in(tmp_path) == ['params.pkl']
    assert Snapshotter.load(tmp_path) == {'version': 1}


KILLED_CHILD = """
import sys, time
from garage.experiment.snapshotter import Snapshotter

class Blocks:
    def __reduce__(self):
        print('writing', flush=True)
        time.sleep(60)

snapshotter = Snapshotter(sys.argv[1])
snapshotter.save_itr_params(0, {'version': 1})
snapshotter.save_itr_params(1, {'version': 2, 'data': list(range(100_000)),
                                'blocks': Blocks()})
"""


@pytest.mark.timeout(120)
def test_a_killed_write_keeps_the_previous_snapshot(tmp_path):
    child = subprocess.Popen(
        [sys.executable, '-c', KILLED_CHILD, tmp_path],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == 'writing\n'
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    leftovers = [name for name in files_in(tmp_path) if name != 'params.pkl']
    assert len(leftovers) == 1
    assert leftovers[0].startswith('.params.pkl.')
    assert leftovers[0].endswith('.tmp')
    assert Snapshotter.load(tmp_path) == {'version': 1}
    Snapshotter(tmp_path).save_itr_params(2, {'version': 3})
    assert files_in(tmp_path) == ['params.pkl']
    assert Snapshotter.load(tmp_path) == {'version': 3}


def test_save_removes_only_its_own_leftovers(tmp_path):
    ours = [
        '.params.pkl.0123456789abcdef.tmp',
        '.itr_3.pkl.ffffffffffffffff.tmp',
        '.best.pkl.0000000000000000.tmp',
    ]
    theirs = [
        'notes.tmp',
        '.params.pkl.tmp',
        '.params.pkl.0a.tmp',
        'itr_3.pkl.0123456789abcdef.tmp',
    ]
    for name in ours + theirs:
        (tmp_path / name).write_bytes(b'partial')
    Snapshotter(tmp_path, 'all').save_itr_params(0, {})
    assert files_in(tmp_path) == sorted([*theirs, 'itr_0.pkl'])


# --- objects beside the snapshots --------------------------------------------


def test_save_object_writes_whatever_the_mode(tmp_path):
    snapshotter = Snapshotter(tmp_path / 'run', 'none')
    snapshotter.save_object('best_policy.pkl', {'policy': torch.ones(2), 'epoch': 3})
    assert files_in(tmp_path / 'run') == ['best_policy.pkl']
    loaded = snapshotter.load_object('best_policy.pkl', map_location='meta')
    assert loaded['epoch'] == 3
    assert loaded['policy'].device.type == 'meta'
    with open(tmp_path / 'run' / 'best_policy.pkl', 'rb') as file:
        assert pickle.load(file)['garage_snapshot_format'] == 1


def test_save_object_overwrites_atomically(tmp_path):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_object('best.pkl', {'version': 1})
    with pytest.raises(RuntimeError, match='cannot pickle this'):
        snapshotter.save_object('best.pkl', {'bad': FailsToPickle()})
    assert files_in(tmp_path) == ['best.pkl']
    assert snapshotter.load_object('best.pkl') == {'version': 1}
    snapshotter.save_object('best.pkl', {'version': 2})
    assert snapshotter.load_object('best.pkl') == {'version': 2}


def test_objects_are_not_snapshots(tmp_path):
    snapshotter = Snapshotter(tmp_path)
    snapshotter.save_object('best_policy.pkl', {})
    with pytest.raises(FileNotFoundError, match='no snapshot in'):
        Snapshotter.load(tmp_path)


@pytest.mark.parametrize('name', ['', '.', '..', 'a/b.pkl', '/tmp/b.pkl', 3])
def test_object_names_are_file_names(tmp_path, name):
    with pytest.raises(
        ValueError, match='file_name must be the name of a file, not a path'
    ):
        Snapshotter(tmp_path).save_object(name, {})


@pytest.mark.parametrize('name', ['params.pkl', 'itr_4.pkl'])
def test_object_names_are_not_snapshot_names(tmp_path, name):
    with pytest.raises(
        ValueError,
        match=rf"'{name}' is the name of a "
        r'snapshot: save snapshots with save_itr_params\(\)',
    ):
        Snapshotter(tmp_path).save_object(name, {})
    with pytest.raises(ValueError, match='is the name of a snapshot'):
        Snapshotter(tmp_path).load_object(name)


def test_object_params_must_be_a_dict(tmp_path):
    with pytest.raises(TypeError, match='params must be a dict, not tuple'):
        Snapshotter(tmp_path).save_object('best.pkl', ())


def test_missing_object(tmp_path):
    with pytest.raises(
        FileNotFoundError,
        match=r'best.pkl does not exist: '
        r"nothing was saved as 'best.pkl' in",
    ):
        Snapshotter(tmp_path).load_object('best.pkl')


# --- what round-trips --------------------------------------------------------


def test_torch_module_and_optimizer_round_trip(tmp_path):
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)
    )
    optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
    module(torch.ones(2, 3)).sum().backward()
    optimizer.step()
    Snapshotter(tmp_path).save_itr_params(0, {'module': module, 'optimizer': optimizer})
    loaded = Snapshotter.load(tmp_path)
    inputs = torch.randn(5, 3)
    assert torch.equal(loaded['module'](inputs), module(inputs))
    state, loaded_state = (optimizer.state_dict(), loaded['optimizer'].state_dict())
    assert state['param_groups'] == loaded_state['param_groups']
    for key, value in state['state'].items():
        for name, tensor in value.items():
            assert torch.equal(loaded_state['state'][key][name], tensor)
    loaded_params = list(loaded['module'].parameters())
    assert loaded['optimizer'].param_groups[0]['params'] == loaded_params


def test_shared_tensor_storage_stays_shared(tmp_path):
    base = torch.arange(6.0)
    Snapshotter(tmp_path).save_itr_params(0, {'base': base, 'view': base[2:4]})
    loaded = Snapshotter.load(tmp_path)
    loaded['base'][2] = 100.0
    assert loaded['view'][0] == 100.0


def test_map_location_is_honoured(tmp_path):
    module = torch.nn.Linear(2, 2)
    Snapshotter(tmp_path).save_itr_params(
        0, {'module': module, 'tensor': torch.ones(3)}
    )
    on_meta = Snapshotter.load(tmp_path, map_location='meta')
    assert on_meta['module'].weight.device.type == 'meta'
    assert on_meta['tensor'].device.type == 'meta'
    on_cpu = Snapshotter.load(tmp_path, map_location=torch.device('cpu'))
    assert torch.equal(on_cpu['module'].weight, module.weight)


@pytest.mark.skipif(
    torch.cuda.is_available(), reason='tests loading on a machine without CUDA'
)
def test_a_gpu_snapshot_loads_on_a_machine_without_cuda(tmp_path, monkeypatch):
    # Record the storages as CUDA ones, as a snapshot taken on a GPU does.
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, 'location_tag', lambda storage: 'cuda:0')
        Snapshotter(tmp_path).save_itr_params(0, {'tensor': torch.ones(3)})
    with open(tmp_path / 'params.pkl', 'rb') as file:
        pickle.load(file)
        with pytest.raises(RuntimeError, match='CUDA'):
            torch.load(file, weights_only=False)
    loaded = Snapshotter.load(tmp_path)
    assert loaded['tensor'].device.type == 'cpu'
    assert torch.equal(loaded['tensor'], torch.ones(3))


def test_numpy_random_states_round_trip(tmp_path):
    legacy = np.random.RandomState(3)
    generator = np.random.default_rng(5)
    legacy.rand(4)
    generator.random(4)
    Snapshotter(tmp_path).save_itr_params(
        0, {'global_state': legacy.get_state(), 'generator': generator}
    )
    loaded = Snapshotter.load(tmp_path)
    restored = np.random.RandomState()
    restored.set_state(loaded['global_state'])
    assert np.array_equal(restored.rand(10), legacy.rand(10))
    assert np.array_equal(loaded['generator'].random(10), generator.random(10))


def test_functions_defined_at_run_time_round_trip(tmp_path):
    offset = 3
    Snapshotter(tmp_path).save_itr_params(0, {'fn': lambda x: x + offset})
    assert Snapshotter.load(tmp_path)['fn'](1) == 4
