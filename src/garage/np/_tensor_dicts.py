"""Helpers for dicts of arrays (possibly nested) and for padding batches.

A *tensor dict* maps string keys to NumPy arrays or to nested tensor dicts.
Every helper here works on whole arrays: none loops over time steps.
"""

import warnings
from collections.abc import Callable, Sequence
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike

from garage import _validation


def stack_tensor_dict_list(
    tensor_dict_list: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Stack a list of tensor dicts into one tensor dict.

    Args:
        tensor_dict_list: Dicts with the same keys; leaf values are
            array-likes of one shape per key.

    Returns:
        A tensor dict; each leaf is the stack of the input leaves along a
            new axis 0.

    Raises:
        ValueError: If the dicts do not all have the same keys, or the
            leaves of a key cannot be combined; the message names the key.

    """
    return _combine(tensor_dict_list, np.stack)


def concat_tensor_dict_list(
    tensor_dict_list: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Concatenate a list of tensor dicts along axis 0.

    Args:
        tensor_dict_list: Dicts with the same keys; leaf values are arrays
            whose trailing shapes agree per key.

    Returns:
        A tensor dict; each leaf is the concatenation of the input leaves.

    Raises:
        ValueError: If the dicts do not all have the same keys, or the
            leaves of a key cannot be combined; the message names the key.

    """
    return _combine(tensor_dict_list, np.concatenate)


def _combine(
    tensor_dict_list: Sequence[dict[str, Any]],
    combine: Callable[[list[np.ndarray]], np.ndarray],
    path: str = 'dict',
) -> dict[str, Any]:
    if not tensor_dict_list:
        return {}
    keys = list(tensor_dict_list[0])
    for i, d in enumerate(tensor_dict_list[1:], start=1):
        if not isinstance(d, dict):
            raise ValueError(
                f'{path} is a {type(d).__name__} in entry {i}, but a dict in entry 0'
            )
        if set(d) != set(keys):
            raise ValueError(
                f'{path} has keys {sorted(d)} in entry {i}, but {sorted(keys)} '
                'in entry 0; every entry must have the same keys'
            )
    result: dict[str, Any] = {}
    for k in keys:
        values = [d[k] for d in tensor_dict_list]
        key_path = f'{path}[{k!r}]'
        if isinstance(values[0], dict):
            result[k] = _combine(values, combine, key_path)
            continue
        for i, v in enumerate(values):
            if isinstance(v, dict):
                raise ValueError(
                    f'{key_path} is a dict in entry {i}, but an array in entry 0'
                )
        try:
            result[k] = combine([np.asarray(v) for v in values])
        except ValueError as e:
            shapes = [np.shape(v) for v in values]
            raise ValueError(
                f'cannot combine the values of {key_path} with shapes {shapes}: {e}'
            ) from e
    return result


@overload
def slice_nested_dict(
    dict_or_array: dict[str, Any], start: int, stop: int
) -> dict[str, Any]: ...
@overload
def slice_nested_dict(
    dict_or_array: np.ndarray, start: int, stop: int
) -> np.ndarray: ...
def slice_nested_dict(
    dict_or_array: dict[str, Any] | np.ndarray, start: int, stop: int
) -> dict[str, Any] | np.ndarray:
    """Slice every leaf of a (nested) tensor dict along axis 0.

    Args:
        dict_or_array: What to slice.
        start: First index of the slice.
        stop: One past the last index of the slice.

    Returns:
        The same structure, each leaf sliced ``[start:stop]``. Slices are
            views: no data is copied.

    """
    if isinstance(dict_or_array, dict):
        return {k: slice_nested_dict(v, start, stop) for k, v in dict_or_array.items()}
    return dict_or_array[start:stop]


@overload
def index_nested_dict(
    dict_or_array: dict[str, Any], index: int | np.ndarray
) -> dict[str, Any]: ...
@overload
def index_nested_dict(
    dict_or_array: np.ndarray, index: int | np.ndarray
) -> np.ndarray: ...
def index_nested_dict(
    dict_or_array: dict[str, Any] | np.ndarray, index: int | np.ndarray
) -> dict[str, Any] | np.ndarray:
    """Index every leaf of a (nested) tensor dict along axis 0.

    Args:
        dict_or_array: What to index.
        index: An integer, or an index array.

    Returns:
        The same structure, each leaf indexed.

    """
    if isinstance(dict_or_array, dict):
        return {k: index_nested_dict(v, index) for k, v in dict_or_array.items()}
    if (
        isinstance(index, np.ndarray)
        and index.dtype.kind in 'iu'
        and isinstance(dict_or_array, np.ndarray)
        and dict_or_array.ndim > 1
    ):
        # take copies whole rows; fancy indexing iterates over them
        return dict_or_array.take(index, axis=0)
    return dict_or_array[index]


@overload
def repeat_nested_dict(
    dict_or_array: dict[str, Any], repeats: np.ndarray
) -> dict[str, Any]: ...
@overload
def repeat_nested_dict(
    dict_or_array: np.ndarray, repeats: np.ndarray
) -> np.ndarray: ...
def repeat_nested_dict(
    dict_or_array: dict[str, Any] | np.ndarray, repeats: np.ndarray
) -> dict[str, Any] | np.ndarray:
    """Repeat the rows of every leaf of a (nested) tensor dict.

    Args:
        dict_or_array: What to repeat.
        repeats: How often to repeat each row along axis 0.

    Returns:
        The same structure, each leaf's row ``i`` repeated ``repeats[i]``
            times.

    """
    if isinstance(dict_or_array, dict):
        return {k: repeat_nested_dict(v, repeats) for k, v in dict_or_array.items()}
    return np.repeat(dict_or_array, repeats, axis=0)


def pad_batch_array(
    array: ArrayLike, lengths: ArrayLike, max_length: int | None = None
) -> np.ndarray:
    r"""Turn a flat batch of episodes into a zero-padded (N, max_length) array.

    Args:
        array: Shape `(N • [T], S*)`: the steps of every
            episode, one episode after the other.
        lengths: The length of each episode.
        max_length: The padded time dimension; the longest episode's length
            if None. As in the original garage, an episode longer than
            ``max_length`` is not cut: a warning is issued and the array is
            padded to the longest episode's length instead.

    Returns:
        An array of shape `(N, max_length, S*)`, zero after the end
            of each episode.

    Raises:
        ValueError: If a length is negative, or the lengths do not add up to
            the array's first dimension.

    """
    array = np.asarray(array)
    lengths = np.asarray(lengths, dtype=np.int64)
    if (lengths < 0).any():
        raise ValueError(f'lengths must not be negative, got {lengths}')
    if lengths.sum() != len(array):
        raise ValueError(
            f'lengths add up to {lengths.sum()}, but the array has {len(array)} rows'
        )
    longest = int(lengths.max()) if len(lengths) else 0
    if max_length is None:
        max_length = longest
    elif longest > max_length:
        warnings.warn(
            f'an episode has {longest} steps, more than {max_length=}: padding '
            f'to {longest} steps instead',
            stacklevel=2,
        )
        max_length = longest
    padded = np.zeros((len(lengths), max_length, *array.shape[1:]), dtype=array.dtype)
    padded[valid_mask(lengths, max_length)] = array
    return padded


def valid_mask(lengths: ArrayLike, max_length: int) -> np.ndarray:
    """Boolean mask of the valid entries of a padded batch.

    Args:
        lengths: The length of each episode, shape (N,).
        max_length: The padded time dimension.

    Returns:
        A bool array of shape (N, max_length); True where a step exists.

    """
    return np.arange(max_length) < np.asarray(lengths)[:, np.newaxis]


def pad_tensor(x: ArrayLike, max_len: int, mode: str = 'zero') -> np.ndarray:
    """Pad an array along axis 0 to a given length.

    Args:
        x: The array to pad.
        max_len: The length to pad to.
        mode: ``'zero'`` pads with zeros, ``'last'`` repeats the last row.

    Returns:
        An array of shape ``(max_len, *x.shape[1:])``.

    Raises:
        ValueError: If ``mode`` is unknown or ``x`` is longer than
            ``max_len``.

    """
    x = np.asarray(x)
    _validation.one_of('mode', mode, ('zero', 'last'))
    if len(x) > max_len:
        raise ValueError(f'the array has {len(x)} rows, more than {max_len=}')
    padded = np.zeros((max_len, *x.shape[1:]), dtype=x.dtype)
    padded[: len(x)] = x
    if mode == 'last' and 0 < len(x) < max_len:
        padded[len(x) :] = x[-1]
    return padded


def pad_tensor_n(xs: Sequence[ArrayLike], max_len: int) -> np.ndarray:
    """Zero-pad a list of arrays along axis 0 and stack them.

    Args:
        xs: Arrays whose trailing shapes agree.
        max_len: The length to pad to.

    Returns:
        An array of shape ``(len(xs), max_len) + xs[0].shape[1:]``.

    """
    return np.stack([pad_tensor(x, max_len) for x in xs])


def pad_tensor_dict(
    tensor_dict: dict[str, Any], max_len: int, mode: str = 'zero'
) -> dict[str, Any]:
    """Pad every leaf of a (nested) tensor dict along axis 0.

    Args:
        tensor_dict: The tensor dict to pad.
        max_len: The length to pad to.
        mode: ``'zero'`` or ``'last'``, as in `pad_tensor`.

    Returns:
        The same structure with each leaf padded.

    """
    return {
        k: pad_tensor_dict(v, max_len, mode)
        if isinstance(v, dict)
        else pad_tensor(v, max_len, mode)
        for k, v in tensor_dict.items()
    }


def stack_and_pad_tensor_dict_list(
    tensor_dict_list: Sequence[dict[str, Any]], max_len: int
) -> dict[str, Any]:
    """Zero-pad the leaves of several tensor dicts, then stack them.

    Args:
        tensor_dict_list: Dicts with the same keys.
        max_len: The length to pad each leaf to.

    Returns:
        A tensor dict; each leaf has shape
            ``(len(tensor_dict_list), max_len, ...)``.

    """
    return stack_tensor_dict_list(
        [pad_tensor_dict(d, max_len) for d in tensor_dict_list]
    )


def truncate_tensor_dict(
    tensor_dict: dict[str, Any], truncated_len: int
) -> dict[str, Any]:
    """Keep the first ``truncated_len`` rows of every leaf of a tensor dict.

    Args:
        tensor_dict: The tensor dict to truncate.
        truncated_len: The number of rows to keep.

    Returns:
        The same structure with each leaf truncated.

    """
    return slice_nested_dict(tensor_dict, 0, truncated_len)
