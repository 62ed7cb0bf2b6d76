import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.policies import FixedPolicy, Policy


@pytest.fixture
def env_spec():
    return EnvSpec(akro.Box(low=-1.0, high=1.0, shape=(1,)), akro.Discrete(5))


def test_is_a_policy(env_spec):
    policy = FixedPolicy(env_spec, [1])
    assert isinstance(policy, Policy)
    assert policy.env_spec is env_spec
    assert policy.action_space is env_spec.action_space


def test_returns_actions_in_order(env_spec):
    policy = FixedPolicy(env_spec, scripted_actions=[3, 1, 4])
    actions = [policy.get_action(None)[0] for _ in range(3)]
    assert actions == [3, 1, 4]


def test_ignores_observation(env_spec):
    policy = FixedPolicy(env_spec, [2, 0])
    assert policy.get_action(np.array([0.5]))[0] == 2
    assert policy.get_action(np.array([0.5]))[0] == 0


def test_agent_infos(env_spec):
    infos = [{'p': np.array([0.1])}, {'p': np.array([0.9])}]
    policy = FixedPolicy(env_spec, [0, 1], agent_infos=infos)
    assert policy.get_action(None) == (0, infos[0])
    assert policy.get_action(None) == (1, infos[1])


def test_default_agent_infos_are_empty(env_spec):
    policy = FixedPolicy(env_spec, [0, 1])
    assert policy.get_action(None)[1] == {}


def test_agent_infos_length_mismatch(env_spec):
    with pytest.raises(
        ValueError,
        match=r'agent_infos has 1 entries, but there are 2 '
        r'scripted actions',
    ):
        FixedPolicy(env_spec, [0, 1], agent_infos=[{}])


def test_reset_rewinds(env_spec):
    policy = FixedPolicy(env_spec, [3, 1, 4])
    policy.get_action(None)
    policy.get_action(None)
    policy.reset()
    assert policy.get_action(None)[0] == 3


def test_reset_with_flags(env_spec):
    policy = FixedPolicy(env_spec, [3, 1, 4])
    policy.get_action(None)
    policy.reset([False])
    assert policy.get_action(None)[0] == 1
    policy.reset(np.array([True]))
    assert policy.get_action(None)[0] == 3


def test_reset_more_than_one_env(env_spec):
    policy = FixedPolicy(env_spec, [3])
    with pytest.raises(
        ValueError,
        match=r'one environment at a time, but do_resets has '
        r'2 flags',
    ):
        policy.reset([True, True])


def test_running_past_the_end(env_spec):
    policy = FixedPolicy(env_spec, [3, 1])
    policy.get_action(None)
    policy.get_action(None)
    with pytest.raises(
        IndexError,
        match=r'returned all 2 of its scripted actions; call '
        r'reset\(\) to start again',
    ):
        policy.get_action(None)


def test_get_actions_batch_of_one(env_spec):
    infos = [{'p': np.array([0.1, 0.9]), 'nested': {'h': 1.0}}]
    policy = FixedPolicy(env_spec, [4], agent_infos=infos)
    actions, agent_infos = policy.get_actions([np.array([0.0])])
    np.testing.assert_array_equal(actions, [4])
    assert set(agent_infos) == {'p', 'nested'}
    np.testing.assert_array_equal(agent_infos['p'], [[0.1, 0.9]])
    np.testing.assert_array_equal(agent_infos['nested']['h'], [1.0])


@pytest.mark.parametrize('n', [0, 2])
def test_get_actions_other_batch_sizes(env_spec, n):
    policy = FixedPolicy(env_spec, [4, 4])
    with pytest.raises(ValueError, match=rf'batch of exactly one observation, not {n}'):
        policy.get_actions([np.zeros(1)] * n)


def test_no_params(env_spec):
    policy = FixedPolicy(env_spec, [1, 2])
    assert policy.get_param_values() == ()
    policy.get_action(None)
    policy.set_param_values(policy.get_param_values())
    assert policy.get_action(None)[0] == 2
