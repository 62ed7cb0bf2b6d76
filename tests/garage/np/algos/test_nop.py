"""NOP: trains nothing."""

from garage.envs import GymEnv
from garage.experiment import SnapshotConfig
from garage.np.algos import NOP, RLAlgorithm
from garage.trainer import Trainer


def test_nop_does_nothing(tmp_path):
    algo = NOP()
    assert isinstance(algo, RLAlgorithm)
    assert algo.init_opt() is None
    assert algo.optimize_policy([{'rewards': [1.0]}]) is None
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
    trainer.setup(algo, GymEnv('CartPole-v1'))
    assert trainer.train(n_epochs=3, batch_size=10, progress=False) is None
    assert trainer.total_env_steps == 0
    assert not (tmp_path / 'params.pkl').exists()
