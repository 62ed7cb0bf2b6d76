#!/usr/bin/env python3
"""garage's DQN against stable-baselines3's on an Atari game (Pong).

Both train for the same number of agent steps (each four emulator frames)
on ``PongNoFrameskip-v4`` with the same preprocessing (no-ops at reset,
max over the last two of four frames, an episode per life, FIRE at reset,
grayscale 84 by 84, rewards clipped to their sign, four frames stacked):
garage's wrappers (``garage.envs.wrappers``) and SB3's ``AtariWrapper``
with ``VecFrameStack(4)``. Same settings: Nature DQN's network
(convolutions of 32, 64 and 64 channels, kernels 8, 4, 3, strides 4, 2,
1, a hidden layer of 512 units), a replay buffer of ``--buffer`` transitions,
batches of 32, one gradient step every 4 steps from the ``--learning-starts``-th
step on, the target network copied every 1,000 steps, Adam at 1e-4,
the Huber loss, gradients clipped to norm 10, discount 0.99, epsilon from
1 to 0.01 over the first tenth of the run. garage samples with a
``LocalSampler`` of one ``FragmentWorker`` stepping one environment 4
steps per iteration, SB3 with one environment; they run one after the
other in this process, with the same seed and the same number of torch
threads (``--threads``, 1 by default).

It prints each library's wall time of training (garage's includes one
greedy evaluation episode of at most 100 steps at the end of its epoch)
and the CPU time of this process during it, agent steps and emulator
frames per wall second and per CPU second (steadier than wall time on a
machine that other work shares), the bytes of its replay buffer's arrays,
and the ratios of garage's frames per second to SB3's.
The ``bench`` extra installs stable-baselines3 and OpenCV, which its
Atari wrapper needs.

Run: .venv/bin/python benchmarks/dqn_atari_vs_sb3.py [--steps N]
    [--seed S] [--threads T] [--buffer N] [--learning-starts N]
"""

import argparse
import tempfile
import time
import warnings

import gymnasium
import torch

from garage.envs import GymEnv
from garage.envs.wrappers import wrap_atari
from garage.experiment import SnapshotConfig, deterministic
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import DQN
from garage.torch.policies import DiscreteQFArgmaxPolicy
from garage.torch.q_functions import DiscreteCNNQFunction
from garage.trainer import Trainer

GAME = 'PongNoFrameskip-v4'
BATCH_SIZE = 32
TRAIN_FREQ = 4
TARGET_UPDATE_STEPS = 1000
LEARNING_RATE = 1e-4


def garage_env():
    return GymEnv(wrap_atari(gymnasium.make(GAME)), is_image=True)


def train_garage(args, log_dir):
    """Train garage's DQN; return the wall time and the buffer's bytes."""
    deterministic.set_seed(args.seed)
    env = garage_env()
    qf = DiscreteCNNQFunction(
        env.spec,
        'NCHW',
        kernel_sizes=(8, 4, 3),
        hidden_channels=(32, 64, 64),
        strides=(4, 2, 1),
        hidden_sizes=(512,),
    )
    policy = DiscreteQFArgmaxPolicy(qf, env.spec)
    exploration_policy = EpsilonGreedyPolicy(
        env.spec,
        policy,
        total_timesteps=args.steps,
        max_epsilon=1.0,
        min_epsilon=0.01,
        decay_ratio=0.1,
    )
    sampler = LocalSampler(
        exploration_policy,
        env,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': 1, 'timesteps_per_call': TRAIN_FREQ},
    )
    buffer = PathBuffer(args.buffer)
    algo = DQN(
        env.spec,
        policy,
        qf,
        buffer,
        sampler,
        exploration_policy,
        steps_per_epoch=(args.steps - args.learning_starts) // TRAIN_FREQ + 1,
        qf_lr=LEARNING_RATE,
        n_train_steps=1,
        min_buffer_size=args.learning_starts,
        buffer_batch_size=BATCH_SIZE,
        discount=0.99,
        target_update_freq=TARGET_UPDATE_STEPS // TRAIN_FREQ,
        target_update_tau=1.0,
        clip_gradient=10,
        num_eval_episodes=1,
        max_episode_length_eval=100,
    )
    trainer = Trainer(SnapshotConfig(log_dir, 'none', 1))
    trainer.setup(algo, env)
    start, cpu_start = time.perf_counter(), time.process_time()
    trainer.train(n_epochs=1, batch_size=TRAIN_FREQ)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return seconds, cpu_seconds, trainer.total_env_steps, buffer.nbytes


def train_sb3(args):
    """Train stable-baselines3's DQN; return the wall time and buffer bytes."""
    from stable_baselines3 import DQN as SB3DQN
    from stable_baselines3.common.env_util import make_atari_env
    from stable_baselines3.common.vec_env import VecFrameStack

    env = VecFrameStack(make_atari_env(GAME, n_envs=1, seed=args.seed), 4)
    model = SB3DQN(
        'CnnPolicy',
        env,
        learning_rate=LEARNING_RATE,
        buffer_size=args.buffer,
        learning_starts=args.learning_starts,
        batch_size=BATCH_SIZE,
        tau=1.0,
        gamma=0.99,
        train_freq=TRAIN_FREQ,
        gradient_steps=1,
        target_update_interval=TARGET_UPDATE_STEPS,
        exploration_fraction=0.1,
        exploration_initial_eps=1.0,
        exploration_final_eps=0.01,
        max_grad_norm=10,
        seed=args.seed,
        device='cpu',
    )
    start, cpu_start = time.perf_counter(), time.process_time()
    model.learn(total_timesteps=args.steps)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    buffer = model.replay_buffer
    nbytes = sum(
        getattr(buffer, name).nbytes
        for name in ('observations', 'next_observations', 'actions', 'rewards', 'dones')
        if getattr(buffer, name, None) is not None
    )
    return seconds, cpu_seconds, model.num_timesteps, nbytes


def main():
    """Run both libraries and print the table."""
    import ale_py
    import stable_baselines3

    gymnasium.register_envs(ale_py)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=20_000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--buffer', type=int, default=10_000)
    parser.add_argument('--learning-starts', type=int, default=1_000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # no dowel output is set up: the trainer's records go nowhere
    warnings.filterwarnings('ignore', '.*(accepted by any output|No outputs)')
    print(
        f'DQN on {GAME}, {args.steps} agent steps (x4 frames), buffer '
        f'{args.buffer}, learning from step {args.learning_starts}; torch '
        f'{torch.__version__} on {torch.get_num_threads()} thread(s), '
        f'stable-baselines3 {stable_baselines3.__version__}'
    )
    print(
        f'{"library":<19}{"wall s":>8}{"CPU s":>8}{"steps":>7}{"steps/s":>9}'
        f'{"frames/s":>10}{"frames/CPU s":>14}{"buffer MB":>11}'
    )
    fps, cpu_fps = {}, {}
    with tempfile.TemporaryDirectory() as log_dir:
        for name, train in (
            ('garage', lambda: train_garage(args, log_dir)),
            ('stable-baselines3', lambda: train_sb3(args)),
        ):
            seconds, cpu_seconds, steps, nbytes = train()
            fps[name] = 4 * steps / seconds
            cpu_fps[name] = 4 * steps / cpu_seconds
            print(
                f'{name:<19}{seconds:>8.1f}{cpu_seconds:>8.1f}{steps:>7}'
                f'{steps / seconds:>9.1f}{fps[name]:>10.1f}'
                f'{cpu_fps[name]:>14.1f}{nbytes / 1e6:>11.1f}',
                flush=True,
            )
    ratio = fps['garage'] / fps['stable-baselines3']
    cpu_ratio = cpu_fps['garage'] / cpu_fps['stable-baselines3']
    print(
        f'garage frames/s / stable-baselines3 frames/s: {ratio:.2f} '
        f'(per CPU second: {cpu_ratio:.2f})'
    )


if __name__ == '__main__':
    main()
