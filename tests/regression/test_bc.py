"""Does behavioral cloning still clone? BC learns CartPole from an expert.

The expert is a scripted balancing policy (push towards the side the pole
falls to, judged by the angle plus half the angular velocity), which
returns the maximum, 500, in every episode. BC samples 1,000 of its steps
per epoch and trains a ``CategoricalMLPPolicy`` (hidden sizes (32, 32)) on
them with the log-likelihood loss, learning rate 0.01, evaluating the
learner (deterministic: its most likely action) on 10 episodes after each
epoch. A run passes when an evaluation averages the expert's return, 500,
within 10 epochs (10,000 expert steps): the learner only has to tell on
which side of a line through the origin of (angle, angular velocity) an
observation lies, which a few hundred gradient steps do. Run it with
``pytest -m regression -s`` to see the epochs and seconds each seed took.
"""

import time

import pytest
import torch

from fixtures.experts import BalancingPolicy
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import BC
from garage.torch.policies import CategoricalMLPPolicy
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
]

EXPERT_RETURN = 500
MAX_EPOCHS = 10


def _stop_at_expert_return(trainer, record):
    return record.evaluation_return < EXPERT_RETURN


@pytest.mark.parametrize('seed', [1, 2])
def test_bc_clones_a_cartpole_expert(seed, tmp_path):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        deterministic.set_seed(seed)
        env = GymEnv('CartPole-v1')
        expert = BalancingPolicy(env.spec)
        learner = CategoricalMLPPolicy(env.spec, hidden_sizes=(32, 32))
        sampler = LocalSampler(expert, env, max_episode_length=500, n_workers=1)
        algo = BC(
            env.spec,
            learner,
            batch_size=1000,
            source=expert,
            sampler=sampler,
            policy_lr=1e-2,
            num_evaluation_episodes=10,
        )
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
        trainer.setup(algo, env)
        start = time.perf_counter()
        result = trainer.train(
            n_epochs=MAX_EPOCHS,
            batch_size=1000,
            progress=False,
            callbacks=[_stop_at_expert_return],
        )
        epochs = trainer.current_epoch + 1
        print(
            f'\nBC CartPole-v1 seed {seed}: the learner returned {result:.1f} '
            f'(expert {EXPERT_RETURN}) after {epochs} epochs, '
            f'{trainer.total_env_steps:,} expert steps '
            f'({time.perf_counter() - start:.1f} s)'
        )
    finally:
        torch.set_num_threads(threads)
    assert result == EXPERT_RETURN
