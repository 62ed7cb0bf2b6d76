"""Gymnasium wrappers for Atari games and pixel observations.

The Atari preprocessing of DQN's paper, one wrapper per step (all of
them in order: `wrap_atari`), on Gymnasium's API: ``reset(seed=...,
options=...)`` returns ``(observation, info)``, ``step`` five values.
"""

from garage.envs.wrappers.atari_env import AtariEnv, wrap_atari
from garage.envs.wrappers.clip_reward import ClipReward
from garage.envs.wrappers.episodic_life import EpisodicLife
from garage.envs.wrappers.fire_reset import FireReset
from garage.envs.wrappers.grayscale import Grayscale
from garage.envs.wrappers.max_and_skip import MaxAndSkip
from garage.envs.wrappers.noop import Noop
from garage.envs.wrappers.pixel_observation import PixelObservationWrapper
from garage.envs.wrappers.resize import Resize
from garage.envs.wrappers.stack_frames import StackFrames

__all__ = [
    'AtariEnv',
    'ClipReward',
    'EpisodicLife',
    'FireReset',
    'Grayscale',
    'MaxAndSkip',
    'Noop',
    'PixelObservationWrapper',
    'Resize',
    'StackFrames',
    'wrap_atari',
]
