"""A multi-layer perceptron with a shared trunk and several output heads."""

from collections.abc import Callable, Sequence

import torch
from torch import nn

from garage import _validation
from garage.torch.modules._utils import (
    NonLinearitySpec,
    is_sequence,
    make_nonlinearity,
    per_layer,
)

#: An initialiser: a function that fills a parameter tensor in place.
Initializer = Callable[[torch.Tensor], torch.Tensor]


class MultiHeadedMLPModule(nn.Module):
    """A multi-layer perceptron whose hidden layers feed several linear heads.

    Each hidden layer is ``[LayerNorm] -> Linear -> [nonlinearity]``: with
    ``layer_normalization`` the input of every hidden linear layer is
    normalised, as in the original garage. Each head is
    ``Linear -> [nonlinearity]`` on the output of the last hidden layer.
    The hidden layers form one flat ``nn.Sequential`` (``_trunk``) and each
    head is a bare ``nn.Linear`` unless it has a nonlinearity: every
    ``nn.Module`` call costs microseconds in a policy's hot path.

    Per-head options (``output_dims``, ``output_nonlinearities``,
    ``output_w_inits``, ``output_b_inits``) take one value for every head, or
    a list or tuple of ``n_heads`` values, or of one value for every head
    (``output_dims=[2]``).

    A nonlinearity may be a function (``torch.tanh``), an ``nn.Module`` class
    (``nn.ReLU``) or an ``nn.Module`` instance; None means linear.

    Args:
        n_heads: Number of output heads.
        input_dim: Dimension of the input.
        output_dims: Dimension of each head's output.
        hidden_sizes: Size of each hidden layer; empty for none, in which
            case the heads act on the input directly.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearities: Nonlinearity of each head, or None.
        output_w_inits: Initialiser of each head's weights.
        output_b_inits: Initialiser of each head's biases.
        layer_normalization: Whether to normalise the input of each hidden
            layer with ``nn.LayerNorm``.

    Raises:
        ValueError: If ``n_heads`` is not positive, or a per-head option is
            a sequence whose length is neither 1 nor ``n_heads``.

    """

    def __init__(
        self,
        n_heads: int,
        input_dim: int,
        output_dims: int | Sequence[int],
        hidden_sizes: Sequence[int],
        hidden_nonlinearity: NonLinearitySpec | None = torch.relu,
        hidden_w_init: Initializer = nn.init.xavier_normal_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearities: (
            NonLinearitySpec | Sequence[NonLinearitySpec | None] | None
        ) = None,
        output_w_inits: (Initializer | Sequence[Initializer]) = nn.init.xavier_normal_,
        output_b_inits: (Initializer | Sequence[Initializer]) = nn.init.zeros_,
        layer_normalization: bool = False,
    ):
        super().__init__()
        n_heads = _validation.positive_int('n_heads', n_heads)
        output_dims = per_layer(
            output_dims,
            n_heads,
            'output_dims',
            is_single=_is_single,
            reference='n_heads',
        )
        output_nonlinearities = per_layer(
            output_nonlinearities,
            n_heads,
            'output_nonlinearities',
            is_single=_is_single,
            reference='n_heads',
        )
        output_w_inits = per_layer(
            output_w_inits,
            n_heads,
            'output_w_inits',
            is_single=_is_single,
            reference='n_heads',
        )
        output_b_inits = per_layer(
            output_b_inits,
            n_heads,
            'output_b_inits',
            is_single=_is_single,
            reference='n_heads',
        )
        self._input_dim = input_dim
        self._trunk = nn.Sequential(
            *hidden_layers(
                input_dim,
                hidden_sizes,
                hidden_nonlinearity,
                hidden_w_init,
                hidden_b_init,
                layer_normalization,
            )
        )
        prev_size = hidden_sizes[-1] if len(hidden_sizes) else input_dim
        self._heads = nn.ModuleList()
        for output_dim, nonlinearity, w_init, b_init in zip(
            output_dims,
            output_nonlinearities,
            output_w_inits,
            output_b_inits,
            strict=True,
        ):
            head = output_layers(prev_size, output_dim, nonlinearity, w_init, b_init)
            self._heads.append(head[0] if len(head) == 1 else nn.Sequential(*head))

    def forward(self, input_val: torch.Tensor) -> list[torch.Tensor]:
        """Compute every head's output.

        Args:
            input_val: Input of shape ``(..., input_dim)``; any leading
                dimensions are batch dimensions.

        Returns:
            list[torch.Tensor]: One output per head, of shape
                ``(..., output_dim)``.

        Raises:
            ValueError: If the last dimension of the input is not
                ``input_dim``.

        """
        x = self._trunk(check_input(input_val, self._input_dim))
        return [head(x) for head in self._heads]


def check_input(input_val: torch.Tensor, input_dim: int) -> torch.Tensor:
    """Return the input of an MLP, or raise if its last dimension is wrong.

    Args:
        input_val: The input.
        input_dim: The dimension the MLP takes.

    Returns:
        torch.Tensor: ``input_val``.

    Raises:
        ValueError: If the last dimension of the input is not ``input_dim``.

    """
    if input_val.dim() == 0 or input_val.shape[-1] != input_dim:
        raise ValueError(
            f'input of shape {tuple(input_val.shape)} does not '
            f'match the module: expected shape (..., {input_dim})'
        )
    return input_val


def hidden_layers(
    input_dim: int,
    hidden_sizes: Sequence[int],
    nonlinearity: NonLinearitySpec | None,
    w_init: Initializer,
    b_init: Initializer,
    layer_normalization: bool,
) -> list[nn.Module]:
    """The hidden layers of an MLP, flat: ``[LayerNorm], Linear, [act]``.

    Args:
        input_dim: Dimension of the input.
        hidden_sizes: Size of each hidden layer.
        nonlinearity: Nonlinearity of the hidden layers, or None.
        w_init: Initialiser of the weights.
        b_init: Initialiser of the biases.
        layer_normalization: Whether to normalise each linear layer's input.

    Returns:
        list[nn.Module]: The layers, in order.

    """
    layers: list[nn.Module] = []
    prev_size = input_dim
    for size in hidden_sizes:
        if layer_normalization:
            layers.append(nn.LayerNorm(prev_size))
        layers += output_layers(prev_size, size, nonlinearity, w_init, b_init)
        prev_size = size
    return layers


def output_layers(
    in_features: int,
    out_features: int,
    nonlinearity: NonLinearitySpec | None,
    w_init: Initializer,
    b_init: Initializer,
) -> list[nn.Module]:
    """An initialised ``Linear`` layer, followed by its nonlinearity if any.

    Args:
        in_features: Dimension of the input.
        out_features: Dimension of the output.
        nonlinearity: The nonlinearity, or None.
        w_init: Initialiser of the weights.
        b_init: Initialiser of the biases.

    Returns:
        list[nn.Module]: The linear layer, then the nonlinearity.

    """
    linear = nn.Linear(in_features, out_features)
    w_init(linear.weight)
    b_init(linear.bias)
    if nonlinearity is None:
        return [linear]
    return [linear, make_nonlinearity(nonlinearity)]


def _is_single(value) -> bool:
    return not is_sequence(value)
