"""TensorFlow baselines."""

from garage.tf.baselines.gaussian_mlp_baseline import GaussianMLPBaseline

__all__ = ['GaussianMLPBaseline']
