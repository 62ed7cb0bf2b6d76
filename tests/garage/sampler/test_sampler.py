import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage.sampler import Sampler, WorkerFactory


class ListSampler(Sampler):
    """The least a sampler implements, to test the base class."""

    def __init__(self, agents, envs, *, worker_factory):
        self.args = (agents, envs, worker_factory)

    def obtain_samples(self, itr, num_samples, agent_update, env_update=None):
        del itr, agent_update, env_update
        return num_samples

    def obtain_exact_episodes(self, n_eps_per_worker, agent_update, env_update=None):
        del agent_update, env_update
        return n_eps_per_worker

    def shutdown_worker(self):
        pass


def test_is_abstract():
    with pytest.raises(TypeError, match='abstract'):
        Sampler()


def test_from_worker_factory():
    factory = WorkerFactory(max_episode_length=3, n_workers=1)
    sampler = ListSampler.from_worker_factory(factory, 'agent', 'env')
    assert sampler.args == ('agent', 'env', factory)


def test_start_worker_warns():
    sampler = ListSampler(None, None, worker_factory=None)
    with pytest.warns(DeprecationWarning, match='construct'):
        sampler.start_worker()


@pytest.mark.parametrize(
    ('num_samples', 'n_workers', 'quota'), [(10, 3, 4), (9, 3, 3), (1, 4, 1), (8, 1, 8)]
)
def test_steps_per_worker(num_samples, n_workers, quota):
    assert Sampler._steps_per_worker(num_samples, n_workers) == quota


def test_steps_per_worker_rejects_bad_counts():
    with pytest.raises(
        ValueError, match='num_samples must be a positive integer, got 0'
    ):
        Sampler._steps_per_worker(0, 2)


def test_update_messages():
    factory = WorkerFactory(max_episode_length=3, n_workers=2)
    env = StepCountEnv()
    agents, envs = Sampler._update_messages(factory, {'tag': 1}, [env, None])
    assert agents == [{'tag': 1}] * 2
    assert envs == [env, None]
    with pytest.raises(TypeError, match='agent_update for worker 0'):
        Sampler._update_messages(factory, 'policy', None)
    with pytest.raises(TypeError, match='env_update for worker 1'):
        Sampler._update_messages(factory, None, [env, 'env'])
    with pytest.raises(ValueError, match='env_update: got a list of 1'):
        Sampler._update_messages(factory, None, [env])


def test_initial_messages():
    factory = WorkerFactory(max_episode_length=3, n_workers=2)
    env = StepCountEnv()
    policy = TagPolicy(env.spec)
    agents, envs = Sampler._initial_messages(factory, policy, env)
    assert agents == [policy, policy]
    assert envs == [env, env]
    with pytest.raises(TypeError, match=r'policies.*worker 0 is NoneType'):
        Sampler._initial_messages(factory, None, env)
    with pytest.raises(ValueError, match='agents: got a list of 3'):
        Sampler._initial_messages(factory, [policy] * 3, env)
