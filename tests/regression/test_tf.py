"""Does the TensorFlow TRPO still learn? Seed 000's example, run as written.

The original garage's ``LocalTFRunner`` example trains TRPO on
CartPole-v1 for 100 epochs of 4,000 steps; it must reach a mean return
of 475 within that budget. Run with ``pytest -m 'regression and slow' -s``
to see the epoch it reached it.
"""

import pytest

pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')

from garage.envs import GymEnv
from garage.experiment import LocalTFRunner, SnapshotConfig, deterministic
from garage.np.baselines import LinearFeatureBaseline
from garage.sampler import LocalSampler
from garage.tf.algos import TRPO
from garage.tf.policies import CategoricalMLPPolicy

pytestmark = [
    pytest.mark.regression,
    pytest.mark.slow,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
]

THRESHOLD = 475


class _Solved(Exception):
    pass


def test_seed_000_trpo_cartpole_reaches_475(tmp_path):
    deterministic.set_seed(1)
    snapshot_config = SnapshotConfig(str(tmp_path), 'none', 1)
    reached = []
    with LocalTFRunner(snapshot_config) as runner:
        env = GymEnv('CartPole-v1')
        policy = CategoricalMLPPolicy(env_spec=env.spec, hidden_sizes=(32, 32))
        baseline = LinearFeatureBaseline(env_spec=env.spec)
        sampler = LocalSampler(
            agents=policy, envs=env, max_episode_length=env.spec.max_episode_length
        )
        algo = TRPO(
            env_spec=env.spec,
            policy=policy,
            baseline=baseline,
            sampler=sampler,
            discount=0.99,
            max_kl_step=0.01,
        )
        runner.setup(algo, env)

        def stop_at_threshold(trainer, record):
            if record.average_return >= THRESHOLD:
                reached.append(trainer.current_epoch)
                return False
            return True

        runner.train(n_epochs=100, batch_size=4000, callbacks=stop_at_threshold)
    assert reached, f'TRPO did not reach {THRESHOLD} in 100 epochs'
    print(f'\nTF TRPO CartPole-v1 reached {THRESHOLD} at epoch {reached[0]}')
