"""DeepMind Control Suite environments as garage Environments.

Needs the ``dm_control`` extra (``pip install 'garage[dm_control]'``),
which is imported only when an environment is made.
"""

from garage.envs.dm_control.dm_control_env import DMControlEnv

__all__ = ['DMControlEnv']
