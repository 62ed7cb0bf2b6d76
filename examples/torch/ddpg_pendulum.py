#!/usr/bin/env python3
"""Train DDPG on Pendulum-v1.

Close to rl-baselines3-zoo's hyperparameters: one environment step and one
gradient step per iteration with Gaussian exploration noise of standard
deviation 0.1; hidden layers of 400 and 300 units, learning rate 1e-3,
discount 0.98, batches of 256. Training starts after 1000 steps of the
untrained policy. 20 epochs of 1000 steps reach an evaluation return of
about -150. The log directory is ``data/local/experiment/ddpg_pendulum``
under the working directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.experiment import deterministic
from garage.np.exploration_policies import AddGaussianNoise
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.ddpg import DDPG
from garage.torch.policies import DeterministicMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='last')
def ddpg_pendulum(ctxt, seed=1):
    """Train DDPG on Pendulum-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    n_epochs, steps_per_epoch = 20, 1000
    env = normalize(GymEnv('Pendulum-v1'))
    policy = DeterministicMLPPolicy(
        env.spec, hidden_sizes=(400, 300), output_nonlinearity=torch.tanh
    )
    exploration_policy = AddGaussianNoise(
        env.spec,
        policy,
        total_timesteps=n_epochs * steps_per_epoch,
        max_sigma=0.1,
        min_sigma=0.1,
    )
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(400, 300))
    sampler = LocalSampler(
        exploration_policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1, timesteps_per_call=1),
    )
    algo = DDPG(
        env.spec,
        policy,
        qf,
        PathBuffer(capacity_in_transitions=200_000),
        sampler,
        exploration_policy=exploration_policy,
        min_buffer_size=1000,
        n_train_steps=1,
        steps_per_epoch=steps_per_epoch,
        buffer_batch_size=256,
        policy_lr=1e-3,
        qf_lr=1e-3,
        discount=0.98,
        target_update_tau=5e-3,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    ddpg_pendulum(seed=parser.parse_args().seed)
