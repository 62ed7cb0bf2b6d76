"""A torch optimizer together with a minibatch schedule."""

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from garage import _validation
from garage._optimizers import make_optimizer

_Batch = torch.Tensor | np.ndarray


class OptimizerWrapper:
    """A torch optimizer and how many epochs of which minibatches to feed it.

    Algorithms take one of these per network: ``get_minibatch`` says what to
    train on, ``zero_grad`` and ``step`` train.

    Args:
        optimizer: The optimizer class (``torch.optim.Adam``), a ``(class,
            dict_of_args)`` tuple, both built as by ``garage.make_optimizer``
            with ``module``'s parameters, or an optimizer already built.
        module: The module whose parameters to optimize; None when
            ``optimizer`` is already built, or its arguments name the
            parameters.
        max_optimization_epochs: Number of passes over the data that
            `get_minibatch` makes.
        minibatch_size: Number of samples per minibatch, or None for the
            whole batch at once.

    Raises:
        ValueError: If ``max_optimization_epochs`` is not a positive
            integer, ``minibatch_size`` is neither None nor a positive
            integer, or ``module`` is given with an optimizer already built.

    """

    def __init__(
        self,
        optimizer: type | tuple[type, dict[str, Any]] | torch.optim.Optimizer,
        module: torch.nn.Module | None = None,
        max_optimization_epochs: int = 1,
        minibatch_size: int | None = None,
    ):
        max_optimization_epochs = _validation.positive_int(
            'max_optimization_epochs', max_optimization_epochs
        )
        minibatch_size = _validation.positive_int(
            'minibatch_size', minibatch_size, allow_none=True
        )
        if isinstance(optimizer, torch.optim.Optimizer):
            if module is not None:
                raise ValueError(
                    'module must be None when optimizer is '
                    f'already built ({type(optimizer).__name__} '
                    'holds its parameters)'
                )
            self._optimizer = optimizer
        else:
            self._optimizer = make_optimizer(optimizer, module=module)
        self._max_optimization_epochs = max_optimization_epochs
        self._minibatch_size = minibatch_size

    @property
    def optimizer(self) -> torch.optim.Optimizer:
        """torch.optim.Optimizer: The wrapped optimizer."""
        return self._optimizer

    def get_minibatch(self, *inputs: _Batch) -> Iterator[tuple[_Batch, ...]]:
        """Iterate over minibatches of the inputs for every epoch.

        Each epoch draws a random permutation of the samples from PyTorch's
        global generator (so ``set_seed`` makes it reproducible) and cuts it
        into minibatches of ``minibatch_size`` samples, the last one smaller
        if the size does not divide the number of samples: every sample is
        in exactly one minibatch per epoch. With ``minibatch_size=None`` each
        epoch yields the inputs themselves, in order.

        Args:
            inputs: Tensors or arrays with the same number of samples along
                dimension 0.

        Returns:
            Iterator[tuple]: Minibatches, each a tuple with one slice of
                every input, indexed by the same samples.

        Raises:
            ValueError: If no input is given, or the inputs differ in length.
            TypeError: If an input is neither a tensor nor an array.

        """
        if not inputs:
            raise ValueError('get_minibatch needs at least one input')
        for value in inputs:
            if not isinstance(value, _Batch):
                raise _validation.ArgumentTypeError(
                    'get_minibatch takes tensors and NumPy arrays, '
                    f'not {type(value).__name__}'
                )
        lengths = [len(value) for value in inputs]
        if len(set(lengths)) > 1:
            raise ValueError(
                'the inputs must have the same number of samples '
                f'along dimension 0, but have {lengths}'
            )
        return self._minibatches(inputs, lengths[0])

    def _minibatches(
        self, inputs: tuple[_Batch, ...], n_samples: int
    ) -> Iterator[tuple[_Batch, ...]]:
        for _ in range(self._max_optimization_epochs):
            if self._minibatch_size is None:
                yield inputs
                continue
            permutation = torch.randperm(n_samples)
            for indices in permutation.split(self._minibatch_size):
                yield tuple(_take(value, indices) for value in inputs)

    def zero_grad(self) -> None:
        """Clear the gradients of the optimized parameters (set them to None)."""
        self._optimizer.zero_grad()

    def step(self, **closure: Any) -> Any:
        """Take one optimization step.

        Args:
            closure: Keyword arguments of the wrapped optimizer's ``step``
                (``closure`` for LBFGS; ``f_loss`` and ``f_constraint`` for
                ``ConjugateGradientOptimizer``).

        Returns:
            Whatever the wrapped optimizer's ``step`` returns.

        """
        return self._optimizer.step(**closure)

    def state_dict(self) -> dict[str, Any]:
        """Return the wrapped optimizer's state dict.

        Returns:
            dict: The state of the optimizer.

        """
        return self._optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict into the wrapped optimizer.

        Args:
            state_dict: A state dict from `state_dict`.

        """
        self._optimizer.load_state_dict(state_dict)


def _take(value: _Batch, indices: torch.Tensor) -> _Batch:
    if isinstance(value, torch.Tensor):
        return value[indices.to(value.device)]
    return value[indices.numpy()]
