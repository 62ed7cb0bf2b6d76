"""Every meta-RL algorithm resumes exactly, meta-tests and task samplers too.

A run is trained straight for three epochs, and again for one epoch,
snapshotted, restored in a new `Trainer` (after the global random
generators have moved on, as in a new process) and resumed to three. The
logged rows (meta-training, meta-test every other epoch) must be the same
bit for bit, and so must the parameters and optimizer states at the end.
"""

import functools

import numpy as np
import pytest
import torch

from fixtures.logs import recorded_rows
from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from garage.envs import PointEnv
from garage.experiment import (
    ConstructEnvsSampler,
    EnvPoolSampler,
    MetaEvaluator,
    SetTaskSampler,
    SnapshotConfig,
)
from garage.experiment.deterministic import set_seed
from garage.sampler import LocalSampler
from garage.torch.algos import MAMLPPO, MAMLTRPO, MAMLVPG, RL2PPO, RL2TRPO
from garage.torch.algos.rl2 import RL2Env, RL2Worker
from garage.torch.policies import GaussianGRUPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings(
    'ignore:.*(No outputs|accepted by any output)',
    'ignore::dowel.tabular_input.TabularInputWarning',
)

N_EPOCHS = 3
MAML_BATCH = 2 * GOAL_EPISODE_LENGTH
RL2_LENGTH, RL2_TRIAL, RL2_TASKS = 4, 2, 3


def _goal_env(goal):
    return PointEnv(goal=goal, max_episode_length=GOAL_EPISODE_LENGTH)


def _task_sampler(kind):
    goals = [(1.0, 1.0), (-1.5, 0.5), (0.5, -2.0)]
    if kind == 'set_task':
        return SetTaskSampler(GoalPointEnv)
    if kind == 'env_pool':
        return EnvPoolSampler([_goal_env(goal) for goal in goals])
    return ConstructEnvsSampler([functools.partial(_goal_env, goal) for goal in goals])


def _maml(cls, tasks):
    env = GoalPointEnv()
    policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        policy, env, max_episode_length=GOAL_EPISODE_LENGTH, n_workers=1
    )
    evaluator = MetaEvaluator(
        test_task_sampler=_task_sampler(tasks),
        n_test_tasks=2,
        n_exploration_eps=2,
    )
    algo = cls(
        env,
        policy,
        value_function,
        sampler,
        _task_sampler(tasks),
        meta_batch_size=2,
        meta_evaluator=evaluator,
        evaluate_every_n_epochs=2,
    )
    return algo, env, MAML_BATCH


def _rl2(cls, tasks):
    del tasks
    task_sampler = SetTaskSampler(
        PointEnv, env=PointEnv(arena_size=1.0), wrapper=lambda env, _: RL2Env(env)
    )
    # the spec's episode length is the meta-evaluator's
    env = RL2Env(PointEnv(max_episode_length=RL2_LENGTH))
    policy = GaussianGRUPolicy(env.spec, hidden_dim=8)
    sampler = LocalSampler(
        agents=policy,
        envs=task_sampler.sample(RL2_TASKS),
        max_episode_length=RL2_LENGTH,
        n_workers=RL2_TASKS,
        worker_class=RL2Worker,
        worker_args=dict(n_episodes_per_trial=RL2_TRIAL),
    )
    evaluator = MetaEvaluator(
        test_task_sampler=SetTaskSampler(
            PointEnv, env=PointEnv(arena_size=1.0), wrapper=lambda env, _: RL2Env(env)
        ),
        n_test_tasks=2,
        n_exploration_eps=RL2_TRIAL,
        worker_class=RL2Worker,
        worker_args=dict(n_episodes_per_trial=1),
    )
    algo = cls(
        RL2_TASKS,
        task_sampler,
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
        sampler,
        RL2_TRIAL,
        meta_evaluator=evaluator,
        n_epochs_per_eval=2,
    )
    return algo, env, RL2_TASKS * RL2_TRIAL * RL2_LENGTH


CASES = [
    pytest.param(_maml, MAMLTRPO, 'set_task', id='MAMLTRPO'),
    pytest.param(_maml, MAMLPPO, 'set_task', id='MAMLPPO'),
    pytest.param(_maml, MAMLVPG, 'set_task', id='MAMLVPG'),
    pytest.param(_maml, MAMLVPG, 'env_pool', id='MAMLVPG-EnvPoolSampler'),
    pytest.param(_maml, MAMLVPG, 'construct', id='MAMLVPG-ConstructEnvsSampler'),
    pytest.param(_rl2, RL2PPO, None, id='RL2PPO'),
    pytest.param(_rl2, RL2TRPO, None, id='RL2TRPO'),
]


def _train(build, cls, tasks, directory, n_epochs, mode):
    set_seed(4)
    algo, env, batch_size = build(cls, tasks)
    trainer = Trainer(SnapshotConfig(str(directory), mode, 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=n_epochs, batch_size=batch_size, progress=False)
    return trainer


def _optimizer_states(algo):
    if hasattr(algo, '_meta_optimizer'):  # MAML: the meta and inner ones
        inner = algo._inner_algo
        return [
            algo._meta_optimizer.state_dict(),
            inner._policy_optimizer.state_dict(),
            inner._vf_optimizer.state_dict(),
        ]
    return [algo._policy_optimizer.state_dict(), algo._vf_optimizer.state_dict()]


def _value_function(algo):
    return getattr(algo, '_inner_algo', algo)._value_function


@pytest.mark.parametrize(('build', 'cls', 'tasks'), CASES)
def test_resume_is_exact(build, cls, tasks, tmp_path):
    with recorded_rows() as straight:
        uninterrupted = _train(build, cls, tasks, tmp_path / 'a', N_EPOCHS, 'none')
    with recorded_rows() as split:
        _train(build, cls, tasks, tmp_path / 'b', 1, 'last')
        set_seed(12345)  # the global generators move on, as in a new process
        torch.rand(3)
        np.random.rand(3)
        resumed = Trainer(SnapshotConfig(str(tmp_path / 'b'), 'last', 1))
        resumed.restore(tmp_path / 'b')
        resumed.resume(n_epochs=N_EPOCHS)

    assert len(straight) == N_EPOCHS
    # the meta-test ran in epochs 0 and 2 only, and after the resume too
    evaluated = [
        row['Epoch'] for row in straight if 'MetaTest/Average/AverageReturn' in row
    ]
    assert evaluated == [0, 2]
    assert repr(split) == repr(straight)  # repr: NaN equals NaN
    for mine, theirs in [
        (resumed._algo.policy.state_dict(), uninterrupted._algo.policy.state_dict()),
        (
            _value_function(resumed._algo).state_dict(),
            _value_function(uninterrupted._algo).state_dict(),
        ),
        *zip(
            _optimizer_states(resumed._algo),
            _optimizer_states(uninterrupted._algo),
            strict=True,
        ),
    ]:
        torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
    assert resumed.total_env_steps == uninterrupted.total_env_steps
    # the meta-tests drew the same tasks: their own sampler resumed too
    assert resumed._algo._meta_evaluator._eval_itr == 2
