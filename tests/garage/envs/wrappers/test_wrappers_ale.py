"""The Atari wrappers on ALE's Pong and Breakout (the atari extra)."""

import importlib.util

import gymnasium
import numpy as np
import pytest

from garage.envs import GymEnv
from garage.envs.wrappers import (
    ClipReward,
    EpisodicLife,
    FireReset,
    Grayscale,
    MaxAndSkip,
    Noop,
    Resize,
    StackFrames,
    wrap_atari,
)

pytestmark = [
    pytest.mark.atari,
    pytest.mark.skipif(
        importlib.util.find_spec('ale_py') is None,
        reason='needs the atari extra (ale-py)',
    ),
]


def make(game, **kwargs):
    import ale_py

    gymnasium.register_envs(ale_py)
    return gymnasium.make(
        f'ALE/{game}-v5', frameskip=1, repeat_action_probability=0.0, **kwargs
    )


def preprocessed(game):
    return wrap_atari(make(game))


def test_pong_observations():
    wrapped = preprocessed('Pong')
    layers = []
    layer = wrapped
    while isinstance(layer, gymnasium.Wrapper):
        layers.append(type(layer))
        layer = layer.env
    assert layers[:8] == [  # then Gymnasium's own wrappers of the game
        StackFrames,
        ClipReward,
        Resize,
        Grayscale,
        FireReset,  # Pong's action 1 is FIRE
        EpisodicLife,
        MaxAndSkip,
        Noop,
    ]
    env = GymEnv(wrapped, is_image=True)
    assert env.spec.observation_space.shape == (4, 84, 84)
    assert env.spec.observation_space.dtype == np.uint8
    obs, _ = env.reset()
    assert obs.shape == (4, 84, 84)
    assert obs.dtype == np.uint8
    assert 0 < obs.mean() < 255
    rewards = set()
    for _ in range(200):
        step = env.step(env.action_space.sample())
        rewards.add(step.reward)
        if step.last:
            env.reset()
    assert rewards <= {-1.0, 0.0, 1.0}
    assert step.observation.shape == (4, 84, 84)


def test_pong_max_and_skip_takes_four_frames():
    env = MaxAndSkip(make('Pong'), skip=4)
    env.reset(seed=0)
    frame_before = env.unwrapped.ale.getEpisodeFrameNumber()
    obs, *_ = env.step(0)
    assert env.unwrapped.ale.getEpisodeFrameNumber() - frame_before == 4
    assert obs.shape == (210, 160, 3)
    assert obs.dtype == np.uint8


def test_noop_is_seeded():
    frames = []
    for _ in range(2):
        env = Noop(make('Pong'), noop_max=30)
        env.reset(seed=3)
        frames.append(env.unwrapped.ale.getEpisodeFrameNumber())
    assert frames[0] == frames[1]
    assert 1 <= frames[0] <= 30


def test_breakout_lives_and_fire():
    env = EpisodicLife(make('Breakout'))
    env = FireReset(env)
    env.reset(seed=0)
    lives = env.unwrapped.ale.lives()
    assert lives == 5
    for _ in range(2000):  # the ball gets past a paddle that does not move
        _, _, terminated, truncated, _ = env.step(0)
        if terminated or truncated:
            break
    assert terminated
    assert env.unwrapped.ale.lives() == lives - 1
    env.reset()
    assert env.unwrapped.ale.lives() == lives - 1  # the game went on
