#!/usr/bin/env python3
"""Train MTSAC on MetaWorld's MT50 (needs the ``metaworld`` extra).

MT50 is fifty manipulation tasks, each its own environment class; every
observation ends in a one-hot of the task's class, and MTSAC tunes one
entropy temperature per task. One sampler worker per task steps its
environment; each iteration samples one episode's worth of steps per task,
then takes 150 gradient steps on batches of 1280 transitions, as in the
original garage's example. The policy is evaluated on fresh environments of
the fifty tasks 500 times over the run, and each task is logged under its
name (``reach-v3/SuccessRate``, ...). 100 million steps take weeks. The log
directory is ``data/local/experiment/mtsac_metaworld_mt50`` under the
working directory.
"""

import argparse

import metaworld
import numpy as np
import torch
from torch import nn

from garage import Trainer, wrap_experiment
from garage.envs import normalize
from garage.experiment import MetaWorldTaskSampler, deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch import set_gpu_mode
from garage.torch.algos import MTSAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='none')
def mtsac_metaworld_mt50(
    ctxt, *, seed=1, n_tasks=50, timesteps=100_000_000, episode_length=500
):
    """Train MTSAC on MT50.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        n_tasks: Environments to train on, a multiple of 50 (so many
            variations of each task).
        timesteps: Environment steps to train for.
        episode_length: The longest episode; MetaWorld's is 500.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small batches train fastest on one thread
    mt50 = metaworld.MT50(seed=seed)
    mt50_test = metaworld.MT50(seed=seed)
    train_task_sampler = MetaWorldTaskSampler(
        mt50,
        'train',
        lambda env, _: normalize(env, normalize_reward=True),
        add_env_onehot=True,
    )
    test_task_sampler = MetaWorldTaskSampler(mt50_test, 'train', add_env_onehot=True)
    train_envs = train_task_sampler.sample(n_tasks)
    env = train_envs[0]()
    test_envs = [env_up() for env_up in test_task_sampler.sample(n_tasks)]

    policy = TanhGaussianMLPPolicy(
        env.spec,
        hidden_sizes=(400, 400, 400),
        hidden_nonlinearity=nn.ReLU,
        min_std=np.exp(-20.0),
        max_std=np.exp(2.0),
    )
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(400, 400, 400))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(400, 400, 400))
    sampler = LocalSampler(
        policy,
        train_envs,  # one worker per task
        max_episode_length=episode_length,
        n_workers=n_tasks,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1),
    )
    batch_size = episode_length * n_tasks
    epochs = max(timesteps // batch_size, 1)
    epoch_cycles = max(epochs // 500, 1)  # evaluate about 500 times
    mtsac = MTSAC(
        policy,
        qf1,
        qf2,
        PathBuffer(capacity_in_transitions=int(1e6)),
        env.spec,
        sampler,
        num_tasks=50,
        eval_env=test_envs,
        gradient_steps_per_itr=150,
        max_episode_length_eval=episode_length,
        steps_per_epoch=epoch_cycles,
        min_buffer_size=1500,
        target_update_tau=5e-3,
        discount=0.99,
        buffer_batch_size=1280,
    )
    set_gpu_mode(torch.cuda.is_available())
    mtsac.to()
    trainer = Trainer(ctxt)
    trainer.setup(mtsac, env)
    trainer.train(n_epochs=epochs // epoch_cycles, batch_size=batch_size)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--n_tasks', type=int, default=50)
    parser.add_argument('--timesteps', type=int, default=100_000_000)
    parser.add_argument('--episode_length', type=int, default=500)
    args = parser.parse_args()
    mtsac_metaworld_mt50(
        seed=args.seed,
        n_tasks=args.n_tasks,
        timesteps=args.timesteps,
        episode_length=args.episode_length,
    )
