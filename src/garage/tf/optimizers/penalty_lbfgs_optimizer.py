"""Constrained minimization by the penalty method, with L-BFGS."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dowel import logger
from garage.tf.optimizers._base import _flat_gradient
from garage.tf.optimizers.lbfgs_optimizer import _ScipyOptimizer

v1 = tf.compat.v1


class PenaltyLbfgsOptimizer(_ScipyOptimizer):
    """Minimizes a loss under ``constraint <= epsilon`` by the penalty method.

    Each `optimize` minimizes ``loss + penalty * constraint`` with L-BFGS
    (at most ``max_opt_itr`` iterations, from the target's parameters as
    they were when `optimize` was called), for up to ``max_penalty_itr``
    penalties. With ``adapt_penalty``, if the first try violates the
    constraint the penalty is multiplied by ``increase_penalty_factor``
    until a try satisfies it; if the first try satisfies it, the penalty is
    multiplied by ``decrease_penalty_factor`` until a try violates it. The
    penalty stays in ``[min_penalty, max_penalty]`` and is kept for the
    next `optimize`. The target is left at the last try that satisfied
    the constraint, or, if none did, at its parameters before `optimize`.

    Args:
        max_opt_itr: The most L-BFGS iterations of one try.
        initial_penalty: The first penalty.
        min_penalty: The smallest penalty.
        max_penalty: The largest penalty.
        increase_penalty_factor: What the penalty is multiplied by while
            the constraint is violated (above 1).
        decrease_penalty_factor: What it is multiplied by while the
            constraint holds (in (0, 1)).
        max_penalty_itr: The most tries of an `optimize`.
        adapt_penalty: Whether to adapt the penalty (else one try, with
            the current penalty).

    """

    def __init__(
        self,
        max_opt_itr: int = 20,
        initial_penalty: float = 1.0,
        min_penalty: float = 1e-2,
        max_penalty: float = 1e6,
        increase_penalty_factor: float = 2,
        decrease_penalty_factor: float = 0.5,
        max_penalty_itr: int = 10,
        adapt_penalty: bool = True,
    ):
        super().__init__(max_opt_itr)
        self._min_penalty = _validation.number_in('min_penalty', min_penalty, 0.0)
        self._max_penalty = _validation.number_in(
            'max_penalty', max_penalty, self._min_penalty
        )
        self._initial_penalty = _validation.number_in(
            'initial_penalty', initial_penalty, 0.0
        )
        self._penalty = self._initial_penalty
        self._increase_penalty_factor = _validation.number_in(
            'increase_penalty_factor', increase_penalty_factor, 1.0, low_open=True
        )
        self._decrease_penalty_factor = _validation.number_in(
            'decrease_penalty_factor',
            decrease_penalty_factor,
            0.0,
            1.0,
            low_open=True,
            high_open=True,
        )
        self._max_penalty_itr = _validation.positive_int(
            'max_penalty_itr', max_penalty_itr
        )
        self._adapt_penalty = adapt_penalty
        self._max_constraint_val = 0.0
        self._constraint_name = 'constraint'

    @property
    def penalty(self) -> float:
        """The penalty the next `optimize` tries first."""
        return float(self._penalty)

    def update_opt(
        self,
        loss: Any,
        target: Any,
        leq_constraint: tuple[Any, float],
        inputs: Sequence[Any],
        constraint_name: str = 'constraint',
        name: str | None = None,
        extra_inputs: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Build the operations of the optimization.

        Args:
            loss: The scalar loss tensor.
            target: What is optimized: an object with ``get_params()``,
                ``get_param_values()`` and ``set_param_values()``.
            leq_constraint: The constraint tensor and its bound ``epsilon``.
            inputs: The placeholders the loss and constraint depend on.
            constraint_name: The constraint's name, for the log.
            name: The name scope of the operations.
            extra_inputs: More placeholders they depend on.
            **kwargs: Ignored, as in the original.

        """
        del kwargs
        constraint, epsilon = leq_constraint
        with tf.name_scope(name or 'PenaltyLbfgsOptimizer'):
            penalty = v1.placeholder(tf.float32, (), name='penalty')
            penalized_loss = loss + penalty * constraint
            flat_grad = _flat_gradient(penalized_loss, target.get_params())
        self._setup(
            target,
            inputs,
            extra_inputs,
            loss=loss,
            constraint=constraint,
            penalty=penalty,
            penalized_loss=penalized_loss,
            flat_grad=flat_grad,
        )
        self._max_constraint_val = float(epsilon)
        self._constraint_name = constraint_name

    def loss(
        self, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None = None
    ) -> float:
        """The loss, without the penalty; see `LbfgsOptimizer.loss`."""
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
        name: str | None = None,
    ) -> None:
        """Minimize the loss under the constraint for the given input values.

        Args:
            inputs: Values of the input placeholders.
            extra_inputs: Values of the extra input placeholders.
            name: Unused; the original's name scope.

        """
        del name
        session = self._session()
        feed = self._feed(inputs, extra_inputs)
        fetches = [self._ops['penalized_loss'], self._ops['flat_grad']]
        start = np.asarray(self._target.get_param_values(), dtype=np.float64)
        best = start
        try_penalty = float(
            np.clip(self._penalty, self._min_penalty, self._max_penalty)
        )
        scale = None
        for _ in range(self._max_penalty_itr):
            logger.log(f'trying penalty={try_penalty:.3f}...')
            self._target.set_param_values(start)
            penalty_feed = {**feed, self._ops['penalty']: try_penalty}
            params = self._minimize(self._objective(fetches, penalty_feed))
            self._target.set_param_values(params)
            loss, constraint = session.run(
                [self._ops['loss'], self._ops['constraint']], feed
            )
            logger.log(
                f'penalty {try_penalty:f} => loss {loss:f}, '
                f'{self._constraint_name} {constraint:f}'
            )
            satisfied = constraint <= self._max_constraint_val
            if satisfied:
                best = params
            if not self._adapt_penalty:
                break
            if scale is None or np.isnan(constraint):
                # the first try (or a NaN constraint) sets the direction
                scale = (
                    self._decrease_penalty_factor
                    if satisfied
                    else self._increase_penalty_factor
                )
            elif (scale > 1) == satisfied:
                # raised until it holds, or lowered until it breaks
                break
            try_penalty = float(
                np.clip(try_penalty * scale, self._min_penalty, self._max_penalty)
            )
            self._penalty = try_penalty
        self._target.set_param_values(best)
