"""Evaluating an experiment's policy from its log directory."""

import importlib.util
import shutil

import gymnasium
import numpy as np
import pytest
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

import garage._functions
from fixtures.experiments import CARTPOLE_MAX_EPISODE_LENGTH, train_cartpole
from garage.envs import GymEnv, NormalizedEnv, PointEnv, normalize
from garage.experiment import (
    EvaluationError,
    EvaluationResult,
    Snapshotter,
    evaluate_experiment,
    wrap_experiment,
)
from garage.trainer import BEST_POLICY_FILE


@pytest.fixture(scope='module')
def log_dir(tmp_path_factory):
    """A CartPole experiment of two epochs that kept its best policy."""
    directory = tmp_path_factory.mktemp('cartpole')
    train_cartpole(directory)
    return directory


def copy_with(log_dir, destination, best=False, **replaced):
    """Copy the last snapshot of ``log_dir``, replacing some of its entries.

    ``env=...`` replaces the environment and the evaluation environment;
    other keyword arguments set attributes of the algorithm.
    """
    saved = Snapshotter.load(log_dir)
    if 'env' in replaced:
        saved['env'] = saved['eval_env'] = replaced.pop('env')
    for name, value in replaced.items():
        setattr(saved['algo'], name, value)
    Snapshotter(destination).save_itr_params(saved['stats'].total_epoch, saved)
    if best:
        shutil.copy(log_dir / BEST_POLICY_FILE, destination / BEST_POLICY_FILE)
    return destination


def test_evaluates_the_last_policy(log_dir):
    result = evaluate_experiment(log_dir, n_episodes=3)
    assert isinstance(result, EvaluationResult)
    assert result.source == 'last snapshot'
    assert result.epoch == Snapshotter.load(log_dir)['stats'].total_epoch == 1
    assert result.returns.shape == result.lengths.shape == (3,)
    # CartPole pays 1 a step
    np.testing.assert_array_equal(result.returns, result.lengths)
    assert result.episodes.lengths.tolist() == result.lengths.tolist()
    assert result.mean_return == pytest.approx(np.mean(result.returns))
    assert result.std_length == pytest.approx(np.std(result.lengths))
    assert result.summary().startswith(
        f'return {result.mean_return:.3f} ± {result.std_return:.3f}, '
        f'length {result.mean_length:.1f} ± {result.std_length:.1f} '
        '(3 episodes, policy of epoch 1, last snapshot)'
    )


def test_evaluates_the_best_policy(log_dir, monkeypatch):
    kept = Snapshotter(log_dir).load_object(BEST_POLICY_FILE)
    evaluated = []
    real_rollout = garage._functions.rollout

    def spy(env, agent, **kwargs):
        evaluated.append(agent)
        return real_rollout(env, agent, **kwargs)

    monkeypatch.setattr('garage._functions.rollout', spy)
    result = evaluate_experiment(log_dir, best=True, n_episodes=2)
    assert (result.source, result.epoch) == (BEST_POLICY_FILE, kept['epoch'])
    # the best policy, not the last one, acted
    parameters = [p.detach() for p in evaluated[0].parameters()]
    for mine, kept_parameter in zip(
        parameters, kept['policy'].parameters(), strict=True
    ):
        np.testing.assert_array_equal(mine.numpy(), kept_parameter.detach().numpy())
    assert evaluated[0] is not Snapshotter.load(log_dir)['algo'].policy


def test_acts_deterministically(log_dir, monkeypatch):
    modes = []
    real_rollout = garage._functions.rollout

    def spy(env, agent, **kwargs):
        modes.append(kwargs['deterministic'])
        return real_rollout(env, agent, **kwargs)

    monkeypatch.setattr('garage._functions.rollout', spy)
    evaluate_experiment(log_dir, n_episodes=2)
    assert modes == [True, True]


def test_a_seed_makes_the_episodes_reproducible(log_dir):
    first = evaluate_experiment(log_dir, n_episodes=3, seed=3)
    again = evaluate_experiment(log_dir, n_episodes=3, seed=3)
    other = evaluate_experiment(log_dir, n_episodes=3, seed=4)
    np.testing.assert_array_equal(
        first.episodes.observations, again.episodes.observations
    )
    np.testing.assert_array_equal(first.returns, again.returns)
    # the seed decides the start states
    assert not np.array_equal(
        first.episodes.observations[0], other.episodes.observations[0]
    )


def test_episodes_end_at_the_algorithms_max_episode_length(log_dir, tmp_path):
    copy_with(log_dir, tmp_path, max_episode_length=4)
    result = evaluate_experiment(tmp_path, n_episodes=2, seed=1)
    assert result.lengths.tolist() == [4, 4]


class MarkingSampler:
    """A sampler that marks a file when its workers are shut down."""

    def __init__(self, mark):
        self.mark = mark

    def obtain_samples(self, itr, num_samples, agent_update, env_update=None):
        raise AssertionError('evaluation samples in its own process')

    def shutdown_worker(self):
        self.mark.write_text('shut down')


def test_shuts_the_loaded_samplers_workers_down(log_dir, tmp_path):
    mark = tmp_path / 'mark'
    copy_with(log_dir, tmp_path / 'run', _sampler=MarkingSampler(mark))
    evaluate_experiment(tmp_path / 'run', n_episodes=1)
    assert mark.read_text() == 'shut down'


def test_records_a_video_of_each_episode(log_dir, tmp_path):
    moviepy = pytest.importorskip('moviepy', reason='needs the video extra')
    videos = tmp_path / 'videos'
    result = evaluate_experiment(log_dir, n_episodes=2, video_dir=videos, seed=1)
    assert result.videos == (
        str(videos / 'eval-episode-0.mp4'),
        str(videos / 'eval-episode-1.mp4'),
    )
    for path, length in zip(result.videos, result.lengths, strict=True):
        clip = moviepy.VideoFileClip(path)
        try:
            frames = list(clip.iter_frames())
        finally:
            clip.close()
        # the frame after reset, then one a step
        assert len(frames) == length + 1
        # CartPole's rgb_array images: 600 wide, 400 high
        assert all(frame.shape == (400, 600, 3) for frame in frames)
        assert frames[0].min() < 100  # the cart is drawn on white
    # a second recording to the same directory overwrites nothing
    before = {path: (videos / path).read_bytes() for path in result.videos}
    again = evaluate_experiment(log_dir, n_episodes=1, video_dir=videos, seed=2)
    assert again.videos == (str(videos / 'eval-2-episode-0.mp4'),)
    assert {path: (videos / path).read_bytes() for path in before} == before


def test_records_a_wrapped_environment(log_dir, tmp_path, monkeypatch):
    pytest.importorskip('moviepy', reason='needs the video extra')
    wrapped = normalize(Snapshotter.load(log_dir)['env'])
    wrapped.marker = 'saved in the snapshot'
    copy_with(log_dir, tmp_path / 'run', env=wrapped)
    seen = []
    original_step = NormalizedEnv.step

    def step(self, action):
        seen.append((self.marker, self._env._env.render_mode))
        return original_step(self, action)

    monkeypatch.setattr(NormalizedEnv, 'step', step)
    result = evaluate_experiment(
        tmp_path / 'run', n_episodes=1, video_dir=tmp_path / 'videos', seed=1
    )
    assert len(result.videos) == 1
    # the saved wrapper ran, around the environment made again to record
    assert seen == [('saved in the snapshot', 'rgb_array')] * int(result.lengths[0])


def test_renders_for_humans(log_dir, monkeypatch):
    modes = []

    def render(self):
        # record the mode instead of opening a window
        modes.append(self.render_mode)

    monkeypatch.setattr(CartPoleEnv, 'render', render)
    result = evaluate_experiment(log_dir, n_episodes=2, render=True, seed=1)
    # the environment was made again with render_mode='human', and drew
    # itself after each reset and step
    assert modes == ['human'] * int(sum(result.lengths) + 2)


def test_a_missing_drawing_library_is_named(log_dir, monkeypatch):
    def render(self):
        raise gymnasium.error.DependencyNotInstalled('pygame is not installed')

    monkeypatch.setattr(CartPoleEnv, 'render', render)
    with pytest.raises(
        EvaluationError, match=r'rendering .* needs a library: pygame is not installed'
    ):
        evaluate_experiment(log_dir, n_episodes=1, render=True)


def test_recording_without_moviepy_names_the_extra(log_dir, tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec

    def without_moviepy(name, *args):
        return None if name == 'moviepy' else find_spec(name, *args)

    monkeypatch.setattr(importlib.util, 'find_spec', without_moviepy)
    with pytest.raises(EvaluationError, match=r'pip install "garage\[video\]"'):
        evaluate_experiment(log_dir, n_episodes=1, video_dir=tmp_path)


def test_render_and_video_cannot_be_combined(log_dir, tmp_path):
    with pytest.raises(EvaluationError, match='render and video_dir cannot be'):
        evaluate_experiment(log_dir, render=True, video_dir=tmp_path)


def test_an_environment_made_without_an_id_cannot_be_made_again(log_dir, tmp_path):
    env = GymEnv(CartPoleEnv(), max_episode_length=CARTPOLE_MAX_EPISODE_LENGTH)
    copy_with(log_dir, tmp_path, env=env)
    with pytest.raises(
        EvaluationError,
        match=r'CartPoleEnv was made with render_mode=None, and cannot be made '
        r"again with render_mode='rgb_array': it was not made from a registered id",
    ):
        evaluate_experiment(tmp_path, video_dir=tmp_path / 'videos')


class SilentCartPole(CartPoleEnv):
    """CartPole that declares no render mode."""

    metadata = {'render_modes': [], 'render_fps': 50}


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'render': True}, 'cannot render in a window: it needs render mode human'),
        ({'video_dir': 'videos'}, 'cannot render to a video: it needs render mode'),
    ],
)
def test_an_environment_without_render_modes_cannot_render(
    log_dir, tmp_path, kwargs, message
):
    env = GymEnv(SilentCartPole(), max_episode_length=CARTPOLE_MAX_EPISODE_LENGTH)
    copy_with(log_dir, tmp_path, env=env)
    with pytest.raises(EvaluationError, match=f'SilentCartPole {message}'):
        evaluate_experiment(tmp_path, **kwargs)


def test_only_gymnasium_environments_record(log_dir, tmp_path):
    copy_with(log_dir, tmp_path, env=PointEnv(max_episode_length=10))
    with pytest.raises(EvaluationError, match='recording needs a Gymnasium'):
        evaluate_experiment(tmp_path, video_dir=tmp_path / 'videos')


def test_best_needs_a_kept_policy(log_dir, tmp_path):
    copy_with(log_dir, tmp_path)
    with pytest.raises(
        FileNotFoundError,
        match=r'no best_policy.pkl in .*: the experiment did not keep its best '
        r'policy\. Train .* eval_every=5, keep_best=True',
    ):
        evaluate_experiment(tmp_path, best=True)


def test_a_directory_without_snapshot(tmp_path):
    with pytest.raises(FileNotFoundError, match='no snapshot in'):
        evaluate_experiment(tmp_path)


@pytest.mark.parametrize('best', [False, True])
def test_an_experiment_that_kept_no_snapshot(log_dir, tmp_path, best):
    @wrap_experiment(
        log_dir=tmp_path,
        snapshot_mode='none',
        archive_launch_repo=False,
        use_existing_dir=True,
    )
    def launcher(ctxt):
        pass

    launcher()
    if best:
        shutil.copy(log_dir / BEST_POLICY_FILE, tmp_path / BEST_POLICY_FILE)
    with pytest.raises(
        FileNotFoundError,
        match=r"ran with snapshot_mode='none', which saves no snapshot: there is "
        r'no environment to evaluate on' + (r' \(best_policy.pkl' if best else r'\.'),
    ):
        evaluate_experiment(tmp_path, best=best)


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [({'n_episodes': 0}, 'n_episodes'), ({'seed': -1}, 'seed')],
)
def test_checks_its_arguments(log_dir, kwargs, message):
    with pytest.raises(ValueError, match=message):
        evaluate_experiment(log_dir, **kwargs)
