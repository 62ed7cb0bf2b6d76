import random

import numpy as np
import pytest
import torch

from garage.experiment import deterministic


@pytest.fixture(autouse=True)
def restore_global_rngs(monkeypatch):
    """Leave the global seed and RNG states as the test found them."""
    monkeypatch.setattr(deterministic, '_seed', deterministic.get_seed())
    monkeypatch.setattr(
        torch.backends.cudnn, 'deterministic', torch.backends.cudnn.deterministic
    )
    monkeypatch.setattr(
        torch.backends.cudnn, 'benchmark', torch.backends.cudnn.benchmark
    )
    py_state = random.getstate()
    np_state = np.random.get_state()
    torch_state = torch.get_rng_state()
    yield
    random.setstate(py_state)
    np.random.set_state(np_state)
    torch.set_rng_state(torch_state)


def draws():
    return (random.random(), np.random.rand(3).tolist(), torch.rand(3).tolist())


def test_same_seed_same_draws():
    deterministic.set_seed(123)
    first = draws()
    deterministic.set_seed(123)
    assert draws() == first


def test_different_seed_different_draws():
    deterministic.set_seed(1)
    first = draws()
    deterministic.set_seed(2)
    second = draws()
    for a, b in zip(first, second, strict=True):
        assert a != b


@pytest.mark.parametrize('source', ['random', 'numpy', 'torch'])
def test_each_generator_is_seeded(source):
    draw = {
        'random': random.random,
        'numpy': np.random.rand,
        'torch': lambda: torch.rand(1).item(),
    }[source]
    deterministic.set_seed(42)
    first = draw()
    draw()
    deterministic.set_seed(42)
    assert draw() == first


def test_matches_seeding_each_library_directly():
    deterministic.set_seed(99)
    seeded = draws()
    random.seed(99)
    np.random.seed(99)
    torch.manual_seed(99)
    assert draws() == seeded


def test_get_seed():
    deterministic.set_seed(5)
    assert deterministic.get_seed() == 5
    deterministic.set_seed(6)
    assert deterministic.get_seed() == 6


def test_get_seed_before_any_seed(monkeypatch):
    monkeypatch.setattr(deterministic, '_seed', None)
    assert deterministic.get_seed() is None


@pytest.mark.parametrize(
    ('seed', 'reduced'),
    [
        (4294967294, 0),
        (4294967294 + 17, 17),
        (2**70, 2**70 % 4294967294),
        (-1, 4294967293),
    ],
)
def test_seed_reduced_modulo(seed, reduced):
    deterministic.set_seed(seed)
    assert deterministic.get_seed() == reduced
    seeded = draws()
    deterministic.set_seed(reduced)
    assert draws() == seeded


def test_numpy_integer_seed():
    deterministic.set_seed(np.int64(3))
    assert deterministic.get_seed() == 3
    assert type(deterministic.get_seed()) is int


def test_cudnn_made_deterministic():
    torch.backends.cudnn.deterministic = False
    torch.backends.cudnn.benchmark = True
    deterministic.set_seed(0)
    assert torch.backends.cudnn.deterministic
    assert not torch.backends.cudnn.benchmark


@pytest.mark.parametrize('seed', [True, '1', None])
def test_non_integer_seed(seed):
    deterministic.set_seed(8)
    with pytest.raises(TypeError, match=r'^seed must be an integer, got '):
        deterministic.set_seed(seed)
    assert deterministic.get_seed() == 8


def test_fractional_seed_is_a_value_error():
    with pytest.raises(ValueError, match=r'^seed must be an integer, got 1.5$'):
        deterministic.set_seed(1.5)


@pytest.mark.parametrize('seed', [2.0, np.float64(2.0), np.float32(2.0)])
def test_whole_float_seed_is_taken_as_an_int(seed):
    deterministic.set_seed(seed)
    assert deterministic.get_seed() == 2
    assert type(deterministic.get_seed()) is int


def test_error_names_value():
    with pytest.raises(TypeError, match=r"got '7'$"):
        deterministic.set_seed('7')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_generator_is_seeded():
    deterministic.set_seed(11)
    first = torch.rand(3, device='cuda').tolist()
    deterministic.set_seed(11)
    assert torch.rand(3, device='cuda').tolist() == first
