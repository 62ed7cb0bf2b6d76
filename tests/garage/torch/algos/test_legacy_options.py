"""2020.06 launchers: ``max_path_length`` and algorithms built without a sampler."""

import pytest
import torch

from garage import wrap_experiment
from garage.envs import GymEnv, PointEnv
from garage.experiment import LocalRunner, SnapshotConfig
from garage.experiment.deterministic import set_seed
from garage.np.exploration_policies import AddGaussianNoise, EpsilonGreedyPolicy
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
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings(
    'ignore::dowel.tabular_input.TabularInputWarning'
)


def _on_policy(cls):
    env = PointEnv(max_episode_length=20)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    value_function = GaussianMLPValueFunction(env_spec=env.spec, hidden_sizes=(8,))
    # the 2020.06 call: no sampler, the episode length given to the algorithm
    return cls(
        env_spec=env.spec,
        policy=policy,
        value_function=value_function,
        max_path_length=7,
        discount=0.99,
    )


def _ddpg():
    env = PointEnv(max_episode_length=20)
    policy = DeterministicMLPPolicy(env.spec, hidden_sizes=[8])
    qf = ContinuousMLPQFunction(env_spec=env.spec, hidden_sizes=[8])
    return DDPG(
        env_spec=env.spec,
        policy=policy,
        qf=qf,
        replay_buffer=PathBuffer(capacity_in_transitions=1000),
        max_path_length=7,
        exploration_policy=AddGaussianNoise(
            env.spec, policy, total_timesteps=100, max_sigma=0.2
        ),
        min_buffer_size=10,
    )


def _td3():
    env = PointEnv(max_episode_length=20)
    policy = DeterministicMLPPolicy(env.spec, hidden_sizes=[8])
    return TD3(
        env_spec=env.spec,
        policy=policy,
        qf1=ContinuousMLPQFunction(env_spec=env.spec, hidden_sizes=[8]),
        qf2=ContinuousMLPQFunction(env_spec=env.spec, hidden_sizes=[8]),
        replay_buffer=PathBuffer(capacity_in_transitions=1000),
        max_path_length=7,
        exploration_policy=AddGaussianNoise(
            env.spec, policy, total_timesteps=100, max_sigma=0.2
        ),
    )


def _sac():
    env = PointEnv(max_episode_length=20)
    return SAC(
        env_spec=env.spec,
        policy=TanhGaussianMLPPolicy(env.spec, hidden_sizes=[8]),
        qf1=ContinuousMLPQFunction(env_spec=env.spec, hidden_sizes=[8]),
        qf2=ContinuousMLPQFunction(env_spec=env.spec, hidden_sizes=[8]),
        replay_buffer=PathBuffer(capacity_in_transitions=1000),
        max_path_length=7,
    )


def _dqn():
    env = GymEnv('CartPole-v1', max_episode_length=20)
    qf = DiscreteMLPQFunction(env_spec=env.spec, hidden_sizes=(8,))
    policy = DiscreteQFArgmaxPolicy(env_spec=env.spec, qf=qf)
    return DQN(
        env_spec=env.spec,
        policy=policy,
        qf=qf,
        replay_buffer=PathBuffer(capacity_in_transitions=1000),
        max_path_length=7,
        exploration_policy=EpsilonGreedyPolicy(
            env_spec=env.spec, policy=policy, total_timesteps=100
        ),
    )


BUILDERS = {
    'VPG': lambda: _on_policy(VPG),
    'PPO': lambda: _on_policy(PPO),
    'TRPO': lambda: _on_policy(TRPO),
    'DDPG': _ddpg,
    'TD3': _td3,
    'SAC': _sac,
    'DQN': _dqn,
}


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_max_path_length_is_a_deprecated_max_episode_length(name):
    with pytest.deprecated_call(match=rf'{name}\(max_path_length=\.\.\.\)'):
        algo = BUILDERS[name]()
    assert algo.max_episode_length == 7
    assert algo.sampler is None


@pytest.mark.parametrize('name', ['DDPG', 'TD3', 'SAC', 'DQN'])
def test_max_path_length_bounds_the_evaluation_too(name):
    with pytest.deprecated_call():
        algo = BUILDERS[name]()
    assert algo._max_episode_length_eval == 7


def test_max_path_length_must_be_a_positive_integer():
    env = PointEnv(max_episode_length=20)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    with pytest.raises(ValueError, match='max_path_length'):
        VPG(
            env.spec,
            policy,
            GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
            max_path_length=0,
        )


def test_the_warning_names_the_users_line():
    with pytest.warns(DeprecationWarning, match='max_path_length') as caught:
        _on_policy(PPO)
    assert caught[0].filename == __file__


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_local_runner_gives_the_algorithm_its_sampler(name, tmp_path):
    with pytest.deprecated_call():
        algo = BUILDERS[name]()
    runner = LocalRunner(SnapshotConfig(str(tmp_path), 'none', 1))
    runner.setup(
        algo,
        PointEnv(max_episode_length=20)
        if name != 'DQN'
        else GymEnv('CartPole-v1', max_episode_length=20),
        sampler_cls=LocalSampler,
        n_workers=1,
    )
    assert isinstance(algo.sampler, LocalSampler)
    assert algo.sampler._factory._max_episode_length == 7


@pytest.mark.parametrize('name', sorted(BUILDERS))
def test_trainer_refuses_an_algorithm_without_a_sampler(name, tmp_path):
    with pytest.deprecated_call():
        algo = BUILDERS[name]()
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    with pytest.raises(ValueError, match=rf'{name} was given no sampler.*sampler_cls'):
        trainer.setup(algo, PointEnv(max_episode_length=20))


def test_a_2020_06_launcher_trains(tmp_path):
    """The 2020.06 ``examples/torch/vpg_pendulum.py`` shape, under LocalRunner."""

    @wrap_experiment(log_dir=str(tmp_path / 'vpg'), use_existing_dir=True)
    def vpg_point(ctxt=None, seed=1):
        set_seed(seed)
        env = PointEnv(max_episode_length=20)
        runner = LocalRunner(ctxt)
        policy = GaussianMLPPolicy(
            env.spec,
            hidden_sizes=[8, 8],
            hidden_nonlinearity=torch.tanh,
            output_nonlinearity=None,
        )
        value_function = GaussianMLPValueFunction(
            env_spec=env.spec,
            hidden_sizes=(8, 8),
            hidden_nonlinearity=torch.tanh,
            output_nonlinearity=None,
        )
        algo = VPG(
            env_spec=env.spec,
            policy=policy,
            value_function=value_function,
            max_path_length=10,
            discount=0.99,
            center_adv=False,
        )
        runner.setup(algo, env, sampler_cls=LocalSampler, sampler_args={})
        return runner.train(n_epochs=2, batch_size=40)

    with pytest.deprecated_call():
        last_return = vpg_point(seed=1)
    assert last_return == pytest.approx(last_return)  # a number, not NaN
    rows = (tmp_path / 'vpg' / 'progress.csv').read_text().splitlines()
    assert len(rows) == 3  # the header and two epochs
