#!/usr/bin/env python3
"""Train PPO on Pendulum-v1 with TensorFlow.

A Gaussian MLP policy (64, 64) and a Gaussian MLP baseline; each epoch
samples 2,048 steps and takes 10 passes of minibatch Adam steps on the
clipped surrogate loss, as the original garage's TensorFlow PPO
examples do. Needs the ``tf`` extra. The log directory is
``data/local/experiment/ppo_pendulum`` under the working directory.
"""

import argparse

import tensorflow as tf

from garage import wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.sampler import LocalSampler
from garage.tf.algos import PPO
from garage.tf.baselines import GaussianMLPBaseline
from garage.tf.optimizers import FirstOrderOptimizer
from garage.tf.policies import GaussianMLPPolicy
from garage.trainer import TFTrainer


@wrap_experiment
def ppo_pendulum(ctxt, seed=1):
    """Train PPO on Pendulum-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    with TFTrainer(ctxt) as trainer:
        env = GymEnv('Pendulum-v1')
        policy = GaussianMLPPolicy(
            env_spec=env.spec,
            hidden_sizes=(64, 64),
            hidden_nonlinearity=tf.nn.tanh,
            output_nonlinearity=None,
        )
        baseline = GaussianMLPBaseline(
            env_spec=env.spec,
            hidden_sizes=(64, 64),
            use_trust_region=False,
            optimizer=FirstOrderOptimizer,
            optimizer_args=dict(
                batch_size=64,
                max_optimization_epochs=10,
                learning_rate=dict(learning_rate=1e-3),
            ),
        )
        sampler = LocalSampler(
            agents=policy,
            envs=env,
            max_episode_length=env.spec.max_episode_length,
            is_tf_worker=True,
        )
        algo = PPO(
            env_spec=env.spec,
            policy=policy,
            baseline=baseline,
            sampler=sampler,
            discount=0.99,
            gae_lambda=0.95,
            lr_clip_range=0.2,
            optimizer_args=dict(
                batch_size=64,
                max_optimization_epochs=10,
                learning_rate=dict(learning_rate=3e-4),
            ),
        )
        trainer.setup(algo, env)
        trainer.train(n_epochs=100, batch_size=2048)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    ppo_pendulum(seed=parser.parse_args().seed)
