"""Does PEARL infer the task? Goal reaching on the point environment.

Each task is a goal drawn uniformly from ``[-2, 2]^2`` (``PointEnv`` through
a ``SetTaskSampler``); the point starts at the origin, moves at most 0.1 per
coordinate a step and earns minus its distance to the goal each step, for
30 steps an episode. The observation, ``(x, y, distance)``, does not say
where the goal is, so a policy conditioned on a latent variable drawn from
the prior can only head for a compromise, while one conditioned on the
posterior inferred from a few transitions of the task can head for the goal.

PEARL trains on 30 goals for 40 epochs of 200 gradient steps (8 tasks
of 128 transitions each, contexts of 64 transitions), sampling 5 tasks an
epoch (30 steps with the prior, 30 more with the posterior for the
actor-critic only). It is then meta-tested as `MetaEvaluator` does, on 20
new goals, acting with the mean action: 2 exploration episodes with the
latent variable drawn from the prior (their average return is the *prior*
return), the posterior inferred from them by ``adapt_policy``, and one
episode with the latent variable drawn from the posterior (the *posterior*
return).

Thresholds: a policy that ignores the goal returns about -45 (heading for
the centre) to -70 (wandering), and the prior returns here stay in that
range. With the settings here (14 minutes for both seeds on a 2-core
machine shared with other jobs), seed 1 printed -60.18 (prior) and -39.68
(posterior), seed 2 -59.65 and -45.18: gaps of 20.5 and 14.5. A run of
seed 1 with these settings, meta-tested every 10 epochs (which moved its
random state), showed gaps of 3.6, 12.4, 23.0, 24.6 and 18.4 after 10 to 50
epochs: 40 epochs are past where the gap stops growing. The test asks the
posterior to beat the prior by 7.0, half the smallest gap seen: a policy
that did not use the posterior would gain nothing from it.
"""

import numpy as np
import pytest
import torch

from garage.envs import PointEnv
from garage.experiment import SetTaskSampler, SnapshotConfig, deterministic
from garage.sampler import LocalSampler, WorkerFactory
from garage.torch.algos import PEARL
from garage.torch.algos.pearl import PEARLWorker
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

pytestmark = [
    pytest.mark.regression,
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        'ignore:.*(No outputs|accepted by any output)',
        'ignore::dowel.tabular_input.TabularInputWarning',
    ),
]

LENGTH = 30  # steps per episode
EPOCHS = 40
N_TRAIN_TASKS = 30
LATENT_DIM = 3
HIDDEN_SIZES = (64, 64)
N_TEST_TASKS = 20
N_EXPLORATION_EPS = 2
MARGIN = 7.0


class GoalPointEnv(PointEnv):
    """`PointEnv` with 30-step episodes, which ``SetTaskSampler`` builds."""

    def __init__(self):
        super().__init__(max_episode_length=LENGTH)


@pytest.fixture(autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _train(seed, log_dir):
    deterministic.set_seed(seed)
    tasks = SetTaskSampler(GoalPointEnv).sample(N_TRAIN_TASKS)
    env = GoalPointEnv()
    augmented = PEARL.augment_env_spec(env.spec, LATENT_DIM)
    vf_spec = PEARL.get_env_spec(env.spec, LATENT_DIM, 'vf')
    algo = PEARL(
        tasks,
        TanhGaussianMLPPolicy(augmented, hidden_sizes=HIDDEN_SIZES),
        ContinuousMLPQFunction(augmented, hidden_sizes=HIDDEN_SIZES),
        ContinuousMLPQFunction(vf_spec, hidden_sizes=HIDDEN_SIZES),
        LocalSampler(
            agents=None,
            envs=env,
            max_episode_length=LENGTH,
            n_workers=1,
            worker_class=PEARLWorker,
        ),
        num_train_tasks=N_TRAIN_TASKS,
        num_test_tasks=1,  # the per-epoch meta-test; the real one is below
        latent_dim=LATENT_DIM,
        encoder_hidden_sizes=HIDDEN_SIZES,
        test_env_sampler=SetTaskSampler(GoalPointEnv),
        meta_batch_size=8,
        num_steps_per_epoch=200,
        num_initial_steps=2 * LENGTH,
        num_tasks_sample=5,
        num_steps_prior=LENGTH,
        num_extra_rl_steps_posterior=LENGTH,
        batch_size=128,
        embedding_batch_size=64,
        embedding_mini_batch_size=64,
        discount=0.9,
        reward_scale=5.0,
        policy_lr=1e-3,
        qf_lr=1e-3,
        vf_lr=1e-3,
        context_lr=1e-3,
    )
    trainer = Trainer(SnapshotConfig(str(log_dir), 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=EPOCHS, batch_size=LENGTH, progress=False)
    return algo


def _meta_test(algo):
    """The average prior and posterior returns on new goals."""
    sampler = LocalSampler.from_worker_factory(
        WorkerFactory(
            seed=123,
            max_episode_length=LENGTH,
            n_workers=1,
            worker_class=PEARLWorker,
            worker_args=dict(deterministic=True, accum_context=True),
        ),
        agents=algo.get_exploration_policy(),
        envs=GoalPointEnv(),
    )
    prior, posterior = [], []
    for task in SetTaskSampler(GoalPointEnv).sample(N_TEST_TASKS):
        policy = algo.get_exploration_policy()
        exploration = sampler.obtain_exact_episodes(N_EXPLORATION_EPS, policy, task)
        prior.append(exploration.rewards.sum() / N_EXPLORATION_EPS)
        adapted = algo.adapt_policy(policy, exploration)
        posterior.append(sampler.obtain_exact_episodes(1, adapted).rewards.sum())
    sampler.shutdown_worker()
    return float(np.mean(prior)), float(np.mean(posterior))


@pytest.mark.parametrize('seed', [1, 2])
def test_posterior_return_beats_the_prior_return(seed, tmp_path):
    algo = _train(seed, tmp_path)
    prior, posterior = _meta_test(algo)
    print(f'PEARL seed {seed}: prior return {prior:.2f}, posterior {posterior:.2f}')
    assert posterior > prior + MARGIN, (prior, posterior)
