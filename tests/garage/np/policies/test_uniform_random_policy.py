import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.policies import Policy, UniformRandomPolicy

OBS_SPACE = akro.Box(low=-1.0, high=1.0, shape=(2,))


def box_spec():
    return EnvSpec(OBS_SPACE, akro.Box(low=-2.0, high=3.0, shape=(4,)))


def discrete_spec():
    return EnvSpec(OBS_SPACE, akro.Discrete(3))


def test_is_a_policy():
    env_spec = box_spec()
    policy = UniformRandomPolicy(env_spec)
    assert isinstance(policy, Policy)
    assert policy.env_spec is env_spec


def test_box_action_in_space():
    policy = UniformRandomPolicy(box_spec())
    for _ in range(20):
        action, info = policy.get_action(np.zeros(2))
        assert info == {}
        assert action.shape == (4,)
        assert policy.action_space.contains(action)


def test_covers_discrete_space():
    policy = UniformRandomPolicy(discrete_spec())
    actions = {int(policy.get_action(None)[0]) for _ in range(200)}
    assert actions == {0, 1, 2}


def test_actions_vary():
    policy = UniformRandomPolicy(box_spec())
    a, _ = policy.get_action(None)
    b, _ = policy.get_action(None)
    assert not np.array_equal(a, b)


def test_get_actions_stacks_batch():
    policy = UniformRandomPolicy(box_spec())
    actions, infos = policy.get_actions(np.zeros((5, 2)))
    assert infos == {}
    assert actions.shape == (5, 4)
    assert all(policy.action_space.contains(a) for a in actions)
    assert len({tuple(a) for a in actions}) == 5


def test_get_actions_discrete():
    policy = UniformRandomPolicy(discrete_spec())
    actions, _ = policy.get_actions([None] * 50)
    assert actions.shape == (50,)
    assert set(actions.tolist()) <= {0, 1, 2}


@pytest.mark.parametrize(('spec', 'shape'), [(box_spec, (0, 4)), (discrete_spec, (0,))])
def test_get_actions_empty_batch(spec, shape):
    env_spec = spec()
    actions, _ = UniformRandomPolicy(env_spec).get_actions([])
    assert actions.shape == shape
    assert actions.dtype == env_spec.action_space.dtype


def test_seeded_through_action_space():
    def draws(seed):
        env_spec = box_spec()
        env_spec.action_space.seed(seed)
        policy = UniformRandomPolicy(env_spec)
        single = policy.get_action(None)[0]
        batch = policy.get_actions([None] * 3)[0]
        return single, batch

    first, second, other = draws(7), draws(7), draws(8)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_samplers_ship_it_once_and_keep_it():
    from garage.envs import PointEnv
    from garage.sampler import LocalSampler

    env = PointEnv(max_episode_length=5)
    policy = UniformRandomPolicy(env.spec)
    # an empty sequence, as in the original garage, sent to every worker
    assert policy.get_param_values() == ()
    policy.set_param_values(())
    sampler = LocalSampler(policy, env, max_episode_length=5, n_workers=2, seed=1)
    batch = sampler.obtain_samples(0, 10, policy.get_param_values())
    assert len(batch.rewards) == 10
