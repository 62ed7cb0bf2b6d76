#!/usr/bin/env python3
"""Train PPO on CartPole-v1, then draw its learning curve.

rl-baselines3-zoo's hyperparameters: eight environments stepped 32 times
per update (a FragmentWorker), 20 epochs over each batch of 256 steps,
gamma 0.98, GAE lambda 0.8, learning rate 1e-3, clip range 0.2, and
stable-baselines3's defaults for the rest: gradients clipped to norm 0.5,
Adam's epsilon 1e-5, orthogonal initialisation with a small policy output.
An epoch is eight updates; the policy balances the pole for the whole 500
steps after about 30,000 steps, and 48 epochs take 98,304. The log
directory is ``data/local/experiment/ppo_cartpole`` under the working
directory, and the learning curve is drawn to ``learning_curves.png``
there.
"""

import argparse
import functools
import math

import torch
from torch import nn

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.plotting import plot_learning_curves
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import PPO
from garage.torch.optimizers import OptimizerWrapper
from garage.torch.policies import CategoricalMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment
def ppo_cartpole(ctxt, seed=1):
    """Train PPO on CartPole-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = GymEnv('CartPole-v1')
    hidden_init = functools.partial(nn.init.orthogonal_, gain=math.sqrt(2))
    policy = CategoricalMLPPolicy(
        env.spec,
        hidden_sizes=(64, 64),
        hidden_w_init=hidden_init,
        output_w_init=functools.partial(nn.init.orthogonal_, gain=0.01),
    )
    value_function = GaussianMLPValueFunction(
        env.spec,
        hidden_sizes=(64, 64),
        hidden_w_init=hidden_init,
        output_w_init=nn.init.orthogonal_,
    )
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=8, timesteps_per_call=32),
    )

    def optimizer(module):
        return OptimizerWrapper(
            (torch.optim.Adam, dict(lr=1e-3, eps=1e-5, fused=True)),
            module,
            max_optimization_epochs=20,
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
        num_train_per_epoch=8,
        discount=0.98,
        gae_lambda=0.8,
        max_grad_norm=0.5,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=48, batch_size=256)
    print(f'Learning curve: {plot_learning_curves(ctxt.log_dir)}')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    ppo_cartpole(seed=parser.parse_args().seed)
