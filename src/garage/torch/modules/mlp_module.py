"""A multi-layer perceptron."""

from collections.abc import Sequence

import torch
from torch import nn

from garage.torch.modules._utils import NonLinearitySpec
from garage.torch.modules.multi_headed_mlp_module import (
    Initializer,
    MultiHeadedMLPModule,
)


class MLPModule(MultiHeadedMLPModule):
    """A multi-layer perceptron: the one-headed :class:`MultiHeadedMLPModule`.

    Each hidden layer is ``[LayerNorm] -> Linear -> [nonlinearity]``; the
    output layer is ``Linear -> [nonlinearity]``. A nonlinearity may be a
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

    def __init__(self,
                 input_dim: int,
                 output_dim: int,
                 hidden_sizes: Sequence[int],
                 hidden_nonlinearity: NonLinearitySpec | None = torch.relu,
                 hidden_w_init: Initializer = nn.init.xavier_normal_,
                 hidden_b_init: Initializer = nn.init.zeros_,
                 output_nonlinearity: NonLinearitySpec | None = None,
                 output_w_init: Initializer = nn.init.xavier_normal_,
                 output_b_init: Initializer = nn.init.zeros_,
                 layer_normalization: bool = False):
        super().__init__(1, input_dim, output_dim, hidden_sizes,
                         hidden_nonlinearity, hidden_w_init, hidden_b_init,
                         output_nonlinearity, output_w_init, output_b_init,
                         layer_normalization)
        self._output_dim = output_dim

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
        return super().forward(input_value)[0]
