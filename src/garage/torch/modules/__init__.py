"""PyTorch modules: the networks policies, value and Q-functions are made of."""

from garage.torch.modules.cnn_module import CNNModule
from garage.torch.modules.discrete_cnn_module import DiscreteCNNModule
from garage.torch.modules.gaussian_mlp_module import (
    GaussianMLPBaseModule,
    GaussianMLPIndependentStdModule,
    GaussianMLPModule,
    GaussianMLPTwoHeadedModule,
)
from garage.torch.modules.mlp_module import MLPModule
from garage.torch.modules.multi_headed_mlp_module import MultiHeadedMLPModule

__all__ = [
    'CNNModule',
    'DiscreteCNNModule',
    'GaussianMLPBaseModule',
    'GaussianMLPIndependentStdModule',
    'GaussianMLPModule',
    'GaussianMLPTwoHeadedModule',
    'MLPModule',
    'MultiHeadedMLPModule',
]
