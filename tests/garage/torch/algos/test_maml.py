"""MAML: second-order meta-gradients, adaptation, training and resume."""

import inspect

import numpy as np
import pytest
import torch

from fixtures.logs import recorded_rows
from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from garage._optimizers import _Default
from garage.experiment import MetaEvaluator, SetTaskSampler, SnapshotConfig
from garage.experiment.deterministic import set_seed
from garage.np.algos import MetaRLAlgorithm
from garage.sampler import LocalSampler
from garage.torch import update_module_params
from garage.torch.algos import MAML, MAMLPPO, MAMLTRPO, MAMLVPG, VPG
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import EpochRecord, Trainer

pytestmark = pytest.mark.filterwarnings(
    'ignore:.*(No outputs|accepted by any output)',
    'ignore::dowel.tabular_input.TabularInputWarning',
)

BATCH_SIZE = 2 * GOAL_EPISODE_LENGTH
VARIANTS = [MAMLPPO, MAMLTRPO, MAMLVPG]


def build(cls=MAMLVPG, evaluator=False, **kwargs):
    env = GoalPointEnv()
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        policy, env, max_episode_length=GOAL_EPISODE_LENGTH, n_workers=1, seed=1
    )
    meta_evaluator = None
    if evaluator:
        meta_evaluator = MetaEvaluator(
            test_task_sampler=SetTaskSampler(GoalPointEnv),
            n_test_tasks=2,
            n_exploration_eps=2,
        )
    algo = cls(
        env,
        policy,
        value_function,
        sampler,
        SetTaskSampler(GoalPointEnv),
        meta_batch_size=2,
        meta_evaluator=meta_evaluator,
        **kwargs,
    )
    return algo, env


class _SamplingTrainer:
    """What MAML asks of the trainer to sample a meta-batch."""

    def __init__(self, algo):
        self.algo = algo

    def obtain_episodes(self, itr, env_update=None):
        return self.algo.sampler.obtain_samples(
            itr, BATCH_SIZE, self.algo.policy.get_param_values(), env_update
        )


def meta_batch(algo):
    return algo._obtain_samples(_SamplingTrainer(algo), 0)


def flat(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def first_order_gradient(algo, all_samples):
    """The meta-gradient with the inner step's gradient held constant."""
    policy, inner = algo.policy, algo._inner_algo
    theta = dict(policy.named_parameters())
    losses = []
    for task_samples in all_samples:
        grads = torch.autograd.grad(
            inner._compute_loss(*task_samples[0].loss_inputs()), list(theta.values())
        )
        update_module_params(
            policy,
            {
                name: param - algo._inner_optimizer.lr * grad.detach()
                for (name, param), grad in zip(theta.items(), grads, strict=True)
            },
        )
        losses.append(inner._compute_loss(*task_samples[-1].loss_inputs()))
        update_module_params(policy, theta)
    return flat(torch.autograd.grad(torch.stack(losses).mean(), list(theta.values())))


def test_meta_gradient_is_second_order():
    """The meta-gradient differentiates through the inner step.

    Its directional derivative matches finite differences of the meta loss
    (which adapts afresh at each point), and a first-order gradient's does
    not.
    """
    set_seed(1)
    algo, _ = build(MAMLVPG, inner_lr=0.5)
    all_samples = meta_batch(algo)
    params = list(algo.policy.parameters())
    second = flat(
        torch.autograd.grad(algo._adapted_values(all_samples, True)[0], params)
    )
    first = first_order_gradient(algo, all_samples)
    assert not torch.allclose(first, second, rtol=1e-2, atol=1e-4)

    direction = torch.randn_like(second)
    direction /= direction.norm()
    eps = 1e-2

    def loss_at(step):
        with torch.no_grad():
            for param, piece in zip(
                params,
                direction.split([p.numel() for p in params]),
                strict=True,
            ):
                param.add_(step * piece.view_as(param))
            loss = algo._adapted_values(all_samples, False)[0].item()
            for param, piece in zip(
                params,
                direction.split([p.numel() for p in params]),
                strict=True,
            ):
                param.sub_(step * piece.view_as(param))
        return loss

    finite_difference = (loss_at(eps) - loss_at(-eps)) / (2 * eps)
    second_error = abs(finite_difference - float(second @ direction))
    first_error = abs(finite_difference - float(first @ direction))
    assert second_error < 0.2 * first_error


def test_adapt_policy_leaves_the_meta_policy_and_value_function_alone():
    set_seed(1)
    algo, _ = build(MAMLTRPO, inner_lr=0.1)
    assert isinstance(algo, MetaRLAlgorithm)
    meta_params = {k: v.clone() for k, v in algo.policy.state_dict().items()}
    vf_params = {
        k: v.clone() for k, v in algo._inner_algo._value_function.state_dict().items()
    }
    exploration_policy = algo.get_exploration_policy()
    assert exploration_policy is not algo.policy
    episodes = algo.sampler.obtain_samples(
        0, BATCH_SIZE, exploration_policy, SetTaskSampler(GoalPointEnv).sample(1)[0]
    )
    adapted = algo.adapt_policy(exploration_policy, episodes)

    assert adapted is exploration_policy
    torch.testing.assert_close(algo.policy.state_dict(), meta_params, rtol=0, atol=0)
    torch.testing.assert_close(
        algo._inner_algo._value_function.state_dict(), vf_params, rtol=0, atol=0
    )
    assert all(isinstance(p, torch.nn.Parameter) for p in algo.policy.parameters())
    adapted_params = adapted.get_param_values()
    assert any(
        not torch.equal(adapted_params[key], value)
        for key, value in meta_params.items()
    )
    # the adapted policy samples, as the meta-evaluator does with it
    assert algo.sampler.obtain_samples(0, 5, adapted).lengths.sum() >= 5


def train(cls, directory, n_epochs, mode='last'):
    set_seed(1)
    algo, env = build(cls, evaluator=True)
    trainer = Trainer(SnapshotConfig(str(directory), mode, 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=BATCH_SIZE, progress=False)
    return trainer


@pytest.mark.parametrize('cls', VARIANTS, ids=lambda cls: cls.__name__)
def test_trains_logs_meta_tests_and_resumes_exactly(cls, tmp_path):
    with recorded_rows() as straight:
        uninterrupted = train(cls, tmp_path / 'straight', 2, mode='none')
    with recorded_rows() as split:
        train(cls, tmp_path / 'split', 1)
        set_seed(12345)  # the global RNGs move on, as in a new process
        torch.rand(3)
        np.random.rand(3)
        resumed = Trainer(SnapshotConfig(str(tmp_path / 'split'), 'last', 1))
        resumed.restore(tmp_path / 'split')
        resumed.resume(n_epochs=2)

    torch.testing.assert_close(
        resumed._algo.policy.state_dict(),
        uninterrupted._algo.policy.state_dict(),
        rtol=0,
        atol=0,
    )
    torch.testing.assert_close(
        resumed._algo._meta_optimizer.state_dict(),
        uninterrupted._algo._meta_optimizer.state_dict(),
        rtol=0,
        atol=0,
    )
    assert resumed.total_env_steps == uninterrupted.total_env_steps
    assert len(straight) == 2
    assert repr(split) == repr(straight)  # repr: NaN equals NaN
    rows = straight
    for key in (
        'Average/AverageReturn',
        'PreUpdate/AverageReturn',
        'MetaTest/Average/AverageReturn',
        'MetaTest/Task #1/AverageReturn',
        'GaussianMLPPolicy/LossBefore',
        'GaussianMLPPolicy/KL',
    ):
        assert key in rows[0], key
    record = uninterrupted.last_record
    assert isinstance(record, EpochRecord)
    # the adapted policies' episodes: meta_batch_size tasks' last batches
    assert record.episode_lengths.sum() >= 2 * BATCH_SIZE


def test_meta_step_changes_the_meta_policy(tmp_path):
    set_seed(1)
    algo, env = build(MAMLTRPO)
    before = {k: v.clone() for k, v in algo.policy.state_dict().items()}
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=1, batch_size=BATCH_SIZE, progress=False)
    after = algo.policy.state_dict()
    assert any(not torch.equal(after[key], value) for key, value in before.items())
    assert all(isinstance(p, torch.nn.Parameter) for p in algo.policy.parameters())
    assert all(p.grad is None for p in algo.policy.parameters())


def test_takes_several_inner_steps(tmp_path):
    set_seed(1)
    algo, env = build(MAMLVPG, num_grad_updates=2)
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=1, batch_size=BATCH_SIZE, progress=False)
    # three batches per task: before, after one and after two steps
    assert trainer.total_env_steps >= 2 * 3 * BATCH_SIZE
    algo, _ = build(MAMLVPG, num_grad_updates=2)  # the trainer shut the sampler
    all_samples = meta_batch(algo)
    assert len(all_samples[0]) == 3
    loss = algo._adapted_values(all_samples, True)[0]
    grads = torch.autograd.grad(loss, list(algo.policy.parameters()))
    assert all(torch.isfinite(grad).all() for grad in grads)


def test_bad_arguments_are_named():
    env = GoalPointEnv()
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(4,))
    with pytest.raises(ValueError, match='meta_batch_size'):
        MAMLVPG(
            env,
            policy,
            value_function,
            None,
            SetTaskSampler(GoalPointEnv),
            meta_batch_size=0,
        )
    no_sampler = MAMLVPG(
        env, policy, value_function, None, SetTaskSampler(GoalPointEnv)
    )
    with pytest.raises(ValueError, match='no sampler'):
        Trainer(SnapshotConfig('unused', 'none', 1)).setup(no_sampler, env)
    other = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    with pytest.raises(ValueError, match='same policy'):
        MAML(
            VPG(env.spec, other, value_function),
            env,
            policy,
            None,
            SetTaskSampler(GoalPointEnv),
            torch.optim.Adam,
        )


_COMMON = (
    'discount=0.99, gae_lambda={gae_lambda}, center_adv=True, positive_adv=False, '
    'policy_ent_coeff=0.0, use_softplus_entropy=False, '
    "stop_entropy_gradient=False, entropy_method='no_entropy', "
    'meta_batch_size={meta_batch_size}, num_grad_updates=1, '
    'meta_evaluator=None, evaluate_every_n_epochs=1'
)
_HEAD = 'env, policy, value_function, sampler, task_sampler, inner_lr={inner_lr}, '
ORIGINAL_SIGNATURES = {
    MAML: (
        'inner_algo, env, policy, sampler, task_sampler, meta_optimizer, '
        'meta_batch_size=40, inner_lr=0.1, outer_lr=0.001, num_grad_updates=1, '
        'meta_evaluator=None, evaluate_every_n_epochs=1'
    ),
    MAMLPPO: _HEAD.format(inner_lr=0.1)
    + 'outer_lr=0.001, lr_clip_range=0.5, '
    + _COMMON.format(gae_lambda=1.0, meta_batch_size=20),
    MAMLTRPO: _HEAD.format(inner_lr=0.01)
    + 'outer_lr=0.001, max_kl_step=0.01, '
    + _COMMON.format(gae_lambda=1, meta_batch_size=40),
    MAMLVPG: _HEAD.format(inner_lr=0.1)
    + 'outer_lr=0.001, '
    + _COMMON.format(gae_lambda=1, meta_batch_size=20),
}


@pytest.mark.parametrize('cls', list(ORIGINAL_SIGNATURES), ids=lambda c: c.__name__)
def test_takes_the_original_parameters_in_order(cls):
    """The constructors keep the original's parameters, order and defaults."""
    original = inspect.signature(eval(f'lambda {ORIGINAL_SIGNATURES[cls]}: None'))
    current = inspect.signature(cls).parameters
    assert list(current) == list(original.parameters)
    for name, parameter in original.parameters.items():
        default = current[name].default
        if isinstance(default, _Default):
            default = default.val
        assert default == parameter.default, name
