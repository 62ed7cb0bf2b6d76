import pickle

import cloudpickle
import numpy as np
import pytest

from garage import EnvSpec, EpisodeBatch, StepType, TimeStepBatch
from garage._legacy_gym import akro
from garage.replay_buffer import PathBuffer, ReplayBuffer

FIRST, MID = StepType.FIRST, StepType.MID
TERMINAL, TIMEOUT = StepType.TERMINAL, StepType.TIMEOUT


def box_spec(obs_dim=3, action_dim=1, max_episode_length=100):
    return EnvSpec(
        akro.Box(-np.inf, np.inf, (obs_dim,), np.float32),
        akro.Box(-2.0, 2.0, (action_dim,), np.float32),
        max_episode_length,
    )


def discrete_spec():
    return EnvSpec(akro.Discrete(5), akro.Discrete(3), 100)


def make_batch(lengths, step_types=None, start=0, spec=None):
    """Episodes whose step i (counting across the batch from ``start``)
    has observation [i, i, i], action [i / 100], reward i, and whose last
    observation is 1000 + the episode's last step."""
    spec = spec or box_spec()
    lengths = np.asarray(lengths)
    n = int(lengths.sum())
    steps = np.arange(start, start + n, dtype=np.float32)
    if step_types is None:
        step_types = []
        for length in lengths:
            step_types += ([FIRST] + [MID] * (length - 2))[: length - 1]
            step_types.append(TIMEOUT)
    ends = np.cumsum(lengths) - 1
    return EpisodeBatch(
        env_spec=spec,
        episode_infos={},
        observations=np.repeat(steps[:, None], 3, axis=1),
        last_observations=np.repeat(1000 + steps[ends][:, None], 3, axis=1),
        actions=steps[:, None] / 100,
        rewards=steps.astype(np.float64),
        env_infos={},
        agent_infos={},
        step_types=np.asarray(step_types, dtype=np.int8),
        lengths=lengths,
    )


def all_transitions(buffer):
    """Every stored transition, in storage order (a look at the arrays)."""
    n = buffer.n_transitions_stored
    return {key: array[:n] for key, array in buffer._arrays.items()}


def test_is_a_replay_buffer_and_allocates_with_the_spaces_dtypes():
    buffer = PathBuffer(10, box_spec(obs_dim=4, action_dim=2))
    assert isinstance(buffer, ReplayBuffer)
    assert buffer.capacity == 10
    assert buffer.n_transitions_stored == 0
    arrays = buffer._arrays
    assert arrays['observations'].shape == (10, 4)
    assert arrays['observations'].dtype == np.float32
    assert arrays['next_observations'].dtype == np.float32
    assert arrays['actions'].shape == (10, 2)
    assert arrays['actions'].dtype == np.float32
    assert arrays['rewards'].dtype == np.float32
    assert arrays['step_types'].dtype == np.int8


def test_discrete_spaces_store_one_hot_observations_and_action_indices():
    buffer = PathBuffer(10, discrete_spec())
    assert buffer._arrays['observations'].shape == (10, 5)
    assert buffer._arrays['actions'].shape == (10,)
    assert buffer._arrays['actions'].dtype == np.int64
    batch = EpisodeBatch(
        env_spec=discrete_spec(),
        episode_infos={},
        observations=np.array([0, 4]),
        last_observations=np.array([2]),
        actions=np.array([[0, 1, 0], [0, 0, 1]]),  # one-hot
        rewards=np.array([1.0, 2.0]),
        env_infos={},
        agent_infos={},
        step_types=np.array([FIRST, TERMINAL], dtype=np.int8),
        lengths=np.array([2]),
    )
    buffer.add_episode_batch(batch)
    stored = all_transitions(buffer)
    np.testing.assert_array_equal(
        stored['observations'], [[1, 0, 0, 0, 0], [0, 0, 0, 0, 1]]
    )
    np.testing.assert_array_equal(stored['next_observations'][1], [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(stored['actions'], [1, 2])


def test_the_spec_of_the_first_batch_allocates():
    buffer = PathBuffer(10)
    assert buffer.env_spec is None
    buffer.add_episode_batch(make_batch([3]))
    assert buffer.env_spec == box_spec()
    assert buffer.n_transitions_stored == 3


def test_stores_transitions_with_their_step_types():
    buffer = PathBuffer(10)
    batch = make_batch([2, 3], [FIRST, TERMINAL, FIRST, MID, MID])
    buffer.add_episode_batch(batch)
    stored = all_transitions(buffer)
    np.testing.assert_array_equal(stored['rewards'], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(
        stored['step_types'], [FIRST, TERMINAL, FIRST, MID, MID]
    )
    np.testing.assert_array_equal(
        stored['next_observations'][:, 0], [1, 1001, 3, 4, 1004]
    )
    np.testing.assert_array_equal(
        stored['actions'][:, 0], np.arange(5, dtype=np.float32) / 100
    )


def test_terminals_are_true_only_for_terminal_steps():
    buffer = PathBuffer(10, rng=0)
    buffer.add_episode_batch(make_batch([2, 2], [FIRST, TERMINAL, FIRST, TIMEOUT]))
    samples = buffer.sample_transitions(200)
    assert set(samples) == {
        'observations',
        'actions',
        'rewards',
        'next_observations',
        'step_types',
        'terminals',
    }
    np.testing.assert_array_equal(
        samples['terminals'], samples['step_types'] == TERMINAL
    )
    assert samples['terminals'].any()
    assert not samples['terminals'].all()
    np.testing.assert_array_equal(samples['terminals'], samples['rewards'] == 1)


def test_wraps_around_overwriting_the_oldest_transitions():
    buffer = PathBuffer(5)
    buffer.add_episode_batch(make_batch([3]))
    buffer.add_episode_batch(make_batch([4], start=3))
    assert buffer.n_transitions_stored == 5
    # steps 3..6 overwrote 0 and 1, and wrapped to the start
    np.testing.assert_array_equal(all_transitions(buffer)['rewards'], [5, 6, 2, 3, 4])
    buffer.add_episode_batch(make_batch([1], start=7))
    np.testing.assert_array_equal(all_transitions(buffer)['rewards'], [5, 6, 7, 3, 4])


def test_a_batch_longer_than_the_capacity_keeps_its_last_steps():
    buffer = PathBuffer(4)
    buffer.add_episode_batch(make_batch([3, 3]))
    assert buffer.n_transitions_stored == 4
    assert sorted(all_transitions(buffer)['rewards']) == [2, 3, 4, 5]


def test_an_episode_longer_than_the_capacity_is_refused():
    buffer = PathBuffer(2)
    with pytest.raises(ValueError, match='a path of 3 steps does not fit'):
        buffer.add_episode_batch(make_batch([3]))


def test_samples_uniformly_from_every_stored_transition():
    buffer = PathBuffer(8, rng=1)
    buffer.add_episode_batch(make_batch([6]))
    buffer.add_episode_batch(make_batch([5], start=6))  # wraps: 3..10 kept
    samples = buffer.sample_transitions(80000)
    values, counts = np.unique(samples['rewards'], return_counts=True)
    np.testing.assert_array_equal(values, np.arange(3, 11))
    # each of 8 transitions has probability 1/8: std of a count is ~94
    np.testing.assert_allclose(counts, 10000, atol=500)
    # rows stay together
    np.testing.assert_array_equal(samples['observations'][:, 0], samples['rewards'])


def test_sampling_is_reproducible_from_the_seed():
    def samples(seed):
        buffer = PathBuffer(20, rng=seed)
        buffer.add_episode_batch(make_batch([10]))
        return buffer.sample_transitions(50)['rewards']

    np.testing.assert_array_equal(samples(3), samples(3))
    assert not np.array_equal(samples(3), samples(4))
    generator = np.random.default_rng(5)
    buffer = PathBuffer(20, rng=generator)
    assert buffer._rng is generator


def test_default_generator_follows_numpy_global_seed():
    np.random.seed(7)
    first = PathBuffer(5)._rng.integers(10**9)
    np.random.seed(7)
    assert PathBuffer(5)._rng.integers(10**9) == first


@pytest.mark.parametrize('pickler', [pickle, cloudpickle])
def test_pickles_only_what_is_stored_and_samples_on_exactly(pickler):
    buffer = PathBuffer(100_000, box_spec(), rng=2)
    buffer.add_episode_batch(make_batch([30, 20]))
    buffer.sample_transitions(7)
    data = pickler.dumps(buffer)
    assert len(data) < 20_000  # 50 transitions, not 100,000
    restored = pickler.loads(data)
    assert restored.n_transitions_stored == 50
    assert restored._arrays['observations'].shape == (100_000, 3)
    for _ in range(3):
        expected = buffer.sample_transitions(16)
        actual = restored.sample_transitions(16)
        for key, value in expected.items():
            np.testing.assert_array_equal(actual[key], value)
    np.testing.assert_array_equal(
        restored.sample_path()['rewards'], buffer.sample_path()['rewards']
    )
    restored.add_episode_batch(make_batch([5], start=50))
    assert restored.n_transitions_stored == 55


def test_pickles_an_unallocated_buffer():
    restored = pickle.loads(pickle.dumps(PathBuffer(10, rng=0)))
    restored.add_episode_batch(make_batch([2]))
    assert restored.n_transitions_stored == 2


def test_sample_path_returns_whole_paths_in_order():
    buffer = PathBuffer(20, rng=0)
    buffer.add_episode_batch(make_batch([3, 2]))
    buffer.add_episode_batch(make_batch([4], start=5))
    paths = {tuple(buffer.sample_path()['rewards']) for _ in range(100)}
    assert paths == {(0, 1, 2), (3, 4), (5, 6, 7, 8)}


def test_sample_path_skips_a_path_partly_overwritten_and_wraps():
    buffer = PathBuffer(6, rng=0)
    buffer.add_episode_batch(make_batch([3, 2]))  # 0..4
    buffer.add_episode_batch(make_batch([3], start=5))  # 5..7, wraps
    # stored: [6, 7, 2, 3, 4, 5]; path 0..2 lost its first steps
    paths = {tuple(buffer.sample_path()['rewards']) for _ in range(100)}
    assert paths == {(3, 4), (5, 6, 7)}
    path = buffer.sample_path()
    np.testing.assert_array_equal(path['observations'][:, 0], path['rewards'])


def test_sample_path_after_the_write_position_lands_on_a_path_start():
    buffer = PathBuffer(4, rng=0)
    buffer.add_episode_batch(make_batch([2, 2]))
    buffer.add_episode_batch(make_batch([2], start=4))  # replaces 0, 1
    paths = {tuple(buffer.sample_path()['rewards']) for _ in range(50)}
    assert paths == {(2, 3), (4, 5)}


def test_fragments_are_paths():
    buffer = PathBuffer(10, rng=0)
    buffer.add_episode_batch(make_batch([2], [FIRST, MID]))
    buffer.add_episode_batch(make_batch([2], [MID, TERMINAL], start=2))
    paths = {tuple(buffer.sample_path()['step_types']) for _ in range(50)}
    assert paths == {(FIRST, MID), (MID, TERMINAL)}


def test_sample_timesteps_returns_a_batch_with_step_types():
    buffer = PathBuffer(10, rng=0)
    buffer.add_episode_batch(make_batch([2, 2], [FIRST, TERMINAL, FIRST, TIMEOUT]))
    batch = buffer.sample_timesteps(32)
    assert isinstance(batch, TimeStepBatch)
    assert batch.observations.shape == (32, 3)
    assert batch.actions.shape == (32, 1)
    assert set(batch.step_types) <= {FIRST, TERMINAL, TIMEOUT}
    np.testing.assert_array_equal(batch.terminals, batch.rewards == 1)


def test_add_path_takes_step_types_or_garage_terminals():
    buffer = PathBuffer(10, box_spec())
    buffer.add_path(
        {
            'observations': np.zeros((2, 3)),
            'actions': np.zeros((2, 1)),
            'rewards': np.array([[1.0], [2.0]]),
            'next_observations': np.ones((2, 3)),
            'terminals': np.array([[False], [True]]),
        }
    )
    buffer.add_path(
        {
            'observations': np.zeros((1, 3)),
            'actions': np.zeros((1, 1)),
            'rewards': np.array([3.0]),
            'next_observations': np.ones((1, 3)),
            'step_types': np.array([TIMEOUT]),
        }
    )
    stored = all_transitions(buffer)
    np.testing.assert_array_equal(stored['rewards'], [1, 2, 3])
    np.testing.assert_array_equal(stored['step_types'], [MID, TERMINAL, TIMEOUT])
    paths = {tuple(buffer.sample_path()['rewards']) for _ in range(30)}
    assert paths == {(1, 2), (3,)}


def original_path(n_steps, start=0.0):
    """A path as the original garage's users stored them: (T, d) arrays."""
    steps = np.arange(start, start + n_steps, dtype=np.float32)[:, None]
    return {
        'observations': np.repeat(steps, 2, axis=1),
        'actions': steps * 10,
        'rewards': steps,
        'next_observations': np.repeat(steps + 1, 2, axis=1),
        'terminals': np.zeros((n_steps, 1), dtype=bool),
        'log_probs': -steps,
        'goals': np.repeat(steps[:, :, None], 3, axis=2).astype(np.int64),
    }


def test_add_path_without_a_spec_infers_it_and_stores_extra_keys():
    buffer = PathBuffer(10)
    buffer.add_path(original_path(3))
    buffer.add_path(original_path(2, start=3))
    spec = buffer.env_spec
    assert spec.observation_space.shape == (2,)
    assert spec.action_space.shape == (1,)
    stored = all_transitions(buffer)
    np.testing.assert_array_equal(stored['log_probs'][:, 0], -np.arange(5))
    assert stored['goals'].shape == (5, 1, 3)
    assert stored['goals'].dtype == np.int64
    sample = buffer.sample_transitions(8)
    np.testing.assert_array_equal(sample['log_probs'][:, 0], -sample['rewards'])
    np.testing.assert_array_equal(sample['goals'][:, 0, 0], sample['rewards'])
    path = buffer.sample_path()
    assert set(path) >= {'log_probs', 'goals'}


def test_extra_keys_survive_pickling_and_wrapping():
    buffer = PathBuffer(4)
    for start in range(0, 6, 2):
        buffer.add_path(original_path(2, start=start))
    copy = pickle.loads(pickle.dumps(buffer))
    np.testing.assert_array_equal(
        all_transitions(copy)['log_probs'][:, 0], [-4, -5, -2, -3]
    )
    copy.add_path(original_path(1, start=9))
    np.testing.assert_array_equal(
        all_transitions(copy)['log_probs'][:, 0], [-4, -5, -9, -3]
    )


def test_every_later_path_needs_the_extra_keys():
    buffer = PathBuffer(10)
    buffer.add_path(original_path(2))
    path = original_path(2)
    del path['goals']
    with pytest.raises(ValueError, match=r"lacks the keys \['goals'\]"):
        buffer.add_path(path)
    path = original_path(2)
    path['goals'] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r'goals has rows of shape \(4,\)'):
        buffer.add_path(path)
    path = original_path(2)
    path['log_probs'] = np.zeros((3, 1))
    with pytest.raises(ValueError, match='log_probs has 3 rows, but rewards has 2'):
        buffer.add_path(path)
    episode = make_batch([2])
    path = {
        key: getattr(episode, key)
        for key in ('observations', 'actions', 'rewards', 'step_types')
    }
    path['next_observations'] = episode.next_observations
    buffer = PathBuffer(10, box_spec())
    with pytest.raises(ValueError, match='env_infos is a dict'):
        buffer.add_path({**path, 'env_infos': {}})
    buffer.add_path({**path, 'log_probs': np.zeros(2)})
    with pytest.raises(ValueError, match=r"extra keys \['log_probs'\]"):
        buffer.add_episode_batch(make_batch([2]))


def test_inferring_the_spec_needs_rows_of_observations():
    path = original_path(2)
    path['observations'] = np.zeros(2)
    with pytest.raises(ValueError, match=r'observations has shape \(2,\)'):
        PathBuffer(10).add_path(path)


def test_add_path_names_missing_keys():
    with pytest.raises(
        ValueError,
        match=r"lacks the keys \['actions', "
        r"'step_types \(or terminals\)'\]",
    ):
        PathBuffer(10, box_spec()).add_path(
            {
                'observations': np.zeros((1, 3)),
                'rewards': np.zeros(1),
                'next_observations': np.zeros((1, 3)),
            }
        )


@pytest.mark.parametrize(
    ('key', 'value', 'message'),
    [
        (
            'observations',
            np.zeros((2, 4)),
            r'observations has shape \(2, 4\), but expected \(T, 3\)',
        ),
        ('actions', np.zeros((2, 2)), r'actions has shape \(2, 2\)'),
        ('rewards', np.zeros((2, 2)), r'rewards has shape \(2, 2\)'),
        (
            'next_observations',
            np.zeros((3, 3)),
            'next_observations has 3 rows, but rewards has 2',
        ),
    ],
)
def test_add_path_checks_shapes(key, value, message):
    path = {
        'observations': np.zeros((2, 3)),
        'actions': np.zeros((2, 1)),
        'rewards': np.zeros(2),
        'next_observations': np.zeros((2, 3)),
        'step_types': np.array([FIRST, MID]),
    }
    path[key] = value
    with pytest.raises(ValueError, match=message):
        PathBuffer(10, box_spec()).add_path(path)


def test_refuses_episodes_of_other_spaces():
    buffer = PathBuffer(10, box_spec(action_dim=2))
    with pytest.raises(ValueError, match='the buffer stores transitions of'):
        buffer.add_episode_batch(make_batch([2]))


def test_refuses_action_spaces_it_cannot_store():
    spec = EnvSpec(
        akro.Box(-1, 1, (2,)), akro.Tuple((akro.Discrete(2), akro.Discrete(2)))
    )
    with pytest.raises(ValueError, match=r'stores actions of an akro\.Box'):
        PathBuffer(10, spec)


@pytest.mark.parametrize('capacity', [0, -1, 2.5, True, None])
def test_capacity_must_be_a_positive_integer(capacity):
    with pytest.raises(
        ValueError, match='capacity_in_transitions must be a positive integer'
    ):
        PathBuffer(capacity)


def test_capacity_may_be_written_as_a_whole_float():
    assert PathBuffer(1e3).capacity == 1000


def test_sampling_an_empty_buffer_is_an_error():
    buffer = PathBuffer(10, box_spec())
    with pytest.raises(ValueError, match='empty PathBuffer'):
        buffer.sample_transitions(1)
    with pytest.raises(ValueError, match='holds no whole path'):
        buffer.sample_path()


@pytest.mark.parametrize('batch_size', [0, 1.5, True])
def test_batch_size_must_be_a_positive_integer(batch_size):
    buffer = PathBuffer(10)
    buffer.add_episode_batch(make_batch([2]))
    with pytest.raises(ValueError, match='batch_size must be a positive'):
        buffer.sample_transitions(batch_size)


def test_clear_forgets_every_transition():
    buffer = PathBuffer(10)
    buffer.add_episode_batch(make_batch([3]))
    buffer.clear()
    assert buffer.n_transitions_stored == 0
    buffer.add_episode_batch(make_batch([2], start=10))
    np.testing.assert_array_equal(all_transitions(buffer)['rewards'], [10, 11])
    assert {tuple(buffer.sample_path()['rewards']) for _ in range(10)} == {(10, 11)}


def test_a_pendulum_transition_takes_34_bytes():
    spec = box_spec(obs_dim=3, action_dim=1)
    buffer = PathBuffer(1000, spec)
    n_bytes = (
        sum(a.nbytes for a in buffer._arrays.values()) + buffer._path_starts.nbytes
    )
    assert n_bytes == 34 * 1000
