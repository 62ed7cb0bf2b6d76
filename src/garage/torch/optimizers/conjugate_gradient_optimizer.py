"""Natural-gradient steps in a trust region, as TRPO takes them."""

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch

from garage import _validation

_HYPERPARAMETERS = (
    'max_constraint_value',
    'cg_iters',
    'max_backtracks',
    'backtrack_ratio',
    'hvp_reg_coeff',
    'accept_violation',
)


@dataclasses.dataclass(frozen=True)
class LineSearchResult:
    """What the backtracking line search of the last step did.

    Attributes:
        n_backtracks: How many times the step was shrunk before the last
            candidate was tried (0 when the full step was the last).
        accepted: Whether the last candidate decreased the loss while
            satisfying the constraint. When False the parameters were
            restored, unless ``accept_violation`` kept the candidate.
        loss_before: The loss before the step.
        loss: The loss at the last candidate.
        constraint: The constraint value at the last candidate.

    """

    n_backtracks: int
    accepted: bool
    loss_before: float
    loss: float
    constraint: float


class ConjugateGradientOptimizer(torch.optim.Optimizer):
    r"""Take natural-gradient steps of bounded constraint value (TRPO).

    `step` solves `H x = g` by conjugate gradient, where
    `g` is the gradient of the loss and `H` the Hessian of the
    constraint (the KL divergence between the old and the new policy, whose
    Hessian is the Fisher information). Products `H v` come from
    differentiating `∇ c · v` a second time (Pearlmutter's
    trick), so `H` is never formed. The step `-β x` is scaled
    so that the quadratic model of the constraint, `½β²
    xᵀ H x`, equals ``max_constraint_value``, then shrunk by
    ``backtrack_ratio`` until the loss decreases and the constraint holds.

    The hyperparameters are stored in every parameter group, so they are
    saved by ``state_dict`` and pickling; all groups must agree on them,
    since the step is taken over all parameters jointly.

    Args:
        params: The parameters to optimize, or dicts defining parameter
            groups.
        max_constraint_value: The bound on the constraint, e.g. the KL step
            size of TRPO.
        cg_iters: Number of conjugate-gradient iterations.
        max_backtracks: Number of step sizes the line search tries: the
            full step and ``max_backtracks - 1`` shrunk ones.
        backtrack_ratio: The factor shrinking the step at each backtrack,
            between 0 and 1.
        hvp_reg_coeff: Added times `v` to each product `H v`,
            to keep `H` positive definite.
        accept_violation: Whether to keep the smallest step when no step
            satisfies the line search, instead of restoring the parameters.

    Raises:
        ValueError: If a hyperparameter is outside its range.

    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        max_constraint_value: float,
        cg_iters: int = 10,
        max_backtracks: int = 15,
        backtrack_ratio: float = 0.8,
        hvp_reg_coeff: float = 1e-5,
        accept_violation: bool = False,
    ):
        _validation.number_in(
            'max_constraint_value', max_constraint_value, 0, low_open=True
        )
        cg_iters = _validation.positive_int('cg_iters', cg_iters)
        max_backtracks = _validation.positive_int('max_backtracks', max_backtracks)
        _validation.number_in(
            'backtrack_ratio', backtrack_ratio, 0, 1, low_open=True, high_open=True
        )
        _validation.number_in('hvp_reg_coeff', hvp_reg_coeff, 0)
        defaults = {
            'max_constraint_value': max_constraint_value,
            'cg_iters': cg_iters,
            'max_backtracks': max_backtracks,
            'backtrack_ratio': backtrack_ratio,
            'hvp_reg_coeff': hvp_reg_coeff,
            'accept_violation': bool(accept_violation),
        }
        super().__init__(params, defaults)
        self.last_line_search: LineSearchResult | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self.last_line_search = None

    def _hyperparameters(self) -> dict[str, Any]:
        first = {name: self.param_groups[0][name] for name in _HYPERPARAMETERS}
        for i, group in enumerate(self.param_groups[1:], start=1):
            other = {name: group[name] for name in _HYPERPARAMETERS}
            if other != first:
                raise ValueError(
                    'ConjugateGradientOptimizer takes one step over all '
                    'parameter groups, so they must share hyperparameters, '
                    f'but group 0 has {first} and group {i} has {other}'
                )
        return first

    def step(  # type: ignore[override]  # garage's API: two closures, not one
        self,
        f_loss: Callable[[], torch.Tensor],
        f_constraint: Callable[[], torch.Tensor],
    ) -> None:
        """Take one natural-gradient step, with a backtracking line search.

        The loss gradient is read from the parameters' ``.grad`` if any is
        set (the usual ``zero_grad``, ``loss.backward()``, ``step`` pattern;
        a parameter without one counts as zero); otherwise it is computed
        from ``f_loss()``. The outcome is kept in `last_line_search`.

        Args:
            f_loss: Computes the loss, a scalar, at the current parameters.
            f_constraint: Computes the constraint value, a scalar, at the
                current parameters (e.g. the mean KL divergence from the
                policy before the step).

        """
        hyper = self._hyperparameters()
        params = [
            p for group in self.param_groups for p in group['params'] if p.requires_grad
        ]
        grads: Sequence[torch.Tensor | None]
        if any(p.grad is not None for p in params):
            grads = [p.grad for p in params]
            loss_before = None
        else:
            loss = f_loss()
            grads = torch.autograd.grad(loss, params, allow_unused=True)
            loss_before = loss.item()
        flat_grad = _flatten(grads, params).detach()
        f_ax = _hessian_vector_product(f_constraint, params, hyper['hvp_reg_coeff'])
        step_dir = _conjugate_gradient(f_ax, flat_grad, hyper['cg_iters'])
        step_dir = torch.nan_to_num(step_dir, nan=0.0)
        curvature = float(torch.dot(step_dir, f_ax(step_dir))) + 1e-8
        # Without positive curvature the quadratic model bounds no step: try
        # the plain one and leave it to the line search.
        step_size = (
            math.sqrt(2 * hyper['max_constraint_value'] / curvature)
            if curvature > 0
            else 1.0
        )
        if loss_before is None:
            with torch.no_grad():
                loss_before = float(f_loss())
        self.last_line_search = self._backtracking_line_search(
            params, step_size * step_dir, f_loss, f_constraint, loss_before, hyper
        )

    @torch.no_grad()
    def _backtracking_line_search(
        self,
        params: Sequence[torch.Tensor],
        descent_step: torch.Tensor,
        f_loss: Callable[[], torch.Tensor],
        f_constraint: Callable[[], torch.Tensor],
        loss_before: float,
        hyper: dict[str, Any],
    ) -> LineSearchResult:
        prev_params = [p.detach().clone() for p in params]
        steps = _unflatten(descent_step, params)
        for n_backtracks in range(hyper['max_backtracks']):
            ratio = hyper['backtrack_ratio'] ** n_backtracks
            for param, prev, step in zip(params, prev_params, steps, strict=True):
                param.copy_(prev - ratio * step)
            loss = float(f_loss())
            constraint = float(f_constraint())
            accepted = (
                loss < loss_before and constraint <= hyper['max_constraint_value']
            )
            if accepted:
                break
        if not accepted and not hyper['accept_violation']:
            for param, prev in zip(params, prev_params, strict=True):
                param.copy_(prev)
        return LineSearchResult(
            n_backtracks=n_backtracks,
            accepted=accepted,
            loss_before=loss_before,
            loss=loss,
            constraint=constraint,
        )


def _flatten(
    tensors: Sequence[torch.Tensor | None], params: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Concatenate tensors shaped like ``params``; None stands for zeros."""
    return torch.cat(
        [
            (torch.zeros_like(p) if t is None else t).reshape(-1)
            for t, p in zip(tensors, params, strict=True)
        ]
    )


def _unflatten(
    vector: torch.Tensor, params: Sequence[torch.Tensor]
) -> list[torch.Tensor]:
    """Cut a flat vector into tensors shaped like ``params``."""
    chunks = vector.split([p.numel() for p in params])
    return [chunk.view_as(p) for chunk, p in zip(chunks, params, strict=True)]


def _hessian_vector_product(
    func: Callable[[], torch.Tensor], params: Sequence[torch.Tensor], reg_coeff: float
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Build ``v -> (H + reg_coeff I) v`` for the Hessian H of ``func``.

    ``func`` is evaluated and differentiated once, keeping the graph of its
    gradient; each product then differentiates ``grad . v`` again.
    """
    grads = torch.autograd.grad(func(), params, create_graph=True, allow_unused=True)
    differentiable = [
        (i, g) for i, g in enumerate(grads) if g is not None and g.requires_grad
    ]

    def _eval(vector: torch.Tensor) -> torch.Tensor:
        if not differentiable:
            return reg_coeff * vector
        pieces = _unflatten(vector, params)
        grad_dot_vector = functools.reduce(
            torch.add, ((g * pieces[i]).sum() for i, g in differentiable)
        )
        hvp = torch.autograd.grad(
            grad_dot_vector, params, retain_graph=True, allow_unused=True
        )
        return _flatten(hvp, params) + reg_coeff * vector

    return _eval


def _conjugate_gradient(
    f_ax: Callable[[torch.Tensor], torch.Tensor],
    b: torch.Tensor,
    cg_iters: int,
    residual_tol: float = 1e-10,
) -> torch.Tensor:
    """Approximately solve ``A x = b`` for a positive-definite ``A``.

    Args:
        f_ax: Computes the product ``A v``.
        b: The right-hand side.
        cg_iters: The maximum number of iterations.
        residual_tol: Stop once the squared residual norm is below it.

    Returns:
        torch.Tensor: The approximate solution ``x``.

    """
    x = torch.zeros_like(b)
    residual = b.clone()
    direction = b.clone()
    residual_sq = torch.dot(residual, residual)
    for _ in range(cg_iters):
        if residual_sq < residual_tol:
            break
        a_direction = f_ax(direction)
        alpha = residual_sq / torch.dot(direction, a_direction)
        x += alpha * direction
        residual -= alpha * a_direction
        new_residual_sq = torch.dot(residual, residual)
        direction = residual + new_residual_sq / residual_sq * direction
        residual_sq = new_residual_sq
    return x
