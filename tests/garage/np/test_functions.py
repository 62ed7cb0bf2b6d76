import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from garage.np import (
    discount_cumsum,
    explained_variance_1d,
    flatten_tensors,
    rrse,
    sliding_window,
    unflatten_tensors,
)

finite_floats = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)


def naive_discount_cumsum(x, discount):
    out = np.zeros(np.shape(x), dtype=np.float64)
    running = np.zeros(np.shape(x)[1:], dtype=np.float64)
    for t in reversed(range(len(x))):
        running = x[t] + discount * running
        out[t] = running
    return out


class TestDiscountCumsum:
    def test_hand_computed(self):
        result = discount_cumsum(np.array([1.0, 2.0, 3.0]), 0.5)
        np.testing.assert_allclose(result, [1 + 1 + 0.75, 2 + 1.5, 3])

    def test_no_discount_is_reverse_cumsum(self):
        x = np.array([4.0, -1.0, 2.0, 0.5])
        np.testing.assert_allclose(discount_cumsum(x, 1.0), [5.5, 1.5, 2.5, 0.5])

    def test_zero_discount_is_identity(self):
        x = np.array([4.0, -1.0, 2.0])
        np.testing.assert_allclose(discount_cumsum(x, 0.0), x)

    def test_integer_input_gives_floats(self):
        result = discount_cumsum([1, 1], 0.5)
        assert result.dtype.kind == 'f'
        np.testing.assert_allclose(result, [1.5, 1.0])

    def test_sums_along_axis_zero_only(self):
        x = np.array([[1.0, 10.0], [2.0, 20.0]])
        np.testing.assert_allclose(discount_cumsum(x, 0.9), [[2.8, 28.0], [2.0, 20.0]])

    def test_empty(self):
        assert discount_cumsum(np.zeros(0), 0.99).shape == (0,)

    @given(
        x=hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=1, max_dims=3, max_side=8),
            elements=finite_floats,
        ),
        discount=st.floats(min_value=0.0, max_value=1.0),
    )
    def test_matches_naive_loop(self, x, discount):
        np.testing.assert_allclose(
            discount_cumsum(x, discount),
            naive_discount_cumsum(x, discount),
            rtol=1e-9,
            atol=1e-6,
        )


class TestExplainedVariance:
    def test_perfect_prediction_is_one(self):
        y = np.array([1.0, 2.0, 4.0])
        assert explained_variance_1d(y, y) == pytest.approx(1.0)

    def test_mean_prediction_is_zero(self):
        y = np.array([1.0, 2.0, 6.0])
        assert explained_variance_1d(np.full(3, y.mean()), y) == pytest.approx(0.0)

    def test_matches_formula(self):
        y = np.array([1.0, 2.0, 3.0, 4.0])
        ypred = np.array([1.5, 1.5, 3.5, 3.0])
        expected = 1 - np.var(y - ypred) / np.var(y)
        assert explained_variance_1d(ypred, y) == pytest.approx(expected)

    def test_worse_than_mean_is_negative(self):
        y = np.array([1.0, 2.0, 3.0])
        assert explained_variance_1d(-y, y) < 0

    def test_returns_python_float(self):
        assert type(explained_variance_1d([1.0, 2.0], [1.0, 3.0])) is float

    def test_valids_ignore_masked_entries(self):
        y = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]])
        ypred = np.array([[1.0, 2.0, 3.0], [4.0, 100.0, -50.0]])
        valids = np.array([[1, 1, 1], [1, 0, 0]])
        assert explained_variance_1d(ypred, y, valids) == pytest.approx(1.0)
        assert explained_variance_1d(ypred, y) < 0

    def test_boolean_valids(self):
        y = np.array([1.0, 2.0, 3.0, 9.0])
        ypred = np.array([1.5, 2.0, 2.5, 0.0])
        valids = np.array([True, True, True, False])
        expected = 1 - np.var(y[:3] - ypred[:3]) / np.var(y[:3])
        assert explained_variance_1d(ypred, y, valids) == pytest.approx(expected)

    def test_constant_target_exact_prediction_is_one(self):
        y = np.full(4, 3.0)
        assert explained_variance_1d(y, y) == 1.0

    def test_constant_target_constant_offset_is_one(self):
        # Var[y - ypred] is 0 too: the convention of garage and scikit-learn.
        y = np.full(4, 3.0)
        assert explained_variance_1d(y + 1, y) == 1.0

    def test_constant_target_varying_prediction_is_zero(self):
        y = np.full(3, 3.0)
        assert explained_variance_1d(np.array([1.0, 3.0, 5.0]), y) == 0.0

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r'ypred has shape \(3,\) but y has shape '
            r'\(2,\)',
        ):
            explained_variance_1d(np.zeros(3), np.zeros(2))

    def test_valids_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r'valids has shape \(2,\) but y has shape '
            r'\(3,\)',
        ):
            explained_variance_1d(np.zeros(3), np.zeros(3), np.ones(2))

    def test_valids_not_zero_one(self):
        with pytest.raises(ValueError, match=r'valids must hold only 0 and 1'):
            explained_variance_1d(np.zeros(3), np.zeros(3), np.array([0, 1, 2]))


class TestRrse:
    def test_perfect_prediction_is_zero(self):
        assert rrse(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])) == 0

    def test_mean_prediction_is_one(self):
        actual = np.array([1.0, 2.0, 6.0])
        assert rrse(actual, np.full(3, 3.0)) == pytest.approx(1.0)

    def test_hand_computed(self):
        actual = np.array([1.0, 3.0])  # spread: 1 + 1 = 2
        predicted = np.array([3.0, 3.0])  # error: 4
        assert rrse(actual, predicted) == pytest.approx(np.sqrt(2.0))

    def test_multidimensional(self):
        actual = np.array([[1.0, 2.0], [3.0, 4.0]])
        predicted = actual + 1
        expected = np.sqrt(4 / np.sum((actual - 2.5) ** 2))
        assert rrse(actual, predicted) == pytest.approx(expected)

    def test_constant_actual(self):
        actual = np.full(3, 2.0)
        assert rrse(actual, actual) == 0.0
        assert rrse(actual, actual + 1) == float('inf')

    def test_shape_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r'actual has shape \(2,\) but predicted has '
            r'shape \(2, 1\)',
        ):
            rrse(np.zeros(2), np.zeros((2, 1)))


class TestSlidingWindow:
    def test_windows(self):
        np.testing.assert_array_equal(
            sliding_window(np.arange(5), 3), [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
        )

    def test_smear_repeats_last_window(self):
        np.testing.assert_array_equal(
            sliding_window(np.arange(5), 3, smear=True),
            [[0, 1, 2], [1, 2, 3], [2, 3, 4], [2, 3, 4], [2, 3, 4]],
        )

    def test_smear_is_writable_copy(self):
        t = np.arange(4)
        windows = sliding_window(t, 2, smear=True)
        windows[0, 0] = 99
        assert t[0] == 0

    def test_window_of_one(self):
        np.testing.assert_array_equal(sliding_window(np.arange(3), 1), [[0], [1], [2]])

    def test_window_of_full_length(self):
        t = np.arange(4)
        np.testing.assert_array_equal(sliding_window(t, 4), [t])
        np.testing.assert_array_equal(sliding_window(t, 4, smear=True), [t, t, t, t])

    def test_view_is_read_only(self):
        windows = sliding_window(np.arange(4), 2)
        with pytest.raises(ValueError, match='read-only'):
            windows[0, 0] = 1

    def test_window_longer_than_t(self):
        with pytest.raises(
            ValueError, match=r'^window must be at most the length of t, 5, got 6$'
        ):
            sliding_window(np.arange(5), 6)

    @pytest.mark.parametrize('window', [0, 1.5, True])
    def test_bad_window(self, window):
        with pytest.raises(
            ValueError, match=rf'^window must be a positive integer, got {window}$'
        ):
            sliding_window(np.arange(5), window)

    def test_whole_float_window(self):
        np.testing.assert_array_equal(
            sliding_window(np.arange(3), 2.0), sliding_window(np.arange(3), 2)
        )

    def test_not_one_dimensional(self):
        with pytest.raises(ValueError, match=r't must be 1-D, but has shape \(2, 3\)'):
            sliding_window(np.zeros((2, 3)), 2)

    @given(t=hnp.arrays(np.int64, st.integers(1, 20)), data=st.data())
    def test_window_i_is_slice_i(self, t, data):
        window = data.draw(st.integers(1, len(t)))
        windows = sliding_window(t, window)
        assert windows.shape == (len(t) - window + 1, window)
        for i, row in enumerate(windows):
            np.testing.assert_array_equal(row, t[i : i + window])


class TestFlattenTensors:
    def test_flatten(self):
        flat = flatten_tensors([np.array([[1, 2], [3, 4]]), np.array([5])])
        np.testing.assert_array_equal(flat, [1, 2, 3, 4, 5])

    def test_flatten_empty(self):
        flat = flatten_tensors([])
        assert flat.shape == (0,)

    def test_unflatten(self):
        a, b, c, d = unflatten_tensors(np.arange(8), [(2, 3), (), (0, 2), (1,)])
        np.testing.assert_array_equal(a, [[0, 1, 2], [3, 4, 5]])
        assert b.shape == ()
        assert b == 6
        assert c.shape == (0, 2)
        np.testing.assert_array_equal(d, [7])

    def test_unflatten_empty(self):
        assert unflatten_tensors(np.zeros(0), []) == []

    def test_unflatten_size_mismatch(self):
        with pytest.raises(
            ValueError,
            match=r'flattened has 5 elements, but '
            r'tensor_shapes=\[\(2, 2\)\] need 4',
        ):
            unflatten_tensors(np.arange(5), [(2, 2)])

    def test_unflatten_not_one_dimensional(self):
        with pytest.raises(
            ValueError,
            match=r'flattened must be 1-D, but has shape '
            r'\(2, 2\)',
        ):
            unflatten_tensors(np.zeros((2, 2)), [(4,)])

    @given(
        tensors=st.lists(
            hnp.arrays(
                np.float64,
                hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
                elements=finite_floats,
            ),
            max_size=5,
        )
    )
    def test_round_trip(self, tensors):
        flat = flatten_tensors(tensors)
        assert flat.ndim == 1
        assert flat.size == sum(t.size for t in tensors)
        restored = unflatten_tensors(flat, [t.shape for t in tensors])
        assert len(restored) == len(tensors)
        for before, after in zip(tensors, restored, strict=True):
            assert after.shape == before.shape
            np.testing.assert_array_equal(after, before)
