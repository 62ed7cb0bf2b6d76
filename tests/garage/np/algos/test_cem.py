"""CEM: sampling, elite selection, the std update, training and resume."""

import numpy as np
import pytest
import torch

from fixtures.experts import LinearPolicy
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.np.algos import CEM
from garage.np.policies import ParameterFreePolicy
from garage.sampler import LocalSampler
from garage.torch.policies import CategoricalMLPPolicy
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


@pytest.fixture(name='env')
def cartpole():
    return GymEnv('CartPole-v1')


def make_cem(env, policy=None, **kwargs):
    policy = LinearPolicy(env.spec) if policy is None else policy
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=1
    )
    kwargs.setdefault('n_samples', 4)
    kwargs.setdefault('best_frac', 0.25)
    return CEM(env.spec, policy, sampler, **kwargs)


def test_first_epoch_tries_the_initial_parameters_first(env, monkeypatch):
    policy = LinearPolicy(env.spec, [1, 2, 3, 4, 5])
    algo = make_cem(env, policy, init_std=0.5, extra_std=0.0)
    monkeypatch.setattr(np.random, 'standard_normal', lambda size: np.ones(size))
    candidates = algo._candidates(0)
    assert candidates.shape == (4, 5)
    np.testing.assert_array_equal(candidates[0], [1, 2, 3, 4, 5])
    np.testing.assert_allclose(
        candidates[1:], np.tile([1.5, 2.5, 3.5, 4.5, 5.5], (3, 1))
    )
    # later epochs sample all of them
    assert algo._candidates(1).shape == (4, 5)


def test_extra_std_decays_linearly_over_extra_decay_time_epochs(env, monkeypatch):
    algo = make_cem(env, init_std=0.0, extra_std=2.0, extra_decay_time=4)
    monkeypatch.setattr(np.random, 'standard_normal', lambda size: np.ones(size))
    algo._candidates(0)  # takes the initial mean, zeros
    for epoch, std in [(0, 2.0), (2, 2.0 * np.sqrt(0.5)), (4, 0.0), (9, 0.0)]:
        np.testing.assert_allclose(algo._candidates(epoch), np.full((4, 5), std))
    algo._cur_std = np.array([3.0, 0, 0, 0, 0])
    np.testing.assert_allclose(
        algo._candidates(2)[0],
        [np.sqrt(9 + 2), np.sqrt(2), np.sqrt(2), np.sqrt(2), np.sqrt(2)],
    )


def test_update_fits_the_elite_and_sets_the_policy_to_its_mean(env):
    policy = LinearPolicy(env.spec)
    algo = make_cem(env, policy, n_samples=10, best_frac=0.3)
    candidates = np.arange(50, dtype=float).reshape(10, 5)
    scores = np.array([5, 1, 9, 3, 8, 0, 2, 7, 4, 6], dtype=float)
    algo._update(candidates, scores)
    elite = candidates[[2, 4, 7]]
    np.testing.assert_array_equal(algo._cur_mean, elite.mean(axis=0))
    np.testing.assert_array_equal(algo._cur_std, elite.std(axis=0))
    np.testing.assert_array_equal(policy.params, elite.mean(axis=0))


def test_one_elite_gives_zero_std(env):
    algo = make_cem(env, n_samples=20, best_frac=0.05)  # one vector
    candidates = np.random.standard_normal((20, 5))
    scores = np.arange(20.0)
    algo._update(candidates, scores)
    np.testing.assert_array_equal(algo._cur_mean, candidates[19])
    np.testing.assert_array_equal(algo._cur_std, np.zeros(5))


def train(algo, env, tmp_path, n_epochs, batch_size=1, mode='last'):
    trainer = Trainer(SnapshotConfig(str(tmp_path), mode, 1))
    trainer.setup(algo, env)
    return trainer, trainer.train(
        n_epochs=n_epochs, batch_size=batch_size, progress=False
    )


def test_trains_a_torch_policy_one_batch_per_vector(env, tmp_path):
    deterministic.set_seed(3)
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
    algo = make_cem(env, policy, n_samples=4, best_frac=0.25)
    scored = []
    update = algo._update

    def recording_update(candidates, scores):
        scored.append((candidates.copy(), scores.copy()))
        update(candidates, scores)

    algo._update = recording_update
    trainer, result = train(algo, env, tmp_path, n_epochs=2)
    assert trainer.step_itr == 8
    assert len(scored) == 2
    # batch_size 1: one whole episode per vector, so 4 episodes per epoch
    assert len(trainer.last_record.returns) == 4
    candidates, scores = scored[-1]
    assert result == scores.max()
    np.testing.assert_array_equal(sorted(trainer.last_record.returns), sorted(scores))
    best = candidates[scores.argmax()]
    flat = torch.cat([p.detach().reshape(-1) for p in policy.state_dict().values()])
    np.testing.assert_allclose(flat.numpy(), best, rtol=1e-6)


def test_resumes_exactly(env, tmp_path):
    def run(n_epochs, resume_from=None):
        deterministic.set_seed(5)
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'all', 1))
        if resume_from is None:
            trainer.setup(make_cem(GymEnv('CartPole-v1')), GymEnv('CartPole-v1'))
            result = trainer.train(n_epochs=n_epochs, batch_size=1, progress=False)
        else:
            trainer.restore(tmp_path, resume_from)
            result = trainer.resume(n_epochs=n_epochs)
        return trainer._algo, result

    algo, result = run(4)
    resumed, resumed_result = run(4, resume_from=1)
    assert resumed_result == result
    np.testing.assert_array_equal(resumed._cur_mean, algo._cur_mean)
    np.testing.assert_array_equal(resumed._cur_std, algo._cur_std)
    np.testing.assert_array_equal(resumed.policy.params, algo.policy.params)


@pytest.mark.parametrize(
    ('kwargs', 'match'),
    [
        (dict(n_samples=0), 'n_samples'),
        (
            dict(n_samples=10, best_frac=0.05),
            r'n_samples \* best_frac must be at least 1.*n_samples=10',
        ),
        (dict(best_frac=0.0), 'best_frac'),
        (dict(best_frac=1.5), 'best_frac'),
        (dict(init_std=-1), 'init_std'),
        (dict(extra_std=-0.1), 'extra_std'),
        (dict(extra_decay_time=0), 'extra_decay_time'),
        (dict(discount=1.5), 'discount'),
    ],
)
def test_rejects_bad_arguments(env, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_cem(env, **kwargs)


def test_rejects_a_policy_without_parameter_vector(env):
    class NoParams(ParameterFreePolicy):
        env_spec = env.spec

        def get_action(self, observation):
            return 0, {}

        def get_actions(self, observations):
            return np.zeros(len(observations), dtype=np.int64), {}

    with pytest.raises(TypeError, match='NoParams gives its parameters as tuple'):
        make_cem(env, NoParams())
