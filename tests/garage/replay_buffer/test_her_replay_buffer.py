import pickle

import cloudpickle
import numpy as np
import pytest

from garage import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro
from garage.envs import GoalPointEnv
from garage.replay_buffer import HERReplayBuffer, PathBuffer

FIRST, MID = StepType.FIRST, StepType.MID
TERMINAL, TIMEOUT = StepType.TERMINAL, StepType.TIMEOUT

# flattened rows: achieved_goal (0:2), desired_goal (2:4), observation (4)
ACHIEVED, DESIRED, OBS = slice(0, 2), slice(2, 4), 4


def goal_spec():
    goal = akro.Box(-np.inf, np.inf, (2,), np.float32)
    return EnvSpec(
        akro.Dict(
            {
                'observation': akro.Box(-np.inf, np.inf, (1,), np.float32),
                'desired_goal': goal,
                'achieved_goal': goal,
            }
        ),
        akro.Box(-1.0, 1.0, (2,), np.float32),
        100,
    )


def reward_fn(achieved_goal, desired_goal, info):
    """A reward that tells the goals apart: minus their L1 distance."""
    assert info is None
    return -float(np.abs(np.asarray(achieved_goal) - desired_goal).sum())


def path_dicts(n_steps, base=0.0, goal=(-5.0, -5.0), terminal=False):
    """A path whose step t observes t + base, achieves (t + base, 10 (t +
    base)) and desires ``goal``; its next observation is that of t + 1."""

    def obs(t):
        value = t + base
        return {
            'observation': np.array([value]),
            'achieved_goal': np.array([value, 10 * value]),
            'desired_goal': np.array(goal),
        }

    step_types = [FIRST] + [MID] * (n_steps - 2) + [TERMINAL if terminal else TIMEOUT]
    return {
        'observations': [obs(t) for t in range(n_steps)],
        'next_observations': [obs(t + 1) for t in range(n_steps)],
        'actions': np.full((n_steps, 2), 0.5),
        'rewards': np.full(n_steps, -1.0),
        'step_types': np.array(step_types[:n_steps], dtype=np.int8),
    }


def stored(buffer):
    n = buffer.n_transitions_stored
    return {key: array[:n] for key, array in buffer._arrays.items()}


def hindsight(buffer, n_real):
    """The hindsight transitions, stored after the ``n_real`` real ones."""
    return {key: array[n_real:] for key, array in stored(buffer).items()}


def test_future_relabels_with_later_achieved_goals_of_the_same_path():
    buffer = HERReplayBuffer(3, reward_fn, 1000, goal_spec(), rng=0)
    buffer.add_path(path_dicts(5))
    assert buffer.n_transitions_stored == 5 + 3 * 4
    real = stored(buffer)
    np.testing.assert_array_equal(real['observations'][:5, OBS], np.arange(5))
    np.testing.assert_array_equal(real['observations'][:5, DESIRED], -5)
    new = hindsight(buffer, 5)
    steps = new['observations'][:, OBS]
    np.testing.assert_array_equal(steps, np.repeat(np.arange(4), 3))
    goals = new['observations'][:, DESIRED]
    # the goal is the achieved goal of a later observation of the path
    goal_steps = goals[:, 0]
    np.testing.assert_array_equal(goals[:, 1], 10 * goal_steps)
    assert (goal_steps > steps).all()
    assert (goal_steps <= 4).all()
    np.testing.assert_array_equal(new['next_observations'][:, DESIRED], goals)
    np.testing.assert_array_equal(new['next_observations'][:, OBS], steps + 1)
    # rewards recomputed for the achieved goal of the next observation
    expected = [
        reward_fn(np.array([s + 1, 10 * (s + 1)]), g, None)
        for s, g in zip(steps, goals, strict=True)
    ]
    np.testing.assert_allclose(new['rewards'], expected)
    # the next step reached its goal: reward 0
    reached = goal_steps == steps + 1
    assert reached.any()
    np.testing.assert_array_equal(new['rewards'][reached], 0)
    np.testing.assert_array_equal(new['actions'], 0.5)
    assert new['step_types'].tolist() == ([FIRST] * 3 + [MID] * 9)
    assert buffer._path_starts[5:17].all()


def test_future_draws_every_later_step():
    buffer = HERReplayBuffer(200, reward_fn, 10_000, goal_spec(), rng=1)
    buffer.add_path(path_dicts(4))
    new = hindsight(buffer, 4)
    first = new['observations'][:, OBS] == 0
    assert set(new['observations'][first, DESIRED][:, 0].tolist()) == {1, 2, 3}


def test_final_relabels_every_transition_with_the_final_achieved_goal():
    buffer = HERReplayBuffer(
        4, reward_fn, 1000, goal_spec(), replay_strategy='final', rng=0
    )
    assert buffer.replay_strategy == 'final'
    buffer.add_path(path_dicts(5, terminal=True))
    assert buffer.n_transitions_stored == 5 + 5
    new = hindsight(buffer, 5)
    np.testing.assert_array_equal(new['observations'][:, OBS], np.arange(5))
    np.testing.assert_array_equal(new['observations'][:, DESIRED], [[5, 50]] * 5)
    np.testing.assert_array_equal(new['next_observations'][:, DESIRED], [[5, 50]] * 5)
    expected = [
        reward_fn(np.array([t + 1, 10 * (t + 1)]), [5, 50], None) for t in range(5)
    ]
    np.testing.assert_allclose(new['rewards'], expected)
    assert new['rewards'][-1] == 0
    # relabelled transitions never end the episode, as in the original
    assert new['step_types'].tolist() == [FIRST, MID, MID, MID, MID]
    assert stored(buffer)['step_types'][4] == TERMINAL


def test_replay_k_zero_stores_only_real_transitions():
    for strategy in ('future', 'final'):
        buffer = HERReplayBuffer(
            0, reward_fn, 1000, goal_spec(), replay_strategy=strategy
        )
        buffer.add_path(path_dicts(5))
        assert buffer.n_transitions_stored == 5


def test_a_one_step_path_has_no_future():
    buffer = HERReplayBuffer(4, reward_fn, 1000, goal_spec())
    buffer.add_path(path_dicts(1))
    assert buffer.n_transitions_stored == 1


def test_observations_as_flat_rows_or_dict_of_arrays():
    flat = path_dicts(4)
    spec = goal_spec()
    space = spec.observation_space
    flat['observations'] = space.flatten_n(flat['observations'])
    flat['next_observations'] = space.flatten_n(flat['next_observations'])
    by_key = path_dicts(4)
    by_key['observations'] = {
        key: np.stack([o[key] for o in by_key['observations']]) for key in space.spaces
    }
    by_key['next_observations'] = {
        key: np.stack([o[key] for o in by_key['next_observations']])
        for key in space.spaces
    }
    results = []
    for path in (path_dicts(4), flat, by_key):
        buffer = HERReplayBuffer(2, reward_fn, 100, spec, rng=3)
        buffer.add_path(path)
        results.append(stored(buffer))
    for other in results[1:]:
        for key, array in results[0].items():
            np.testing.assert_array_equal(other[key], array)


def test_extra_keys_are_copied_to_hindsight_transitions():
    path = path_dicts(3)
    path['log_probs'] = np.array([0.1, 0.2, 0.3])
    buffer = HERReplayBuffer(2, reward_fn, 100, goal_spec(), rng=0)
    buffer.add_path(path)
    new = hindsight(buffer, 3)
    np.testing.assert_allclose(new['log_probs'], [0.1, 0.1, 0.2, 0.2])
    assert 'log_probs' in buffer.sample_transitions(4)


def episode_batch(spec, lengths, bases, identities=None, step_types=None):
    """Episodes of `path_dicts`, flattened as samplers give them."""
    space = spec.observation_space
    paths = [path_dicts(n, base) for n, base in zip(lengths, bases, strict=True)]
    observations = np.concatenate([space.flatten_n(p['observations']) for p in paths])
    last = np.stack([space.flatten(p['next_observations'][-1]) for p in paths])
    if step_types is None:
        step_types = np.concatenate([p['step_types'] for p in paths])
    return EpisodeBatch(
        env_spec=spec,
        episode_infos={},
        observations=observations,
        last_observations=last,
        actions=np.concatenate([p['actions'] for p in paths]),
        rewards=np.concatenate([p['rewards'] for p in paths]),
        env_infos={},
        agent_infos={},
        step_types=step_types,
        lengths=np.asarray(lengths),
        identities=identities,
    )


def test_episode_batch_relabels_each_episode_with_its_own_goals():
    spec = goal_spec()
    buffer = HERReplayBuffer(4, reward_fn, 1000, spec, rng=0)
    buffer.add_episode_batch(episode_batch(spec, [5, 3], [0, 100]))
    assert buffer.n_transitions_stored == 8 + 4 * 4 + 4 * 2
    # each episode, then its hindsight transitions
    rows = stored(buffer)['observations']
    np.testing.assert_array_equal(rows[:5, OBS], range(5))
    np.testing.assert_array_equal(rows[21:24, OBS], [100, 101, 102])
    for new in (rows[5:21], rows[24:]):
        steps, goals = new[:, OBS], new[:, DESIRED][:, 0]
        assert (goals > steps).all()
        # the goals come from the same episode: below 100 for the first,
        # 101 or 102 for the second
        assert (goals <= (4 if steps[0] < 100 else 102)).all()
    assert (rows[24:, DESIRED][:, 0] >= 101).all()


def test_fragments_are_joined_before_relabelling():
    spec = goal_spec()
    buffer = HERReplayBuffer(2, reward_fn, 1000, spec, rng=0)
    ids = EpisodeBatch.make_identities(worker=0, env=0, episode=0, fragment=0)
    first = episode_batch(
        spec, [3], [0], identities=ids, step_types=np.array([FIRST, MID, MID])
    )
    buffer.add_episode_batch(first)
    assert buffer.n_transitions_stored == 0  # kept until the episode ends
    ids = EpisodeBatch.make_identities(worker=0, env=0, episode=0, fragment=1)
    second = episode_batch(
        spec, [2], [3], identities=ids, step_types=np.array([MID, TIMEOUT])
    )
    state = pickle.dumps(buffer)  # the unfinished fragment pickles too
    buffer.add_episode_batch(second)
    assert buffer.n_transitions_stored == 5 + 2 * 4
    np.testing.assert_array_equal(stored(buffer)['observations'][:5, OBS], range(5))
    new = hindsight(buffer, 5)
    first_step = new['observations'][:, OBS] == 0
    assert (new['observations'][first_step, DESIRED][:, 0] >= 1).all()
    restored = pickle.loads(state)
    restored.add_episode_batch(second)
    for key, array in stored(buffer).items():
        np.testing.assert_array_equal(stored(restored)[key], array)


def test_pickled_buffer_resumes_exactly():
    spec = goal_spec()
    buffer = HERReplayBuffer(4, reward_fn, 50, spec, rng=5)
    buffer.add_path(path_dicts(6))
    for pickler in (pickle, cloudpickle):
        copy = pickler.loads(pickler.dumps(buffer))
        assert copy.reward_fn is reward_fn or copy.reward_fn(0, 0, None) == 0
        assert copy.replay_k == 4
        for target in (buffer, copy):
            target.add_path(path_dicts(7, base=20))
        np.testing.assert_array_equal(
            stored(copy)['observations'], stored(buffer)['observations']
        )
        a, b = buffer.sample_transitions(32), copy.sample_transitions(32)
        for key, array in a.items():
            np.testing.assert_array_equal(b[key], array)


def test_lambda_reward_fn_survives_cloudpickle():
    buffer = HERReplayBuffer(1, lambda a, g, _: -1.0, 20, goal_spec())
    copy = cloudpickle.loads(cloudpickle.dumps(buffer))
    copy.add_path(path_dicts(3))
    assert (hindsight(copy, 3)['rewards'] == -1).all()


def test_is_a_path_buffer():
    assert isinstance(HERReplayBuffer(1, reward_fn, 10, goal_spec()), PathBuffer)


@pytest.mark.parametrize(
    ('kwargs', 'error', 'match'),
    [
        ({'replay_k': -1}, ValueError, 'replay_k'),
        ({'replay_k': 1.5}, ValueError, 'replay_k'),
        ({'reward_fn': 3}, TypeError, 'reward_fn must be callable'),
        ({'replay_strategy': 'episode'}, ValueError, 'replay_strategy'),
        ({'capacity_in_transitions': 0}, ValueError, 'capacity_in_transitions'),
        ({'env_spec': None}, TypeError, 'env_spec'),
    ],
)
def test_argument_errors(kwargs, error, match):
    args = dict(
        replay_k=4,
        reward_fn=reward_fn,
        capacity_in_transitions=10,
        env_spec=goal_spec(),
    )
    with pytest.raises(error, match=match):
        HERReplayBuffer(**{**args, **kwargs})


def test_needs_goal_conditioned_observations():
    spec = EnvSpec(
        akro.Box(-1, 1, (3,), np.float32), akro.Box(-1, 1, (1,), np.float32), 10
    )
    with pytest.raises(ValueError, match='achieved_goal'):
        HERReplayBuffer(4, reward_fn, 10, spec)
    space = akro.Dict(
        {
            'achieved_goal': akro.Box(-1, 1, (3,), np.float32),
            'desired_goal': akro.Box(-1, 1, (2,), np.float32),
        }
    )
    with pytest.raises(ValueError, match='same size'):
        HERReplayBuffer(4, reward_fn, 10, EnvSpec(space, spec.action_space, 10))


def test_goal_point_env_paths():
    env = GoalPointEnv()
    env.seed(0)
    buffer = HERReplayBuffer(4, env.compute_reward, 1000, env.spec, rng=0)
    obs, _ = env.reset()
    path = {key: [] for key in ('observations', 'next_observations', 'actions')}
    rewards, step_types = [], []
    for _ in range(50):
        step = env.step(np.array([1.0, 0.0]))
        path['observations'].append(obs)
        path['next_observations'].append(step.observation)
        path['actions'].append(step.action)
        rewards.append(step.reward)
        step_types.append(step.step_type)
        obs = step.observation
    assert step.step_type == TIMEOUT
    buffer.add_path(
        {**path, 'rewards': np.array(rewards), 'step_types': np.array(step_types)}
    )
    assert buffer.n_transitions_stored == 50 + 4 * 49
    new = hindsight(buffer, 50)
    # rewards agree with the environment's: 0 where the next position is
    # within the threshold of the relabelled goal
    distance = np.linalg.norm(
        new['next_observations'][:, 0:2] - new['next_observations'][:, 2:4], axis=1
    )
    np.testing.assert_array_equal(new['rewards'], -(distance > 0.05).astype(np.float32))
    assert (new['rewards'] == 0).any()


@pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')
def test_ddpg_with_her_resumes_exactly_from_fragments(tmp_path):
    import torch

    from garage.experiment import SnapshotConfig, deterministic
    from garage.np.exploration_policies import AddGaussianNoise
    from garage.sampler import FragmentWorker, LocalSampler
    from garage.torch.algos import DDPG
    from garage.torch.policies import DeterministicMLPPolicy
    from garage.torch.q_functions import ContinuousMLPQFunction
    from garage.trainer import Trainer

    def make():
        env = GoalPointEnv(max_episode_length=8)
        policy = DeterministicMLPPolicy(
            env.spec, hidden_sizes=(8,), output_nonlinearity=torch.tanh
        )
        qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(8,))
        noise = AddGaussianNoise(env.spec, policy, total_timesteps=1)
        # fragments of 3 steps of episodes of 8: episodes end across batches
        sampler = LocalSampler(
            noise,
            env,
            max_episode_length=8,
            n_workers=1,
            worker_class=FragmentWorker,
            worker_args=dict(n_envs=2, timesteps_per_call=3),
        )
        buffer = HERReplayBuffer(4, env.compute_reward, 1000, env.spec)
        algo = DDPG(
            env.spec,
            policy,
            qf,
            buffer,
            sampler,
            exploration_policy=noise,
            steps_per_epoch=2,
            n_train_steps=2,
            min_buffer_size=10,
            buffer_batch_size=8,
            num_evaluation_episodes=1,
        )
        return algo, env

    def run(n_epochs, resume_from=None):
        deterministic.set_seed(4)
        trainer = Trainer(SnapshotConfig(tmp_path, 'all', 1))
        if resume_from is None:
            algo, env = make()
            trainer.setup(algo, env)
            result = trainer.train(n_epochs=n_epochs, batch_size=6, progress=False)
        else:
            trainer.restore(tmp_path, resume_from)
            result = trainer.resume(n_epochs=n_epochs)
        return trainer._algo, result

    algo, result = run(4)
    assert algo.replay_buffer._joiner._unfinished  # an episode under way
    resumed, resumed_result = run(4, resume_from=1)
    assert resumed_result == result
    assert (
        resumed.replay_buffer.n_transitions_stored
        == algo.replay_buffer.n_transitions_stored
    )
    for key, array in stored(algo.replay_buffer).items():
        np.testing.assert_array_equal(stored(resumed.replay_buffer)[key], array)
    for net, resumed_net in zip(algo.networks, resumed.networks, strict=True):
        for p, q in zip(net.parameters(), resumed_net.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=0)
