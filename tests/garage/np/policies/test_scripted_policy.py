import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.policies import Policy, ScriptedPolicy


def test_is_a_policy_without_env_spec():
    policy = ScriptedPolicy([1, 2])
    assert isinstance(policy, Policy)
    assert policy.env_spec is None


def test_env_spec_keyword():
    env_spec = EnvSpec(akro.Discrete(3), akro.Discrete(2))
    policy = ScriptedPolicy([1, 0, 1], env_spec=env_spec)
    assert policy.env_spec is env_spec
    assert policy.action_space is env_spec.action_space


def test_observation_indexes_actions():
    policy = ScriptedPolicy(['a', 'b', 'c'])
    assert policy.get_action(2) == ('c', {})
    assert policy.get_action(0) == ('a', {})
    assert policy.get_action(np.int64(1)) == ('b', {})


def test_mapping_of_actions():
    policy = ScriptedPolicy({'left': -1, 'right': 1})
    assert policy.get_action('right')[0] == 1


def test_agent_env_infos():
    infos = [{'k': 0}, {'k': 10}]
    policy = ScriptedPolicy([5, 6], agent_env_infos=infos)
    assert policy.get_action(1) == (6, {'k': 10})


def test_get_actions_maps_over_batch():
    infos = [{'k': np.array([0.0])}, {'k': np.array([1.0])}, {'k': np.array([2.0])}]
    policy = ScriptedPolicy(np.array([[0, 0], [1, 1], [2, 2]]), agent_env_infos=infos)
    actions, agent_infos = policy.get_actions(np.array([2, 0, 2]))
    np.testing.assert_array_equal(actions, [[2, 2], [0, 0], [2, 2]])
    np.testing.assert_array_equal(agent_infos['k'], [[2.0], [0.0], [2.0]])


def test_get_actions_without_infos():
    actions, agent_infos = ScriptedPolicy([7, 8]).get_actions([1, 1, 0])
    np.testing.assert_array_equal(actions, [8, 8, 7])
    assert agent_infos == {}


def test_get_actions_empty_batch():
    with pytest.raises(
        ValueError, match='needs at least one observation, but the batch is empty'
    ):
        ScriptedPolicy([1]).get_actions([])


def test_missing_action():
    with pytest.raises(
        IndexError,
        match=r'no scripted action or agent info for '
        r'observation=5; the script has 2 actions',
    ):
        ScriptedPolicy([1, 2]).get_action(5)


def test_missing_agent_info():
    with pytest.raises(IndexError, match=r'observation=1'):
        ScriptedPolicy([1, 2], agent_env_infos=[{}]).get_action(1)


def test_missing_key():
    with pytest.raises(IndexError, match=r"observation='up'"):
        ScriptedPolicy({'left': -1}).get_action('up')


def test_reset_and_params_are_no_ops():
    policy = ScriptedPolicy([1, 2])
    policy.reset()
    assert policy.get_param_values() == ()
    policy.set_param_values(())
    assert policy.get_action(1)[0] == 2
