"""Recurrent policies in every worker: one hidden state per environment."""

import numpy as np
import pytest
import torch

from garage import EnvStep, StepType
from garage.envs import PointEnv
from garage.sampler import DefaultWorker, FragmentWorker, VecWorker
from garage.torch.policies import GaussianGRUPolicy


def make_policy():
    torch.manual_seed(0)
    policy = GaussianGRUPolicy(PointEnv().spec, hidden_dim=8)
    policy.deterministic = True
    return policy


def expected_means(policy, observations):
    """The means a fresh state gives along one episode's observations."""
    with torch.no_grad():
        return policy(torch.as_tensor(observations, dtype=torch.float32)[None])[1][
            'mean'
        ][0].numpy()


def check_each_episode_from_a_fresh_state(policy, batch):
    for episode in batch.split():
        np.testing.assert_allclose(
            episode.agent_infos['mean'],
            expected_means(policy, episode.observations),
            atol=1e-5,
        )


class EndsAfter(PointEnv):
    """A point environment whose episodes end after ``n`` steps."""

    def __init__(self, goal, n):
        super().__init__(goal=goal)
        self._n = n
        self._count = 0

    def reset(self):
        self._count = 0
        return super().reset()

    def step(self, action):
        step = super().step(action)
        self._count += 1
        if self._count < self._n:
            return step
        return EnvStep(
            step.env_spec,
            step.action,
            step.reward,
            step.observation,
            step.env_info,
            StepType.TERMINAL,
        )


def two_envs():
    # different goals and lengths: one environment idles (or restarts)
    # while the other runs
    return [EndsAfter((1.0, 0.5), 3), EndsAfter((-1.0, 1.5), 7)]


def test_vec_worker_keeps_one_independent_state_per_environment():
    policy = make_policy()
    worker = VecWorker(seed=1, max_episode_length=10, worker_number=0, n_envs=2)
    worker.update_agent(policy)
    worker.update_env(two_envs())
    batch = worker.rollout()
    assert batch.lengths.tolist() == [3, 7]
    # the environments' trajectories differ, so their states did too
    assert not np.allclose(
        batch.split()[0].agent_infos['mean'][-1],
        batch.split()[1].agent_infos['mean'][2],
    )
    check_each_episode_from_a_fresh_state(policy, batch)


def test_vec_worker_resets_the_state_of_a_restarted_environment():
    policy = make_policy()
    worker = VecWorker(seed=1, max_episode_length=10, worker_number=0, n_envs=2)
    worker.update_agent(policy)
    worker.update_env(two_envs())
    batch = worker.rollout_steps(20)
    assert len(batch.lengths) > 2
    check_each_episode_from_a_fresh_state(policy, batch)


def test_vec_worker_passes_rows_only_to_recurrent_policies():
    calls = []

    class FeedForward:
        env_spec = PointEnv().spec

        def reset(self, do_resets=None):
            pass

        def get_action(self, observation):
            return np.zeros(2, np.float32), {}

        def get_actions(self, observations):
            calls.append(len(observations))
            n = len(observations)
            return np.zeros((n, 2), np.float32), {}

    worker = VecWorker(seed=1, max_episode_length=10, worker_number=0, n_envs=2)
    worker.update_agent(FeedForward())
    worker.update_env(two_envs())
    worker.rollout()
    assert calls == [2, 2, 2, 1, 1, 1, 1]


def test_fragment_worker_keeps_one_state_per_environment():
    policy = make_policy()
    worker = FragmentWorker(
        seed=1, max_episode_length=10, worker_number=0, n_envs=2, timesteps_per_call=8
    )
    worker.update_agent(policy)
    worker.update_env(two_envs())
    batch = worker.rollout()
    # whole episodes (not the unfinished fragments of the second episodes)
    whole = [e for e in batch.split() if e.step_types[-1] >= 2]
    assert [len(e.rewards) for e in whole] == [3, 3, 7]
    for episode in whole:
        np.testing.assert_allclose(
            episode.agent_infos['mean'],
            expected_means(policy, episode.observations),
            atol=1e-5,
        )


def test_default_worker_resets_the_state_each_episode():
    policy = make_policy()
    worker = DefaultWorker(seed=1, max_episode_length=4, worker_number=0)
    worker.update_agent(policy)
    worker.update_env(PointEnv(goal=(1.0, 0.5)))
    batch = worker.rollout_steps(8)
    assert batch.lengths.tolist() == [4, 4]
    check_each_episode_from_a_fresh_state(policy, batch)


@pytest.mark.parametrize('n_envs', [1, 3])
def test_vec_worker_of_any_width(n_envs):
    policy = make_policy()
    worker = VecWorker(seed=1, max_episode_length=5, worker_number=0, n_envs=n_envs)
    worker.update_agent(policy)
    worker.update_env(PointEnv(goal=(0.5, 0.5)))
    check_each_episode_from_a_fresh_state(policy, worker.rollout())
