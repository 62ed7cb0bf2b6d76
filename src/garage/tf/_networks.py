"""Multi-layer perceptrons and action distributions, as graph operations."""

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

#: The original's default weight initializer (Glorot uniform).
GLOROT_UNIFORM = v1.glorot_uniform_initializer()
#: The original's default bias initializer (zeros).
ZEROS = v1.zeros_initializer()

_EPS = 1e-8


class MLP:
    """The variables of a multi-layer perceptron, applied to any input.

    Built inside a variable scope; calling it on a tensor builds the
    layers' operations on it, sharing the variables.

    Args:
        input_dim: The size of the input.
        output_dim: The size of the output.
        hidden_sizes: The sizes of the hidden layers.
        hidden_nonlinearity: The activation of the hidden layers, or None.
        hidden_w_init: The initializer of the hidden layers' weights.
        hidden_b_init: The initializer of the hidden layers' biases.
        output_nonlinearity: The activation of the output, or None.
        output_w_init: The initializer of the output layer's weights.
        output_b_init: The initializer of the output layer's biases.
        layer_normalization: Normalize each hidden layer's activations.
        name: The variable scope of the layers.

    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        hidden_sizes: Sequence[int],
        hidden_nonlinearity: Callable[[Any], Any] | None,
        hidden_w_init: Any,
        hidden_b_init: Any,
        output_nonlinearity: Callable[[Any], Any] | None,
        output_w_init: Any,
        output_b_init: Any,
        layer_normalization: bool = False,
        name: str = 'mlp',
    ):
        self._hidden_nonlinearity = hidden_nonlinearity
        self._output_nonlinearity = output_nonlinearity
        self._layers: list[tuple[Any, Any, tuple[Any, Any] | None]] = []
        sizes = [input_dim, *hidden_sizes]
        with v1.variable_scope(name):
            for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
                with v1.variable_scope(f'hidden_{i}'):
                    norm = None
                    if layer_normalization:
                        norm = (
                            v1.get_variable(
                                'gamma', [n_out], initializer=v1.ones_initializer()
                            ),
                            v1.get_variable('beta', [n_out], initializer=ZEROS),
                        )
                    self._layers.append(
                        (
                            v1.get_variable(
                                'kernel', [n_in, n_out], initializer=hidden_w_init
                            ),
                            v1.get_variable('bias', [n_out], initializer=hidden_b_init),
                            norm,
                        )
                    )
            with v1.variable_scope('output'):
                self._output = (
                    v1.get_variable(
                        'kernel', [sizes[-1], output_dim], initializer=output_w_init
                    ),
                    v1.get_variable('bias', [output_dim], initializer=output_b_init),
                )

    def __call__(self, inputs: Any) -> Any:
        """Apply the network.

        Args:
            inputs: A float tensor of shape ``(N, input_dim)``.

        Returns:
            The output tensor, ``(N, output_dim)``.

        """
        out = inputs
        for kernel, bias, norm in self._layers:
            out = tf.matmul(out, kernel) + bias
            if self._hidden_nonlinearity is not None:
                out = self._hidden_nonlinearity(out)
            if norm is not None:
                mean, variance = tf.nn.moments(out, axes=[-1], keepdims=True)
                out = (out - mean) * tf.math.rsqrt(variance + 1e-12) * norm[0] + norm[1]
        out = tf.matmul(out, self._output[0]) + self._output[1]
        if self._output_nonlinearity is not None:
            out = self._output_nonlinearity(out)
        return out


class Categorical:
    """A categorical distribution given by its probabilities ``'prob'``.

    Args:
        dim: The number of categories.

    """

    dist_info_keys = ('prob',)

    def __init__(self, dim: int):
        self.dim = dim

    def log_likelihood_sym(self, actions: Any, info: dict[str, Any]) -> Any:
        """The log-likelihood of integer actions (a tensor of shape (N,))."""
        picked = tf.gather(info['prob'], tf.cast(actions, tf.int32), batch_dims=1)
        return tf.math.log(picked + _EPS)

    def kl_sym(self, old: dict[str, Any], new: dict[str, Any]) -> Any:
        """KL(old || new), one value per row."""
        p, q = old['prob'], new['prob']
        return tf.reduce_sum(p * (tf.math.log(p + _EPS) - tf.math.log(q + _EPS)), -1)

    def entropy_sym(self, info: dict[str, Any]) -> Any:
        """The entropy, one value per row."""
        p = info['prob']
        return -tf.reduce_sum(p * tf.math.log(p + _EPS), -1)

    @staticmethod
    def sample(info: dict[str, np.ndarray]) -> np.ndarray:
        """Draw one action per row with NumPy's global RNG."""
        probs = info['prob']
        draws = np.random.rand(len(probs), 1)
        return np.minimum(
            (np.cumsum(probs, axis=1) < draws).sum(axis=1), probs.shape[1] - 1
        )

    @staticmethod
    def mode(info: dict[str, np.ndarray]) -> np.ndarray:
        """The most likely action of each row."""
        return np.argmax(info['prob'], axis=1)


class DiagonalGaussian:
    """A Gaussian with diagonal covariance, given by ``'mean'`` and ``'log_std'``.

    Args:
        dim: The dimension.

    """

    dist_info_keys = ('mean', 'log_std')

    def __init__(self, dim: int):
        self.dim = dim

    def log_likelihood_sym(self, actions: Any, info: dict[str, Any]) -> Any:
        """The log-likelihood of actions, one value per row."""
        mean, log_std = info['mean'], info['log_std']
        z = (actions - mean) / tf.exp(log_std)
        return (
            -tf.reduce_sum(log_std, -1)
            - 0.5 * tf.reduce_sum(tf.square(z), -1)
            - 0.5 * self.dim * np.log(2 * np.pi)
        )

    def kl_sym(self, old: dict[str, Any], new: dict[str, Any]) -> Any:
        """KL(old || new), one value per row."""
        old_std, new_std = tf.exp(old['log_std']), tf.exp(new['log_std'])
        numerator = (
            tf.square(old['mean'] - new['mean'])
            + tf.square(old_std)
            - tf.square(new_std)
        )
        denominator = 2 * tf.square(new_std) + _EPS
        return tf.reduce_sum(
            numerator / denominator + new['log_std'] - old['log_std'], -1
        )

    def entropy_sym(self, info: dict[str, Any]) -> Any:
        """The entropy, one value per row."""
        return tf.reduce_sum(info['log_std'] + 0.5 * np.log(2 * np.pi * np.e), -1)

    @staticmethod
    def sample(info: dict[str, np.ndarray]) -> np.ndarray:
        """Draw one action per row with NumPy's global RNG."""
        mean = info['mean']
        return mean + np.exp(info['log_std']) * np.random.normal(size=mean.shape)

    @staticmethod
    def mode(info: dict[str, np.ndarray]) -> np.ndarray:
        """The mean of each row."""
        return info['mean']
