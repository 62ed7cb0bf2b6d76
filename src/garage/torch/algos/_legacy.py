"""Options of the original garage's 2020.06 algorithms, still accepted."""

from typing import Any

from garage import _validation
from garage.sampler._checks import warn_caller


def max_path_length_option(algorithm: str, max_path_length: object) -> int | None:
    """The ``max_episode_length`` that 2020.06's ``max_path_length`` meant.

    Warns with a ``DeprecationWarning``, naming the user's line, when the
    option is given.

    Args:
        algorithm: The algorithm's name, for the messages.
        max_path_length: The value given, or None when not given.

    Returns:
        The longest episode to sample, or None when not given.

    Raises:
        ValueError: If the value is not a positive integer.

    """
    if max_path_length is None:
        return None
    length = _validation.positive_int('max_path_length', max_path_length)
    warn_caller(
        f'{algorithm}(max_path_length=...) is deprecated: it is the '
        'max_episode_length of the episodes sampled, which is taken from '
        'env_spec.max_episode_length by default (make the environment with '
        'that limit, such as GymEnv(env_id, max_episode_length=...))',
        DeprecationWarning,
        package='garage.torch.algos',
    )
    return length


def off_policy_lengths(
    algo: Any, max_path_length: object, max_episode_length_eval: int | None
) -> int | None:
    """Apply 2020.06's ``max_path_length`` to an off-policy algorithm.

    The algorithm samples episodes of that length (its
    ``max_episode_length``) and evaluates them, unless
    ``max_episode_length_eval`` is given.

    Args:
        algo: The algorithm being constructed.
        max_path_length: The value given, or None when not given.
        max_episode_length_eval: The evaluation length given, or None.

    Returns:
        The evaluation length to use; None takes the environment's.

    """
    length = max_path_length_option(type(algo).__name__, max_path_length)
    if length is None:
        return max_episode_length_eval
    algo.max_episode_length = length
    return length if max_episode_length_eval is None else max_episode_length_eval
