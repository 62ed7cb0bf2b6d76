"""A multi-layer perceptron with a shared trunk and several output heads."""

from collections.abc import Callable, Sequence

import torch
from torch import nn

from garage.torch.modules._utils import (
    NonLinearity,
    NonLinearitySpec,
    is_sequence,
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

    Per-head options (``output_dims``, ``output_nonlinearities``,
    ``output_w_inits``, ``output_b_inits``) take one value for every head, or
    a list or tuple of exactly ``n_heads`` values.

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
            a sequence whose length is not ``n_heads``.

    """

    def __init__(self,
                 n_heads: int,
                 input_dim: int,
                 output_dims: int | Sequence[int],
                 hidden_sizes: Sequence[int],
                 hidden_nonlinearity: NonLinearitySpec | None = torch.relu,
                 hidden_w_init: Initializer = nn.init.xavier_normal_,
                 hidden_b_init: Initializer = nn.init.zeros_,
                 output_nonlinearities: (
                     NonLinearitySpec
                     | Sequence[NonLinearitySpec | None]
                     | None) = None,
                 output_w_inits: (
                     Initializer | Sequence[Initializer]) = nn.init.xavier_normal_,
                 output_b_inits: (
                     Initializer | Sequence[Initializer]) = nn.init.zeros_,
                 layer_normalization: bool = False):
        super().__init__()
        if n_heads < 1:
            raise ValueError(f'n_heads must be at least 1, not {n_heads!r}')
        output_dims = per_layer(output_dims, n_heads, 'output_dims',
                                is_single=_is_single, unit='head')
        output_nonlinearities = per_layer(
            output_nonlinearities, n_heads, 'output_nonlinearities',
            is_single=_is_single, unit='head')
        output_w_inits = per_layer(output_w_inits, n_heads, 'output_w_inits',
                                   is_single=_is_single, unit='head')
        output_b_inits = per_layer(output_b_inits, n_heads, 'output_b_inits',
                                   is_single=_is_single, unit='head')
        self._input_dim = input_dim
        self._layers = nn.ModuleList()
        prev_size = input_dim
        for size in hidden_sizes:
            hidden_layer = nn.Sequential()
            if layer_normalization:
                hidden_layer.add_module('layer_normalization',
                                        nn.LayerNorm(prev_size))
            linear = nn.Linear(prev_size, size)
            hidden_w_init(linear.weight)
            hidden_b_init(linear.bias)
            hidden_layer.add_module('linear', linear)
            if hidden_nonlinearity is not None:
                hidden_layer.add_module('non_linearity',
                                        NonLinearity(hidden_nonlinearity))
            self._layers.append(hidden_layer)
            prev_size = size
        self._output_layers = nn.ModuleList()
        for output_dim, nonlinearity, w_init, b_init in zip(
                output_dims, output_nonlinearities, output_w_inits,
                output_b_inits, strict=True):
            output_layer = nn.Sequential()
            linear = nn.Linear(prev_size, output_dim)
            w_init(linear.weight)
            b_init(linear.bias)
            output_layer.add_module('linear', linear)
            if nonlinearity is not None:
                output_layer.add_module('non_linearity',
                                        NonLinearity(nonlinearity))
            self._output_layers.append(output_layer)

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
        if input_val.dim() == 0 or input_val.shape[-1] != self._input_dim:
            raise ValueError(f'input of shape {tuple(input_val.shape)} does '
                             f'not match the module: expected shape '
                             f'(..., {self._input_dim})')
        x = input_val
        for layer in self._layers:
            x = layer(x)
        return [output_layer(x) for output_layer in self._output_layers]


def _is_single(value) -> bool:
    return not is_sequence(value)
