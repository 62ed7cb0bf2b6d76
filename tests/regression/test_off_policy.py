"""Regression runs: the off-policy algorithms still learn their tasks.

Each run trains with a fixed seed within a step budget, as a launcher
script would (``wrap_experiment``, ``Trainer``), and reads the
deterministic evaluation returns from ``progress.csv``: SAC, TD3 and DDPG
must end at -250 or more on Pendulum-v1 within 20,000 steps, and DQN must
reach 450 on CartPole-v1 within 50,000 steps (DQN's returns on CartPole
swing between epochs, so the best epoch counts). Small networks (two
layers of 64 units) keep the Pendulum runs short; TD3's, the quickest,
runs in CI, the others when slow tests are selected (``-m slow``).
"""

import csv

import pytest
import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.experiment import deterministic
from garage.np.exploration_policies import AddGaussianNoise, EpsilonGreedyPolicy
from garage.np.policies import UniformRandomPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.ddpg import DDPG
from garage.torch.algos.dqn import DQN
from garage.torch.algos.sac import SAC
from garage.torch.algos.td3 import TD3
from garage.torch.policies import (
    DeterministicMLPPolicy,
    DiscreteQFArgmaxPolicy,
    TanhGaussianMLPPolicy,
)
from garage.torch.q_functions import ContinuousMLPQFunction, DiscreteMLPQFunction

pytestmark = pytest.mark.regression

HIDDEN_SIZES = (64, 64)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small networks train fastest on one thread, busy machine or not."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def evaluations(tmp_path, make_algo, n_epochs, batch_size):
    """Train as a launcher would; return (steps, return) of each epoch."""
    log_dir = tmp_path / 'experiment'

    def launcher(ctxt, seed=1):
        deterministic.set_seed(seed)
        algo, env = make_algo()
        trainer = Trainer(ctxt)
        trainer.setup(algo, env)
        trainer.train(n_epochs=n_epochs, batch_size=batch_size)

    wrap_experiment(
        launcher, log_dir=log_dir, snapshot_mode='none', archive_launch_repo=False
    )(seed=1)
    with open(log_dir / 'progress.csv', newline='') as f:
        return [
            (int(row['TotalEnvSteps']), float(row['Evaluation/AverageReturn']))
            for row in csv.DictReader(f)
        ]


def pendulum(policy_class):
    env = normalize(GymEnv('Pendulum-v1'))
    if policy_class is DeterministicMLPPolicy:
        policy = policy_class(
            env.spec, hidden_sizes=HIDDEN_SIZES, output_nonlinearity=torch.tanh
        )
    else:
        policy = policy_class(env.spec, HIDDEN_SIZES)
    qfs = [
        ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN_SIZES) for _ in range(2)
    ]
    return env, policy, qfs


def local_sampler(agent, env, **worker_args):
    return LocalSampler(
        agent,
        env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=1, **worker_args),
    )


def gaussian_noise(env, policy):
    return AddGaussianNoise(
        env.spec, policy, total_timesteps=20_000, max_sigma=0.1, min_sigma=0.1
    )


def check_pendulum(results):
    steps, final_return = results[-1]
    assert steps <= 20_000
    assert final_return >= -250, results


def test_td3_pendulum(tmp_path):
    def make_algo():
        env, policy, (qf1, qf2) = pendulum(DeterministicMLPPolicy)
        exploration = gaussian_noise(env, policy)
        algo = TD3(
            env.spec,
            policy,
            qf1,
            qf2,
            PathBuffer(100_000),
            local_sampler(exploration, env),
            exploration_policy=exploration,
            uniform_random_policy=UniformRandomPolicy(env.spec),
            start_steps=1000,
            min_buffer_size=1000,
            update_after=0,
            steps_per_epoch=2000,
            buffer_batch_size=128,
            policy_lr=1e-3,
            qf_lr=1e-3,
            discount=0.98,
        )
        return algo, env

    check_pendulum(evaluations(tmp_path, make_algo, n_epochs=5, batch_size=1))


@pytest.mark.slow
def test_sac_pendulum(tmp_path):
    def make_algo():
        env, policy, (qf1, qf2) = pendulum(TanhGaussianMLPPolicy)
        algo = SAC(
            env.spec,
            policy,
            qf1,
            qf2,
            PathBuffer(100_000),
            local_sampler(policy, env),
            min_buffer_size=100,
            steps_per_epoch=2000,
            buffer_batch_size=128,
            policy_lr=1e-3,
            qf_lr=1e-3,
        )
        return algo, env

    check_pendulum(evaluations(tmp_path, make_algo, n_epochs=8, batch_size=1))


@pytest.mark.slow
def test_ddpg_pendulum(tmp_path):
    def make_algo():
        env, policy, (qf, _) = pendulum(DeterministicMLPPolicy)
        exploration = gaussian_noise(env, policy)
        algo = DDPG(
            env.spec,
            policy,
            qf,
            PathBuffer(100_000),
            local_sampler(exploration, env),
            exploration_policy=exploration,
            min_buffer_size=1000,
            n_train_steps=1,
            steps_per_epoch=2000,
            buffer_batch_size=128,
            policy_lr=1e-3,
            qf_lr=1e-3,
            discount=0.98,
            target_update_tau=5e-3,
        )
        return algo, env

    check_pendulum(evaluations(tmp_path, make_algo, n_epochs=6, batch_size=1))


@pytest.mark.slow
def test_dqn_cartpole(tmp_path):
    def make_algo():
        env = GymEnv('CartPole-v1')
        qf = DiscreteMLPQFunction(env.spec, hidden_sizes=(256, 256))
        policy = DiscreteQFArgmaxPolicy(qf, env.spec)
        exploration = EpsilonGreedyPolicy(
            env.spec,
            policy,
            total_timesteps=50_000,
            max_epsilon=1.0,
            min_epsilon=0.04,
            decay_ratio=0.16,
        )
        algo = DQN(
            env.spec,
            policy,
            qf,
            PathBuffer(100_000),
            local_sampler(exploration, env, timesteps_per_call=256),
            exploration,
            qf_lr=2.3e-3,
            steps_per_epoch=10,
            n_train_steps=128,
            min_buffer_size=1000,
            buffer_batch_size=64,
            target_update_freq=1,
        )
        return algo, env

    results = evaluations(tmp_path, make_algo, n_epochs=19, batch_size=256)
    assert results[-1][0] <= 50_000
    assert max(average for _, average in results) >= 450, results
