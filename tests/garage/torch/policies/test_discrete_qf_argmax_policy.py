import pickle

import cloudpickle
import numpy as np
import pytest
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import DiscreteQFArgmaxPolicy, Policy
from garage.torch.q_functions import DiscreteCNNQFunction, DiscreteMLPQFunction


def make_spec(obs_shape=(4,), n_actions=3):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, obs_shape, np.float32), akro.Discrete(n_actions)
    )


class TableQF(torch.nn.Module):
    """Q-values: the observation times a fixed matrix."""

    def __init__(self, table):
        super().__init__()
        self.table = torch.nn.Parameter(torch.as_tensor(table, dtype=torch.float32))

    def forward(self, observations):
        return observations @ self.table


def test_is_a_policy_holding_the_qf():
    qf = DiscreteMLPQFunction(make_spec(), hidden_sizes=(8,))
    policy = DiscreteQFArgmaxPolicy(qf, make_spec())
    assert isinstance(policy, Policy)
    assert policy.name == 'DiscreteQFArgmaxPolicy'
    assert set(policy.state_dict()) == {f'_qf.{k}' for k in qf.state_dict()}


def test_rejects_box_actions():
    env_spec = EnvSpec(akro.Box(-1.0, 1.0, (4,)), akro.Box(-1.0, 1.0, (2,)))
    with pytest.raises(
        ValueError,
        match=r'DiscreteQFArgmaxPolicy needs an '
        r'akro\.Discrete action space',
    ):
        DiscreteQFArgmaxPolicy(TableQF(np.eye(4, 2)), env_spec)


def test_picks_the_argmax():
    table = np.array(
        [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]]
    )
    policy = DiscreteQFArgmaxPolicy(TableQF(table), make_spec())
    observations = np.array(
        [
            [1.0, 0.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0],
            [1.0, 1.0, 1.0, 0.0],
            [-1.0, 0.0, 0.0, 0.0],
        ]
    )
    actions, info = policy.get_actions(observations)
    np.testing.assert_array_equal(actions, [0, 1, 2, 1])
    assert info == {}
    action, info = policy.get_action(observations[2])
    assert action == 2
    assert action.shape == ()
    assert info == {}


def test_ties_go_to_the_first_action():
    policy = DiscreteQFArgmaxPolicy(TableQF(np.zeros((4, 3))), make_spec())
    assert policy.get_action(np.ones(4))[0] == 0


def test_matches_the_argmax_of_an_mlp_q_function():
    env_spec = make_spec()
    qf = DiscreteMLPQFunction(env_spec, hidden_sizes=(16,))
    policy = DiscreteQFArgmaxPolicy(qf, env_spec)
    observations = np.random.default_rng(0).standard_normal((50, 4))
    q_values = qf(torch.as_tensor(observations, dtype=torch.float32))
    np.testing.assert_array_equal(
        policy.get_actions(observations)[0], q_values.argmax(dim=1).numpy()
    )


def test_image_observations_with_a_cnn_q_function():
    env_spec = EnvSpec(akro.Image((6, 6, 2)), akro.Discrete(3))
    qf = DiscreteCNNQFunction(
        env_spec,
        'NHWC',
        kernel_sizes=(3,),
        hidden_channels=(4,),
        strides=(1,),
        hidden_sizes=(8,),
    )
    policy = DiscreteQFArgmaxPolicy(qf, env_spec)
    images = np.random.default_rng(1).integers(0, 256, (5, 6, 6, 2), dtype=np.uint8)
    expected = qf(torch.as_tensor(images)).argmax(dim=1).numpy()
    np.testing.assert_array_equal(policy.get_actions(images)[0], expected)
    np.testing.assert_array_equal(
        policy.get_actions(images.reshape(5, -1))[0], expected
    )
    assert policy.get_action(images[3])[0] == expected[3]


def test_wrong_shape_names_expected_shape():
    policy = DiscreteQFArgmaxPolicy(TableQF(np.eye(4, 3)), make_spec())
    with pytest.raises(
        ValueError,
        match=r'observations have shape \(2, 3\), '
        r'but expected \(N, 4\)',
    ):
        policy.get_actions(np.zeros((2, 3)))


@pytest.mark.parametrize(
    ('dumps', 'loads'),
    [(pickle.dumps, pickle.loads), (cloudpickle.dumps, cloudpickle.loads)],
)
def test_pickling_keeps_the_actions(dumps, loads):
    env_spec = make_spec()
    policy = DiscreteQFArgmaxPolicy(
        DiscreteMLPQFunction(env_spec, hidden_sizes=(8,)), env_spec
    )
    observations = np.random.default_rng(2).standard_normal((20, 4))
    clone = loads(dumps(policy))
    np.testing.assert_array_equal(
        clone.get_actions(observations)[0], policy.get_actions(observations)[0]
    )


def test_param_values_update_the_q_function():
    env_spec = make_spec()
    source = DiscreteQFArgmaxPolicy(
        DiscreteMLPQFunction(env_spec, hidden_sizes=(8,)), env_spec
    )
    qf = DiscreteMLPQFunction(env_spec, hidden_sizes=(8,))
    target = DiscreteQFArgmaxPolicy(qf, env_spec)
    target.set_param_values(source.get_param_values())
    observations = np.random.default_rng(3).standard_normal((20, 4))
    np.testing.assert_array_equal(
        target.get_actions(observations)[0], source.get_actions(observations)[0]
    )
