#!/usr/bin/env python3
"""Train SAC on Pendulum-v1.

rl-baselines3-zoo's hyperparameters: one environment step and one gradient
step per iteration, a batch of 256 transitions, learning rate 1e-3, two
hidden layers of 256 units, automatic entropy tuning. 20 epochs of 1000
steps reach an evaluation return of about -150. The log directory is
``data/local/experiment/sac_pendulum`` under the working directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.experiment import deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.sac import SAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='last')
def sac_pendulum(ctxt, seed=1):
    """Train SAC on Pendulum-v1.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = normalize(GymEnv('Pendulum-v1'))
    policy = TanhGaussianMLPPolicy(env.spec, hidden_sizes=(256, 256))
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(256, 256))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(256, 256))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1, timesteps_per_call=1),
    )
    algo = SAC(
        env.spec,
        policy,
        qf1,
        qf2,
        PathBuffer(capacity_in_transitions=int(1e6)),
        sampler,
        gradient_steps_per_itr=1,
        steps_per_epoch=1000,
        min_buffer_size=100,
        buffer_batch_size=256,
        policy_lr=1e-3,
        qf_lr=1e-3,
        discount=0.99,
        target_update_tau=5e-3,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=20, batch_size=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    sac_pendulum(seed=parser.parse_args().seed)
