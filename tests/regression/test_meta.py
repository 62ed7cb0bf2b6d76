"""Does MAML still meta-learn? Meta-train on goal-reaching, then adapt.

MAML-TRPO meta-trains on `PointEnv`'s goal tasks (goals uniform in
[-2, 2]^2, reward the negative distance to the goal, 30-step episodes),
then meta-tests on 20 new goals: for each, 10 episodes with the meta
policy (pre-adaptation), one inner step on them, and 10 episodes with the
adapted policy (post-adaptation). A non-meta baseline, TRPO with the same
policy network, trains on goals from the same `SetTaskSampler` (10 new
goals every epoch) and is tested on the same 20 goals, 10 episodes each.
Run with ``pytest -m regression -s`` to see the numbers.

Budget: 15 meta-steps of 10 tasks x 300 steps (x 2: before and after the
inner step), 90,000 environment steps, about 20 s per seed on one loaded
core (27 s with the meta-tests). The baseline gets the same: 15 epochs of
6,000 steps (20 episodes of each of 10 goals), as many updates in the same
trust region (``max_kl_step`` 0.01) and as many steps; it takes about as
long as MAML.

Thresholds: the adaptation gain (post- minus pre-adaptation return) must
be at least 8, and at least 4 more than the gain of the same inner step
taken from the untrained policy, so that it is meta-learning and not the
inner step alone that passes; and the post-adaptation return must beat
the baseline's by at least 8. For scale: over these goals, staying at the
origin returns about -46 (the best a policy that cannot tell where the
goal is can do) and walking straight to the goal about -9; the untrained
policy's random walk returns about -58. In development runs (the seeds
here) the untrained gain was 6.4 and 3.9, and after meta-training
pre-adaptation stayed near -56 while post-adaptation rose to -37.7, a gain
of 18.5 and 18.6: the first two thresholds leave a margin of about 10
either way. The baseline returned -58.8 and -53.5, 21.1 and 15.8 below
MAML's post-adaptation return: the last threshold is half the smaller gap.
"""

import time

import numpy as np
import pytest
import torch

from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from fixtures.meta_baseline import MultiTaskTRPO
from garage.experiment import SetTaskSampler, SnapshotConfig, deterministic
from garage.sampler import LocalSampler
from garage.torch.algos import MAMLTRPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)'),
    pytest.mark.filterwarnings('ignore::dowel.tabular_input.TabularInputWarning'),
]

EPISODES_PER_TASK = 10
META_BATCH_SIZE = 10
N_EPOCHS = 15
N_TEST_TASKS = 20
# the baseline's epoch: MAML's steps (10 tasks x 2 batches of 10 episodes)
BASELINE_BATCH = META_BATCH_SIZE * 2 * EPISODES_PER_TASK * GOAL_EPISODE_LENGTH
MIN_GAIN = 8.0
MIN_GAIN_OVER_UNTRAINED = 4.0
MIN_GAIN_OVER_BASELINE = 8.0


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _mean_return(episodes):
    starts = np.cumsum(episodes.lengths) - episodes.lengths
    return float(np.add.reduceat(episodes.rewards, starts).mean())


def _test_setup(policy):
    """The held-out goals, the same for every run, and a sampler for them."""
    deterministic.set_seed(1000)
    sampler = LocalSampler(
        policy,
        GoalPointEnv(),
        max_episode_length=GOAL_EPISODE_LENGTH,
        n_workers=1,
        seed=1000,
    )
    return SetTaskSampler(GoalPointEnv).sample(N_TEST_TASKS), sampler


def _meta_test(algo):
    """Mean pre- and post-adaptation returns on the held-out goals."""
    tasks, sampler = _test_setup(algo.policy)
    pre, post = [], []
    for task in tasks:
        policy = algo.get_exploration_policy()
        exploration = sampler.obtain_exact_episodes(EPISODES_PER_TASK, policy, task)
        adapted = algo.adapt_policy(policy, exploration)
        pre.append(_mean_return(exploration))
        post.append(
            _mean_return(sampler.obtain_exact_episodes(EPISODES_PER_TASK, adapted))
        )
    return float(np.mean(pre)), float(np.mean(post))


def _baseline_test(policy):
    """Mean return of a policy that does not adapt, on the held-out goals."""
    tasks, sampler = _test_setup(policy)
    returns = [
        _mean_return(sampler.obtain_exact_episodes(EPISODES_PER_TASK, policy, task))
        for task in tasks
    ]
    return float(np.mean(returns))


def _policy_and_value_function(env):
    policy = GaussianMLPPolicy(
        env.spec, hidden_sizes=(32, 32), hidden_nonlinearity=torch.tanh
    )
    return policy, GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))


def _train_baseline(seed, log_dir):
    """TRPO, no meta-learning, on new goals every epoch: MAML's steps."""
    deterministic.set_seed(seed)
    env = GoalPointEnv()
    policy, value_function = _policy_and_value_function(env)
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=GOAL_EPISODE_LENGTH,
        n_workers=META_BATCH_SIZE,
    )
    algo = MultiTaskTRPO(
        env.spec,
        policy,
        value_function,
        sampler,
        task_sampler=SetTaskSampler(GoalPointEnv),
        n_tasks=META_BATCH_SIZE,
    )
    trainer = Trainer(SnapshotConfig(str(log_dir), 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=N_EPOCHS, batch_size=BASELINE_BATCH, progress=False)
    return policy


@pytest.mark.parametrize('seed', [1, 2])
def test_maml_trpo_adapts_to_new_goals(seed, tmp_path):
    deterministic.set_seed(seed)
    env = GoalPointEnv()
    policy, value_function = _policy_and_value_function(env)
    sampler = LocalSampler(
        policy, env, max_episode_length=GOAL_EPISODE_LENGTH, n_workers=1
    )
    algo = MAMLTRPO(
        env,
        policy,
        value_function,
        sampler,
        SetTaskSampler(GoalPointEnv),
        inner_lr=0.1,
        meta_batch_size=META_BATCH_SIZE,
    )
    untrained_pre, untrained_post = _meta_test(algo)
    deterministic.set_seed(seed)
    trainer = Trainer(SnapshotConfig(str(tmp_path / 'maml'), 'none', 1))
    trainer.setup(algo, env)
    start = time.perf_counter()
    trainer.train(
        n_epochs=N_EPOCHS,
        batch_size=EPISODES_PER_TASK * GOAL_EPISODE_LENGTH,
        progress=False,
    )
    seconds = time.perf_counter() - start
    pre, post = _meta_test(algo)
    start = time.perf_counter()
    baseline = _baseline_test(_train_baseline(seed, tmp_path / 'trpo'))
    baseline_seconds = time.perf_counter() - start
    untrained_gain, gain = untrained_post - untrained_pre, post - pre
    print(
        f'\nMAML-TRPO seed {seed} ({seconds:.1f} s): untrained pre '
        f'{untrained_pre:.1f} post {untrained_post:.1f}; meta-trained pre '
        f'{pre:.1f} post {post:.1f} (gain {gain:.1f}, untrained gain '
        f'{untrained_gain:.1f}); non-meta TRPO baseline {baseline:.1f} '
        f'({baseline_seconds:.1f} s)'
    )
    assert gain >= MIN_GAIN
    assert gain >= untrained_gain + MIN_GAIN_OVER_UNTRAINED
    assert post >= baseline + MIN_GAIN_OVER_BASELINE
