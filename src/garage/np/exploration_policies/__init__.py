"""Exploration policies: perturb a policy's actions to explore."""

from garage.np.exploration_policies.add_gaussian_noise import AddGaussianNoise
from garage.np.exploration_policies.add_ornstein_uhlenbeck_noise import (
    AddOrnsteinUhlenbeckNoise,
)
from garage.np.exploration_policies.epsilon_greedy_policy import (
    EpsilonGreedyPolicy,
)
from garage.np.exploration_policies.exploration_policy import ExplorationPolicy

__all__ = [
    'AddGaussianNoise',
    'AddOrnsteinUhlenbeckNoise',
    'EpsilonGreedyPolicy',
    'ExplorationPolicy',
]
