"""TF policies: actions, pickling (rebuilt graph, same values), TF workers."""

import pickle

import akro
import numpy as np
import pytest

tf = pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

from garage.envs import GymEnv  # noqa: E402
from garage.sampler import LocalSampler, MultiprocessingSampler  # noqa: E402
from garage.tf.policies import CategoricalMLPPolicy, GaussianMLPPolicy  # noqa: E402


def test_categorical_policy_acts_and_reports_probabilities(graph):
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(4, 4))
    obs, _ = env.reset()
    action, info = policy.get_action(obs)
    assert env.spec.action_space.contains(int(action))
    assert info['prob'].shape == (2,)
    np.testing.assert_allclose(info['prob'].sum(), 1, rtol=1e-5)
    actions, infos = policy.get_actions(np.stack([obs] * 5))
    assert actions.shape == (5,)
    assert infos['prob'].shape == (5, 2)
    policy.deterministic = True
    assert policy.get_action(obs)[0] == np.argmax(info['prob'])


def test_categorical_policy_refuses_a_box_action_space(graph):
    env = GymEnv('Pendulum-v1')
    with pytest.raises(ValueError, match='Discrete action space, got Box'):
        CategoricalMLPPolicy(env_spec=env.spec)


@pytest.mark.parametrize(
    'options',
    [
        {},
        {'learn_std': False, 'init_std': 0.5},
        {'adaptive_std': True, 'std_hidden_sizes': (4,)},
        {'std_share_network': True},
        {'std_parameterization': 'softplus', 'min_std': 0.1, 'max_std': 2.0},
        {'layer_normalization': True},
    ],
)
def test_gaussian_policy_options(graph, options):
    env = GymEnv('Pendulum-v1')
    policy = GaussianMLPPolicy(env_spec=env.spec, hidden_sizes=(4,), **options)
    obs, _ = env.reset()
    action, info = policy.get_action(obs)
    assert action.shape == (1,)
    init_std = options.get('init_std', 1.0)
    if not (options.get('adaptive_std') or options.get('std_share_network')):
        np.testing.assert_allclose(np.exp(info['log_std']), [init_std], rtol=1e-5)
    trained = ' '.join(v.name for v in policy.get_params())
    assert policy.get_trainable_vars() == policy.get_params()
    learned_vector = not (
        options.get('adaptive_std') or options.get('std_share_network')
    ) and options.get('learn_std', True)
    assert ('std_param' in trained) == learned_vector


def test_gaussian_policy_checks_its_options(graph):
    env = GymEnv('Pendulum-v1')
    with pytest.raises(ValueError, match='std_parameterization'):
        GaussianMLPPolicy(env_spec=env.spec, std_parameterization='log')
    with pytest.raises(ValueError, match='choose one'):
        GaussianMLPPolicy(env_spec=env.spec, adaptive_std=True, std_share_network=True)


@pytest.mark.parametrize('policy_cls', [CategoricalMLPPolicy, GaussianMLPPolicy])
def test_a_pickled_policy_rebuilds_its_graph_with_the_same_values(graph, policy_cls):
    env = GymEnv('CartPole-v1' if policy_cls is CategoricalMLPPolicy else 'Pendulum-v1')
    policy = policy_cls(env_spec=env.spec, hidden_sizes=(4,))
    values = policy.get_param_values() + 0.25
    policy.set_param_values(values)
    data = pickle.dumps(policy)
    obs = np.stack([env.reset()[0]] * 3)
    expected = policy.get_actions(obs)[1]
    with tf.Graph().as_default():  # a new graph, no session: its own
        copy = pickle.loads(data)
        np.testing.assert_array_equal(copy.get_param_values(), values)
        for key, value in copy.get_actions(obs)[1].items():
            np.testing.assert_allclose(value, expected[key], rtol=1e-6)
    with pytest.raises(ValueError, match='param_values has 1 values'):
        policy.set_param_values(np.zeros(1))


def test_tf_workers_in_processes_sample_as_local_workers(graph):
    env = GymEnv('CartPole-v1', max_episode_length=20)
    with tf.compat.v1.Session(graph=graph).as_default():
        policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(4,))
        batches = []
        for sampler_cls in (LocalSampler, MultiprocessingSampler):
            sampler = sampler_cls(
                agents=policy,
                envs=env,
                max_episode_length=20,
                n_workers=2,
                seed=3,
                is_tf_worker=True,
            )
            try:
                batches.append(
                    sampler.obtain_samples(
                        0, 60, agent_update=policy.get_param_values()
                    )
                )
            finally:
                sampler.shutdown_worker()
    local, remote = batches
    np.testing.assert_array_equal(local.actions, remote.actions)
    np.testing.assert_allclose(
        local.agent_infos['prob'], remote.agent_infos['prob'], rtol=1e-5
    )
    assert isinstance(env.spec.action_space, akro.Discrete)
