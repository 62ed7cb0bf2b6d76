import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage.sampler import Sampler, WorkerFactory


class RecordingSampler(Sampler):
    """The least a sampler implements: records what the base hands it."""

    def _start(self, agents, envs):
        self.started = (agents, envs)

    def _sample(self, collect, count, agent_updates, env_updates):
        self.sampled = (collect, count, agent_updates, env_updates)
        env = StepCountEnv(max_episode_length=count)
        worker = self._factory(0)
        worker.update_agent(TagPolicy(env.spec))
        worker.update_env(env)
        return [collect(worker, count)] * self._factory.n_workers

    def shutdown_worker(self):
        pass


class OriginalStyleSampler(Sampler):
    """A sampler written for the original garage: no hooks of the base."""

    def __init__(self, worker_factory, agents, envs):
        self.args = (worker_factory, agents, envs)

    def obtain_samples(self, itr, num_samples, agent_update, env_update=None):
        return num_samples

    def shutdown_worker(self):
        pass


def make(n_workers=2, **options):
    env = StepCountEnv()
    return RecordingSampler(
        TagPolicy(env.spec), env, max_episode_length=3, n_workers=n_workers, **options
    )


def test_is_abstract():
    with pytest.raises(TypeError, match='abstract'):
        Sampler(None, None, max_episode_length=3)


def test_starts_with_checked_messages():
    env = StepCountEnv()
    policies = [TagPolicy(env.spec, tag=1), TagPolicy(env.spec, tag=2)]
    sampler = RecordingSampler(policies, env, max_episode_length=3, n_workers=2)
    agents, envs = sampler.started
    assert (agents.messages, agents.shared) == (policies, False)
    assert (list(envs.messages), envs.shared) == ([env, env], True)
    with pytest.raises(TypeError, match=r'policies.*worker 0 is int'):
        RecordingSampler(3, env, max_episode_length=3, n_workers=2)
    # no agent until the first batch sends one, as the original's PEARL
    # examples build their samplers
    agents, _ = RecordingSampler(None, env, max_episode_length=3, n_workers=2).started
    assert list(agents.messages) == [None, None]
    with pytest.raises(ValueError, match='agents: got a list of 3'):
        RecordingSampler([policies[0]] * 3, env, max_episode_length=3, n_workers=2)


def test_from_worker_factory():
    factory = WorkerFactory(max_episode_length=3, n_workers=1)
    env = StepCountEnv()
    sampler = RecordingSampler.from_worker_factory(factory, TagPolicy(env.spec), env)
    assert sampler.worker_factory is factory


def test_start_worker_warns():
    sampler = make()
    with pytest.warns(DeprecationWarning, match='construct'):
        sampler.start_worker()


def test_obtain_samples_gives_each_worker_its_quota():
    sampler = make(n_workers=3)
    batch = sampler.obtain_samples(0, 10, {'tag': 1}, None)
    collect, count, agent_updates, env_updates = sampler.sampled
    assert (collect.__name__, count) == ('collect_samples', 4)
    assert (list(agent_updates.messages), agent_updates.shared) == (
        [{'tag': 1}] * 3,
        True,
    )
    assert (list(env_updates.messages), env_updates.shared) == ([None] * 3, True)
    # three batches of whole 3-step episodes, at least 4 steps each
    assert batch.lengths.tolist() == [3, 3] * 3


def test_obtain_exact_episodes_passes_the_count():
    sampler = make()
    env = StepCountEnv()
    sampler.obtain_exact_episodes(2.0, None, [env, None])
    collect, count, _, env_updates = sampler.sampled
    assert (collect.__name__, count) == ('collect_episodes', 2)
    assert type(count) is int
    assert (list(env_updates.messages), env_updates.shared) == ([env, None], False)


@pytest.mark.parametrize('n_eps', [0, -1, 1.5, True, 'two'])
def test_obtain_exact_episodes_rejects_bad_counts(n_eps):
    with pytest.raises(ValueError, match='n_eps_per_worker must be a positive'):
        make().obtain_exact_episodes(n_eps, None)


def test_updates_are_checked():
    sampler = make()
    env = StepCountEnv()
    with pytest.raises(TypeError, match='agent_update for worker 0'):
        sampler.obtain_samples(0, 4, 'policy')
    with pytest.raises(TypeError, match='env_update for worker 1'):
        sampler.obtain_samples(0, 4, None, [env, 'env'])
    with pytest.raises(ValueError, match='env_update: got a list of 1'):
        sampler.obtain_exact_episodes(1, None, [env])


def test_original_style_subclass_still_works():
    sampler = OriginalStyleSampler('factory', 'agents', 'envs')
    assert sampler.args == ('factory', 'agents', 'envs')
    assert sampler.obtain_samples(0, 5, None) == 5


def test_subclass_without_hooks_says_what_to_implement():
    class NoHooks(Sampler):
        def shutdown_worker(self):
            pass

    env = StepCountEnv()
    with pytest.raises(NotImplementedError, match=r'neither Sampler\._start'):
        NoHooks(TagPolicy(env.spec), env, max_episode_length=3, n_workers=1)


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
