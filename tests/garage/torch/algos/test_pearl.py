"""PEARL and PEARLWorker: specs, buffers, the gradient step, resume."""

import contextlib

import numpy as np
import pytest
import torch

from fixtures.logs import RowRecorder
from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from garage import EnvSpec, InOutSpec
from garage._dowel import dowel
from garage.experiment import SetTaskSampler, SnapshotConfig
from garage.experiment.deterministic import set_seed
from garage.np.algos import MetaRLAlgorithm
from garage.sampler import LocalSampler
from garage.torch.algos import PEARL
from garage.torch.algos.pearl import PEARLWorker
from garage.torch.policies import ContextConditionedPolicy, TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import EpochRecord, Trainer

pytestmark = pytest.mark.filterwarnings(
    'ignore:.*(No outputs|accepted by any output)',
    'ignore::dowel.tabular_input.TabularInputWarning',
)

LATENT_DIM = 2
OPTIONS = dict(
    num_train_tasks=3,
    num_test_tasks=2,
    latent_dim=LATENT_DIM,
    encoder_hidden_sizes=(8,),
    meta_batch_size=2,
    num_steps_per_epoch=3,
    num_initial_steps=GOAL_EPISODE_LENGTH,
    num_tasks_sample=2,
    num_steps_prior=GOAL_EPISODE_LENGTH,
    num_steps_posterior=GOAL_EPISODE_LENGTH,
    num_extra_rl_steps_posterior=GOAL_EPISODE_LENGTH,
    batch_size=16,
    embedding_batch_size=8,
    embedding_mini_batch_size=8,
)


def build(**kwargs):
    env = SetTaskSampler(GoalPointEnv).sample(3)
    env_spec = GoalPointEnv().spec
    augmented = PEARL.augment_env_spec(env_spec, LATENT_DIM)
    qf = ContinuousMLPQFunction(augmented, hidden_sizes=(8,))
    vf = ContinuousMLPQFunction(
        PEARL.get_env_spec(env_spec, LATENT_DIM, 'vf'), hidden_sizes=(8,)
    )
    inner_policy = TanhGaussianMLPPolicy(augmented, hidden_sizes=(8,))
    sampler = LocalSampler(
        agents=None,
        envs=GoalPointEnv(),
        max_episode_length=GOAL_EPISODE_LENGTH,
        n_workers=1,
        worker_class=PEARLWorker,
    )
    options = dict(OPTIONS, **kwargs)
    return PEARL(
        env,
        inner_policy,
        qf,
        vf,
        sampler,
        test_env_sampler=SetTaskSampler(GoalPointEnv),
        **options,
    )


class _SamplingTrainer:
    """What PEARL asks of the trainer to sample."""

    def __init__(self, algo):
        self.algo = algo

    def obtain_episodes(self, itr, batch_size, agent_update, env_update):
        return self.algo.sampler.obtain_samples(
            itr, batch_size, agent_update, env_update
        )


def test_augmented_and_module_specs_have_the_latent_dimension():
    env = GoalPointEnv()
    augmented = PEARL.augment_env_spec(env.spec, 5)
    assert isinstance(augmented, EnvSpec)
    assert augmented.observation_space.shape == (3 + 5,)
    assert augmented.action_space.shape == (2,)
    # the original's examples give the environment itself
    assert PEARL.augment_env_spec(env, 5).observation_space.shape == (8,)
    encoder = PEARL.get_env_spec(env.spec, 5, 'encoder')
    assert isinstance(encoder, InOutSpec)
    assert encoder.input_space.shape == (3 + 2 + 1,)
    assert encoder.output_space.shape == (10,)
    vf = PEARL.get_env_spec(env, 5, 'vf')
    assert isinstance(vf, EnvSpec)
    assert vf.observation_space.shape == (3,)
    assert vf.action_space.shape == (5,)
    with pytest.raises(ValueError, match="module must be one of 'encoder', 'vf'"):
        PEARL.get_env_spec(env.spec, 5, 'qf')


@pytest.mark.parametrize(
    ('bottleneck', 'next_obs', 'in_dim', 'out_dim'),
    [(True, False, 6, 4), (False, False, 6, 2), (True, True, 9, 4)],
)
def test_builds_the_encoder_for_its_options(bottleneck, next_obs, in_dim, out_dim):
    algo = build(
        use_information_bottleneck=bottleneck, use_next_obs_in_context=next_obs
    )
    assert isinstance(algo, MetaRLAlgorithm)
    assert isinstance(algo.policy, ContextConditionedPolicy)
    encoder = algo.policy.networks[0]
    assert (encoder.input_dim, encoder.output_dim) == (in_dim, out_dim)
    assert algo.max_episode_length == GOAL_EPISODE_LENGTH


def rollout(worker, policy, n_episodes=1):
    worker.update_agent(policy)
    worker.update_env(GoalPointEnv())
    return [worker.rollout() for _ in range(n_episodes)]


def test_worker_accumulates_context_and_samples_z_per_episode():
    set_seed(1)
    policy = build().get_exploration_policy()
    worker = PEARLWorker(
        seed=1,
        max_episode_length=GOAL_EPISODE_LENGTH,
        worker_number=0,
        accum_context=True,
    )
    zs = []
    worker.update_agent(policy)
    worker.update_env(GoalPointEnv())
    for _ in range(2):
        episode = worker.rollout()
        zs.append(worker.agent.z.clone())
    context = worker.agent.context
    assert context.shape == (1, 2 * GOAL_EPISODE_LENGTH, 3 + 2 + 1)
    np.testing.assert_allclose(
        context[0, -GOAL_EPISODE_LENGTH:, :3].numpy(), episode.observations
    )
    np.testing.assert_allclose(
        context[0, -GOAL_EPISODE_LENGTH:, 5].numpy(), episode.rewards, rtol=1e-6
    )
    assert not torch.equal(zs[0], zs[1])  # z from the prior, each episode

    plain = PEARLWorker(seed=1, max_episode_length=GOAL_EPISODE_LENGTH, worker_number=0)
    rollout(plain, build().get_exploration_policy())
    assert plain.agent.context is None


def test_deterministic_worker_takes_the_mean_action():
    set_seed(1)
    worker = PEARLWorker(
        seed=1,
        max_episode_length=GOAL_EPISODE_LENGTH,
        worker_number=0,
        deterministic=True,
    )
    (episode,) = rollout(worker, build().get_exploration_policy())
    np.testing.assert_array_equal(episode.actions, episode.agent_infos['mean'])
    assert not worker.agent.deterministic  # only while stepping


def test_fills_each_tasks_replay_and_context_buffers():
    set_seed(1)
    algo = build()
    trainer = _SamplingTrainer(algo)
    algo._obtain_samples(trainer, 0, 1, 2 * GOAL_EPISODE_LENGTH, np.inf)
    assert algo._replay_buffers[1].n_transitions_stored == 2 * GOAL_EPISODE_LENGTH
    assert algo._context_replay_buffers[1].n_transitions_stored == (
        2 * GOAL_EPISODE_LENGTH
    )
    assert algo._replay_buffers[0].n_transitions_stored == 0
    assert torch.equal(algo.policy.z_vars, torch.ones(1, LATENT_DIM))
    # with the posterior: the context buffer only if asked, belief updated
    algo._obtain_samples(trainer, 0, 1, GOAL_EPISODE_LENGTH, 1, add_to_enc_buffer=False)
    assert algo._replay_buffers[1].n_transitions_stored == 3 * GOAL_EPISODE_LENGTH
    assert algo._context_replay_buffers[1].n_transitions_stored == (
        2 * GOAL_EPISODE_LENGTH
    )
    assert (algo.policy.z_vars < 1).all()  # the posterior, not the prior
    context = algo._sample_context([1, 1])
    assert context.shape == (2, OPTIONS['embedding_batch_size'], 6)
    data = algo._sample_data([1, 1, 1])
    assert [tuple(t.shape) for t in data] == [
        (3, 16, 3),
        (3, 16, 2),
        (3, 16, 1),
        (3, 16, 3),
        (3, 16, 1),
    ]


@pytest.mark.parametrize('bottleneck', [True, False])
def test_gradient_step_trains_every_network(bottleneck):
    set_seed(1)
    algo = build(use_information_bottleneck=bottleneck)
    trainer = _SamplingTrainer(algo)
    for idx in range(3):
        algo._obtain_samples(trainer, 0, idx, GOAL_EPISODE_LENGTH, np.inf)
    before = [[p.detach().clone() for p in net.parameters()] for net in algo.networks]
    algo._optimize_policy([0, 2])
    assert algo.policy.z.shape == (2, LATENT_DIM)
    for net, old in zip(algo.networks, before, strict=True):
        new = list(net.parameters())
        assert all(torch.isfinite(p).all() for p in new)
        assert any(not torch.equal(a, b) for a, b in zip(new, old, strict=True)), net
    stats = algo._step_stats.summaries(['kl_div'])
    assert (stats['kl_div'].mean > 0) == bottleneck


def test_adapt_policy_conditions_a_copy_on_the_posterior():
    set_seed(1)
    algo = build()
    exploration = algo.get_exploration_policy()
    assert exploration is not algo.policy
    episodes = algo.sampler.obtain_samples(
        0, GOAL_EPISODE_LENGTH, exploration, SetTaskSampler(GoalPointEnv).sample(1)[0]
    )
    before = {k: v.clone() for k, v in algo.policy.state_dict().items()}
    adapted = algo.adapt_policy(exploration, episodes)
    assert adapted is exploration
    assert (adapted.z_vars < 1).all()
    torch.testing.assert_close(algo.policy.state_dict(), before, rtol=0, atol=0)


@pytest.mark.parametrize(
    ('name', 'value'),
    [
        ('num_train_tasks', 0),
        ('latent_dim', 0),
        ('meta_batch_size', 0),
        ('num_steps_per_epoch', 0),
        ('num_tasks_sample', -1),
        ('batch_size', 0),
        ('embedding_batch_size', 0),
        ('update_post_train', 0),
        ('discount', 1.5),
        ('soft_target_tau', 2.0),
        ('kl_lambda', -1.0),
        ('policy_lr', 0.0),
        ('context_lr', -1.0),
        ('num_test_tasks', 0),
    ],
)
def test_bad_arguments_are_named(name, value):
    with pytest.raises(ValueError, match=name):
        build(**{name: value})


def test_needs_one_environment_per_training_task():
    with pytest.raises(ValueError, match='num_train_tasks=4'):
        build(num_train_tasks=4)


@contextlib.contextmanager
def recorded_rows():
    """The rows logged while in use, without timings."""
    recorder = RowRecorder()
    dowel.logger.add_output(recorder)
    rows = []
    try:
        yield rows
    finally:
        dowel.logger.remove_output_type(RowRecorder)
        rows.extend(
            {k: v for k, v in row.items() if not k.startswith('Time/')}
            for row in recorder.rows
        )


def train(directory, n_epochs, mode='last'):
    set_seed(1)
    algo = build()
    trainer = Trainer(SnapshotConfig(str(directory), mode, 1))
    trainer.setup(algo, GoalPointEnv())
    trainer.train(n_epochs=n_epochs, batch_size=GOAL_EPISODE_LENGTH, progress=False)
    return trainer


def test_trains_meta_tests_and_resumes_exactly(tmp_path):
    with recorded_rows() as straight:
        uninterrupted = train(tmp_path / 'straight', 2, mode='none')
    with recorded_rows() as split:
        train(tmp_path / 'split', 1)
        set_seed(12345)  # the global RNGs move on, as in a new process
        torch.rand(3)
        np.random.rand(3)
        resumed = Trainer(SnapshotConfig(str(tmp_path / 'split'), 'last', 1))
        resumed.restore(tmp_path / 'split')
        resumed.resume(n_epochs=2)

    a, b = resumed._algo, uninterrupted._algo
    for net_a, net_b in zip(a.networks, b.networks, strict=True):
        torch.testing.assert_close(
            net_a.state_dict(), net_b.state_dict(), rtol=0, atol=0
        )
    torch.testing.assert_close(
        a.policy.state_dict(), b.policy.state_dict(), rtol=0, atol=0
    )
    for name in (
        '_policy_optimizer',
        'qf1_optimizer',
        'vf_optimizer',
        'context_optimizer',
    ):
        torch.testing.assert_close(
            getattr(a, name).state_dict(), getattr(b, name).state_dict(), rtol=0, atol=0
        )
    for idx in range(3):
        for buffers in ('_replay_buffers', '_context_replay_buffers'):
            x = getattr(a, buffers)[idx].sample_transitions(5)
            y = getattr(b, buffers)[idx].sample_transitions(5)
            for key in x:
                np.testing.assert_array_equal(x[key], y[key])
    assert resumed.total_env_steps == uninterrupted.total_env_steps
    assert len(straight) == 2
    assert repr(split) == repr(straight)  # repr: NaN equals NaN
    row = straight[-1]
    for key in (
        'MetaTest/Average/AverageReturn',
        'MetaTest/Task #1/AverageReturn',
        'QF/Loss',
        'VF/Loss',
        'Policy/Loss',
        'Encoder/KLDivergence',
    ):
        assert key in row, key
    record = uninterrupted.last_record
    assert isinstance(record, EpochRecord)
    assert record.evaluation_return == pytest.approx(
        row['MetaTest/Average/AverageReturn']
    )
    # the first epoch sampled the initial steps of all three tasks too
    assert straight[0]['TotalEnvSteps'] > straight[1]['TotalEnvSteps'] / 2
