"""Reinforcement-learning algorithms implemented in PyTorch."""

from garage.torch.algos.bc import BC
from garage.torch.algos.ddpg import DDPG
from garage.torch.algos.dqn import DQN
from garage.torch.algos.maml import MAML
from garage.torch.algos.maml_variants import MAMLPPO, MAMLTRPO, MAMLVPG
from garage.torch.algos.mtsac import MTSAC
from garage.torch.algos.pearl import PEARL
from garage.torch.algos.ppo import PPO
from garage.torch.algos.rl2ppo import RL2PPO
from garage.torch.algos.rl2trpo import RL2TRPO
from garage.torch.algos.sac import SAC
from garage.torch.algos.td3 import TD3
from garage.torch.algos.trpo import TRPO
from garage.torch.algos.vpg import VPG

__all__ = [
    'BC',
    'DDPG',
    'DQN',
    'MAML',
    'MAMLPPO',
    'MAMLTRPO',
    'MAMLVPG',
    'MTSAC',
    'PEARL',
    'PPO',
    'RL2PPO',
    'RL2TRPO',
    'SAC',
    'TD3',
    'TRPO',
    'VPG',
]
