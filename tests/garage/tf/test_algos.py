"""NPO, TRPO, PPO and VPG: options, and an epoch of each."""

import pytest

tf = pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

from garage.envs import GymEnv  # noqa: E402
from garage.experiment import SnapshotConfig  # noqa: E402
from garage.np.baselines import LinearFeatureBaseline  # noqa: E402
from garage.sampler import LocalSampler  # noqa: E402
from garage.tf.algos import NPO, PPO, TRPO, VPG  # noqa: E402
from garage.tf.baselines import GaussianMLPBaseline  # noqa: E402
from garage.tf.optimizers import (  # noqa: E402
    ConjugateGradientOptimizer,
    FirstOrderOptimizer,
    PenaltyLbfgsOptimizer,
)
from garage.tf.policies import CategoricalMLPPolicy, GaussianMLPPolicy  # noqa: E402
from garage.trainer import TFTrainer  # noqa: E402

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


@pytest.mark.parametrize(
    ('algo_cls', 'env_id', 'options'),
    [
        (TRPO, 'CartPole-v1', {}),
        (VPG, 'CartPole-v1', {}),
        (PPO, 'Pendulum-v1', {'optimizer_args': dict(max_optimization_epochs=2)}),
        (
            NPO,
            'Pendulum-v1',
            {
                'pg_loss': 'vanilla',
                'optimizer': FirstOrderOptimizer,
                'entropy_method': 'regularized',
                'policy_ent_coeff': 0.01,
            },
        ),
        (
            PPO,
            'CartPole-v1',
            {
                'entropy_method': 'max',
                'policy_ent_coeff': 0.01,
                'center_adv': False,
                'stop_entropy_gradient': True,
                'use_softplus_entropy': True,
            },
        ),
    ],
)
def test_an_epoch_of_each(graph, tmp_path, algo_cls, env_id, options):
    with TFTrainer(SnapshotConfig(str(tmp_path), 'none', 1)) as trainer:
        env = GymEnv(env_id, max_episode_length=40)
        policy_cls = (
            CategoricalMLPPolicy if env_id == 'CartPole-v1' else GaussianMLPPolicy
        )
        policy = policy_cls(env_spec=env.spec, hidden_sizes=(8,))
        baseline = (
            LinearFeatureBaseline(env_spec=env.spec)
            if env_id == 'CartPole-v1'
            else GaussianMLPBaseline(env_spec=env.spec, hidden_sizes=(8,))
        )
        sampler = LocalSampler(agents=policy, envs=env, max_episode_length=40)
        algo = algo_cls(
            env_spec=env.spec,
            policy=policy,
            baseline=baseline,
            sampler=sampler,
            **options,
        )
        trainer.setup(algo, env)
        before = policy.get_param_values()
        result = trainer.train(n_epochs=1, batch_size=120)
        assert result is not None
        assert (policy.get_param_values() != before).any()


@pytest.mark.parametrize(
    ('options', 'message'),
    [
        ({'pg_loss': 'huber'}, 'pg_loss'),
        ({'entropy_method': 'max', 'stop_entropy_gradient': True}, 'center_adv'),
        ({'entropy_method': 'max', 'center_adv': False}, 'stop_entropy_gradient'),
        ({'policy_ent_coeff': 0.1}, 'no_entropy'),
        ({'discount': 1.5}, 'discount'),
    ],
)
def test_npo_checks_its_options(graph, options, message):
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(4,))
    with pytest.raises(ValueError, match=message):
        NPO(
            env_spec=env.spec,
            policy=policy,
            baseline=LinearFeatureBaseline(env_spec=env.spec),
            sampler=None,
            **options,
        )


def test_trpo_checks_kl_constraint(graph):
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(4,))
    with pytest.raises(ValueError, match='kl_constraint'):
        TRPO(
            env_spec=env.spec,
            policy=policy,
            baseline=LinearFeatureBaseline(env_spec=env.spec),
            sampler=None,
            kl_constraint='medium',
        )
    hard = TRPO(
        env_spec=env.spec,
        policy=policy,
        baseline=LinearFeatureBaseline(env_spec=env.spec),
        sampler=None,
        name='hard',
    )
    assert type(hard._optimizer) is ConjugateGradientOptimizer


@pytest.mark.parametrize(
    ('algo_cls', 'options'),
    [
        (TRPO, {'kl_constraint': 'soft'}),
        (NPO, {'optimizer': PenaltyLbfgsOptimizer}),
    ],
)
def test_the_soft_kl_constraint_improves_the_surrogate_within_the_bound(
    graph, tmp_path, monkeypatch, algo_cls, options
):
    with TFTrainer(SnapshotConfig(str(tmp_path), 'none', 1)) as trainer:
        env = GymEnv('CartPole-v1', max_episode_length=40)
        policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(8,))
        sampler = LocalSampler(agents=policy, envs=env, max_episode_length=40)
        algo = algo_cls(
            env_spec=env.spec,
            policy=policy,
            baseline=LinearFeatureBaseline(env_spec=env.spec),
            sampler=sampler,
            max_kl_step=0.01,
            **options,
        )
        optimizer = algo._optimizer
        assert type(optimizer) is PenaltyLbfgsOptimizer
        # the KL is the constraint, with max_kl_step its bound
        assert optimizer._ops['constraint'] is algo._ops['kl']
        assert optimizer._max_constraint_val == 0.01
        steps = []
        optimize = optimizer.optimize

        def recorded(inputs, *args, **kwargs):
            before = optimizer.loss(inputs)
            optimize(inputs, *args, **kwargs)
            steps.append(
                (before, optimizer.loss(inputs), optimizer.constraint_val(inputs))
            )

        monkeypatch.setattr(optimizer, 'optimize', recorded)
        trainer.setup(algo, env)
        assert trainer.train(n_epochs=1, batch_size=120) is not None
    [(loss_before, loss_after, kl)] = steps
    assert loss_after < loss_before
    assert 0 < kl <= 0.01
