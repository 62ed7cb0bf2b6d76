"""Numeric helpers used by algorithms: returns, diagnostics and windows.

Every helper works on whole arrays; none loops over elements in Python.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from garage import _validation
from garage.np._tensor_dicts import pad_tensor


def discount_cumsum(x: ArrayLike, discount: float) -> np.ndarray:
    r"""Discounted cumulative sum along axis 0.

    Computes `y_t = Σ_(k ≥ 0) γᵏ x_(t+k)`, the discounted
    return of every step of an episode, as a linear filter run backwards in
    time.

    Args:
        x: Values to sum, shape `(T, S*)`; the sum runs over axis 0.
        discount: The discount factor `γ`.

    Returns:
        np.ndarray: Floating point array of the same shape as ``x``.

    """
    import scipy.signal  # here, not at the top: it takes ~1 s to import

    x = np.asarray(x)
    reversed_sums = scipy.signal.lfilter(
        [1.0], [1.0, -float(discount)], x[::-1], axis=0
    )
    return reversed_sums[::-1]


def explained_variance_1d(
    ypred: ArrayLike, y: ArrayLike, valids: ArrayLike | None = None
) -> float:
    r"""Fraction of the variance of ``y`` that ``ypred`` explains.

    Computes `1 - Var[y - ŷ] / Var[y]` over every entry, or over
    the valid entries only when a mask is given (so padded batches of
    episodes can be passed whole). 1 is a perfect prediction, 0 is no better
    than predicting the mean, and a negative value is worse than that.

    When ``y`` is constant (its variance is close to 0) the ratio is
    undefined. Then the result is 1.0 if the residual ``y - ypred`` is
    constant too (the prediction is exact up to an offset) and 0.0 otherwise,
    which is the convention of the original garage and of scikit-learn.

    Args:
        ypred: Predicted values.
        y: Target values, the same shape as ``ypred``.
        valids: Optional mask of the same shape, holding 0/1 or booleans;
            only entries where it is 1 count.

    Returns:
        float: The explained variance.

    Raises:
        ValueError: If the shapes disagree, or ``valids`` holds values other
            than 0 and 1.

    """
    ypred_array = np.asarray(ypred)
    y_array = np.asarray(y)
    if ypred_array.shape != y_array.shape:
        raise ValueError(
            f'ypred has shape {ypred_array.shape} but y has shape '
            f'{y_array.shape}; they must be the same'
        )
    if valids is not None:
        valids = np.asarray(valids)
        if valids.shape != y_array.shape:
            raise ValueError(
                f'valids has shape {valids.shape} but y has '
                f'shape {y_array.shape}; they must be the same'
            )
        if not np.isin(valids, (0, 1)).all():
            raise ValueError(
                'valids must hold only 0 and 1 (or booleans), '
                f'but holds {np.unique(valids)}'
            )
        mask = valids.astype(bool)
        ypred_array = ypred_array[mask]
        y_array = y_array[mask]
    var_y = np.var(y_array)
    var_residual = np.var(y_array - ypred_array)
    if np.isclose(var_y, 0):
        return 1.0 if np.isclose(var_residual, 0) else 0.0
    return float(1 - var_residual / var_y)


def rrse(actual: ArrayLike, predicted: ArrayLike) -> float:
    r"""Root relative squared error.

    Computes `√(Σ (a - p)² / Σ (a - ā)²)`: the error
    of ``predicted`` relative to that of always predicting the mean of
    ``actual``. 0 is a perfect prediction, 1 is as good as the mean.

    When ``actual`` is constant the ratio is undefined: the result is 0.0 if
    the prediction is exact and ``inf`` otherwise.

    Args:
        actual: Target values.
        predicted: Predicted values, the same shape as ``actual``.

    Returns:
        float: The root relative squared error.

    Raises:
        ValueError: If the shapes disagree.

    """
    actual = np.asarray(actual)
    predicted = np.asarray(predicted)
    if actual.shape != predicted.shape:
        raise ValueError(
            f'actual has shape {actual.shape} but predicted has '
            f'shape {predicted.shape}; they must be the same'
        )
    error = np.sum(np.square(actual - predicted))
    spread = np.sum(np.square(actual - np.mean(actual)))
    if spread == 0:
        return 0.0 if error == 0 else float('inf')
    return float(np.sqrt(error / spread))


def sliding_window(t: ArrayLike, window: int, smear: bool = False) -> np.ndarray:
    """All windows of ``window`` consecutive elements of a 1-D array.

    Windows start at every index, with stride 1: window ``i`` is
    ``t[i:i + window]``.

    Args:
        t: The 1-D array, of length `N`.
        window: The number of elements in each window, from 1 to `N`.
        smear: If True, repeat the last window at the end so that there are
            `N` windows, one per element of ``t``.

    Returns:
        np.ndarray: Shape `(N - window + 1, window)`, or
            `(N, window)` if ``smear``. Without ``smear`` it is a
            read-only view of ``t``; copy it before writing to it.

    Raises:
        ValueError: If ``t`` is not 1-D or ``window`` is not between 1 and
            the length of ``t``.

    """
    t = np.asarray(t)
    if t.ndim != 1:
        raise ValueError(f't must be 1-D, but has shape {t.shape}')
    window = _validation.positive_int('window', window)
    if window > len(t):
        raise ValueError(
            f'window must be at most the length of t, {len(t)}, got {window}'
        )
    windows = np.lib.stride_tricks.sliding_window_view(t, window)
    if smear:
        return pad_tensor(windows, len(t), mode='last')
    return windows


def flatten_tensors(tensors: Sequence[ArrayLike]) -> np.ndarray:
    """Flatten arrays and concatenate them into one 1-D array.

    Args:
        tensors: The arrays, of any shapes.

    Returns:
        np.ndarray: 1-D array of all their elements, in order; empty if
            ``tensors`` is empty.

    """
    if not tensors:
        return np.asarray([])
    return np.concatenate([np.ravel(x) for x in tensors])


def unflatten_tensors(
    flattened: ArrayLike, tensor_shapes: Sequence[tuple[int, ...]]
) -> list[np.ndarray]:
    """Split a 1-D array back into arrays of the given shapes.

    The inverse of `flatten_tensors`.

    Args:
        flattened: The 1-D array.
        tensor_shapes: The shape of each array to cut out of it, in order.

    Returns:
        list[np.ndarray]: One array per shape, viewing ``flattened``.

    Raises:
        ValueError: If ``flattened`` is not 1-D, or its size is not the
            total size of the shapes.

    """
    flattened = np.asarray(flattened)
    if flattened.ndim != 1:
        raise ValueError(f'flattened must be 1-D, but has shape {flattened.shape}')
    sizes = [int(np.prod(shape)) for shape in tensor_shapes]
    if sum(sizes) != flattened.size:
        raise ValueError(
            f'flattened has {flattened.size} elements, but '
            f'{tensor_shapes=} need {sum(sizes)}'
        )
    bounds = np.cumsum([0, *sizes])
    return [
        flattened[start:stop].reshape(shape)
        for start, stop, shape in zip(
            bounds[:-1], bounds[1:], tensor_shapes, strict=True
        )
    ]
