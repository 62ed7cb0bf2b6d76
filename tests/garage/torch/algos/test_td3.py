import numpy as np
import pytest
import torch
from torch import nn

from garage._dowel import tabular
from garage.envs import GymEnv, normalize
from garage.experiment import SnapshotConfig, deterministic
from garage.np.exploration_policies import AddGaussianNoise
from garage.np.policies import UniformRandomPolicy
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.td3 import TD3
from garage.torch.policies import DeterministicMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

# the trainer logs with no dowel output set up
pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def make_td3(**kwargs):
    env = normalize(GymEnv('Pendulum-v1'))
    policy = DeterministicMLPPolicy(
        env.spec, hidden_sizes=(8, 8), output_nonlinearity=torch.tanh
    )
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    exploration = AddGaussianNoise(
        env.spec, policy, total_timesteps=1000, max_sigma=0.1, min_sigma=0.1
    )
    sampler = LocalSampler(
        exploration,
        env,
        max_episode_length=200,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': 1},
    )
    options = {
        'buffer_batch_size': 16,
        'min_buffer_size': 20,
        'update_after': 0,
        'num_evaluation_episodes': 1,
        'steps_per_epoch': 5,
        'exploration_policy': exploration,
    }
    options.update(kwargs)
    algo = TD3(
        env.spec, policy, qf1, qf2, PathBuffer(1000, env.spec), sampler, **options
    )
    return algo, env


def fill(algo, n=64):
    rng = np.random.default_rng(0)
    algo.replay_buffer.add_path(
        {
            'observations': rng.uniform(-1, 1, (n, 3)),
            'actions': rng.uniform(-1, 1, (n, 1)),
            'rewards': rng.uniform(-1, 0, n),
            'next_observations': rng.uniform(-1, 1, (n, 3)),
            'terminals': np.arange(n) % 4 == 0,
        }
    )


class RecordingQ(nn.Module):
    """A Q-function of value ``value`` that keeps the actions it saw."""

    def __init__(self, value):
        super().__init__()
        self.value = value
        self.actions = []

    def forward(self, observations, actions):
        self.actions.append(actions)
        return torch.full((len(actions), 1), self.value)


def test_defaults_follow_garage():
    algo, _ = make_td3()
    assert algo._tau == 0.005
    assert algo._update_actor_interval == 2
    assert algo._policy_noise == 0.2
    assert algo._policy_noise_clip == 0.5
    assert algo._min_buffer_size == 20
    torch.testing.assert_close(algo._action_high, torch.tensor([1.0]))


def test_update_after_raises_the_buffer_size_before_training():
    algo, _ = make_td3(update_after=100)
    assert algo._min_buffer_size == 100


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'grad_steps_per_env_step': -1}, 'grad_steps_per_env_step must be'),
        ({'update_actor_interval': 0}, 'update_actor_interval must be'),
        ({'policy_noise': -0.1}, 'policy_noise must be a number'),
        ({'policy_noise_clip': -0.1}, 'policy_noise_clip must be a number'),
        ({'start_steps': -1}, 'start_steps must be a non-negative integer'),
        ({'update_after': 1.5}, 'update_after must be a non-negative integer'),
        ({'max_action': -1.0}, 'max_action must be a number'),
    ],
)
def test_checks_its_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_td3(**kwargs)


def test_targets_use_the_smaller_q_and_bootstrap_except_after_terminal():
    algo, _ = make_td3(discount=0.9, reward_scaling=2.0)
    algo._target_qf1 = RecordingQ(5.0)
    algo._target_qf2 = RecordingQ(3.0)
    rewards = torch.tensor([1.0, 2.0, 3.0])
    terminals = torch.tensor([1.0, 0.0, 0.0])  # TERMINAL, TIMEOUT, MID
    targets = algo._critic_targets(rewards, torch.zeros(3, 3), terminals)
    torch.testing.assert_close(
        targets, torch.tensor([2.0, 4.0 + 0.9 * 3.0, 6.0 + 0.9 * 3.0])
    )
    assert algo._target_qf1.actions[0] is algo._target_qf2.actions[0]


def test_target_policy_smoothing_adds_clipped_noise_within_bounds():
    torch.manual_seed(0)
    algo, _ = make_td3(policy_noise=0.2, policy_noise_clip=0.3, max_action=0.8)
    algo._target_qf1 = RecordingQ(0.0)
    algo._target_qf2 = RecordingQ(0.0)
    next_obs = torch.randn(20_000, 3)
    algo._critic_targets(torch.zeros(20_000), next_obs, torch.zeros(20_000))
    actions = algo._target_qf1.actions[0]
    with torch.no_grad():
        mean = algo._target_policy(next_obs)
    assert actions.abs().max() <= 0.8
    inside = mean.abs() < 0.45  # far enough from the bounds not to clip
    noise = (actions - mean)[inside]
    assert noise.abs().max() <= 0.3 + 1e-6
    assert noise.abs().max() > 0.29
    # a normal of std 0.2 clipped at 1.5 std: its std is about 0.175
    assert noise.std().item() == pytest.approx(0.175, abs=0.005)
    assert noise.mean().item() == pytest.approx(0.0, abs=0.005)


def test_the_policy_and_targets_update_every_other_step():
    torch.manual_seed(1)
    algo, _ = make_td3(target_update_tau=0.5, update_actor_interval=2)
    fill(algo)

    def snapshot():
        return [
            torch.cat([p.detach().flatten() for p in net.parameters()])
            for net in algo.networks
        ]

    changes = []
    for _ in range(4):
        before = snapshot()
        algo._train_once()
        changes.append(
            [
                not torch.equal(old, new)
                for old, new in zip(before, snapshot(), strict=True)
            ]
        )
    # policy, qf1, qf2, target policy, target qf1, target qf2
    assert (
        changes
        == [
            [False, True, True, False, False, False],
            [True, True, True, True, True, True],
        ]
        * 2
    )
    stats = algo._epoch_stats(['policy_loss', 'qf_loss'])
    assert stats['policy_loss'].n_values == 2
    assert stats['qf_loss'].n_values == 4


def test_logs_losses_q_values_and_targets():
    torch.manual_seed(2)
    algo, _ = make_td3()
    fill(algo)
    tabular.clear()
    algo._train_once()  # a critic step only: no policy loss yet
    algo._log_statistics()
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert np.isnan(logged['Policy/AveragePolicyLoss'])
    assert np.isfinite(logged['QFunction/AverageQFunctionLoss'])
    assert 'QFunction/AverageAbsY' in logged


def test_samples_uniformly_at_random_for_the_first_steps(tmp_path):
    deterministic.set_seed(3)
    spec = normalize(GymEnv('Pendulum-v1')).spec
    algo, env = make_td3(
        min_buffer_size=10,
        steps_per_epoch=10,
        start_steps=14,
        uniform_random_policy=UniformRandomPolicy(spec),
    )
    policies = []
    sampling_policy = algo._sampling_policy
    algo._sampling_policy = lambda trainer: (
        policies.append(sampling_policy(trainer)),
        policies[-1],
    )[1]
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=1, batch_size=2)
    # 10 steps, then 2 per iteration: random until 14 steps were taken
    assert [type(p).__name__ for p in policies] == (
        ['UniformRandomPolicy'] * 3 + ['AddGaussianNoise'] * 7
    )


@pytest.mark.parametrize(
    ('option', 'value'), [('exploration_noise', 0.1), ('replay_buffer_size', 10**6)]
)
def test_original_options_without_effect_warn(option, value):
    with pytest.warns(DeprecationWarning, match=f'{option}.*no effect'):
        make_td3(**{option: value})


@pytest.mark.parametrize('flag', [True, False])
def test_evaluation_mode_is_an_option(flag):
    algo, _ = make_td3(use_deterministic_evaluation=flag)
    assert algo._deterministic_evaluation is flag
