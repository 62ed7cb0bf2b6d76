import math

import numpy as np
import pytest
import torch

from garage import StepType
from garage._dowel import tabular
from garage.envs import GymEnv, normalize
from garage.experiment import SnapshotConfig, deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos.sac import SAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

# the trainer logs with no dowel output set up
pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def make_sac(env=None, **kwargs):
    env = env or normalize(GymEnv('Pendulum-v1'))
    policy = TanhGaussianMLPPolicy(env.spec, (8, 8))
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    sampler = LocalSampler(
        policy,
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
    }
    options.update(kwargs)
    return SAC(
        env.spec, policy, qf1, qf2, PathBuffer(1000, env.spec), sampler, **options
    ), env


def fill(algo, env, n=64, terminal_every=5):
    """Random transitions; every ``terminal_every``-th step TERMINAL."""
    rng = np.random.default_rng(0)
    step_types = np.full(n, StepType.MID, dtype=np.int8)
    step_types[::terminal_every] = StepType.TERMINAL
    algo.replay_buffer.add_path(
        {
            'observations': rng.uniform(-1, 1, (n, 3)),
            'actions': rng.uniform(-1, 1, (n, 1)),
            'rewards': rng.uniform(-1, 0, n),
            'next_observations': rng.uniform(-1, 1, (n, 3)),
            'step_types': step_types,
        }
    )


def test_defaults_follow_garage():
    algo, _ = make_sac()
    assert algo.discount == 0.99
    assert algo.exploration_policy is algo.policy
    assert algo._target_entropy == -1.0
    assert algo._log_alpha.item() == 0.0
    assert algo._tau == 5e-3
    assert len(algo.networks) == 5
    for group in algo._qf_optimizer.param_groups:
        assert group['fused'] is True
        assert group['lr'] == 3e-4


@pytest.mark.parametrize(
    ('kwargs', 'message'),
    [
        ({'discount': 1.5}, r'discount must be a number in \[0, 1\]'),
        ({'target_update_tau': -0.1}, 'target_update_tau must be a number'),
        ({'steps_per_epoch': 0}, 'steps_per_epoch must be a positive integer'),
        (
            {'gradient_steps_per_itr': -1},
            'gradient_steps_per_itr must be a non-negative integer',
        ),
        ({'min_buffer_size': 10.5}, 'min_buffer_size must be a non-negative integer'),
        ({'buffer_batch_size': 0}, 'buffer_batch_size must be a positive integer'),
        ({'num_evaluation_episodes': 0}, 'num_evaluation_episodes must be'),
        ({'max_episode_length_eval': 0}, 'max_episode_length_eval must be'),
        ({'fixed_alpha': 0.0}, r'fixed_alpha must be a number in \(0, inf\] or None'),
        ({'reward_scale': -1}, 'reward_scale must be a number'),
    ],
)
def test_checks_its_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_sac(**kwargs)


def test_needs_a_replay_buffer():
    env = normalize(GymEnv('Pendulum-v1'))
    policy = TanhGaussianMLPPolicy(env.spec, (8, 8))
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(8,))
    with pytest.raises(ValueError, match='replay_buffer must be a ReplayBuffer'):
        SAC(env.spec, policy, qf, qf, [], None)


def test_min_buffer_size_takes_garage_floats():
    algo, _ = make_sac(min_buffer_size=1e4)
    assert algo._min_buffer_size == 10_000


def test_targets_bootstrap_except_after_terminal_steps():
    algo, _ = make_sac(discount=0.9, reward_scale=2.0)
    next_obs = torch.randn(3, 3)
    next_actions = torch.tensor([[0.1], [-0.2], [0.3]])
    log_pi = torch.tensor([-1.0, 0.5, 2.0])
    algo._actions_and_log_probs = lambda obs: (next_actions, log_pi)
    rewards = torch.tensor([1.0, 2.0, 3.0])
    # TERMINAL, TIMEOUT, MID (the end of a fragment)
    terminals = torch.tensor([1.0, 0.0, 0.0])
    alpha = torch.tensor(0.5)
    targets = algo._critic_targets(rewards, next_obs, terminals, alpha)
    with torch.no_grad():
        next_q = torch.min(
            algo._target_qf1(next_obs, next_actions),
            algo._target_qf2(next_obs, next_actions),
        ).flatten()
    soft_value = next_q - alpha * log_pi
    expected = torch.stack(
        [
            2.0 * rewards[0],
            2.0 * rewards[1] + 0.9 * soft_value[1],
            2.0 * rewards[2] + 0.9 * soft_value[2],
        ]
    )
    torch.testing.assert_close(targets, expected)
    assert not targets.requires_grad


def test_temperature_rises_when_entropy_is_below_target():
    algo, _ = make_sac(target_entropy=-1.0)
    # -log_pi = -1.5 on average, below the target -1
    loss = algo._temperature_loss(torch.tensor([1.0, 2.0]))
    loss.backward()
    assert algo._log_alpha.grad.item() == pytest.approx(-(1.5 - 1.0))
    algo._log_alpha.grad = None
    algo._temperature_loss(torch.tensor([0.0, 0.5])).backward()
    assert algo._log_alpha.grad.item() == pytest.approx(0.75)


def test_a_gradient_step_updates_every_network_and_alpha():
    torch.manual_seed(0)
    algo, env = make_sac(buffer_batch_size=32, target_update_tau=0.1, policy_lr=1e-2)
    fill(algo, env)
    before = {
        name: [p.detach().clone() for p in net.parameters()]
        for name, net in zip(
            ('policy', 'qf1', 'qf2', 'tq1', 'tq2'), algo.networks, strict=True
        )
    }
    alpha = algo._log_alpha.item()
    algo._train_once()
    after = dict(zip(before, algo.networks, strict=True))
    for name in ('policy', 'qf1', 'qf2'):
        changed = [
            not torch.equal(old, new)
            for old, new in zip(before[name], after[name].parameters(), strict=True)
        ]
        assert all(changed), name
    for target, source in (('tq1', 'qf1'), ('tq2', 'qf2')):
        for old, new, src in zip(
            before[target],
            after[target].parameters(),
            after[source].parameters(),
            strict=True,
        ):
            torch.testing.assert_close(new, 0.9 * old + 0.1 * src)
    assert algo._log_alpha.item() != alpha
    assert all(p.requires_grad for p in algo._qf_params)
    assert not any(p.requires_grad for p in algo._target_qf_params)


def test_the_policy_step_leaves_the_q_gradients_of_the_critic_step():
    torch.manual_seed(1)
    algo, env = make_sac(buffer_batch_size=32)
    fill(algo, env)
    seen = []
    step = algo._qf_optimizer.step
    algo._qf_optimizer.step = lambda: (
        seen.append([p.grad.clone() for p in algo._qf_params]),
        step(),
    )[1]
    algo._train_once()
    for grad_at_step, param in zip(seen[0], algo._qf_params, strict=True):
        torch.testing.assert_close(param.grad, grad_at_step)


def test_fixed_alpha_is_not_tuned():
    algo, env = make_sac(fixed_alpha=0.2)
    assert not algo._log_alpha.requires_grad
    fill(algo, env)
    algo._train_once()
    assert algo._log_alpha.item() == pytest.approx(math.log(0.2))


def test_logs_losses_q_values_entropy_and_alpha():
    torch.manual_seed(2)
    algo, env = make_sac(buffer_batch_size=8)
    fill(algo, env)
    tabular.clear()
    for _ in range(3):
        algo._train_once()
    algo._log_statistics()
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert set(logged) == {
        'ReplayBuffer/buffer_size',
        'AlphaTemperature/mean',
        'Policy/Loss',
        'Policy/Entropy',
        'QF/Qf1Loss',
        'QF/Qf2Loss',
        'QF/AverageQ',
        'QF/MaxQ',
    }
    assert logged['ReplayBuffer/buffer_size'] == 64
    assert all(np.isfinite(value) for value in logged.values())
    algo._log_statistics()  # an epoch with no gradient step
    assert np.isnan(tabular.as_dict['QF/Qf1Loss'])
    tabular.clear()


def run(tmp_path, n_epochs, seed=3, resume_from=None):
    deterministic.set_seed(seed)
    trainer = Trainer(SnapshotConfig(tmp_path, 'all', 1))
    if resume_from is None:
        algo, env = make_sac()
        trainer.setup(algo, env)
        result = trainer.train(n_epochs=n_epochs, batch_size=2)
    else:
        trainer.restore(tmp_path, resume_from)
        result = trainer.resume(n_epochs=n_epochs)
        algo = trainer._algo
    return algo, trainer, result


def test_trains_and_evaluates_each_epoch(tmp_path):
    algo, trainer, result = run(tmp_path, n_epochs=2)
    assert isinstance(result, float)
    # 20 steps to fill the buffer, then 2 per iteration
    assert trainer.total_env_steps == 20 + 9 * 2
    assert algo.replay_buffer.n_transitions_stored == 38
    assert trainer.step_itr == 2


def test_resumes_exactly(tmp_path):
    algo, _, result = run(tmp_path, n_epochs=3)
    resumed, _, resumed_result = run(tmp_path, n_epochs=3, resume_from=0)
    assert resumed_result == result
    for net, resumed_net in zip(algo.networks, resumed.networks, strict=True):
        for p, q in zip(net.parameters(), resumed_net.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=0)
    np.testing.assert_array_equal(
        algo.replay_buffer.sample_transitions(8)['rewards'],
        resumed.replay_buffer.sample_transitions(8)['rewards'],
    )
