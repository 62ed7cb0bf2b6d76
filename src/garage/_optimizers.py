"""Building optimizers from a type, or from a type and its arguments.

Algorithms take their optimizers as a class (``torch.optim.Adam``) or as a
``(class, dict_of_args)`` tuple, and build them with `make_optimizer`.
This module imports no deep-learning framework.
"""

import dataclasses
from typing import Any

from garage import _validation


@dataclasses.dataclass(frozen=True)
class _Default:
    """An algorithm's default for an optimizer argument.

    Algorithms wrap their defaults in it (``lr=_Default(1e-3)``) so that
    `make_optimizer` can tell them from arguments the user chose: a
    user's ``(class, dict_of_args)`` tuple replaces the defaults instead of
    clashing with them. It shows as its value, in ``help()`` and
    ``inspect.signature`` as in the API reference (whose Griffe extension,
    ``docs/griffe_defaults.py``, renders ``x: float | _Default =
    _Default(1e-3)`` as ``x: float = 0.001``).

    Args:
        val: The default value.

    """

    val: Any

    def __repr__(self) -> str:
        return repr(self.val)


def make_optimizer(
    optimizer_type: type | tuple[type, dict[str, Any]],
    module: Any = None,
    **kwargs: Any,
) -> Any:
    """Build an optimizer.

    ``optimizer_type`` is either a class, built with ``kwargs``, or a
    ``(class, args)`` tuple, built with ``args`` alone: its arguments
    replace the defaults of the algorithm calling ``make_optimizer``
    entirely, and an argument the user chose (such as an algorithm's
    ``qf_lr=...``) beside a tuple is an error. When ``module`` is given its
    parameters are the first argument,
    ``optimizer_type(module.parameters(), **args)``.

    Args:
        optimizer_type: The optimizer class, or a tuple of the class and a
            dict of its keyword arguments.
        module: A module (e.g. a ``torch.nn.Module``) whose ``parameters()``
            the optimizer updates, or None to pass no parameters.
        kwargs: Keyword arguments for the optimizer: values the user
            chose, or defaults of the calling algorithm (marked as such).

    Returns:
        The optimizer.

    Raises:
        ValueError: If ``optimizer_type`` is a tuple and a keyword argument
            the user chose is given too, or the tuple is not a class and a
            dict.
        TypeError: If the optimizer class is not callable.

    """
    if isinstance(optimizer_type, tuple):
        if len(optimizer_type) != 2 or not isinstance(optimizer_type[1], dict):
            raise ValueError(
                'optimizer_type must be a class or a (class, '
                f'dict_of_args) tuple, not {optimizer_type!r}'
            )
        opt_type, opt_args = optimizer_type
        explicit = sorted(
            name for name, arg in kwargs.items() if not isinstance(arg, _Default)
        )
        if explicit:
            raise ValueError(
                f'got both a (class, args) tuple, {optimizer_type!r}, and '
                f'explicit optimizer arguments {explicit}; give the '
                'arguments in the tuple only'
            )
    else:
        opt_type = optimizer_type
        opt_args = {
            name: arg.val if isinstance(arg, _Default) else arg
            for name, arg in kwargs.items()
        }
    if not callable(opt_type):
        raise _validation.ArgumentTypeError(
            f'the optimizer type must be a class, not {opt_type!r}'
        )
    if module is not None:
        return opt_type(module.parameters(), **opt_args)
    return opt_type(**opt_args)
