"""Minibatch gradient descent with a TensorFlow optimizer (Adam by default)."""

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import tensorflow as tf

from garage import _validation
from garage._dowel import logger
from garage.tf._core import batches, initialize_uninitialized
from garage.tf.optimizers._base import _GraphOptimizer

v1 = tf.compat.v1


class FirstOrderOptimizer(_GraphOptimizer):
    """Minimizes a loss by epochs of minibatch steps of a TensorFlow optimizer.

    Each call of `optimize` runs up to ``max_optimization_epochs`` passes
    over the data in shuffled minibatches (NumPy's global RNG), stopping
    early when the loss changes by less than ``tolerance``. The
    optimizer's own variables (Adam's moments) are saved when it is
    pickled, so a restored experiment continues with them.

    Args:
        optimizer: The ``tf.compat.v1.train`` optimizer class; None takes
            ``AdamOptimizer``.
        learning_rate: The optimizer's constructor arguments (for example
            ``dict(learning_rate=3e-4)``); None takes a learning rate of
            1e-3.
        max_optimization_epochs: The most passes over the data.
        tolerance: Stop when the loss changes less than this in a pass.
        batch_size: The minibatch size; None for the whole batch.
        callback: Called after each pass with ``loss``, ``params``, ``itr``
            and ``elapsed``.
        verbose: Log the loss of each pass.
        name: The name scope of the operations.

    """

    def __init__(
        self,
        optimizer: Any = None,
        learning_rate: dict[str, Any] | None = None,
        max_optimization_epochs: int = 1000,
        tolerance: float = 1e-6,
        batch_size: int | None = 32,
        callback: Callable[..., Any] | None = None,
        verbose: bool = False,
        name: str = 'FirstOrderOptimizer',
    ):
        self._tf_optimizer_cls = optimizer or v1.train.AdamOptimizer
        if learning_rate is None:
            learning_rate = dict(learning_rate=1e-3)
        _validation.instance_of('learning_rate', learning_rate, dict)
        self._tf_optimizer_args = dict(learning_rate)
        self._max_optimization_epochs = _validation.positive_int(
            'max_optimization_epochs', max_optimization_epochs
        )
        self._tolerance = _validation.number_in('tolerance', tolerance, 0.0)
        self._batch_size = _validation.positive_int(
            'batch_size', batch_size, allow_none=True
        )
        self._callback = callback
        self._verbose = verbose
        self._name = name
        super().__init__()
        self._pending_values: list[np.ndarray] | None = None

    def update_opt(
        self,
        loss: Any,
        target: Any,
        inputs: Sequence[Any],
        extra_inputs: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Build the operations of the optimization.

        Args:
            loss: The scalar loss tensor.
            target: What is optimized: an object with ``get_params()``.
            inputs: The placeholders the loss depends on, minibatched.
            extra_inputs: Placeholders fed whole.
            **kwargs: Ignored (``leq_constraint``, for example).

        """
        del kwargs
        with tf.name_scope(self._name):
            optimizer = self._tf_optimizer_cls(**self._tf_optimizer_args)
            train_op = optimizer.minimize(loss, var_list=target.get_params())
        self._setup(
            target,
            inputs,
            extra_inputs,
            loss=loss,
            train_op=train_op,
            optimizer=optimizer,
        )
        session = self._session()
        variables = optimizer.variables()
        initialize_uninitialized(session, variables)
        if self._pending_values is not None:
            values = [v1.placeholder(v.dtype.base_dtype, v.shape) for v in variables]
            load = tf.group(
                *[v1.assign(v, x) for v, x in zip(variables, values, strict=True)]
            )
            session.run(load, dict(zip(values, self._pending_values, strict=True)))
            self._pending_values = None

    def loss(
        self, inputs: Sequence[Any], extra_inputs: Sequence[Any] | None = None
    ) -> float:
        """The loss for the given input values (all of them at once).

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
        callback: Callable[..., Any] | None = None,
    ) -> None:
        """Run the passes of minibatch steps.

        Args:
            inputs: Values of the input placeholders, one row per sample.
            extra_inputs: Values of the extra input placeholders.
            callback: Called as the constructor's ``callback`` is.

        Raises:
            ValueError: If there are no inputs.

        """
        if not inputs:
            raise ValueError('optimize() needs at least one input')
        session = self._session()
        inputs = [np.asarray(x) for x in inputs]
        last_loss = self.loss(inputs, extra_inputs)
        start = time.time()
        for epoch in range(self._max_optimization_epochs):
            if self._verbose:
                logger.log(f'Epoch {epoch}')
            for index in batches(len(inputs[0]), self._batch_size):
                feed = self._feed([x[index] for x in inputs], extra_inputs)
                session.run(self._ops['train_op'], feed)
            new_loss = self.loss(inputs, extra_inputs)
            if self._verbose:
                logger.log(f'Epoch: {epoch} | Loss: {new_loss}')
            for call in (self._callback, callback):
                if call is not None:
                    call(
                        loss=new_loss,
                        params=self._target.get_param_values()
                        if self._target
                        else None,
                        itr=epoch,
                        elapsed=time.time() - start,
                    )
            if abs(last_loss - new_loss) < self._tolerance:
                break
            last_loss = new_loss

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        if self._ops:
            # variables() lists those of the default graph only
            with self._ops['loss'].graph.as_default():
                variables = self._ops['optimizer'].variables()
            state['_pending_values'] = self._session().run(variables)
        return state
