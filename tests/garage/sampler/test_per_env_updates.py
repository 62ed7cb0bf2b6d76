"""VecWorker and FragmentWorker take a list of one update per environment."""

import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from fixtures.policies import TagPolicy
from garage.envs import PointEnv
from garage.sampler import (
    FragmentWorker,
    LocalSampler,
    SetTaskUpdate,
    VecWorker,
    Worker,
)

GOALS = [(0.5, 0.5), (-0.5, 0.5), (0.5, -0.5)]


class SeededEnv(StepCountEnv):
    """Records the seeds it gets."""

    def __init__(self, terminate_after=3):
        super().__init__(terminate_after=terminate_after)
        self.seeds = []

    def seed(self, seed):
        self.seeds.append(seed)


def make(worker_class, n_envs=3, seed=1):
    kwargs = {'timesteps_per_call': 2} if worker_class is FragmentWorker else {}
    worker = worker_class(
        seed=seed, max_episode_length=4, worker_number=0, n_envs=n_envs, **kwargs
    )
    worker.update_agent(TagPolicy(PointEnv().spec))
    return worker


def last_goals(batch):
    """The goal of each environment's task at the end of its episodes."""
    tasks = batch.env_infos['task'][np.cumsum(batch.lengths) - 1]
    envs = batch.identities['env']
    return {
        int(env): tuple(task['goal'].tolist())
        for env, task in zip(envs, tasks, strict=True)
    }


@pytest.mark.parametrize('worker_class', [VecWorker, FragmentWorker])
class TestWorker:
    def test_a_list_of_envs_gives_each_env_its_own(self, worker_class):
        envs = [PointEnv(goal=goal) for goal in GOALS]
        worker = make(worker_class)
        worker.update_env(envs)
        assert all(a is b for a, b in zip(worker.envs, envs, strict=True))
        assert last_goals(worker.rollout()) == dict(enumerate(GOALS))

    def test_a_list_of_updates_sets_a_task_per_env(self, worker_class):
        worker = make(worker_class)
        worker.update_env(PointEnv())
        envs = worker.envs
        worker.update_env([SetTaskUpdate(PointEnv, {'goal': g}, None) for g in GOALS])
        assert all(a is b for a, b in zip(worker.envs, envs, strict=True))
        assert last_goals(worker.rollout()) == dict(enumerate(GOALS))

    def test_a_single_update_still_goes_to_every_env(self, worker_class):
        worker = make(worker_class)
        worker.update_env(PointEnv())
        worker.update_env(SetTaskUpdate(PointEnv, {'goal': GOALS[2]}, None))
        assert last_goals(worker.rollout()) == dict.fromkeys(range(3), GOALS[2])

    def test_the_list_needs_n_envs_entries(self, worker_class):
        worker = make(worker_class)
        with pytest.raises(ValueError, match=r'list of 2 entries.*n_envs=3'):
            worker.update_env([PointEnv(), PointEnv()])

    def test_none_in_the_list_keeps_that_env(self, worker_class):
        worker = make(worker_class)
        worker.update_env([PointEnv(goal=goal) for goal in GOALS])
        kept = worker.envs[1]
        worker.update_env([PointEnv(goal=GOALS[2]), None, PointEnv(goal=GOALS[0])])
        assert worker.envs[1] is kept
        assert last_goals(worker.rollout()) == {0: GOALS[2], 1: GOALS[1], 2: GOALS[0]}

    def test_none_for_an_env_not_there_yet_is_an_error(self, worker_class):
        worker = make(worker_class)
        with pytest.raises(ValueError, match=r'env_update\[1\] is None'):
            worker.update_env([PointEnv(), None, PointEnv()])

    def test_an_entry_of_a_wrong_kind_is_named(self, worker_class):
        worker = make(worker_class)
        with pytest.raises(TypeError, match=r'env_update\[2\]'):
            worker.update_env([PointEnv(), PointEnv(), 'PointEnv'])

    def test_each_env_is_seeded_from_the_seed_and_its_index(self, worker_class):
        envs = [SeededEnv() for _ in range(3)]
        make(worker_class).update_env(envs)
        again = [SeededEnv() for _ in range(3)]
        make(worker_class).update_env(again)
        seeds = [env.seeds[-1] for env in envs]
        assert len(set(seeds)) == 3
        assert seeds == [env.seeds[-1] for env in again]
        # the same as the copies of one environment get
        worker = make(worker_class)
        worker.update_env(SeededEnv())
        assert seeds == [env.seeds[-1] for env in worker.envs]

    def test_the_same_env_twice_is_copied(self, worker_class):
        env = PointEnv()
        worker = make(worker_class, n_envs=2)
        worker.update_env([env, env])
        assert worker.envs[0] is env
        assert worker.envs[1] is not env


def point_envs(goals):
    return [PointEnv(goal=goal, max_episode_length=4) for goal in goals]


def test_a_default_worker_given_a_list_is_a_clear_error():
    envs = point_envs(GOALS[:2])
    with pytest.raises(TypeError, match=r'envs for worker 0 is a list.*DefaultWorker'):
        LocalSampler(TagPolicy(envs[0].spec), [envs], max_episode_length=4, n_workers=1)
    sampler = LocalSampler(
        TagPolicy(envs[0].spec), envs[0], max_episode_length=4, n_workers=1
    )
    with pytest.raises(TypeError, match=r'env_update for worker 0 is a list'):
        sampler.obtain_samples(0, 4, None, env_update=[envs])


@pytest.mark.parametrize(
    ('worker_args', 'n_envs'), [({'n_envs': 3}, 3), (None, 8)]
)  # None: VecWorker's default n_envs
def test_the_sampler_checks_the_length_of_each_list(worker_args, n_envs):
    envs = point_envs(GOALS[:2])
    with pytest.raises(ValueError, match=rf'list of 2 entries.*n_envs={n_envs}'):
        LocalSampler(
            TagPolicy(envs[0].spec),
            [envs],
            max_episode_length=4,
            n_workers=1,
            worker_class=VecWorker,
            worker_args=worker_args,
        )


class ListWorker(Worker):
    """A worker of the user's own that takes a list of environments."""

    def __init__(self, *, seed, max_episode_length, worker_number):
        super().__init__(
            seed=seed,
            max_episode_length=max_episode_length,
            worker_number=worker_number,
        )
        self.env_updates = []

    def update_agent(self, agent_update):
        pass

    def update_env(self, env_update):
        self.env_updates.append(env_update)

    def rollout(self):
        raise AssertionError('not sampled')

    def start_episode(self):
        pass

    def step_episode(self):
        return True

    def collect_episode(self):
        raise AssertionError('not sampled')

    def shutdown(self):
        pass


@pytest.mark.parametrize(
    ('worker_class', 'worker_args'),
    [(VecWorker, {'n_envs': 2}), (ListWorker, None)],
)
def test_the_sampler_checks_each_entry(worker_class, worker_args):
    envs = point_envs(GOALS[:2])
    with pytest.raises(TypeError, match=r'envs for worker 0\[1\] is str'):
        LocalSampler(
            TagPolicy(envs[0].spec),
            [[envs[0], 'PointEnv']],
            max_episode_length=4,
            n_workers=1,
            worker_class=worker_class,
            worker_args=worker_args,
        )


def test_per_worker_lists_for_two_workers():
    sampler = LocalSampler(
        TagPolicy(PointEnv().spec),
        [point_envs(GOALS[:2]), point_envs(GOALS[1:])],
        max_episode_length=4,
        n_workers=2,
        worker_class=VecWorker,
        worker_args={'n_envs': 2},
    )
    eps = sampler.obtain_samples(0, 16, None)
    for worker, goals in ((0, GOALS[:2]), (1, GOALS[1:])):
        mine = eps.identities['worker'] == worker
        tasks = eps.env_infos['task'][np.cumsum(eps.lengths) - 1][mine]
        envs = eps.identities['env'][mine]
        assert {
            int(e): tuple(t['goal'].tolist()) for e, t in zip(envs, tasks, strict=True)
        } == (dict(enumerate(goals)))


def test_a_worker_of_the_users_own_gets_the_list_it_was_given():
    envs = point_envs(GOALS)
    sampler = LocalSampler(
        TagPolicy(envs[0].spec),
        [envs],
        max_episode_length=4,
        n_workers=1,
        worker_class=ListWorker,
    )
    (given,) = sampler._workers[0].env_updates
    assert [env.reset()[1]['goal'].tolist() for env in given] == [
        list(goal) for goal in GOALS
    ]


def test_a_flat_list_for_one_vec_worker_says_to_nest_it():
    envs = point_envs(GOALS[:2])
    with pytest.raises(ValueError, match=r'one per worker.*\[\[env_a, env_b\]\]'):
        LocalSampler(
            TagPolicy(envs[0].spec),
            envs,
            max_episode_length=4,
            n_workers=1,
            worker_class=VecWorker,
            worker_args={'n_envs': 2},
        )
