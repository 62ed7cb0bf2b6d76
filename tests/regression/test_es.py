"""Do CEM and CMA-ES still solve CartPole? Train each to a return of 500.

Each run uses the budget of the original garage's example
(``examples/np/cem_cartpole.py``, ``cma_es_cartpole.py``): a
``CategoricalMLPPolicy`` with hidden sizes (32, 32), 20 parameter vectors
per epoch, each scored on a batch of at least 1,000 steps, for at most 100
epochs. A run stops as soon as one vector averages the maximum return, 500,
over its batch (so over at least two whole episodes, none of them cut
short); it fails if the 100 epochs run out first. Then the policy the
algorithm keeps (CEM's mean, which with ``best_frac=0.05`` is that vector;
CMA-ES's best vector) must average at least 400 over 10 new episodes,
sampling its actions. The vector was picked as the best of 20 on its own
batch, so new episodes score lower (a stochastic policy sometimes drops the
pole); 400 is far above the 10 to 30 of a random policy and shows the
policy balances. Seeds 1 and 2 scored 500.0 and 424.1 with CEM (vector
found in epochs 32 and 22), 492.4 and 500.0 with CMA-ES (epochs 14 and 35).
Sampling uses two workers, as measured on a two-core machine, so the runs
are the same on any machine.
"""

import contextlib
import time

import numpy as np
import pytest
import torch

from garage import rollout
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.np.algos import CEM, CMAES
from garage.sampler import LocalSampler
from garage.torch.policies import CategoricalMLPPolicy
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
]

N_EPOCHS = 100
N_SAMPLES = 20
BATCH_SIZE = 1000


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class _Solved(Exception):
    """Ends training once a vector scores 500."""


def _tracking(algo_cls):
    class Tracking(algo_cls):
        epochs = 0
        solved = False

        def _update(self, candidates, scores):
            super()._update(candidates, scores)
            self.epochs += 1
            if scores.max() >= 500:
                self.solved = True
                raise _Solved

    return Tracking


def _train(algo_cls, seed, tmp_path):
    deterministic.set_seed(seed)
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=2
    )
    algo = _tracking(algo_cls)(env.spec, policy, sampler, n_samples=N_SAMPLES)
    trainer = Trainer(
        SnapshotConfig(snapshot_dir=str(tmp_path), snapshot_mode='none', snapshot_gap=1)
    )
    trainer.setup(algo, env)
    start = time.perf_counter()
    with contextlib.suppress(_Solved):
        trainer.train(n_epochs=N_EPOCHS, batch_size=BATCH_SIZE, progress=False)
    returns = [
        rollout(env, policy, deterministic=False)['rewards'].sum() for _ in range(10)
    ]
    print(
        f'\n{algo_cls.__name__} CartPole-v1 seed {seed}: a vector scored 500 '
        f'in epoch {algo.epochs} of {N_EPOCHS} '
        f'({trainer.total_env_steps:,} steps, {time.perf_counter() - start:.1f} s); '
        f'its policy then returned {np.mean(returns):.1f} on average over '
        f'10 episodes'
    )
    return algo.solved, float(np.mean(returns))


@pytest.mark.slow
@pytest.mark.parametrize('seed', [1, 2])
def test_cem_cartpole(seed, tmp_path):
    """CEM: a vector scores 500 within 100 epochs; the mean then averages 400."""
    solved, evaluated = _train(CEM, seed, tmp_path)
    assert solved
    assert evaluated >= 400


@pytest.mark.slow
@pytest.mark.parametrize('seed', [1, 2])
def test_cmaes_cartpole(seed, tmp_path):
    """CMA-ES: as CEM, with its best vector."""
    solved, evaluated = _train(CMAES, seed, tmp_path)
    assert solved
    assert evaluated >= 400
