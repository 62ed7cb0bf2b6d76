"""Regression run: DDPG with HER reaches goals that DDPG without it does not.

The task is ``GoalPointEnv``: a point starts at the origin of the square
``[-1, 1]^2`` and has 50 steps of at most 0.1 to end within 0.05 of a
goal drawn uniformly from the square; the reward is sparse, 0 at the goal
and -1 elsewhere, as in Gymnasium-Robotics' Fetch tasks. Both runs train
DDPG identically, with a fixed seed, for 6,400 environment steps (6 epochs
of 10 iterations, each 2 episodes then 40 gradient steps on batches of
256, the HER paper's cycle; the first iteration samples the 500 steps of
``min_buffer_size``), and differ only in ``replay_k``: 4 hindsight
goals per transition (the original's example) or none. The success rate is
the fraction of 100 evaluation episodes of the deterministic policy whose
last step is within the threshold.

Thresholds: with HER the success rate must be at least 0.8 (this seed
reaches 1.0 from the fifth epoch on); without HER at most 0.2. An untrained
policy ends within 0.05 of a uniform goal with probability about
π 0.05² / 4 ≈ 0.002, and DDPG without HER rarely sees a reward
other than -1, so it stays near that (0.0 and 0.01 for two seeds after
10,000 steps); 0.2 leaves room for luck while still failing if the task
became easy enough not to need hindsight, which would make the comparison
meaningless. Each run takes about 10 s of CPU time on one thread.
"""

import numpy as np
import pytest
import torch

from garage import Trainer, obtain_evaluation_episodes, wrap_experiment
from garage.envs import GoalPointEnv
from garage.experiment import deterministic
from garage.np.exploration_policies import AddGaussianNoise
from garage.replay_buffer import HERReplayBuffer
from garage.sampler import LocalSampler
from garage.torch.algos.ddpg import DDPG
from garage.torch.policies import DeterministicMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction

pytestmark = pytest.mark.regression

N_EPOCHS = 6
EPISODES_PER_ITERATION = 2


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small networks train fastest on one thread, busy machine or not."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def success_rate(tmp_path, replay_k):
    """Train DDPG with ``replay_k`` hindsight goals; return the success rate."""
    result = {}

    def launcher(ctxt, seed=1):
        deterministic.set_seed(seed)
        env = GoalPointEnv()
        policy = DeterministicMLPPolicy(
            env.spec, hidden_sizes=(64, 64), output_nonlinearity=torch.tanh
        )
        qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(64, 64))
        exploration = AddGaussianNoise(
            env.spec, policy, total_timesteps=1, max_sigma=0.2, min_sigma=0.2
        )
        replay_buffer = HERReplayBuffer(
            replay_k=replay_k,
            reward_fn=env.compute_reward,
            capacity_in_transitions=100_000,
            env_spec=env.spec,
        )
        sampler = LocalSampler(
            exploration, env, max_episode_length=env.spec.max_episode_length
        )
        algo = DDPG(
            env.spec,
            policy,
            qf,
            replay_buffer,
            sampler,
            exploration_policy=exploration,
            steps_per_epoch=10,
            n_train_steps=40,
            buffer_batch_size=256,
            min_buffer_size=500,
            target_update_tau=0.05,
            discount=0.98,
            policy_lr=1e-3,
            qf_lr=1e-3,
            # returns of -1 rewards lie in [-1 / (1 - discount), 0]
            clip_return=50,
            clip_pos_returns=True,
            num_evaluation_episodes=10,
        )
        trainer = Trainer(ctxt)
        trainer.setup(algo, env)
        trainer.train(
            n_epochs=N_EPOCHS,
            batch_size=EPISODES_PER_ITERATION * env.spec.max_episode_length,
        )
        assert trainer.total_env_steps <= 6_400
        episodes = obtain_evaluation_episodes(policy, GoalPointEnv(), num_eps=100)
        last_steps = np.cumsum(episodes.lengths) - 1
        result['success'] = float(episodes.env_infos['is_success'][last_steps].mean())

    wrap_experiment(
        launcher,
        log_dir=tmp_path / f'replay_k_{replay_k}',
        snapshot_mode='none',
        archive_launch_repo=False,
    )(seed=1)
    return result['success']


def test_her_reaches_goals_ddpg_alone_does_not(tmp_path):
    with_her = success_rate(tmp_path, replay_k=4)
    without_her = success_rate(tmp_path, replay_k=0)
    print(f'success rate: DDPG+HER {with_her:.2f}, DDPG {without_her:.2f}')
    assert with_her >= 0.8, (with_her, without_her)
    assert without_her <= 0.2, (with_her, without_her)
