"""GaussianGRUPolicy and CategoricalGRUPolicy: per-row state, sequences."""

import pickle

import numpy as np
import pytest
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.policies import CategoricalGRUPolicy, GaussianGRUPolicy

BOX_SPEC = EnvSpec(akro.Box(-1, 1, (3,)), akro.Box(-1, 1, (2,)))
DISCRETE_SPEC = EnvSpec(akro.Box(-1, 1, (3,)), akro.Discrete(4))


def gaussian():
    torch.manual_seed(0)
    return GaussianGRUPolicy(BOX_SPEC, hidden_dim=8)


def categorical():
    torch.manual_seed(0)
    return CategoricalGRUPolicy(DISCRETE_SPEC, hidden_dim=8)


def info_key(policy):
    return 'mean' if isinstance(policy, GaussianGRUPolicy) else 'probs'


@pytest.mark.parametrize('make', [gaussian, categorical])
def test_stepping_matches_the_sequence_forward(make):
    policy = make()
    obs = np.random.default_rng(0).uniform(-1, 1, (5, 3)).astype(np.float32)
    policy.reset()
    stepped = [policy.get_action(o)[1][info_key(policy)] for o in obs]
    with torch.no_grad():
        info = policy(torch.as_tensor(obs)[None])[1]
    np.testing.assert_allclose(stepped, info[info_key(policy)][0], atol=1e-5)


@pytest.mark.parametrize('make', [gaussian, categorical])
def test_rows_step_only_their_state(make):
    policy = make()
    rng = np.random.default_rng(1)
    obs = rng.uniform(-1, 1, (4, 2, 3)).astype(np.float32)
    policy.reset(np.ones(2, dtype=bool))
    policy.get_actions(obs[0])
    # only row 1 acts: row 0's state must not move
    before = policy.hidden_state
    policy.get_actions(obs[1, 1:], rows=[1])
    after = policy.hidden_state
    torch.testing.assert_close(after[0], before[0])
    assert not torch.allclose(after[1], before[1])
    # row 1's trajectory equals that of a policy fed row 1 alone
    alone = make()
    alone.reset()
    expected = [alone.get_action(o)[1][info_key(policy)] for o in obs[:3, 1]]
    got = policy.get_actions(obs[2, 1:], rows=[1])[1][info_key(policy)][0]
    np.testing.assert_allclose(got, expected[2], atol=1e-5)


def test_reset_mask_resets_only_selected_rows():
    policy = gaussian()
    policy.reset(np.ones(3, dtype=bool))
    policy.get_actions(np.ones((3, 3), dtype=np.float32))
    before = policy.hidden_state
    policy.reset(np.array([False, True, False]))
    after = policy.hidden_state
    torch.testing.assert_close(after[0], before[0])
    torch.testing.assert_close(after[1], torch.zeros(8))
    torch.testing.assert_close(after[2], before[2])
    # a mask of another width starts a new state
    policy.reset(np.ones(5, dtype=bool))
    assert policy.hidden_state.shape == (5, 8)


def test_wrong_number_of_observations_is_rejected():
    policy = gaussian()
    policy.reset(np.ones(2, dtype=bool))
    with pytest.raises(ValueError, match='got 1 observations for a hidden state of 2'):
        policy.get_actions(np.ones((1, 3), dtype=np.float32))
    with pytest.raises(ValueError, match='got 1 observations for 2 rows'):
        policy.get_actions(np.ones((1, 3), dtype=np.float32), rows=[0, 1])


def test_forward_needs_sequences():
    with pytest.raises(ValueError, match=r'padded sequences of observations'):
        gaussian()(torch.zeros(4, 3))


def test_forward_shapes():
    dist, info = gaussian()(torch.zeros(2, 6, 3))
    assert dist.batch_shape == (2, 6)
    assert info['mean'].shape == info['log_std'].shape == (2, 6, 2)
    dist, info = categorical()(torch.zeros(2, 6, 3))
    assert dist.batch_shape == (2, 6)
    assert info['probs'].shape == (2, 6, 4)


def test_hidden_state_is_not_a_parameter_and_pickles():
    policy = gaussian()
    policy.reset()
    policy.get_action(np.zeros(3, dtype=np.float32))
    assert not any(
        'hidden' in key and 'initial' not in key for key in policy.get_param_values()
    )
    clone = pickle.loads(pickle.dumps(policy))
    torch.testing.assert_close(clone.hidden_state, policy.hidden_state)
    clone.set_param_values(policy.get_param_values())


def test_deterministic_mode():
    policy = gaussian()
    policy.deterministic = True
    policy.reset()
    action, info = policy.get_action(np.zeros(3, dtype=np.float32))
    np.testing.assert_allclose(action, info['mean'])
    policy = categorical()
    policy.deterministic = True
    policy.reset()
    action, info = policy.get_action(np.zeros(3, dtype=np.float32))
    assert action == np.argmax(info['probs'])


def test_learned_initial_state_and_std_options():
    policy = GaussianGRUPolicy(
        BOX_SPEC,
        hidden_dim=4,
        hidden_state_init_trainable=True,
        init_std=0.5,
        learn_std=False,
    )
    names = {name for name, p in policy.named_parameters() if p.requires_grad}
    assert '_initial_hidden' in names
    assert '_log_std' not in names
    _, info = policy.get_action(np.zeros(3, dtype=np.float32))
    np.testing.assert_allclose(info['log_std'], np.log(0.5), rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'akro\.Box action space'):
        GaussianGRUPolicy(DISCRETE_SPEC)
    with pytest.raises(ValueError, match=r'akro\.Discrete action space'):
        CategoricalGRUPolicy(BOX_SPEC)
    with pytest.raises(ValueError, match='hidden_dim'):
        GaussianGRUPolicy(BOX_SPEC, hidden_dim=0)
