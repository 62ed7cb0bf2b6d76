"""VPG: configuration, GAE with terminal, timeout and fragment endings,
entropy terms, diagnostics, and training through the Trainer."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from garage import EnvSpec, EpisodeBatch, StepType
from garage._dowel import tabular
from garage._legacy_gym import akro
from garage.experiment import SnapshotConfig
from garage.sampler import LocalSampler
from garage.torch.algos import VPG
from garage.torch.optimizers import OptimizerWrapper
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction, ValueFunction
from garage.trainer import Trainer

F, M, TERM, TIME = (StepType.FIRST, StepType.MID, StepType.TERMINAL, StepType.TIMEOUT)
SPEC = EnvSpec(
    akro.Box(-np.inf, np.inf, (1,)), akro.Box(-1, 1, (1,)), max_episode_length=10
)


class ObservationValue(ValueFunction):
    """V(s) = scale * s[0]."""

    def __init__(self, env_spec, scale=1.0):
        super().__init__(env_spec, 'ObservationValue')
        self.scale = nn.Parameter(torch.tensor(scale))

    def forward(self, obs):
        return self.scale * obs[:, 0]

    def compute_loss(self, obs, returns):
        return ((self(obs) - returns) ** 2).mean()


def make_batch(
    observations, rewards, step_types, lengths, last_observations, actions=None
):
    n = len(rewards)
    if actions is None:
        actions = np.zeros(n)
    return EpisodeBatch(
        env_spec=SPEC,
        episode_infos={},
        observations=np.asarray(observations, np.float32).reshape(n, 1),
        last_observations=np.asarray(last_observations, np.float32).reshape(-1, 1),
        actions=np.asarray(actions, np.float32).reshape(n, 1),
        rewards=np.asarray(rewards, np.float64),
        env_infos={},
        agent_infos={},
        step_types=np.asarray(step_types, np.int8),
        lengths=np.asarray(lengths),
    )


def make_vpg(value_scale=1.0, **kwargs):
    torch.manual_seed(0)
    policy = GaussianMLPPolicy(SPEC, hidden_sizes=(4,))
    return VPG(SPEC, policy, ObservationValue(SPEC, value_scale), None, **kwargs)


def advantages_of(algo, batch):
    return algo._compute_advantages(batch, torch.as_tensor(batch.observations))


@pytest.fixture
def clean_tabular():
    yield tabular
    tabular.mark_all()
    tabular.clear()


# V = 1, 2, 3 along the episode, rewards 1, and V(last observation) = 10.
EPISODE = dict(
    observations=[1, 2, 3], rewards=[1, 1, 1], lengths=[3], last_observations=[10]
)


class TestAdvantages:
    """discount 0.5, lambda 0.5: the advantages worked out by hand."""

    def test_terminal_ending_does_not_bootstrap(self):
        # deltas 1 + .5*2 - 1 = 1, 1 + .5*3 - 2 = .5, 1 + 0 - 3 = -2
        algo = make_vpg(discount=0.5, gae_lambda=0.5, center_adv=False)
        advantages, returns, values = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, TERM])
        )
        np.testing.assert_allclose(advantages, [1, 0, -2])
        np.testing.assert_allclose(values, [1, 2, 3])
        np.testing.assert_allclose(returns, [2, 2, 1])

    @pytest.mark.parametrize('last', [TIME, M])
    def test_timeout_and_fragment_endings_bootstrap(self, last):
        # the last delta is 1 + .5*10 - 3 = 3
        algo = make_vpg(discount=0.5, gae_lambda=0.5, center_adv=False)
        advantages, returns, _ = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, last])
        )
        np.testing.assert_allclose(advantages, [1.3125, 1.25, 3])
        np.testing.assert_allclose(returns, [2.3125, 3.25, 6])

    def test_episodes_do_not_leak_into_each_other(self):
        algo = make_vpg(discount=0.5, gae_lambda=0.5, center_adv=False)
        batch = make_batch(
            observations=[1, 2, 3, 1, 2, 3],
            rewards=[1] * 6,
            lengths=[3, 3],
            step_types=[F, M, TIME, F, M, TERM],
            last_observations=[10, 10],
        )
        advantages, _, _ = advantages_of(algo, batch)
        np.testing.assert_allclose(advantages, [1.3125, 1.25, 3, 1, 0, -2])

    def test_lambda_one_without_baseline_gives_discounted_returns(self):
        algo = make_vpg(value_scale=0.0, discount=0.5, gae_lambda=1, center_adv=False)
        advantages, returns, _ = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, TERM])
        )
        np.testing.assert_allclose(advantages, [1.75, 1.5, 1])
        np.testing.assert_allclose(returns, [1.75, 1.5, 1])

    def test_lambda_zero_gives_one_step_td_errors(self):
        algo = make_vpg(discount=0.5, gae_lambda=0, center_adv=False)
        advantages, _, _ = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, TIME])
        )
        np.testing.assert_allclose(advantages, [1, 0.5, 3])

    def test_center_adv_normalises(self):
        algo = make_vpg(discount=0.5, gae_lambda=0.5)
        advantages, returns, _ = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, TERM])
        )
        assert advantages.mean() == pytest.approx(0, abs=1e-7)
        assert advantages.std() == pytest.approx(1, abs=1e-6)
        np.testing.assert_allclose(returns, [2, 2, 1])

    def test_positive_adv_shifts_to_zero_minimum(self):
        algo = make_vpg(
            discount=0.5, gae_lambda=0.5, center_adv=False, positive_adv=True
        )
        advantages, _, _ = advantages_of(
            algo, make_batch(**EPISODE, step_types=[F, M, TERM])
        )
        np.testing.assert_allclose(advantages, [3, 2, 0])


class TestEntropy:
    def obs(self):
        return torch.tensor([[0.5], [-1.0]])

    def test_max_entropy_adds_the_entropy_to_the_rewards(self):
        algo = make_vpg(
            value_scale=0.0,
            discount=0.0,
            center_adv=False,
            entropy_method='max',
            policy_ent_coeff=0.1,
            stop_entropy_gradient=True,
        )
        batch = make_batch(
            observations=[0.5, -1],
            rewards=[1, 2],
            step_types=[F, TERM],
            lengths=[2],
            last_observations=[0],
        )
        entropy = algo.policy(self.obs())[0].entropy().detach().numpy()
        advantages, _, _ = advantages_of(algo, batch)
        np.testing.assert_allclose(advantages, [1, 2] + 0.1 * entropy, rtol=1e-6)

    def test_regularized_entropy_joins_the_objective(self):
        algo = make_vpg(entropy_method='regularized', policy_ent_coeff=0.1)
        obs, actions = self.obs(), torch.tensor([[0.2], [-0.3]])
        advantages = torch.tensor([1.0, -2.0])
        loss = algo._compute_loss(obs, actions, advantages, torch.zeros(2))
        dist = algo.policy(obs)[0]
        expected = -(dist.log_prob(actions) * advantages + 0.1 * dist.entropy()).mean()
        assert loss.item() == pytest.approx(expected.item())

    def test_no_entropy_leaves_the_objective_alone(self):
        algo = make_vpg()
        obs, actions = self.obs(), torch.tensor([[0.2], [-0.3]])
        advantages = torch.tensor([1.0, -2.0])
        loss = algo._compute_loss(obs, actions, advantages, torch.zeros(2))
        dist = algo.policy(obs)[0]
        expected = -(dist.log_prob(actions) * advantages).mean()
        assert loss.item() == pytest.approx(expected.item())

    @pytest.mark.parametrize('stop', [True, False])
    def test_stop_entropy_gradient(self, stop):
        algo = make_vpg(
            entropy_method='regularized',
            policy_ent_coeff=1.0,
            stop_entropy_gradient=stop,
        )
        loss = algo._compute_loss(
            self.obs(), torch.zeros(2, 1), torch.zeros(2), torch.zeros(2)
        )
        loss.backward()
        grads = [p.grad for p in algo.policy.parameters()]
        if stop:
            assert all(g is None or not g.any() for g in grads)
        else:
            assert any(g is not None and g.any() for g in grads)

    def test_softplus_entropy(self):
        algo = make_vpg(use_softplus_entropy=True)
        dist = algo.policy(self.obs())[0]
        np.testing.assert_allclose(
            algo._compute_policy_entropy(dist).detach(),
            torch.nn.functional.softplus(dist.entropy()).detach(),
        )


class TestConfiguration:
    def test_exposes_what_the_trainer_reads(self):
        sampler = object()
        policy = GaussianMLPPolicy(SPEC)
        algo = VPG(SPEC, policy, ObservationValue(SPEC), sampler, discount=0.9)
        assert algo.policy is policy
        assert algo.sampler is sampler
        assert algo._sampler is sampler
        assert algo.max_episode_length == 10
        assert algo.discount == 0.9

    @pytest.mark.parametrize(
        ('kwargs', 'match'),
        [
            (dict(discount=1.5), r'discount must be a number in \[0, 1\], got 1.5'),
            (dict(gae_lambda=-0.1), 'gae_lambda must be a number in .*, got -0.1'),
            (
                dict(num_train_per_epoch=0),
                'num_train_per_epoch must be a positive integer, got 0',
            ),
            (dict(num_train_per_epoch=1.5), 'num_train_per_epoch must be .*, got 1.5'),
            (
                dict(entropy_method='maximum'),
                "entropy_method must be one of .*, got 'maximum'",
            ),
            (
                dict(entropy_method='max', stop_entropy_gradient=True),
                'center_adv must be False',
            ),
            (
                dict(entropy_method='max', center_adv=False),
                'stop_entropy_gradient must be True',
            ),
            (dict(policy_ent_coeff=0.1), 'policy_ent_coeff=0.1 must be 0'),
            (dict(max_grad_norm=0), 'max_grad_norm must be a number in .*, got 0'),
        ],
    )
    def test_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            make_vpg(**kwargs)

    def test_whole_floats_are_integers(self):
        algo = make_vpg(num_train_per_epoch=2.0)
        assert algo._n_samples == 2
        assert isinstance(algo._n_samples, int)

    def test_wrong_types_are_type_errors(self):
        with pytest.raises(TypeError, match='num_train_per_epoch'):
            make_vpg(num_train_per_epoch=True)
        with pytest.raises(TypeError, match='discount'):
            make_vpg(discount='0.9')

    def test_optimizer_must_be_wrapped(self):
        policy = GaussianMLPPolicy(SPEC)
        with pytest.raises(TypeError, match='OptimizerWrapper'):
            VPG(
                SPEC,
                policy,
                ObservationValue(SPEC),
                None,
                policy_optimizer=torch.optim.Adam(policy.parameters()),
            )

    def test_default_optimizers_take_one_full_batch_step(self):
        algo = make_vpg()
        for optimizer in (algo._policy_optimizer, algo._vf_optimizer):
            assert isinstance(optimizer.optimizer, torch.optim.Adam)
            assert optimizer.optimizer.defaults['lr'] == 1e-3
            data = torch.arange(10)
            assert [len(b[0]) for b in optimizer.get_minibatch(data)] == [10]


@pytest.mark.parametrize('max_grad_norm', [None, 0.5])
def test_max_grad_norm_clips_both_gradients(max_grad_norm):
    algo = make_vpg(max_grad_norm=max_grad_norm)
    obs, actions = torch.tensor([[1.0], [2.0]]), torch.tensor([[3.0], [-3.0]])
    norms = []

    def record_norm(module):
        def step():
            norms.append(
                torch.linalg.vector_norm(
                    torch.cat([p.grad.flatten() for p in module.parameters()])
                ).item()
            )

        return step

    algo._policy_optimizer.optimizer.step = record_norm(algo.policy)
    algo._vf_optimizer.optimizer.step = record_norm(algo._value_function)
    algo._train_policy(obs, actions, torch.tensor([100.0, -100.0]), torch.zeros(2))
    algo._train_value_function(obs, torch.tensor([100.0, -100.0]))
    if max_grad_norm is None:
        assert min(norms) > 1
    else:
        assert norms == pytest.approx([0.5, 0.5])


class TestTrainOnce:
    def test_records_diagnostics_and_returns_ended_episodes(self, clean_tabular):
        algo = make_vpg(discount=0.9)
        batch = make_batch(
            observations=[1, 2, 3, 1, 2],
            rewards=[1] * 5,
            step_types=[F, M, TERM, F, M],
            lengths=[3, 2],
            last_observations=[4, 3],
            actions=[0.1, -0.2, 0.3, 0, 0.5],
        )
        returns = algo._train_once(0, batch)
        np.testing.assert_allclose(returns, [3])  # the fragment has not ended
        recorded = clean_tabular.as_dict
        for key in ('LossBefore', 'LossAfter', 'dLoss', 'KLBefore', 'KL', 'Entropy'):
            assert math.isfinite(recorded[f'GaussianMLPPolicy/{key}'])
        for key in ('LossBefore', 'LossAfter', 'dLoss', 'ExplainedVariance'):
            assert math.isfinite(recorded[f'ObservationValue/{key}'])
        assert recorded['GaussianMLPPolicy/KLBefore'] == 0
        assert recorded['GaussianMLPPolicy/KL'] > 0

    def test_an_update_lowers_the_loss_on_its_batch(self, clean_tabular):
        algo = make_vpg(discount=0.9)
        batch = make_batch(
            observations=[1, 2, 3],
            rewards=[1, 0, 2],
            step_types=[F, M, TERM],
            lengths=[3],
            last_observations=[4],
            actions=[0.5, -0.5, 0.9],
        )
        algo._train_once(0, batch)
        recorded = clean_tabular.as_dict
        assert (
            recorded['GaussianMLPPolicy/LossAfter']
            < recorded['GaussianMLPPolicy/LossBefore']
        )
        assert (
            recorded['ObservationValue/LossAfter']
            < recorded['ObservationValue/LossBefore']
        )

    def test_old_policy_follows_the_policy(self, clean_tabular):
        algo = make_vpg()
        batch = make_batch(**EPISODE, step_types=[F, M, TERM], actions=[0.5, -0.5, 0.9])
        algo._train_once(0, batch)
        for new, old in zip(
            algo.policy.parameters(), algo._old_policy.parameters(), strict=True
        ):
            assert torch.equal(new, old)


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
def test_trains_through_the_trainer(tmp_path):
    from fixtures.envs import DummyBoxEnv

    env = DummyBoxEnv(max_episode_length=5)
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    sampler = LocalSampler(policy, env, max_episode_length=5, n_workers=1, seed=1)
    algo = VPG(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(4,)),
        sampler,
        policy_optimizer=OptimizerWrapper(torch.optim.Adam, policy),
        num_train_per_epoch=2,
    )
    trainer = Trainer(
        SnapshotConfig(snapshot_dir=str(tmp_path), snapshot_mode='none', snapshot_gap=1)
    )
    trainer.setup(algo, env)
    assert trainer.train(n_epochs=2, batch_size=10, progress=False) == 5.0
    assert trainer.step_itr == 4
    assert trainer.total_env_steps == 40
