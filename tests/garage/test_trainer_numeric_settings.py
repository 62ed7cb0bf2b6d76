"""A snapshot records the PyTorch settings that decide the numbers."""

import pytest
import torch

from fixtures.algos import TinyPolicyGradient
from garage.envs import PointEnv
from garage.experiment import SnapshotConfig, Snapshotter
from garage.experiment.deterministic import set_seed
from garage.torch import global_device
from garage.trainer import Trainer, _numeric_settings, _set_numeric_settings

pytestmark = pytest.mark.filterwarnings(
    'ignore::dowel.tabular_input.TabularInputWarning'
)


def _settings():
    return {
        'threads': torch.get_num_threads(),
        'deterministic': torch.are_deterministic_algorithms_enabled(),
        'warn_only': torch.is_deterministic_algorithms_warn_only_enabled(),
        'dtype': torch.get_default_dtype(),
        'precision': torch.get_float32_matmul_precision(),
        'cudnn_deterministic': torch.backends.cudnn.deterministic,
        'cudnn_benchmark': torch.backends.cudnn.benchmark,
    }


def _apply(settings):
    torch.set_num_threads(settings['threads'])
    torch.use_deterministic_algorithms(
        settings['deterministic'], warn_only=settings['warn_only']
    )
    torch.set_default_dtype(settings['dtype'])
    torch.set_float32_matmul_precision(settings['precision'])
    torch.backends.cudnn.deterministic = settings['cudnn_deterministic']
    torch.backends.cudnn.benchmark = settings['cudnn_benchmark']


@pytest.fixture(autouse=True)
def keep_torch_settings():
    before = _settings()
    yield
    _apply(before)


LAUNCHER = {
    'threads': 1,
    'deterministic': True,
    'warn_only': True,
    'dtype': torch.float32,
    'precision': 'medium',
    'cudnn_deterministic': False,
    'cudnn_benchmark': True,
}
OTHER = {
    'threads': 3,
    'deterministic': False,
    'warn_only': False,
    'dtype': torch.float64,
    'precision': 'highest',
    'cudnn_deterministic': True,
    'cudnn_benchmark': False,
}


def _train_one_epoch(log_dir):
    trainer = Trainer(SnapshotConfig(str(log_dir), 'last', 1))
    env = PointEnv(max_episode_length=5)
    trainer.setup(TinyPolicyGradient(env), env)
    trainer.train(n_epochs=1, batch_size=10)


def test_restore_applies_the_settings_the_snapshot_recorded(tmp_path):
    set_seed(3)  # before the settings: it sets cuDNN's
    _apply(LAUNCHER)
    _train_one_epoch(tmp_path)
    _apply(OTHER)  # a new process, as `python -m garage resume` starts
    Trainer(SnapshotConfig(str(tmp_path), 'last', 1)).restore(tmp_path)
    assert _settings() == LAUNCHER


def test_a_snapshot_from_before_settings_were_recorded_still_restores(tmp_path):
    set_seed(3)  # before the settings: it sets cuDNN's
    _apply(LAUNCHER)
    _train_one_epoch(tmp_path)
    saved = Snapshotter(tmp_path).load(tmp_path)
    del saved['numeric_settings']
    _apply({**OTHER, 'dtype': torch.float32})
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
    trainer._restore_saved(saved, tmp_path)
    assert torch.get_num_threads() == OTHER['threads']
    assert trainer.resume(n_epochs=2) is not None


def test_settings_without_torch_loaded_or_unknown_are_skipped():
    _set_numeric_settings({})
    _set_numeric_settings({'a_setting_of_a_later_version': 1})
    assert _numeric_settings()['num_threads'] == torch.get_num_threads()


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine without CUDA')
def test_a_snapshot_made_on_a_gpu_continues_on_the_cpu_without_one():
    _set_numeric_settings({'device': 'cuda:0'})
    assert str(global_device()) == 'cpu'


def test_inter_op_threads_that_cannot_change_are_left_as_they_are():
    # PyTorch sets them once per process, before inter-op parallel work
    n_threads = torch.get_num_interop_threads()
    _set_numeric_settings({'num_interop_threads': n_threads + 1})
    _set_numeric_settings({'num_interop_threads': n_threads + 2})
    assert torch.get_num_interop_threads() in (n_threads, n_threads + 1)
