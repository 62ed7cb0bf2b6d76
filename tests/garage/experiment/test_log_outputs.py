import os
import stat
import subprocess
import sys
import textwrap
import warnings

import pytest

from garage._dowel import dowel
from garage.experiment._log_outputs import CsvOutput, TensorBoardOutput

TabularInput = dowel.TabularInput


def record(output, row):
    table = TabularInput()
    for key, value in row.items():
        table.record(key, value)
    output.record(table)
    return table


def write(path, rows, **kwargs):
    output = CsvOutput(path, **kwargs)
    for row in rows:
        record(output, row)
    output.close()


def test_header_comes_from_the_first_row_in_key_order(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'b': 1, 'a': 2.5}, {'b': 3, 'a': 4.5}])
    assert path.read_text() == 'b,a\n1,2.5\n3,4.5\n'


def test_a_missing_key_gets_an_empty_cell(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'a': 1, 'b': 2}, {'b': 3}])
    assert path.read_text() == 'a,b\n1,2\n,3\n'


def test_a_later_key_rewrites_the_file_with_the_union_header(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'a': 1}, {'a': 2}, {'c': 'x', 'a': 3}, {'a': 4, 'd': 5.0}])
    assert path.read_text() == ('a,c,d\n1,,\n2,,\n3,x,\n4,,5.0\n')


def test_a_rewrite_leaves_no_temporary_file_and_keeps_the_mode(tmp_path):
    path = tmp_path / 'progress.csv'
    output = CsvOutput(path)
    record(output, {'a': 1})
    os.chmod(path, 0o640)
    record(output, {'b': 2})
    output.close()
    assert os.listdir(tmp_path) == ['progress.csv']
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_each_row_is_on_disk_before_close(tmp_path):
    path = tmp_path / 'progress.csv'
    output = CsvOutput(path)
    record(output, {'a': 1})
    assert path.read_text() == 'a\n1\n'
    record(output, {'a': 2, 'b': 3})
    assert path.read_text() == 'a,b\n1,\n2,3\n'
    output.close()


def test_rows_survive_a_killed_process(tmp_path):
    path = tmp_path / 'progress.csv'
    code = textwrap.dedent(f"""
        import os, signal
        from garage._dowel import dowel
        from garage.experiment._log_outputs import CsvOutput
        TabularInput = dowel.TabularInput

        output = CsvOutput({str(path)!r})
        for epoch in range(3):
            table = TabularInput()
            table.record('Epoch', epoch)
            if epoch == 2:
                table.record('Late', 1)
            output.record(table)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True
    )
    assert result.returncode == -9, result.stderr
    assert path.read_text() == 'Epoch,Late\n0,\n1,\n2,1\n'


def test_non_primitive_values_are_left_out(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'a': 1, 'array': [1, 2]}])
    assert path.read_text() == 'a\n1\n'


def test_a_row_without_primitive_values_writes_nothing(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{}, {'array': [1]}, {'a': 1}, {}])
    assert path.read_text() == 'a\n1\n'


def test_recorded_keys_are_marked(tmp_path):
    output = CsvOutput(tmp_path / 'progress.csv')
    table = record(output, {'a': 1, 'b': 2.0})
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        table.clear()  # warns about keys no output marked
    output.close()


def test_only_tabular_input_is_accepted(tmp_path):
    output = CsvOutput(tmp_path / 'progress.csv')
    assert output.types_accepted == (TabularInput,)
    with pytest.raises(
        ValueError,
        match=r'CsvOutput accepts dowel\.TabularInput '
        r'only, not str',
    ):
        output.record('text')
    output.close()


def test_without_append_an_existing_file_is_truncated(tmp_path):
    path = tmp_path / 'progress.csv'
    path.write_text('old,header\n1,2\n')
    write(path, [{'a': 1}])
    assert path.read_text() == 'a\n1\n'


def test_append_continues_under_the_existing_header(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'a': 1, 'b': 2}])
    write(path, [{'b': 4, 'a': 3}, {'a': 5}], append=True)
    assert path.read_text() == 'a,b\n1,2\n3,4\n5,\n'


def test_append_with_a_new_key_rewrites_the_earlier_rows(tmp_path):
    path = tmp_path / 'progress.csv'
    write(path, [{'a': 1}])
    write(path, [{'a': 2, 'b': 3}], append=True)
    assert path.read_text() == 'a,b\n1,\n2,3\n'


def test_append_reads_a_header_written_with_crlf(tmp_path):
    path = tmp_path / 'progress.csv'
    path.write_bytes(b'a,b\r\n1,2\r\n')
    write(path, [{'a': 3, 'b': 4}], append=True)
    assert path.read_bytes() == b'a,b\r\n1,2\r\n3,4\n'


def test_append_drops_a_last_line_cut_short(tmp_path):
    path = tmp_path / 'progress.csv'
    path.write_text('a,b\n1,2\n3,')
    write(path, [{'a': 5, 'b': 6}], append=True)
    assert path.read_text() == 'a,b\n1,2\n5,6\n'


@pytest.mark.parametrize('content', [None, '', 'a,'])
def test_append_without_a_whole_header_starts_afresh(tmp_path, content):
    path = tmp_path / 'progress.csv'
    if content is not None:
        path.write_text(content)
    write(path, [{'x': 1}], append=True)
    assert path.read_text() == 'x\n1\n'


def test_close_twice_and_dump_after_records(tmp_path):
    output = CsvOutput(tmp_path / 'progress.csv')
    record(output, {'a': 1})
    output.dump(step=3)
    output.close()
    output.close()


def test_tensorboard_outputs_in_one_second_write_their_own_files(tmp_path):
    first = TensorBoardOutput(tmp_path, x_axis='Step')
    second = TensorBoardOutput(tmp_path, x_axis='Step')
    for output in (first, second):
        table = TabularInput()
        table.record('Step', 1)
        output.record(table)
        output.dump()
        output.close()
    files = list(tmp_path.glob('events.out.tfevents.*'))
    assert len(files) == 2
    assert all(path.stat().st_size > 0 for path in files)


def test_tensorboard_output_accepts_tabular_input_only(tmp_path):
    output = TensorBoardOutput(tmp_path)
    assert output.types_accepted == (TabularInput,)
    output.close()
