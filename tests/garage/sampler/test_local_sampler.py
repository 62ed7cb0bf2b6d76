import pickle

import cloudpickle
import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage.envs import GymEnv, PointEnv
from garage.experiment import deterministic
from garage.sampler import LocalSampler, VecWorker, WorkerFactory
from garage.torch.policies import CategoricalMLPPolicy


@pytest.fixture(autouse=True)
def no_global_seed(monkeypatch):
    monkeypatch.setattr(deterministic, '_seed', None)


def factory(**options):
    options.setdefault('max_episode_length', 5)
    options.setdefault('n_workers', 2)
    options.setdefault('seed', 1)
    return WorkerFactory(**options)


def tags(batch):
    return batch.agent_infos['tag'][np.cumsum(batch.lengths) - 1].tolist()


class TestConstruction:
    def test_forms_agree(self):
        env = PointEnv()
        policy = TagPolicy(env.spec)
        samplers = [
            LocalSampler(policy, env, max_episode_length=5, n_workers=2, seed=1),
            LocalSampler(agents=policy, envs=env, worker_factory=factory()),
            LocalSampler(factory(), policy, env),
            LocalSampler.from_worker_factory(factory(), policy, env),
        ]
        batches = [s.obtain_samples(0, 10, None) for s in samplers]
        for batch in batches[1:]:
            np.testing.assert_array_equal(batch.actions, batches[0].actions)

    def test_options_reach_the_factory(self):
        env = PointEnv()
        sampler = LocalSampler(
            TagPolicy(env.spec),
            env,
            max_episode_length=4,
            n_workers=3,
            seed=2,
            worker_class=VecWorker,
            worker_args={'n_envs': 2},
        )
        wf = sampler.worker_factory
        assert (
            wf.max_episode_length,
            wf.n_workers,
            wf.seed,
            wf.worker_class,
            wf.worker_args,
        ) == (4, 3, 2, VecWorker, {'n_envs': 2})
        assert len(sampler.obtain_exact_episodes(1, None).lengths) == 3

    def test_no_max_episode_length_means_no_limit(self):
        env = PointEnv()
        sampler = LocalSampler(TagPolicy(env.spec), env, n_workers=2)
        assert sampler.worker_factory.max_episode_length is None

    def test_factory_and_options_conflict(self):
        env = PointEnv()
        with pytest.raises(TypeError, match=r"\['seed', 'worker_class'\]"):
            LocalSampler(
                TagPolicy(env.spec),
                env,
                worker_factory=factory(),
                seed=3,
                worker_class=VecWorker,
            )

    def test_factory_given_twice(self):
        env = PointEnv()
        with pytest.raises(TypeError, match='both'):
            LocalSampler(factory(), TagPolicy(env.spec), env, worker_factory=factory())

    def test_positional_form_needs_three_arguments(self):
        env = PointEnv()
        with pytest.raises(TypeError, match=r'takes 3 positional.*got 2'):
            LocalSampler(factory(), TagPolicy(env.spec))
        with pytest.raises(TypeError, match=r'takes 3 positional.*got 4'):
            LocalSampler(factory(), TagPolicy(env.spec), env, env)

    def test_too_many_positional_arguments(self):
        env = PointEnv()
        with pytest.raises(TypeError, match='got 3'):
            LocalSampler(TagPolicy(env.spec), env, env, max_episode_length=3)

    def test_worker_factory_must_be_a_factory(self):
        env = PointEnv()
        with pytest.raises(
            TypeError, match='worker_factory must be a WorkerFactory, got dict'
        ):
            LocalSampler(TagPolicy(env.spec), env, worker_factory={})

    def test_rejects_gym_environments(self):
        env = PointEnv()
        with pytest.raises(TypeError, match=r'worker 0 is str.*GymEnv'):
            LocalSampler(TagPolicy(env.spec), 'CartPole-v1', worker_factory=factory())

    def test_rejects_non_policies(self):
        env = PointEnv()
        with pytest.raises(TypeError, match=r'policies.*worker 1 is dict'):
            LocalSampler([TagPolicy(env.spec), {}], env, worker_factory=factory())


class TestCopies:
    def test_workers_get_copies_of_a_single_agent_and_env(self):
        env = StepCountEnv()
        policy = TagPolicy(env.spec)
        sampler = LocalSampler(policy, env, worker_factory=factory())
        sampler.obtain_samples(0, 10, None)
        assert env.n_steps == 0
        assert policy.resets == []

    def test_listed_agents_are_used_and_envs_copied(self):
        env = StepCountEnv()
        agents = [TagPolicy(env.spec, tag=1), TagPolicy(env.spec, tag=2)]
        sampler = LocalSampler(agents, [env, env], worker_factory=factory())
        assert tags(sampler.obtain_exact_episodes(1, None)) == [1, 2]
        assert all(agent.resets for agent in agents)
        assert env.n_steps == 0

    def test_policy_updates_are_copied_parameters_shared(self):
        env = StepCountEnv()
        sampler = LocalSampler(TagPolicy(env.spec), env, worker_factory=factory())
        policy = TagPolicy(env.spec, tag=4)
        assert tags(sampler.obtain_exact_episodes(1, policy)) == [4, 4]
        assert policy.resets == []
        assert tags(sampler.obtain_exact_episodes(1, {'tag': 6})) == [6, 6]

    def test_env_updates_are_copied(self):
        env = StepCountEnv()
        sampler = LocalSampler(TagPolicy(env.spec), env, worker_factory=factory())
        update = StepCountEnv(terminate_after=2)
        batch = sampler.obtain_exact_episodes(1, None, [update, update])
        np.testing.assert_array_equal(batch.lengths, [2, 2])
        assert update.n_steps == 0


class TestLifecycle:
    def test_sampling_after_shutdown(self):
        env = StepCountEnv()
        sampler = LocalSampler(TagPolicy(env.spec), env, worker_factory=factory())
        sampler.shutdown_worker()
        with pytest.raises(RuntimeError, match='shut down'):
            sampler.obtain_samples(0, 5, None)

    def test_shutdown_closes_the_envs(self):
        env = StepCountEnv()
        sampler = LocalSampler(TagPolicy(env.spec), env, worker_factory=factory())
        worker_envs = [worker.env for worker in sampler._workers]
        sampler.shutdown_worker()
        assert all(e.closed for e in worker_envs)

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickled_sampler_continues_where_it_was(self, dumps):
        env = GymEnv('CartPole-v1')
        sampler = LocalSampler(
            CategoricalMLPPolicy(env.spec, (4,)),
            env,
            max_episode_length=20,
            n_workers=2,
            seed=3,
        )
        sampler.obtain_samples(0, 30, None)
        copied = pickle.loads(dumps(sampler))
        np.testing.assert_array_equal(
            sampler.obtain_samples(0, 30, None).observations,
            copied.obtain_samples(0, 30, None).observations,
        )
