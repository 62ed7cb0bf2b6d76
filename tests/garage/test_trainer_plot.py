"""``trainer.train(..., plot=True)`` with Gymnasium environments."""

import sys

import pytest

from fixtures.rendering import RECORDING_ID, RENDERS, RecordingEnv
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig
from garage.sampler import LocalSampler
from garage.torch.algos import VPG
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.filterwarnings('ignore::dowel.tabular_input.TabularInputWarning'),
    pytest.mark.filterwarnings('ignore::dowel.logger.LoggerWarning'),
]

NO_DISPLAY = ('DISPLAY', 'WAYLAND_DISPLAY', 'SDL_VIDEODRIVER')


@pytest.fixture(autouse=True)
def recording(monkeypatch):
    monkeypatch.setenv('SDL_VIDEODRIVER', 'dummy')  # pygame draws nowhere
    RENDERS.clear()
    yield RENDERS
    RENDERS.clear()


def vpg_trainer(tmp_path, env, policy_cls=GaussianMLPPolicy):
    policy = policy_cls(env.spec, hidden_sizes=(4,))
    sampler = LocalSampler(
        agents=policy,
        envs=env,
        max_episode_length=env.spec.max_episode_length,
        n_workers=1,
    )
    algo = VPG(
        env_spec=env.spec,
        policy=policy,
        value_function=GaussianMLPValueFunction(env.spec, hidden_sizes=(4,)),
        sampler=sampler,
    )
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    return trainer


def test_plot_shows_an_episode_after_each_epoch(tmp_path, recording):
    env = GymEnv(RECORDING_ID)
    trainer = vpg_trainer(tmp_path, env)
    trainer.train(n_epochs=2, batch_size=10, plot=True)
    # one 5-step episode per epoch, in a window; training renders nothing
    assert recording == [('human', step) for step in range(6)] * 2
    assert env._env.render_mode is None


def test_plot_with_cartpole_made_from_its_id(tmp_path):
    env = GymEnv('CartPole-v1', max_episode_length=5)
    trainer = vpg_trainer(tmp_path, env, CategoricalMLPPolicy)
    trainer.train(n_epochs=1, batch_size=10, plot=True)
    assert trainer._plot_env is None  # its window was closed


@pytest.mark.skipif(
    sys.platform in ('darwin', 'win32', 'cygwin'),
    reason='X11/Wayland systems name their display in DISPLAY/WAYLAND_DISPLAY',
)
def test_without_a_display_train_fails_before_the_first_epoch(tmp_path, monkeypatch):
    for name in NO_DISPLAY:
        monkeypatch.delenv(name, raising=False)
    trainer = vpg_trainer(tmp_path, GymEnv(RECORDING_ID))
    with pytest.raises(ValueError, match='neither DISPLAY nor WAYLAND_DISPLAY'):
        trainer.train(n_epochs=2, batch_size=10, plot=True)
    assert trainer.total_env_steps == 0


def test_when_pygame_cannot_open_a_window_train_fails_first(tmp_path, monkeypatch):
    import pygame

    def no_display():
        raise pygame.error('No available video device')

    monkeypatch.setattr(pygame.display, 'init', no_display)
    trainer = vpg_trainer(tmp_path, GymEnv(RECORDING_ID))
    with pytest.raises(ValueError, match='pygame cannot open a window here'):
        trainer.train(n_epochs=2, batch_size=10, plot=True)
    assert trainer.total_env_steps == 0


def test_an_environment_that_cannot_be_made_again_fails_first(tmp_path):
    trainer = vpg_trainer(tmp_path, GymEnv(RecordingEnv(), max_episode_length=5))
    with pytest.raises(ValueError, match='not made from a registered id'):
        trainer.train(n_epochs=2, batch_size=10, plot=True)
    assert trainer.total_env_steps == 0
