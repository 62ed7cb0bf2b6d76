#!/usr/bin/env python3
"""Train multi-task PPO on MetaWorld's MT10 (needs the ``metaworld`` extra).

MT10 is ten manipulation tasks, each its own environment class. Every
observation ends in a one-hot of the task's class, and a
``MultiEnvWrapper`` runs the tasks' episodes in turn, so each batch holds
episodes of every task; PPO logs each task under its name
(``reach-v3/AverageReturn``, ``reach-v3/SuccessRate``, ...) as well as
under ``Training/``. The original garage's settings: batches of 1024 steps,
a policy of two hidden layers of 64 units, GAE lambda 0.95. The log
directory is ``data/local/experiment/mtppo_metaworld_mt10`` under the
working directory.
"""

import argparse

import metaworld
import torch

from garage import Trainer, wrap_experiment
from garage.envs import MultiEnvWrapper, normalize
from garage.envs.multi_env_wrapper import round_robin_strategy
from garage.experiment import MetaWorldTaskSampler, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import PPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment(snapshot_mode='last')
def mtppo_metaworld_mt10(ctxt, *, seed=1, epochs=500, batch_size=1024, n_tasks=10):
    """Train multi-task PPO on MT10.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        epochs: Epochs to train for.
        batch_size: Environment steps per epoch.
        n_tasks: Environments to train on, a multiple of 10 (so many
            variations of each task).

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    mt10 = metaworld.MT10(seed=seed)
    task_sampler = MetaWorldTaskSampler(
        mt10, 'train', lambda env, _: normalize(env), add_env_onehot=True
    )
    envs = [env_up() for env_up in task_sampler.sample(n_tasks)]
    env = MultiEnvWrapper(envs, sample_strategy=round_robin_strategy, mode='vanilla')

    policy = GaussianMLPPolicy(
        env.spec, hidden_sizes=(64, 64), hidden_nonlinearity=torch.tanh
    )
    value_function = GaussianMLPValueFunction(
        env.spec, hidden_sizes=(32, 32), hidden_nonlinearity=torch.tanh
    )
    sampler = LocalSampler(policy, env, max_episode_length=env.spec.max_episode_length)
    algo = PPO(
        env.spec,
        policy,
        value_function,
        sampler=sampler,
        discount=0.99,
        gae_lambda=0.95,
        center_adv=True,
        lr_clip_range=0.2,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=epochs, batch_size=batch_size)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--epochs', type=int, default=500)
    parser.add_argument('--batch_size', type=int, default=1024)
    parser.add_argument('--n_tasks', type=int, default=10)
    args = parser.parse_args()
    mtppo_metaworld_mt10(
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        n_tasks=args.n_tasks,
    )
