#!/usr/bin/env python3
"""Train PPO on Pendulum-v1, a continuous-control task.

A Gaussian policy swings the pendulum up and holds it. Eight environments
are stepped 256 times per update (a FragmentWorker: Pendulum's episodes
always last 200 steps and end by the time limit, so the value of the last
observation is bootstrapped), then 10 epochs of minibatches of 256 train
with learning rate 1e-3, gamma 0.9 and GAE lambda 0.95. The average return
climbs from about -1,500 to about -200 within 200,000 steps. The log
directory is ``data/local/experiment/ppo_pendulum`` under the working
directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import PPO
from garage.torch.optimizers import OptimizerWrapper
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment
def ppo_pendulum(ctxt, seed=1):
    """Train PPO on Pendulum-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = GymEnv('Pendulum-v1')
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(64, 64))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(64, 64))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=8, timesteps_per_call=256),
    )

    def optimizer(module):
        return OptimizerWrapper(
            (torch.optim.Adam, dict(lr=1e-3, fused=True)),
            module,
            max_optimization_epochs=10,
            minibatch_size=256,
        )

    algo = PPO(
        env.spec,
        policy,
        value_function,
        sampler,
        policy_optimizer=optimizer(policy),
        vf_optimizer=optimizer(value_function),
        lr_clip_range=0.2,
        discount=0.9,
        gae_lambda=0.95,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=100, batch_size=2048)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    ppo_pendulum(seed=parser.parse_args().seed)
