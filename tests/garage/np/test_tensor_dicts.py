import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from garage.np import (
    concat_tensor_dict_list,
    index_nested_dict,
    pad_batch_array,
    pad_tensor,
    pad_tensor_dict,
    pad_tensor_n,
    repeat_nested_dict,
    slice_nested_dict,
    stack_and_pad_tensor_dict_list,
    stack_tensor_dict_list,
    truncate_tensor_dict,
    valid_mask,
)


def assert_tree_equal(actual, expected):
    """Compare nested dicts of arrays: same keys, same shapes and values."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict)
        assert set(actual) == set(expected)
        for key, value in expected.items():
            assert_tree_equal(actual[key], value)
    else:
        expected = np.asarray(expected)
        assert actual.shape == expected.shape
        np.testing.assert_array_equal(actual, expected)


def nested(i):
    return {'obs': np.full(2, i), 'info': {'mean': np.array([i, -i])}}


class TestStackTensorDictList:
    def test_flat(self):
        result = stack_tensor_dict_list([{'a': 1, 'b': [1, 2]}, {'a': 2, 'b': [3, 4]}])
        assert_tree_equal(result, {'a': [1, 2], 'b': [[1, 2], [3, 4]]})

    def test_nested(self):
        result = stack_tensor_dict_list([nested(1), nested(2), nested(3)])
        assert_tree_equal(
            result,
            {
                'obs': [[1, 1], [2, 2], [3, 3]],
                'info': {'mean': [[1, -1], [2, -2], [3, -3]]},
            },
        )

    def test_key_order_does_not_matter(self):
        result = stack_tensor_dict_list([{'a': 1, 'b': 2}, {'b': 4, 'a': 3}])
        assert_tree_equal(result, {'a': [1, 3], 'b': [2, 4]})

    def test_empty_list(self):
        assert stack_tensor_dict_list([]) == {}

    def test_different_keys(self):
        with pytest.raises(
            ValueError,
            match=r"dict has keys \['a', 'c'\] in entry 2, "
            r"but \['a', 'b'\] in entry 0; every entry "
            r'must have the same keys',
        ):
            stack_tensor_dict_list(
                [{'a': 1, 'b': 2}, {'a': 1, 'b': 2}, {'a': 1, 'c': 2}]
            )

    def test_different_nested_keys(self):
        with pytest.raises(
            ValueError,
            match=r"dict\['a'\] has keys \['y'\] in entry 1, "
            r"but \['x'\] in entry 0",
        ):
            stack_tensor_dict_list([{'a': {'x': 1}}, {'a': {'y': 1}}])

    def test_dict_in_one_entry_array_in_another(self):
        with pytest.raises(
            ValueError,
            match=r"dict\['a'\] is a ndarray in "
            r'entry 1, but a dict in entry 0',
        ):
            stack_tensor_dict_list([{'a': {'b': np.zeros(2)}}, {'a': np.zeros(2)}])
        with pytest.raises(
            ValueError,
            match=r"dict\['a'\] is a dict in "
            r'entry 1, but an array in entry '
            r'0',
        ):
            stack_tensor_dict_list([{'a': np.zeros(2)}, {'a': {'b': np.zeros(2)}}])

    def test_leaves_of_different_shapes_name_the_key(self):
        with pytest.raises(
            ValueError,
            match=r"values of dict\['a'\] with "
            r'shapes \[\(2,\), \(3,\)\]',
        ):
            stack_tensor_dict_list([{'a': np.zeros(2)}, {'a': np.zeros(3)}])


class TestConcatTensorDictList:
    def test_flat(self):
        result = concat_tensor_dict_list(
            [{'a': np.array([1, 2])}, {'a': np.array([3])}]
        )
        assert_tree_equal(result, {'a': [1, 2, 3]})

    def test_nested_with_trailing_shape(self):
        result = concat_tensor_dict_list(
            [
                {'x': {'y': np.zeros((2, 3))}},
                {'x': {'y': np.ones((1, 3))}},
            ]
        )
        assert_tree_equal(result, {'x': {'y': [[0, 0, 0], [0, 0, 0], [1, 1, 1]]}})

    def test_empty_list(self):
        assert concat_tensor_dict_list([]) == {}

    def test_different_keys(self):
        with pytest.raises(
            ValueError,
            match=r"dict has keys \['b'\] in entry 1, but "
            r"\['a'\] in entry 0",
        ):
            concat_tensor_dict_list([{'a': np.zeros(1)}, {'b': np.zeros(1)}])


class TestSliceIndexRepeat:
    def test_slice_nested(self):
        d = {'a': np.arange(5), 'b': {'c': np.arange(10).reshape(5, 2)}}
        result = slice_nested_dict(d, 1, 3)
        assert_tree_equal(result, {'a': [1, 2], 'b': {'c': [[2, 3], [4, 5]]}})

    def test_slice_is_view(self):
        d = {'a': np.arange(5)}
        assert np.shares_memory(slice_nested_dict(d, 0, 2)['a'], d['a'])

    def test_slice_array(self):
        np.testing.assert_array_equal(slice_nested_dict(np.arange(4), 2, 4), [2, 3])

    def test_index_with_int(self):
        d = {'a': np.arange(5) * 10, 'b': {'c': np.arange(5)}}
        result = index_nested_dict(d, 3)
        assert result['a'] == 30
        assert result['b']['c'] == 3

    def test_index_with_array(self):
        d = {'a': np.arange(5) * 10, 'b': {'c': np.arange(5)}}
        result = index_nested_dict(d, np.array([4, 0, 4]))
        assert_tree_equal(result, {'a': [40, 0, 40], 'b': {'c': [4, 0, 4]}})

    @pytest.mark.parametrize(
        'index',
        [
            np.array([2, -1, 0]),
            np.array([2, 3, 0], dtype=np.uint8),
            np.array([True, False, True, True]),
        ],
    )
    def test_index_rows_of_matrices(self, index):
        rows = np.arange(12.0).reshape(4, 3)
        result = index_nested_dict({'m': {'n': rows}}, index)
        np.testing.assert_array_equal(result['m']['n'], rows[index])

    def test_index_out_of_range(self):
        with pytest.raises(IndexError):
            index_nested_dict({'m': np.zeros((2, 2))}, np.array([2]))

    def test_repeat(self):
        d = {'a': np.array([1, 2, 3]), 'b': {'c': np.array([[1, 1], [2, 2], [3, 3]])}}
        result = repeat_nested_dict(d, np.array([2, 0, 1]))
        assert_tree_equal(
            result, {'a': [1, 1, 3], 'b': {'c': [[1, 1], [1, 1], [3, 3]]}}
        )

    def test_repeat_array(self):
        np.testing.assert_array_equal(
            repeat_nested_dict(np.array([5, 6]), np.array([1, 3])), [5, 6, 6, 6]
        )


class TestPadBatchArray:
    def test_hand_built(self):
        array = np.arange(12).reshape(6, 2)
        padded = pad_batch_array(array, [1, 3, 2])
        expected = np.array(
            [
                [[0, 1], [0, 0], [0, 0]],
                [[2, 3], [4, 5], [6, 7]],
                [[8, 9], [10, 11], [0, 0]],
            ]
        )
        assert_tree_equal(padded, expected)
        assert padded.dtype == array.dtype

    def test_max_length(self):
        padded = pad_batch_array(
            np.array([1.0, 2.0, 3.0]), np.array([2, 1]), max_length=4
        )
        assert_tree_equal(padded, [[1, 2, 0, 0], [3, 0, 0, 0]])

    def test_zero_length_episode(self):
        padded = pad_batch_array(np.arange(1, 4), [1, 0, 2])
        assert_tree_equal(padded, [[1, 0], [0, 0], [2, 3]])

    def test_no_episodes(self):
        padded = pad_batch_array(np.zeros((0, 3)), [], max_length=2)
        assert padded.shape == (0, 2, 3)

    def test_lengths_do_not_add_up(self):
        with pytest.raises(
            ValueError,
            match=r'lengths add up to 4, but the array has 5 '
            r'rows',
        ):
            pad_batch_array(np.zeros(5), [2, 2])

    def test_negative_length(self):
        with pytest.raises(ValueError, match=r'lengths must not be negative'):
            pad_batch_array(np.arange(2), [3, -1])

    def test_episode_longer_than_max_length_warns_and_pads_to_it(self):
        # as the original garage did (RL2 relies on it): no episode is cut
        with pytest.warns(
            UserWarning, match=r'an episode has 3 steps, more than max_length=2'
        ):
            padded = pad_batch_array(np.arange(1, 5), [1, 3], max_length=2)
        assert_tree_equal(padded, [[1, 0, 0], [2, 3, 4]])

    @given(lengths=st.lists(st.integers(0, 6), max_size=6), extra=st.integers(0, 3))
    def test_mask_recovers_array(self, lengths, extra):
        max_length = max(lengths, default=0) + extra
        array = np.arange(sum(lengths) * 2).reshape(-1, 2)
        padded = pad_batch_array(array, lengths, max_length)
        assert padded.shape == (len(lengths), max_length, 2)
        mask = valid_mask(np.asarray(lengths, dtype=int), max_length)
        np.testing.assert_array_equal(padded[mask], array)
        assert not padded[~mask].any()


class TestValidMask:
    def test_hand_built(self):
        mask = valid_mask(np.array([2, 0, 3]), 4)
        assert mask.dtype == bool
        np.testing.assert_array_equal(
            mask,
            [
                [True, True, False, False],
                [False, False, False, False],
                [True, True, True, False],
            ],
        )

    def test_list_lengths(self):
        np.testing.assert_array_equal(valid_mask([1], 2), [[True, False]])


class TestPadTensor:
    def test_zero(self):
        result = pad_tensor(np.array([1, 2]), 4)
        assert_tree_equal(result, [1, 2, 0, 0])

    def test_last(self):
        result = pad_tensor(np.array([[1, 2], [3, 4]]), 4, mode='last')
        assert_tree_equal(result, [[1, 2], [3, 4], [3, 4], [3, 4]])

    def test_last_on_empty_is_zero(self):
        result = pad_tensor(np.zeros((0, 2)), 2, mode='last')
        assert_tree_equal(result, [[0, 0], [0, 0]])

    def test_exact_length_copies(self):
        x = np.array([1.0, 2.0])
        result = pad_tensor(x, 2)
        assert_tree_equal(result, x)
        assert not np.shares_memory(result, x)

    def test_keeps_dtype(self):
        assert pad_tensor(np.array([1, 2], dtype=np.int8), 3).dtype == np.int8

    def test_bad_mode(self):
        with pytest.raises(
            ValueError,
            match=r"^mode must be one of 'zero', 'last', got 'first'$",
        ):
            pad_tensor(np.zeros(1), 2, mode='first')

    def test_too_long(self):
        with pytest.raises(
            ValueError,
            match=r'the array has 3 rows, more than '
            r'max_len=2',
        ):
            pad_tensor(np.zeros(3), 2)

    def test_pad_tensor_n(self):
        result = pad_tensor_n(
            [
                np.array([[1, 1]]),
                np.array([[2, 2], [3, 3]]),
                np.zeros((0, 2), dtype=int),
            ],
            3,
        )
        assert_tree_equal(
            result,
            [
                [[1, 1], [0, 0], [0, 0]],
                [[2, 2], [3, 3], [0, 0]],
                [[0, 0], [0, 0], [0, 0]],
            ],
        )

    def test_pad_tensor_n_too_long(self):
        with pytest.raises(ValueError, match=r'more than max_len=1'):
            pad_tensor_n([np.zeros(1), np.zeros(2)], 1)


class TestPadTensorDict:
    def test_zero(self):
        d = {'a': np.array([1, 2]), 'b': {'c': np.array([[5, 6]])}}
        assert_tree_equal(
            pad_tensor_dict(d, 3),
            {'a': [1, 2, 0], 'b': {'c': [[5, 6], [0, 0], [0, 0]]}},
        )

    def test_last_reaches_nested_leaves(self):
        d = {'a': np.array([1, 2]), 'b': {'c': np.array([[5, 6]])}}
        assert_tree_equal(
            pad_tensor_dict(d, 3, mode='last'),
            {'a': [1, 2, 2], 'b': {'c': [[5, 6], [5, 6], [5, 6]]}},
        )

    def test_bad_mode(self):
        with pytest.raises(
            ValueError, match=r"^mode must be one of 'zero', 'last', got 'mean'$"
        ):
            pad_tensor_dict({'a': np.zeros(1)}, 2, mode='mean')

    def test_stack_and_pad(self):
        result = stack_and_pad_tensor_dict_list(
            [
                {'a': np.array([1]), 'b': {'c': np.array([1.0, 2.0])}},
                {'a': np.array([2, 3, 4]), 'b': {'c': np.array([3.0])}},
            ],
            3,
        )
        assert_tree_equal(
            result,
            {
                'a': [[1, 0, 0], [2, 3, 4]],
                'b': {'c': [[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]]},
            },
        )

    def test_stack_and_pad_different_keys(self):
        with pytest.raises(
            ValueError,
            match=r'every entry must have the same '
            r'keys',
        ):
            stack_and_pad_tensor_dict_list([{'a': np.zeros(1)}, {'b': np.zeros(1)}], 2)


class TestTruncateTensorDict:
    def test_nested(self):
        d = {'a': np.arange(5), 'b': {'c': np.arange(10).reshape(5, 2)}}
        assert_tree_equal(
            truncate_tensor_dict(d, 2), {'a': [0, 1], 'b': {'c': [[0, 1], [2, 3]]}}
        )

    def test_longer_than_data_keeps_everything(self):
        d = {'a': np.arange(3)}
        assert_tree_equal(truncate_tensor_dict(d, 10), {'a': [0, 1, 2]})
