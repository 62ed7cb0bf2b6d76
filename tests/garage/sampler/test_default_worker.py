import random

import numpy as np
import pytest
import torch

from fixtures.envs import DummyDiscreteEnv, StepCountEnv
from fixtures.policies import TagPolicy
from garage import EpisodeBatch, StepType
from garage.envs import GymEnv, PointEnv
from garage.sampler import DefaultWorker, NewEnvUpdate
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy


def make_worker(env, agent=None, *, seed=1, max_episode_length=10, worker_number=0):
    worker = DefaultWorker(
        seed=seed, max_episode_length=max_episode_length, worker_number=worker_number
    )
    worker.update_agent(agent or TagPolicy(env.spec))
    worker.update_env(env)
    return worker


class TestRollout:
    def test_terminating_episode(self):
        env = StepCountEnv(terminate_after=4)
        batch = make_worker(env).rollout()
        assert isinstance(batch, EpisodeBatch)
        np.testing.assert_array_equal(batch.lengths, [4])
        np.testing.assert_array_equal(batch.observations.ravel(), [0, 1, 2, 3])
        np.testing.assert_array_equal(batch.last_observations, [[4]])
        np.testing.assert_array_equal(batch.rewards, [1.0] * 4)
        np.testing.assert_array_equal(
            batch.step_types,
            [StepType.FIRST, StepType.MID, StepType.MID, StepType.TERMINAL],
        )
        np.testing.assert_array_equal(batch.env_infos['step'], [1, 2, 3, 4])
        np.testing.assert_array_equal(
            batch.agent_infos['observation'], batch.observations
        )
        np.testing.assert_array_equal(batch.episode_infos_by_episode['episode'], [0])
        assert batch.env_spec is env.spec

    def test_worker_time_limit_marks_timeout(self):
        env = StepCountEnv(terminate_after=None, max_episode_length=100)
        batch = make_worker(env, max_episode_length=3).rollout()
        np.testing.assert_array_equal(
            batch.step_types, [StepType.FIRST, StepType.MID, StepType.TIMEOUT]
        )
        np.testing.assert_array_equal(batch.last_observations, [[3]])

    def test_termination_wins_on_the_last_allowed_step(self):
        env = StepCountEnv(terminate_after=3)
        batch = make_worker(env, max_episode_length=3).rollout()
        assert batch.step_types[-1] == StepType.TERMINAL

    def test_env_time_limit_is_kept(self):
        env = StepCountEnv(terminate_after=None, max_episode_length=2)
        batch = make_worker(env, max_episode_length=5).rollout()
        np.testing.assert_array_equal(
            batch.step_types, [StepType.FIRST, StepType.TIMEOUT]
        )

    def test_point_env_with_a_gaussian_policy(self):
        env = PointEnv(max_episode_length=50)
        batch = make_worker(env, GaussianMLPPolicy(env.spec, (4,))).rollout()
        assert batch.actions.shape == (len(batch.rewards), 2)
        assert sorted(batch.agent_infos) == ['log_std', 'mean']
        # as the original: an object array of the env's task dicts
        tasks = batch.env_infos['task']
        assert tasks.dtype == object
        assert tasks.shape == (len(batch.rewards),)
        np.testing.assert_array_equal(tasks[0]['goal'], env.reset()[1]['goal'])

    def test_discrete_actions(self):
        env = DummyDiscreteEnv(max_episode_length=4)
        batch = make_worker(env, CategoricalMLPPolicy(env.spec, (4,))).rollout()
        assert batch.actions.shape == (4,)
        assert set(batch.actions.tolist()) <= {0, 1}


class TestStepByStep:
    def test_collects_several_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=2))
        for _ in range(2):
            worker.start_episode()
            assert not worker.step_episode()
            assert worker.step_episode()
        batch = worker.collect_episode()
        np.testing.assert_array_equal(batch.lengths, [2, 2])
        np.testing.assert_array_equal(batch.episode_infos_by_episode['episode'], [0, 1])

    def test_collect_needs_whole_episodes(self):
        worker = make_worker(StepCountEnv(terminate_after=3))
        with pytest.raises(RuntimeError, match='0 were completed'):
            worker.collect_episode()
        worker.start_episode()
        worker.step_episode()
        with pytest.raises(RuntimeError, match='1 steps belong to one'):
            worker.collect_episode()

    def test_start_drops_an_unfinished_episode(self):
        worker = make_worker(StepCountEnv(terminate_after=3))
        worker.start_episode()
        worker.step_episode()
        batch = worker.rollout()
        np.testing.assert_array_equal(batch.observations.ravel(), [0, 1, 2])


class TestUpdates:
    def test_policy_replaces_the_agent(self):
        env = StepCountEnv()
        worker = make_worker(env)
        policy = TagPolicy(env.spec, tag=5)
        worker.update_agent(policy)
        assert worker.agent is policy

    def test_parameters_are_loaded(self):
        env = StepCountEnv()
        worker = make_worker(env)
        agent = worker.agent
        worker.update_agent({'tag': 3})
        assert worker.agent is agent
        assert (worker.rollout().agent_infos['tag'] == 3).all()

    def test_torch_parameters_are_loaded(self):
        env = PointEnv()
        policy = GaussianMLPPolicy(env.spec, (4,))
        worker = make_worker(env, GaussianMLPPolicy(env.spec, (4,)))
        worker.update_agent(policy.get_param_values())
        for key, value in policy.state_dict().items():
            assert torch.equal(worker.agent.state_dict()[key], value)

    def test_none_keeps_agent_and_env(self):
        env = StepCountEnv()
        worker = make_worker(env)
        agent = worker.agent
        worker.update_agent(None)
        worker.update_env(None)
        assert worker.agent is agent
        assert worker.env is env

    def test_parameters_need_an_agent(self):
        worker = DefaultWorker(seed=None, max_episode_length=5, worker_number=0)
        with pytest.raises(ValueError, match='no agent'):
            worker.update_agent({'tag': 1})

    @pytest.mark.parametrize('update', ['policy', 3, [1, 2]])
    def test_rejects_other_agent_updates(self, update):
        worker = make_worker(StepCountEnv())
        with pytest.raises(TypeError, match=r'agent_update.*get_action'):
            worker.update_agent(update)

    def test_new_environment_replaces_and_closes_the_old(self):
        old = StepCountEnv()
        worker = make_worker(old)
        new = StepCountEnv(terminate_after=2)
        worker.update_env(new)
        assert worker.env is new
        assert old.closed
        assert len(worker.rollout().rewards) == 2

    def test_env_update(self):
        old = StepCountEnv()
        worker = make_worker(old)
        worker.update_env(NewEnvUpdate(lambda: StepCountEnv(terminate_after=1)))
        assert old.closed
        assert len(worker.rollout().rewards) == 1

    def test_rejects_other_env_updates(self):
        worker = make_worker(StepCountEnv())
        with pytest.raises(TypeError, match=r"env_update must be.*got str: 'Point'"):
            worker.update_env('Point')

    def test_shutdown_closes_the_env(self):
        env = StepCountEnv()
        make_worker(env).shutdown()
        assert env.closed


class TestRandomness:
    def test_same_seed_and_number_same_episodes(self):
        batches = [
            make_worker(PointEnv(), max_episode_length=5).rollout() for _ in range(2)
        ]
        np.testing.assert_array_equal(batches[0].actions, batches[1].actions)

    def test_worker_numbers_and_seeds_give_other_draws(self):
        reference = make_worker(PointEnv(), max_episode_length=5).rollout()
        for options in ({'worker_number': 1}, {'seed': 2}):
            batch = make_worker(PointEnv(), max_episode_length=5, **options).rollout()
            assert not np.array_equal(reference.actions, batch.actions)

    def test_draws_do_not_depend_on_the_global_state(self):
        env = PointEnv()
        policy = GaussianMLPPolicy(env.spec, (4,))
        actions = []
        for global_seed in (1, 2):
            np.random.seed(global_seed)
            torch.manual_seed(global_seed)
            worker = make_worker(PointEnv(), policy, max_episode_length=5)
            actions.append(worker.rollout().actions)
        np.testing.assert_array_equal(*actions)

    def test_global_state_is_put_back(self):
        worker = make_worker(PointEnv(), GaussianMLPPolicy(PointEnv().spec, (4,)))
        states = (
            random.getstate(),
            np.random.get_state()[1].copy(),
            torch.get_rng_state(),
        )
        worker.rollout()
        assert random.getstate() == states[0]
        np.testing.assert_array_equal(np.random.get_state()[1], states[1])
        assert torch.equal(torch.get_rng_state(), states[2])

    def test_consecutive_rollouts_continue_the_stream(self):
        worker = make_worker(PointEnv(), max_episode_length=5)
        first, second = worker.rollout(), worker.rollout()
        assert not np.array_equal(first.actions, second.actions)

    def test_unseeded_worker_uses_the_global_state(self):
        np.random.seed(3)
        first = make_worker(PointEnv(), seed=None, max_episode_length=5).rollout()
        np.random.seed(3)
        second = make_worker(PointEnv(), seed=None, max_episode_length=5).rollout()
        np.testing.assert_array_equal(first.actions, second.actions)
        assert not np.array_equal(
            first.actions,
            make_worker(PointEnv(), seed=None, max_episode_length=5).rollout().actions,
        )

    def test_gym_env_is_seeded_per_worker(self):
        def first_observation(worker_number):
            env = GymEnv('CartPole-v1')
            worker = make_worker(env, worker_number=worker_number, max_episode_length=1)
            return worker.rollout().observations[0]

        np.testing.assert_array_equal(first_observation(0), first_observation(0))
        assert not np.array_equal(first_observation(0), first_observation(1))

    def test_new_policy_action_space_is_seeded(self):
        env = PointEnv()
        samples = []
        for _ in range(2):
            policy = TagPolicy(PointEnv().spec)
            make_worker(env, policy)
            samples.append(policy.action_space.sample())
        np.testing.assert_array_equal(*samples)

    def test_the_same_policy_again_is_kept_unseeded(self):
        env = PointEnv()
        policy = TagPolicy(env.spec)
        worker = make_worker(env, policy)
        drawn = policy.action_space.sample()
        worker.update_agent(policy)
        assert worker.agent is policy
        # reseeding would have replayed the first draw
        assert not np.array_equal(policy.action_space.sample(), drawn)


class TestConstruction:
    @pytest.mark.parametrize(
        ('option', 'value'),
        [
            ('seed', -1),
            ('max_episode_length', 0),
            ('worker_number', -1),
            ('worker_number', 0.5),
        ],
    )
    def test_rejects_bad_options(self, option, value):
        options = {'seed': 1, 'max_episode_length': 5, 'worker_number': 0}
        options[option] = value
        with pytest.raises(ValueError, match=option):
            DefaultWorker(**options)


class TestIdentities:
    def test_episodes_carry_worker_env_0_and_serial_numbers(self):
        worker = make_worker(StepCountEnv(terminate_after=2), worker_number=3)
        first = worker.rollout_steps(4)
        second = worker.rollout()
        assert first.identities.tolist() == [(3, 0, 0, 0), (3, 0, 1, 0)]
        assert second.identities.tolist() == [(3, 0, 2, 0)]

    def test_step_by_step_collections_number_on(self):
        worker = make_worker(StepCountEnv(terminate_after=1))
        for _ in range(2):
            worker.start_episode()
            worker.step_episode()
            batch = worker.collect_episode()
        assert batch.identities['episode'].tolist() == [1]

    def test_sampling_before_update_env_says_what_is_missing(self):
        worker = DefaultWorker(seed=1, max_episode_length=5, worker_number=0)
        with pytest.raises(RuntimeError, match='call update_env and update_agent'):
            worker.rollout()

    @pytest.mark.parametrize('number', [np.int64(2), 2.0])
    def test_whole_numbers_are_worker_numbers(self, number):
        worker = DefaultWorker(seed=1, max_episode_length=5, worker_number=number)
        assert worker.worker_number == 2
        assert type(worker.worker_number) is int

    def test_boolean_worker_number_is_refused(self):
        with pytest.raises(TypeError, match='worker_number'):
            DefaultWorker(seed=1, max_episode_length=5, worker_number=True)
