#!/usr/bin/env python3
"""Train TRPO on CartPole-v1 with TensorFlow, as the original garage's example.

The seed's ``LocalTFRunner`` example with today's names: a TFTrainer owns
the TensorFlow session; each of 100 epochs samples 4,000 steps and takes
one natural-gradient step of mean KL divergence at most 0.01, with a
linear feature baseline. The mean return reaches 475 in about a dozen
epochs (tests/regression/test_tf.py checks it does within the 100).
Needs the ``tf`` extra. The log directory is
``data/local/experiment/trpo_cartpole`` under the working directory.
"""

import argparse

from garage import wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.np.baselines import LinearFeatureBaseline
from garage.sampler import LocalSampler
from garage.tf.algos import TRPO
from garage.tf.policies import CategoricalMLPPolicy
from garage.trainer import TFTrainer


@wrap_experiment
def trpo_cartpole(ctxt, seed=1):
    """Train TRPO on CartPole-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    with TFTrainer(ctxt) as trainer:
        env = GymEnv('CartPole-v1')
        policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(32, 32))
        baseline = LinearFeatureBaseline(env_spec=env.spec)
        sampler = LocalSampler(
            agents=policy,
            envs=env,
            max_episode_length=env.spec.max_episode_length,
            is_tf_worker=True,
        )
        algo = TRPO(
            env_spec=env.spec,
            policy=policy,
            baseline=baseline,
            sampler=sampler,
            discount=0.99,
            max_kl_step=0.01,
        )
        trainer.setup(algo, env)
        trainer.train(n_epochs=100, batch_size=4000)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    trpo_cartpole(seed=parser.parse_args().seed)
