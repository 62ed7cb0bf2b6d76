#!/usr/bin/env python3
"""Train a CategoricalMLPPolicy on CartPole-v1 with CMA-ES.

As the original garage's example: hidden sizes (32, 32), a population of 20
parameter vectors per epoch, each scored on a batch of at least 1,000
steps, for 100 epochs, with ``cma``'s evolution strategy (initial step size
1). The log directory is ``data/local/experiment/cma_es_cartpole`` under the
working directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.np.algos import CMAES
from garage.sampler import LocalSampler
from garage.torch.policies import CategoricalMLPPolicy


@wrap_experiment
def cma_es_cartpole(ctxt, seed=1):
    """Train CMA-ES on CartPole-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks run fastest on one thread
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
    n_samples = 20
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=1
    )
    algo = CMAES(env.spec, policy, sampler, n_samples=n_samples)
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=100, batch_size=1000)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    cma_es_cartpole(seed=parser.parse_args().seed)
