import collections

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from garage.torch import (
    as_torch_dict,
    compute_advantages,
    expand_var,
    filter_valids,
    flatten_batch,
    flatten_to_single_vector,
    global_device,
    list_to_tensor,
    np_to_torch,
    output_height_2d,
    output_width_2d,
    pad_to_last,
    prefer_gpu,
    product_of_gaussians,
    set_gpu_mode,
    soft_update_model,
    state_dict_to,
    torch_to_np,
    update_module_params,
    zero_optim_grads,
)


def test_what_the_original_torch_examples_imported():
    # examples/torch/td3_pendulum.py and the SAC, MTSAC and PEARL examples;
    # the names its tests imported are imported at the top of this file
    from garage.torch import prefer_gpu, set_gpu_mode

    assert callable(prefer_gpu)
    assert callable(set_gpu_mode)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')


@pytest.fixture(autouse=True)
def _cpu_mode_after_each_test():
    yield
    set_gpu_mode(False)


class TestDevice:
    def test_default_is_cpu(self):
        assert global_device() == torch.device('cpu')

    def test_gpu_mode_without_cuda_raises(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
        with pytest.raises(
            RuntimeError,
            match=r'needs CUDA, but '
            r'torch\.cuda\.is_available\(\) is False',
        ):
            set_gpu_mode(True)
        assert global_device() == torch.device('cpu')

    def test_gpu_mode_picks_the_gpu(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
        monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
        set_gpu_mode(True, gpu_id=1)
        assert global_device() == torch.device('cuda:1')
        set_gpu_mode(False)
        assert global_device() == torch.device('cpu')

    def test_gpu_id_must_be_a_visible_gpu(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
        monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
        with pytest.raises(
            ValueError,
            match=r'^gpu_id must be the index of a visible GPU, from 0 to 1, got 2$',
        ):
            set_gpu_mode(True, gpu_id=2)

    @pytest.mark.parametrize('gpu_id', [-1, 0.5, True, '1'])
    def test_gpu_id_must_be_a_non_negative_integer(self, monkeypatch, gpu_id):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
        monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
        with pytest.raises(
            ValueError, match=r'^gpu_id must be a non-negative integer, got '
        ):
            set_gpu_mode(True, gpu_id=gpu_id)

    def test_whole_float_gpu_id(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
        monkeypatch.setattr(torch.cuda, 'device_count', lambda: 2)
        set_gpu_mode(True, gpu_id=1.0)
        assert global_device() == torch.device('cuda:1')
        set_gpu_mode(False)

    @needs_cuda
    def test_np_to_torch_on_gpu(self):
        set_gpu_mode(True)
        tensor = np_to_torch(np.ones(3))
        assert tensor.device.type == 'cuda'
        np.testing.assert_array_equal(torch_to_np((tensor,))[0], np.ones(3))


class TestConversions:
    def test_np_to_torch_shares_float32_memory(self):
        array = np.arange(6, dtype=np.float32).reshape(2, 3)
        tensor = np_to_torch(array)
        assert tensor.dtype == torch.float32
        array[0, 0] = 42
        assert tensor[0, 0] == 42

    @pytest.mark.parametrize(
        'array',
        [
            np.arange(4, dtype=np.float64),
            np.arange(4, dtype=np.int64),
            np.arange(4, dtype=np.float32)[::-1],
            [0.0, 1.0, 2.0, 3.0],
        ],
    )
    def test_np_to_torch_converts_to_float32(self, array):
        tensor = np_to_torch(array)
        assert tensor.dtype == torch.float32
        np.testing.assert_array_equal(tensor.numpy(), np.asarray(array))

    def test_np_to_torch_copies_a_read_only_array(self):
        array = np.zeros(3, dtype=np.float32)
        array.setflags(write=False)
        tensor = np_to_torch(array)
        tensor += 1
        np.testing.assert_array_equal(array, np.zeros(3))

    def test_torch_to_np_detaches_each_tensor(self):
        x = torch.ones(2, requires_grad=True)
        a, b = torch_to_np((x * 2, torch.zeros(3)))
        np.testing.assert_array_equal(a, [2, 2])
        np.testing.assert_array_equal(b, np.zeros(3))

    def test_torch_to_np_refuses_a_single_tensor(self):
        with pytest.raises(
            TypeError,
            match=r'wrap a single tensor as '
            r'\(tensor,\), got a tensor of shape \(2, 3\)',
        ):
            torch_to_np(torch.zeros(2, 3))

    def test_as_torch_dict_converts_in_place_and_returns_the_dict(self):
        # the original garage's use: the dict is converted in place
        arrays = {'a': np.ones(2), 'inner': {'b': np.zeros((1, 2))}}
        inner = arrays['inner']
        tensors = as_torch_dict(arrays)
        assert tensors is arrays
        assert isinstance(arrays['a'], torch.Tensor)
        assert arrays['a'].dtype == torch.float32
        assert arrays['inner'] is inner
        assert isinstance(inner['b'], torch.Tensor)
        assert inner['b'].shape == (1, 2)

    def test_state_dict_to_moves_module_and_optimizer_state(self):
        module = nn.Linear(2, 1)
        optimizer = torch.optim.Adam(module.parameters())
        module(torch.ones(1, 2)).sum().backward()
        optimizer.step()
        state = state_dict_to(module.state_dict(), 'meta')
        assert all(t.device.type == 'meta' for t in state.values())
        assert isinstance(state, collections.OrderedDict)
        assert hasattr(state, '_metadata')
        assert module.weight.device.type == 'cpu'
        opt_state = state_dict_to(optimizer.state_dict(), torch.device('meta'))
        moments = opt_state['state'][0]
        assert moments['exp_avg'].device.type == 'meta'
        assert opt_state['param_groups'] == optimizer.state_dict()['param_groups']
        assert optimizer.state_dict()['state'][0]['exp_avg'].device.type == 'cpu'

    def test_state_dict_to_round_trip_loads(self):
        module = nn.Linear(2, 1)
        other = nn.Linear(2, 1)
        other.load_state_dict(state_dict_to(module.state_dict(), 'cpu'))
        torch.testing.assert_close(other.weight, module.weight)


class TestUpdateModuleParams:
    def test_forward_uses_new_params_and_keeps_the_graph(self):
        module = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
        old = dict(module.named_parameters())
        new = {name: p * 2 for name, p in old.items()}
        update_module_params(module, new)
        x = torch.ones(1, 2)
        expected = torch.tanh(x @ new['0.weight'].T + new['0.bias'])
        expected = expected @ new['2.weight'].T + new['2.bias']
        torch.testing.assert_close(module(x), expected)
        grad = torch.autograd.grad(module(x).sum(), old['0.weight'])[0]
        assert grad.abs().sum() > 0
        assert dict(module.named_parameters())['2.bias'] is new['2.bias']

    def test_restoring_the_old_params(self):
        module = nn.Linear(2, 1)
        old = dict(module.named_parameters())
        update_module_params(module, {'weight': old['weight'] + 1})
        update_module_params(module, old)
        assert module.weight is old['weight']
        assert isinstance(module.weight, nn.Parameter)

    @pytest.mark.parametrize('name', ['missing', '0.missing', 'nope.weight'])
    def test_unknown_name_raises(self, name):
        module = nn.Sequential(nn.Linear(2, 1))
        with pytest.raises(
            ValueError,
            match=rf"'{name}' is not a parameter "
            r"of the module; expected one of \['0.weight', "
            r"'0.bias'\]",
        ):
            update_module_params(module, {name: torch.zeros(1)})


class TestSoftUpdateModel:
    @pytest.mark.parametrize('tau', [0.0, 0.5, 1.0])
    def test_polyak_average(self, tau):
        target, source = nn.Linear(3, 2), nn.Linear(3, 2)
        before = [p.detach().clone() for p in target.parameters()]
        soft_update_model(target, source, tau)
        for new, old, src in zip(
            target.parameters(), before, source.parameters(), strict=True
        ):
            torch.testing.assert_close(
                new.detach(), (1 - tau) * old + tau * src, rtol=0, atol=1e-7
            )
            assert new.grad is None
        if tau == 1.0:
            assert all(
                torch.equal(t, s)
                for t, s in zip(target.parameters(), source.parameters(), strict=True)
            )

    def test_tau_out_of_range_raises(self):
        with pytest.raises(
            ValueError, match=r'^tau must be a number in \[0, 1\], got 1.5$'
        ):
            soft_update_model(nn.Linear(1, 1), nn.Linear(1, 1), 1.5)

    def test_mismatched_modules_raise(self):
        with pytest.raises(
            ValueError,
            match=r'parameters of the same shapes, '
            r'but have \[\(1, 2\), \(1,\)\] and '
            r'\[\(1, 3\), \(1,\)\]',
        ):
            soft_update_model(nn.Linear(2, 1), nn.Linear(3, 1), 0.5)


def naive_gae(discount, gae_lambda, baselines, rewards):
    """GAE of one episode, straight from the definition."""
    length = len(rewards)
    values = np.append(baselines, 0.0)
    deltas = rewards + discount * values[1:] - values[:-1]
    return np.array(
        [
            sum((discount * gae_lambda) ** k * deltas[t + k] for k in range(length - t))
            for t in range(length)
        ]
    )


class TestComputeAdvantages:
    @settings(deadline=None, max_examples=60)
    @given(
        data=st.data(),
        discount=st.sampled_from([0.0, 0.5, 0.99, 1.0]),
        gae_lambda=st.sampled_from([0.0, 0.3, 0.95, 1.0]),
        max_episode_length=st.integers(1, 12),
    )
    def test_matches_a_per_episode_loop(
        self, data, discount, gae_lambda, max_episode_length
    ):
        lengths = data.draw(
            st.lists(st.integers(1, max_episode_length), min_size=1, max_size=5)
        )
        rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
        rewards = np.zeros((len(lengths), max_episode_length))
        baselines = np.zeros((len(lengths), max_episode_length))
        expected = np.zeros_like(rewards)
        for i, length in enumerate(lengths):
            rewards[i, :length] = rng.normal(size=length)
            baselines[i, :length] = rng.normal(size=length)
            expected[i, :length] = naive_gae(
                discount, gae_lambda, baselines[i, :length], rewards[i, :length]
            )
        advantages = compute_advantages(
            discount,
            gae_lambda,
            max_episode_length,
            torch.as_tensor(baselines),
            torch.as_tensor(rewards),
        )
        np.testing.assert_allclose(advantages.numpy(), expected, atol=1e-10)

    def test_hand_computed(self):
        rewards = torch.tensor([[1.0, 2.0, 0.0]])
        baselines = torch.tensor([[0.5, 1.0, 0.0]])
        # deltas: 1 + 0.5 * 1 - 0.5 = 1, 2 + 0 - 1 = 1, 0
        advantages = compute_advantages(0.5, 0.5, 3, baselines, rewards)
        torch.testing.assert_close(advantages, torch.tensor([[1.25, 1.0, 0.0]]))

    def test_lambda_one_is_return_minus_baseline(self):
        rewards = torch.tensor([[1.0, 1.0, 1.0]])
        baselines = torch.tensor([[0.3, -0.2, 0.7]])
        advantages = compute_advantages(0.9, 1.0, 3, baselines, rewards)
        returns = torch.tensor([[1 + 0.9 + 0.81, 1.9, 1.0]])
        torch.testing.assert_close(advantages, returns - baselines)

    def test_gradients_flow_to_the_baselines(self):
        baselines = torch.zeros(2, 3, requires_grad=True)
        compute_advantages(0.9, 0.9, 3, baselines, torch.ones(2, 3)).sum().backward()
        assert baselines.grad.abs().sum() > 0

    @pytest.mark.parametrize(
        ('name', 'value'), [('discount', 1.5), ('gae_lambda', -0.1)]
    )
    def test_factor_out_of_range_raises(self, name, value):
        kwargs = {'discount': 0.9, 'gae_lambda': 0.9, name: value}
        with pytest.raises(
            ValueError, match=rf'^{name} must be a number in \[0, 1\], got {value}$'
        ):
            compute_advantages(
                max_episode_length=2,
                baselines=torch.zeros(1, 2),
                rewards=torch.zeros(1, 2),
                **kwargs,
            )

    def test_non_positive_length_raises(self):
        with pytest.raises(
            ValueError, match=r'^max_episode_length must be a positive integer, got 0$'
        ):
            compute_advantages(0.9, 0.9, 0, torch.zeros(1, 0), torch.zeros(1, 0))

    @pytest.mark.parametrize(
        ('baselines', 'rewards', 'name', 'shape'),
        [
            (torch.zeros(2, 3), torch.zeros(2, 4), 'rewards', r'\(2, 4\)'),
            (torch.zeros(3), torch.zeros(2, 3), 'baselines', r'\(3,\)'),
        ],
    )
    def test_wrong_width_raises(self, baselines, rewards, name, shape):
        with pytest.raises(
            ValueError,
            match=rf'{name} must have shape \(N, 3\) '
            rf'.*but has shape {shape}',
        ):
            compute_advantages(0.9, 0.9, 3, baselines, rewards)

    def test_different_episode_counts_raise(self):
        with pytest.raises(
            ValueError,
            match=r'baselines has shape \(1, 3\) but '
            r'rewards has shape \(2, 3\)',
        ):
            compute_advantages(0.9, 0.9, 3, torch.zeros(1, 3), torch.zeros(2, 3))


class TestFilterValids:
    def test_cuts_each_row(self):
        tensor = torch.arange(12).reshape(3, 4)
        rows = filter_valids(tensor, np.array([1, 4, 0]))
        assert [r.tolist() for r in rows] == [[0], [4, 5, 6, 7], []]

    def test_length_count_must_match_rows(self):
        with pytest.raises(
            ValueError,
            match=r'valids has 2 lengths but tensor '
            r'has 3 rows',
        ):
            filter_valids(torch.zeros(3, 4), [1, 2])

    def test_length_must_fit(self):
        with pytest.raises(
            ValueError,
            match=r'lengths from 0 to 4 .* but '
            r'include \[5\]',
        ):
            filter_valids(torch.zeros(2, 4), [1, 5])

    def test_needs_two_dimensions(self):
        with pytest.raises(
            ValueError,
            match=r'shape \(N, T, \.\.\.\), but the '
            r'tensor has shape \(3,\)',
        ):
            filter_valids(torch.zeros(3), [1, 1, 1])


class TestPreferGpu:
    def test_cpu_without_cuda(self, monkeypatch):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
        set_gpu_mode(False)
        prefer_gpu()
        assert global_device() == torch.device('cpu')

    @needs_cuda
    def test_gpu_with_cuda(self):
        prefer_gpu()
        assert global_device() == torch.device('cuda:0')


class TestPadToLast:
    def test_pads_the_last_axis_with_zeros(self):
        # the original garage's call
        nums = np.random.default_rng(0).integers(0, 100, size=(10, 3, 5))
        padded = pad_to_last(nums, total_length=10)
        expected = np.pad(nums, ((0, 0), (0, 0), (0, 5)))
        assert isinstance(padded, torch.Tensor)
        assert padded.dtype == torch.float32
        np.testing.assert_array_equal(padded.numpy(), expected)

    @pytest.mark.parametrize('axis', [0, 1, -2])
    def test_pads_any_axis_with_val(self, axis):
        nums = np.ones((2, 3, 4))
        padded = pad_to_last(nums, total_length=6, axis=axis, val=-1)
        width = [(0, 0)] * 3
        width[axis] = (0, 6 - nums.shape[axis])
        expected = np.pad(nums, width, constant_values=-1)
        np.testing.assert_array_equal(padded.numpy(), expected)

    def test_long_enough_axis_is_unchanged(self):
        nums = [[1.0, 2.0, 3.0]]
        assert pad_to_last(nums, total_length=2).tolist() == nums

    @pytest.mark.parametrize('axis', [3, -4])
    def test_axis_out_of_range_raises_index_error(self, axis):
        with pytest.raises(IndexError, match=rf'axis {axis} is out of range'):
            pad_to_last(np.ones((2, 3, 4)), total_length=5, axis=axis)


def test_flatten_to_single_vector():
    images = torch.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    flat = flatten_to_single_vector(images)
    assert flat.shape == (2, 60)
    assert torch.equal(flat[1], images[1].flatten())


class TestOutputSize2d:
    @pytest.mark.parametrize(
        'layer',
        [
            nn.Conv2d(3, 4, kernel_size=3),
            nn.Conv2d(3, 4, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2)),
            nn.Conv2d(3, 4, kernel_size=3, stride=2, dilation=2, padding=3),
            nn.Conv2d(3, 4, kernel_size=3, padding='same'),
            nn.Conv2d(3, 4, kernel_size=(2, 3), padding='valid'),
            nn.MaxPool2d(2),
            nn.MaxPool2d((3, 2), stride=(1, 2), padding=1),
            nn.MaxPool2d(2, ceil_mode=True),
        ],
    )
    def test_matches_the_layer(self, layer):
        # NCHW images of height 11 and width 13
        out = layer(torch.zeros(1, 3, 11, 13))
        assert output_height_2d(layer, 11) == out.shape[2]
        assert output_width_2d(layer, 13) == out.shape[3]

    def test_other_layer_raises(self):
        with pytest.raises(TypeError, match='layer'):
            output_height_2d(nn.Linear(2, 2), 4)


class TestExpandVar:
    def test_one_value_is_repeated(self):
        assert expand_var('kernel_sizes', 3, 2, 'hidden_channels') == [3, 3]

    def test_a_list_of_one_is_repeated(self):
        assert expand_var('pool_shape', [(2, 2)], 3, 'hidden_channels') == [(2, 2)] * 3

    def test_a_sequence_of_n_expected_is_returned(self):
        sizes = (3, 5)
        assert expand_var('kernel_sizes', sizes, 2, 'hidden_channels') is sizes

    def test_other_length_raises_naming_both(self):
        with pytest.raises(
            ValueError,
            match=r'kernel_sizes must be one value or a sequence of 1 or 2 '
            r'values \(2 from hidden_channels\), got 3 values',
        ):
            expand_var('kernel_sizes', [3, 3, 3], 2, 'hidden_channels')


class TestFlattenBatch:
    def test_merges_first_two_dimensions(self):
        tensor = torch.arange(24).reshape(2, 3, 4)
        flat = flatten_batch(tensor)
        assert flat.shape == (6, 4)
        assert flat[4].tolist() == tensor[1, 1].tolist()

    def test_needs_two_dimensions(self):
        with pytest.raises(ValueError, match=r'tensor has shape \(3,\)'):
            flatten_batch(torch.zeros(3))


def test_product_of_gaussians():
    mus = torch.tensor([[0.0], [2.0]])
    sigmas_squared = torch.tensor([[1.0], [3.0]])
    mu, sigma_squared = product_of_gaussians(mus, sigmas_squared)
    torch.testing.assert_close(sigma_squared, torch.tensor([0.75]))
    torch.testing.assert_close(mu, torch.tensor([0.75 * 2 / 3]))


def test_list_to_tensor_makes_a_float_tensor_copy():
    data = [[1, 2], [3, 4]]
    tensor = list_to_tensor(data)
    assert tensor.dtype == torch.float32
    assert tensor.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    array = np.ones(2, dtype=np.float32)
    list_to_tensor(array)[0] = 5
    assert array[0] == 1


@pytest.mark.parametrize('set_to_none', [True, False])
def test_zero_optim_grads(set_to_none):
    parameter = nn.Parameter(torch.ones(2))
    optim = torch.optim.SGD([parameter], lr=0.1)
    (parameter * 3).sum().backward()
    zero_optim_grads(optim, set_to_none=set_to_none)
    if set_to_none:
        assert parameter.grad is None
    else:
        assert parameter.grad.tolist() == [0.0, 0.0]
