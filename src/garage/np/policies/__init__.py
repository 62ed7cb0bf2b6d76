"""Policies that work on NumPy arrays, and their base class."""

from garage.np.policies.fixed_policy import FixedPolicy
from garage.np.policies.policy import ParameterFreePolicy, Policy
from garage.np.policies.scripted_policy import ScriptedPolicy
from garage.np.policies.uniform_random_policy import UniformRandomPolicy

__all__ = [
    'FixedPolicy',
    'ParameterFreePolicy',
    'Policy',
    'ScriptedPolicy',
    'UniformRandomPolicy',
]
