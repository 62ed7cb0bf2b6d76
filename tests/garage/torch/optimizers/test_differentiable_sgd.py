import pytest
import torch
from torch import nn

from garage.torch.optimizers import DifferentiableSGD

X1 = torch.tensor([[1.0, 2.0], [0.5, -1.0]])
Y1 = torch.tensor([[1.0], [0.0]])
X2 = torch.tensor([[-1.0, 0.5], [2.0, 1.0]])
Y2 = torch.tensor([[0.5], [1.0]])
LR = 0.1

# MAML's inner loop backpropagates with create_graph=True by design.
pytestmark = pytest.mark.filterwarnings(
    r'ignore:Using backward\(\) with create_graph=True:UserWarning'
)


def loss_of(weight, x, y):
    return ((x @ weight.T - y) ** 2).mean()


def test_step_is_plain_sgd():
    module = nn.Linear(2, 1)
    before = [p.detach().clone() for p in module.parameters()]
    nn.functional.mse_loss(module(X1), Y1).backward()
    grads = [p.grad.clone() for p in module.parameters()]
    DifferentiableSGD(module, lr=LR).step()
    for param, old, grad in zip(module.parameters(), before, grads, strict=True):
        torch.testing.assert_close(param.detach(), old - LR * grad)


def test_meta_gradient_flows_through_the_update():
    module = nn.Linear(2, 1, bias=False)
    weight = module.weight
    optimizer = DifferentiableSGD(module, lr=LR)
    loss_of(module.weight, X1, Y1).backward(create_graph=True)
    optimizer.step()
    assert module.weight is not weight
    outer_loss = nn.functional.mse_loss(module(X2), Y2)
    meta_grad = torch.autograd.grad(outer_loss, weight)[0]

    def adapted_outer_loss(w):
        inner_grad = torch.func.grad(loss_of)(w, X1, Y1)
        return loss_of(w - LR * inner_grad, X2, Y2)

    expected = torch.func.grad(adapted_outer_loss)(weight.detach())
    torch.testing.assert_close(meta_grad, expected)
    # the second-order term (the inner Hessian) is not zero
    first_order = torch.func.grad(loss_of)(module.weight.detach(), X2, Y2)
    assert not torch.allclose(meta_grad, first_order)


def test_two_inner_steps_stay_differentiable():
    module = nn.Linear(2, 1, bias=False)
    weight = module.weight
    optimizer = DifferentiableSGD(module, lr=LR)
    for _ in range(2):
        optimizer.set_grads_none()
        loss_of(module.weight, X1, Y1).backward(create_graph=True)
        optimizer.step()
    outer_loss = loss_of(module.weight, X2, Y2)
    meta_grad = torch.autograd.grad(outer_loss, weight)[0]

    def adapted_outer_loss(w):
        for _ in range(2):
            w = w - LR * torch.func.grad(loss_of)(w, X1, Y1)
        return loss_of(w, X2, Y2)

    expected = torch.func.grad(adapted_outer_loss)(weight.detach())
    torch.testing.assert_close(meta_grad, expected)


def test_parameters_without_gradients_are_kept():
    module = nn.Linear(2, 1)
    bias = module.bias
    loss_of(module.weight, X1, Y1).backward()
    DifferentiableSGD(module, lr=LR).step()
    assert module.bias is bias


def test_shared_parameters_stay_shared():
    shared = nn.Linear(2, 2)
    module = nn.Sequential(shared, nn.Tanh(), shared)
    module(X1).sum().backward(create_graph=True)
    DifferentiableSGD(module, lr=LR).step()
    assert module[0].weight is module[2].weight


def test_zero_grad_zeroes_and_detaches():
    module = nn.Linear(2, 1)
    loss_of(module.weight, X1, Y1).backward(create_graph=True)
    assert module.weight.grad.requires_grad
    DifferentiableSGD(module).zero_grad()
    assert not module.weight.grad.requires_grad
    assert module.weight.grad.abs().sum() == 0


def test_set_grads_none():
    module = nn.Linear(2, 1)
    module(X1).sum().backward()
    DifferentiableSGD(module).set_grads_none()
    assert all(p.grad is None for p in module.parameters())


def test_step_without_grad_mode_builds_no_graph():
    module = nn.Linear(2, 1)
    loss_of(module.weight, X1, Y1).backward(create_graph=True)
    with torch.no_grad():
        DifferentiableSGD(module, lr=LR).step()
    assert not module.weight.requires_grad


def test_negative_learning_rate_raises():
    with pytest.raises(
        ValueError, match=r'^lr must be a number in \[0, inf\], got -0.1$'
    ):
        DifferentiableSGD(nn.Linear(1, 1), lr=-0.1)
