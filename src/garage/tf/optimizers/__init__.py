"""TensorFlow optimizers."""

from garage.tf.optimizers.conjugate_gradient_optimizer import (
    ConjugateGradientOptimizer,
)
from garage.tf.optimizers.first_order_optimizer import FirstOrderOptimizer
from garage.tf.optimizers.lbfgs_optimizer import LbfgsOptimizer
from garage.tf.optimizers.penalty_lbfgs_optimizer import PenaltyLbfgsOptimizer

__all__ = [
    'ConjugateGradientOptimizer',
    'FirstOrderOptimizer',
    'LbfgsOptimizer',
    'PenaltyLbfgsOptimizer',
]
