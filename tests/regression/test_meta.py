"""Does MAML still meta-learn? Meta-train on goal-reaching, then adapt.

MAML-TRPO meta-trains on `PointEnv`'s goal tasks (goals uniform in
[-2, 2]^2, reward the negative distance to the goal, 30-step episodes),
then meta-tests on 20 new goals: for each, 10 episodes with the meta
policy (pre-adaptation), one inner step on them, and 10 episodes with the
adapted policy (post-adaptation). Run with ``pytest -m regression -s`` to
see the numbers.

Budget: 15 meta-steps of 10 tasks x 300 steps (x 2: before and after the
inner step), 90,000 environment steps, about 20 s per seed on one loaded
core (27 s with the meta-tests).

Threshold: the adaptation gain (post- minus pre-adaptation return) must be
at least 8, and at least 4 more than the gain of the same inner step taken
from the untrained policy, so that it is meta-learning and not the inner
step alone that passes. For scale: over these goals, staying at the
origin returns about -46 and walking straight to the goal about -9; the
untrained policy's random walk returns about -58. In development runs
(the seeds here) the untrained gain was 6.4 and 3.9, and after
meta-training pre-adaptation stayed near -56 while post-adaptation rose
to -37.7, a gain of 18.5 and 18.6: the thresholds leave a margin of about
10 either way.
"""

import time

import numpy as np
import pytest
import torch

from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
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
N_EPOCHS = 15
MIN_GAIN = 8.0
MIN_GAIN_OVER_UNTRAINED = 4.0


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _mean_return(episodes):
    starts = np.cumsum(episodes.lengths) - episodes.lengths
    return float(np.add.reduceat(episodes.rewards, starts).mean())


def _meta_test(algo, n_tasks=20):
    """Mean pre- and post-adaptation returns on new goals."""
    deterministic.set_seed(1000)  # the same test goals for every run
    sampler = LocalSampler(
        algo.policy,
        GoalPointEnv(),
        max_episode_length=GOAL_EPISODE_LENGTH,
        n_workers=1,
        seed=1000,
    )
    pre, post = [], []
    for task in SetTaskSampler(GoalPointEnv).sample(n_tasks):
        policy = algo.get_exploration_policy()
        exploration = sampler.obtain_exact_episodes(EPISODES_PER_TASK, policy, task)
        adapted = algo.adapt_policy(policy, exploration)
        pre.append(_mean_return(exploration))
        post.append(
            _mean_return(sampler.obtain_exact_episodes(EPISODES_PER_TASK, adapted))
        )
    return float(np.mean(pre)), float(np.mean(post))


@pytest.mark.parametrize('seed', [1, 2])
def test_maml_trpo_adapts_to_new_goals(seed, tmp_path):
    deterministic.set_seed(seed)
    env = GoalPointEnv()
    policy = GaussianMLPPolicy(
        env.spec, hidden_sizes=(32, 32), hidden_nonlinearity=torch.tanh
    )
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(32, 32))
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
        meta_batch_size=10,
    )
    untrained_pre, untrained_post = _meta_test(algo)
    deterministic.set_seed(seed)
    trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
    trainer.setup(algo, env)
    start = time.perf_counter()
    trainer.train(
        n_epochs=N_EPOCHS,
        batch_size=EPISODES_PER_TASK * GOAL_EPISODE_LENGTH,
        progress=False,
    )
    seconds = time.perf_counter() - start
    pre, post = _meta_test(algo)
    untrained_gain, gain = untrained_post - untrained_pre, post - pre
    print(
        f'\nMAML-TRPO seed {seed} ({seconds:.1f} s): untrained pre '
        f'{untrained_pre:.1f} post {untrained_post:.1f}; meta-trained pre '
        f'{pre:.1f} post {post:.1f} (gain {gain:.1f}, untrained gain '
        f'{untrained_gain:.1f})'
    )
    assert gain >= MIN_GAIN
    assert gain >= untrained_gain + MIN_GAIN_OVER_UNTRAINED
