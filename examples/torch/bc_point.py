#!/usr/bin/env python3
"""Clone a scripted expert on PointEnv with behavioral cloning (BC).

As the original garage's example: the expert steps straight towards the
goal (1, 1); a GaussianMLPPolicy with hidden sizes (8, 8) learns from 1,000
of its steps per epoch, with learning rate 0.01, for 100 epochs, and is
evaluated on 100 episodes after each. ``--loss mse`` trains a
DeterministicMLPPolicy with the mean squared error instead of the
log-likelihood (the original's ``bc_point_deterministic_policy.py``). The
log directory is ``data/local/experiment/bc_point`` under the working
directory.
"""

import argparse

import numpy as np
import torch

from garage import Trainer, wrap_experiment
from garage.envs import PointEnv
from garage.experiment import deterministic
from garage.np.policies import Policy
from garage.sampler import LocalSampler
from garage.torch.algos import BC
from garage.torch.policies import DeterministicMLPPolicy, GaussianMLPPolicy


class OptimalPolicy(Policy):
    """Step straight towards the goal of a PointEnv.

    Args:
        env_spec (EnvSpec): The environment's specification.
        goal (np.ndarray): The goal position.

    """

    def __init__(self, env_spec, goal):
        self._env_spec = env_spec
        self._goal = np.asarray(goal, dtype=np.float32)

    @property
    def env_spec(self):
        """EnvSpec: The environment's specification."""
        return self._env_spec

    def get_action(self, observation):
        """Step towards the goal from one observation.

        Args:
            observation (np.ndarray): The position and distance to the goal.

        Returns:
            np.ndarray: The step.
            dict: No agent information.

        """
        actions, _ = self.get_actions(np.asarray(observation)[np.newaxis])
        return actions[0], {}

    def get_actions(self, observations):
        """Step towards the goal from a batch of observations.

        Args:
            observations (np.ndarray): One observation per row.

        Returns:
            np.ndarray: One step per row, at most 0.1 per axis.
            dict: No agent information.

        """
        steps = self._goal - np.asarray(observations)[:, :2]
        return np.clip(steps, -0.1, 0.1).astype(np.float32), {}


@wrap_experiment
def bc_point(ctxt, seed=1, loss='log_prob'):
    """Clone the PointEnv expert.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        loss: ``'log_prob'`` (a Gaussian learner) or ``'mse'`` (a
            deterministic one).

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)
    goal = np.array([1.0, 1.0])
    env = PointEnv(goal=goal, max_episode_length=200)
    expert = OptimalPolicy(env.spec, goal=goal)
    if loss == 'mse':
        policy = DeterministicMLPPolicy(env.spec, hidden_sizes=(8, 8))
    else:
        policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8, 8))
    batch_size = 1000
    sampler = LocalSampler(expert, env, max_episode_length=200, n_workers=1)
    algo = BC(
        env.spec,
        policy,
        batch_size=batch_size,
        source=expert,
        sampler=sampler,
        policy_lr=1e-2,
        loss=loss,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(n_epochs=100, batch_size=batch_size)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--loss', choices=('log_prob', 'mse'), default='log_prob')
    arguments = parser.parse_args()
    bc_point(seed=arguments.seed, loss=arguments.loss)
