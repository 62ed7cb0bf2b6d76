#!/usr/bin/env python3
"""Train SAC on MuJoCo's HalfCheetah-v5 (needs the ``mujoco`` extra).

The original garage's benchmark settings: each epoch samples 1000 steps,
then takes 1000 gradient steps on batches of 256 transitions; two hidden
layers of 256 units; learning rate 3e-4; training starts once 10,000
transitions are stored. Runs on the GPU when CUDA is available. 1000 epochs
are a million steps; the log directory is
``data/local/experiment/sac_half_cheetah`` under the working directory.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.experiment import deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch import set_gpu_mode
from garage.torch.algos.sac import SAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='last')
def sac_half_cheetah(ctxt, seed=1):
    """Train SAC on HalfCheetah-v5.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = normalize(GymEnv('HalfCheetah-v5'))
    policy = TanhGaussianMLPPolicy(env.spec, hidden_sizes=(256, 256))
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(256, 256))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(256, 256))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1, timesteps_per_call=100),
    )
    algo = SAC(
        env.spec,
        policy,
        qf1,
        qf2,
        PathBuffer(capacity_in_transitions=int(1e6)),
        sampler,
        gradient_steps_per_itr=1000,
        max_episode_length_eval=1000,
        min_buffer_size=int(1e4),
        buffer_batch_size=256,
        target_update_tau=5e-3,
        discount=0.99,
        reward_scale=1.0,
        steps_per_epoch=1,
    )
    set_gpu_mode(torch.cuda.is_available())
    algo.to()
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=1000, batch_size=1000)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    sac_half_cheetah(seed=parser.parse_args().seed)
