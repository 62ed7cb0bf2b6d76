#!/usr/bin/env python3
"""Meta-train MAML-TRPO on HalfCheetah direction (forward or backward).

The original garage's launcher and hyperparameters: 100-step episodes,
actions scaled by 10 (``normalize(..., expected_action_scale=10.)``), a
(64, 64) tanh Gaussian policy and a (32, 32) value function, 20 tasks per
meta-batch, 40 episodes per task and batch, one inner step of learning
rate 0.1, discount 0.99, GAE lambda 1, 300 epochs. Each epoch meta-tests
on one new task with 10 exploration and 10 test episodes
(``MetaTest/Average/AverageReturn`` in ``progress.csv``).

Expected outcome: the return after one inner step (``Average/
AverageReturn``, and the meta-test's) climbs well above the meta policy's
own (``PreUpdate/AverageReturn``), as in Finn et al. (2017), whose
HalfCheetah direction results after one gradient step are returns of a
few hundred over 200-step episodes, where pretrained and random
initialisations stay near zero or below. A full run is 20 * 2 * 4,000
steps an epoch (48 million in all): hours on a few cores. The log
directory is ``data/local/experiment/maml_trpo_half_cheetah_dir``.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.envs.mujoco import HalfCheetahDirEnv
from garage.experiment import MetaEvaluator, SetTaskSampler, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import MAMLTRPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction

MAX_EPISODE_LENGTH = 100


def wrap(env, _task):
    """Make a HalfCheetahDirEnv a garage environment, as every task's is."""
    return normalize(
        GymEnv(env, max_episode_length=MAX_EPISODE_LENGTH), expected_action_scale=10.0
    )


@wrap_experiment(snapshot_mode='last')
def maml_trpo_half_cheetah_dir(
    ctxt, seed=1, epochs=300, episodes_per_task=40, meta_batch_size=20
):
    """Meta-train MAML-TRPO on HalfCheetahDirEnv.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        epochs: The number of epochs.
        episodes_per_task: The episodes of each task's batches.
        meta_batch_size: The tasks of each meta-batch.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    env = wrap(HalfCheetahDirEnv(), None)
    policy = GaussianMLPPolicy(
        env.spec,
        hidden_sizes=(64, 64),
        hidden_nonlinearity=torch.tanh,
        output_nonlinearity=None,
    )
    value_function = GaussianMLPValueFunction(
        env.spec,
        hidden_sizes=(32, 32),
        hidden_nonlinearity=torch.tanh,
        output_nonlinearity=None,
    )
    task_sampler = SetTaskSampler(HalfCheetahDirEnv, wrapper=wrap)
    meta_evaluator = MetaEvaluator(
        test_task_sampler=task_sampler, n_test_tasks=1, n_test_episodes=10
    )
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=1
    )
    algo = MAMLTRPO(
        env,
        policy,
        value_function,
        sampler,
        task_sampler=task_sampler,
        meta_batch_size=meta_batch_size,
        discount=0.99,
        gae_lambda=1.0,
        inner_lr=0.1,
        num_grad_updates=1,
        meta_evaluator=meta_evaluator,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(
        n_epochs=epochs, batch_size=episodes_per_task * env.spec.max_episode_length
    )


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--episodes_per_task', type=int, default=40)
    parser.add_argument('--meta_batch_size', type=int, default=20)
    maml_trpo_half_cheetah_dir(**vars(parser.parse_args()))
