"""The Atari wrappers on a fake game: shapes, dtypes and behaviour."""

import gymnasium
import numpy as np
import pytest

from fixtures.atari import FakeAtari
from garage.envs import GymEnv
from garage.envs.wrappers import (
    AtariEnv,
    ClipReward,
    EpisodicLife,
    FireReset,
    Grayscale,
    MaxAndSkip,
    Noop,
    PixelObservationWrapper,
    Resize,
    StackFrames,
    wrap_atari,
)


def gray(shape=(10, 8), **kwargs):
    return Grayscale(FakeAtari((*shape, 3), **kwargs))


def test_atari_env_gives_arrays():
    class Listy(gymnasium.Wrapper):
        def reset(self, **kwargs):
            obs, info = self.env.reset(**kwargs)
            return obs.tolist(), info

        def step(self, action):
            obs, *rest = self.env.step(action)
            return (obs.tolist(), *rest)

    env = AtariEnv(Listy(FakeAtari()))
    obs, _ = env.reset(seed=0)
    assert isinstance(obs, np.ndarray)
    assert obs.shape == (10, 8, 3)
    obs, *_ = env.step(0)
    assert isinstance(obs, np.ndarray)
    assert env.observation_space == FakeAtari().observation_space


def test_clip_reward_signs():
    env = ClipReward(FakeAtari(rewards=(2.5, -3.0, 0.0)))
    env.reset(seed=0)
    assert [env.step(0)[1] for _ in range(3)] == [1.0, -1.0, 0.0]


def test_episodic_life_ends_episodes_at_lost_lives():
    game = FakeAtari(lives=3, steps_per_life=2)
    env = EpisodicLife(game)
    env.reset(seed=0)
    assert game.n_resets == 1
    assert env.step(0)[2] is False
    assert env.step(0)[2] is True  # a life lost
    obs, _ = env.reset()
    assert game.n_resets == 1  # a no-op step, not a reset
    assert game.actions[-1] == 0
    np.testing.assert_array_equal(obs, game.frame())
    assert env.step(2)[2] is True  # the no-op was step 3: second life lost
    env.reset()
    _, _, terminated, _, _ = env.step(0)  # the game ends
    assert terminated
    assert game.lives == 0
    env.reset()
    assert game.n_resets == 2


def test_episodic_life_needs_ale():
    with pytest.raises(ValueError, match='EpisodicLife needs an Atari'):
        EpisodicLife(gymnasium.make('CartPole-v1'))


def test_fire_reset_fires():
    game = FakeAtari()
    env = FireReset(game)
    obs, _ = env.reset(seed=0)
    assert game.actions == [1]
    np.testing.assert_array_equal(obs, game.frame(1))


def test_fire_reset_needs_fire():
    with pytest.raises(ValueError, match='action 1 is FIRE'):
        FireReset(FakeAtari(meanings=('NOOP', 'RIGHT', 'LEFT')))


def test_noop_takes_random_noops():
    counts = set()
    for seed in range(8):
        game = FakeAtari(lives=100)
        env = Noop(game, noop_max=5)
        env.reset(seed=seed)
        assert set(game.actions) == {0}
        assert 1 <= len(game.actions) <= 5
        counts.add(len(game.actions))
        again = FakeAtari(lives=100)
        Noop(again, noop_max=5).reset(seed=seed)
        assert again.actions == game.actions  # the seed decides
    assert len(counts) > 1


def test_noop_checks():
    with pytest.raises(ValueError, match='noop_max'):
        Noop(FakeAtari(), noop_max=0)
    with pytest.raises(ValueError, match='action 0 is NOOP'):
        Noop(FakeAtari(meanings=('FIRE', 'NOOP', 'LEFT')))


def test_max_and_skip_repeats_and_maxes():
    game = FakeAtari(lives=100, rewards=(1.0, 2.0, 4.0, 8.0, 16.0))
    env = MaxAndSkip(game, skip=4)
    env.reset(seed=0)
    obs, reward, terminated, truncated, _ = env.step(3)
    assert game.actions == [3, 3, 3, 3]
    assert reward == 15.0
    np.testing.assert_array_equal(obs, np.maximum(game.frame(3), game.frame(4)))
    assert obs.dtype == np.uint8
    assert (terminated, truncated) == (False, False)


def test_max_and_skip_stops_at_episode_end():
    game = FakeAtari(lives=1, steps_per_life=2)
    env = MaxAndSkip(game, skip=4)
    env.reset(seed=0)
    _, _, terminated, _, _ = env.step(0)
    assert terminated
    assert len(game.actions) == 2


def test_grayscale():
    env = gray()
    assert env.observation_space == gymnasium.spaces.Box(0, 255, (10, 8), np.uint8)
    obs, _ = env.reset(seed=0)
    rgb = env.unwrapped.frame().astype(np.float64)
    expected = 0.2125 * rgb[..., 0] + 0.7154 * rgb[..., 1] + 0.0721 * rgb[..., 2]
    np.testing.assert_array_equal(obs, expected.astype(np.uint8))
    assert obs.dtype == np.uint8
    assert env.step(0)[0].shape == (10, 8)


def test_grayscale_checks():
    with pytest.raises(ValueError, match='Box observation space'):
        Grayscale(gymnasium.make('FrozenLake-v1'))
    with pytest.raises(ValueError, match='of 3 dimensions'):
        Grayscale(gymnasium.make('CartPole-v1'))


def test_resize_shape_and_values():
    env = Resize(gray((20, 16)), width=5, height=4)
    assert env.observation_space.shape == (5, 4)
    assert env.observation_space.dtype == np.uint8
    obs, _ = env.reset(seed=0)
    assert obs.shape == (5, 4)
    assert obs.dtype == np.uint8
    # a uniform frame stays uniform
    source = Grayscale(env.unwrapped).observation(env.unwrapped.frame())
    np.testing.assert_array_equal(obs, np.full((5, 4), source[0, 0]))


def test_resize_keeps_thin_lines_when_shrinking():
    env = Resize(gray((210, 160)), 84, 84)
    frame = np.zeros((210, 160), dtype=np.uint8)
    frame[:, 81] = 200  # a line one pixel wide
    resized = env.observation(frame)
    column = round(81.5 * 84 / 160 - 0.5)
    assert (resized[:, column] > 40).all()  # anti-aliased, never skipped
    assert resized.sum() == pytest.approx(frame.sum() * 84 * 84 / (210 * 160), rel=0.02)


def test_resize_checks():
    with pytest.raises(ValueError, match='of 2 dimensions'):
        Resize(FakeAtari(), 4, 4)
    with pytest.raises(ValueError, match='width'):
        Resize(gray(), 0, 4)


@pytest.mark.parametrize(('axis', 'shape'), [(0, (3, 10, 8)), (2, (10, 8, 3))])
def test_stack_frames(axis, shape):
    env = StackFrames(gray(lives=100), 3, axis=axis)
    assert env.observation_space.shape == shape
    assert env.observation_space.dtype == np.uint8
    first, _ = env.reset(seed=0)
    assert first.shape == shape
    frames = [np.take(first, k, axis=axis) for k in range(3)]
    np.testing.assert_array_equal(frames[0], frames[2])  # copies at reset
    second, *_ = env.step(0)
    np.testing.assert_array_equal(np.take(second, 0, axis), frames[1])
    np.testing.assert_array_equal(np.take(second, 1, axis), frames[2])
    assert not np.array_equal(np.take(second, 2, axis), frames[2])


def test_stack_frames_checks():
    with pytest.raises(ValueError, match='axis=1'):
        StackFrames(gray(), 4, axis=1)
    with pytest.raises(ValueError, match='of 2 dimensions'):
        StackFrames(FakeAtari(), 4)
    with pytest.raises(ValueError, match='n_frames'):
        StackFrames(gray(), 0)


def test_pixel_observations():
    game = FakeAtari(render_mode='rgb_array')
    env = PixelObservationWrapper(game, headless=True)
    assert env.observation_space == gymnasium.spaces.Box(0, 255, (10, 8, 3), np.uint8)
    obs, _ = env.reset(seed=0)
    np.testing.assert_array_equal(obs, game.frame())
    obs, *_ = env.step(0)
    np.testing.assert_array_equal(obs, game.frame())


def test_pixel_observations_of_a_state_env():
    env = PixelObservationWrapper(
        gymnasium.make('CartPole-v1', render_mode='rgb_array')
    )
    obs, _ = env.reset(seed=0)
    assert obs.shape == env.observation_space.shape == (400, 600, 3)
    assert obs.dtype == np.uint8


def test_pixel_observations_need_rgb_arrays():
    with pytest.raises(ValueError, match="render_mode='rgb_array'"):
        PixelObservationWrapper(FakeAtari())


def test_the_whole_stack_in_gym_env():
    env = FakeAtari((20, 16, 3), lives=2, steps_per_life=12)
    env = Noop(env, noop_max=2)
    env = MaxAndSkip(env, skip=2)
    env = EpisodicLife(env)
    env = FireReset(env)
    env = Grayscale(env)
    env = Resize(env, 8, 8)
    env = ClipReward(env)
    env = StackFrames(env, 4, axis=0)
    env = GymEnv(AtariEnv(env), is_image=True)
    assert env.spec.observation_space.shape == (4, 8, 8)
    first, _ = env.reset()
    assert first.shape == (4, 8, 8)
    assert first.dtype == np.uint8
    step = env.step(1)
    assert step.observation.shape == (4, 8, 8)
    assert step.reward in (-1.0, 0.0, 1.0)


@pytest.mark.parametrize(
    ('meanings', 'fires'),
    [(('NOOP', 'FIRE', 'UP'), True), (('NOOP', 'UP', 'DOWN'), False)],
)
def test_wrap_atari(meanings, fires):
    game = FakeAtari((100, 90, 3), lives=100, meanings=meanings)
    env = wrap_atari(game, n_frames=3, axis=2)
    assert env.observation_space == gymnasium.spaces.Box(0, 255, (84, 84, 3), np.uint8)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (84, 84, 3)
    layers = []
    while isinstance(env, gymnasium.Wrapper):
        layers.append(type(env))
        env = env.env
    expected = [StackFrames, ClipReward, Resize, Grayscale, FireReset, EpisodicLife]
    if not fires:
        expected.remove(FireReset)
    assert layers == [*expected, MaxAndSkip, Noop]
    assert (game.actions[-1] == 1) == fires
