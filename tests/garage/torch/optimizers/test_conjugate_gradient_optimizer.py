import pickle

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, kl_divergence

from garage.torch.optimizers import (
    ConjugateGradientOptimizer,
    LineSearchResult,
    OptimizerWrapper,
)

X0 = np.array([0.5, -0.2, 1.0])
A = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, -0.2], [0.0, -0.2, 0.5]])
G = np.array([1.0, -2.0, 0.5])


def make_problem(**kwargs):
    """Linear loss g.x in the ellipsoid 0.5 (x - x0)' A (x - x0) <= delta."""
    x = torch.tensor(X0, requires_grad=True)
    a, g, x0 = torch.tensor(A), torch.tensor(G), torch.tensor(X0)

    def f_loss():
        return g @ x

    def f_constraint():
        d = x - x0
        return 0.5 * d @ a @ d

    optimizer = ConjugateGradientOptimizer([x], **kwargs)
    return x, optimizer, f_loss, f_constraint


def trust_region_step(delta, reg=0.0):
    """The analytic solution: -sqrt(2 delta / g'H^-1 g) H^-1 g."""
    direction = np.linalg.solve(A + reg * np.eye(3), G)
    curvature = direction @ (A + reg * np.eye(3)) @ direction
    return -np.sqrt(2 * delta / (curvature + 1e-8)) * direction


class TestQuadraticProblem:
    @pytest.mark.parametrize('backward_first', [True, False])
    def test_solves_the_trust_region_problem(self, backward_first):
        x, optimizer, f_loss, f_constraint = make_problem(
            max_constraint_value=0.01, cg_iters=3, hvp_reg_coeff=0.0
        )
        if backward_first:
            f_loss().backward()
        optimizer.step(f_loss, f_constraint)
        np.testing.assert_allclose(
            x.detach().numpy(), X0 + trust_region_step(0.01), rtol=1e-9
        )
        result = optimizer.last_line_search
        assert result.accepted
        assert result.n_backtracks == 0
        assert result.loss_before == pytest.approx(G @ X0)
        assert result.loss == pytest.approx(f_loss().item())
        assert result.constraint == pytest.approx(0.01, rel=1e-6)
        assert result.constraint <= 0.01

    def test_regularisation_and_few_iterations_stay_close(self):
        x, optimizer, f_loss, f_constraint = make_problem(max_constraint_value=0.05)
        optimizer.step(f_loss, f_constraint)
        np.testing.assert_allclose(
            x.detach().numpy(), X0 + trust_region_step(0.05, reg=1e-5), rtol=1e-6
        )

    def test_backtracks_when_the_full_step_overshoots(self):
        x = torch.tensor(X0, requires_grad=True)
        target = torch.tensor(X0 - 0.2 * G)
        x0 = torch.tensor(X0)

        def f_loss():
            return 50 * ((x - target) ** 2).sum()

        def f_constraint():
            return 0.5 * ((x - x0) ** 2).sum()

        optimizer = ConjugateGradientOptimizer(
            [x], max_constraint_value=1.0, hvp_reg_coeff=0.0
        )
        optimizer.step(f_loss, f_constraint)
        result = optimizer.last_line_search
        assert result.accepted
        assert result.n_backtracks > 0
        assert result.loss < result.loss_before
        # the step is the full step (length sqrt(2)) shrunk n times by 0.8
        length = np.linalg.norm(x.detach().numpy() - X0)
        assert length == pytest.approx(np.sqrt(2) * 0.8**result.n_backtracks)

    def test_rejects_a_step_that_violates_the_constraint(self):
        x = torch.tensor(X0, requires_grad=True)
        x0 = torch.tensor(X0)

        def f_loss():
            return torch.tensor(G) @ x

        def f_constraint():
            # quadratic at x0, but the quartic term breaks every candidate
            squared = ((x - x0) ** 2).sum()
            return 0.5 * squared + 1e10 * squared**2

        optimizer = ConjugateGradientOptimizer(
            [x], max_constraint_value=0.01, max_backtracks=5
        )
        optimizer.step(f_loss, f_constraint)
        result = optimizer.last_line_search
        assert not result.accepted
        assert result.n_backtracks == 4
        assert result.loss < result.loss_before
        assert result.constraint > 0.01
        np.testing.assert_array_equal(x.detach().numpy(), X0)

    def test_accept_violation_keeps_the_smallest_step(self):
        x = torch.tensor(X0, requires_grad=True)
        x0 = torch.tensor(X0)

        def f_loss():
            return torch.tensor(G) @ x

        def f_constraint():
            squared = ((x - x0) ** 2).sum()
            return 0.5 * squared + 1e10 * squared**2

        optimizer = ConjugateGradientOptimizer(
            [x],
            max_constraint_value=0.01,
            max_backtracks=5,
            accept_violation=True,
            hvp_reg_coeff=0.0,
        )
        optimizer.step(f_loss, f_constraint)
        assert not optimizer.last_line_search.accepted
        full_step = -np.sqrt(2 * 0.01 / (G @ G + 1e-8)) * G
        np.testing.assert_allclose(x.detach().numpy(), X0 + 0.8**4 * full_step)

    def test_zero_gradient_takes_no_step(self):
        x, optimizer, _, f_constraint = make_problem(max_constraint_value=0.01)
        optimizer.step(lambda: (x * 0).sum(), f_constraint)
        assert not optimizer.last_line_search.accepted
        np.testing.assert_array_equal(x.detach().numpy(), X0)


def test_trpo_step_on_a_categorical_policy():
    torch.manual_seed(0)
    policy = torch.nn.Linear(4, 3)
    obs = torch.randn(64, 4)
    actions = torch.randint(0, 3, (64,))
    advantages = torch.randn(64)
    with torch.no_grad():
        old_dist = Categorical(logits=policy(obs))
        old_log_prob = old_dist.log_prob(actions)

    def f_loss():
        ratio = torch.exp(
            Categorical(logits=policy(obs)).log_prob(actions) - old_log_prob
        )
        return -(ratio * advantages).mean()

    def f_constraint():
        return kl_divergence(old_dist, Categorical(logits=policy(obs))).mean()

    wrapper = OptimizerWrapper(
        (ConjugateGradientOptimizer, {'max_constraint_value': 0.01}), policy
    )
    wrapper.zero_grad()
    loss_before = f_loss()
    loss_before.backward()
    wrapper.step(f_loss=f_loss, f_constraint=f_constraint)
    result = wrapper.optimizer.last_line_search
    assert result.accepted
    with torch.no_grad():
        assert f_loss() < loss_before
        assert 0 < f_constraint() <= 0.01


class TestState:
    def test_hyperparameters_survive_state_dict(self):
        x, optimizer, _, _ = make_problem(
            max_constraint_value=0.2,
            cg_iters=4,
            max_backtracks=3,
            backtrack_ratio=0.5,
            hvp_reg_coeff=0.1,
            accept_violation=True,
        )
        other = ConjugateGradientOptimizer([x], max_constraint_value=0.01)
        other.load_state_dict(optimizer.state_dict())
        group = other.param_groups[0]
        assert group['max_constraint_value'] == 0.2
        assert group['cg_iters'] == 4
        assert group['max_backtracks'] == 3
        assert group['backtrack_ratio'] == 0.5
        assert group['hvp_reg_coeff'] == 0.1
        assert group['accept_violation'] is True

    def test_loaded_hyperparameters_are_used(self):
        x, optimizer, f_loss, f_constraint = make_problem(
            max_constraint_value=0.05, cg_iters=3, hvp_reg_coeff=0.0
        )
        fresh = ConjugateGradientOptimizer([x], max_constraint_value=0.01)
        fresh.load_state_dict(optimizer.state_dict())
        fresh.step(f_loss, f_constraint)
        np.testing.assert_allclose(
            x.detach().numpy(), X0 + trust_region_step(0.05), rtol=1e-9
        )

    def test_pickle_round_trip(self):
        x, optimizer, f_loss, f_constraint = make_problem(
            max_constraint_value=0.03, cg_iters=3, hvp_reg_coeff=0.0
        )
        optimizer.step(f_loss, f_constraint)
        x, clone = pickle.loads(pickle.dumps((x, optimizer)))
        assert clone.last_line_search is None
        assert clone.state_dict() == optimizer.state_dict()
        assert clone.param_groups[0]['params'][0] is x
        start = x.detach().numpy().copy()
        a, g = torch.tensor(A), torch.tensor(G)
        x0 = torch.tensor(start)
        clone.step(lambda: g @ x, lambda: 0.5 * (x - x0) @ a @ (x - x0))
        assert clone.last_line_search.accepted
        np.testing.assert_allclose(
            x.detach().numpy(), start + trust_region_step(0.03), rtol=1e-9
        )

    def test_groups_with_different_hyperparameters_raise(self):
        x = torch.zeros(2, requires_grad=True)
        y = torch.zeros(2, requires_grad=True)
        optimizer = ConjugateGradientOptimizer(
            [{'params': [x]}, {'params': [y], 'cg_iters': 5}], max_constraint_value=0.01
        )
        with pytest.raises(
            ValueError,
            match=r'they must share hyperparameters, '
            r"but group 0 has .*'cg_iters': 10.* and group 1 has "
            r".*'cg_iters': 5",
        ):
            optimizer.step(lambda: (x + y).sum(), lambda: (x**2 + y**2).sum())


def test_line_search_result_is_frozen():
    result = LineSearchResult(
        n_backtracks=0, accepted=True, loss_before=1.0, loss=0.5, constraint=0.01
    )
    with pytest.raises(AttributeError):
        result.accepted = False


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        (
            {'max_constraint_value': 0.0},
            r'^max_constraint_value must be a number in \(0, inf\], got 0.0$',
        ),
        ({'cg_iters': 0}, r'^cg_iters must be a positive integer, got 0$'),
        ({'cg_iters': True}, r'^cg_iters must be a positive integer, got True$'),
        (
            {'max_backtracks': 2.5},
            r'^max_backtracks must be a positive integer, got 2.5$',
        ),
        (
            {'backtrack_ratio': 1.0},
            r'^backtrack_ratio must be a number in \(0, 1\), got 1.0$',
        ),
        (
            {'hvp_reg_coeff': -1e-3},
            r'^hvp_reg_coeff must be a number in \[0, inf\], got -0.001$',
        ),
    ],
)
def test_bad_hyperparameters_raise(kwargs, message):
    kwargs = {'max_constraint_value': 0.01, **kwargs}
    with pytest.raises(ValueError, match=message):
        ConjugateGradientOptimizer([torch.zeros(1, requires_grad=True)], **kwargs)
