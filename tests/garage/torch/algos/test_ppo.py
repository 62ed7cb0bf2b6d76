"""PPO: the clipped surrogate objective, its diagnostics and defaults."""

import numpy as np
import pytest
import torch

from garage import EnvSpec, EpisodeBatch, StepType
from garage._dowel import tabular
from garage._legacy_gym import akro
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import PPO
from garage.torch.policies import CategoricalMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

SPEC = EnvSpec(akro.Box(-np.inf, np.inf, (2,)), akro.Discrete(3), max_episode_length=10)


def make_ppo(**kwargs):
    torch.manual_seed(0)
    policy = CategoricalMLPPolicy(SPEC, hidden_sizes=(8,))
    return PPO(
        SPEC, policy, GaussianMLPValueFunction(SPEC, hidden_sizes=(8,)), None, **kwargs
    )


@pytest.mark.parametrize(
    ('ratio', 'advantage', 'objective'),
    [
        (1.5, 1.0, 1.2),  # a gain is clipped at 1 + epsilon
        (0.5, 1.0, 0.5),  # ... but a loss is not
        (1.5, -1.0, -1.5),  # a loss is not clipped
        (0.5, -1.0, -0.8),  # a gain is clipped at 1 - epsilon
        (1.1, 2.0, 2.2),  # within the range, the plain surrogate
    ],
)
def test_clipped_objective(ratio, advantage, objective):
    algo = make_ppo(lr_clip_range=0.2)
    old = torch.tensor([-1.0])
    result = algo._compute_objective(
        old + np.log(ratio), old, torch.tensor([advantage])
    )
    assert result.item() == pytest.approx(objective, rel=1e-6)


def test_clipped_objective_has_no_gradient_outside_the_range():
    algo = make_ppo(lr_clip_range=0.2)
    log_likelihoods = torch.tensor([np.log(1.5), np.log(1.1)], requires_grad=True)
    algo._compute_objective(
        log_likelihoods, torch.zeros(2), torch.ones(2)
    ).sum().backward()
    np.testing.assert_allclose(log_likelihoods.grad, [0, 1.1], rtol=1e-6)


def test_clip_fraction():
    algo = make_ppo(lr_clip_range=0.2)
    ratios = torch.tensor([0.7, 0.9, 1.0, 1.1, 1.3])
    diagnostics = algo._policy_diagnostics(ratios.log(), torch.zeros(5))
    assert diagnostics == {'ClipFraction': pytest.approx(0.4)}


def test_train_once_records_clip_fraction():
    algo = make_ppo()
    rng = np.random.default_rng(0)
    batch = EpisodeBatch(
        env_spec=SPEC,
        episode_infos={},
        observations=rng.normal(size=(6, 2)).astype(np.float32),
        last_observations=np.zeros((2, 2), np.float32),
        actions=np.asarray([0, 1, 2, 0, 1, 2]),
        rewards=np.ones(6),
        env_infos={},
        agent_infos={},
        step_types=np.asarray(
            [
                StepType.FIRST,
                StepType.MID,
                StepType.TERMINAL,
                StepType.FIRST,
                StepType.MID,
                StepType.TIMEOUT,
            ],
            np.int8,
        ),
        lengths=np.asarray([3, 3]),
    )
    try:
        np.testing.assert_allclose(algo._train_once(0, batch), [3, 3])
        assert 0 <= tabular.as_dict['CategoricalMLPPolicy/ClipFraction'] <= 1
    finally:
        tabular.mark_all()
        tabular.clear()


def test_defaults():
    algo = make_ppo()
    assert algo._lr_clip_range == 0.2
    assert algo._gae_lambda == 0.97
    for optimizer in (algo._policy_optimizer, algo._vf_optimizer):
        assert optimizer.optimizer.defaults['lr'] == 2.5e-4
        sizes = [len(batch[0]) for batch in optimizer.get_minibatch(torch.arange(100))]
        assert sizes == [64, 36] * 10


@pytest.mark.parametrize('lr_clip_range', [0, -0.1])
def test_bad_clip_range(lr_clip_range):
    with pytest.raises(ValueError, match='lr_clip_range'):
        make_ppo(lr_clip_range=lr_clip_range)


def _cartpole_ppo():
    deterministic.set_seed(3)
    env = GymEnv('CartPole-v1')
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=500,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args=dict(n_envs=2, timesteps_per_call=16),
    )
    return env, PPO(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
        sampler,
        num_train_per_epoch=2,
    )


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
def test_resume_is_exact_with_episodes_in_fragments(tmp_path):
    env, algo = _cartpole_ppo()
    trainer = Trainer(SnapshotConfig(str(tmp_path / 'a'), 'none', 1))
    trainer.setup(algo, env)
    uninterrupted = trainer.train(n_epochs=4, batch_size=32, progress=False)
    expected = [p.detach().clone() for p in algo.policy.parameters()]

    env, algo = _cartpole_ppo()
    trainer = Trainer(SnapshotConfig(str(tmp_path / 'b'), 'last', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=2, batch_size=32, progress=False)
    trainer = Trainer(SnapshotConfig(str(tmp_path / 'b'), 'last', 1))
    trainer.restore(tmp_path / 'b')
    assert trainer.resume(n_epochs=4) == uninterrupted
    for param, expected_param in zip(
        trainer._algo.policy.parameters(), expected, strict=True
    ):
        assert torch.equal(param, expected_param)
