"""ContextConditionedPolicy: belief, posterior inference, KL, acting."""

import numpy as np
import pytest
import torch

from garage import EnvSpec, StepType, TimeStep
from garage._legacy_gym import akro
from garage.torch import product_of_gaussians
from garage.torch.embeddings import MLPEncoder
from garage.torch.policies import ContextConditionedPolicy, TanhGaussianMLPPolicy

OBS_DIM, ACTION_DIM, LATENT_DIM = 3, 2, 2


def build(bottleneck=True, next_obs=False):
    spec = EnvSpec(
        akro.Box(-1, 1, (OBS_DIM + LATENT_DIM,), dtype=np.float32),
        akro.Box(-1, 1, (ACTION_DIM,), dtype=np.float32),
    )
    in_dim = OBS_DIM + ACTION_DIM + 1 + (OBS_DIM if next_obs else 0)
    encoder = MLPEncoder(
        input_dim=in_dim,
        output_dim=LATENT_DIM * (2 if bottleneck else 1),
        hidden_sizes=(8,),
    )
    return ContextConditionedPolicy(
        latent_dim=LATENT_DIM,
        context_encoder=encoder,
        policy=TanhGaussianMLPPolicy(spec, hidden_sizes=(8,)),
        use_information_bottleneck=bottleneck,
        use_next_obs=next_obs,
    )


def timestep(reward=0.5):
    spec = EnvSpec(
        akro.Box(-1, 1, (OBS_DIM,), dtype=np.float32),
        akro.Box(-1, 1, (ACTION_DIM,), dtype=np.float32),
    )
    return TimeStep(
        env_spec=spec,
        episode_info={},
        observation=np.arange(OBS_DIM, dtype=np.float32),
        action=np.ones(ACTION_DIM, dtype=np.float32),
        reward=reward,
        next_observation=-np.arange(OBS_DIM, dtype=np.float32),
        env_info={},
        agent_info={},
        step_type=StepType.MID,
    )


def test_reset_belief_is_the_unit_gaussian_prior():
    torch.manual_seed(0)
    policy = build()
    policy.reset_belief(num_tasks=3)
    assert torch.equal(policy.z_means, torch.zeros(3, LATENT_DIM))
    assert torch.equal(policy.z_vars, torch.ones(3, LATENT_DIM))
    assert policy.z.shape == (3, LATENT_DIM)
    assert not torch.equal(policy.z, policy.z_means)  # a sample, not the mean
    assert policy.compute_kl_div().item() == pytest.approx(0.0)
    for name in ('z', 'z_means', 'z_vars'):
        assert name in policy.state_dict()


def test_posterior_is_the_product_of_the_transitions_gaussians():
    torch.manual_seed(0)
    policy = build()
    context = torch.randn(2, 5, OBS_DIM + ACTION_DIM + 1)
    policy.infer_posterior(context)
    params = policy.networks[0](context)
    for task in range(2):
        mu, var = product_of_gaussians(
            params[task, :, :LATENT_DIM],
            torch.nn.functional.softplus(params[task, :, LATENT_DIM:]),
        )
        torch.testing.assert_close(policy.z_means[task], mu)
        torch.testing.assert_close(policy.z_vars[task], var)
    assert policy.z.shape == (2, LATENT_DIM)
    # the posterior is narrower than the prior, and the KL is the closed form
    prior = torch.distributions.Normal(0.0, 1.0)
    expected = sum(
        torch.distributions.kl_divergence(
            torch.distributions.Normal(m, v.sqrt()), prior
        ).sum()
        for m, v in zip(policy.z_means, policy.z_vars, strict=True)
    )
    kl = policy.compute_kl_div()
    torch.testing.assert_close(kl, expected)
    assert kl.item() > 0
    # the KL's gradient reaches the encoder
    kl.backward()
    assert all(p.grad is not None for p in policy.networks[0].parameters())


def test_without_the_bottleneck_z_is_the_mean_encoding():
    policy = build(bottleneck=False)
    assert torch.equal(policy.z_vars, torch.zeros(1, LATENT_DIM))
    assert torch.equal(policy.z, policy.z_means)
    context = torch.randn(2, 4, OBS_DIM + ACTION_DIM + 1)
    policy.infer_posterior(context)
    torch.testing.assert_close(policy.z_means, policy.networks[0](context).mean(1))
    assert torch.equal(policy.z, policy.z_means)
    policy.sample_from_belief()
    assert torch.equal(policy.z, policy.z_means)


@pytest.mark.parametrize('next_obs', [False, True])
def test_update_context_appends_transitions(next_obs):
    policy = build(next_obs=next_obs)
    assert policy.context is None
    policy.update_context(timestep(0.5))
    policy.update_context(timestep(-1.0))
    width = OBS_DIM + ACTION_DIM + 1 + (OBS_DIM if next_obs else 0)
    context = policy.context
    assert context.shape == (1, 2, width)
    assert context[0, 0, OBS_DIM + ACTION_DIM].item() == 0.5
    assert context[0, 1, OBS_DIM + ACTION_DIM].item() == -1.0
    if next_obs:
        assert context[0, 0, -1].item() == -(OBS_DIM - 1)
    policy.infer_posterior(context)  # the encoder takes it
    policy.reset_belief()
    assert policy.context is None


def test_forward_gives_actions_for_every_task_and_z_per_row():
    torch.manual_seed(0)
    policy = build()
    obs = torch.randn(3, 4, OBS_DIM)
    context = torch.randn(3, 6, OBS_DIM + ACTION_DIM + 1)
    (actions, mean, log_std, log_pi, pre_tanh), task_z = policy(obs, context)
    assert actions.shape == mean.shape == log_std.shape == (12, ACTION_DIM)
    assert pre_tanh.shape == (12, ACTION_DIM)
    assert log_pi.shape == (12, 1)
    assert task_z.shape == (12, LATENT_DIM)
    torch.testing.assert_close(task_z[4:8], policy.z[1].expand(4, LATENT_DIM))
    # the policy's loss does not reach the encoder (z is detached there)
    log_pi.sum().backward()
    assert all(p.grad is None for p in policy.networks[0].parameters())
    assert any(p.grad is not None for p in policy.networks[1].parameters())


def test_acts_on_the_observation_and_z():
    torch.manual_seed(0)
    policy = build()
    action, info = policy.get_action(np.zeros(OBS_DIM, dtype=np.float32))
    assert action.shape == (ACTION_DIM,)
    assert set(info) == {'mean', 'log_std'}
    actions, _ = policy.get_actions(np.zeros((5, OBS_DIM), dtype=np.float32))
    assert actions.shape == (5, ACTION_DIM)
    policy.deterministic = True
    first, info = policy.get_action(np.zeros(OBS_DIM, dtype=np.float32))
    np.testing.assert_array_equal(first, info['mean'])
    # a different z gives a different action
    policy.z = policy.z + 5.0
    second, _ = policy.get_action(np.zeros(OBS_DIM, dtype=np.float32))
    assert not np.array_equal(first, second)


def test_latent_dim_is_checked():
    with pytest.raises(ValueError, match='latent_dim'):
        ContextConditionedPolicy(0, torch.nn.Linear(1, 1), None, True, False)
