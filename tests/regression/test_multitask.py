"""Do multi-task PPO and MTSAC still learn every task of a multi-goal env?

The environment is `PointEnv` with four goals at distance 2 from the
start, east, north, west and south, one per task, each wrapped in a
`TaskOnehotWrapper` and cycled by a `MultiEnvWrapper`. An episode ends
when the point is within 0.14 of its goal, or after 50 steps. Actions move
the point by at most 0.1 per axis, so the best return is about -19 (19
steps along an axis, each costing the distance left), while standing still
costs -100 and heading for the wrong goal costs more. A run passes when
every task's average return over its last episodes reaches -30 within its
step budget: each of the four goals reached on a nearly straight path (11
off the best), so no task may be given up for the others. (The one-hot
makes the tasks easy to tell apart; the observed distance to the goal
would also reveal the goal after a step or two.)

Run them with ``pytest -m regression -s`` to see, for each run, the steps
and seconds it took and each task's return and success rate. All are
``slow`` (3 to 5 minutes each on a busy two-core machine). When the
budgets were chosen, PPO passed after 118,313 (seed 1) and 67,340 (seed 2)
steps of its 200,000, and MTSAC after 8,228 of its 15,000.
"""

import contextlib
import time

import numpy as np
import pytest
import torch

from garage._dowel import tabular
from garage.envs import (
    MultiEnvWrapper,
    PointEnv,
    TaskNameWrapper,
    TaskOnehotWrapper,
    normalize,
)
from garage.envs.multi_env_wrapper import round_robin_strategy
from garage.experiment import SnapshotConfig, deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import MTSAC, PPO
from garage.torch.policies import GaussianMLPPolicy, TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.slow,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
]

GOALS = {
    'east': (2.0, 0.0),
    'north': (0.0, 2.0),
    'west': (-2.0, 0.0),
    'south': (0.0, -2.0),
}
LENGTH = 50
# the last episodes of each task that the threshold averages
WINDOW = 10


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Small networks train fastest on one thread, on a loaded machine too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def goal_envs(scaled=False):
    """One one-hot-tagged point environment per goal.

    Args:
        scaled: Take actions in [-1, 1], as a tanh-squashed policy's are.

    """
    envs = [PointEnv(goal=goal, max_episode_length=LENGTH) for goal in GOALS.values()]
    return TaskOnehotWrapper.wrap_env_list(
        [normalize(env) for env in envs] if scaled else envs
    )


class _Stop(Exception):
    """Ends training once the threshold is reached or the budget spent."""


class PerTaskTracking:
    """Keeps each task's returns and successes; stops at the threshold."""

    def __init__(self, threshold, budget):
        self.threshold = threshold
        self.budget = budget
        self.returns = {task: [] for task in range(len(GOALS))}
        self.successes = {task: [] for task in range(len(GOALS))}
        self.steps = 0
        self.solved_at = None

    def add(self, episodes, steps):
        self.steps += steps
        for episode in episodes.split():
            task = int(episode.env_infos['task_id'][0])
            self.returns[task].append(float(episode.rewards.sum()))
            self.successes[task].append(bool(episode.env_infos['success'].any()))

    def recent(self):
        """Each task's average return and success rate over its window."""
        return {
            name: (
                np.mean(self.returns[task][-WINDOW:]),
                np.mean(self.successes[task][-WINDOW:]),
            )
            for task, name in enumerate(GOALS)
        }

    def check(self):
        if all(len(r) >= WINDOW for r in self.returns.values()) and all(
            ret >= self.threshold for ret, _ in self.recent().values()
        ):
            self.solved_at = self.steps
            raise _Stop
        if self.steps >= self.budget:
            raise _Stop

    def report(self, label, seconds):
        per_task = ', '.join(
            f'{name} {ret:.1f} ({success:.0%})'
            for name, (ret, success) in self.recent().items()
        )
        print(
            f'\n{label}: {"solved" if self.solved_at else "NOT solved"} after '
            f'{self.steps} steps, {seconds:.0f} s; per task return (success): '
            f'{per_task}'
        )


class TrackedPPO(PPO):
    def __init__(self, *args, tracking, **kwargs):
        super().__init__(*args, **kwargs)
        self.tracking = tracking

    def _train_once(self, itr, episodes):
        returns = super()._train_once(itr, episodes)
        self.tracking.add(episodes, int(episodes.lengths.sum()))
        self.tracking.check()
        return returns


@pytest.mark.parametrize('seed', [1, 2])
def test_mtppo_reaches_every_goal(tmp_path, seed):
    """Multi-task PPO: every task's return at least -30 within 200k steps.

    Threshold: -30 is within 11 of the best return, -19, on every task;
    standing still earns -100, and going to a wrong goal less.
    """
    deterministic.set_seed(seed)
    env = MultiEnvWrapper(
        goal_envs(),
        sample_strategy=round_robin_strategy,
        mode='vanilla',
        env_names=list(GOALS),
    )
    policy = GaussianMLPPolicy(
        env.spec, hidden_sizes=(32, 32), hidden_nonlinearity=torch.tanh
    )
    value_function = GaussianMLPValueFunction(
        env.spec, hidden_sizes=(32, 32), hidden_nonlinearity=torch.tanh
    )
    sampler = LocalSampler(policy, env, max_episode_length=LENGTH)
    tracking = PerTaskTracking(threshold=-30.0, budget=200_000)
    algo = TrackedPPO(
        env.spec,
        policy,
        value_function,
        sampler=sampler,
        discount=0.99,
        gae_lambda=0.95,
        center_adv=True,
        lr_clip_range=0.2,
        tracking=tracking,
    )
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    start = time.perf_counter()
    with contextlib.suppress(_Stop):
        trainer.train(n_epochs=1000, batch_size=2000)
    tracking.report(f'MT-PPO point goals seed {seed}', time.perf_counter() - start)
    assert tracking.solved_at is not None


class TrackedMTSAC(MTSAC):
    """Stops once every task's evaluation succeeds with the threshold's return."""

    def __init__(self, *args, threshold, budget, **kwargs):
        super().__init__(*args, **kwargs)
        self.threshold = threshold
        self.budget = budget
        self.solved_at = None
        self.per_task = {}

    def _evaluate_policy(self, epoch):
        average = super()._evaluate_policy(epoch)
        logged = tabular.as_dict
        self.per_task = {
            name: (logged[f'{name}/AverageReturn'], logged[f'{name}/SuccessRate'])
            for name in GOALS
        }
        steps = self.replay_buffer.n_transitions_stored
        if all(
            ret >= self.threshold and success == 1.0
            for ret, success in self.per_task.values()
        ):
            self.solved_at = steps
            raise _Stop
        if steps >= self.budget:
            raise _Stop
        return average


def test_mtsac_reaches_every_goal(tmp_path):
    """MTSAC: each task's deterministic evaluation reaches its goal, with a
    return of at least -30, within 15,000 steps.

    Threshold: as for PPO; a success ends the episode within 0.14 of the
    goal. The evaluation environments carry the goals' names
    (``TaskNameWrapper``), under which each task is logged.
    """
    deterministic.set_seed(1)
    env = MultiEnvWrapper(
        goal_envs(scaled=True), sample_strategy=round_robin_strategy, mode='vanilla'
    )
    eval_env = [
        TaskNameWrapper(task_env, task_name=name)
        for task_env, name in zip(goal_envs(scaled=True), GOALS, strict=True)
    ]
    policy = TanhGaussianMLPPolicy(
        env.spec, hidden_sizes=(64, 64), min_std=np.exp(-20.0), max_std=np.exp(2.0)
    )
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(64, 64))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(64, 64))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=LENGTH,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': len(GOALS)},
    )
    algo = TrackedMTSAC(
        policy,
        qf1,
        qf2,
        PathBuffer(int(1e5), env.spec),
        env.spec,
        sampler,
        num_tasks=len(GOALS),
        eval_env=eval_env,
        gradient_steps_per_itr=50,
        min_buffer_size=1000,
        buffer_batch_size=256,
        steps_per_epoch=10,
        num_evaluation_episodes=1,
        threshold=-30.0,
        budget=15_000,
    )
    trainer = Trainer(SnapshotConfig(tmp_path, 'none', 1))
    trainer.setup(algo, env)
    start = time.perf_counter()
    with contextlib.suppress(_Stop):
        trainer.train(n_epochs=1000, batch_size=50)
    seconds = time.perf_counter() - start
    per_task = ', '.join(
        f'{name} {ret:.1f} ({success:.0%})'
        for name, (ret, success) in algo.per_task.items()
    )
    alphas = algo._log_alpha.detach().exp().tolist()
    print(
        f'\nMTSAC point goals: {"solved" if algo.solved_at else "NOT solved"} '
        f'with {algo.replay_buffer.n_transitions_stored} steps, {seconds:.0f} s; '
        f'per task evaluation return (success): {per_task}; '
        f'alphas {[round(a, 3) for a in alphas]}'
    )
    assert algo.solved_at is not None
