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
    LbfgsOptimizer,
    PenaltyLbfgsOptimizer,
)

v1 = tf.compat.v1

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


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


def _least_squares(target):
    """``|A x - b|^2`` over batches of rows: the optimum is x = (1, -2)."""
    a = v1.placeholder(tf.float32, [None, 2])
    b = v1.placeholder(tf.float32, [None])
    loss = tf.reduce_mean(tf.square(tf.linalg.matvec(a, target.x) - b))
    rng = np.random.default_rng(1)
    a_values = rng.normal(size=(50, 2)).astype(np.float32)
    b_values = a_values @ np.array([1.0, -2.0], dtype=np.float32)
    return loss, [a, b], [a_values, b_values]


def test_lbfgs_optimizer_reaches_the_least_squares_optimum(graph):
    target = _Quadratic()
    loss, inputs, values = _least_squares(target)
    calls = []
    optimizer = LbfgsOptimizer(callback=calls.append)
    optimizer.update_opt(loss, target, inputs[:1], extra_inputs=inputs[1:])
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        before = optimizer.loss(values[:1], values[1:])
        optimizer.optimize(values[:1], extra_inputs=values[1:])
        np.testing.assert_allclose(target.get_param_values(), [1.0, -2.0], atol=1e-4)
        assert optimizer.loss(values[:1], values[1:]) < 1e-7 < before
    assert [c['itr'] for c in calls] == list(range(len(calls)))
    assert 0 < len(calls) <= 20
    assert set(calls[0]) == {'loss', 'params', 'itr', 'elapsed'}
    assert calls[-1]['loss'] < calls[0]['loss']


def test_lbfgs_optimizer_stops_after_max_opt_itr(graph):
    target = _Quadratic()
    loss, inputs, values = _least_squares(target)
    calls = []
    optimizer = LbfgsOptimizer(max_opt_itr=1, callback=calls.append)
    optimizer.update_opt(loss, target, inputs)
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        optimizer.optimize(values)
        assert len(calls) == 1
        assert optimizer.loss(values) > 1e-3


def test_lbfgs_optimizers_check_their_options_and_setup(graph):
    with pytest.raises(ValueError, match='max_opt_itr'):
        LbfgsOptimizer(max_opt_itr=0)
    with pytest.raises(ValueError, match='increase_penalty_factor'):
        PenaltyLbfgsOptimizer(increase_penalty_factor=0.5)
    with pytest.raises(ValueError, match='decrease_penalty_factor'):
        PenaltyLbfgsOptimizer(decrease_penalty_factor=1.0)
    with pytest.raises(ValueError, match='max_penalty'):
        PenaltyLbfgsOptimizer(min_penalty=1.0, max_penalty=0.1)
    with pytest.raises(RuntimeError, match='update_opt'):
        LbfgsOptimizer().optimize([])


def _constrained(target):
    """Minimize ``|x - 3|^2`` under ``|x|^2 <= 1.5``: the optimum is 0.866 (1, 1)."""
    data = v1.placeholder(tf.float32, [None])
    loss = tf.reduce_sum(tf.square(target.x - 3.0)) + 0 * tf.reduce_sum(data)
    constraint = tf.reduce_sum(tf.square(target.x))
    return loss, constraint, data


@pytest.mark.parametrize('initial_penalty', [1.0, 1000.0])
def test_penalty_lbfgs_ends_near_the_constraint_boundary(graph, initial_penalty):
    target = _Quadratic()
    loss, constraint, data = _constrained(target)
    optimizer = PenaltyLbfgsOptimizer(initial_penalty=initial_penalty)
    optimizer.update_opt(loss, target, (constraint, 1.5), [data], 'norm')
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        optimizer.optimize([np.zeros(1)])
        value = optimizer.constraint_val([np.zeros(1)])
        # penalty p gives x = 3 / (1 + p) (1, 1), on the boundary at
        # p = 2.46; adapting by factors of 2 ends within a factor 2 of it
        assert 1.5 / 4 < value <= 1.5
        x = target.get_param_values()
        assert x[0] == pytest.approx(x[1], abs=1e-4)
        assert 0.5 < x[0] <= np.sqrt(0.75)
    if initial_penalty > 1:
        # satisfied at first: lowered (1000, 500, ..., 3.9) until the
        # constraint breaks (1.95)
        assert optimizer.penalty == pytest.approx(1000 / 2**9)
        assert x[0] == pytest.approx(3 / (1 + 1000 / 2**8), abs=1e-4)
    else:
        # violated at first: raised (1, 2) until it holds (4)
        assert optimizer.penalty == 4.0
        assert x[0] == pytest.approx(3 / 5, abs=1e-4)


def test_penalty_lbfgs_adapts_only_when_asked(graph):
    target = _Quadratic()
    loss, constraint, data = _constrained(target)
    optimizer = PenaltyLbfgsOptimizer(initial_penalty=1.0, adapt_penalty=False)
    optimizer.update_opt(loss, target, (constraint, 1.5), [data])
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        optimizer.optimize([np.zeros(1)])
        # the one try, x = (1.5, 1.5), violates the bound: the start is kept
        np.testing.assert_array_equal(target.get_param_values(), [0.0, 0.0])
        assert optimizer.penalty == 1.0


def test_penalty_lbfgs_keeps_the_penalty_through_pickling(graph):
    target = _Quadratic()
    loss, constraint, data = _constrained(target)
    optimizer = PenaltyLbfgsOptimizer(initial_penalty=0.1)
    optimizer.update_opt(loss, target, (constraint, 1.5), [data])
    with v1.Session(graph=graph).as_default() as sess:
        sess.run(v1.global_variables_initializer())
        optimizer.optimize([np.zeros(1)])
    copy = pickle.loads(pickle.dumps(optimizer))
    assert copy.penalty == optimizer.penalty != 0.1
    assert copy._ops == {}
    assert copy._target is None


@pytest.mark.parametrize(
    ('use_trust_region', 'optimizer_cls'),
    [(True, PenaltyLbfgsOptimizer), (False, LbfgsOptimizer)],
)
def test_gaussian_mlp_baseline_fits_returns_and_pickles(
    graph, monkeypatch, use_trust_region, optimizer_cls
):
    env = GymEnv('Pendulum-v1')
    baseline = GaussianMLPBaseline(
        env_spec=env.spec, hidden_sizes=(16,), use_trust_region=use_trust_region
    )
    optimizer = baseline._optimizer
    assert type(optimizer) is optimizer_cls
    fits = []
    optimize = optimizer.optimize

    def recorded(inputs, *args, **kwargs):
        before = optimizer.loss(inputs)
        optimize(inputs, *args, **kwargs)
        kl = optimizer.constraint_val(inputs) if use_trust_region else 0.0
        fits.append((before, optimizer.loss(inputs), kl))

    monkeypatch.setattr(optimizer, 'optimize', recorded)
    rng = np.random.default_rng(0)
    obs = rng.uniform(-1, 1, (200, 3)).astype(np.float32)
    paths = [{'observations': obs, 'returns': 10 * obs[:, 0] + 5}]
    for _ in range(3):
        baseline.fit(paths)
    predictions = baseline.predict(paths[0])
    for loss_before, loss_after, kl in fits:
        assert loss_after < loss_before
        # the KL divergence from the Gaussian before the fit
        assert 0 <= kl <= 0.01
    if use_trust_region:
        assert fits[0][2] > 0
    else:
        # unconstrained, L-BFGS fits the line closely
        error = np.mean((predictions - paths[0]['returns']) ** 2)
        assert error < 0.05 * np.var(paths[0]['returns'])
    monkeypatch.undo()  # the recording closure does not pickle
    with tf.Graph().as_default():
        copy = pickle.loads(pickle.dumps(baseline))
        np.testing.assert_allclose(copy.predict(paths[0]), predictions, rtol=1e-5)
    if use_trust_region:
        assert copy._optimizer.penalty == baseline._optimizer.penalty
