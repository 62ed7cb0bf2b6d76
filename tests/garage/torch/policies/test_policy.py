"""The base classes: observation handling, conversions, parameters, modes."""

import io
import pickle
import warnings

import cloudpickle
import numpy as np
import pytest
import torch
from torch.distributions import Independent, Normal

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.policies import Policy as NumPyPolicy
from garage.torch.policies import Policy, StochasticPolicy


def box_spec(obs_shape=(3,), action_dim=2):
    return EnvSpec(
        akro.Box(-1.0, 1.0, obs_shape, np.float32),
        akro.Box(-1.0, 1.0, (action_dim,), np.float32),
    )


class LinearPolicy(Policy):
    """A deterministic policy whose action is a linear map of the input."""

    def __init__(self, env_spec, name='LinearPolicy', **kwargs):
        super().__init__(env_spec, name, **kwargs)
        self.linear = torch.nn.Linear(
            env_spec.observation_space.flat_dim, env_spec.action_space.flat_dim
        )

    def forward(self, observations):
        return self.linear(observations.flatten(1))


class ShapeRecordingPolicy(LinearPolicy):
    """Records the shape of the tensors forward receives."""

    def forward(self, observations):
        self.seen = tuple(observations.shape)
        return super().forward(observations)


class NormalPolicy(StochasticPolicy):
    """A stochastic policy that uses the default (distribution) sampling."""

    def __init__(self, env_spec):
        super().__init__(env_spec, 'NormalPolicy')
        self.linear = torch.nn.Linear(
            env_spec.observation_space.flat_dim, env_spec.action_space.flat_dim
        )
        self.log_std = torch.nn.Parameter(torch.zeros(env_spec.action_space.flat_dim))

    def forward(self, observations):
        mean = self.linear(observations)
        dist = Independent(Normal(mean, self.log_std.exp()), 1)
        return dist, {'mean': mean, 'log_std': self.log_std.expand_as(mean)}


def set_affine(linear, bias):
    with torch.no_grad():
        linear.weight.zero_()
        linear.bias.copy_(torch.as_tensor(bias))


def test_is_a_module_and_a_numpy_policy():
    policy = LinearPolicy(box_spec())
    assert isinstance(policy, torch.nn.Module)
    assert isinstance(policy, NumPyPolicy)


def test_spec_spaces_and_name():
    env_spec = box_spec()
    policy = LinearPolicy(env_spec, name='mine')
    assert policy.env_spec is env_spec
    assert policy.observation_space is env_spec.observation_space
    assert policy.action_space is env_spec.action_space
    assert policy.name == 'mine'


def test_reset_accepts_do_resets():
    policy = LinearPolicy(box_spec())
    policy.reset()
    policy.reset(np.array([True, False]))


def test_get_action_returns_forward_output_for_one_observation():
    policy = LinearPolicy(box_spec())
    set_affine(policy.linear, [0.5, -0.25])
    action, info = policy.get_action(np.zeros(3, np.float32))
    assert isinstance(action, np.ndarray)
    assert action.shape == (2,)
    np.testing.assert_allclose(action, [0.5, -0.25])
    assert info == {}


def test_get_actions_matches_forward():
    policy = LinearPolicy(box_spec())
    observations = np.random.default_rng(0).standard_normal((5, 3))
    actions, info = policy.get_actions(observations)
    expected = policy(torch.as_tensor(observations, dtype=torch.float32))
    assert actions.shape == (5, 2)
    np.testing.assert_allclose(actions, expected.detach().numpy(), rtol=1e-6)
    assert info == {}


def test_get_actions_of_an_empty_batch():
    actions, _ = LinearPolicy(box_spec()).get_actions(np.zeros((0, 3)))
    assert actions.shape == (0, 2)


@pytest.mark.parametrize(
    'observation',
    [
        [0.1, 0.2, 0.3],
        (0.1, 0.2, 0.3),
        torch.tensor([0.1, 0.2, 0.3]),
        np.array([0.1, 0.2, 0.3]),  # float64
        np.array([0.3, 0.2, 0.1])[::-1],  # negative stride
        np.array([[0.1, 9.0], [0.2, 9.0], [0.3, 9.0]])[:, 0],  # not contiguous
    ],
)
def test_observation_types_and_layouts(observation):
    policy = LinearPolicy(box_spec())
    action, _ = policy.get_action(observation)
    expected = policy(torch.tensor([[0.1, 0.2, 0.3]]))[0]
    np.testing.assert_allclose(action, expected.detach().numpy(), rtol=1e-6)


def test_read_only_observation_is_copied_without_warning():
    policy = LinearPolicy(box_spec())
    observation = np.array([0.1, 0.2, 0.3], np.float32)
    observation.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        policy.get_action(observation)
        policy.get_actions(observation[None])


def test_observation_is_not_modified_and_action_does_not_alias_it():
    policy = LinearPolicy(box_spec(action_dim=3))
    with torch.no_grad():
        policy.linear.weight.copy_(torch.eye(3))
        policy.linear.bias.zero_()
    observation = np.array([0.1, 0.2, 0.3], np.float32)
    action, _ = policy.get_action(observation)
    action += 1
    np.testing.assert_array_equal(observation, np.array([0.1, 0.2, 0.3], np.float32))


@pytest.mark.parametrize('flatten', [True, False])
def test_image_observations_single_batch_and_flattened(flatten):
    env_spec = box_spec(obs_shape=(4, 5, 3))
    policy = ShapeRecordingPolicy(env_spec, flatten_observations=flatten)
    row_shape = (60,) if flatten else (4, 5, 3)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (6, 4, 5, 3)).astype(np.float32)
    single, _ = policy.get_action(images[0])
    assert policy.seen == (1, *row_shape)
    single_flat, _ = policy.get_action(images[0].reshape(-1))
    assert policy.seen == (1, *row_shape)
    batch, _ = policy.get_actions(images)
    assert policy.seen == (6, *row_shape)
    batch_flat, _ = policy.get_actions(images.reshape(6, -1))
    assert policy.seen == (6, *row_shape)
    assert single.shape == (2,)
    assert batch.shape == (6, 2)
    np.testing.assert_allclose(single, batch[0], rtol=1e-5)
    np.testing.assert_array_equal(single, single_flat)
    np.testing.assert_array_equal(batch, batch_flat)


def test_unflattened_input_needs_a_box_space():
    env_spec = EnvSpec(akro.Discrete(4), akro.Box(-1.0, 1.0, (1,)))
    with pytest.raises(
        ValueError,
        match=r'flatten_observations=False\) '
        r'needs an akro\.Box observation space, not '
        r'Discrete\(4\)',
    ):
        LinearPolicy(env_spec, flatten_observations=False)


def test_uint8_images_become_floats():
    env_spec = EnvSpec(akro.Image((2, 2, 1)), akro.Box(-1.0, 1.0, (1,)))
    policy = LinearPolicy(env_spec)
    with torch.no_grad():
        policy.linear.weight.fill_(1.0)
        policy.linear.bias.zero_()
    action, _ = policy.get_action(np.full((2, 2, 1), 200, np.uint8))
    assert action.dtype == np.float32
    np.testing.assert_allclose(action, [800.0])


def test_wrong_single_observation_shape_names_expected_shapes():
    policy = LinearPolicy(box_spec(obs_shape=(4, 5, 3)))
    with pytest.raises(
        ValueError,
        match=r'observation has shape \(4, 5\), '
        r'but expected \(4, 5, 3\) or \(60,\)',
    ):
        policy.get_action(np.zeros((4, 5)))


def test_wrong_batch_shape_names_expected_shapes():
    policy = LinearPolicy(box_spec(obs_shape=(4, 5, 3)))
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(2, 59\), '
        r'but expected \(N, 4, 5, 3\) or \(N, 60\)',
    ):
        policy.get_actions(np.zeros((2, 59)))


def test_batch_of_one_given_to_get_action_is_flattened():
    # the original garage flattened a (1, d) observation in get_action
    policy = LinearPolicy(box_spec())
    observation = np.arange(3.0)
    action, _ = policy.get_action(observation[None])
    np.testing.assert_array_equal(action, policy.get_action(observation)[0])


def test_scalar_given_as_batch_is_rejected():
    policy = LinearPolicy(box_spec())
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(\), '
        r'but expected \(N, 3\)',
    ):
        policy.get_actions(np.float32(0.0))


def discrete_obs_policy():
    env_spec = EnvSpec(akro.Discrete(4), akro.Box(-1.0, 1.0, (4,)))
    policy = LinearPolicy(env_spec)
    with torch.no_grad():
        policy.linear.weight.copy_(torch.eye(4))
        policy.linear.bias.zero_()
    return policy


def test_discrete_observation_index_or_one_hot():
    policy = discrete_obs_policy()
    np.testing.assert_array_equal(policy.get_action(2)[0], [0, 0, 1, 0])
    np.testing.assert_array_equal(policy.get_action(np.int64(3))[0], [0, 0, 0, 1])
    np.testing.assert_array_equal(policy.get_action(np.eye(4)[1])[0], [0, 1, 0, 0])
    np.testing.assert_array_equal(policy.get_actions([0, 3])[0], np.eye(4)[[0, 3]])
    np.testing.assert_array_equal(
        policy.get_actions(np.eye(4)[[2, 1]])[0], np.eye(4)[[2, 1]]
    )


def test_discrete_observation_of_wrong_shape_names_index_and_one_hot():
    policy = discrete_obs_policy()
    with pytest.raises(
        ValueError,
        match=r'observation has shape \(2,\), but '
        r'expected \(\) \(index\) or \(4,\) \(one-hot\)',
    ):
        policy.get_action([1, 2])


def test_discrete_observation_batch_of_wrong_shape_names_batch_shapes():
    policy = discrete_obs_policy()
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(1, 2\), '
        r'but expected \(N,\) \(index\) or \(N, 4\)',
    ):
        policy.get_actions([[1, 2]])


def test_discrete_observation_out_of_range_is_rejected():
    with pytest.raises(ValueError, match=r'observation has shape \(\)'):
        discrete_obs_policy().get_action(7)


def dict_obs_policy():
    space = akro.Dict({'a': akro.Box(-1.0, 1.0, (2,)), 'b': akro.Box(-1.0, 1.0, (1,))})
    policy = LinearPolicy(EnvSpec(space, akro.Box(-1.0, 1.0, (3,))))
    with torch.no_grad():
        policy.linear.weight.copy_(torch.eye(3))
        policy.linear.bias.zero_()
    return policy, space


def test_dict_observations_are_flattened_by_the_space():
    policy, space = dict_obs_policy()
    observation = {'a': np.array([0.1, 0.2]), 'b': np.array([0.3])}
    expected = space.flatten(observation)
    np.testing.assert_allclose(policy.get_action(observation)[0], expected, rtol=1e-6)
    np.testing.assert_allclose(policy.get_action(expected)[0], expected, rtol=1e-6)
    actions, _ = policy.get_actions([observation, observation])
    np.testing.assert_allclose(actions, [expected, expected], rtol=1e-6)


def test_dict_observation_that_does_not_flatten_is_rejected():
    policy, _ = dict_obs_policy()
    with pytest.raises(
        ValueError,
        match=r'expected \(3,\) \(flattened\) or '
        'an element of the space',
    ):
        policy.get_action(np.zeros(5))


def test_get_param_values_is_a_cpu_copy():
    policy = LinearPolicy(box_spec())
    values = policy.get_param_values()
    assert set(values) == set(policy.state_dict())
    assert all(v.device.type == 'cpu' for v in values.values())
    before = values['linear.bias'].clone()
    with torch.no_grad():
        policy.linear.bias.add_(1.0)
    torch.testing.assert_close(values['linear.bias'], before)
    assert not values['linear.bias'].requires_grad


def test_set_param_values_round_trip():
    source, target = LinearPolicy(box_spec()), LinearPolicy(box_spec())
    observation = np.array([0.1, -0.2, 0.3], np.float32)
    assert not np.allclose(
        source.get_action(observation)[0], target.get_action(observation)[0]
    )
    target.set_param_values(source.get_param_values())
    np.testing.assert_array_equal(
        source.get_action(observation)[0], target.get_action(observation)[0]
    )


def test_set_param_values_keeps_dtype():
    policy = LinearPolicy(box_spec()).to(torch.float64)
    policy.set_param_values(LinearPolicy(box_spec()).get_param_values())
    assert policy.linear.weight.dtype == torch.float64


def test_set_param_values_rejects_wrong_keys():
    policy = LinearPolicy(box_spec())
    with pytest.raises(RuntimeError, match='Missing key'):
        policy.set_param_values({})


def test_to_float64_after_acting_acts_in_float64():
    policy = LinearPolicy(box_spec())
    observation = np.array([0.1, 0.2, 0.3])
    assert policy.get_action(observation)[0].dtype == np.float32
    policy.to(torch.float64)
    action, _ = policy.get_action(observation)
    assert action.dtype == np.float64
    actions, _ = policy.get_actions(observation[None])
    assert actions.dtype == np.float64
    expected = policy(torch.tensor([[0.1, 0.2, 0.3]], dtype=torch.float64))
    np.testing.assert_allclose(action, expected[0].detach().numpy(), rtol=1e-12)


def test_load_state_dict_with_assign_after_acting():
    policy = LinearPolicy(box_spec())
    policy.get_action(np.zeros(3))
    state = {k: v.to(torch.float64) for k, v in policy.state_dict().items()}
    policy.load_state_dict(state, assign=True)
    assert policy.get_action(np.zeros(3))[0].dtype == np.float64


def test_to_cpu_keeps_acting():
    policy = LinearPolicy(box_spec())
    before, _ = policy.get_action(np.zeros(3))
    after, _ = policy.to('cpu').get_action(np.zeros(3))
    np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickled_policy_gives_identical_actions(dumps, loads):
    policy = LinearPolicy(box_spec())
    observations = np.random.default_rng(1).standard_normal((4, 3))
    policy.get_actions(observations)
    clone = loads(dumps(policy))
    np.testing.assert_array_equal(
        clone.get_actions(observations)[0], policy.get_actions(observations)[0]
    )
    assert clone.name == policy.name


def test_saved_policy_loads_on_cpu_with_map_location():
    policy = LinearPolicy(box_spec())
    observation = np.array([0.1, 0.2, 0.3], np.float32)
    expected, _ = policy.get_action(observation)
    buffer = io.BytesIO()
    torch.save(policy, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, map_location='cpu', weights_only=False)
    np.testing.assert_array_equal(loaded.get_action(observation)[0], expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_policy_acts_on_gpu_and_loads_on_cpu_from_a_gpu_save():
    policy = LinearPolicy(box_spec())
    observation = np.array([0.1, 0.2, 0.3], np.float32)
    cpu_action, _ = policy.get_action(observation)
    policy.to('cuda')
    gpu_action, _ = policy.get_action(observation)
    assert isinstance(gpu_action, np.ndarray)
    np.testing.assert_allclose(gpu_action, cpu_action, rtol=1e-5)
    assert policy.get_param_values()['linear.weight'].device.type == 'cpu'
    buffer = io.BytesIO()
    torch.save(policy, buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, map_location='cpu', weights_only=False)
    assert loaded.linear.weight.device.type == 'cpu'
    np.testing.assert_allclose(loaded.get_action(observation)[0], cpu_action, rtol=1e-5)


def test_stochastic_default_sampling_uses_the_distribution():
    policy = NormalPolicy(box_spec())
    set_affine(policy.linear, [2.0, -3.0])
    with torch.no_grad():
        policy.log_std.copy_(torch.log(torch.tensor([0.5, 2.0])))
    torch.manual_seed(0)
    actions, info = policy.get_actions(np.zeros((20000, 3)))
    assert actions.shape == (20000, 2)
    np.testing.assert_allclose(actions.mean(axis=0), [2.0, -3.0], atol=0.05)
    np.testing.assert_allclose(actions.std(axis=0), [0.5, 2.0], rtol=0.03)
    np.testing.assert_allclose(info['mean'][0], [2.0, -3.0])
    np.testing.assert_allclose(info['log_std'][0], np.log([0.5, 2.0]), rtol=1e-6)


def test_stochastic_deterministic_mode_gives_the_mode():
    policy = NormalPolicy(box_spec())
    set_affine(policy.linear, [2.0, -3.0])
    assert policy.deterministic is False
    policy.deterministic = True
    action, info = policy.get_action(np.zeros(3))
    np.testing.assert_array_equal(action, [2.0, -3.0])
    actions, _ = policy.get_actions(np.zeros((3, 3)))
    np.testing.assert_array_equal(actions, [[2.0, -3.0]] * 3)
    assert set(info) == {'mean', 'log_std'}
    policy.deterministic = False
    assert not np.array_equal(policy.get_action(np.zeros(3))[0], action)


def test_deterministic_mode_survives_pickling():
    policy = NormalPolicy(box_spec())
    policy.deterministic = True
    assert pickle.loads(pickle.dumps(policy)).deterministic is True


def test_agent_info_copies_parameter_views():
    policy = NormalPolicy(box_spec())
    _, info = policy.get_action(np.zeros(3))
    _, batch_info = policy.get_actions(np.zeros((2, 3)))
    info['log_std'][:] = 5.0
    batch_info['log_std'][:] = 5.0
    torch.testing.assert_close(policy.log_std.detach(), torch.zeros(2))


@pytest.mark.parametrize('deterministic', [False, True])
def test_returned_arrays_own_their_memory(deterministic):
    # the mean is the action in deterministic mode, and the log_std rows
    # are one parameter expanded: none of it may alias
    policy = NormalPolicy(box_spec())
    policy.deterministic = deterministic
    for batch in (False, True):
        actions, info = (
            policy.get_actions(np.zeros((3, 3)))
            if batch
            else policy.get_action(np.zeros(3))
        )
        arrays = [actions, *info.values()]
        for array in arrays:
            assert array.flags.owndata
            assert array.flags.c_contiguous
        assert not any(
            np.shares_memory(a, b)
            for i, a in enumerate(arrays)
            for b in arrays[i + 1 :]
        )


def test_get_action_does_not_track_gradients():
    policy = NormalPolicy(box_spec())
    policy.get_actions(np.zeros((2, 3)))
    assert policy.linear.weight.grad is None
    dist, _ = policy(torch.zeros(2, 3))
    dist.log_prob(torch.zeros(2, 2)).sum().backward()
    assert policy.log_std.grad is not None
