"""TensorFlow policy-gradient algorithms."""

from garage.tf.algos.npo import NPO
from garage.tf.algos.ppo import PPO
from garage.tf.algos.trpo import TRPO
from garage.tf.algos.vpg import VPG

__all__ = ['NPO', 'PPO', 'TRPO', 'VPG']
