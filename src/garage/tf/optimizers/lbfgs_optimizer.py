"""Unconstrained minimization with SciPy's L-BFGS-B."""

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.optimize
import tensorflow as tf

from garage import _validation
from garage.tf.optimizers._base import _flat_gradient, _GraphOptimizer


class _ScipyOptimizer(_GraphOptimizer):
    """What the L-BFGS optimizers share: the run of SciPy's L-BFGS-B."""

    def __init__(self, max_opt_itr: int):
        super().__init__()
        self._max_opt_itr = _validation.positive_int('max_opt_itr', max_opt_itr)

    def _minimize(
        self,
        objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
        callback: Callable[[np.ndarray], None] | None = None,
    ) -> np.ndarray:
        """Run L-BFGS-B from the target's parameters; the best point found."""
        x0 = np.asarray(self._target.get_param_values(), dtype=np.float64)
        params, _, _ = scipy.optimize.fmin_l_bfgs_b(
            objective, x0=x0, maxiter=self._max_opt_itr, callback=callback
        )
        return params

    def _objective(
        self, fetches: Sequence[Any], feed: dict[Any, Any]
    ) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
        """The function of the flat parameters that L-BFGS-B minimizes."""
        session = self._session()

        def objective(flat_params: np.ndarray) -> tuple[float, np.ndarray]:
            self._target.set_param_values(flat_params)
            value, grad = session.run(list(fetches), feed)
            return float(value), np.asarray(grad, dtype=np.float64)

        return objective


class LbfgsOptimizer(_ScipyOptimizer):
    """Minimizes a loss over a target's parameters with L-BFGS.

    Each `optimize` runs SciPy's ``fmin_l_bfgs_b`` for at most
    ``max_opt_itr`` iterations on the flat vector of the target's
    trainable parameters, starting from their current values, the loss and
    its gradient computed in the session; the target is left at the best
    point found.

    Args:
        max_opt_itr: The most L-BFGS iterations of an `optimize`.
        callback: Called after each iteration with one dict: ``loss``,
            ``params`` (the flat parameters), ``itr`` and ``elapsed``
            (seconds since the `optimize` began).

    """

    def __init__(
        self, max_opt_itr: int = 20, callback: Callable[[dict], Any] | None = None
    ):
        super().__init__(max_opt_itr)
        self._callback = callback

    def update_opt(
        self,
        loss: Any,
        target: Any,
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Build the operations of the optimization.

        Args:
            loss: The scalar loss tensor.
            target: What is optimized: an object with ``get_params()``,
                ``get_param_values()`` and ``set_param_values()``.
            inputs: The placeholders the loss depends on.
            extra_inputs: More placeholders it depends on.
            name: The name scope of the operations.
            **kwargs: Ignored (``leq_constraint``, for example), as in the
                original.

        """
        del kwargs
        with tf.name_scope(name or 'LbfgsOptimizer'):
            flat_grad = _flat_gradient(loss, target.get_params())
        self._setup(
            target,
            inputs,
            extra_inputs,
            loss=loss,
            flat_grad=flat_grad,
        )

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

    def optimize(
        self,
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None = None,
        name: str | None = None,
    ) -> None:
        """Minimize the loss for the given input values.

        Args:
            inputs: Values of the input placeholders.
            extra_inputs: Values of the extra input placeholders.
            name: Unused; the original's name scope.

        """
        del name
        feed = self._feed(inputs, extra_inputs)
        objective = self._objective([self._ops['loss'], self._ops['flat_grad']], feed)
        start = time.time()
        itr = [0]

        def report(params: np.ndarray) -> None:
            self._target.set_param_values(params)
            assert self._callback is not None
            self._callback(
                dict(
                    loss=self.loss(inputs, extra_inputs),
                    params=params,
                    itr=itr[0],
                    elapsed=time.time() - start,
                )
            )
            itr[0] += 1

        best = self._minimize(objective, report if self._callback else None)
        self._target.set_param_values(best)
