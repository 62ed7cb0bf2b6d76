"""Algorithms that need no deep-learning framework, and their interface."""

from garage.np.algos.meta_rl_algorithm import MetaRLAlgorithm
from garage.np.algos.rl_algorithm import EpochRecord, RLAlgorithm

__all__ = ['EpochRecord', 'MetaRLAlgorithm', 'RLAlgorithm']
