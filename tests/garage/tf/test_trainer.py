"""TFTrainer and LocalTFRunner: session, variables, snapshots, exact resume."""

import numpy as np
import pytest

tf = pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

from garage.envs import GymEnv  # noqa: E402
from garage.experiment import LocalTFRunner, SnapshotConfig, deterministic  # noqa: E402
from garage.np.baselines import LinearFeatureBaseline  # noqa: E402
from garage.sampler import LocalSampler  # noqa: E402
from garage.tf.algos import PPO, TRPO  # noqa: E402
from garage.tf.policies import CategoricalMLPPolicy  # noqa: E402
from garage.trainer import TFTrainer  # noqa: E402

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')

BATCH = 200


def _algo(algo_cls, sampler_kwargs=None, **kwargs):
    env = GymEnv('CartPole-v1', max_episode_length=50)
    policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        agents=policy, envs=env, max_episode_length=50, **(sampler_kwargs or {})
    )
    algo = algo_cls(
        env_spec=env.spec,
        policy=policy,
        baseline=LinearFeatureBaseline(env_spec=env.spec),
        sampler=sampler,
        **kwargs,
    )
    return algo, env


def test_the_trainer_session_is_the_default_inside_with(graph):
    trainer = TFTrainer()
    assert tf.compat.v1.get_default_session() is None
    with trainer as entered:
        assert entered is trainer
        assert tf.compat.v1.get_default_session() is trainer.sess
    assert tf.compat.v1.get_default_session() is None


def test_a_given_session_is_used(graph):
    sess = tf.compat.v1.Session(graph=graph)
    with TFTrainer(sess=sess) as trainer:
        assert trainer.sess is sess
        assert tf.compat.v1.get_default_session() is sess


def test_initialize_tf_vars_keeps_values_set_before_setup(graph, tmp_path):
    with TFTrainer(SnapshotConfig(str(tmp_path), 'none', 1)) as trainer:
        algo, env = _algo(TRPO)
        values = np.arange(algo.policy.get_param_values().size, dtype=np.float32)
        algo.policy.set_param_values(values / 100)
        other = tf.compat.v1.get_variable(
            'fresh', [3], initializer=tf.ones_initializer()
        )
        trainer.setup(algo, env)
        np.testing.assert_allclose(algo.policy.get_param_values(), values / 100)
        np.testing.assert_array_equal(trainer.sess.run(other), np.ones(3))


def _train(tmp_path, algo_cls, n_epochs, resume_to=None, **kwargs):
    """Train from a fresh graph; with resume_to, restore and resume in another."""
    deterministic.set_seed(4)
    with (
        tf.Graph().as_default(),
        TFTrainer(SnapshotConfig(str(tmp_path), 'last', 1)) as trainer,
    ):
        algo, env = _algo(algo_cls, **kwargs)
        trainer.setup(algo, env)
        trainer.train(n_epochs=n_epochs, batch_size=BATCH)
        params = algo.policy.get_param_values()
    if resume_to is None:
        return params, trainer
    with tf.Graph().as_default(), TFTrainer() as trainer:
        trainer.restore(str(tmp_path))
        np.testing.assert_array_equal(trainer._algo.policy.get_param_values(), params)
        trainer.resume(n_epochs=resume_to)
        return trainer._algo.policy.get_param_values(), trainer


@pytest.mark.parametrize(
    ('algo_cls', 'kwargs'),
    [
        (TRPO, {}),
        (TRPO, {'kl_constraint': 'soft'}),
        (PPO, {'optimizer_args': dict(max_optimization_epochs=3, batch_size=64)}),
    ],
)
def test_restore_and_resume_give_the_parameters_of_a_run_never_stopped(
    tmp_path, algo_cls, kwargs
):
    whole, _ = _train(tmp_path / 'whole', algo_cls, 4, **kwargs)
    resumed, trainer = _train(tmp_path / 'split', algo_cls, 2, resume_to=4, **kwargs)
    assert trainer._stats.total_epoch == 3
    np.testing.assert_array_equal(resumed, whole)


def test_snapshots_keep_the_adapted_penalty(graph, tmp_path):
    with TFTrainer(SnapshotConfig(str(tmp_path), 'last', 1)) as trainer:
        algo, env = _algo(
            TRPO,
            kl_constraint='soft',
            optimizer_args=dict(initial_penalty=1e3, max_penalty_itr=2),
        )
        trainer.setup(algo, env)
        trainer.train(n_epochs=1, batch_size=BATCH)
        penalty = algo._optimizer.penalty
    assert penalty != 1e3
    with tf.Graph().as_default(), TFTrainer() as trainer:
        trainer.restore(str(tmp_path))
        assert trainer._algo._optimizer.penalty == penalty


def test_ppo_snapshots_keep_the_adam_moments(graph, tmp_path):
    with TFTrainer(SnapshotConfig(str(tmp_path), 'last', 1)) as trainer:
        algo, env = _algo(PPO, optimizer_args=dict(max_optimization_epochs=2))
        trainer.setup(algo, env)
        trainer.train(n_epochs=1, batch_size=BATCH)
        slots = trainer.sess.run(algo._optimizer._ops['optimizer'].variables())
    with tf.Graph().as_default(), TFTrainer() as trainer:
        trainer.restore(str(tmp_path))
        optimizer = trainer._algo._optimizer
        restored = trainer.sess.run(optimizer._ops['optimizer'].variables())
    assert len(slots) == len(restored) > 2
    for want, got in zip(slots, restored, strict=True):
        np.testing.assert_array_equal(got, want)


def test_local_tf_runner_builds_tf_workers(graph, tmp_path):
    runner = LocalTFRunner(SnapshotConfig(str(tmp_path), 'none', 1), max_cpus=2)
    assert runner.max_cpus == 2
    with runner:
        env = GymEnv('CartPole-v1', max_episode_length=50)
        policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(8,))
        algo = TRPO(
            env_spec=env.spec,
            policy=policy,
            baseline=LinearFeatureBaseline(env_spec=env.spec),
            sampler=None,
        )
        runner.setup(algo, env, sampler_cls=LocalSampler, n_workers=1)
        assert algo._sampler is runner._sampler
        assert runner.train(n_epochs=1, batch_size=BATCH) > 0
