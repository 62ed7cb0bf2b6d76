"""Torch policies written as the original's scripted and expert policies."""

import numpy as np
import pytest
import torch

from garage.envs import PointEnv
from garage.sampler import LocalSampler, VecWorker
from garage.torch.policies import Policy


class ExpertPolicy(Policy):
    """Steers towards the goal; defines no forward, as the original allowed."""

    def __init__(self, env_spec, goal):
        super().__init__(env_spec, 'ExpertPolicy')
        self._goal = np.asarray(goal, dtype=np.float32)

    def get_action(self, observation):
        return self._goal - observation[:2], {}

    def get_actions(self, observations):
        return self._goal - np.asarray(observations)[:, :2], {}


def test_instantiates_without_forward():
    env = PointEnv(goal=(1.0, 1.0), max_episode_length=5)
    policy = ExpertPolicy(env.spec, goal=(1.0, 1.0))
    assert isinstance(policy, torch.nn.Module)
    action, info = policy.get_action(np.zeros(4, dtype=np.float32))
    np.testing.assert_allclose(action, [1.0, 1.0])
    assert info == {}
    assert dict(policy.get_param_values()) == {}


@pytest.mark.parametrize('vectorized', [False, True])
def test_samples_as_an_expert(vectorized):
    env = PointEnv(goal=(1.0, 1.0), max_episode_length=5)
    expert = ExpertPolicy(env.spec, goal=(1.0, 1.0))
    extra = (
        {'worker_class': VecWorker, 'worker_args': {'n_envs': 2}} if vectorized else {}
    )
    sampler = LocalSampler(
        agents=expert, envs=env, max_episode_length=5, n_workers=1, **extra
    )
    # as a BC-style algorithm does: send the expert's parameters, sample
    batch = sampler.obtain_samples(0, 10, expert.get_param_values())
    assert batch.lengths.sum() >= 10
    # the expert's first action takes it straight to the goal
    np.testing.assert_allclose(batch.actions[0], [1.0, 1.0], atol=1e-6)
    sampler.shutdown_worker()


def test_calling_the_module_says_forward_is_missing():
    env = PointEnv(max_episode_length=5)
    policy = ExpertPolicy(env.spec, goal=(0.0, 0.0))
    with pytest.raises(NotImplementedError, match='forward'):
        policy(torch.zeros(1, 4))
