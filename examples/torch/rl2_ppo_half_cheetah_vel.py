#!/usr/bin/env python3
"""Meta-train RL2-PPO on HalfCheetah target velocity.

The original garage's launcher (TensorFlow there, PyTorch here) and its
hyperparameters: 100-step episodes, trials of 4 episodes, 10 tasks per
epoch (one per sampler worker), a GRU Gaussian policy of 64 units, discount
0.99, GAE lambda 0.95, clip range 0.2, minibatches of 32 trials for 10
passes, the ``'max'`` entropy method with coefficient 0.02 (its gradient
stopped), advantages not centred, 10 epochs. The original's linear
baseline is a (32, 32) value function here, as the PyTorch RL2 fits a
value function.

Expected outcome: the original ran this launcher for 10 epochs of 4,000
steps, enough to check that RL2 trains on MuJoCo tasks but not to
meta-learn them (which takes hundreds of epochs or more): expect
``Training/AverageReturn`` to move, not the later episodes of a trial to
beat the first. The log directory is
``data/local/experiment/rl2_ppo_half_cheetah_vel``.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.envs.mujoco import HalfCheetahVelEnv
from garage.experiment import SetTaskSampler, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import RL2PPO
from garage.torch.algos.rl2 import RL2Env, RL2Worker
from garage.torch.policies import GaussianGRUPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment(snapshot_mode='last')
def rl2_ppo_half_cheetah_vel(
    ctxt,
    seed=1,
    max_episode_length=100,
    meta_batch_size=10,
    n_epochs=10,
    episode_per_task=4,
):
    """Meta-train RL2-PPO on HalfCheetahVelEnv.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        max_episode_length: The length of each episode.
        meta_batch_size: The tasks of each epoch.
        n_epochs: The number of epochs.
        episode_per_task: The episodes of each trial.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    tasks = SetTaskSampler(
        HalfCheetahVelEnv,
        wrapper=lambda env, _: RL2Env(
            GymEnv(env, max_episode_length=max_episode_length)
        ),
    )
    env = RL2Env(GymEnv(HalfCheetahVelEnv(), max_episode_length=max_episode_length))
    policy = GaussianGRUPolicy(env.spec, hidden_dim=64)
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))
    sampler = LocalSampler(
        agents=policy,
        envs=tasks.sample(meta_batch_size),
        max_episode_length=max_episode_length,
        n_workers=meta_batch_size,  # one task per worker
        worker_class=RL2Worker,
        worker_args=dict(n_episodes_per_trial=episode_per_task),
    )
    algo = RL2PPO(
        meta_batch_size,
        tasks,
        env.spec,
        policy,
        value_function,
        sampler,
        episode_per_task,
        discount=0.99,
        gae_lambda=0.95,
        lr_clip_range=0.2,
        stop_entropy_gradient=True,
        entropy_method='max',
        policy_ent_coeff=0.02,
        center_adv=False,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(
        n_epochs=n_epochs,
        batch_size=episode_per_task * max_episode_length * meta_batch_size,
    )


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--max_episode_length', type=int, default=100)
    parser.add_argument('--meta_batch_size', type=int, default=10)
    parser.add_argument('--n_epochs', type=int, default=10)
    parser.add_argument('--episode_per_task', type=int, default=4)
    rl2_ppo_half_cheetah_vel(**vars(parser.parse_args()))
