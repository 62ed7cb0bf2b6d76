import math

import numpy as np
import pytest

from garage._validation import (
    ArgumentTypeError,
    episode_limit,
    instance_of,
    int_at_least,
    integer,
    non_negative_int,
    number_in,
    one_of,
    positive_int,
    seed,
)


@pytest.mark.parametrize(
    ('value', 'expected'), [(3, 3), (np.int64(4), 4), (1e4, 10000), (np.float32(2), 2)]
)
def test_integers_and_whole_floats_are_accepted_as_python_ints(value, expected):
    result = positive_int('n', value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize('value', [True, False, '3', None, [1], 1 + 0j])
def test_non_numbers_and_booleans_are_type_errors(value):
    with pytest.raises(TypeError, match=r'^n must be a positive integer, got ') as info:
        positive_int('n', value)
    # code written against earlier releases caught ValueError
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ArgumentTypeError)


@pytest.mark.parametrize('value', [0, -1, 2.5, float('nan'), float('inf')])
def test_numbers_out_of_range_are_value_errors(value):
    with pytest.raises(ValueError, match='n must be a positive integer') as info:
        positive_int('n', value)
    assert not isinstance(info.value, TypeError)


def test_none_only_where_allowed():
    assert positive_int('n', None, allow_none=True) is None
    assert non_negative_int('n', 0) == 0
    with pytest.raises(
        ValueError, match=r'n must be a non-negative integer or None, got -1'
    ):
        non_negative_int('n', -1, allow_none=True)
    with pytest.raises(ValueError, match='n must be an integer of at least 2, got 1'):
        int_at_least('n', 1, 2)


def test_integer_takes_any_sign():
    assert integer('n', -3) == -3
    assert integer('n', np.int8(-2)) == -2
    assert integer('n', -1e4) == -10000
    assert integer('n', None, allow_none=True) is None
    with pytest.raises(ArgumentTypeError, match=r'^n must be an integer, got True'):
        integer('n', True)
    with pytest.raises(ValueError, match=r'^n must be an integer, got 0.5'):
        integer('n', 0.5)


def test_seed():
    assert seed(None) is None
    assert seed(np.uint32(7)) == 7
    with pytest.raises(ValueError, match='seed must be a non-negative integer or None'):
        seed(-1)


def test_number_in():
    assert number_in('gamma', 1, 0, 1) == 1.0
    assert number_in('lr', None, 0, low_open=True, allow_none=True) is None
    with pytest.raises(ValueError, match=r'gamma must be a number in \[0, 1\), got 1'):
        number_in('gamma', 1, 0, 1, high_open=True)
    with pytest.raises(ValueError, match=r'lr must be a number in \(0, inf\]'):
        number_in('lr', 0.0, 0, low_open=True)
    with pytest.raises(ValueError, match='nan'):
        number_in('x', float('nan'))
    with pytest.raises(ArgumentTypeError, match="got 'a'"):
        number_in('x', 'a')
    with pytest.raises(ArgumentTypeError):
        number_in('x', True)


def test_one_of():
    assert one_of('mode', 'last', ('all', 'last')) == 'last'
    with pytest.raises(ValueError, match="mode must be one of 'all', 'last', got 'x'"):
        one_of('mode', 'x', ('all', 'last'))
    with pytest.raises(ValueError, match=r'got \[\]'):
        one_of('mode', [], {'all'})


def test_instance_of():
    assert instance_of('name', 'a', str) == 'a'
    with pytest.raises(
        ArgumentTypeError, match=r'name must be a str or bytes, not int \(3\)'
    ):
        instance_of('name', 3, (str, bytes))


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        (None, None),
        (math.inf, None),
        (np.inf, None),
        (7, 7),
        (np.int64(7), 7),
        (7.0, 7),
    ],
)
def test_episode_limit_takes_infinity_as_no_limit(value, expected):
    assert episode_limit('max_episode_length', value) == expected


@pytest.mark.parametrize('value', [0, -1, 2.5, -math.inf, math.nan, True, '7'])
def test_episode_limit_refuses_other_values(value):
    with pytest.raises(ValueError, match=r'^max_episode_length must .* math.inf means'):
        episode_limit('max_episode_length', value)
