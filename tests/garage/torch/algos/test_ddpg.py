import numpy as np
import pytest
import torch

from garage._dowel import tabular
from garage.envs import GymEnv, normalize
from garage.experiment import SnapshotConfig, deterministic
from garage.np.exploration_policies import AddOrnsteinUhlenbeckNoise
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.ddpg import DDPG
from garage.torch.policies import DeterministicMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

# the trainer logs with no dowel output set up
pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def make_ddpg(sampler=True, **kwargs):
    env = normalize(GymEnv('Pendulum-v1'))
    policy = DeterministicMLPPolicy(
        env.spec, hidden_sizes=(8, 8), output_nonlinearity=torch.tanh
    )
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    exploration = AddOrnsteinUhlenbeckNoise(env.spec, policy, sigma=0.2)
    if sampler:
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
        'num_evaluation_episodes': 1,
        'steps_per_epoch': 5,
        'n_train_steps': 1,
        'exploration_policy': exploration,
    }
    options.update(kwargs)
    algo = DDPG(
        env.spec, policy, qf, PathBuffer(1000, env.spec), sampler or None, **options
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


def test_defaults_follow_garage():
    algo, _ = make_ddpg(exploration_policy=None)
    assert algo.exploration_policy is algo.policy
    assert algo._tau == 0.01
    assert algo._gradient_steps == 1
    assert algo._policy_optimizer.param_groups[0]['lr'] == 1e-4
    assert algo._qf_optimizer.param_groups[0]['lr'] == 1e-3
    assert algo._clip_range == (-np.inf, np.inf)


def test_optimizers_take_a_class_and_args_tuple():
    algo, _ = make_ddpg(
        policy_optimizer=(torch.optim.SGD, {'lr': 0.5}), qf_weight_decay=0.1
    )
    group = algo._policy_optimizer.param_groups[0]
    assert isinstance(algo._policy_optimizer, torch.optim.SGD)
    assert group['lr'] == 0.5
    assert group['weight_decay'] == 0
    assert algo._qf_optimizer.param_groups[0]['weight_decay'] == 0.1


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'n_train_steps': -1}, 'n_train_steps must be a non-negative integer'),
        ({'clip_return': -1}, 'clip_return must be a number'),
        ({'policy_weight_decay': -1}, 'policy_weight_decay must be a number'),
        ({'reward_scale': float('nan')}, 'reward_scale must be a number'),
    ],
)
def test_checks_its_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_ddpg(**kwargs)


def test_targets_bootstrap_except_after_terminal_steps_and_are_clipped():
    algo, _ = make_ddpg(
        discount=0.5, reward_scale=3.0, clip_return=4.0, clip_pos_returns=True
    )
    next_obs = torch.randn(3, 3)
    rewards = torch.tensor([1.0, -1.0, -2.0])
    terminals = torch.tensor([1.0, 0.0, 0.0])  # TERMINAL, TIMEOUT, MID
    with torch.no_grad():
        next_q = algo._target_qf(next_obs, algo._target_policy(next_obs)).flatten()
    expected = (
        torch.stack(
            [
                3.0 * rewards[0],
                3.0 * rewards[1] + 0.5 * next_q[1],
                3.0 * rewards[2] + 0.5 * next_q[2],
            ]
        )
    ).clamp(-4.0, 0.0)
    targets = algo._critic_targets(rewards, next_obs, terminals)
    torch.testing.assert_close(targets, expected)
    assert targets[0] == 0.0  # 3 clipped to 0


def test_a_gradient_step_trains_both_networks_and_moves_the_targets():
    torch.manual_seed(0)
    algo, _ = make_ddpg(target_update_tau=0.25)
    fill(algo)
    before = [[p.detach().clone() for p in net.parameters()] for net in algo.networks]
    algo._train_once()
    policy, qf, target_policy, target_qf = algo.networks
    for old, net in zip(before[:2], (policy, qf), strict=True):
        assert all(
            not torch.equal(o, p) for o, p in zip(old, net.parameters(), strict=True)
        )
    for old, target, source in (
        (before[2], target_policy, policy),
        (before[3], target_qf, qf),
    ):
        for o, t, s in zip(old, target.parameters(), source.parameters(), strict=True):
            torch.testing.assert_close(t, 0.75 * o + 0.25 * s)
    assert all(p.requires_grad for p in qf.parameters())


def test_the_policy_loss_is_minus_the_q_of_its_actions():
    torch.manual_seed(1)
    algo, _ = make_ddpg(policy_lr=0.0, qf_lr=0.0)
    fill(algo)
    algo._train_once()
    stats = algo._epoch_stats(['policy_loss', 'q', 'y'])
    assert stats['q'].n_values == stats['y'].n_values == 16
    assert stats['policy_loss'].n_values == 1
    assert np.isfinite(stats['policy_loss'].mean)


def test_logs_losses_q_values_and_targets():
    torch.manual_seed(2)
    algo, _ = make_ddpg()
    fill(algo)
    tabular.clear()
    algo._train_once()
    algo._log_statistics()
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert set(logged) == {
        'ReplayBuffer/buffer_size',
        'Policy/AveragePolicyLoss',
        'QFunction/AverageQFunctionLoss',
        'QFunction/AverageQ',
        'QFunction/MaxQ',
        'QFunction/AverageAbsQ',
        'QFunction/AverageY',
        'QFunction/MaxY',
        'QFunction/AverageAbsY',
    }


def test_local_workers_act_with_the_exploration_policy_itself(tmp_path):
    deterministic.set_seed(0)
    algo, env = make_ddpg()
    updates = []
    obtain = algo._sampler.obtain_samples
    algo._sampler.obtain_samples = lambda *args, agent_update, **kwargs: (
        updates.append(agent_update),
        obtain(*args, agent_update=agent_update, **kwargs),
    )[1]
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=1, batch_size=1)
    assert len(updates) == 5
    assert all(
        len(update) == 1 and update[0] is algo.exploration_policy for update in updates
    )
    # the noise process ran in the algorithm's own object
    assert algo.exploration_policy._state.shape == (1, 1)
    assert np.abs(algo.exploration_policy._state).sum() > 0


def test_other_samplers_get_the_policy_then_its_parameters():
    algo, _ = make_ddpg(sampler=False)
    policy = algo.exploration_policy
    assert algo._agent_update(policy) is policy
    params = algo._agent_update(policy)
    assert set(params) == set(policy.get_param_values())
    assert algo._agent_update(algo.policy) is algo.policy


def test_fills_the_buffer_to_min_buffer_size_first(tmp_path):
    deterministic.set_seed(1)
    algo, env = make_ddpg(min_buffer_size=30, steps_per_epoch=3)
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    result = trainer.train(n_epochs=1, batch_size=4)
    assert isinstance(result, float)
    assert trainer.total_env_steps == 30 + 2 * 4
    assert algo.replay_buffer.n_transitions_stored == 38


def test_resumes_exactly_with_the_noise_state(tmp_path):
    def run(n_epochs, resume_from=None):
        deterministic.set_seed(4)
        trainer = Trainer(SnapshotConfig(tmp_path, 'all', 1))
        if resume_from is None:
            algo, env = make_ddpg()
            trainer.setup(algo, env)
            result = trainer.train(n_epochs=n_epochs, batch_size=1)
        else:
            trainer.restore(tmp_path, resume_from)
            result = trainer.resume(n_epochs=n_epochs)
        return trainer._algo, result

    algo, result = run(3)
    resumed, resumed_result = run(3, resume_from=1)
    assert resumed_result == result
    np.testing.assert_array_equal(
        resumed.exploration_policy._state, algo.exploration_policy._state
    )
    for net, resumed_net in zip(algo.networks, resumed.networks, strict=True):
        for p, q in zip(net.parameters(), resumed_net.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_max_action_has_no_effect_and_warns():
    with pytest.warns(DeprecationWarning, match='max_action.*no effect'):
        make_ddpg(max_action=2.0)
