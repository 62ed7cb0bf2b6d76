"""A multi-layer perceptron."""

from collections.abc import Sequence

import torch
from torch import nn

from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.multi_headed_mlp_module import (
    Initializer,
    check_input,
    hidden_layers,
    output_layers,
)


class MLPModule(nn.Module):
    """A multi-layer perceptron.

    Each hidden layer is ``[LayerNorm] -> Linear -> [nonlinearity]``; the
    output layer is ``Linear -> [nonlinearity]``. All of them form one flat
    ``nn.Sequential``, the cheapest structure to call, as a policy does at
    every environment step. A nonlinearity may be a
    function (``torch.relu``), an ``nn.Module`` class (``nn.ReLU``) or an
    ``nn.Module`` instance; None means linear.

    Args:
        input_dim: Dimension of the input.
        output_dim: Dimension of the output.
        hidden_sizes: Size of each hidden layer; empty for none.
        hidden_nonlinearity: Nonlinearity of the hidden layers, or None.
        hidden_w_init: Initialiser of the hidden layers' weights.
        hidden_b_init: Initialiser of the hidden layers' biases.
        output_nonlinearity: Nonlinearity of the output layer, or None.
        output_w_init: Initialiser of the output layer's weights.
        output_b_init: Initialiser of the output layer's biases.
        layer_normalization: Whether to normalise the input of each hidden
            layer with ``nn.LayerNorm``.

    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_sizes: Sequence[int],
        hidden_nonlinearity: NonLinearitySpec | None = torch.relu,
        hidden_w_init: Initializer = nn.init.xavier_normal_,
        hidden_b_init: Initializer = nn.init.zeros_,
        output_nonlinearity: NonLinearitySpec | None = None,
        output_w_init: Initializer = nn.init.xavier_normal_,
        output_b_init: Initializer = nn.init.zeros_,
        layer_normalization: bool = False,
    ):
        super().__init__()
        self._input_dim = input_dim
        self._output_dim = output_dim
        last_hidden = hidden_sizes[-1] if len(hidden_sizes) else input_dim
        self._network = nn.Sequential(
            *hidden_layers(
                input_dim,
                hidden_sizes,
                hidden_nonlinearity,
                hidden_w_init,
                hidden_b_init,
                layer_normalization,
            ),
            *output_layers(
                last_hidden,
                output_dim,
                output_nonlinearity,
                output_w_init,
                output_b_init,
            ),
        )

    @property
    def output_dim(self) -> int:
        """int: Dimension of the output."""
        return self._output_dim

    def forward(self, input_value: torch.Tensor) -> torch.Tensor:
        """Compute the output.

        Args:
            input_value: Input of shape ``(..., input_dim)``; any leading
                dimensions are batch dimensions.

        Returns:
            torch.Tensor: Output of shape ``(..., output_dim)``.

        """
        return self._network(check_input(input_value, self._input_dim))
