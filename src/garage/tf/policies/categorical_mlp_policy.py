"""A categorical policy over discrete actions, computed by an MLP."""

from collections.abc import Callable, Sequence
from typing import Any

import akro
import tensorflow as tf

from garage._dtypes import EnvSpec
from garage.tf._networks import GLOROT_UNIFORM, MLP, ZEROS, Categorical
from garage.tf.policies.policy import StochasticPolicy, _action_dim


class CategoricalMLPPolicy(StochasticPolicy):
    """A policy whose MLP gives the probabilities of discrete actions.

    Args:
        env_spec: The specification of the environment (a ``Discrete``
            action space).
        name: The name of the variable scope (made unique in the graph).
        hidden_sizes: The sizes of the hidden layers.
        hidden_nonlinearity: The activation of the hidden layers.
        hidden_w_init: The initializer of the hidden layers' weights.
        hidden_b_init: The initializer of the hidden layers' biases.
        output_nonlinearity: The output activation, which gives the
            probabilities.
        output_w_init: The initializer of the output layer's weights.
        output_b_init: The initializer of the output layer's biases.
        layer_normalization: Normalize the hidden layers' activations.

    Raises:
        ValueError: If the action space is not ``Discrete``.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        name: str = 'CategoricalMLPPolicy',
        hidden_sizes: Sequence[int] = (32, 32),
        hidden_nonlinearity: Callable[[Any], Any] | None = tf.nn.tanh,
        hidden_w_init: Any = GLOROT_UNIFORM,
        hidden_b_init: Any = ZEROS,
        output_nonlinearity: Callable[[Any], Any] | None = tf.nn.softmax,
        output_w_init: Any = GLOROT_UNIFORM,
        output_b_init: Any = ZEROS,
        layer_normalization: bool = False,
    ):
        self._n_actions = _action_dim(env_spec, akro.Discrete, 'CategoricalMLPPolicy')
        self._hidden_sizes = tuple(hidden_sizes)
        self._hidden_nonlinearity = hidden_nonlinearity
        self._hidden_w_init = hidden_w_init
        self._hidden_b_init = hidden_b_init
        self._output_nonlinearity = output_nonlinearity
        self._output_w_init = output_w_init
        self._output_b_init = output_b_init
        self._layer_normalization = layer_normalization
        self._distribution = Categorical(self._n_actions)
        super().__init__(env_spec, name)

    def _build(self) -> None:
        self._tf['mlp'] = MLP(
            self._obs_dim,
            self._n_actions,
            self._hidden_sizes,
            self._hidden_nonlinearity,
            self._hidden_w_init,
            self._hidden_b_init,
            self._output_nonlinearity,
            self._output_w_init,
            self._output_b_init,
            self._layer_normalization,
        )
        self._build_inputs()

    def dist_info_sym(self, obs_var: Any, name: str | None = None) -> dict[str, Any]:
        """Build the action probabilities ``'prob'`` of a batch of observations."""
        return {'prob': self._tf['mlp'](obs_var)}
