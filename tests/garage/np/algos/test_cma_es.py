"""CMAES: the ask/tell wiring to cma, determinism and resume."""

import cma
import numpy as np
import pytest

from fixtures.experts import LinearPolicy
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.np.algos import CMAES
from garage.sampler import LocalSampler
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


@pytest.fixture(name='env')
def cartpole():
    return GymEnv('CartPole-v1')


def make_cmaes(env, policy=None, **kwargs):
    policy = LinearPolicy(env.spec) if policy is None else policy
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=1
    )
    kwargs.setdefault('n_samples', 4)
    return CMAES(env.spec, policy, sampler, **kwargs)


class FakeES:
    """Records what CMAES asks and tells."""

    instances: list['FakeES'] = []

    def __init__(self, x0, sigma0, options):
        self.x0, self.sigma0, self.options = np.array(x0), sigma0, options
        self.told = []
        self.best = type('Best', (), {'x': np.full(len(x0), 7.0)})()
        FakeES.instances.append(self)

    def ask(self):
        n = self.options['popsize']
        return [np.full(len(self.x0), float(i)) for i in range(n)]

    def tell(self, solutions, fitness):
        self.told.append((np.array(solutions), list(fitness)))


def test_asks_tells_negated_returns_and_keeps_the_best(env, tmp_path, monkeypatch):
    monkeypatch.setattr(cma, 'CMAEvolutionStrategy', FakeES)
    FakeES.instances.clear()
    policy = LinearPolicy(env.spec, [0.1, 0.2, 0.3, 0.4, 0.5])
    algo = make_cmaes(env, policy, n_samples=3, sigma0=0.7)
    sent = []
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    obtain = trainer.obtain_episodes

    def recording(itr, batch_size=None, agent_update=None, env_update=None):
        sent.append(agent_update.copy())
        return obtain(itr, batch_size, agent_update, env_update)

    trainer.obtain_episodes = recording
    result = trainer.train(n_epochs=2, batch_size=1, progress=False)

    (es,) = FakeES.instances
    np.testing.assert_array_equal(es.x0, [0.1, 0.2, 0.3, 0.4, 0.5])
    assert es.sigma0 == 0.7
    assert es.options['popsize'] == 3
    assert np.isnan(es.options['seed'])  # NumPy's global state is not reseeded
    assert es.options['verb_log'] == 0
    assert len(es.told) == 2
    # each asked vector was sampled, in order, and told its negated return
    np.testing.assert_array_equal(np.array(sent[:3]), es.told[0][0])
    _, fitness = es.told[1]
    returns = trainer.last_record.returns
    np.testing.assert_array_equal(fitness, -returns)
    assert result == returns.max()
    np.testing.assert_array_equal(policy.params, np.full(5, 7.0))


def test_same_seed_same_search_and_no_reseeding(env):
    def first_candidates(seed):
        deterministic.set_seed(seed)
        algo = make_cmaes(env, n_samples=5)
        candidates = algo._candidates(0)
        return candidates, np.random.get_state()[1].copy()

    a, state_a = first_candidates(1)
    b, state_b = first_candidates(1)
    c, _ = first_candidates(2)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(state_a, state_b)
    assert not np.array_equal(a, c)
    assert a.shape == (5, 5)


def test_resumes_exactly(tmp_path):
    def run(n_epochs, resume_from=None):
        deterministic.set_seed(6)
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'all', 1))
        if resume_from is None:
            env = GymEnv('CartPole-v1')
            trainer.setup(make_cmaes(env), env)
            result = trainer.train(n_epochs=n_epochs, batch_size=1, progress=False)
        else:
            trainer.restore(tmp_path, resume_from)
            result = trainer.resume(n_epochs=n_epochs)
        return trainer._algo, result

    algo, result = run(4)
    resumed, resumed_result = run(4, resume_from=1)
    assert resumed_result == result
    np.testing.assert_array_equal(resumed._es.mean, algo._es.mean)
    np.testing.assert_array_equal(resumed.policy.params, algo.policy.params)


@pytest.mark.parametrize(
    ('kwargs', 'match'),
    [
        (dict(n_samples=1), 'n_samples must be at least 2'),
        (dict(n_samples=0), 'n_samples'),
        (dict(sigma0=0), 'sigma0'),
        (dict(discount=-1), 'discount'),
    ],
)
def test_rejects_bad_arguments(env, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_cmaes(env, **kwargs)
