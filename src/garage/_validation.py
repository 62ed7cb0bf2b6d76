"""Argument checks, one function for each kind of argument.

Every public constructor and method checks its arguments here, so that a
kind of mistake is reported the same way everywhere:

- a value of the wrong type (a string for a count, ``True`` for an
  integer: booleans are not integers here) raises `ArgumentTypeError`,
  which is both a ``TypeError`` and, for code written against earlier
  releases that caught it, a ``ValueError``;
- a value of the right type outside its range, or not among the choices,
  raises ``ValueError``.

Every message names the argument and the value given. Integer arguments
take Python and NumPy integers, and floats with an integral value
(``1e4``), as a launcher may write a step count; the checks return them as
Python ints.
"""

import math
import numbers
from collections.abc import Collection
from typing import Any, Literal, TypeVar, overload

T = TypeVar('T')


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type."""


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _integer(name: str, value: object, what: str, allow_none: bool) -> int | None:
    """Return ``value`` as an int, or raise naming ``what`` it must be."""
    if value is None and allow_none:
        return None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if _is_number(value) and float(value).is_integer():  # type: ignore[arg-type]
        return int(value)  # type: ignore[call-overload]
    or_none = ' or None' if allow_none else ''
    error = ValueError if _is_number(value) else ArgumentTypeError
    raise error(f'{name} must be {what}{or_none}, got {value!r}')


@overload
def int_at_least(
    name: str, value: object, minimum: int, *, allow_none: Literal[False] = False
) -> int: ...
@overload
def int_at_least(
    name: str, value: object, minimum: int, *, allow_none: bool
) -> int | None: ...
def int_at_least(
    name: str, value: object, minimum: int, *, allow_none: bool = False
) -> int | None:
    """Check that ``value`` is an integer of at least ``minimum``.

    Args:
        name: The argument's name, for the message.
        value: The value given.
        minimum: The least value allowed.
        allow_none: Whether None is allowed (and returned as it is).

    Returns:
        The value as a Python int (or None).

    Raises:
        ArgumentTypeError: If ``value`` is not an integer.
        ValueError: If it is an integer less than ``minimum``, or a float
            that is not integral.

    """
    what = {
        0: 'a non-negative integer',
        1: 'a positive integer',
    }.get(minimum, f'an integer of at least {minimum}')
    result = _integer(name, value, what, allow_none)
    if result is not None and result < minimum:
        or_none = ' or None' if allow_none else ''
        raise ValueError(f'{name} must be {what}{or_none}, got {value!r}')
    return result


@overload
def integer(name: str, value: object, *, allow_none: Literal[False] = False) -> int: ...
@overload
def integer(name: str, value: object, *, allow_none: bool) -> int | None: ...
def integer(name: str, value: object, *, allow_none: bool = False) -> int | None:
    """Check that ``value`` is an integer of any sign; see `int_at_least`."""
    return _integer(name, value, 'an integer', allow_none)


@overload
def positive_int(
    name: str, value: object, *, allow_none: Literal[False] = False
) -> int: ...
@overload
def positive_int(name: str, value: object, *, allow_none: bool) -> int | None: ...
def positive_int(name: str, value: object, *, allow_none: bool = False) -> int | None:
    """Check that ``value`` is an integer of at least 1; see `int_at_least`."""
    return int_at_least(name, value, 1, allow_none=allow_none)


def episode_limit(name: str, value: object) -> int | None:
    """Check a maximum episode length: a positive integer, or no limit.

    ``None`` and ``math.inf`` (the original garage's "no limit") both mean
    no limit.

    Args:
        name: The argument's name, for the message.
        value: The value given.

    Returns:
        The limit as a Python int, or None for no limit.

    Raises:
        ArgumentTypeError: If ``value`` is not an integer, None or infinity.
        ValueError: If it is a number that is not a positive integer.

    """
    if _is_number(value) and value == math.inf:
        return None
    try:
        return positive_int(name, value, allow_none=True)
    except ValueError as e:  # ArgumentTypeError included
        raise type(e)(f'{e}; math.inf means no limit') from None


@overload
def non_negative_int(
    name: str, value: object, *, allow_none: Literal[False] = False
) -> int: ...
@overload
def non_negative_int(name: str, value: object, *, allow_none: bool) -> int | None: ...
def non_negative_int(
    name: str, value: object, *, allow_none: bool = False
) -> int | None:
    """Check that ``value`` is an integer of at least 0; see `int_at_least`."""
    return int_at_least(name, value, 0, allow_none=allow_none)


def seed(value: object) -> int | None:
    """Check a random seed: None or a non-negative integer.

    Args:
        value: The seed given.

    Returns:
        The seed as a Python int, or None.

    """
    return non_negative_int('seed', value, allow_none=True)


@overload
def number_in(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: Literal[False] = False,
) -> float: ...
@overload
def number_in(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool,
) -> float | None: ...
def number_in(
    name: str,
    value: object,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Check that ``value`` is a real number in an interval.

    Args:
        name: The argument's name, for the message.
        value: The value given.
        low: The interval's lower end.
        high: The interval's upper end.
        low_open: Whether ``low`` itself is excluded.
        high_open: Whether ``high`` itself is excluded.
        allow_none: Whether None is allowed (and returned as it is).

    Returns:
        The value as a Python float (or None).

    Raises:
        ArgumentTypeError: If ``value`` is not a real number.
        ValueError: If it is a number outside the interval, or NaN.

    """
    if value is None and allow_none:
        return None
    interval = f'{"(" if low_open else "["}{low}, {high}{")" if high_open else "]"}'
    or_none = ' or None' if allow_none else ''
    message = f'{name} must be a number in {interval}{or_none}, got {value!r}'
    if not _is_number(value):
        raise ArgumentTypeError(message)
    number = float(value)  # type: ignore[arg-type]
    above = number > low if low_open else number >= low
    below = number < high if high_open else number <= high
    if not (above and below):
        raise ValueError(message)
    return number


def one_of(name: str, value: T, choices: Collection[T]) -> T:
    """Check that ``value`` is one of ``choices``.

    Args:
        name: The argument's name, for the message.
        value: The value given.
        choices: The values allowed.

    Returns:
        The value.

    Raises:
        ValueError: If it is not one of them.

    """
    try:
        found = value in choices
    except TypeError:  # an unhashable value looked up in a set
        found = False
    if not found:
        listed = ', '.join(repr(c) for c in choices)
        raise ValueError(f'{name} must be one of {listed}, got {value!r}')
    return value


def instance_of(name: str, value: object, types: type | tuple[type, ...]) -> Any:
    """Check that ``value`` is an instance of ``types``.

    Args:
        name: The argument's name, for the message.
        value: The value given.
        types: The type, or a tuple of the types, allowed.

    Returns:
        The value.

    Raises:
        ArgumentTypeError: If it is not.

    """
    if not isinstance(value, types):
        allowed = types if isinstance(types, tuple) else (types,)
        names = ' or '.join(t.__name__ for t in allowed)
        raise ArgumentTypeError(
            f'{name} must be a {names}, not {type(value).__name__} ({value!r})'
        )
    return value
