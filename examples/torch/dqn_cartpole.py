#!/usr/bin/env python3
"""Train DQN on CartPole-v1.

rl-baselines3-zoo's hyperparameters: each iteration samples 256 steps and
takes 128 gradient steps on batches of 64, after which the target network
is copied; epsilon falls from 1 to 0.04 over the first 8000 steps; two
hidden layers of 256 units, learning rate 2.3e-3, discount 0.99, training
from 1000 stored steps. 20 epochs of 2560 steps take about 50,000 steps,
in which the greedy policy comes to balance the pole for the full 500
steps, though DQN's returns on CartPole swing from epoch to epoch. The log
directory is ``data/local/experiment/dqn_cartpole`` under the working
directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.dqn import DQN
from garage.torch.policies import DiscreteQFArgmaxPolicy
from garage.torch.q_functions import DiscreteMLPQFunction


@wrap_experiment(snapshot_mode='last')
def dqn_cartpole(ctxt, seed=1):
    """Train DQN on CartPole-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    n_epochs, steps_per_epoch, sampler_batch_size = 20, 10, 256
    env = GymEnv('CartPole-v1')
    qf = DiscreteMLPQFunction(env.spec, hidden_sizes=(256, 256))
    policy = DiscreteQFArgmaxPolicy(qf, env.spec)
    exploration_policy = EpsilonGreedyPolicy(
        env.spec,
        policy,
        total_timesteps=n_epochs * steps_per_epoch * sampler_batch_size,
        max_epsilon=1.0,
        min_epsilon=0.04,
        decay_ratio=0.16,
    )
    sampler = LocalSampler(
        exploration_policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1, timesteps_per_call=256),
    )
    algo = DQN(
        env.spec,
        policy,
        qf,
        PathBuffer(capacity_in_transitions=100_000),
        sampler,
        exploration_policy,
        qf_lr=2.3e-3,
        steps_per_epoch=steps_per_epoch,
        n_train_steps=128,
        min_buffer_size=1000,
        buffer_batch_size=64,
        discount=0.99,
        target_update_freq=1,
        target_update_tau=1.0,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=sampler_batch_size)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    dqn_cartpole(seed=parser.parse_args().seed)
