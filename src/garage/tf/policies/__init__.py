"""TensorFlow policies."""

from garage.tf.policies.categorical_mlp_policy import CategoricalMLPPolicy
from garage.tf.policies.gaussian_mlp_policy import GaussianMLPPolicy
from garage.tf.policies.policy import StochasticPolicy

__all__ = ['CategoricalMLPPolicy', 'GaussianMLPPolicy', 'StochasticPolicy']
