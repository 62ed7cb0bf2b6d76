"""A baseline that regresses returns with a Gaussian MLP."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dtypes import EnvSpec
from garage.tf._core import GraphObject
from garage.tf._networks import GLOROT_UNIFORM, MLP, ZEROS, DiagonalGaussian
from garage.tf.optimizers import LbfgsOptimizer, PenaltyLbfgsOptimizer

v1 = tf.compat.v1


class GaussianMLPBaseline(GraphObject):
    """Predicts returns with the mean of a Gaussian whose MLP is fitted to them.

    Fitting maximizes the likelihood of the (normalized) returns; with
    ``use_trust_region`` each fit keeps the mean KL divergence from the
    Gaussian before the fit within ``max_kl_step`` (the optimizer's
    constraint).

    Args:
        env_spec: The specification of the environment.
        hidden_sizes: The sizes of the hidden layers.
        hidden_nonlinearity: Their activation.
        hidden_w_init: The initializer of their weights.
        hidden_b_init: The initializer of their biases.
        output_nonlinearity: The activation of the mean.
        output_w_init: The initializer of the output layer's weights.
        output_b_init: The initializer of the output layer's biases.
        optimizer: The optimizer class; None takes
            `PenaltyLbfgsOptimizer` with ``use_trust_region``, else
            `LbfgsOptimizer`.
        optimizer_args: The optimizer's constructor arguments.
        use_trust_region: Bound the KL divergence of each fit.
        max_kl_step: The bound.
        learn_std: Whether the standard deviation is trained.
        init_std: The initial standard deviation.
        adaptive_std: Whether a network of its own gives the standard
            deviation.
        std_share_network: Whether the mean network gives it too.
        std_hidden_sizes: The hidden layers of the ``adaptive_std`` network.
        std_nonlinearity: Their activation.
        layer_normalization: Normalize the hidden layers' activations.
        normalize_inputs: Standardize the observations with the statistics
            of each fit.
        normalize_outputs: Standardize the returns likewise.
        subsample_factor: The share of the samples each fit uses.
        name: The name of the variable scope.

    """

    def __init__(
        self,
        env_spec: EnvSpec,
        hidden_sizes: Sequence[int] = (32, 32),
        hidden_nonlinearity: Callable[[Any], Any] | None = tf.nn.tanh,
        hidden_w_init: Any = GLOROT_UNIFORM,
        hidden_b_init: Any = ZEROS,
        output_nonlinearity: Callable[[Any], Any] | None = None,
        output_w_init: Any = GLOROT_UNIFORM,
        output_b_init: Any = ZEROS,
        optimizer: Any = None,
        optimizer_args: dict[str, Any] | None = None,
        use_trust_region: bool = True,
        max_kl_step: float = 0.01,
        learn_std: bool = True,
        init_std: float = 1.0,
        adaptive_std: bool = False,
        std_share_network: bool = False,
        std_hidden_sizes: Sequence[int] = (32, 32),
        std_nonlinearity: Callable[[Any], Any] | None = None,
        layer_normalization: bool = False,
        normalize_inputs: bool = True,
        normalize_outputs: bool = True,
        subsample_factor: float = 1.0,
        name: str = 'GaussianMLPBaseline',
    ):
        _validation.instance_of('env_spec', env_spec, EnvSpec)
        self._env_spec = env_spec
        self._obs_dim = env_spec.observation_space.flat_dim
        self._hidden_sizes = tuple(hidden_sizes)
        self._hidden_nonlinearity = hidden_nonlinearity
        self._hidden_w_init = hidden_w_init
        self._hidden_b_init = hidden_b_init
        self._output_nonlinearity = output_nonlinearity
        self._output_w_init = output_w_init
        self._output_b_init = output_b_init
        self._use_trust_region = use_trust_region
        self._max_kl_step = _validation.number_in(
            'max_kl_step', max_kl_step, 0.0, low_open=True
        )
        self._learn_std = learn_std
        self._init_std = _validation.number_in('init_std', init_std, 0.0, low_open=True)
        if adaptive_std and std_share_network:
            raise ValueError(
                'adaptive_std=True and std_share_network=True are two '
                'networks for the standard deviation: choose one'
            )
        self._adaptive_std = adaptive_std
        self._std_share_network = std_share_network
        self._std_hidden_sizes = tuple(std_hidden_sizes)
        self._std_nonlinearity = std_nonlinearity
        self._layer_normalization = layer_normalization
        self._normalize_inputs = normalize_inputs
        self._normalize_outputs = normalize_outputs
        self._subsample_factor = _validation.number_in(
            'subsample_factor', subsample_factor, 0.0, 1.0, low_open=True
        )
        if optimizer is None:
            optimizer = PenaltyLbfgsOptimizer if use_trust_region else LbfgsOptimizer
        self._optimizer = optimizer(**(optimizer_args or {}))
        self._distribution = DiagonalGaussian(1)
        super().__init__(name)

    @property
    def env_spec(self) -> EnvSpec:
        """The specification of the environment."""
        return self._env_spec

    def _build(self) -> None:
        log_init = float(np.log(self._init_std))
        mlp_args = (
            self._hidden_sizes,
            self._hidden_nonlinearity,
            self._hidden_w_init,
            self._hidden_b_init,
        )
        if self._std_share_network:
            mlp = MLP(
                self._obs_dim,
                2,
                *mlp_args,
                None,
                self._output_w_init,
                v1.constant_initializer([0.0, log_init]),
                self._layer_normalization,
            )
        else:
            mlp = MLP(
                self._obs_dim,
                1,
                *mlp_args,
                self._output_nonlinearity,
                self._output_w_init,
                self._output_b_init,
                self._layer_normalization,
            )
        std_mlp = None
        log_std_var = None
        if self._adaptive_std:
            std_mlp = MLP(
                self._obs_dim,
                1,
                self._std_hidden_sizes,
                self._std_nonlinearity,
                self._hidden_w_init,
                ZEROS,
                None,
                self._output_w_init,
                v1.constant_initializer(log_init),
                self._layer_normalization,
                name='std_mlp',
            )
        elif not self._std_share_network:
            log_std_var = v1.get_variable(
                'log_std',
                [1],
                initializer=v1.constant_initializer(log_init),
                trainable=self._learn_std,
            )
        stats = {
            key: v1.get_variable(key, shape, initializer=init, trainable=False)
            for key, shape, init in (
                ('x_mean', [1, self._obs_dim], ZEROS),
                ('x_std', [1, self._obs_dim], v1.ones_initializer()),
                ('y_mean', [1, 1], ZEROS),
                ('y_std', [1, 1], v1.ones_initializer()),
            )
        }
        xs = v1.placeholder(tf.float32, [None, self._obs_dim], name='xs')
        ys = v1.placeholder(tf.float32, [None, 1], name='ys')
        old_mean = v1.placeholder(tf.float32, [None, 1], name='old_mean')
        old_log_std = v1.placeholder(tf.float32, [None, 1], name='old_log_std')
        normalized_xs = (xs - stats['x_mean']) / stats['x_std']
        out = mlp(normalized_xs)
        if self._std_share_network:
            mean, log_std = out[:, :1], out[:, 1:]
            if self._output_nonlinearity is not None:
                mean = self._output_nonlinearity(mean)
        elif std_mlp is not None:
            mean, log_std = out, std_mlp(normalized_xs)
        else:
            mean, log_std = out, tf.zeros_like(out) + log_std_var
        info = {'mean': mean, 'log_std': log_std}
        old_info = {'mean': old_mean, 'log_std': old_log_std}
        normalized_ys = (ys - stats['y_mean']) / stats['y_std']
        dist = self._distribution
        loss = -tf.reduce_mean(dist.log_likelihood_sym(normalized_ys, info))
        kl = tf.reduce_mean(dist.kl_sym(old_info, info))
        self._tf.update(
            stats=stats,
            xs=xs,
            ys=ys,
            old_mean=old_mean,
            old_log_std=old_log_std,
            mean=mean,
            log_std=log_std,
            prediction=mean * stats['y_std'] + stats['y_mean'],
            stat_placeholders={
                key: v1.placeholder(tf.float32, var.shape) for key, var in stats.items()
            },
        )
        self._tf['assign_stats'] = tf.group(
            *[
                v1.assign(stats[key], self._tf['stat_placeholders'][key])
                for key in stats
            ]
        )
        self._tf['loss'] = loss
        self._optimizer.update_opt(
            loss=loss,
            target=self,
            leq_constraint=(kl, self._max_kl_step),
            inputs=[xs, ys, old_mean, old_log_std],
        )

    def fit(self, paths: list[dict[str, np.ndarray]]) -> None:
        """Fit the network to the returns of episodes.

        Args:
            paths: The episodes, each with ``'observations'`` and
                ``'returns'``.

        """
        space = self._env_spec.observation_space
        xs = np.concatenate([space.flatten_n(p['observations']) for p in paths])
        ys = np.concatenate([p['returns'] for p in paths]).reshape(-1, 1)
        if self._subsample_factor < 1:
            n = len(xs)
            chosen = np.random.randint(0, n, int(n * self._subsample_factor))
            xs, ys = xs[chosen], ys[chosen]
        values = {
            'x_mean': np.zeros((1, self._obs_dim)),
            'x_std': np.ones((1, self._obs_dim)),
            'y_mean': np.zeros((1, 1)),
            'y_std': np.ones((1, 1)),
        }
        if self._normalize_inputs:
            values['x_mean'] = xs.mean(axis=0, keepdims=True)
            values['x_std'] = xs.std(axis=0, keepdims=True) + 1e-8
        if self._normalize_outputs:
            values['y_mean'] = ys.mean(axis=0, keepdims=True)
            values['y_std'] = ys.std(axis=0, keepdims=True) + 1e-8
        placeholders = self._tf['stat_placeholders']
        self._run(
            self._tf['assign_stats'],
            {placeholders[key]: value for key, value in values.items()},
        )
        old_mean, old_log_std = self._run(
            [self._tf['mean'], self._tf['log_std']], {self._tf['xs']: xs}
        )
        inputs = [xs, ys, old_mean, old_log_std]
        self._optimizer.optimize(inputs)

    def predict(self, paths: dict[str, np.ndarray]) -> np.ndarray:
        """Predict the returns of an episode's steps.

        Args:
            paths: The episode, with ``'observations'``.

        Returns:
            One prediction per observation.

        """
        xs = self._env_spec.observation_space.flatten_n(paths['observations'])
        return self._run(self._tf['prediction'], {self._tf['xs']: xs}).reshape(-1)
