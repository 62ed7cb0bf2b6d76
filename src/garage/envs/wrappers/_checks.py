"""Checks the Atari wrappers share."""

from typing import Any

import gymnasium


def image_box(wrapper: str, space: Any, ndim: int, what: str) -> gymnasium.spaces.Box:
    """Return ``space`` if it is a Box of ``ndim`` dimensions, else raise.

    Args:
        wrapper: The wrapper's name, for the message.
        space: The wrapped environment's observation space.
        ndim: The number of dimensions the wrapper needs.
        what: What such observations are, for the message.

    Returns:
        The space.

    Raises:
        ValueError: If the space is not a Box of ``ndim`` dimensions.

    """
    if not isinstance(space, gymnasium.spaces.Box):
        raise ValueError(
            f'{wrapper} only works with a gymnasium.spaces.Box observation '
            f'space ({what}), not {space!r}'
        )
    if len(space.shape) != ndim:
        raise ValueError(
            f'{wrapper} only works with {what}: observations of {ndim} '
            f'dimensions, not of shape {space.shape}'
        )
    return space


def bounds(space: gymnasium.spaces.Box) -> tuple[Any, Any]:
    """The first lower and upper bound of a Box, as the original garage took."""
    return space.low.flatten()[0], space.high.flatten()[0]


def action_meanings(env: gymnasium.Env) -> list[str] | None:
    """The meanings of an Atari environment's actions; None for other envs."""
    get = getattr(env.unwrapped, 'get_action_meanings', None)
    return None if get is None else list(get())
