"""TRPO: the surrogate, the KL constraint, the line search."""

import numpy as np
import pytest
import torch

from garage import EnvSpec, EpisodeBatch, StepType
from garage._dowel import tabular
from garage._legacy_gym import akro
from garage.torch.algos import TRPO
from garage.torch.optimizers import ConjugateGradientOptimizer, OptimizerWrapper
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction

SPEC = EnvSpec(
    akro.Box(-np.inf, np.inf, (2,)), akro.Box(-1, 1, (1,)), max_episode_length=20
)


def make_trpo(**kwargs):
    torch.manual_seed(0)
    policy = GaussianMLPPolicy(SPEC, hidden_sizes=(8,))
    return TRPO(
        SPEC, policy, GaussianMLPValueFunction(SPEC, hidden_sizes=(8,)), None, **kwargs
    )


def make_batch(n=20, seed=0):
    rng = np.random.default_rng(seed)
    step_types = np.full(n, StepType.MID, np.int8)
    step_types[0] = StepType.FIRST
    step_types[-1] = StepType.TERMINAL
    return EpisodeBatch(
        env_spec=SPEC,
        episode_infos={},
        observations=rng.normal(size=(n, 2)).astype(np.float32),
        last_observations=np.zeros((1, 2), np.float32),
        actions=rng.normal(size=(n, 1)).astype(np.float32),
        rewards=rng.normal(size=n) * 10,
        env_infos={},
        agent_infos={},
        step_types=step_types,
        lengths=np.asarray([n]),
    )


@pytest.fixture
def recorded():
    yield tabular.as_dict
    tabular.mark_all()
    tabular.clear()


def test_surrogate_is_the_likelihood_ratio_times_the_advantage():
    algo = make_trpo()
    objective = algo._compute_objective(
        torch.tensor([0.0, np.log(2)]), torch.zeros(2), torch.tensor([3.0, -1.0])
    )
    np.testing.assert_allclose(objective, [3, -2], rtol=1e-6)


@pytest.mark.parametrize('max_kl_step', [0.01, 0.001])
def test_the_step_keeps_within_max_kl_step(max_kl_step, recorded):
    algo = make_trpo(max_kl_step=max_kl_step)
    algo._train_once(0, make_batch())
    assert recorded['GaussianMLPPolicy/LineSearchAccepted'] == 1.0
    assert 0 < recorded['GaussianMLPPolicy/KL'] <= max_kl_step
    assert (
        recorded['GaussianMLPPolicy/LossAfter']
        < recorded['GaussianMLPPolicy/LossBefore']
    )
    assert recorded['GaussianMLPPolicy/LineSearchBacktracks'] >= 0


def test_the_constraint_is_the_kl_from_the_sampling_policy(recorded):
    algo = make_trpo()
    optimizer = algo._policy_optimizer.optimizer
    constraints = []
    step = optimizer.step

    def spy(f_loss, f_constraint):
        constraints.append(f_constraint().item())
        step(f_loss, f_constraint)
        constraints.append(f_constraint().item())

    optimizer.step = spy
    algo._train_once(0, make_batch())
    before, after = constraints
    assert before == pytest.approx(0, abs=1e-7)
    assert after == pytest.approx(recorded['GaussianMLPPolicy/KL'], rel=1e-5)
    assert 0 < after <= 0.01


def test_default_optimizers():
    algo = make_trpo()
    optimizer = algo._policy_optimizer.optimizer
    assert isinstance(optimizer, ConjugateGradientOptimizer)
    assert optimizer.defaults['max_constraint_value'] == 0.01
    assert algo._vf_optimizer.optimizer.defaults['lr'] == 2.5e-4
    assert algo._gae_lambda == 0.98


def test_bad_input():
    policy = GaussianMLPPolicy(SPEC)
    with pytest.raises(
        ValueError, match=r'max_kl_step must be a number in \(0, inf\], got 0'
    ):
        make_trpo(max_kl_step=0)
    with pytest.raises(
        ValueError, match=r'both max_kl_step=0\.1 and a policy_optimizer'
    ):
        make_trpo(
            max_kl_step=0.1,
            policy_optimizer=OptimizerWrapper(
                (ConjugateGradientOptimizer, dict(max_constraint_value=0.1)), policy
            ),
        )
    with pytest.raises(ValueError, match='wraps Adam'):
        make_trpo(policy_optimizer=OptimizerWrapper(torch.optim.Adam, policy))
