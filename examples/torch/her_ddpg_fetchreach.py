#!/usr/bin/env python3
"""Train DDPG with Hindsight Experience Replay on FetchReach-v4.

Gymnasium-Robotics' FetchReach (the ``robotics`` extra): a robot arm must
bring its gripper within 5 cm of a goal drawn for each 50-step episode,
with a reward of -1 until it is there. The observations are dicts of
``observation``, ``achieved_goal`` and ``desired_goal``; the policy and
the Q-function see them flattened (16 values). ``HERReplayBuffer`` stores 4
hindsight transitions per real one, relabelled with goals the arm reached
later in the same episode ('future'), and their rewards recomputed by the
environment's ``compute_reward``.

The hyperparameters are the original garage's example (its TensorFlow
``her_ddpg_fetchreach.py``): networks of three layers of 256 units,
Ornstein-Uhlenbeck exploration noise of σ 0.2, learning rates 1e-3,
discount 0.9, target update 0.05, batches of 256, 40 gradient steps per
iteration of 256 environment steps from 8 environments, 20 iterations per
epoch, 50 epochs. The evaluation return is -50 for an episode that never
reaches the goal and near 0 for one that gets there at once and stays:
with seed 1 it went from -47 in the first epochs to -4.4 at the fourth
(30,224 steps) and -2.0 or better from the seventh on (45,584 steps), at
about 75 s an epoch on a busy two-core machine.
The log directory is
``data/local/experiment/her_ddpg_fetchreach`` under the working directory.
"""

import argparse

import gymnasium
import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.np.exploration_policies import AddOrnsteinUhlenbeckNoise
from garage.replay_buffer import HERReplayBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.ddpg import DDPG
from garage.torch.policies import DeterministicMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='last')
def her_ddpg_fetchreach(ctxt, seed=1):
    """Train DDPG with HER on FetchReach-v4.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.

    """
    import gymnasium_robotics

    gymnasium.register_envs(gymnasium_robotics)
    deterministic.set_seed(seed)
    torch.set_num_threads(1)
    fetch_reach = gymnasium.make('FetchReach-v4')
    env = GymEnv(fetch_reach)
    policy = DeterministicMLPPolicy(
        env.spec,
        hidden_sizes=(256, 256, 256),
        hidden_nonlinearity=torch.relu,
        output_nonlinearity=torch.tanh,
    )
    exploration_policy = AddOrnsteinUhlenbeckNoise(env.spec, policy, sigma=0.2)
    qf = ContinuousMLPQFunction(
        env.spec, hidden_sizes=(256, 256, 256), hidden_nonlinearity=torch.relu
    )
    replay_buffer = HERReplayBuffer(
        replay_k=4,
        reward_fn=fetch_reach.unwrapped.compute_reward,
        capacity_in_transitions=int(1e6),
        env_spec=env.spec,
    )
    sampler = LocalSampler(
        exploration_policy,
        env,
        max_episode_length=env.spec.max_episode_length,
        worker_class=FragmentWorker,
        n_workers=1,
    )
    ddpg = DDPG(
        env.spec,
        policy,
        qf,
        replay_buffer,
        sampler,
        policy_lr=1e-3,
        qf_lr=1e-3,
        target_update_tau=0.05,
        steps_per_epoch=20,
        n_train_steps=40,
        discount=0.9,
        exploration_policy=exploration_policy,
        buffer_batch_size=256,
    )
    trainer = Trainer(ctxt)
    trainer.setup(ddpg, env)
    trainer.train(n_epochs=50, batch_size=256)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    her_ddpg_fetchreach(seed=parser.parse_args().seed)
