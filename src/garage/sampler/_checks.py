"""Argument checks shared by the workers, the worker factory and samplers."""

import warnings
from typing import Any

import numpy as np


def check_positive_int(name: str, value: Any) -> int:
    """Check that ``value`` is a positive integer (booleans refused).

    Args:
        name: The argument's name, for the error message.
        value: The value to check.

    Returns:
        The value as a Python int.

    Raises:
        ValueError: If ``value`` is not a positive integer.

    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f'{name} must be a positive integer, got {value!r}')
    return int(value)


def check_seed(seed: Any) -> int | None:
    """Check that ``seed`` is None or a non-negative integer.

    Args:
        seed: The seed to check.

    Returns:
        The seed as a Python int, or None.

    Raises:
        ValueError: If ``seed`` is neither None nor a non-negative integer.

    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'seed must be a non-negative integer or None, got {seed!r}')
    return int(seed)


def check_is_tf_worker(
    owner: str, is_tf_worker: bool | None, stacklevel: int = 3
) -> None:
    """Reject TensorFlow workers; warn that ``is_tf_worker`` is obsolete.

    Args:
        owner: The class given the argument, for the messages.
        is_tf_worker: The original garage's ``is_tf_worker`` argument, None
            when not given.
        stacklevel: The frame the warning names: 3 is the caller's caller.

    Raises:
        ValueError: If ``is_tf_worker`` is true.

    """
    if is_tf_worker is None:
        return
    if is_tf_worker:
        raise ValueError(
            f'{owner}(is_tf_worker=True): TensorFlow workers '
            'are not supported; garage runs PyTorch policies'
        )
    warnings.warn(
        f'{owner}(is_tf_worker=False) has no effect and is '
        'deprecated: every worker is a PyTorch worker',
        DeprecationWarning,
        stacklevel=stacklevel,
    )
