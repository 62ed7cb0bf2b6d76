"""`garage.plotter.Plotter`: the original's interface, shown in a background thread."""

import math
import sys
import time

import numpy as np
import pytest
import torch

from fixtures.rendering import RECORDING_ID, RENDERS
from garage.envs import GymEnv, PointEnv
from garage.plotter import Op, Plotter
from garage.plotter import plotter as plotter_module
from garage.torch.policies import GaussianMLPPolicy

TIMEOUT = 120  # seconds; generous, for a loaded machine


@pytest.fixture(autouse=True)
def recording(monkeypatch):
    monkeypatch.setenv('SDL_VIDEODRIVER', 'dummy')  # no window, anywhere
    RENDERS.clear()
    yield RENDERS
    Plotter.enable = True
    RENDERS.clear()


def wait_for(condition):
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.01)


def test_the_original_calls_show_the_latest_policy(recording):
    env = GymEnv(RECORDING_ID)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    plotter = Plotter()
    plotter.init_plot(env, policy)
    assert recording == []  # nothing is shown before update_plot
    plotter.update_plot(policy, max_length=3)
    # episodes of at most 3 steps, in a window, until close
    wait_for(lambda: recording.count(('human', 3)) >= 2)
    plotter.close()
    assert plotter._thread is None
    assert {mode for mode, _ in recording} == {'human'}
    assert max(step for _, step in recording) == 3
    # the environment given was copied, not changed
    assert env._env.render_mode is None


def test_update_plot_sends_the_current_parameters(recording):
    env = GymEnv(RECORDING_ID)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    plotter = Plotter()
    plotter.init_plot(env, policy)
    policy.set_param_values(
        {
            name: torch.full_like(value, 0.25)
            for name, value in policy.get_param_values().items()
        }
    )
    plotter.update_plot(policy)  # whole episodes: max_length=np.inf
    wait_for(lambda: ('human', 5) in recording)
    shown = plotter._policy.get_param_values()
    for value in shown.values():
        np.testing.assert_allclose(value.numpy(), 0.25)
    # the plotter's policy is a copy: training changes do not reach it
    assert plotter._policy is not policy
    plotter.close()


def test_update_plot_before_init_plot_is_an_error():
    env = PointEnv(max_episode_length=3)
    with pytest.raises(RuntimeError, match='init_plot'):
        Plotter().update_plot(GaussianMLPPolicy(env.spec, hidden_sizes=(4,)))


def test_disable_makes_every_plotter_do_nothing(recording):
    env = GymEnv(RECORDING_ID)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    plotter = Plotter()
    Plotter.disable()
    plotter.init_plot(env, policy)
    plotter.update_plot(policy, max_length=3)
    plotter.close()
    assert plotter._thread is None
    assert recording == []


def test_a_failure_in_the_thread_is_raised_by_the_next_call(recording):
    env = PointEnv(max_episode_length=3)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    plotter = Plotter()
    plotter.init_plot(env, policy)
    plotter._queue.put(plotter_module._Message(Op.DEMO, ({'bad': 1}, 3)))
    wait_for(lambda: not plotter._thread.is_alive())
    with pytest.raises(RuntimeError, match='the plotter failed'):
        plotter.update_plot(policy)


def test_on_macos_episodes_play_in_the_callers_thread(recording, monkeypatch):
    monkeypatch.setattr(plotter_module, '_main_thread_only', lambda: True)
    env = GymEnv(RECORDING_ID)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    plotter = Plotter()
    plotter.init_plot(env, policy)
    plotter.update_plot(policy, max_length=math.inf)
    assert plotter._thread is None
    assert recording == [('human', step) for step in range(6)]
    plotter.close()


@pytest.mark.skipif(
    sys.platform in ('darwin', 'win32'), reason='X11/Wayland systems only'
)
def test_without_a_display_init_plot_fails(monkeypatch):
    for name in ('DISPLAY', 'WAYLAND_DISPLAY', 'SDL_VIDEODRIVER'):
        monkeypatch.delenv(name, raising=False)
    env = GymEnv(RECORDING_ID)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    with pytest.raises(ValueError, match='neither DISPLAY nor WAYLAND_DISPLAY'):
        Plotter().init_plot(env, policy)
