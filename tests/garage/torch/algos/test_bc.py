"""BC: both losses, both sources, resume and argument checks."""

import pickle

import numpy as np
import pytest
import torch

from fixtures.experts import BalancingPolicy, GoalPolicy
from garage import EpisodeBatch, rollout
from garage.envs import GymEnv, PointEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import BC
from garage.torch.algos.bc import _Cycle
from garage.torch.policies import (
    CategoricalMLPPolicy,
    DeterministicMLPPolicy,
    GaussianMLPPolicy,
)
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def point_env():
    return PointEnv(goal=(1.0, 1.0), max_episode_length=30)


def expert_episodes(env, expert, n):
    return EpisodeBatch.from_list(
        env.spec, [rollout(env, expert, max_episode_length=30) for _ in range(n)]
    )


def train(algo, env, tmp_path, n_epochs, mode='none'):
    trainer = Trainer(SnapshotConfig(str(tmp_path), mode, 1))
    trainer.setup(algo, env)
    result = trainer.train(n_epochs=n_epochs, batch_size=100, progress=False)
    return trainer, result


def losses(algo, observations, actions):
    with torch.no_grad():
        return algo._compute_loss(
            torch.as_tensor(observations, dtype=torch.float32),
            torch.as_tensor(actions, dtype=torch.float32),
        ).item()


def test_log_prob_from_an_expert_policy_learns_cartpole(tmp_path):
    deterministic.set_seed(1)
    env = GymEnv('CartPole-v1')
    expert = BalancingPolicy(env.spec)
    learner = CategoricalMLPPolicy(env.spec, hidden_sizes=(16,))
    sampler = LocalSampler(expert, env, max_episode_length=500, n_workers=1)
    algo = BC(
        env.spec,
        learner,
        batch_size=500,
        source=expert,
        sampler=sampler,
        policy_lr=1e-2,
        num_evaluation_episodes=2,
    )
    assert algo.exploration_policy is expert
    assert algo.policy is learner
    trainer, result = train(algo, env, tmp_path, n_epochs=6)
    assert trainer.total_env_steps >= 6 * 500  # the expert was sampled
    assert trainer.last_record.evaluation_return == result
    assert result >= 400  # the expert returns 500


def test_mse_with_a_deterministic_learner_from_stored_episodes(tmp_path):
    deterministic.set_seed(2)
    env = point_env()
    episodes = expert_episodes(env, GoalPolicy(env.spec), 4)
    learner = DeterministicMLPPolicy(env.spec, hidden_sizes=(32,))
    algo = BC(
        env.spec,
        learner,
        batch_size=100,
        source=[episodes],
        loss='mse',
        policy_lr=1e-2,
        num_evaluation_episodes=1,
    )
    before = losses(algo, episodes.observations, episodes.actions)
    trainer, _ = train(algo, env, tmp_path, n_epochs=20)
    after = losses(algo, episodes.observations, episodes.actions)
    assert trainer.total_env_steps == 0  # nothing was sampled
    assert after < before / 10


def test_mse_with_a_stochastic_learner_samples_with_rsample():
    env = point_env()
    learner = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    algo = BC(env.spec, learner, batch_size=10, source=[], loss='mse')
    observations = torch.zeros((5, 3))
    actions = torch.ones((5, 2))
    loss = algo._compute_loss(observations, actions)
    loss.backward()
    assert loss.item() > 0
    assert all(p.grad is not None for p in learner.parameters())


def test_log_prob_loss_is_the_negative_log_likelihood():
    env = point_env()
    learner = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    algo = BC(env.spec, learner, batch_size=10, source=[])
    observations = torch.randn((6, 3))
    actions = torch.randn((6, 2))
    with torch.no_grad():
        expected = -learner(observations)[0].log_prob(actions).mean()
        assert algo._compute_loss(observations, actions).item() == pytest.approx(
            expected.item()
        )


def test_a_generator_source_is_cycled_and_batches_fill_batch_size():
    env = point_env()
    episodes = [expert_episodes(env, GoalPolicy(env.spec), 1) for _ in range(3)]
    taken = []

    def generator():
        for batch in episodes:
            taken.append(batch)
            yield batch

    algo = BC(
        env.spec,
        DeterministicMLPPolicy(env.spec, hidden_sizes=(4,)),
        batch_size=2 * len(episodes[0].actions) + 1,
        source=generator(),
        loss='mse',
    )
    observations, actions = algo._obtain_samples(None, 0)
    assert len(actions) == 3 * len(episodes[0].actions)  # three batches
    observations, actions = algo._obtain_samples(None, 1)  # cycles round
    np.testing.assert_array_equal(
        observations, np.concatenate([e.observations for e in episodes])
    )
    assert len(taken) == 3


def test_the_cycle_pickles_with_the_batches_taken():
    cycle = _Cycle(iter(range(3)) for _ in [0])  # a generator of one iterator
    with pytest.raises(TypeError, match='EpisodeBatch or TimeStepBatch'):
        next(cycle)
    env = point_env()
    batches = [expert_episodes(env, GoalPolicy(env.spec), 1) for _ in range(3)]
    cycle = _Cycle(b for b in batches)
    assert next(cycle) is batches[0]
    restored = pickle.loads(pickle.dumps(cycle))
    # the generator cannot be pickled: the restored cycle goes round what
    # was taken
    assert next(restored).rewards.tolist() == batches[0].rewards.tolist()
    assert [next(cycle) for _ in range(4)] == [batches[1], batches[2], *batches[:2]]
    with pytest.raises(ValueError, match='no batch'):
        next(_Cycle([]))


def test_resumes_exactly_with_stored_episodes(tmp_path):
    env = point_env()
    deterministic.set_seed(0)
    episodes = expert_episodes(env, GoalPolicy(env.spec), 3)

    def run(n_epochs, resume_from=None):
        deterministic.set_seed(7)
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'all', 1))
        if resume_from is None:
            learner = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
            algo = BC(
                env.spec,
                learner,
                batch_size=40,
                source=[episodes],
                num_evaluation_episodes=1,
            )
            trainer.setup(algo, env)
            result = trainer.train(n_epochs=n_epochs, batch_size=1, progress=False)
        else:
            trainer.restore(tmp_path, resume_from)
            result = trainer.resume(n_epochs=n_epochs)
        return trainer._algo, result

    algo, result = run(3)
    resumed, resumed_result = run(3, resume_from=0)
    assert resumed_result == result
    for p, q in zip(
        algo.learner.parameters(), resumed.learner.parameters(), strict=True
    ):
        torch.testing.assert_close(p, q, rtol=0, atol=0)


def test_rejects_bad_arguments():
    env = point_env()
    learner = GaussianMLPPolicy(env.spec, hidden_sizes=(4,))
    deterministic_learner = DeterministicMLPPolicy(env.spec, hidden_sizes=(4,))
    expert = GoalPolicy(env.spec)
    with pytest.raises(ValueError, match="loss must be one of 'log_prob', 'mse'"):
        BC(env.spec, learner, batch_size=1, source=[], loss='l1')
    with pytest.raises(ValueError, match="log_prob' needs a StochasticPolicy"):
        BC(env.spec, deterministic_learner, batch_size=1, source=[])
    with pytest.raises(TypeError, match='needs a sampler'):
        BC(env.spec, learner, batch_size=1, source=expert)
    with pytest.raises(TypeError, match='source must be a policy or an iterable'):
        BC(env.spec, learner, batch_size=1)
    with pytest.raises(TypeError, match='learner must be a Policy'):
        BC(env.spec, expert, batch_size=1, source=[])
    with pytest.raises(ValueError, match='batch_size'):
        BC(env.spec, learner, batch_size=0, source=[])
    with pytest.raises(ValueError, match='minibatches_per_epoch'):
        BC(env.spec, learner, batch_size=1, source=[], minibatches_per_epoch=0)


def test_mse_refuses_a_distribution_without_rsample():
    env = GymEnv('CartPole-v1')
    learner = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
    algo = BC(env.spec, learner, batch_size=1, source=[], loss='mse')
    with pytest.raises(ValueError, match="loss='mse' needs a deterministic learner"):
        algo._compute_loss(torch.zeros((2, 4)), torch.zeros(2))
