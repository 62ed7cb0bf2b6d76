import pickle

import numpy as np
import pytest
import torch
from torch import nn

from garage.experiment import deterministic
from garage.torch.optimizers import OptimizerWrapper


def indices_of(batches):
    return [batch[0].tolist() for batch in batches]


class TestGetMinibatch:
    @pytest.mark.parametrize(
        ('n_samples', 'minibatch_size'), [(10, 3), (12, 4), (5, 10), (7, 1)]
    )
    def test_each_epoch_covers_every_sample_once(self, n_samples, minibatch_size):
        wrapper = OptimizerWrapper(
            torch.optim.SGD,
            nn.Linear(1, 1),
            max_optimization_epochs=3,
            minibatch_size=minibatch_size,
        )
        ids = torch.arange(n_samples)
        batches = list(wrapper.get_minibatch(ids))
        per_epoch = -(-n_samples // minibatch_size)
        assert len(batches) == 3 * per_epoch
        for epoch in range(3):
            epoch_batches = batches[epoch * per_epoch : (epoch + 1) * per_epoch]
            assert all(len(b[0]) <= minibatch_size for b in epoch_batches)
            seen = torch.cat([b[0] for b in epoch_batches])
            assert sorted(seen.tolist()) == list(range(n_samples))

    def test_inputs_are_indexed_together_and_shuffled(self):
        torch.manual_seed(0)
        wrapper = OptimizerWrapper(
            torch.optim.SGD,
            nn.Linear(1, 1),
            max_optimization_epochs=2,
            minibatch_size=4,
        )
        ids = torch.arange(20)
        features = torch.arange(20.0)[:, None] * torch.ones(1, 3)
        array = np.arange(20) * 10
        orders = []
        for batch_ids, batch_features, batch_array in wrapper.get_minibatch(
            ids, features, array
        ):
            torch.testing.assert_close(batch_features[:, 0], batch_ids.float())
            np.testing.assert_array_equal(batch_array, batch_ids.numpy() * 10)
            assert isinstance(batch_array, np.ndarray)
            orders.extend(batch_ids.tolist())
        assert orders[:20] != list(range(20))
        assert orders[:20] != orders[20:]

    def test_set_seed_reproduces_the_order(self):
        wrapper = OptimizerWrapper(
            torch.optim.SGD,
            nn.Linear(1, 1),
            max_optimization_epochs=2,
            minibatch_size=3,
        )
        deterministic.set_seed(7)
        first = indices_of(wrapper.get_minibatch(torch.arange(10)))
        deterministic.set_seed(7)
        second = indices_of(wrapper.get_minibatch(torch.arange(10)))
        assert first == second

    def test_no_minibatch_size_yields_everything_in_order(self):
        wrapper = OptimizerWrapper(
            torch.optim.SGD, nn.Linear(1, 1), max_optimization_epochs=2
        )
        data = torch.arange(5)
        batches = list(wrapper.get_minibatch(data, data * 2))
        assert len(batches) == 2
        for batch in batches:
            assert batch[0] is data
            torch.testing.assert_close(batch[1], data * 2)

    def test_no_inputs_raise(self):
        wrapper = OptimizerWrapper(torch.optim.SGD, nn.Linear(1, 1))
        with pytest.raises(ValueError, match='needs at least one input'):
            wrapper.get_minibatch()

    def test_different_lengths_raise(self):
        wrapper = OptimizerWrapper(torch.optim.SGD, nn.Linear(1, 1))
        with pytest.raises(
            ValueError,
            match=r'same number of samples along '
            r'dimension 0, but have \[3, 4\]',
        ):
            wrapper.get_minibatch(torch.zeros(3), torch.zeros(4))

    def test_other_input_types_raise(self):
        wrapper = OptimizerWrapper(torch.optim.SGD, nn.Linear(1, 1))
        with pytest.raises(
            TypeError,
            match=r'takes tensors and NumPy arrays, '
            r'not list',
        ):
            wrapper.get_minibatch([1, 2, 3])


class TestOptimizing:
    def test_trains_with_a_tuple_spec(self):
        torch.manual_seed(0)
        module = nn.Linear(1, 1)
        wrapper = OptimizerWrapper(
            (torch.optim.SGD, {'lr': 0.1}),
            module,
            max_optimization_epochs=50,
            minibatch_size=8,
        )
        x = torch.linspace(-1, 1, 32)[:, None]
        y = 3 * x + 1
        for batch_x, batch_y in wrapper.get_minibatch(x, y):
            wrapper.zero_grad()
            nn.functional.mse_loss(module(batch_x), batch_y).backward()
            wrapper.step()
        torch.testing.assert_close(
            module.weight.detach(), torch.tensor([[3.0]]), atol=1e-3, rtol=0
        )
        torch.testing.assert_close(
            module.bias.detach(), torch.tensor([1.0]), atol=1e-3, rtol=0
        )

    def test_zero_grad_clears_gradients(self):
        module = nn.Linear(2, 1)
        wrapper = OptimizerWrapper(torch.optim.Adam, module)
        module(torch.ones(1, 2)).sum().backward()
        wrapper.zero_grad()
        assert all(p.grad is None for p in module.parameters())

    def test_step_passes_the_closure(self):
        module = nn.Linear(1, 1)
        wrapper = OptimizerWrapper((torch.optim.LBFGS, {'lr': 0.5}), module)
        calls = []

        def closure():
            calls.append(1)
            wrapper.zero_grad()
            loss = module(torch.ones(1, 1)).pow(2).sum()
            loss.backward()
            return loss

        wrapper.step(closure=closure)
        assert calls

    def test_state_dict_round_trip(self):
        module = nn.Linear(2, 1)
        wrapper = OptimizerWrapper((torch.optim.Adam, {'lr': 0.01}), module)
        module(torch.ones(1, 2)).sum().backward()
        wrapper.step()
        other = OptimizerWrapper((torch.optim.Adam, {'lr': 0.5}), module)
        other.load_state_dict(wrapper.state_dict())
        assert other.optimizer.param_groups[0]['lr'] == 0.01
        torch.testing.assert_close(
            other.optimizer.state[module.weight]['exp_avg'],
            wrapper.optimizer.state[module.weight]['exp_avg'],
        )

    def test_pickles(self):
        wrapper = OptimizerWrapper(
            (torch.optim.Adam, {'lr': 0.01}),
            nn.Linear(2, 1),
            max_optimization_epochs=3,
            minibatch_size=2,
        )
        clone = pickle.loads(pickle.dumps(wrapper))
        assert clone.optimizer.param_groups[0]['lr'] == 0.01
        assert len(list(clone.get_minibatch(torch.arange(4)))) == 6

    def test_accepts_a_built_optimizer(self):
        module = nn.Linear(2, 1)
        optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
        assert OptimizerWrapper(optimizer).optimizer is optimizer

    def test_built_optimizer_with_module_raises(self):
        module = nn.Linear(2, 1)
        optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
        with pytest.raises(
            ValueError,
            match=r'module must be None when '
            r'optimizer is already built \(SGD holds',
        ):
            OptimizerWrapper(optimizer, module)


@pytest.mark.parametrize('epochs', [0, -1, 1.5, True])
def test_bad_epoch_count_raises(epochs):
    with pytest.raises(
        ValueError,
        match=r'^max_optimization_epochs must be a positive integer, got ',
    ):
        OptimizerWrapper(
            torch.optim.SGD, nn.Linear(1, 1), max_optimization_epochs=epochs
        )


@pytest.mark.parametrize('size', [0, -2, 2.5, True])
def test_bad_minibatch_size_raises(size):
    with pytest.raises(
        ValueError,
        match=rf'^minibatch_size must be a positive integer or None, got {size}$',
    ):
        OptimizerWrapper(torch.optim.SGD, nn.Linear(1, 1), minibatch_size=size)


def test_whole_float_counts_are_taken_as_ints():
    wrapper = OptimizerWrapper(
        torch.optim.SGD,
        nn.Linear(1, 1),
        max_optimization_epochs=2.0,
        minibatch_size=1e1,
    )
    assert (wrapper._max_optimization_epochs, wrapper._minibatch_size) == (2, 10)
