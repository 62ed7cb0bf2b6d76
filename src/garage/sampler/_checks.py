"""Argument checks shared by the workers, the worker factory and samplers."""

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
    if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
            or value < 1):
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
    if (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or seed < 0):
        raise ValueError(
            f'seed must be a non-negative integer or None, got {seed!r}')
    return int(seed)
