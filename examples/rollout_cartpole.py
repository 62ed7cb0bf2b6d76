#!/usr/bin/env python3
"""Roll two policies out in Gymnasium's CartPole-v1 through GymEnv.

A uniformly random policy is compared with a hand-written one that pushes
the cart towards the side the pole is falling to. Prints what each saw:
returns, episode lengths and how the episodes ended.
"""

import argparse

import numpy as np

from garage import EpisodeBatch, StepType, rollout
from garage.envs import GymEnv
from garage.experiment import deterministic
from garage.np.policies import Policy, UniformRandomPolicy


class BalancingPolicy(Policy):
    """Push the cart towards the side the pole is falling to.

    Args:
        env_spec (EnvSpec): The CartPole environment's specification.

    """

    def __init__(self, env_spec):
        self._env_spec = env_spec

    @property
    def env_spec(self):
        """EnvSpec: The environment's specification."""
        return self._env_spec

    def get_action(self, observation):
        """Choose the push for one observation.

        Args:
            observation (np.ndarray): Cart position and velocity, pole angle
                and angular velocity.

        Returns:
            int: 1 (push right) or 0 (push left).
            dict: No agent information.

        """
        actions, _ = self.get_actions(observation[np.newaxis])
        return actions[0], {}

    def get_actions(self, observations):
        """Choose the push for a batch of observations.

        Args:
            observations (np.ndarray): One observation per row.

        Returns:
            np.ndarray: 1 (push right) or 0 (push left) per row.
            dict: No agent information.

        """
        falling = observations[:, 2] + 0.5 * observations[:, 3]
        return (falling > 0).astype(np.int64), {}


def main():
    """Roll out both policies and print a summary of each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--episodes', type=int, default=20)
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args()

    deterministic.set_seed(args.seed)
    env = GymEnv('CartPole-v1')
    print(
        f'CartPole-v1: observations of shape '
        f'{env.spec.observation_space.shape}, {env.spec.action_space.n} '
        f'actions, at most {env.spec.max_episode_length} steps'
    )
    print(
        f'{"policy":<22}{"episodes":>9}{"mean return":>13}{"min":>7}'
        f'{"max":>7}{"terminated":>12}{"timed out":>11}'
    )
    for policy in (UniformRandomPolicy(env.spec), BalancingPolicy(env.spec)):
        batch = EpisodeBatch.from_list(
            env.spec, [rollout(env, policy) for _ in range(args.episodes)]
        )
        last_steps = batch.step_types[np.cumsum(batch.lengths) - 1]
        returns = np.add.reduceat(
            batch.rewards, np.cumsum(batch.lengths) - batch.lengths
        )
        print(
            f'{type(policy).__name__:<22}{len(batch.lengths):>9}'
            f'{returns.mean():>13.1f}{returns.min():>7.0f}'
            f'{returns.max():>7.0f}'
            f'{np.sum(last_steps == StepType.TERMINAL):>12}'
            f'{np.sum(last_steps == StepType.TIMEOUT):>11}'
        )
    env.close()


if __name__ == '__main__':
    main()
