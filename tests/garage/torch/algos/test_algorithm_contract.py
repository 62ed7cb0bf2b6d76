"""The contract every algorithm keeps, checked for each on a tiny problem.

Each algorithm pickles, resumes exactly, logs the diagnostics it
documents to ``progress.csv``, reports its epochs to the trainer, and
refuses a bad option naming it.
"""

import csv
import dataclasses
from collections.abc import Callable
from typing import Any

import cloudpickle
import numpy as np
import pytest
import torch
from torch import nn

from garage._dowel import dowel
from garage.envs import GymEnv, PointEnv
from garage.experiment import SnapshotConfig
from garage.experiment.deterministic import set_seed
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import LocalSampler
from garage.torch.algos import DDPG, DQN, PPO, SAC, TD3, TRPO, VPG
from garage.torch.policies import (
    DeterministicMLPPolicy,
    DiscreteQFArgmaxPolicy,
    GaussianMLPPolicy,
    TanhGaussianMLPPolicy,
)
from garage.torch.q_functions import ContinuousMLPQFunction, DiscreteMLPQFunction
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import EpochRecord, Trainer

pytestmark = pytest.mark.filterwarnings(
    'ignore:.*(No outputs|accepted by any output)',
    'ignore::dowel.tabular_input.TabularInputWarning',
)

EPISODE_LENGTH = 10
HIDDEN = (4,)
OFF_POLICY = {
    'min_buffer_size': 10,
    'buffer_batch_size': 8,
    'steps_per_epoch': 2,
}
ON_POLICY_KEYS = [
    'GaussianMLPPolicy/LossBefore',
    'GaussianMLPPolicy/LossAfter',
    'GaussianMLPPolicy/KL',
    'GaussianMLPPolicy/Entropy',
    'GaussianMLPValueFunction/LossAfter',
    'GaussianMLPValueFunction/ExplainedVariance',
    'Training/AverageReturn',
]
Q_KEYS = [
    'Policy/AveragePolicyLoss',
    'QFunction/AverageQFunctionLoss',
    'QFunction/AverageQ',
    'QFunction/AverageY',
    'ReplayBuffer/buffer_size',
    'Evaluation/AverageReturn',
]


def _sampler(policy, env):
    return LocalSampler(
        policy, env, max_episode_length=EPISODE_LENGTH, n_workers=1, seed=1
    )


def _point_env():
    return PointEnv(max_episode_length=EPISODE_LENGTH)


def _on_policy(cls, **options):
    def build(**kwargs):
        env = _point_env()
        policy = GaussianMLPPolicy(env.spec, HIDDEN)
        value_function = GaussianMLPValueFunction(env.spec, HIDDEN)
        algo = cls(
            env.spec,
            policy,
            value_function,
            _sampler(policy, env),
            **{**options, **kwargs},
        )
        return algo, env

    return build


def _ddpg(**kwargs):
    env = _point_env()
    policy = DeterministicMLPPolicy(
        env.spec, hidden_sizes=HIDDEN, output_nonlinearity=torch.tanh
    )
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    options = {**OFF_POLICY, 'n_train_steps': 1, 'num_evaluation_episodes': 1}
    algo = DDPG(
        env.spec,
        policy,
        qf,
        PathBuffer(1000, env.spec, rng=1),
        _sampler(policy, env),
        **{**options, **kwargs},
    )
    return algo, env


def _td3(**kwargs):
    env = _point_env()
    policy = DeterministicMLPPolicy(
        env.spec, hidden_sizes=HIDDEN, output_nonlinearity=torch.tanh
    )
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    options = {**OFF_POLICY, 'num_evaluation_episodes': 1, 'update_after': 0}
    algo = TD3(
        env.spec,
        policy,
        qf1,
        qf2,
        PathBuffer(1000, env.spec, rng=1),
        _sampler(policy, env),
        **{**options, **kwargs},
    )
    return algo, env


def _sac(**kwargs):
    env = _point_env()
    policy = TanhGaussianMLPPolicy(env.spec, HIDDEN)
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    options = {**OFF_POLICY, 'num_evaluation_episodes': 1}
    algo = SAC(
        env.spec,
        policy,
        qf1,
        qf2,
        PathBuffer(1000, env.spec, rng=1),
        _sampler(policy, env),
        **{**options, **kwargs},
    )
    return algo, env


def _dqn(**kwargs):
    env = GymEnv('CartPole-v1', max_episode_length=EPISODE_LENGTH)
    qf = DiscreteMLPQFunction(env.spec, hidden_sizes=HIDDEN)
    policy = DiscreteQFArgmaxPolicy(qf, env.spec)
    exploration = EpsilonGreedyPolicy(env.spec, policy, total_timesteps=100)
    options = {**OFF_POLICY, 'n_train_steps': 1, 'num_eval_episodes': 1}
    algo = DQN(
        env.spec,
        policy,
        qf,
        PathBuffer(1000, env.spec, rng=1),
        _sampler(exploration, env),
        exploration,
        **{**options, **kwargs},
    )
    return algo, env


@dataclasses.dataclass
class Case:
    """One algorithm: how to build it and what it promises.

    Attributes:
        name: The algorithm's name.
        build: Builds ``(algo, env)``, options overridden by keyword.
        keys: The diagnostics it documents.
        bad_option: An option and a value it must refuse.
        batch_size: The trainer's batch size.
        on_policy: Whether it reports training returns (on-policy) or its
            own evaluation return (off-policy).

    """

    name: str
    build: Callable[..., tuple[Any, Any]]
    keys: list[str]
    bad_option: tuple[str, Any]
    batch_size: int
    on_policy: bool


CASES = [
    Case('VPG', _on_policy(VPG), ON_POLICY_KEYS, ('gae_lambda', 2.0), 20, True),
    Case(
        'PPO',
        _on_policy(PPO),
        [*ON_POLICY_KEYS, 'GaussianMLPPolicy/ClipFraction'],
        ('lr_clip_range', 0),
        20,
        True,
    ),
    Case(
        'TRPO',
        _on_policy(TRPO),
        [
            *ON_POLICY_KEYS,
            'GaussianMLPPolicy/LineSearchBacktracks',
            'GaussianMLPPolicy/LineSearchAccepted',
        ],
        ('max_kl_step', -1.0),
        20,
        True,
    ),
    Case('DDPG', _ddpg, Q_KEYS, ('n_train_steps', -1), 2, False),
    Case('TD3', _td3, Q_KEYS, ('update_actor_interval', 0), 2, False),
    Case(
        'SAC',
        _sac,
        [
            'AlphaTemperature/mean',
            'Policy/Loss',
            'Policy/Entropy',
            'QF/Qf1Loss',
            'QF/Qf2Loss',
            'QF/AverageQ',
            'QF/MaxQ',
            'ReplayBuffer/buffer_size',
            'Evaluation/AverageReturn',
        ],
        ('fixed_alpha', 0.0),
        2,
        False,
    ),
    Case(
        'DQN',
        _dqn,
        [
            'DQN/QFunctionLoss',
            'DQN/AverageQ',
            'DQN/AverageY',
            'ReplayBuffer/buffer_size',
            'Evaluation/AverageReturn',
        ],
        ('target_update_freq', 0),
        2,
        False,
    ),
]


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request):
    return request.param


def modules(algo):
    """The algorithm's networks, by attribute name."""
    return {
        name: value
        for name, value in vars(algo).items()
        if isinstance(value, nn.Module)
    }


def assert_same_parameters(algo, other):
    mine, theirs = modules(algo), modules(other)
    assert mine.keys() == theirs.keys()
    assert mine  # there is something to compare
    for name, module in mine.items():
        torch.testing.assert_close(
            module.state_dict(), theirs[name].state_dict(), rtol=0, atol=0
        )


class Csv:
    """A ``progress.csv`` attached to dowel's logger while in use."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.output = dowel.CsvOutput(str(self.path))
        dowel.logger.add_output(self.output)
        return self

    def __exit__(self, *exc_info):
        dowel.logger.remove_output_type(dowel.CsvOutput)

    def rows(self):
        with self.path.open(newline='') as file:
            return [
                {k: v for k, v in row.items() if not k.startswith('Time/')}
                for row in csv.DictReader(file)
            ]


def train(case, directory, n_epochs, mode='last'):
    set_seed(1)
    algo, env = case.build()
    trainer = Trainer(SnapshotConfig(str(directory), mode, 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=case.batch_size, progress=False)
    return trainer


def test_pickles(case):
    set_seed(1)
    algo, _ = case.build()
    copy = cloudpickle.loads(cloudpickle.dumps(algo))
    assert type(copy) is type(algo)
    assert_same_parameters(algo, copy)
    assert copy.discount == algo.discount


def test_resumes_exactly_and_logs_its_diagnostics(case, tmp_path):
    with Csv(tmp_path / 'straight.csv') as straight:
        uninterrupted = train(case, tmp_path / 'straight', 2, mode='none')
    with Csv(tmp_path / 'split.csv') as split:
        train(case, tmp_path / 'split', 1)
        set_seed(12345)  # the global RNGs move on, as in a new process
        torch.rand(3)
        np.random.rand(3)
        resumed = Trainer(SnapshotConfig(str(tmp_path / 'split'), 'last', 1))
        resumed.restore(tmp_path / 'split')
        resumed.resume(n_epochs=2)

    assert_same_parameters(resumed._algo, uninterrupted._algo)
    assert resumed.total_env_steps == uninterrupted.total_env_steps
    assert resumed.step_itr == uninterrupted.step_itr
    rows = straight.rows()
    assert split.rows() == rows
    assert [row['Epoch'] for row in rows] == ['0', '1']
    missing = [key for key in case.keys if key not in rows[0]]
    assert not missing, f'{case.name} did not log {missing}'


def test_reports_each_epoch(case, tmp_path):
    trainer = train(case, tmp_path, 1, mode='none')
    record = trainer.last_record
    assert isinstance(record, EpochRecord)
    assert record.env_steps == trainer.total_env_steps
    assert trainer.step_itr == record.iterations >= 1
    if case.on_policy:
        assert record.average_return is not None
        assert record.evaluation_return is None
    else:
        assert record.evaluation_return is not None


def test_refuses_a_bad_option_naming_it(case):
    name, value = case.bad_option
    with pytest.raises(ValueError, match=name):
        case.build(**{name: value})


def test_refuses_a_boolean_count(case):
    name = 'num_train_per_epoch' if case.on_policy else 'steps_per_epoch'
    with pytest.raises(TypeError, match=name):
        case.build(**{name: True})
