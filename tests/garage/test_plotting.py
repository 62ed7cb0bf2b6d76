import argparse
import subprocess
import sys

import matplotlib.image
import numpy as np
import pytest

from garage import plotting
from garage.plotting import plot_learning_curves

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def write_progress(log_dir, text):
    log_dir.mkdir(parents=True, exist_ok=True)
    (log_dir / 'progress.csv').write_text(text)
    return log_dir


@pytest.fixture
def two_runs(tmp_path):
    first = write_progress(
        tmp_path / 'ppo_1',
        (
            'Epoch,TotalEnvSteps,Evaluation/AverageReturn,Policy/Entropy\n'
            '0,100,1.0,1.5\n'
            '1,200,2.5,1.4\n'
            '2,300,4.0,1.2\n'
        ),
    )
    second = write_progress(
        tmp_path / 'ppo_2',
        (
            'Evaluation/AverageReturn,Epoch,TotalEnvSteps,Policy/Entropy\n'
            '0.5,0,150,1.6\n'
            '1.5,1,300,1.5\n'
        ),
    )
    return first, second


def assert_is_png(path):
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > len(PNG_MAGIC)
    image = matplotlib.image.imread(path)
    assert image.ndim == 3
    return image


def plotted_lines(monkeypatch):
    """Record what each subplot draws: {title: [(label, x, y, xlabel)]}."""
    from matplotlib.axes import Axes

    lines = {}
    original = Axes.plot

    def plot(self, x, y, **kwargs):
        lines.setdefault(id(self), []).append((kwargs['label'], list(x), list(y)))
        return original(self, x, y, **kwargs)

    def recorded(figure_axes):
        return {
            ax.get_title(): [(*line, ax.get_xlabel()) for line in lines.get(id(ax), [])]
            for ax in figure_axes
        }

    monkeypatch.setattr(Axes, 'plot', plot)
    saved = []
    monkeypatch.setattr(
        'matplotlib.figure.Figure.savefig',
        lambda self, *args, **kwargs: saved.append(self),
    )
    return lambda: recorded(saved[-1].axes)


def test_two_runs_to_a_png_in_the_first_log_dir(two_runs):
    path = plot_learning_curves(two_runs)
    assert path == two_runs[0] / 'learning_curves.png'
    assert_is_png(path)


def test_defaults_plot_evaluation_return_against_env_steps(two_runs, monkeypatch):
    lines = plotted_lines(monkeypatch)
    plot_learning_curves(two_runs)
    assert lines() == {
        'Evaluation/AverageReturn': [
            ('ppo_1', [100.0, 200.0, 300.0], [1.0, 2.5, 4.0], 'TotalEnvSteps'),
            ('ppo_2', [150.0, 300.0], [0.5, 1.5], 'TotalEnvSteps'),
        ]
    }


def test_several_keys_and_another_x_axis(two_runs, tmp_path, monkeypatch):
    lines = plotted_lines(monkeypatch)
    plot_learning_curves(
        two_runs,
        keys=['Policy/Entropy', 'Evaluation/AverageReturn'],
        x_axis='Epoch',
        output=tmp_path / 'out.png',
    )
    drawn = lines()
    assert list(drawn) == ['Policy/Entropy', 'Evaluation/AverageReturn']
    assert drawn['Policy/Entropy'][0] == (
        'ppo_1',
        [0.0, 1.0, 2.0],
        [1.5, 1.4, 1.2],
        'Epoch',
    )


def test_several_keys_make_a_taller_png(two_runs, tmp_path):
    one = assert_is_png(plot_learning_curves(two_runs, output=tmp_path / 'one.png'))
    two = assert_is_png(
        plot_learning_curves(
            two_runs,
            keys=['Evaluation/AverageReturn', 'Policy/Entropy'],
            output=tmp_path / 'two.png',
        )
    )
    assert two.shape[0] == 2 * one.shape[0]
    assert two.shape[1] == one.shape[1]


def test_output_directory_is_created(two_runs, tmp_path):
    output = tmp_path / 'plots' / 'deep' / 'curves.png'
    assert plot_learning_curves(two_runs, output=output) == output
    assert_is_png(output)


def test_one_log_dir_as_a_string(two_runs):
    path = plot_learning_curves(str(two_runs[0]))
    assert path == two_runs[0] / 'learning_curves.png'
    assert_is_png(path)


def test_empty_and_odd_cells_are_left_out(tmp_path, monkeypatch):
    # A key first logged at the third epoch, a missing step count, a cell
    # that is not a number and a row cut short.
    log_dir = write_progress(
        tmp_path / 'run',
        (
            'TotalEnvSteps,AverageReturn,Evaluation/AverageReturn\n'
            '10,1.0,\n'
            '20,2.0,\n'
            ',3.0,30.0\n'
            '40,nan,40.0\n'
            '50,True,50.0\n'
            '60\n'
        ),
    )
    lines = plotted_lines(monkeypatch)
    plot_learning_curves([log_dir], keys=['AverageReturn', 'Evaluation/AverageReturn'])
    assert lines() == {
        'AverageReturn': [('run', [10.0, 20.0], [1.0, 2.0], 'TotalEnvSteps')],
        'Evaluation/AverageReturn': [
            ('run', [40.0, 50.0], [40.0, 50.0], 'TotalEnvSteps')
        ],
    }


def test_row_number_when_env_steps_were_not_logged(tmp_path, monkeypatch):
    # a blank line is no row; "" is an empty cell of a one-column row
    log_dir = write_progress(tmp_path / 'run', 'AverageReturn\n1.0\n\n2.0\n""\n3.0\n')
    lines = plotted_lines(monkeypatch)
    plot_learning_curves([log_dir])
    assert lines() == {
        'AverageReturn': [
            ('run', [0.0, 1.0, 3.0], [1.0, 2.0, 3.0], 'Row of progress.csv')
        ]
    }


def test_row_number_unless_every_run_logged_env_steps(two_runs, tmp_path, monkeypatch):
    other = write_progress(tmp_path / 'other', 'Evaluation/AverageReturn\n7.0\n')
    lines = plotted_lines(monkeypatch)
    plot_learning_curves([two_runs[0], other])
    assert [line[3] for line in lines()['Evaluation/AverageReturn']] == [
        'Row of progress.csv'
    ] * 2


@pytest.mark.parametrize(
    ('header', 'key'),
    [
        ('AverageReturn,Evaluation/AverageReturn', 'Evaluation/AverageReturn'),
        ('Epoch,AverageReturn', 'AverageReturn'),
        ('Epoch,walk/AverageReturn,Average/AverageReturn', 'Average/AverageReturn'),
    ],
)
def test_default_key(tmp_path, monkeypatch, header, key):
    n_columns = header.count(',') + 1
    log_dir = write_progress(
        tmp_path / 'run', f'{header}\n{",".join(["1"] * n_columns)}\n'
    )
    lines = plotted_lines(monkeypatch)
    plot_learning_curves([log_dir])
    assert list(lines()) == [key]


def test_no_default_key(tmp_path):
    log_dir = write_progress(tmp_path / 'run', 'Epoch,Loss\n0,1.0\n')
    with pytest.raises(
        ValueError,
        match=r'no average return column was '
        r'logged by every run: pass the columns to plot as '
        r'keys \(--key on the command line\). Columns of '
        r'every run: Epoch, Loss',
    ):
        plot_learning_curves([log_dir])


def test_default_key_must_be_logged_by_every_run(two_runs, tmp_path):
    other = write_progress(tmp_path / 'other', 'AverageReturn\n1.0\n')
    with pytest.raises(
        ValueError, match='no average return column was logged by every run'
    ):
        plot_learning_curves([two_runs[0], other])


def test_a_lone_point_gets_a_marker(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    one = write_progress(tmp_path / 'one', 'AverageReturn\n5.0\n""\n')
    two = write_progress(tmp_path / 'two', 'AverageReturn\n5.0\n6.0\n')
    markers = {}
    original = Axes.plot

    def plot(self, x, y, **kwargs):
        markers[kwargs['label']] = kwargs['marker']
        return original(self, x, y, **kwargs)

    monkeypatch.setattr(Axes, 'plot', plot)
    assert_is_png(plot_learning_curves([one, two]))
    assert markers == {'one': 'o', 'two': None}


def test_runs_with_the_same_name_are_labelled_by_path(tmp_path, monkeypatch):
    first = write_progress(tmp_path / 'a' / 'run', 'AverageReturn\n1.0\n')
    second = write_progress(tmp_path / 'b' / 'run', 'AverageReturn\n2.0\n')
    lines = plotted_lines(monkeypatch)
    plot_learning_curves([first, second])
    assert [line[0] for line in lines()['AverageReturn']] == [str(first), str(second)]


def test_unknown_key_lists_the_columns(two_runs):
    with pytest.raises(
        ValueError,
        match=r"unknown key 'Return': it is not a "
        r'column of .*ppo_1.progress\.csv\. Its columns: Epoch, '
        r'TotalEnvSteps, Evaluation/AverageReturn, '
        r'Policy/Entropy$',
    ):
        plot_learning_curves(two_runs, keys=['Return'])


def test_key_missing_from_one_run(two_runs, tmp_path):
    other = write_progress(tmp_path / 'other', 'Evaluation/AverageReturn\n1\n')
    with pytest.raises(
        ValueError,
        match=r"unknown key 'Policy/Entropy': it "
        r'is not a column of .*other.progress\.csv',
    ):
        plot_learning_curves(
            [*two_runs, other], keys=['Evaluation/AverageReturn', 'Policy/Entropy']
        )


def test_unknown_x_axis_lists_the_columns(two_runs):
    with pytest.raises(
        ValueError,
        match=r"unknown x axis 'Steps': it is not "
        r'a column of .*ppo_1.progress\.csv\. Its columns: '
        r'Epoch, TotalEnvSteps',
    ):
        plot_learning_curves(two_runs, x_axis='Steps')


def test_missing_progress_file_is_named(two_runs, tmp_path):
    missing = tmp_path / 'missing'
    with pytest.raises(
        FileNotFoundError,
        match=r'.*missing.progress\.csv '
        r'does not exist: pass the log directory of an '
        r'experiment',
    ):
        plot_learning_curves([two_runs[0], missing])


@pytest.mark.parametrize(
    ('text', 'match'),
    [
        ('', r'progress\.csv is empty: the experiment has not logged an epoch'),
        ('Epoch,AverageReturn\n', r'progress\.csv has a header but no rows'),
    ],
)
def test_empty_progress_file(tmp_path, text, match):
    log_dir = write_progress(tmp_path / 'run', text)
    with pytest.raises(ValueError, match=match):
        plot_learning_curves([log_dir])


def test_no_log_dirs():
    with pytest.raises(ValueError, match='needs at least one log directory'):
        plot_learning_curves([])


def test_no_keys(two_runs):
    with pytest.raises(ValueError, match='keys is empty'):
        plot_learning_curves(two_runs, keys=[])


# --- command line ------------------------------------------------------------


def parse(argv):
    parser = argparse.ArgumentParser(prog='plot')
    plotting.add_arguments(parser)
    return parser.parse_args(argv)


def test_arguments():
    args = parse(
        ['a', 'b', '--key', 'K1', '--key', 'K2', '--x-axis', 'Epoch', '-o', 'out.png']
    )
    assert args.log_dirs == ['a', 'b']
    assert args.keys == ['K1', 'K2']
    assert args.x_axis == 'Epoch'
    assert args.output == 'out.png'
    defaults = parse(['a'])
    assert (defaults.keys, defaults.x_axis, defaults.output) == (None, None, None)


def test_arguments_need_a_log_dir(capsys):
    with pytest.raises(SystemExit):
        parse([])
    assert 'LOG_DIR' in capsys.readouterr().err


def test_run_prints_the_png_path(two_runs, tmp_path, capsys):
    output = tmp_path / 'curves.png'
    plotting.run(
        parse([*map(str, two_runs), '--key', 'Policy/Entropy', '--output', str(output)])
    )
    assert capsys.readouterr().out == f'{output}\n'
    assert_is_png(output)


def test_run_reports_errors_without_a_traceback(tmp_path):
    with pytest.raises(
        SystemExit,
        match=r'python -m garage plot: .*'
        r'progress\.csv does not exist',
    ):
        plotting.run(parse([str(tmp_path)]))


def test_headless_and_pyplot_free(two_runs):
    code = (
        'import sys\n'
        'from garage.plotting import plot_learning_curves\n'
        f'plot_learning_curves({[str(d) for d in two_runs]!r})\n'
        "print('matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        check=True,
        env={'PATH': '/usr/bin:/bin', 'MPLBACKEND': 'TkAgg'},
    )
    assert result.stdout == 'False\n'
    assert np.any(assert_is_png(two_runs[0] / 'learning_curves.png') < 1)
