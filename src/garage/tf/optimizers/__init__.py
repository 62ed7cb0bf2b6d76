"""TensorFlow optimizers."""

from garage.tf.optimizers.conjugate_gradient_optimizer import (
    ConjugateGradientOptimizer,
)
from garage.tf.optimizers.first_order_optimizer import FirstOrderOptimizer

__all__ = ['ConjugateGradientOptimizer', 'FirstOrderOptimizer']
