"""What the TensorFlow optimizers share: their operations, feeds and pickling."""

from collections.abc import Sequence
from typing import Any

import tensorflow as tf

from garage.tf._core import session_for


def _flat(tensors: Sequence[Any]) -> Any:
    return tf.concat([tf.reshape(t, [-1]) for t in tensors], axis=0)


def _flat_gradient(loss: Any, params: Sequence[Any]) -> Any:
    """The gradient of ``loss`` in ``params``, as one vector (zeros where none)."""
    grads = tf.gradients(loss, params)
    return _flat(
        [
            tf.zeros_like(p) if g is None else g
            for p, g in zip(params, grads, strict=True)
        ]
    )


class _GraphOptimizer:
    """An optimizer whose `update_opt` fills ``_ops`` and ``_target``.

    ``_ops`` holds the graph's tensors (``'loss'`` among them) and the
    placeholders ``'inputs'`` and ``'extra_inputs'``; neither it nor the
    target is pickled (the owner builds them again with `update_opt`).
    """

    def __init__(self) -> None:
        self._ops: dict[str, Any] = {}
        self._target: Any = None

    def _setup(
        self,
        target: Any,
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None,
        **ops: Any,
    ) -> None:
        """Keep the target, the input placeholders and the operations."""
        self._ops = {
            **ops,
            'inputs': list(inputs),
            'extra_inputs': list(extra_inputs or []),
        }
        self._target = target

    def _feed(
        self, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None
    ) -> dict[Any, Any]:
        if not self._ops:
            raise RuntimeError(
                f'{type(self).__name__}: call update_opt() before loss() or optimize()'
            )
        names = self._ops['inputs'] + self._ops['extra_inputs']
        values = list(inputs) + list(extra_inputs or [])
        return dict(zip(names, values, strict=True))

    def _session(self) -> Any:
        return session_for(self._ops['loss'].graph)

    def _value(
        self, key: str, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None
    ) -> float:
        """The value of the scalar ``_ops[key]`` for the given input values."""
        feed = self._feed(inputs, extra_inputs)
        return float(self._session().run(self._ops[key], feed))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state['_ops'] = {}
        state['_target'] = None
        return state
