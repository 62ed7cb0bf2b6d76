"""A replay buffer that remembers the paths its transitions came in."""

from collections.abc import Mapping
from typing import Any

import numpy as np

from garage._dtypes import EnvSpec, EpisodeBatch, StepType, TimeStepBatch
from garage._legacy_gym import akro
from garage._validation import positive_int
from garage.replay_buffer._frames import FrameStore
from garage.replay_buffer.replay_buffer import ReplayBuffer

_PATH_KEYS = ('observations', 'actions', 'rewards', 'next_observations')
#: The keys of a path that are not stored as extra arrays.
_KNOWN_KEYS = frozenset((*_PATH_KEYS, 'step_types', 'terminals'))


class PathBuffer(ReplayBuffer):
    """A ring buffer of paths: episodes, or fragments of them.

    Transitions live in arrays allocated once, for the whole capacity, when
    the environment's specification is known (given here, or taken from
    the first batch added). Per transition it stores:

    * ``observations`` and ``next_observations``, flattened, of a Box
      observation space's dtype (float32 for other spaces, flattened by
      the space, as one-hot vectors for ``Discrete``);
    * ``actions``, flattened, of a Box action space's dtype, or the index of
      a ``Discrete`` action (int64);
    * ``rewards``, float32;
    * ``step_types``, the ``StepType`` of each step (int8): ``TERMINAL``
      and ``TIMEOUT`` endings stay apart, and the last step of a fragment
      of a running episode is ``MID`` or ``FIRST``;

    and whether a path starts there. Pendulum's transitions (three float32
    observation values, one float32 action) take 34 bytes each: 34 MB for a
    million.

    Images (``uint8`` observations of a Box of two or three dimensions,
    such as ``akro.Image``) are stored otherwise, frame by frame: the
    observations of Atari agents stack the last four frames
    (`garage.envs.wrappers.StackFrames`), and each transition's next
    observation is the next one's observation, so each frame is stored
    once, not eight times, and the stacks are rebuilt when sampled (see
    `garage.replay_buffer._frames.FrameStore`). A million Atari
    transitions (four 84 by 84 frames) take 7.6 GB instead of 56 GB. The
    frames of each transition are checked to be the ones stored, whatever
    the environment; should a run write more than about 1.03 new frames per
    transition (episodes of fewer than 32 steps, observations that are no
    frame stacks), the buffer drops its oldest transitions before it
    holds ``capacity_in_transitions``.

    As in the original garage, the buffer also stores whatever other keys
    the paths given to `add_path` have (log-probabilities, goals, ...):
    each gets an array of the capacity, allocated when the key is first
    seen with that path's row shape and dtype, and is returned by the
    sampling methods beside the standard keys. Without a specification,
    the first `add_path` infers one: Box spaces of its observations' and
    actions' row shapes.

    Once full, each new transition replaces the oldest. A path partly
    overwritten is no longer returned by `sample_path`, but its
    remaining transitions are still sampled by `sample_transitions`.
    All sampling draws from one ``np.random.Generator``. A pickled buffer
    holds only the stored transitions and the generator's state: it
    unpickles to a buffer that samples exactly as the original would have.

    Args:
        capacity_in_transitions: The most transitions the buffer holds.
        env_spec: The specification of the environment, or None to take it
            from the first batch given to `add_episode_batch`.
        rng: The generator to sample with, or a seed for one; None seeds
            one from NumPy's global random state, which
            ``garage.experiment.deterministic.set_seed`` seeds.

    Raises:
        ValueError: If ``capacity_in_transitions`` is not a positive
            integer, or the action space is neither an ``akro.Box`` nor an
            ``akro.Discrete``.

    """

    def __init__(
        self,
        capacity_in_transitions: int,
        env_spec: EnvSpec | None = None,
        *,
        rng: np.random.Generator | int | None = None,
    ):
        self._capacity = positive_int(
            'capacity_in_transitions', capacity_in_transitions
        )
        self._rng = np.random.default_rng(
            np.random.randint(2**31, size=4) if rng is None else rng
        )
        self._env_spec: EnvSpec | None = None
        self._obs_dim = 0
        self._arrays: dict[str, np.ndarray] = {}
        self._extra_keys: list[str] = []
        self._path_starts = np.zeros(0, dtype=bool)
        self._frame_store: FrameStore | None = None
        self._n_stored = 0
        self._n_filled = 0
        self._next = 0
        if env_spec is not None:
            self._allocate(env_spec)

    @property
    def capacity(self) -> int:
        """The most transitions the buffer holds."""
        return self._capacity

    @property
    def n_transitions_stored(self) -> int:
        """The number of transitions stored, at most `capacity`."""
        return self._n_stored

    @property
    def nbytes(self) -> int:
        """The bytes of the arrays the buffer allocated for its capacity."""
        total = sum(array.nbytes for array in self._arrays.values())
        total += self._path_starts.nbytes
        if self._frame_store is not None:
            total += self._frame_store.nbytes
        return total

    @property
    def env_spec(self) -> EnvSpec | None:
        """The specification of the environment, once known."""
        return self._env_spec

    def _allocate(self, env_spec: EnvSpec) -> None:
        obs_space = env_spec.observation_space
        action_space = env_spec.action_space
        obs_dtype = obs_space.dtype if isinstance(obs_space, akro.Box) else np.float32
        if isinstance(action_space, akro.Discrete):
            action_shape: tuple[int, ...] = ()
        elif isinstance(action_space, akro.Box):
            action_shape = (action_space.flat_dim,)
        else:
            raise ValueError(
                'PathBuffer stores actions of an akro.Box or '
                f'akro.Discrete space, not {action_space!r}'
            )
        capacity = self._capacity
        self._obs_dim = obs_space.flat_dim
        self._obs_shape = tuple(obs_space.shape or (self._obs_dim,))
        obs_shape = (capacity, self._obs_dim)
        self._env_spec = env_spec
        self._arrays = {
            'actions': np.zeros((capacity, *action_shape), dtype=action_space.dtype),
            'rewards': np.zeros(capacity, dtype=np.float32),
            'step_types': np.zeros(capacity, dtype=np.int8),
        }
        if (
            isinstance(obs_space, akro.Box)
            and obs_dtype == np.uint8
            and len(obs_space.shape) in (2, 3)
        ):
            self._frame_store = FrameStore(capacity, obs_space.shape, obs_dtype)
        else:
            self._frame_store = None
            self._arrays = {
                'observations': np.zeros(obs_shape, dtype=obs_dtype),
                **self._arrays,
                'next_observations': np.zeros(obs_shape, dtype=obs_dtype),
            }
        self._path_starts = np.zeros(capacity, dtype=bool)

    def add_episode_batch(self, episodes: EpisodeBatch) -> None:
        """Add every step of a batch of episodes (or fragments of them).

        Each episode, or fragment, is a path.

        Args:
            episodes: The episodes.

        Raises:
            ValueError: If the batch's spaces differ from the buffer's, or
                an episode is longer than the capacity.

        """
        spec = episodes.env_spec
        if self._env_spec is None:
            self._allocate(spec)
        elif spec is not self._env_spec and (
            spec.observation_space != self._env_spec.observation_space
            or spec.action_space != self._env_spec.action_space
        ):
            raise ValueError(
                f'the episodes come from an environment with {spec!r}, but '
                f'the buffer stores transitions of {self._env_spec!r}'
            )
        if self._extra_keys:
            raise ValueError(
                f'the buffer stores the extra keys {self._extra_keys}, which '
                'an EpisodeBatch does not have: add paths with add_path'
            )
        lengths = episodes.lengths
        self._check_lengths(lengths)
        starts = np.zeros(len(episodes.rewards), dtype=bool)
        starts[np.cumsum(lengths) - lengths] = True
        self._store(
            observations=self._flat_observations(
                spec, 'observations', episodes.observations
            ),
            actions=self._flat_actions(spec, 'actions', episodes.actions),
            rewards=episodes.rewards,
            next_observations=self._flat_observations(
                spec, 'next_observations', episodes.next_observations
            ),
            step_types=episodes.step_types,
            path_starts=starts,
        )

    def add_path(self, path: Mapping[str, Any]) -> None:
        """Add one path: an episode, or a fragment of one.

        Args:
            path: Arrays with one row per step: ``observations``,
                ``actions``, ``rewards`` and ``next_observations``
                (flattened or in their space's shape; rewards of shape
                ``(T,)`` or ``(T, 1)``), either ``step_types`` or, as
                the original garage stored them, boolean ``terminals``
                (``TERMINAL`` where true, ``MID`` elsewhere), and any
                other keys to store with them (see the class).

        Raises:
            ValueError: If a key is missing (one of the standard keys, or
                an extra key the buffer stores), an array has the wrong
                shape or number of rows, or the path is longer than the
                capacity.

        """
        missing = [key for key in _PATH_KEYS if key not in path]
        if 'step_types' not in path and 'terminals' not in path:
            missing.append('step_types (or terminals)')
        missing += [key for key in self._extra_keys if key not in path]
        if missing:
            raise ValueError(f'the path lacks the keys {missing}')
        if self._env_spec is None:
            self._allocate(_inferred_spec(path))
        spec = self._env_spec
        assert spec is not None
        rewards = np.asarray(path['rewards'])
        if rewards.ndim == 2 and rewards.shape[1] == 1:
            rewards = rewards[:, 0]
        if rewards.ndim != 1:
            raise ValueError(
                f'rewards has shape {rewards.shape}, but expected (T,) or (T, 1)'
            )
        n_steps = len(rewards)
        if 'step_types' in path:
            step_types = np.asarray(path['step_types'])
        else:
            step_types = np.where(
                np.asarray(path['terminals']).reshape(-1),
                StepType.TERMINAL,
                StepType.MID,
            )
        arrays = {
            'observations': self._flat_observations(
                spec, 'observations', np.asarray(path['observations'])
            ),
            'actions': self._flat_actions(spec, 'actions', np.asarray(path['actions'])),
            'next_observations': self._flat_observations(
                spec, 'next_observations', np.asarray(path['next_observations'])
            ),
            'step_types': step_types,
        }
        extras = {}
        for key, value in path.items():
            if key in _KNOWN_KEYS:
                continue
            if isinstance(value, Mapping):
                raise ValueError(
                    f'{key} is a dict, but PathBuffer stores arrays: give '
                    f'each of its entries as a key of the path'
                )
            extras[key] = np.asarray(value)
        for key, array in {**arrays, **extras}.items():
            if array.ndim == 0 or len(array) != n_steps:
                rows = 'no' if array.ndim == 0 else len(array)
                raise ValueError(
                    f'{key} has {rows} rows, but rewards '
                    f'has {n_steps}; one row per step'
                )
        for key, array in extras.items():
            self._check_extra(key, array)
        self._check_lengths(np.array([n_steps]))
        starts = np.zeros(n_steps, dtype=bool)
        starts[:1] = True
        self._store(rewards=rewards, path_starts=starts, **arrays, **extras)

    def _check_extra(self, key: str, array: np.ndarray) -> None:
        """Allocate an extra key's array, or check a path's rows fit it."""
        stored = self._arrays.get(key)
        if stored is None:
            self._arrays[key] = np.zeros(
                (self._capacity, *array.shape[1:]), dtype=array.dtype
            )
            self._extra_keys.append(key)
        elif array.shape[1:] != stored.shape[1:]:
            raise ValueError(
                f'{key} has rows of shape {array.shape[1:]}, but the buffer '
                f'stores {key} in rows of shape {stored.shape[1:]}'
            )

    def _check_lengths(self, lengths: np.ndarray) -> None:
        if len(lengths) and lengths.max() > self._capacity:
            raise ValueError(
                f'a path of {lengths.max()} steps does not fit '
                f'in a buffer of capacity {self._capacity}'
            )

    def _flat_observations(
        self, spec: EnvSpec, name: str, observations: np.ndarray
    ) -> np.ndarray:
        space = spec.observation_space
        flat_dim = self._obs_dim
        shape = observations.shape
        if shape[1:] == (flat_dim,):
            return observations
        if isinstance(space, akro.Box) and shape[1:] == space.shape:
            return observations.reshape(len(observations), flat_dim)
        if not isinstance(space, akro.Box) and observations.ndim >= 1:
            flattened = np.asarray(space.flatten_n(observations))
            if flattened.shape == (len(observations), flat_dim):
                return flattened
        raise ValueError(
            f'{name} has shape {shape}, but expected (T, '
            f'{flat_dim}) or (T, *{space.shape}) for the '
            f'observation space {space}'
        )

    def _flat_actions(
        self, spec: EnvSpec, name: str, actions: np.ndarray
    ) -> np.ndarray:
        space = spec.action_space
        n = len(actions)
        if isinstance(space, akro.Discrete):
            if actions.shape == (n,):
                return actions
            if actions.shape == (n, space.n):
                return actions.argmax(axis=1)
            expected = f'(T,) (indices) or (T, {space.n}) (one-hot)'
        else:
            flat_shape = self._arrays['actions'].shape[1:]
            if actions.shape[1:] in (flat_shape, space.shape):
                return actions.reshape(n, *flat_shape)
            expected = f'(T, {flat_shape[0]}) or (T, *{space.shape})'
        raise ValueError(
            f'{name} has shape {actions.shape}, but expected '
            f'{expected} for the action space {space}'
        )

    def _store(self, path_starts: np.ndarray, **values: np.ndarray) -> None:
        """Write transitions after the newest, wrapping around the end."""
        n = len(path_starts)
        capacity = self._capacity
        if n > capacity:  # only the last ``capacity`` steps would remain
            path_starts = path_starts[-capacity:]
            values = {key: value[-capacity:] for key, value in values.items()}
            n = capacity
        start = self._next
        store = self._frame_store
        if store is not None:
            shape = (n, *self._obs_shape)
            store.store(
                (start + np.arange(n)) % capacity,
                values.pop('observations').reshape(shape),
                values.pop('next_observations').reshape(shape),
                path_starts,
            )
        targets = [
            *((self._arrays[key], value) for key, value in values.items()),
            (self._path_starts, path_starts),
        ]
        first = min(n, capacity - start)
        for target, value in targets:
            target[start : start + first] = value[:first]
            target[: n - first] = value[first:]
        self._next = (start + n) % capacity
        self._n_stored = min(capacity, self._n_stored + n)
        self._n_filled = min(capacity, self._n_filled + n)
        self._drop_overwritten()

    def _drop_overwritten(self) -> None:
        """Drop the oldest transitions, whose frames may be overwritten."""
        store = self._frame_store
        if store is None:
            return
        oldest = (self._next - self._n_stored) % self._capacity
        limit = store.oldest_stamp()
        while self._n_stored and store.stamp(oldest) < limit:
            oldest = (oldest + 1) % self._capacity
            self._n_stored -= 1

    def _slots(self, ages: np.ndarray) -> np.ndarray:
        """The slots of transitions by age, 0 the oldest stored, or any order.

        While the buffer is not full and nothing was dropped, slot and age
        are the same; in a full buffer any order serves uniform sampling.
        """
        oldest = (self._next - self._n_stored) % self._capacity
        if oldest == 0 or self._n_stored == self._capacity:
            return ages
        return (oldest + ages) % self._capacity

    def _check_batch_size(self, batch_size: int) -> int:
        batch_size = positive_int('batch_size', batch_size)
        self._check_not_empty()
        return batch_size

    def _check_not_empty(self) -> EnvSpec:
        """Raise unless transitions are stored; return their specification."""
        if self._env_spec is None or self._n_stored == 0:
            raise ValueError(
                'cannot sample from an empty PathBuffer; add transitions first'
            )
        return self._env_spec

    def sample_transitions(self, batch_size: int) -> dict[str, np.ndarray]:
        """Sample transitions uniformly, with replacement.

        Args:
            batch_size: The number of transitions.

        Returns:
            ``observations``, ``actions``, ``rewards``,
                ``next_observations`` and ``step_types`` as stored (see the
                class), one row per transition, and ``terminals``, True
                where the step type is ``TERMINAL``.

        Raises:
            ValueError: If ``batch_size`` is not a positive integer, or the
                buffer is empty.

        """
        batch_size = self._check_batch_size(batch_size)
        ages = self._rng.integers(self._n_stored, size=batch_size)
        return self._gather(self._slots(ages))

    def _gather(self, indices: np.ndarray) -> dict[str, np.ndarray]:
        samples = {
            key: array.take(indices, axis=0) for key, array in self._arrays.items()
        }
        store = self._frame_store
        if store is not None:
            samples = {
                'observations': store.observations(indices),
                **samples,
                'next_observations': store.next_observations(indices),
            }
        samples['terminals'] = samples['step_types'] == StepType.TERMINAL
        return samples

    def sample_timesteps(self, batch_size: int) -> TimeStepBatch:
        """Sample transitions uniformly, with replacement, as a batch.

        Args:
            batch_size: The number of transitions.

        Returns:
            The transitions, with flattened observations, and no
                episode, environment or agent information.

        Raises:
            ValueError: If ``batch_size`` is not a positive integer, or the
                buffer is empty.

        """
        samples = self.sample_transitions(batch_size)
        return TimeStepBatch(
            env_spec=self._check_not_empty(),
            episode_infos={},
            observations=samples['observations'],
            actions=samples['actions'],
            rewards=samples['rewards'],
            next_observations=samples['next_observations'],
            env_infos={},
            agent_infos={},
            step_types=samples['step_types'],
        )

    def sample_path(self) -> dict[str, np.ndarray]:
        """Sample one whole stored path uniformly.

        Finding the paths takes time proportional to the number of
        transitions stored.

        Returns:
            Arrays of the path's steps, in order, with the keys of
                `sample_transitions`.

        Raises:
            ValueError: If no whole path is stored.

        """
        n_stored = self._n_stored
        # the slots in age order; the steps before the oldest start belong
        # to a path whose beginning was overwritten
        slots = (self._next - n_stored + np.arange(n_stored)) % self._capacity
        starts = np.flatnonzero(self._path_starts[slots])
        if len(starts) == 0:
            raise ValueError(
                'cannot sample a path from a PathBuffer that holds no whole path'
            )
        k = self._rng.integers(len(starts))
        stop = starts[k + 1] if k + 1 < len(starts) else n_stored
        return self._gather(slots[starts[k] : stop])

    def clear(self) -> None:
        """Remove every transition; the arrays stay allocated."""
        self._n_stored = 0
        self._n_filled = 0
        self._next = 0
        if self._frame_store is not None:
            self._frame_store.clear()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        n = self._n_filled
        state['_arrays'] = {key: array[:n] for key, array in self._arrays.items()}
        state['_path_starts'] = self._path_starts[:n]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        stored, starts = state['_arrays'], state['_path_starts']
        self.__dict__.update(state)
        # older pickles
        self._extra_keys = state.get('_extra_keys', [])
        self._n_filled = state.get('_n_filled', self._n_stored)
        frame_store = state.get('_frame_store')
        if self._env_spec is not None:
            self._allocate(self._env_spec)
            if frame_store is not None:
                self._frame_store = frame_store
            elif self._frame_store is not None:  # a pickle of stored images
                self._store_old_images(stored, starts)
                return
            n = len(starts)
            for key, array in stored.items():
                if key in self._extra_keys:
                    self._arrays[key] = np.zeros(
                        (self._capacity, *array.shape[1:]), dtype=array.dtype
                    )
                self._arrays[key][:n] = array
            self._path_starts[:n] = starts

    def _store_old_images(
        self, stored: dict[str, np.ndarray], starts: np.ndarray
    ) -> None:
        """Store a pickle's arrays of images again, frame by frame, in age order."""
        n = len(starts)
        ages = self._slots(np.arange(n))
        values = {key: array[ages] for key, array in stored.items()}
        self._extra_keys = []
        for key in stored:
            if key not in self._arrays and key not in _PATH_KEYS:
                self._check_extra(key, stored[key])
        self._n_stored = self._n_filled = self._next = 0
        self._store(path_starts=starts[ages], **values)


def _inferred_spec(path: Mapping[str, Any]) -> EnvSpec:
    """A specification of unbounded Box spaces of a path's row shapes."""
    spaces = []
    for key in ('observations', 'actions'):
        array = np.asarray(path[key])
        if array.ndim < 2:
            raise ValueError(
                f'{key} has shape {array.shape}: without an env_spec, '
                f'PathBuffer infers the spaces from the first path, whose '
                f'{key} must have one row per step, as (T, d)'
            )
        dtype = array.dtype if np.issubdtype(array.dtype, np.floating) else np.float32
        spaces.append(akro.Box(-np.inf, np.inf, array.shape[1:], dtype=dtype))
    return EnvSpec(spaces[0], spaces[1])
