import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from garage._dowel import tabular
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.np.exploration_policies import EpsilonGreedyPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import dqn
from garage.torch.algos.dqn import DQN
from garage.torch.policies import DiscreteQFArgmaxPolicy
from garage.torch.q_functions import DiscreteMLPQFunction
from garage.trainer import Trainer

# the trainer logs with no dowel output set up
pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def make_dqn(**kwargs):
    env = GymEnv('CartPole-v1')
    qf = DiscreteMLPQFunction(env.spec, hidden_sizes=(8, 8))
    policy = DiscreteQFArgmaxPolicy(qf, env.spec)
    exploration = EpsilonGreedyPolicy(env.spec, policy, total_timesteps=100)
    sampler = LocalSampler(
        exploration,
        env,
        max_episode_length=500,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': 2},
    )
    options = {
        'buffer_batch_size': 16,
        'min_buffer_size': 20,
        'num_eval_episodes': 1,
        'steps_per_epoch': 5,
        'n_train_steps': 1,
    }
    options.update(kwargs)
    algo = DQN(
        env.spec,
        policy,
        qf,
        PathBuffer(1000, env.spec),
        sampler,
        exploration,
        **options,
    )
    return algo, env


def fill(algo, n=64, reward=1.0):
    rng = np.random.default_rng(0)
    algo.replay_buffer.add_path(
        {
            'observations': rng.uniform(-1, 1, (n, 4)),
            'actions': rng.integers(2, size=n),
            'rewards': np.full(n, reward),
            'next_observations': rng.uniform(-1, 1, (n, 4)),
            'terminals': np.arange(n) % 4 == 0,
        }
    )


class FixedQ(nn.Module):
    """The same Q-values for every observation."""

    def __init__(self, values):
        super().__init__()
        self.values = torch.tensor(values)

    def forward(self, observations):
        return self.values.expand(len(observations), -1)


def test_defaults_follow_garage():
    algo, _ = make_dqn()
    assert algo._target_update_freq == 5
    assert algo._tau == 1.0
    assert algo._clip_gradient == 10
    assert algo._double_q is False
    assert algo._qf_optimizer.param_groups[0]['lr'] == 1e-3
    assert algo.exploration_policy is not algo.policy
    assert algo.networks[0] is algo.policy._qf


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'target_update_freq': 0}, 'target_update_freq must be a positive integer'),
        ({'target_update_tau': 1.5}, 'target_update_tau must be a number'),
        ({'clip_rewards': -1.0}, 'clip_rewards must be a number'),
        ({'clip_gradient': -1.0}, 'clip_gradient must be a number'),
        ({'num_eval_episodes': 0}, 'num_evaluation_episodes must be'),
    ],
)
def test_checks_its_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_dqn(**kwargs)


@pytest.mark.parametrize(
    ('double_q', 'next_value'),
    [
        (False, 4.0),  # the target's largest value
        (True, 1.0),  # the target's value of the online Q's best action
    ],
)
def test_targets_bootstrap_except_after_terminal_steps(double_q, next_value):
    algo, _ = make_dqn(double_q=double_q, discount=0.5, reward_scale=2.0)
    algo._qf = FixedQ([0.0, 9.0, 3.0])
    algo._target_qf = FixedQ([4.0, 1.0, 2.0])
    rewards = torch.tensor([1.0, 2.0, 3.0])
    terminals = torch.tensor([1.0, 0.0, 0.0])  # TERMINAL, TIMEOUT, MID
    targets = algo._critic_targets(rewards, torch.zeros(3, 4), terminals)
    torch.testing.assert_close(
        targets, torch.tensor([2.0, 4.0 + 0.5 * next_value, 6.0 + 0.5 * next_value])
    )


def test_clips_the_scaled_rewards():
    algo, _ = make_dqn(reward_scale=10.0, clip_rewards=1.0, discount=0.0)
    targets = algo._critic_targets(
        torch.tensor([-0.5, 0.05, 3.0]), torch.zeros(3, 4), torch.zeros(3)
    )
    torch.testing.assert_close(targets, torch.tensor([-1.0, 0.5, 1.0]))


def test_the_loss_is_huber_on_the_q_of_the_actions_taken():
    torch.manual_seed(0)
    algo, _ = make_dqn(qf_lr=0.0)
    fill(algo, reward=3.0)
    batches = []
    sample = algo._sample_batch
    algo._sample_batch = lambda: (batches.append(sample()), batches[-1])[1]
    algo._train_once()
    batch = batches[0]
    stats = algo._epoch_stats(['qf_loss', 'q', 'y'])
    with torch.no_grad():
        q = algo._qf(batch['observations'])
    expected_q = q[torch.arange(16), batch['actions']]
    assert stats['q'].mean == pytest.approx(expected_q.mean().item())
    assert stats['q'].max == pytest.approx(expected_q.max().item())
    expected_y = 3.0 + algo.discount * algo._target_qf(batch['next_observations']).max(
        1
    ).values * (1 - batch['terminals'])
    assert stats['y'].mean == pytest.approx(expected_y.mean().item())
    expected_loss = F.smooth_l1_loss(expected_q, expected_y)
    assert stats['qf_loss'].mean == pytest.approx(expected_loss.item())


def test_clips_the_gradient_norm():
    torch.manual_seed(1)
    algo, _ = make_dqn(clip_gradient=0.5, clip_rewards=None)
    fill(algo, reward=1e4)
    algo._train_once()
    norm = torch.cat([p.grad.flatten() for p in algo._qf.parameters()]).norm()
    assert norm.item() == pytest.approx(0.5, rel=1e-4)


def test_logs_losses_q_values_and_targets():
    algo, _ = make_dqn()
    fill(algo)
    tabular.clear()
    algo._train_once()
    algo._log_statistics()
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert set(logged) == {
        'ReplayBuffer/buffer_size',
        'DQN/QFunctionLoss',
        'DQN/AverageQ',
        'DQN/MaxQ',
        'DQN/AverageAbsQ',
        'DQN/AverageY',
        'DQN/MaxY',
        'DQN/AverageAbsY',
    }


def test_updates_the_target_every_few_iterations(tmp_path, monkeypatch):
    deterministic.set_seed(2)
    algo, env = make_dqn(steps_per_epoch=7, target_update_freq=3, target_update_tau=0.5)
    updates = []
    monkeypatch.setattr(
        dqn,
        'update_targets',
        lambda targets, sources, tau: updates.append((algo._n_iterations, tau)),
    )
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    result = trainer.train(n_epochs=1, batch_size=4)
    assert updates == [(3, 0.5), (6, 0.5)]
    assert result > 0
    # the buffer got 20 steps, then 4 a time from the two environments
    assert algo.replay_buffer.n_transitions_stored == 20 + 6 * 4


def test_optimizer_is_the_eighth_positional_argument_as_in_garage():
    env = GymEnv('CartPole-v1')
    qf = DiscreteMLPQFunction(env.spec, hidden_sizes=(8,))
    policy = DiscreteQFArgmaxPolicy(qf, env.spec)
    algo = DQN(
        env.spec,
        policy,
        qf,
        PathBuffer(100, env.spec),
        None,
        None,
        None,
        torch.optim.SGD,
        qf_lr=0.5,
        deterministic_eval=False,
    )
    assert isinstance(algo._qf_optimizer, torch.optim.SGD)
    assert algo._qf_optimizer.param_groups[0]['lr'] == 0.5
    assert algo._deterministic_evaluation is False
