"""PathBuffer stores image observations frame by frame."""

import pickle

import numpy as np
import pytest

from garage import EnvSpec, StepType
from garage._legacy_gym import akro
from garage.replay_buffer import PathBuffer

FRAME = (84, 84)


def frames_of(rng, n, shape=FRAME):
    return rng.integers(0, 256, (n, *shape), dtype=np.uint8)


def stacked_path(rng, n_steps, n_stack=4, axis=0, shape=FRAME):
    """A path of frame stacks as StackFrames makes them (copies at reset)."""
    frames = frames_of(rng, n_steps + 1, shape)
    padded = np.concatenate([np.repeat(frames[:1], n_stack - 1, axis=0), frames])
    stacks = np.stack([padded[t : t + n_stack] for t in range(n_steps + 1)])
    if axis == 2:
        stacks = np.moveaxis(stacks, 1, 3)
    step_types = np.full(n_steps, StepType.MID)
    step_types[-1] = StepType.TERMINAL
    return {
        'observations': stacks[:-1],
        'actions': rng.integers(0, 3, n_steps),
        'rewards': rng.normal(size=n_steps).astype(np.float32),
        'next_observations': stacks[1:],
        'step_types': step_types,
    }


def spec(shape):
    return EnvSpec(akro.Image(shape), akro.Discrete(3))


def check_sample(buffer, paths, batch_size=64):
    """The samples are transitions of the paths, exactly."""
    known = {}
    for path in paths:
        for t in range(len(path['rewards'])):
            known[path['observations'][t].tobytes()] = (
                path['next_observations'][t],
                path['actions'][t],
                path['rewards'][t],
            )
    samples = buffer.sample_transitions(batch_size)
    assert samples['observations'].dtype == np.uint8
    shape = paths[0]['observations'].shape[1:]
    for obs, next_obs, action, reward in zip(
        samples['observations'],
        samples['next_observations'],
        samples['actions'],
        samples['rewards'],
        strict=True,
    ):
        expected = known[obs.reshape(shape).tobytes()]
        np.testing.assert_array_equal(next_obs.reshape(shape), expected[0])
        assert (action, reward) == (expected[1], expected[2])


def test_about_one_frame_per_transition():
    rng = np.random.default_rng(0)
    capacity = 4000
    buffer = PathBuffer(capacity, spec((4, *FRAME)), rng=1)
    paths = [stacked_path(rng, 200) for _ in range(30)]  # 6000 steps
    for path in paths:
        buffer.add_path(path)
    assert buffer.n_transitions_stored == capacity
    frame_bytes = np.prod(FRAME)
    per_transition = buffer.nbytes / capacity
    # frames (with a ring 1/16 longer than the capacity, plus 256 frames),
    # 72 bytes of frame numbers, the action, reward and step type
    assert per_transition < 1.15 * frame_bytes
    naive = 2 * 4 * frame_bytes
    assert per_transition < naive / 7
    check_sample(buffer, paths[-20:])


@pytest.mark.parametrize('axis', [0, 2])
def test_exact_samples_either_axis(axis):
    rng = np.random.default_rng(1)
    paths = [stacked_path(rng, n, axis=axis, shape=(6, 5)) for n in (7, 1, 12)]
    shape = paths[0]['observations'].shape[1:]
    buffer = PathBuffer(100, spec(shape), rng=2)
    for path in paths:
        buffer.add_path(path)
    store = buffer._frame_store
    assert store._axis == axis
    assert store._total == 20 + 3  # one frame a step, one more a path
    check_sample(buffer, paths)
    path = buffer.sample_path()
    lengths = [len(p['rewards']) for p in paths]
    assert len(path['rewards']) in lengths
    source = paths[lengths.index(len(path['rewards']))]
    np.testing.assert_array_equal(
        path['observations'], source['observations'].reshape(len(source['rewards']), -1)
    )


def test_fragments_of_many_environments_share_frames():
    rng = np.random.default_rng(2)
    episodes = [stacked_path(rng, 30, shape=(6, 5)) for _ in range(8)]
    buffer = PathBuffer(1000, spec((4, 6, 5)), rng=0)
    fragments = []
    for start in range(0, 30, 3):  # eight environments, three steps each
        for episode in episodes:
            fragment = {key: value[start : start + 3] for key, value in episode.items()}
            buffer.add_path(fragment)
            fragments.append(fragment)
    assert buffer._frame_store._total == 8 * 31
    check_sample(buffer, fragments, 200)


def test_images_that_are_no_stacks():
    rng = np.random.default_rng(3)
    obs = frames_of(rng, 11, (6, 5, 3))
    path = {
        'observations': obs[:-1],
        'actions': np.zeros(10, dtype=int),
        'rewards': np.zeros(10),
        'next_observations': obs[1:],
        'terminals': np.zeros(10, dtype=bool),
    }
    buffer = PathBuffer(50, spec((6, 5, 3)), rng=0)
    buffer.add_path(path)
    assert buffer._frame_store._axis is None  # whole images
    assert buffer._frame_store._total == 11
    check_sample(buffer, [path])


def test_unrelated_observations_drop_old_transitions_never_corrupt():
    rng = np.random.default_rng(4)
    buffer = PathBuffer(20, spec((4, 6, 5)), rng=0)
    buffer.add_path(stacked_path(rng, 5, shape=(6, 5)))  # decides stacks
    paths = []
    for _ in range(100):  # each step eight new frames
        obs = frames_of(rng, 2, (4, 6, 5))
        path = {
            'observations': obs[:1],
            'actions': np.zeros(1, dtype=int),
            'rewards': rng.normal(size=1).astype(np.float32),
            'next_observations': obs[1:],
            'terminals': np.ones(1, dtype=bool),
        }
        buffer.add_path(path)
        paths.append(path)
    assert 0 < buffer.n_transitions_stored < 20
    check_sample(buffer, paths[-buffer.n_transitions_stored :], 100)


def test_pickle_resumes_exactly():
    rng = np.random.default_rng(5)
    paths = [stacked_path(rng, n, shape=(6, 5)) for n in (40, 25, 50)]
    buffer = PathBuffer(60, spec((4, 6, 5)), rng=3)
    for path in paths[:2]:
        buffer.add_path(path)
    copy = pickle.loads(pickle.dumps(buffer))
    for b in (buffer, copy):
        b.add_path(paths[2])
    for _ in range(3):
        first, second = buffer.sample_transitions(32), copy.sample_transitions(32)
        for key in first:
            np.testing.assert_array_equal(first[key], second[key])
    assert copy.n_transitions_stored == buffer.n_transitions_stored == 60
    check_sample(copy, paths[1:])


def test_pickle_of_a_partly_filled_buffer_is_small():
    rng = np.random.default_rng(6)
    buffer = PathBuffer(100_000, spec((4, *FRAME)), rng=0)
    buffer.add_path(stacked_path(rng, 10))
    assert len(pickle.dumps(buffer)) < 30 * np.prod(FRAME)


def test_old_pickles_of_image_buffers_load():
    rng = np.random.default_rng(7)
    paths = [stacked_path(rng, 8, shape=(6, 5)) for _ in range(3)]
    buffer = PathBuffer(20, spec((4, 6, 5)), rng=0)
    for path in paths:
        buffer.add_path(path)
    # the state a PathBuffer pickled before images were stored by frame
    state = buffer.__getstate__()
    del state['_frame_store'], state['_n_filled']
    ages = (buffer._next + np.arange(20)) % 20
    rows = np.concatenate([p['observations'] for p in paths])[-20:].reshape(20, -1)
    next_rows = np.concatenate([p['next_observations'] for p in paths])[-20:]
    old_obs, old_next = np.empty_like(rows), np.empty_like(rows)
    old_obs[ages], old_next[ages] = rows, next_rows.reshape(20, -1)
    state['_arrays'] = {
        'observations': old_obs,
        **state['_arrays'],
        'next_observations': old_next,
    }
    old = PathBuffer.__new__(PathBuffer)
    old.__setstate__(state)
    assert old.n_transitions_stored == 20
    check_sample(old, paths)


def test_float_observations_are_stored_as_before():
    buffer = PathBuffer(10, EnvSpec(akro.Box(0.0, 1.0, (2, 3, 4)), akro.Discrete(2)))
    assert buffer._frame_store is None
    assert buffer.nbytes == 2 * 10 * 24 * 4 + 10 * (8 + 4 + 1 + 1)
