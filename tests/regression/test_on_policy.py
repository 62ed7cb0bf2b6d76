"""Do VPG, PPO and TRPO still learn? Train each to a return threshold.

Each run trains through the whole stack (environment, sampler, Trainer,
algorithm) and stops as soon as the mean return of the last 20 training
episodes reaches its threshold; it fails if its step budget runs out
first. Run them with ``pytest -m regression -s`` to see, for each run,
the steps and seconds it took. The PPO CartPole runs are fast enough for
CI; the others are marked ``slow``.
"""

import contextlib
import functools
import math
import time

import numpy as np
import pytest
import torch
from torch import nn

from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import FragmentWorker, LocalSampler, VecWorker
from garage.torch.algos import PPO, TRPO, VPG
from garage.torch.optimizers import OptimizerWrapper
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
]

WINDOW = 20


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Train on one thread: faster for small networks, far faster on a
    loaded machine, where torch's threads wait for each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class _Stop(Exception):
    """Ends training once the threshold is reached or the budget spent."""


def _tracking(algo_cls, threshold, budget):
    """``algo_cls``, stopping at ``threshold`` or after ``budget`` steps."""

    class Tracking(algo_cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.returns = []
            self.steps = 0
            self.solved_at = None

        def _train_once(self, itr, episodes):
            returns = super()._train_once(itr, episodes)
            self.steps += int(episodes.lengths.sum())
            self.returns.extend(returns.tolist())
            if (
                len(self.returns) >= WINDOW
                and np.mean(self.returns[-WINDOW:]) >= threshold
            ):
                self.solved_at = self.steps
                raise _Stop
            if self.steps >= budget:
                raise _Stop
            return returns

    return Tracking


def _adam(module, lr, epochs=1, minibatch_size=None, eps=1e-8):
    return OptimizerWrapper(
        (torch.optim.Adam, dict(lr=lr, eps=eps, fused=True)),
        module,
        max_optimization_epochs=epochs,
        minibatch_size=minibatch_size,
    )


def _train(name, seed, algo_cls, env, make, batch_size, threshold, budget, tmp_path):
    """Train until ``threshold`` or ``budget``; return the algorithm."""
    deterministic.set_seed(seed)
    algo = make(_tracking(algo_cls, threshold, budget), env)
    trainer = Trainer(
        SnapshotConfig(snapshot_dir=str(tmp_path), snapshot_mode='none', snapshot_gap=1)
    )
    trainer.setup(algo, env)
    start = time.perf_counter()
    with contextlib.suppress(_Stop):
        trainer.train(
            n_epochs=budget // batch_size + 1, batch_size=batch_size, progress=False
        )
    last = np.mean(algo.returns[-WINDOW:]) if algo.returns else np.nan
    print(
        f'\n{name} seed {seed}: mean of the last {WINDOW} returns '
        f'{last:.1f} after {algo.steps:,} steps '
        f'({time.perf_counter() - start:.1f} s)'
    )
    return algo


def _ppo_cartpole(cls, env):
    """rl-baselines3-zoo's hyperparameters, as in examples/torch."""
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
        max_episode_length=500,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=8, timesteps_per_call=32),
    )
    return cls(
        env.spec,
        policy,
        value_function,
        sampler,
        policy_optimizer=_adam(policy, 1e-3, 20, 256, eps=1e-5),
        vf_optimizer=_adam(value_function, 1e-3, 20, 256, eps=1e-5),
        lr_clip_range=0.2,
        discount=0.98,
        gae_lambda=0.8,
        max_grad_norm=0.5,
    )


def _whole_episodes(policy, env):
    return LocalSampler(
        policy,
        env,
        max_episode_length=500,
        n_workers=1,
        worker_class=VecWorker,
        worker_args=dict(n_envs=8),
    )


def _trpo_cartpole(cls, env):
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))
    return cls(
        env.spec,
        policy,
        value_function,
        _whole_episodes(policy, env),
        vf_optimizer=_adam(value_function, 1e-3, 10, 256),
        discount=0.99,
        gae_lambda=0.98,
        max_kl_step=0.01,
    )


def _vpg_cartpole(cls, env):
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))
    return cls(
        env.spec,
        policy,
        value_function,
        _whole_episodes(policy, env),
        policy_optimizer=_adam(policy, 1e-2),
        vf_optimizer=_adam(value_function, 1e-3, 10, 256),
        discount=0.99,
        gae_lambda=0.98,
    )


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_ppo_cartpole(seed, tmp_path):
    """PPO reaches 475 on CartPole-v1 within 100,000 steps."""
    algo = _train(
        'PPO CartPole-v1',
        seed,
        PPO,
        GymEnv('CartPole-v1'),
        _ppo_cartpole,
        batch_size=256,
        threshold=475,
        budget=100_000,
        tmp_path=tmp_path,
    )
    assert algo.solved_at is not None


@pytest.mark.slow
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_trpo_cartpole(seed, tmp_path):
    """TRPO reaches 450 on CartPole-v1 within 200,000 steps.

    With whole episodes of at least 2,048 steps per update and a KL step of
    0.01, TRPO climbs steadily but hovers between 400 and 500 once there,
    so 450 is what it reliably reaches. Seeds 1 to 3 reach it after
    54,000 to 132,000 steps; of seeds 4 to 6, tried while choosing the
    budget, the slowest needed about 150,000.
    """
    algo = _train(
        'TRPO CartPole-v1',
        seed,
        TRPO,
        GymEnv('CartPole-v1'),
        _trpo_cartpole,
        batch_size=2048,
        threshold=450,
        budget=200_000,
        tmp_path=tmp_path,
    )
    assert algo.solved_at is not None


@pytest.mark.slow
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_vpg_cartpole(seed, tmp_path):
    """VPG reaches 450 on CartPole-v1 within 150,000 steps.

    One Adam step (learning rate 0.01) per batch of at least 2,048 steps
    of whole episodes; returns then keep to 450-500. Seeds 1 to 3 reach
    450 after 46,000 to 100,000 steps, and seeds 4 to 6, tried while
    choosing the budget, within 100,000 too.
    """
    algo = _train(
        'VPG CartPole-v1',
        seed,
        VPG,
        GymEnv('CartPole-v1'),
        _vpg_cartpole,
        batch_size=2048,
        threshold=450,
        budget=150_000,
        tmp_path=tmp_path,
    )
    assert algo.solved_at is not None


def _ppo_continuous(lr, discount):
    """PPO with a Gaussian policy, as in examples/torch."""

    def make(cls, env):
        policy = GaussianMLPPolicy(env.spec, hidden_sizes=(64, 64))
        value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(64, 64))
        sampler = LocalSampler(
            policy,
            env,
            max_episode_length=env.spec.max_episode_length,
            n_workers=1,
            worker_class=FragmentWorker,
            worker_args=dict(n_envs=8, timesteps_per_call=256),
        )
        return cls(
            env.spec,
            policy,
            value_function,
            sampler,
            policy_optimizer=_adam(policy, lr, 10, 256),
            vf_optimizer=_adam(value_function, lr, 10, 256),
            lr_clip_range=0.2,
            discount=discount,
            gae_lambda=0.95,
        )

    return make


@pytest.mark.slow
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_ppo_pendulum(seed, tmp_path):
    """PPO reaches -250 on Pendulum-v1 within 200,000 steps.

    Returns start near -1,500 and settle between -150 and -250 once the
    pendulum is swung up and held; seeds 1 to 3 pass -250 after about
    95,000 to 115,000 steps.
    """
    algo = _train(
        'PPO Pendulum-v1',
        seed,
        PPO,
        GymEnv('Pendulum-v1'),
        _ppo_continuous(lr=1e-3, discount=0.9),
        batch_size=2048,
        threshold=-250,
        budget=200_000,
        tmp_path=tmp_path,
    )
    assert algo.solved_at is not None


@pytest.mark.slow
@pytest.mark.mujoco
@pytest.mark.parametrize('seed', [1, 2, 3])
def test_ppo_inverted_pendulum(seed, tmp_path, monkeypatch):
    """PPO reaches 950 on InvertedPendulum-v5 within 150,000 steps.

    The return is the number of steps the pole stays up, at most 1,000;
    seeds 1 to 3 pass 950 after about 70,000 to 110,000 steps.
    """
    pytest.importorskip('mujoco')
    monkeypatch.chdir(tmp_path)  # MuJoCo writes its warnings to the cwd
    algo = _train(
        'PPO InvertedPendulum-v5',
        seed,
        PPO,
        GymEnv('InvertedPendulum-v5'),
        _ppo_continuous(lr=3e-4, discount=0.99),
        batch_size=2048,
        threshold=950,
        budget=150_000,
        tmp_path=tmp_path,
    )
    assert algo.solved_at is not None
