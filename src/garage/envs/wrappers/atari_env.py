"""Atari environment wrapper: observations as NumPy arrays."""

from typing import Any

import gymnasium
import numpy as np

from garage.envs.wrappers._checks import action_meanings


class AtariEnv(gymnasium.ObservationWrapper):
    """Atari environment wrapper for a Gymnasium environment.

    Converts the observations of wrapped Atari environments (such as
    the ``LazyFrames`` of frame-stacking wrappers of other libraries) into
    NumPy arrays, keeping their layout and dtype: the ``uint8`` frames of
    `StackFrames` stay ``uint8`` and in the order it stacked them. The
    observation space is the wrapped environment's.

    Args:
        env: The environment to wrap.

    """

    def __init__(self, env: gymnasium.Env):
        super().__init__(env)

    def observation(self, observation: Any) -> np.ndarray:
        """The observation as a NumPy array.

        Args:
            observation: The wrapped environment's observation.

        Returns:
            The array, of the observation's layout and dtype.

        """
        return np.asarray(observation)


def wrap_atari(env: gymnasium.Env, n_frames: int = 4, axis: int = 0) -> gymnasium.Env:
    """Wrap an Atari game in the preprocessing of DQN's paper.

    In order: `Noop` (up to 30 no-ops), `MaxAndSkip` (4 frames),
    `EpisodicLife`, `FireReset` where the game's action 1 is FIRE,
    `Grayscale`, `Resize` to 84 by 84, `ClipReward` and `StackFrames`, as
    ``examples/torch/dqn_atari.py`` and the original garage's launcher
    wrap them. Wrap the result in ``GymEnv(..., is_image=True)`` to train
    on it.

    Args:
        env: The game, which must not skip frames itself (such as
            ``gymnasium.make('PongNoFrameskip-v4')``).
        n_frames: The frames to stack.
        axis: The stacking axis: 0 for PyTorch's channels-first layout, 2
            for channels last.

    Returns:
        The wrapped game: ``uint8`` observations of shape ``(n_frames, 84,
        84)`` (``axis=0``) or ``(84, 84, n_frames)``.

    """
    from garage.envs.wrappers.clip_reward import ClipReward
    from garage.envs.wrappers.episodic_life import EpisodicLife
    from garage.envs.wrappers.fire_reset import FireReset
    from garage.envs.wrappers.grayscale import Grayscale
    from garage.envs.wrappers.max_and_skip import MaxAndSkip
    from garage.envs.wrappers.noop import Noop
    from garage.envs.wrappers.resize import Resize
    from garage.envs.wrappers.stack_frames import StackFrames

    env = Noop(env, noop_max=30)
    env = MaxAndSkip(env, skip=4)
    env = EpisodicLife(env)
    if 'FIRE' in (action_meanings(env) or ()):
        env = FireReset(env)
    env = Grayscale(env)
    env = Resize(env, 84, 84)
    env = ClipReward(env)
    return StackFrames(env, n_frames, axis=axis)
