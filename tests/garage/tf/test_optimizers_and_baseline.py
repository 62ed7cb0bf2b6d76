"""TF optimizers and GaussianMLPBaseline."""

import pickle

import numpy as np
import pytest

tf = pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

from garage.envs import GymEnv  # noqa: E402
from garage.tf.baselines import GaussianMLPBaseline  # noqa: E402
from garage.tf.optimizers import (  # noqa: E402
    ConjugateGradientOptimizer,
    FirstOrderOptimizer,
)

v1 = tf.compat.v1


class _Quadratic:
    """A target with two parameters and a loss ``|x - 3|^2``."""

    def __init__(self):
        self.x = v1.get_variable('x', [2], initializer=v1.zeros_initializer())
        self.value = v1.placeholder(tf.float32, [2])
        self.assign = v1.assign(self.x, self.value)

    def get_params(self):
        return [self.x]

    def get_param_values(self):
        return v1.get_default_session().run(self.x)

    def set_param_values(self, values):
        v1.get_default_session().run(self.assign, {self.value: values})


def test_conjugate_gradient_keeps_the_constraint(graph):
    target = _Quadratic()
    data = v1.placeholder(tf.float32, [None])
    loss = tf.reduce_sum(tf.square(target.x - 3.0)) + 0 * tf.reduce_sum(data)
    constraint = tf.reduce_sum(tf.square(target.x))  # distance from the start
    optimizer = ConjugateGradientOptimizer()
    optimizer.update_opt(loss, target, (constraint, 0.5), [data])
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        before = optimizer.loss([np.zeros(1)])
        optimizer.optimize([np.zeros(1)])
        assert optimizer.loss([np.zeros(1)]) < before
        assert optimizer.constraint_val([np.zeros(1)]) <= 0.5


def test_conjugate_gradient_checks_its_options():
    with pytest.raises(ValueError, match='backtrack_ratio'):
        ConjugateGradientOptimizer(backtrack_ratio=1.0)
    with pytest.raises(ValueError, match='cg_iters'):
        ConjugateGradientOptimizer(cg_iters=0)


def test_first_order_optimizer_minimizes_in_minibatches(graph):
    target = _Quadratic()
    data = v1.placeholder(tf.float32, [None])
    loss = tf.reduce_sum(tf.square(target.x - 3.0)) + 0 * tf.reduce_sum(data)
    optimizer = FirstOrderOptimizer(
        learning_rate=dict(learning_rate=0.1), max_optimization_epochs=50, batch_size=4
    )
    calls = []
    with v1.Session(graph=graph).as_default() as sess:
        optimizer.update_opt(loss, target, [data])
        sess.run(v1.global_variables_initializer())
        optimizer.optimize([np.zeros(16)], callback=lambda **kw: calls.append(kw))
        assert optimizer.loss([np.zeros(16)]) < 1.0
    assert set(calls[0]) == {'loss', 'params', 'itr', 'elapsed'}
    with pytest.raises(ValueError, match='batch_size'):
        FirstOrderOptimizer(batch_size=0)


@pytest.mark.parametrize('use_trust_region', [True, False])
def test_gaussian_mlp_baseline_fits_returns_and_pickles(graph, use_trust_region):
    env = GymEnv('Pendulum-v1')
    baseline = GaussianMLPBaseline(
        env_spec=env.spec,
        hidden_sizes=(16,),
        use_trust_region=use_trust_region,
        optimizer_args=None if use_trust_region else dict(max_optimization_epochs=20),
    )
    rng = np.random.default_rng(0)
    obs = rng.uniform(-1, 1, (200, 3)).astype(np.float32)
    paths = [{'observations': obs, 'returns': 10 * obs[:, 0] + 5}]
    error_before = np.mean((baseline.predict(paths[0]) - paths[0]['returns']) ** 2)
    for _ in range(3):
        baseline.fit(paths)
    predictions = baseline.predict(paths[0])
    assert np.mean((predictions - paths[0]['returns']) ** 2) < error_before
    with tf.Graph().as_default():
        copy = pickle.loads(pickle.dumps(baseline))
        np.testing.assert_allclose(copy.predict(paths[0]), predictions, rtol=1e-5)
