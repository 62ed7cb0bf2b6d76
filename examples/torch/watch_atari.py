#!/usr/bin/env python3
"""Watch a trained DQN agent play its Atari game.

Loads the latest snapshot of a ``dqn_atari.py`` run and plays episodes
with its greedy policy, printing each episode's return. With a display
the game is shown in a window (the game, named by ``--env`` or by the
run's ``variant.json``, made again with ``render_mode='human'``);
without one (no ``DISPLAY`` or
``WAYLAND_DISPLAY`` on Linux), or with ``--no-render``, it is played
without a window. With ``EpisodicLife``, an episode ends when a life is
lost.

Run: python examples/torch/watch_atari.py data/local/experiment/dqn_atari
    [--env PongNoFrameskip-v4] [--num_episodes 10]
    [--max_episode_length N] [--no-render]
"""

import argparse
import json
import os
import sys

import numpy as np
from dqn_atari import atari_env, game_id

from garage import rollout
from garage.experiment import Snapshotter
from garage.torch import set_gpu_mode


def has_display():
    """Whether a window can be shown."""
    if not sys.platform.startswith('linux'):
        return True
    return bool(os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))


def watch_atari(
    saved_dir, env=None, num_episodes=10, max_episode_length=None, render=True
):
    """Play episodes of a saved agent; return their returns.

    Args:
        saved_dir: The directory of the run's snapshots.
        env: The game's Gymnasium id, or None for the snapshot's game.
        num_episodes: The episodes to play.
        max_episode_length: The longest episode, or None for the game's.
        render: Show the game in a window, if there is a display.

    Returns:
        list[float]: The return of each episode.

    """
    set_gpu_mode(False)
    data = Snapshotter().load(saved_dir)
    policy = data['algo'].policy
    if hasattr(policy, 'to'):
        policy.to('cpu')
    render = render and has_display()
    if env is None and not render:
        env = data['env']
    else:
        if env is None:  # the run's game, made again to draw it
            with open(os.path.join(saved_dir, 'variant.json')) as f:
                env = json.load(f)['env']
        env = atari_env(game_id(env), render_mode='human' if render else None)
    returns = []
    for episode in range(num_episodes):
        path = rollout(
            env,
            policy,
            max_episode_length=max_episode_length,
            deterministic=True,
        )
        returns.append(float(np.sum(path['rewards'])))
        print(
            f'episode {episode}: return {returns[-1]:g}, {len(path["rewards"])} steps',
            flush=True,
        )
    print(f'Average Reward {np.mean(returns):g}')
    env.close()
    return returns


def main():
    """Parse the command line and play."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('saved_dir', help="the run's log directory")
    parser.add_argument(
        '--env', default=None, help="the game; the snapshot's if not given"
    )
    parser.add_argument('--num_episodes', type=int, default=10)
    parser.add_argument('--max_episode_length', type=int, default=None)
    parser.add_argument(
        '--no-render', dest='render', action='store_false', help='play without a window'
    )
    args = parser.parse_args()
    if args.render and not has_display():
        print('no display: playing without a window', flush=True)
    watch_atari(
        args.saved_dir,
        env=args.env,
        num_episodes=args.num_episodes,
        max_episode_length=args.max_episode_length,
        render=args.render,
    )


if __name__ == '__main__':
    main()
