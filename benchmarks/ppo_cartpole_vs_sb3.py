#!/usr/bin/env python3
"""PPO on CartPole-v1: this library against stable-baselines3.

Both run rl-baselines3-zoo's hyperparameters for CartPole-v1 (8
environments, 32 steps per environment per update, minibatches of 256, 20
epochs, gamma 0.98, GAE lambda 0.8, learning rate 1e-3, clip range 0.2,
tanh MLPs of 64 and 64 units for the policy and the value function, and
stable-baselines3's defaults for the rest: gradient norm clipped at 0.5,
Adam's epsilon 1e-5, orthogonal initialisation with gain sqrt(2) for the
hidden layers, 0.01 for the policy's output and 1 for the value's), for
100,000 steps, with the same seeds, one after the other in this process.
For each run it prints the wall time of training, the environment steps and
seconds until the mean return of the last 20 training episodes first
reaches 475 (checked after each rollout, before the update), and the mean
return of 10 deterministic evaluation episodes after training; then a
table of the means over the seeds and the ratio of this library's to
stable-baselines3's.

stable-baselines3 is not a dependency of garage: install it for the
benchmark only (``pip install stable-baselines3``, keeping the installed
torch).
"""

import argparse
import dataclasses
import functools
import math
import tempfile
import time
import warnings

import numpy as np
import torch
from torch import nn

SOLVED = 475
WINDOW = 20
N_ENVS = 8
N_STEPS = 32
HYPERPARAMETERS = dict(
    batch_size=256,
    n_epochs=20,
    gamma=0.98,
    gae_lambda=0.8,
    learning_rate=1e-3,
    clip_range=0.2,
    max_grad_norm=0.5,
)


@dataclasses.dataclass
class Run:
    """The outcome of one training run."""

    library: str
    seed: int
    wall_seconds: float
    steps: int
    steps_to_solve: int | None
    seconds_to_solve: float | None
    eval_return: float

    def __str__(self):
        solved = (
            'not solved'
            if self.steps_to_solve is None
            else f'{self.steps_to_solve:>7,} steps {self.seconds_to_solve:6.1f} s'
        )
        return (
            f'{self.library:<18} seed {self.seed}: {self.wall_seconds:6.1f} s '
            f'for {self.steps:,} steps; {SOLVED} after {solved}; '
            f'evaluation {self.eval_return:.1f}'
        )


class _SolveTimer:
    """Notes when the mean of the last episode returns first reaches 475."""

    def __init__(self):
        self.start = time.perf_counter()
        self.returns = []
        self.solved = None

    def check(self, steps, now):
        if (
            self.solved is None
            and len(self.returns) >= WINDOW
            and np.mean(self.returns[-WINDOW:]) >= SOLVED
        ):
            self.solved = (steps, now - self.start)


def run_garage(seed, total_steps):
    from garage import rollout
    from garage.envs import GymEnv
    from garage.experiment import SnapshotConfig, deterministic
    from garage.sampler import FragmentWorker, LocalSampler
    from garage.torch.algos import PPO
    from garage.torch.optimizers import OptimizerWrapper
    from garage.torch.policies import CategoricalMLPPolicy
    from garage.torch.value_functions import GaussianMLPValueFunction
    from garage.trainer import Trainer

    class TimedPPO(PPO):
        """PPO that checks the returns after each rollout, as the callback does."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.steps = 0
            self.timer = None

        def _train_once(self, itr, episodes):
            now = time.perf_counter()
            returns = super()._train_once(itr, episodes)
            self.steps += int(episodes.lengths.sum())
            self.timer.returns.extend(returns.tolist())
            self.timer.check(self.steps, now)
            return returns

    deterministic.set_seed(seed)
    env = GymEnv('CartPole-v1')
    hidden_init = functools.partial(nn.init.orthogonal_, gain=math.sqrt(2))
    policy = CategoricalMLPPolicy(
        env.spec,
        hidden_sizes=(64, 64),
        hidden_w_init=hidden_init,
        output_w_init=functools.partial(nn.init.orthogonal_, gain=0.01),
    )
    value_function = GaussianMLPValueFunction(
        env.spec,
        hidden_sizes=(64, 64),
        hidden_w_init=hidden_init,
        output_w_init=nn.init.orthogonal_,
    )
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        seed=seed,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=N_ENVS, timesteps_per_call=N_STEPS),
    )

    def optimizer(module):
        return OptimizerWrapper(
            (
                torch.optim.Adam,
                dict(lr=HYPERPARAMETERS['learning_rate'], eps=1e-5, fused=True),
            ),
            module,
            max_optimization_epochs=HYPERPARAMETERS['n_epochs'],
            minibatch_size=HYPERPARAMETERS['batch_size'],
        )

    algo = TimedPPO(
        env.spec,
        policy,
        value_function,
        sampler,
        policy_optimizer=optimizer(policy),
        vf_optimizer=optimizer(value_function),
        lr_clip_range=HYPERPARAMETERS['clip_range'],
        discount=HYPERPARAMETERS['gamma'],
        gae_lambda=HYPERPARAMETERS['gae_lambda'],
        max_grad_norm=HYPERPARAMETERS['max_grad_norm'],
    )
    batch_size = N_ENVS * N_STEPS
    with tempfile.TemporaryDirectory() as snapshot_dir:
        trainer = Trainer(
            SnapshotConfig(
                snapshot_dir=snapshot_dir, snapshot_mode='none', snapshot_gap=1
            )
        )
        trainer.setup(algo, env)
        algo.timer = _SolveTimer()
        trainer.train(
            n_epochs=-(-total_steps // batch_size),
            batch_size=batch_size,
            progress=False,
        )
        wall = time.perf_counter() - algo.timer.start
    policy.deterministic = True  # the most probable action
    eval_env = GymEnv('CartPole-v1')
    eval_env.seed(seed + 1000)
    returns = [rollout(eval_env, policy)['rewards'].sum() for _ in range(10)]
    return _run('garage', seed, wall, algo.steps, algo.timer, returns)


def run_sb3(seed, total_steps):
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy

    class Timer(BaseCallback):
        """Checks the returns of the finished episodes after each rollout."""

        def __init__(self):
            super().__init__()
            self.timer = None

        def _on_training_start(self):
            self.timer = _SolveTimer()

        def _on_rollout_end(self):
            now = time.perf_counter()
            self.timer.returns = [info['r'] for info in self.model.ep_info_buffer]
            self.timer.check(self.model.num_timesteps, now)

        def _on_step(self):
            return True

    env = make_vec_env('CartPole-v1', n_envs=N_ENVS, seed=seed)
    model = PPO(
        'MlpPolicy',
        env,
        n_steps=N_STEPS,
        seed=seed,
        device='cpu',
        ent_coef=0.0,
        verbose=0,
        **HYPERPARAMETERS,
    )
    callback = Timer()
    model.learn(total_steps, callback=callback)
    wall = time.perf_counter() - callback.timer.start
    eval_env = make_vec_env('CartPole-v1', n_envs=1, seed=seed + 1000)
    returns, _ = evaluate_policy(
        model,
        eval_env,
        n_eval_episodes=10,
        deterministic=True,
        return_episode_rewards=True,
    )
    return _run(
        'stable-baselines3', seed, wall, model.num_timesteps, callback.timer, returns
    )


def _run(library, seed, wall, steps, timer, eval_returns):
    steps_to_solve, seconds_to_solve = timer.solved or (None, None)
    return Run(
        library=library,
        seed=seed,
        wall_seconds=wall,
        steps=steps,
        steps_to_solve=steps_to_solve,
        seconds_to_solve=seconds_to_solve,
        eval_return=float(np.mean(eval_returns)),
    )


def _summary(runs):
    solved = [r for r in runs if r.steps_to_solve is not None]
    return dict(
        wall=np.mean([r.wall_seconds for r in runs]),
        steps=np.mean([r.steps_to_solve for r in solved]) if solved else np.nan,
        seconds=(np.mean([r.seconds_to_solve for r in solved]) if solved else np.nan),
        solved=f'{len(solved)}/{len(runs)}',
        eval=np.mean([r.eval_return for r in runs]),
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--steps', type=int, default=100_000)
    parser.add_argument(
        '--torch-threads',
        type=int,
        default=1,
        help="torch's intra-op threads, for both libraries "
        '(default 1: small networks train fastest on one, '
        'and far faster on a loaded machine)',
    )
    args = parser.parse_args()
    # the trainer logs through dowel, which has no outputs here
    warnings.filterwarnings('ignore', message='.*(No outputs|accepted by any output)')
    torch.set_num_threads(args.torch_threads)
    print(
        f'PPO on CartPole-v1, {args.steps:,} steps, seeds {args.seeds}, '
        f'torch {torch.__version__} with {torch.get_num_threads()} threads'
    )
    runs = {'garage': [], 'stable-baselines3': []}
    for seed in args.seeds:
        for library, run in (('garage', run_garage), ('stable-baselines3', run_sb3)):
            result = run(seed, args.steps)
            runs[library].append(result)
            print(result, flush=True)
    garage, sb3 = _summary(runs['garage']), _summary(runs['stable-baselines3'])
    print(f'\nmeans over {len(args.seeds)} seeds')
    print(
        f'{"":<18}{"wall s":>9}{"solved":>8}{"steps to " + str(SOLVED):>15}'
        f'{"s to " + str(SOLVED):>10}{"eval":>8}'
    )
    for name, row in (('garage', garage), ('stable-baselines3', sb3)):
        print(
            f'{name:<18}{row["wall"]:>9.1f}{row["solved"]:>8}'
            f'{row["steps"]:>15,.0f}{row["seconds"]:>10.1f}{row["eval"]:>8.1f}'
        )
    print(
        f'{"garage / sb3":<18}{garage["wall"] / sb3["wall"]:>9.2f}{"":>8}'
        f'{garage["steps"] / sb3["steps"]:>15.2f}'
        f'{garage["seconds"] / sb3["seconds"]:>10.2f}'
    )


if __name__ == '__main__':
    main()
