"""Natural-gradient steps under a KL constraint (TRPO's optimizer)."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dowel import logger
from garage.tf.optimizers._base import _flat, _flat_gradient, _GraphOptimizer

v1 = tf.compat.v1


def _conjugate_gradient(
    hvp: Callable[[np.ndarray], np.ndarray],
    b: np.ndarray,
    cg_iters: int,
    residual_tol: float = 1e-10,
) -> np.ndarray:
    """Solve ``H x = b`` approximately with the conjugate gradient method."""
    p = b.copy()
    r = b.copy()
    x = np.zeros_like(b)
    rdotr = r.dot(r)
    for _ in range(cg_iters):
        z = hvp(p)
        v = rdotr / p.dot(z)
        x += v * p
        r -= v * z
        new_rdotr = r.dot(r)
        p = r + (new_rdotr / rdotr) * p
        rdotr = new_rdotr
        if rdotr < residual_tol:
            break
    return x


class ConjugateGradientOptimizer(_GraphOptimizer):
    """Minimizes a loss under ``constraint <= epsilon`` with a natural-gradient step.

    The step direction solves ``H s = g`` by conjugate gradient, where
    ``H`` is the Hessian of the constraint (the mean KL divergence), got
    as exact Hessian-vector products (Pearlmutter's method); the step is
    scaled to reach the constraint and shrunk by backtracking until the
    loss falls and the constraint holds.

    Args:
        cg_iters: The number of conjugate gradient iterations.
        reg_coeff: Added times the vector to each Hessian-vector product.
        subsample_factor: The share of the samples the Hessian-vector
            products use, in (0, 1].
        backtrack_ratio: The factor each backtracking step shrinks the step
            by.
        max_backtracks: The most backtracking steps.
        accept_violation: Keep a step that violates the constraint or
            raises the loss (else the parameters are put back).
        hvp_approach: Unused: Hessian-vector products are always exact
            (the original's default, ``PearlmutterHVP``).
        num_slices: Unused: the original's number of slices of the samples.

    """

    def __init__(
        self,
        cg_iters: int = 10,
        reg_coeff: float = 1e-5,
        subsample_factor: float = 1.0,
        backtrack_ratio: float = 0.8,
        max_backtracks: int = 15,
        accept_violation: bool = False,
        hvp_approach: Any = None,
        num_slices: int = 1,
    ):
        self._cg_iters = _validation.positive_int('cg_iters', cg_iters)
        self._reg_coeff = _validation.number_in('reg_coeff', reg_coeff, 0.0)
        self._subsample_factor = _validation.number_in(
            'subsample_factor', subsample_factor, 0.0, 1.0, low_open=True
        )
        self._backtrack_ratio = _validation.number_in(
            'backtrack_ratio', backtrack_ratio, 0.0, 1.0, low_open=True, high_open=True
        )
        self._max_backtracks = _validation.positive_int(
            'max_backtracks', max_backtracks
        )
        self._accept_violation = accept_violation
        self._hvp_approach = hvp_approach
        self._num_slices = num_slices
        super().__init__()
        self._max_constraint_val = 0.0
        self._constraint_name = 'constraint'

    def update_opt(
        self,
        loss: Any,
        target: Any,
        leq_constraint: tuple[Any, float],
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None = None,
        name: str | None = None,
        constraint_name: str = 'constraint',
        **kwargs: Any,
    ) -> None:
        """Build the operations of the optimization.

        Args:
            loss: The scalar loss tensor.
            target: What is optimized: an object with ``get_params()``,
                ``get_param_values()`` and ``set_param_values()``.
            leq_constraint: The constraint tensor and its bound ``epsilon``.
            inputs: The placeholders the loss and constraint depend on.
            extra_inputs: Placeholders that are not subsampled.
            name: The name scope of the operations.
            constraint_name: The constraint's name, for the log.
            **kwargs: Ignored, as in the original.

        """
        del kwargs
        params = target.get_params()
        constraint, epsilon = leq_constraint
        with tf.name_scope(name or 'ConjugateGradientOptimizer'):
            flat_grad = _flat_gradient(loss, params)
            vector = v1.placeholder(tf.float32, [None], name='vector')
            sizes = [int(np.prod(p.shape.as_list())) for p in params]
            parts = [
                tf.reshape(part, p.shape)
                for part, p in zip(tf.split(vector, sizes), params, strict=True)
            ]
            constraint_grads = tf.gradients(constraint, params)
            gvp = tf.add_n(
                [
                    tf.reduce_sum(g * v)
                    for g, v in zip(constraint_grads, parts, strict=True)
                    if g is not None
                ]
            )
            hvp = tf.gradients(gvp, params)
            hvp = [
                tf.zeros_like(p) if h is None else h
                for p, h in zip(params, hvp, strict=True)
            ]
            flat_hvp = _flat(hvp)
        self._setup(
            target,
            inputs,
            extra_inputs,
            loss=loss,
            constraint=constraint,
            flat_grad=flat_grad,
            vector=vector,
            hvp=flat_hvp,
        )
        self._max_constraint_val = float(epsilon)
        self._constraint_name = constraint_name

    def loss(
        self, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None = None
    ) -> float:
        """The loss for the given input values.

        Args:
            inputs: Values of the input placeholders.
            extra_inputs: Values of the extra input placeholders.

        Returns:
            The loss.

        """
        return self._value('loss', inputs, extra_inputs)

    def constraint_val(
        self, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None = None
    ) -> float:
        """The constraint's value for the given input values; see `loss`."""
        return self._value('constraint', inputs, extra_inputs)

    def optimize(
        self,
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None = None,
        subsample_grouped_inputs: Sequence[Sequence[Any]] | None = None,
        name: str | None = None,
    ) -> None:
        """Take one constrained natural-gradient step.

        Args:
            inputs: Values of the input placeholders.
            extra_inputs: Values of the extra input placeholders.
            subsample_grouped_inputs: Groups of inputs subsampled together
                for the Hessian-vector products; None takes ``inputs``.
            name: Unused; the original's name scope.

        """
        del name
        session = self._session()
        feed = self._feed(inputs, extra_inputs)
        loss_before, flat_grad = session.run(
            [self._ops['loss'], self._ops['flat_grad']], feed
        )
        groups = (
            [list(inputs)]
            if subsample_grouped_inputs is None
            else subsample_grouped_inputs
        )
        hvp_inputs: list[Any] = []
        for group in groups:
            n = len(group[0])
            if self._subsample_factor < 1:
                chosen = np.random.choice(
                    n, int(n * self._subsample_factor), replace=False
                )
                hvp_inputs.extend(np.asarray(x)[chosen] for x in group)
            else:
                hvp_inputs.extend(group)
        hvp_feed = self._feed(hvp_inputs, extra_inputs)

        def hvp(vector: np.ndarray) -> np.ndarray:
            product = session.run(
                self._ops['hvp'], {**hvp_feed, self._ops['vector']: vector}
            )
            return product + self._reg_coeff * vector

        direction = _conjugate_gradient(hvp, flat_grad, self._cg_iters)
        curvature = direction.dot(hvp(direction))
        initial_step_size = np.sqrt(
            2.0 * self._max_constraint_val * (1.0 / (curvature + 1e-8))
        )
        if np.isnan(initial_step_size):
            initial_step_size = 1.0
        descent_step = initial_step_size * direction
        previous = np.copy(self._target.get_param_values())
        loss, constraint = loss_before, 0.0
        for ratio in self._backtrack_ratio ** np.arange(self._max_backtracks):
            self._target.set_param_values(previous - ratio * descent_step)
            loss, constraint = session.run(
                [self._ops['loss'], self._ops['constraint']], feed
            )
            if loss < loss_before and constraint <= self._max_constraint_val:
                break
        failed = (
            np.isnan(loss)
            or np.isnan(constraint)
            or loss >= loss_before
            or constraint >= self._max_constraint_val
        )
        if failed and not self._accept_violation:
            if np.isnan(loss):
                logger.log('Line search violated because loss is NaN')
            if np.isnan(constraint):
                logger.log(
                    f'Line search violated because {self._constraint_name} is NaN'
                )
            if loss >= loss_before:
                logger.log('Line search violated because loss not improving')
            if constraint >= self._max_constraint_val:
                logger.log(
                    f'Line search violated because {self._constraint_name} is violated'
                )
            self._target.set_param_values(previous)
