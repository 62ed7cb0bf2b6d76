#!/usr/bin/env python3
"""Train DQN on an Atari game, with the original garage's hyperparameters.

The game's frames go through the preprocessing of DQN's paper: up to 30
random no-ops at reset, each action repeated for four frames (the maximum
of the last two kept), an episode per life, FIRE after a reset where the
game needs it, grayscale, 84 by 84 pixels, rewards clipped to their sign
and the last four frames stacked (channels first). The Q-network is the
paper's: convolutions of 32, 64 and 64 channels (kernels 8, 4, 3, strides
4, 2, 1) and a hidden layer of 512 units. Each epoch is 20 iterations of
500 sampled steps and 125 gradient steps on batches of 32; the target
network is copied every 2 iterations; epsilon falls from 1 to 0.01 over
the first tenth of the 1000 epochs (10 million steps); Adam's learning
rate is 1e-4; the replay buffer holds 10,000 transitions, each frame
stored once. The log directory is ``data/local/experiment/dqn_atari``
under the working directory; a snapshot is written every 30 epochs, and
``watch_atari.py`` plays it.

Run: python examples/torch/dqn_atari.py Pong [--seed 24] [--n 4]
    [--buffer_size N] [--max_episode_length N]

The game is a prefix such as ``Pong`` (``PongNoFrameskip-v4`` is made) or
a full Gymnasium id without frame skipping.
"""

import argparse

import gymnasium
import numpy as np
import psutil
import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.envs.wrappers import wrap_atari
from garage.experiment import deterministic
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch import set_gpu_mode
from garage.torch.algos import DQN
from garage.torch.policies import DiscreteQFArgmaxPolicy
from garage.torch.q_functions import DiscreteCNNQFunction

hyperparams = dict(
    n_epochs=1000,
    steps_per_epoch=20,
    sampler_batch_size=500,
    lr=1e-4,
    discount=0.99,
    min_buffer_size=int(1e4),
    n_train_steps=125,
    target_update_freq=2,
    buffer_batch_size=32,
    max_epsilon=1.0,
    min_epsilon=0.01,
    decay_ratio=0.1,
    buffer_size=int(1e4),
    hidden_sizes=(512,),
    hidden_channels=(32, 64, 64),
    kernel_sizes=(8, 4, 3),
    strides=(4, 2, 1),
    clip_gradient=10,
)


def game_id(env):
    """The Gymnasium id of a game: ``Pong`` becomes ``PongNoFrameskip-v4``."""
    return env if '-v' in env else f'{env}NoFrameskip-v4'


def atari_env(env, max_episode_length=None, **make_kwargs):
    """A preprocessed Atari game, as DQN's paper preprocessed them.

    Args:
        env: The game's Gymnasium id, which must not skip frames itself.
        max_episode_length: The longest episode, or None for the game's.
        **make_kwargs: Keyword arguments of ``gymnasium.make``, such as
            ``render_mode='human'``.

    Returns:
        GymEnv: The game, observations of shape ``(4, 84, 84)``.

    """
    import ale_py

    gymnasium.register_envs(ale_py)
    env = wrap_atari(gymnasium.make(env, **make_kwargs), n_frames=4, axis=0)
    return GymEnv(env, max_episode_length=max_episode_length, is_image=True)


@wrap_experiment(snapshot_mode='gap_overwrite', snapshot_gap=30)
def dqn_atari(
    ctxt, env=None, seed=24, n_workers=None, max_episode_length=None, **kwargs
):
    """Train DQN on an Atari game.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        env: The game's Gymnasium id.
        seed: The random seed.
        n_workers: Sampler workers; None takes the physical cores.
        max_episode_length: The longest episode, or None for the game's.
        **kwargs: The hyperparameters (see ``hyperparams``).

    """
    if env is None:
        raise ValueError('give the game, such as PongNoFrameskip-v4')
    if n_workers is None:
        n_workers = psutil.cpu_count(logical=False) or 1
    deterministic.set_seed(seed)
    env = atari_env(env, max_episode_length)
    trainer = Trainer(ctxt)
    n_epochs = kwargs['n_epochs']
    steps_per_epoch = kwargs['steps_per_epoch']
    sampler_batch_size = kwargs['sampler_batch_size']
    num_timesteps = n_epochs * steps_per_epoch * sampler_batch_size
    replay_buffer = PathBuffer(capacity_in_transitions=kwargs['buffer_size'])
    qf = DiscreteCNNQFunction(
        env_spec=env.spec,
        image_format='NCHW',
        hidden_channels=kwargs['hidden_channels'],
        kernel_sizes=kwargs['kernel_sizes'],
        strides=kwargs['strides'],
        hidden_w_init=lambda x: torch.nn.init.orthogonal_(x, gain=np.sqrt(2)),
        hidden_sizes=kwargs['hidden_sizes'],
    )
    policy = DiscreteQFArgmaxPolicy(env_spec=env.spec, qf=qf)
    exploration_policy = EpsilonGreedyPolicy(
        env_spec=env.spec,
        policy=policy,
        total_timesteps=num_timesteps,
        max_epsilon=kwargs['max_epsilon'],
        min_epsilon=kwargs['min_epsilon'],
        decay_ratio=kwargs['decay_ratio'],
    )
    sampler = LocalSampler(
        agents=exploration_policy,
        envs=env,
        max_episode_length=env.spec.max_episode_length,
        worker_class=FragmentWorker,
        n_workers=n_workers,
    )
    algo = DQN(
        env_spec=env.spec,
        policy=policy,
        qf=qf,
        exploration_policy=exploration_policy,
        replay_buffer=replay_buffer,
        sampler=sampler,
        steps_per_epoch=steps_per_epoch,
        qf_lr=kwargs['lr'],
        clip_gradient=kwargs['clip_gradient'],
        discount=kwargs['discount'],
        # a buffer smaller than the original's 10,000 starts when full
        min_buffer_size=min(kwargs['min_buffer_size'], kwargs['buffer_size']),
        n_train_steps=kwargs['n_train_steps'],
        target_update_freq=kwargs['target_update_freq'],
        buffer_batch_size=kwargs['buffer_batch_size'],
    )
    if torch.cuda.is_available():
        set_gpu_mode(True)
        algo.to()
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=sampler_batch_size)
    env.close()


def main():
    """Parse the command line and train."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('env', help='the game, such as Pong or PongNoFrameskip-v4')
    parser.add_argument('--seed', type=int, default=24)
    parser.add_argument(
        '--n', type=int, default=None, help='sampler workers (physical cores)'
    )
    parser.add_argument('--buffer_size', type=int, default=None)
    parser.add_argument('--max_episode_length', type=int, default=None)
    args = parser.parse_args()
    params = dict(hyperparams)
    if args.buffer_size is not None:
        params['buffer_size'] = args.buffer_size
    dqn_atari(
        env=game_id(args.env),
        seed=args.seed,
        n_workers=args.n,
        max_episode_length=args.max_episode_length,
        **params,
    )


if __name__ == '__main__':
    main()
