"""Checks the policies share."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


def check_action_space(policy: object, env_spec: 'EnvSpec', space_type: type) -> None:
    """Reject an action space the policy cannot act in.

    Args:
        policy: The policy being built, for the message.
        env_spec: The specification of the environment.
        space_type: The akro space class the action space must be.

    Raises:
        ValueError: If the action space is not a ``space_type``.

    """
    if not isinstance(env_spec.action_space, space_type):
        raise ValueError(
            f'{type(policy).__name__} needs an '
            f'akro.{space_type.__name__} action space, but the '
            f'environment has {env_spec.action_space!r}'
        )
