import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.policies import Policy


def make_env_spec():
    return EnvSpec(akro.Box(low=-1.0, high=1.0, shape=(3,)), akro.Discrete(4))


class ConstantPolicy(Policy):
    """Smallest complete policy: always action 0."""

    def __init__(self, env_spec):
        self._env_spec = env_spec

    @property
    def env_spec(self):
        return self._env_spec

    def get_action(self, observation):
        return 0, {}

    def get_actions(self, observations):
        return np.zeros(len(observations), dtype=int), {}


class RecurrentPolicy(ConstantPolicy):
    @property
    def state_info_specs(self):
        return [('prev_action', (4,)), ('hidden', (8,))]


def test_cannot_instantiate_base():
    with pytest.raises(TypeError, match='abstract'):
        Policy()


@pytest.mark.parametrize('missing', ['get_action', 'get_actions', 'env_spec'])
def test_every_abstract_member_is_required(missing):
    members = {
        name: getattr(ConstantPolicy, name)
        for name in ('get_action', 'get_actions', 'env_spec')
        if name != missing
    }
    incomplete = type('Incomplete', (Policy,), members)
    with pytest.raises(TypeError, match=missing):
        incomplete()


def test_spaces_come_from_env_spec():
    env_spec = make_env_spec()
    policy = ConstantPolicy(env_spec)
    assert policy.env_spec is env_spec
    assert policy.observation_space is env_spec.observation_space
    assert policy.action_space is env_spec.action_space


def test_name_defaults_to_class_name():
    assert ConstantPolicy(make_env_spec()).name == 'ConstantPolicy'
    assert RecurrentPolicy(make_env_spec()).name == 'RecurrentPolicy'


def test_reset_is_a_no_op():
    policy = ConstantPolicy(make_env_spec())
    before = dict(vars(policy))
    assert policy.reset() is None
    assert policy.reset(np.array([True, False])) is None
    assert vars(policy) == before


def test_no_state_info_by_default():
    policy = ConstantPolicy(make_env_spec())
    assert policy.state_info_specs == []
    assert policy.state_info_keys == []


def test_state_info_keys_follow_specs():
    policy = RecurrentPolicy(make_env_spec())
    assert policy.state_info_keys == ['prev_action', 'hidden']


def test_base_has_no_constructor_state():
    # A subclass that is also an nn.Module must be free to run its own
    # constructors: the base class defines no __init__ and no instance state.
    assert '__init__' not in vars(Policy)
    torch = pytest.importorskip('torch')

    class ModulePolicy(ConstantPolicy, torch.nn.Module):
        def __init__(self, env_spec):
            torch.nn.Module.__init__(self)
            self._env_spec = env_spec
            self.linear = torch.nn.Linear(3, 4)

    policy = ModulePolicy(make_env_spec())
    assert len(list(policy.parameters())) == 2
    assert policy.action_space.n == 4


def test_parameters_are_required_only_when_used():
    policy = ConstantPolicy(make_env_spec())
    with pytest.raises(
        NotImplementedError, match=r'^ConstantPolicy does not define get_param_values'
    ):
        policy.get_param_values()
    with pytest.raises(
        NotImplementedError, match=r'^ConstantPolicy does not define set_param_values'
    ):
        policy.set_param_values({})
