"""Image observations of a replay buffer, each frame stored once."""

import collections
from typing import Any

import numpy as np

#: Tails of recent paths remembered, to join the fragments of many
#: environments sampled in turn (a ``FragmentWorker`` of 8 environments on
#: each of 16 workers interleaves 128 paths).
_N_TAILS = 256


class FrameStore:
    """The observations and next observations of a buffer's transitions.

    Observations of frame-stacking environments (`StackFrames`) repeat
    each frame in ``n`` consecutive observations, and each transition's
    next observation is the next transition's observation: stored as
    arrays of observations, an Atari transition of four 84 by 84 frames
    would take eight frames. Here each frame is stored once, in a ring of
    frames, and each transition holds, for its observation and its next
    observation, the serial numbers of their frames (the number of frames
    written before each).

    The frame axis is the first or the last of an observation of three
    dimensions, whichever is shorter; the first path decides whether the
    observations stack frames along it (its first next observation is its
    first observation shifted by one frame). Otherwise each whole
    observation is a frame.

    A stack is written frame by frame only where it cannot be found among
    frames already stored: a transition's observation is the previous
    transition's next observation, or the end of an earlier path that a
    fragment continues; its next observation is its observation shifted by
    one new frame. Every such reuse is checked by comparing the pixels, so
    the observations read back are always those stored, whatever the
    environment. Equal consecutive frames of a written stack (the copies
    of the first frame after a reset) are written once.

    The ring holds ``capacity + capacity // 16 + 64 n`` frames. Frames are
    reused only within the last ``capacity // 32 + 32 n`` frames written,
    so a transition's frames are intact as long as fewer than ``capacity
    + capacity // 32 + 32 n`` frames were written after it: the buffer
    drops older transitions (`oldest_stamp`). Atari episodes of more than
    32 steps write fewer frames than that for ``capacity`` transitions.

    Args:
        capacity: The transitions of the buffer.
        shape: The shape of an observation.
        dtype: Its dtype.

    """

    def __init__(self, capacity: int, shape: tuple[int, ...], dtype: Any):
        self._capacity = capacity
        self._shape = tuple(shape)
        self._dtype = np.dtype(dtype)
        self._axis: int | None = None
        self._n = 1
        self._configured = False
        self._frames = np.zeros((0, *self._shape), dtype=self._dtype)
        self._ring = 0
        self._reach = 0
        self._total = 0
        self._obs_serials = np.zeros((capacity, 1), dtype=np.int64)
        self._next_serials = np.zeros((capacity, 1), dtype=np.int64)
        self._stamps = np.zeros(capacity, dtype=np.int64)
        self._extent = 0
        self._tails: collections.OrderedDict[int, np.ndarray] = (
            collections.OrderedDict()
        )

    @property
    def nbytes(self) -> int:
        """The bytes of the frames and of the transitions' frame numbers."""
        return sum(
            array.nbytes
            for array in (
                self._frames,
                self._obs_serials,
                self._next_serials,
                self._stamps,
            )
        )

    @property
    def n_frames_stored(self) -> int:
        """Frames in the ring (written, not yet overwritten)."""
        return min(self._total, self._ring)

    def _configure(self, observation: np.ndarray, next_observation: np.ndarray) -> None:
        """Decide the frame axis from a path's first transition; allocate."""
        shape = self._shape
        if len(shape) == 3:
            axis = 0 if shape[0] <= shape[2] else 2
            n = shape[axis]
            first = np.moveaxis(observation, axis, 0)
            after = np.moveaxis(next_observation, axis, 0)
            if n > 1 and np.array_equal(after[:-1], first[1:]):
                self._axis, self._n = axis, n
        frame_shape = (
            shape
            if self._axis is None
            else shape[: self._axis] + shape[self._axis + 1 :]
        )
        n, capacity = self._n, self._capacity
        self._ring = capacity + capacity // 16 + 64 * n
        self._reach = capacity // 32 + 32 * n
        self._frames = np.zeros((self._ring, *frame_shape), dtype=self._dtype)
        self._obs_serials = np.zeros((capacity, n), dtype=np.int64)
        self._next_serials = np.zeros((capacity, n), dtype=np.int64)
        self._configured = True

    def _stacks(self, observations: np.ndarray) -> np.ndarray:
        """Observations ``(T, *shape)`` as stacks of frames ``(T, n, ...)``."""
        if self._axis is None:
            return observations[:, None]
        return np.moveaxis(observations, self._axis + 1, 1)

    def _write_stack(self, stack: np.ndarray) -> np.ndarray:
        """Write a stack's frames, equal consecutive ones once."""
        serials = np.empty(self._n, dtype=np.int64)
        for k, frame in enumerate(stack):
            if k and np.array_equal(frame, stack[k - 1]):
                serials[k] = serials[k - 1]
            else:
                serials[k] = self._write(frame)
        return serials

    def _write(self, frame: np.ndarray) -> int:
        serial = self._total
        self._frames[serial % self._ring] = frame
        self._total += 1
        return serial

    def _reusable(self, serials: np.ndarray | None) -> bool:
        return serials is not None and int(serials.min()) >= self._total - self._reach

    def _rebuild(self, serials: np.ndarray) -> np.ndarray:
        """Observations from rows of frame serials, in the space's shape."""
        frames = self._frames[serials % self._ring]
        if self._axis is None:
            return frames[:, 0]
        return np.moveaxis(frames, 1, self._axis + 1)

    def _tail(self, observation: np.ndarray) -> np.ndarray | None:
        """The frames of a stored path end equal to ``observation``."""
        serials = self._tails.get(hash(observation.tobytes()))
        if (
            serials is not None
            and self._reusable(serials)
            and np.array_equal(self._rebuild(serials[None])[0], observation)
        ):
            return serials
        return None

    def _remember_tail(self, observation: np.ndarray, serials: np.ndarray) -> None:
        key = hash(observation.tobytes())
        self._tails[key] = serials
        self._tails.move_to_end(key)
        while len(self._tails) > _N_TAILS:
            self._tails.popitem(last=False)

    def store(
        self,
        slots: np.ndarray,
        observations: np.ndarray,
        next_observations: np.ndarray,
        path_starts: np.ndarray,
    ) -> None:
        """Store the observations of transitions in the order given.

        Args:
            slots: The buffer's slot of each transition.
            observations: The observations, ``(T, *shape)``.
            next_observations: The next observations, ``(T, *shape)``.
            path_starts: Whether a path starts at each transition.

        """
        n_steps = len(slots)
        if n_steps == 0:
            return
        if not self._configured:
            self._configure(observations[0], next_observations[0])
        stacks = self._stacks(observations)
        next_stacks = self._stacks(next_observations)
        flat = observations.reshape(n_steps, -1)
        next_flat = next_observations.reshape(n_steps, -1)
        follows = np.zeros(n_steps, dtype=bool)
        follows[1:] = (flat[1:] == next_flat[:-1]).all(axis=1)
        if self._n > 1:
            shifted = (
                (next_stacks[:, :-1] == stacks[:, 1:]).reshape(n_steps, -1).all(axis=1)
            )
        else:
            shifted = np.zeros(n_steps, dtype=bool)
        previous: np.ndarray | None = None
        for t in range(n_steps):
            self._stamps[slots[t]] = self._total
            obs_serials = None
            if follows[t] and self._reusable(previous):
                obs_serials = previous
            elif path_starts[t] or t == 0:
                obs_serials = self._tail(observations[t])
            if obs_serials is None:
                obs_serials = self._write_stack(stacks[t])
            if shifted[t] and self._reusable(obs_serials[1:]):
                next_serials = np.append(
                    obs_serials[1:], self._write(next_stacks[t, -1])
                )
            else:
                next_serials = self._write_stack(next_stacks[t])
            self._obs_serials[slots[t]] = obs_serials
            self._next_serials[slots[t]] = next_serials
            previous = next_serials
            if t + 1 == n_steps or path_starts[t + 1]:
                self._remember_tail(next_observations[t], next_serials)
        self._extent = min(self._capacity, self._extent + n_steps)

    def oldest_stamp(self) -> int:
        """The oldest stamp a transition may have and keep its frames.

        Returns:
            Transitions whose `stamps` are smaller must be dropped.

        """
        return self._total - (self._ring - self._reach) + 1

    def stamp(self, slot: int) -> int:
        """The frames written before the transition in ``slot`` was stored."""
        return int(self._stamps[slot])

    def observations(self, slots: np.ndarray) -> np.ndarray:
        """The observations of transitions, flattened, ``(B, flat_dim)``."""
        return self._rebuild(self._obs_serials[slots]).reshape(len(slots), -1)

    def next_observations(self, slots: np.ndarray) -> np.ndarray:
        """The next observations of transitions, flattened, ``(B, flat_dim)``."""
        return self._rebuild(self._next_serials[slots]).reshape(len(slots), -1)

    def clear(self) -> None:
        """Forget the transitions; the frame arrays stay allocated."""
        self._tails.clear()
        self._extent = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        n = self._extent
        state['_frames'] = self._frames[: self.n_frames_stored]
        for key in ('_obs_serials', '_next_serials', '_stamps'):
            state[key] = getattr(self, key)[:n]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        frames = state['_frames']
        self._frames = np.zeros((self._ring, *frames.shape[1:]), dtype=frames.dtype)
        self._frames[: len(frames)] = frames
        for key in ('_obs_serials', '_next_serials', '_stamps'):
            stored = state[key]
            array = np.zeros((self._capacity, *stored.shape[1:]), dtype=stored.dtype)
            array[: len(stored)] = stored
            setattr(self, key, array)
