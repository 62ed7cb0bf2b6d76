"""Helpers for dicts of arrays (possibly nested) and for padding batches.

A *tensor dict* maps string keys to NumPy arrays or to nested tensor dicts.
Every helper here works on whole arrays: none loops over time steps.
"""

import numpy as np


def stack_tensor_dict_list(tensor_dict_list):
    """Stack a list of tensor dicts into one tensor dict.

    Args:
        tensor_dict_list (list[dict]): Dicts with the same keys; leaf values
            are array-likes of one shape per key.

    Returns:
        dict: Each leaf is the stack of the input leaves along a new axis 0.

    Raises:
        ValueError: If the dicts do not all have the same keys, or the
            leaves of a key cannot be combined; the message names the key.

    """
    return _combine(tensor_dict_list, np.stack)


def concat_tensor_dict_list(tensor_dict_list):
    """Concatenate a list of tensor dicts along axis 0.

    Args:
        tensor_dict_list (list[dict]): Dicts with the same keys; leaf values
            are arrays whose trailing shapes agree per key.

    Returns:
        dict: Each leaf is the concatenation of the input leaves.

    Raises:
        ValueError: If the dicts do not all have the same keys, or the
            leaves of a key cannot be combined; the message names the key.

    """
    return _combine(tensor_dict_list, np.concatenate)


def _combine(tensor_dict_list, combine, path='dict'):
    if not tensor_dict_list:
        return {}
    keys = list(tensor_dict_list[0])
    for i, d in enumerate(tensor_dict_list[1:], start=1):
        if not isinstance(d, dict):
            raise ValueError(f'{path} is a {type(d).__name__} in entry {i}, '
                             'but a dict in entry 0')
        if set(d) != set(keys):
            raise ValueError(
                f'{path} has keys {sorted(d)} in entry {i}, but {sorted(keys)} '
                'in entry 0; every entry must have the same keys')
    result = {}
    for k in keys:
        values = [d[k] for d in tensor_dict_list]
        key_path = f'{path}[{k!r}]'
        if isinstance(values[0], dict):
            result[k] = _combine(values, combine, key_path)
            continue
        for i, v in enumerate(values):
            if isinstance(v, dict):
                raise ValueError(f'{key_path} is a dict in entry {i}, but '
                                 'an array in entry 0')
        try:
            result[k] = combine([np.asarray(v) for v in values])
        except ValueError as e:
            shapes = [np.shape(v) for v in values]
            raise ValueError(f'cannot combine the values of {key_path} '
                             f'with shapes {shapes}: {e}') from e
    return result


def slice_nested_dict(dict_or_array, start, stop):
    """Slice every leaf of a (nested) tensor dict along axis 0.

    Args:
        dict_or_array (dict or np.ndarray): What to slice.
        start (int): First index of the slice.
        stop (int): One past the last index of the slice.

    Returns:
        dict or np.ndarray: The same structure, each leaf sliced
            ``[start:stop]``. Slices are views: no data is copied.

    """
    if isinstance(dict_or_array, dict):
        return {k: slice_nested_dict(v, start, stop)
                for k, v in dict_or_array.items()}
    return dict_or_array[start:stop]


def index_nested_dict(dict_or_array, index):
    """Index every leaf of a (nested) tensor dict along axis 0.

    Args:
        dict_or_array (dict or np.ndarray): What to index.
        index (int or np.ndarray): An integer, or an index array.

    Returns:
        dict or np.ndarray: The same structure, each leaf indexed.

    """
    if isinstance(dict_or_array, dict):
        return {k: index_nested_dict(v, index)
                for k, v in dict_or_array.items()}
    return dict_or_array[index]


def repeat_nested_dict(dict_or_array, repeats):
    """Repeat the rows of every leaf of a (nested) tensor dict.

    Args:
        dict_or_array (dict or np.ndarray): What to repeat.
        repeats (np.ndarray): How often to repeat each row along axis 0.

    Returns:
        dict or np.ndarray: The same structure, each leaf's row ``i``
            repeated ``repeats[i]`` times.

    """
    if isinstance(dict_or_array, dict):
        return {k: repeat_nested_dict(v, repeats)
                for k, v in dict_or_array.items()}
    return np.repeat(dict_or_array, repeats, axis=0)


def pad_batch_array(array, lengths, max_length=None):
    r"""Turn a flat batch of episodes into a zero-padded (N, max_length) array.

    Args:
        array (np.ndarray): Shape :math:`(N \bullet [T], S^*)`: the steps of
            every episode, one episode after the other.
        lengths (np.ndarray or list[int]): The length of each episode.
        max_length (int or None): The padded time dimension; the longest
            episode's length if None.

    Returns:
        np.ndarray: Shape :math:`(N, max\_length, S^*)`, zero after the end
            of each episode.

    Raises:
        ValueError: If a length is negative, the lengths do not add up to
            the array's first dimension, or an episode is longer than
            ``max_length``.

    """
    array = np.asarray(array)
    lengths = np.asarray(lengths, dtype=np.int64)
    if (lengths < 0).any():
        raise ValueError(f'lengths must not be negative, got {lengths}')
    if lengths.sum() != len(array):
        raise ValueError(f'lengths add up to {lengths.sum()}, but the array '
                         f'has {len(array)} rows')
    longest = int(lengths.max()) if len(lengths) else 0
    if max_length is None:
        max_length = longest
    elif longest > max_length:
        raise ValueError(f'an episode has {longest} steps, more than '
                         f'{max_length=}')
    padded = np.zeros((len(lengths), max_length, *array.shape[1:]),
                      dtype=array.dtype)
    padded[valid_mask(lengths, max_length)] = array
    return padded


def valid_mask(lengths, max_length):
    """Boolean mask of the valid entries of a padded batch.

    Args:
        lengths (np.ndarray): The length of each episode, shape (N,).
        max_length (int): The padded time dimension.

    Returns:
        np.ndarray: Shape (N, max_length); True where a step exists.

    """
    return np.arange(max_length) < np.asarray(lengths)[:, np.newaxis]


def pad_tensor(x, max_len, mode='zero'):
    """Pad an array along axis 0 to a given length.

    Args:
        x (np.ndarray): The array to pad.
        max_len (int): The length to pad to.
        mode (str): ``'zero'`` pads with zeros, ``'last'`` repeats the last
            row.

    Returns:
        np.ndarray: Shape ``(max_len, *x.shape[1:])``.

    Raises:
        ValueError: If ``mode`` is unknown or ``x`` is longer than
            ``max_len``.

    """
    x = np.asarray(x)
    if mode not in ('zero', 'last'):
        raise ValueError(f"mode must be 'zero' or 'last', not {mode!r}")
    if len(x) > max_len:
        raise ValueError(f'the array has {len(x)} rows, more than {max_len=}')
    padded = np.zeros((max_len, *x.shape[1:]), dtype=x.dtype)
    padded[:len(x)] = x
    if mode == 'last' and 0 < len(x) < max_len:
        padded[len(x):] = x[-1]
    return padded


def pad_tensor_n(xs, max_len):
    """Zero-pad a list of arrays along axis 0 and stack them.

    Args:
        xs (list[np.ndarray]): Arrays whose trailing shapes agree.
        max_len (int): The length to pad to.

    Returns:
        np.ndarray: Shape ``(len(xs), max_len) + xs[0].shape[1:]``.

    """
    return np.stack([pad_tensor(x, max_len) for x in xs])


def pad_tensor_dict(tensor_dict, max_len, mode='zero'):
    """Pad every leaf of a (nested) tensor dict along axis 0.

    Args:
        tensor_dict (dict): The tensor dict to pad.
        max_len (int): The length to pad to.
        mode (str): ``'zero'`` or ``'last'``, as in :func:`pad_tensor`.

    Returns:
        dict: The same structure with each leaf padded.

    """
    return {k: pad_tensor_dict(v, max_len, mode) if isinstance(v, dict)
            else pad_tensor(v, max_len, mode)
            for k, v in tensor_dict.items()}


def stack_and_pad_tensor_dict_list(tensor_dict_list, max_len):
    """Zero-pad the leaves of several tensor dicts, then stack them.

    Args:
        tensor_dict_list (list[dict]): Dicts with the same keys.
        max_len (int): The length to pad each leaf to.

    Returns:
        dict: Each leaf has shape ``(len(tensor_dict_list), max_len, ...)``.

    """
    return stack_tensor_dict_list(
        [pad_tensor_dict(d, max_len) for d in tensor_dict_list])


def truncate_tensor_dict(tensor_dict, truncated_len):
    """Keep the first ``truncated_len`` rows of every leaf of a tensor dict.

    Args:
        tensor_dict (dict): The tensor dict to truncate.
        truncated_len (int): The number of rows to keep.

    Returns:
        dict: The same structure with each leaf truncated.

    """
    return slice_nested_dict(tensor_dict, 0, truncated_len)
