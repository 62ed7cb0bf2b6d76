"""Helpers shared by the modules: nonlinearities, per-layer options, shapes."""

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from garage import _validation
from garage.torch._functions import expand_var

#: A nonlinearity as users give it: a function such as ``torch.tanh``, an
#: ``nn.Module`` class such as ``nn.ReLU``, or an ``nn.Module`` instance.
NonLinearitySpec = Callable[[torch.Tensor], torch.Tensor] | type[nn.Module] | nn.Module


def make_nonlinearity(non_linear: NonLinearitySpec) -> nn.Module:
    """Turn a nonlinearity given in any of the three accepted forms into a module.

    ``torch.tanh``, ``torch.relu`` and ``torch.sigmoid`` (and their
    ``nn.functional`` twins) become ``nn.Tanh``, ``nn.ReLU`` and
    ``nn.Sigmoid``: the same function, one module call cheaper than a
    wrapper, which matters in a policy's hot path.

    Args:
        non_linear: A function of a tensor (``torch.tanh``), an ``nn.Module``
            class (``nn.ReLU``, instantiated without arguments) or an
            ``nn.Module`` instance (copied, so layers never share one).

    Returns:
        nn.Module: The nonlinearity as a module.

    Raises:
        TypeError: If ``non_linear`` is none of these.

    """
    if isinstance(non_linear, type):
        if not issubclass(non_linear, nn.Module):
            raise _validation.ArgumentTypeError(
                'a nonlinearity given as a class must be an '
                f'nn.Module subclass, not {non_linear!r}'
            )
        return non_linear()
    if isinstance(non_linear, nn.Module):
        return copy.deepcopy(non_linear)
    if not callable(non_linear):
        raise _validation.ArgumentTypeError(
            'a nonlinearity must be a function, an nn.Module '
            f'class or an nn.Module instance, not {non_linear!r}'
        )
    for functions, module_class in _FUNCTION_MODULES:
        if any(non_linear is f for f in functions):
            return module_class()
    return _Function(non_linear)


_FUNCTION_MODULES = (
    ((torch.tanh, nn.functional.tanh), nn.Tanh),
    ((torch.relu, nn.functional.relu), nn.ReLU),
    ((torch.sigmoid, nn.functional.sigmoid), nn.Sigmoid),
)


class _Function(nn.Module):
    """A module applying a plain function of a tensor.

    Args:
        function: The function.

    """

    def __init__(self, function: Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.function = function

    def forward(self, input_value: torch.Tensor) -> torch.Tensor:
        """Apply the function.

        Args:
            input_value: The input tensor.

        Returns:
            torch.Tensor: The output tensor.

        """
        return self.function(input_value)

    def extra_repr(self) -> str:
        """Name the function, which ``nn.Module`` would not show.

        Returns:
            str: The function's name.

        """
        return getattr(self.function, '__name__', repr(self.function))


def per_layer(
    value: Any,
    n_layers: int,
    name: str,
    *,
    is_single: Callable[[Any], bool],
    reference: str,
) -> list:
    """Expand an option given once, or once per layer, to a per-layer list.

    Args:
        value: The option: one value for every layer, or a list or tuple of
            1 or ``n_layers`` values (one value is used for every layer).
        n_layers: The number of layers (or heads).
        name: The option's name, for the error message.
        is_single: Tells whether ``value`` is one value rather than a
            sequence of per-layer values.
        reference: Where ``n_layers`` comes from, for the error message.

    Returns:
        list: One value per layer.

    Raises:
        ValueError: If a sequence of another length is given.

    """
    if is_single(value):
        return [value] * n_layers
    return list(expand_var(name, value, n_layers, reference))


def flatten_observations(
    observations: torch.Tensor, space: Any, name: str = 'observations'
) -> torch.Tensor:
    """Flatten observations that arrive flattened or in the space's shape.

    Args:
        observations: Observations of shape ``(..., flat_dim)`` or
            ``(..., *space.shape)`` (only the first for a ``Dict`` or
            ``Tuple`` space); leading dimensions are batch dimensions.
        space: The akro space the observations come from.
        name: What the tensor is, for the error message.

    Returns:
        torch.Tensor: The observations with shape ``(..., flat_dim)``.

    Raises:
        ValueError: If the observations have neither shape.

    """
    flat_dim = space.flat_dim
    # Dict and Tuple spaces have no shape: their observations come flattened
    shape = tuple(space.shape or ())
    n_dims = len(shape)
    if n_dims > 1 and tuple(observations.shape[-n_dims:]) == shape:
        return observations.reshape(*observations.shape[:-n_dims], flat_dim)
    if observations.dim() >= 1 and observations.shape[-1] == flat_dim:
        return observations
    raise ValueError(
        f'{name} of shape {tuple(observations.shape)} do not '
        f'match their space {space!r}: expected shape (..., '
        f'{flat_dim}) (flattened) or (..., *{shape})'
    )


def inverse_softplus(value: float) -> float:
    """Return the ``rho`` for which ``log(1 + exp(rho))`` equals ``value``.

    Args:
        value: A positive number.

    Returns:
        float: ``log(exp(value) - 1)``.

    """
    # log(exp(v) - 1) = v + log(1 - exp(-v)), which never overflows
    return value + math.log(-math.expm1(-value))


def is_sequence(value: Any) -> bool:
    """Tell whether ``value`` is a list or a tuple.

    Args:
        value: Any value.

    Returns:
        bool: Whether it is a list or a tuple.

    """
    return isinstance(value, Sequence) and not isinstance(value, str)
