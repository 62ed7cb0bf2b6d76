"""Regression run: DQN with the Atari wrappers on Pong, a short run.

Pong takes millions of frames to learn; this run is 3,500 agent steps
(14,000 frames) and 300 gradient steps of the whole pipeline as
``examples/torch/dqn_atari.py`` runs it (the wrappers, a
``FragmentWorker``, a ``PathBuffer`` storing each frame once, Nature
DQN's network), with its loss and return logged to ``progress.csv``. It
checks what such a run must show: a finite Huber loss every epoch,
Q-values and targets of the scale of Pong's clipped rewards, evaluation
returns between -21 and 21, and a replay buffer that holds every
transition in about one frame each. The epochs' loss, Q-values and
returns are printed (``-s``).
"""

import csv
import importlib.util
import math

import numpy as np
import pytest
import torch

from garage import Trainer, wrap_experiment
from garage.experiment import deterministic
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import DQN
from garage.torch.policies import DiscreteQFArgmaxPolicy
from garage.torch.q_functions import DiscreteCNNQFunction

pytestmark = [
    pytest.mark.regression,
    pytest.mark.slow,
    pytest.mark.atari,
    pytest.mark.skipif(
        importlib.util.find_spec('ale_py') is None,
        reason='needs the atari extra (ale-py)',
    ),
]

N_EPOCHS = 3
STEPS_PER_EPOCH = 2  # iterations of 500 steps
BATCH_SIZE = 500
MIN_BUFFER_SIZE = 1000


def pong():
    import gymnasium

    from garage.envs import GymEnv
    from garage.envs.wrappers import wrap_atari

    gymnasium.register_envs(importlib.import_module('ale_py'))
    return GymEnv(wrap_atari(gymnasium.make('PongNoFrameskip-v4')), is_image=True)


def test_dqn_pong_short_run(tmp_path):
    log_dir = tmp_path / 'experiment'
    buffers = []

    def launcher(ctxt, seed=1):
        deterministic.set_seed(seed)
        torch.set_num_threads(2)
        env = pong()
        qf = DiscreteCNNQFunction(
            env.spec,
            'NCHW',
            kernel_sizes=(8, 4, 3),
            hidden_channels=(32, 64, 64),
            strides=(4, 2, 1),
            hidden_sizes=(512,),
            hidden_w_init=lambda x: torch.nn.init.orthogonal_(x, gain=np.sqrt(2)),
        )
        policy = DiscreteQFArgmaxPolicy(qf, env.spec)
        exploration = EpsilonGreedyPolicy(
            env.spec,
            policy,
            total_timesteps=N_EPOCHS * STEPS_PER_EPOCH * BATCH_SIZE,
            max_epsilon=1.0,
            min_epsilon=0.1,
            decay_ratio=0.5,
        )
        sampler = LocalSampler(
            exploration,
            env,
            n_workers=1,
            worker_class=FragmentWorker,
            worker_args={'n_envs': 4, 'timesteps_per_call': 25},
        )
        buffer = PathBuffer(capacity_in_transitions=10_000)
        buffers.append(buffer)
        algo = DQN(
            env.spec,
            policy,
            qf,
            buffer,
            sampler,
            exploration,
            steps_per_epoch=STEPS_PER_EPOCH,
            qf_lr=1e-4,
            n_train_steps=50,
            min_buffer_size=MIN_BUFFER_SIZE,
            buffer_batch_size=32,
            target_update_freq=2,
            discount=0.99,
            clip_gradient=10,
            num_eval_episodes=1,
            max_episode_length_eval=200,
        )
        trainer = Trainer(ctxt)
        trainer.setup(algo, env)
        trainer.train(n_epochs=N_EPOCHS, batch_size=BATCH_SIZE)

    wrap_experiment(
        launcher, log_dir=log_dir, snapshot_mode='none', archive_launch_repo=False
    )(seed=1)
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == N_EPOCHS
    for row in rows:
        print(
            f'epoch {row["Epoch"]}: steps {row["TotalEnvSteps"]}, '
            f'loss {float(row["DQN/QFunctionLoss"]):.5f}, '
            f'average Q {float(row["DQN/AverageQ"]):.4f}, '
            f'average target {float(row["DQN/AverageY"]):.4f}, '
            f'return {float(row["Evaluation/AverageReturn"]):g}'
        )
        loss = float(row['DQN/QFunctionLoss'])
        assert math.isfinite(loss)
        assert 0 < loss < 1
        assert -21 <= float(row['Evaluation/AverageReturn']) <= 21
        assert abs(float(row['DQN/AverageQ'])) < 1
        assert abs(float(row['DQN/AverageY'])) < 1
    buffer = buffers[0]
    steps = int(rows[-1]['TotalEnvSteps'])
    assert buffer.n_transitions_stored == steps
    frame_bytes = 84 * 84
    assert buffer._frame_store._total < 1.05 * steps
    assert buffer.nbytes < 1.2 * frame_bytes * buffer.capacity
