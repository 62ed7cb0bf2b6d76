import inspect
import pathlib
import subprocess
import sys

import pytest
import torch
from torch import nn

from garage import make_optimizer
from garage._optimizers import _Default


class RecordingOptimizer:
    def __init__(self, params=None, **kwargs):
        self.params = None if params is None else list(params)
        self.kwargs = kwargs


def test_class_with_kwargs_and_defaults():
    module = nn.Linear(2, 1)
    optimizer = make_optimizer(
        torch.optim.SGD, module=module, lr=0.5, momentum=_Default(0.9)
    )
    assert isinstance(optimizer, torch.optim.SGD)
    assert optimizer.param_groups[0]['lr'] == 0.5
    assert optimizer.param_groups[0]['momentum'] == 0.9
    assert optimizer.param_groups[0]['params'] == list(module.parameters())


def test_tuple_args_replace_the_defaults():
    module = nn.Linear(2, 1)
    optimizer = make_optimizer(
        (RecordingOptimizer, {'lr': 0.1}),
        module=module,
        lr=_Default(1e-3),
        momentum=_Default(0.9),
    )
    assert optimizer.kwargs == {'lr': 0.1}
    assert optimizer.params == list(module.parameters())


def test_without_module_no_params_are_passed():
    optimizer = make_optimizer(RecordingOptimizer, lr=_Default(0.2))
    assert optimizer.params is None
    assert optimizer.kwargs == {'lr': 0.2}
    optimizer = make_optimizer((RecordingOptimizer, {'momentum': 0.5}))
    assert optimizer.params is None
    assert optimizer.kwargs == {'momentum': 0.5}


def test_tuple_with_explicit_kwargs_raises():
    with pytest.raises(
        ValueError,
        match=r'explicit optimizer arguments '
        r"\['lr'\]; give the arguments in the tuple only",
    ):
        make_optimizer(
            (RecordingOptimizer, {'lr': 0.1}), lr=0.2, momentum=_Default(0.9)
        )


@pytest.mark.parametrize(
    'optimizer_type',
    [
        (RecordingOptimizer,),
        (RecordingOptimizer, {'lr': 0.1}, 'extra'),
        (RecordingOptimizer, [('lr', 0.1)]),
    ],
)
def test_malformed_tuple_raises(optimizer_type):
    with pytest.raises(
        ValueError,
        match=r'optimizer_type must be a class or a '
        r'\(class, dict_of_args\) tuple, not \(',
    ):
        make_optimizer(optimizer_type)


def test_non_callable_type_raises():
    with pytest.raises(
        TypeError,
        match=r'the optimizer type must be a class, '
        r"not 'adam'",
    ):
        make_optimizer('adam', lr=0.1)


def test_default_is_a_value_wrapper():
    assert _Default(3).val == 3
    assert _Default(3) == _Default(3)
    assert repr(_Default(1e-3)) == '0.001'


@pytest.mark.parametrize(
    ('algorithm', 'argument', 'value'),
    [
        ('DQN', 'qf_lr', 1e-3),
        ('DDPG', 'policy_lr', 1e-4),
        ('DDPG', 'qf_lr', 1e-3),
        ('TD3', 'policy_lr', 1e-4),
        ('TD3', 'qf_lr', 1e-3),
    ],
)
def test_algorithms_learning_rate_defaults_show_their_values(
    algorithm, argument, value
):
    # marked, so that a (class, args) tuple replaces them; shown as values
    from garage.torch import algos

    signature = inspect.signature(getattr(algos, algorithm))
    default = signature.parameters[argument].default
    assert default == _Default(value)
    assert f'{argument}: float | garage._optimizers._Default = {value!r}' in str(
        signature
    )


def test_module_imports_no_framework():
    path = (
        pathlib.Path(__file__).resolve().parents[2]
        / 'src'
        / 'garage'
        / '_optimizers.py'
    )
    code = (
        'import importlib.util, sys\n'
        f'spec = importlib.util.spec_from_file_location("opt", {str(path)!r})\n'
        'module = importlib.util.module_from_spec(spec)\n'
        'spec.loader.exec_module(module)\n'
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'tensorflow')))"
    )
    result = subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, check=True
    )
    assert result.stdout == '[]\n'
