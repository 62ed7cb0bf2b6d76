"""Algorithms that need no deep-learning framework, and their interface."""

from garage.np.algos.cem import CEM
from garage.np.algos.cma_es import CMAES
from garage.np.algos.meta_rl_algorithm import MetaRLAlgorithm
from garage.np.algos.nop import NOP
from garage.np.algos.rl_algorithm import EpochRecord, RLAlgorithm

__all__ = ['CEM', 'CMAES', 'NOP', 'EpochRecord', 'MetaRLAlgorithm', 'RLAlgorithm']
