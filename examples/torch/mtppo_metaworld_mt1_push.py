#!/usr/bin/env python3
"""Train multi-task PPO on MetaWorld's MT1 push (needs the ``metaworld`` extra).

MT1 push is one manipulation task, pushing an object to a goal, with 50
variations of the object's and goal's positions (in the observations). A
``MultiEnvWrapper`` runs the variations' episodes in turn; PPO logs them
under the task's name (``push-v3/AverageReturn``, ``push-v3/SuccessRate``,
...) as well as under ``Training/``. The original garage's settings:
batches of 1024 steps, a policy of two hidden layers of 64 units, GAE
lambda 0.95. The log directory is
``data/local/experiment/mtppo_metaworld_mt1_push`` under the working
directory.
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
def mtppo_metaworld_mt1_push(ctxt, *, seed=1, epochs=500, batch_size=1024, n_tasks=50):
    """Train multi-task PPO on MT1 push.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        epochs: Epochs to train for.
        batch_size: Environment steps per epoch.
        n_tasks: Variations to train on, at most 50.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    mt1 = metaworld.MT1('push-v3', seed=seed)
    task_sampler = MetaWorldTaskSampler(mt1, 'train', lambda env, _: normalize(env))
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
    parser.add_argument('--n_tasks', type=int, default=50)
    args = parser.parse_args()
    mtppo_metaworld_mt1_push(
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        n_tasks=args.n_tasks,
    )
