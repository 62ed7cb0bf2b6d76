#!/usr/bin/env python3
"""garage's SAC against stable-baselines3's on Pendulum-v1.

Both train for the same number of environment steps (20,000) with the same
settings: learning rate 1e-3 for the policy, the Q-functions and the
entropy weight (tuned automatically, from 1), batches of 256, one gradient
step per environment step from the 100th step on, two Q-functions and a
policy of two hidden layers of 256 units, tau 0.005, discount 0.99. garage
samples with a ``LocalSampler`` of one ``FragmentWorker`` stepping one
environment one step per iteration. They run one after the other in this
process, with the same seed and the same number of torch threads
(``--threads``, 1 by default).

The wall time is that of training (garage's includes the one evaluation
episode its epoch ends with). Then each final policy's deterministic
actions are evaluated on the same ten episodes (initial states from
Gymnasium seeds 0 to 9). stable-baselines3 is installed for the benchmark
only: ``pip install stable-baselines3``.

Run: .venv/bin/python benchmarks/sac_pendulum_vs_sb3.py [--steps N]
    [--seeds 1 2 ...] [--threads T]
"""

import argparse
import time

import gymnasium
import numpy as np
import torch

from garage.envs import GymEnv, normalize
from garage.experiment import SnapshotConfig, deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.sac import SAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

LEARNING_RATE = 1e-3
BATCH_SIZE = 256
LEARNING_STARTS = 100
HIDDEN_SIZES = (256, 256)
EVAL_SEEDS = range(10)


def evaluate(act):
    """The mean and std of the returns of ``act`` on the evaluation seeds.

    Args:
        act: Maps an observation to an action in [-1, 1], which is scaled
            to Pendulum's action bounds.

    """
    env = gymnasium.make('Pendulum-v1')
    low, high = env.action_space.low, env.action_space.high
    returns = []
    for seed in EVAL_SEEDS:
        observation, _ = env.reset(seed=seed)
        total, done = 0.0, False
        while not done:
            action = low + (np.asarray(act(observation)) + 1) * (high - low) / 2
            observation, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns.append(total)
    return np.mean(returns), np.std(returns)


def train_garage(seed, steps, log_dir):
    """Train garage's SAC; return the wall time and the policy's actor."""
    deterministic.set_seed(seed)
    env = normalize(GymEnv('Pendulum-v1'))
    policy = TanhGaussianMLPPolicy(env.spec, HIDDEN_SIZES)
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN_SIZES)
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN_SIZES)
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=200,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': 1, 'timesteps_per_call': 1},
    )
    algo = SAC(
        env.spec,
        policy,
        qf1,
        qf2,
        PathBuffer(1_000_000),
        sampler,
        gradient_steps_per_itr=1,
        buffer_batch_size=BATCH_SIZE,
        min_buffer_size=LEARNING_STARTS,
        policy_lr=LEARNING_RATE,
        qf_lr=LEARNING_RATE,
        target_update_tau=0.005,
        discount=0.99,
        steps_per_epoch=steps - LEARNING_STARTS + 1,
        num_evaluation_episodes=1,
    )
    trainer = Trainer(SnapshotConfig(log_dir, 'none', 1))
    trainer.setup(algo, env)
    start = time.perf_counter()
    trainer.train(n_epochs=1, batch_size=1)
    seconds = time.perf_counter() - start
    return seconds, lambda obs: policy.get_action(obs)[1]['mean']


def train_sb3(seed, steps):
    """Train stable-baselines3's SAC; return the wall time and its actor."""
    from stable_baselines3 import SAC as SB3SAC

    model = SB3SAC(
        'MlpPolicy',
        gymnasium.make('Pendulum-v1'),
        learning_rate=LEARNING_RATE,
        batch_size=BATCH_SIZE,
        learning_starts=LEARNING_STARTS,
        buffer_size=1_000_000,
        tau=0.005,
        gamma=0.99,
        train_freq=1,
        gradient_steps=1,
        policy_kwargs={'net_arch': list(HIDDEN_SIZES)},
        seed=seed,
        device='cpu',
    )
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    seconds = time.perf_counter() - start
    return (
        seconds,
        lambda obs: (
            model.actor(
                torch.as_tensor(obs[None], dtype=torch.float32), deterministic=True
            )
            .detach()
            .numpy()[0]
        ),
    )


def main():
    """Run both libraries for each seed and print the table."""
    import tempfile
    import warnings

    import stable_baselines3

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=20_000)
    parser.add_argument('--seeds', type=int, nargs='+', default=[1])
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # no dowel output is set up: the trainer's records go nowhere
    warnings.filterwarnings('ignore', '.*(accepted by any output|No outputs)')
    print(
        f'SAC on Pendulum-v1, {args.steps} steps; torch {torch.__version__} '
        f'on {torch.get_num_threads()} thread(s), stable-baselines3 '
        f'{stable_baselines3.__version__}'
    )
    print(
        f'{"library":<19}{"seed":>5}{"wall time (s)":>15}{"steps/s":>10}'
        f'{"eval return":>19}'
    )
    times = {'garage': [], 'stable-baselines3': []}
    with tempfile.TemporaryDirectory() as log_dir:
        for seed in args.seeds:
            for name, train in (
                ('garage', lambda s: train_garage(s, args.steps, log_dir)),
                ('stable-baselines3', lambda s: train_sb3(s, args.steps)),
            ):
                seconds, act = train(seed)
                with torch.no_grad():
                    mean, std = evaluate(act)
                times[name].append(seconds)
                print(
                    f'{name:<19}{seed:>5}{seconds:>15.1f}'
                    f'{args.steps / seconds:>10.0f}'
                    f'{mean:>11.1f} ± {std:<6.1f}',
                    flush=True,
                )
    ratio = np.sum(times['garage']) / np.sum(times['stable-baselines3'])
    print(f'garage wall time / stable-baselines3 wall time: {ratio:.2f}')


if __name__ == '__main__':
    main()
