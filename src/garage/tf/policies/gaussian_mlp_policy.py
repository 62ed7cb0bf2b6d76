"""A Gaussian policy over continuous actions, computed by an MLP."""

from collections.abc import Callable, Sequence
from typing import Any

import akro
import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dtypes import EnvSpec
from garage.tf._networks import GLOROT_UNIFORM, MLP, ZEROS, DiagonalGaussian
from garage.tf.policies.policy import StochasticPolicy, _action_dim

v1 = tf.compat.v1


class GaussianMLPPolicy(StochasticPolicy):
    """A policy whose MLP gives the mean of a diagonal Gaussian over actions.

    The standard deviation is a learned vector (the default), a second
    output of the same network (``std_share_network``), or the output of a
    network of its own (``adaptive_std``); kept within ``[min_std,
    max_std]``.

    Args:
        env_spec: The specification of the environment (a ``Box`` action
            space).
        name: The name of the variable scope (made unique in the graph).
        hidden_sizes: The sizes of the mean network's hidden layers.
        hidden_nonlinearity: Their activation.
        hidden_w_init: The initializer of their weights.
        hidden_b_init: The initializer of their biases.
        output_nonlinearity: The activation of the mean.
        output_w_init: The initializer of the output layer's weights.
        output_b_init: The initializer of the output layer's biases.
        learn_std: Whether the standard deviation is trained.
        adaptive_std: Whether a network of its own gives the standard
            deviation.
        std_share_network: Whether the mean network gives it too.
        init_std: The initial standard deviation.
        min_std: The smallest standard deviation, or None.
        max_std: The largest standard deviation, or None.
        std_hidden_sizes: The hidden layers of the ``adaptive_std`` network.
        std_hidden_nonlinearity: Their activation.
        std_output_nonlinearity: The activation of its output.
        std_parameterization: How the standard deviation is parameterized:
            ``'exp'`` (the parameter is its log) or ``'softplus'`` (the
            deviation is ``softplus`` of the parameter).
        layer_normalization: Normalize the hidden layers' activations.

    Raises:
        ValueError: If the action space is not a ``Box``, or an option has
            a bad value.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        name: str = 'GaussianMLPPolicy',
        hidden_sizes: Sequence[int] = (32, 32),
        hidden_nonlinearity: Callable[[Any], Any] | None = tf.nn.tanh,
        hidden_w_init: Any = GLOROT_UNIFORM,
        hidden_b_init: Any = ZEROS,
        output_nonlinearity: Callable[[Any], Any] | None = None,
        output_w_init: Any = GLOROT_UNIFORM,
        output_b_init: Any = ZEROS,
        learn_std: bool = True,
        adaptive_std: bool = False,
        std_share_network: bool = False,
        init_std: float = 1.0,
        min_std: float | None = 1e-6,
        max_std: float | None = None,
        std_hidden_sizes: Sequence[int] = (32, 32),
        std_hidden_nonlinearity: Callable[[Any], Any] | None = tf.nn.tanh,
        std_output_nonlinearity: Callable[[Any], Any] | None = None,
        std_parameterization: str = 'exp',
        layer_normalization: bool = False,
    ):
        self._action_dim = _action_dim(env_spec, akro.Box, 'GaussianMLPPolicy')
        self._std_parameterization = _validation.one_of(
            'std_parameterization', std_parameterization, ('exp', 'softplus')
        )
        self._init_std = _validation.number_in('init_std', init_std, 0.0, low_open=True)
        if adaptive_std and std_share_network:
            raise ValueError(
                'adaptive_std=True and std_share_network=True are two '
                'networks for the standard deviation: choose one'
            )
        self._hidden_sizes = tuple(hidden_sizes)
        self._hidden_nonlinearity = hidden_nonlinearity
        self._hidden_w_init = hidden_w_init
        self._hidden_b_init = hidden_b_init
        self._output_nonlinearity = output_nonlinearity
        self._output_w_init = output_w_init
        self._output_b_init = output_b_init
        self._learn_std = learn_std
        self._adaptive_std = adaptive_std
        self._std_share_network = std_share_network
        self._min_std = min_std
        self._max_std = max_std
        self._std_hidden_sizes = tuple(std_hidden_sizes)
        self._std_hidden_nonlinearity = std_hidden_nonlinearity
        self._std_output_nonlinearity = std_output_nonlinearity
        self._layer_normalization = layer_normalization
        self._distribution = DiagonalGaussian(self._action_dim)
        super().__init__(env_spec, name)

    def _std_param(self, std: float) -> float:
        if self._std_parameterization == 'exp':
            return float(np.log(std))
        return float(np.log(np.expm1(std)))

    def _build(self) -> None:
        init = self._std_param(self._init_std)
        dim = self._action_dim
        if self._std_share_network:
            # the last dim outputs are the standard deviation's parameter
            self._tf['mlp'] = MLP(
                self._obs_dim,
                2 * dim,
                self._hidden_sizes,
                self._hidden_nonlinearity,
                self._hidden_w_init,
                self._hidden_b_init,
                None,
                self._output_w_init,
                v1.constant_initializer([0.0] * dim + [init] * dim),
                self._layer_normalization,
            )
        else:
            self._tf['mlp'] = MLP(
                self._obs_dim,
                dim,
                self._hidden_sizes,
                self._hidden_nonlinearity,
                self._hidden_w_init,
                self._hidden_b_init,
                self._output_nonlinearity,
                self._output_w_init,
                self._output_b_init,
                self._layer_normalization,
            )
            if self._adaptive_std:
                self._tf['std_mlp'] = MLP(
                    self._obs_dim,
                    dim,
                    self._std_hidden_sizes,
                    self._std_hidden_nonlinearity,
                    self._hidden_w_init,
                    ZEROS,
                    self._std_output_nonlinearity,
                    self._output_w_init,
                    v1.constant_initializer(init),
                    self._layer_normalization,
                    name='std_mlp',
                )
            else:
                self._tf['std_param'] = v1.get_variable(
                    'std_param',
                    [dim],
                    initializer=v1.constant_initializer(init),
                    trainable=self._learn_std,
                )
        self._build_inputs()

    def dist_info_sym(self, obs_var: Any, name: str | None = None) -> dict[str, Any]:
        """Build ``'mean'`` and ``'log_std'`` for a batch of observations."""
        dim = self._action_dim
        out = self._tf['mlp'](obs_var)
        if self._std_share_network:
            mean, param = out[:, :dim], out[:, dim:]
            if self._output_nonlinearity is not None:
                mean = self._output_nonlinearity(mean)
        elif self._adaptive_std:
            mean, param = out, self._tf['std_mlp'](obs_var)
        else:
            mean = out
            param = tf.zeros_like(mean) + self._tf['std_param']
        if self._std_parameterization == 'exp':
            log_std = param
        else:
            log_std = tf.math.log(tf.nn.softplus(param))
        if self._min_std is not None:
            log_std = tf.maximum(log_std, float(np.log(self._min_std)))
        if self._max_std is not None:
            log_std = tf.minimum(log_std, float(np.log(self._max_std)))
        return {'mean': mean, 'log_std': log_std}
