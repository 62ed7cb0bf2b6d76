"""Gradient descent that stays differentiable, for meta-learning."""

import torch

from garage import _validation
from garage.torch._functions import update_module_params


class DifferentiableSGD:
    r"""SGD whose update is part of the autograd graph (MAML's inner loop).

    `step` replaces each parameter `θ` that has a gradient
    by the tensor `θ - lr · ∇θ` with
    `garage.torch.update_module_params`, instead of changing it in
    place. When the gradients were computed with
    ``loss.backward(create_graph=True)``, a loss of the updated module can
    then be differentiated through the update, second-order terms included,
    back to the original parameters. The new tensors retain their
    gradients, so further inner steps work the same way. Call
    `set_grads_none` once done, to break the reference cycle between
    a parameter and a gradient built with ``create_graph=True``.

    Args:
        module: The module to update.
        lr: The learning rate, non-negative.

    Raises:
        ValueError: If ``lr`` is negative.

    """

    def __init__(self, module: torch.nn.Module, lr: float = 1e-3):
        _validation.number_in('lr', lr, 0)
        self.module = module
        self.lr = lr

    def step(self) -> None:
        """Replace every parameter with a gradient by one SGD step from it.

        A parameter shared by several submodules is replaced by one tensor
        everywhere.
        """
        updated: dict[int, torch.Tensor] = {}
        new_params = {}
        for name, param in self.module.named_parameters(remove_duplicate=False):
            if param.grad is None:
                continue
            if id(param) not in updated:
                new_param = param - self.lr * param.grad
                if new_param.requires_grad:
                    new_param.retain_grad()
                updated[id(param)] = new_param
            new_params[name] = updated[id(param)]
        update_module_params(self.module, new_params)

    def zero_grad(self) -> None:
        """Set the gradients of the parameters to zero, detached."""
        for param in self.module.parameters():
            if param.grad is not None:
                if param.grad.grad_fn is not None:
                    param.grad.detach_()
                else:
                    param.grad.requires_grad_(False)
                param.grad.zero_()

    def set_grads_none(self) -> None:
        """Set the gradients of the parameters to None."""
        for param in self.module.parameters():
            param.grad = None
