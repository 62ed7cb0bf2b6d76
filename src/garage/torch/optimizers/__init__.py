"""Optimizers: a minibatching wrapper, TRPO's and MAML's optimizers."""

from garage.torch.optimizers.conjugate_gradient_optimizer import (
    ConjugateGradientOptimizer,
    LineSearchResult,
)
from garage.torch.optimizers.differentiable_sgd import DifferentiableSGD
from garage.torch.optimizers.optimizer_wrapper import OptimizerWrapper

__all__ = [
    'ConjugateGradientOptimizer',
    'DifferentiableSGD',
    'LineSearchResult',
    'OptimizerWrapper',
]
