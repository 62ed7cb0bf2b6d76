"""Data types: specs, step types, time steps and batches of them.

Batches are frozen and validated on construction by one shared checker; a
malformed field raises ``ValueError`` naming the field, the shape found and
the shape expected. Batch operations work on whole arrays: none loops over
time steps in Python.
"""

import dataclasses
import enum
from collections.abc import Callable, Iterator, Sequence, Sized
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from garage import _validation
from garage._legacy_gym import akro, gym
from garage.np._tensor_dicts import (
    concat_tensor_dict_list,
    index_nested_dict,
    pad_batch_array,
    repeat_nested_dict,
    slice_nested_dict,
    stack_tensor_dict_list,
    valid_mask,
)

if TYPE_CHECKING:
    from garage._environment import EnvStep


class InOutSpec:
    """Describes the input and output spaces of a primitive or module.

    Args:
        input_space: Input space.
        output_space: Output space.

    """

    def __init__(self, input_space: akro.Space, output_space: akro.Space):
        self._input_space = input_space
        self._output_space = output_space

    @property
    def input_space(self) -> akro.Space:
        """The input space."""
        return self._input_space

    @property
    def output_space(self) -> akro.Space:
        """The output space."""
        return self._output_space

    def _key(self) -> tuple[Any, ...]:
        return (self._input_space, self._output_space)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self._key() == other._key()

    def __hash__(self) -> int:
        # akro's Box.__hash__ fails on 1-D boxes, and gym's MultiDiscrete
        # and MultiBinary are unhashable: hash what equality implies
        return hash(
            (
                type(self),
                *(
                    (
                        type(value),
                        getattr(value, 'shape', None),
                        str(getattr(value, 'dtype', None)),
                    )
                    if isinstance(value, akro.Space) or is_kept_space(value)
                    else value
                    for value in self._key()
                ),
            )
        )

    def __repr__(self) -> str:
        return (
            f'{type(self).__name__}(input_space={self._input_space!r}, '
            f'output_space={self._output_space!r})'
        )


class EnvSpec(InOutSpec):
    """Describes the observations, actions, and time horizon of an MDP.

    Gymnasium and legacy gym spaces are accepted: ``Box``, ``Discrete``,
    ``Dict`` and ``Tuple`` spaces become their akro counterparts, and
    ``MultiDiscrete`` and ``MultiBinary`` spaces, which akro lacks, are
    kept as given (batches check their elements' shape).

    Args:
        observation_space: The observation space of the env.
        action_space: The action space of the env.
        max_episode_length: The maximum number of steps allowed in an
            episode; None or ``math.inf`` for no limit (read back as None).

    Raises:
        TypeError: If a space is neither an akro space nor a gym or
            Gymnasium space of the kinds above.
        ValueError: If ``max_episode_length`` is not a positive integer,
            None or ``math.inf``.

    """

    def __init__(
        self,
        observation_space: akro.Space,
        action_space: akro.Space,
        max_episode_length: int | float | None = None,
    ):
        observation_space = as_space('observation_space', observation_space)
        action_space = as_space('action_space', action_space)
        super().__init__(action_space, observation_space)
        self._max_episode_length = _validation.episode_limit(
            'max_episode_length', max_episode_length
        )
        self._observation_shapes = _element_shapes(observation_space)
        self._action_shapes = _element_shapes(action_space)

    def _key(self) -> tuple[Any, ...]:
        return (*super()._key(), self._max_episode_length)

    @property
    def action_space(self) -> akro.Space:
        """The action space of the env."""
        return self.input_space

    @property
    def observation_space(self) -> akro.Space:
        """The observation space of the env."""
        return self.output_space

    @property
    def max_episode_length(self) -> int | None:
        """The maximum number of steps in an episode, or None."""
        return self._max_episode_length

    def __repr__(self) -> str:
        return (
            f'EnvSpec(observation_space={self.observation_space!r}, '
            f'action_space={self.action_space!r}, '
            f'max_episode_length={self.max_episode_length!r})'
        )


class StepType(enum.IntEnum):
    """Defines the status of a time step within a sequence.

    The last time step of an episode is either ``TERMINAL`` (the MDP ended
    it) or ``TIMEOUT`` (the time limit cut it short). With
    ``max_episode_length = 5``:

    * terminated at step 4: FIRST, MID, MID, TERMINAL
    * terminated at step 5: FIRST, MID, MID, MID, TERMINAL
    * truncated by the time limit: FIRST, MID, MID, MID, TIMEOUT

    """

    FIRST = 0
    MID = 1
    TERMINAL = 2
    TIMEOUT = 3

    @classmethod
    def get_step_type(
        cls, step_cnt: int | None, max_episode_length: int | None, done: bool
    ) -> Self:
        """Determine the step type from the step count and the done signal.

        A step that terminates the episode is ``TERMINAL`` even when it is
        also the last step the time limit allows.

        Args:
            step_cnt: The number of steps taken in this episode, counting
                the current one.
            max_episode_length: The maximum episode length, or None.
            done: Whether the environment terminated the episode.

        Returns:
            The step type.

        Raises:
            ValueError: If ``step_cnt`` is None or less than 1, which
                usually means ``reset()`` was not called.

        """
        if step_cnt is None or step_cnt < 1:
            raise ValueError(
                f'step_cnt must be at least 1, got {step_cnt}; was the '
                'environment reset before stepping?'
            )
        if done:
            return _TERMINAL
        if max_episode_length is not None and step_cnt >= max_episode_length:
            return _TIMEOUT
        if step_cnt == 1:
            return _FIRST
        return _MID


# Module constants: on Python 3.11 reading ``StepType.TERMINAL`` costs ten
# times a global lookup, which shows in per-step loops.
_FIRST, _MID, _TERMINAL, _TIMEOUT = StepType


class _StepTypeProperties:
    """``first``/``mid``/``terminal``/``timeout``/``last`` from step_type."""

    step_type: 'StepType'

    @property
    def first(self) -> bool:
        """Whether this step is the first of its episode."""
        return self.step_type == _FIRST

    @property
    def mid(self) -> bool:
        """Whether this step is in the middle of its episode."""
        return self.step_type == _MID

    @property
    def terminal(self) -> bool:
        """Whether this step records a termination condition."""
        return self.step_type == _TERMINAL

    @property
    def timeout(self) -> bool:
        """Whether this step records a timeout condition."""
        return self.step_type == _TIMEOUT

    @property
    def last(self) -> bool:
        """Whether this step is the last of its episode."""
        return self.step_type >= _TERMINAL


@dataclasses.dataclass(frozen=True)
class TimeStep(_StepTypeProperties):
    r"""A single time step: one (s, a, r, s') transition of an MDP.

    Attributes:
        env_spec: Specification of the environment sampled.
        episode_info: Episode-level information, each value of shape
            `(S*,)`.
        observation: The observation before the action, shape
            `(O*)`.
        action: The action taken, shape `(A*)`.
        reward: The reward for the action.
        next_observation: The observation after the action.
        env_info: Environment state information.
        agent_info: Agent state information, for example the hidden state
            of a recurrent policy.
        step_type: Where this step lies in its episode.

    Raises:
        ValueError: If ``step_type`` is not a ``StepType``.

    """

    env_spec: EnvSpec
    episode_info: dict[str, np.ndarray]
    observation: np.ndarray
    action: np.ndarray
    reward: float
    next_observation: np.ndarray
    env_info: dict[str, Any]
    agent_info: dict[str, Any]
    step_type: StepType

    def __post_init__(self) -> None:
        _check_step_type(self.step_type)

    @classmethod
    def from_env_step(
        cls,
        env_step: 'EnvStep',
        last_observation: np.ndarray,
        agent_info: dict[str, Any],
        episode_info: dict[str, np.ndarray],
    ) -> Self:
        """Create a TimeStep from an EnvStep.

        Args:
            env_step: The step returned by the environment.
            last_observation: The observation before the action, shape
                `(O*)`.
            agent_info: Agent state information.
            episode_info: Information about the whole episode.

        Returns:
            A time step: the EnvStep's information plus the agent's.

        """
        return cls(
            env_spec=env_step.env_spec,
            episode_info=episode_info,
            observation=last_observation,
            action=env_step.action,
            reward=env_step.reward,
            next_observation=env_step.observation,
            env_info=env_step.env_info,
            agent_info=agent_info,
            step_type=env_step.step_type,
        )


def _check_step_type(step_type: object) -> None:
    if not isinstance(step_type, StepType):
        raise ValueError(f'step_type must be a StepType, not {step_type!r}')


#: The dtype of ``EpisodeBatch.identities``: the number of the worker that
#: sampled an episode, the index of its environment in that worker, the
#: episode's serial number in that environment, and which fragment of the
#: episode it is (0 for the first, or for a whole episode). An episode
#: whose identity is unknown has -1 in every field.
IDENTITY_DTYPE = np.dtype(
    [
        ('worker', np.int64),
        ('env', np.int64),
        ('episode', np.int64),
        ('fragment', np.int64),
    ]
)

# Stands for an argument not given, where None is a value to reject.
_MISSING: Any = object()


class _StepBatch:
    """What `TimeStepBatch` and `EpisodeBatch` share: per-step views."""

    # both are dataclasses
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
    env_spec: EnvSpec
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    env_infos: dict[str, Any]
    agent_infos: dict[str, Any]
    step_types: np.ndarray

    def __repr__(self) -> str:
        return _batch_repr(self)

    @classmethod
    def _unchecked(cls, **fields: Any) -> Self:
        """Build a batch from fields known to be valid (slices of one)."""
        batch = object.__new__(cls)
        for name, value in fields.items():
            object.__setattr__(batch, name, value)
        return batch

    @property
    def terminals(self) -> np.ndarray:
        """Bool array, True where a step is ``TERMINAL``."""
        return self.step_types == StepType.TERMINAL

    def to_time_step_list(self) -> list[dict[str, Any]]:
        """Convert the batch into a list of single-step dictionaries.

        Returns:
            One dict per time step, with the keys
                ``episode_infos``, ``observations``, ``actions``,
                ``rewards``, ``next_observations``, ``env_infos``,
                ``agent_infos`` and ``step_types``; every array keeps a
                leading batch dimension of length 1, so that
                `from_time_step_list` inverts this.

        """
        samples = self._step_slices()
        for sample in samples:
            del sample['env_spec']
        return samples

    def _step_slices(self) -> list[dict[str, Any]]:
        fields = {name: getattr(self, name) for name in _TIMESTEP_FIELDS}
        return [
            {
                'env_spec': self.env_spec,
                **{
                    name: slice_nested_dict(value, i, i + 1)
                    for name, value in fields.items()
                },
            }
            for i in range(len(self.rewards))
        ]

    @classmethod
    def from_time_step_list(
        cls, env_spec: EnvSpec, ts_samples: Sequence[dict[str, Any]]
    ) -> 'TimeStepBatch':
        """Create a TimeStepBatch from a list of time step dictionaries.

        Called on ``EpisodeBatch`` too, it returns a ``TimeStepBatch``:
        time steps do not record where episodes begin and end.

        Args:
            env_spec: Specification of the environment sampled.
            ts_samples: Dicts with the keys that `to_time_step_list`
                produces; each holds a batch of one or more time steps.

        Returns:
            The concatenation of the samples.

        Raises:
            ValueError: If no dicts are given, or a dict lacks a key.

        """
        _check_any('from_time_step_list', 'ts_samples', ts_samples)
        for i, sample in enumerate(ts_samples):
            missing = [k for k in _TIMESTEP_FIELDS if k not in sample]
            if missing:
                raise ValueError(f'ts_samples[{i}] lacks the keys {missing}')
        return TimeStepBatch.concatenate(
            *[
                TimeStepBatch(env_spec=env_spec, **{k: s[k] for k in _TIMESTEP_FIELDS})
                for s in ts_samples
            ]
        )


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TimeStepBatch(_StepBatch):
    r"""A batch of time steps, not necessarily forming whole episodes.

    The data type of off-policy algorithms, imitation learning and batch RL.
    `N` below is the number of time steps.

    Attributes:
        env_spec: Specification of the environment sampled.
        episode_infos: Episode-level information of the episode each step
            belongs to, each value of shape `(N, S*)`.
        observations: Observations, shape `(N, O*)`.
        actions: Actions, shape `(N, A*)`.
        rewards: Rewards, shape `(N,)`.
        next_observations: The observations after each action, shape
            `(N, O*)`.
        env_infos: Environment information, each value of shape
            `(N, S*)`; values may be nested dicts.
        agent_infos: Agent information, each value of shape
            `(N, S*)`; values may be nested dicts.
        step_types: ``StepType`` values, shape `(N,)`, stored as
            ``int8``.

    Observations and actions have either the space's shape or its
    flattened shape; a ``Discrete`` space's elements are indices of shape
    ``()`` or one-hot vectors. Observations of a ``Dict`` or ``Tuple``
    space are stored flattened, one row of the space's ``flat_dim`` each
    (``env_spec.observation_space.unflatten`` gives an element back); given
    as an object array of the space's elements (dicts or tuples), they are
    flattened. `N` is the row count most of the per-step arrays agree on,
    so a malformed field is the one named in the error.

    Raises:
        ValueError: If a field does not conform to its type and shape.

    """

    env_spec: EnvSpec
    episode_infos: dict[str, np.ndarray]
    observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_observations: np.ndarray
    env_infos: dict[str, np.ndarray]
    agent_infos: dict[str, np.ndarray]
    step_types: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, 'step_types', _as_step_types(self.step_types))
        _check_env_spec(self.env_spec)
        for name in ('observations', 'next_observations'):
            value = _flat_observations(name, getattr(self, name), self.env_spec)
            object.__setattr__(self, name, value)
        rows = _row_counts(self, 'next_observations')
        counts = list(rows.values())
        n = max(counts, key=counts.count) if counts else 0
        _check_step_fields(self, n)
        _check_rows('episode_infos', self.episode_infos, n, 'step')
        _check_like_observations(
            'next_observations', self.next_observations, self.observations, n, 'step'
        )

    @classmethod
    def concatenate(cls, *batches: 'TimeStepBatch | EpisodeBatch') -> Self:
        """Concatenate two or more batches.

        Args:
            *batches: Batches to concatenate; an ``EpisodeBatch``
                contributes its steps.

        Returns:
            The concatenation of the batches.

        Raises:
            ValueError: If no batches are given, or their info keys differ.

        """
        _check_any('concatenate', 'batches', batches)
        steps = [
            b.to_time_step_batch() if isinstance(b, EpisodeBatch) else b
            for b in batches
        ]
        return cls(
            env_spec=steps[0].env_spec,
            episode_infos=_concat_infos('episode_infos', steps),
            observations=_concat_arrays('observations', steps),
            actions=_concat_arrays('actions', steps),
            rewards=_concat_arrays('rewards', steps),
            next_observations=_concat_arrays('next_observations', steps),
            env_infos=_concat_infos('env_infos', steps),
            agent_infos=_concat_infos('agent_infos', steps),
            step_types=_concat_arrays('step_types', steps),
        )

    def split(self) -> list['TimeStepBatch']:
        """Split the batch into one batch per time step.

        The opposite of `concatenate`.

        Returns:
            A list of batches of a single time step each.

        """
        return [TimeStepBatch._unchecked(**sample) for sample in self._step_slices()]


_TIMESTEP_FIELDS = (
    'episode_infos',
    'observations',
    'actions',
    'rewards',
    'next_observations',
    'env_infos',
    'agent_infos',
    'step_types',
)


@dataclasses.dataclass(frozen=True, eq=False, repr=False, init=False)
class EpisodeBatch(_StepBatch):
    r"""A batch of whole episodes, the data type of on-policy algorithms.

    `N` is the number of episodes, `[T]` the variable length of
    each, and `N • [T]` the flattened time dimension of length
    `Σ_i [T]_i`: the steps of episode 0, then those of episode 1,
    and so on. ``lengths`` gives the number of steps, so a field with the
    wrong number of rows is the one named in the error.

    Each episode carries its identity (``identities``): which worker and
    which of its environments sampled it, its serial number in that
    environment, and, for a fragment of an episode that goes on in a
    later batch, which fragment it is. Whatever joins fragments or tells
    episodes apart uses it, never the data.

    An EpisodeBatch is not a ``TimeStepBatch``; `to_time_step_batch`
    converts it.

    Args:
        env_spec: Specification of the environment sampled.
        episode_infos: Episode-level information, each value of shape
            `(N, S*)`. Read it back per episode as
            ``episode_infos_by_episode``; ``episode_infos`` repeats it for
            each step.
        observations: Shape `(N • [T], O*)`. Observations of a ``Dict``
            or ``Tuple`` space are stored flattened, of shape
            `(N • [T], flat_dim)`; an object array of the space's
            elements (dicts or tuples) is flattened with the space's
            ``flatten_n``, and ``unflatten`` gives them back.
        last_observations: The observation after each episode's last
            action, shape `(N, O*)`, stored like ``observations``.
        actions: Shape `(N • [T], A*)`.
        rewards: Shape `(N • [T],)`.
        env_infos: Each value of shape `(N • [T], S*)`; values
            may be nested dicts.
        agent_infos: Each value of shape `(N • [T], S*)`;
            values may be nested dicts.
        step_types: ``StepType`` values, shape `(N • [T],)`.
        lengths: Integer length of each episode, shape `(N,)`.
        identities: Each episode's identity, shape `(N,)` of dtype
            ``IDENTITY_DTYPE`` (see `make_identities`); None for
            unknown identities (-1 in every field), which mark whole
            episodes.
        episode_infos_by_episode: Another name of ``episode_infos``, the
            name of the stored field, which ``dataclasses.replace``
            passes; give one of the two.

    Raises:
        TypeError: If an argument is missing, or both ``episode_infos``
            and ``episode_infos_by_episode`` are given.
        ValueError: If a field does not conform to its type and shape.

    """

    env_spec: EnvSpec
    episode_infos_by_episode: dict[str, np.ndarray]
    observations: np.ndarray
    last_observations: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    env_infos: dict[str, np.ndarray]
    agent_infos: dict[str, np.ndarray]
    step_types: np.ndarray
    lengths: np.ndarray
    identities: np.ndarray

    def __init__(
        self,
        env_spec: EnvSpec,
        episode_infos: dict[str, np.ndarray] = _MISSING,
        observations: np.ndarray = _MISSING,
        last_observations: np.ndarray = _MISSING,
        actions: np.ndarray = _MISSING,
        rewards: np.ndarray = _MISSING,
        env_infos: dict[str, np.ndarray] = _MISSING,
        agent_infos: dict[str, np.ndarray] = _MISSING,
        step_types: np.ndarray = _MISSING,
        lengths: np.ndarray = _MISSING,
        *,
        identities: np.ndarray | None = None,
        episode_infos_by_episode: dict[str, np.ndarray] = _MISSING,
    ):
        if episode_infos is not _MISSING and episode_infos_by_episode is not _MISSING:
            raise TypeError(
                'EpisodeBatch takes episode_infos or episode_infos_by_episode '
                '(its stored name, which dataclasses.replace passes), not '
                'both; to replace them, use dataclasses.replace(batch, '
                'episode_infos_by_episode=...)'
            )
        if episode_infos is _MISSING:
            episode_infos = episode_infos_by_episode
        fields = dict(
            env_spec=env_spec,
            episode_infos_by_episode=episode_infos,
            observations=observations,
            last_observations=last_observations,
            actions=actions,
            rewards=rewards,
            env_infos=env_infos,
            agent_infos=agent_infos,
            step_types=step_types,
            lengths=lengths,
        )
        missing = [name for name, value in fields.items() if value is _MISSING]
        if missing:
            raise TypeError(
                f'EpisodeBatch() is missing the arguments {missing}'.replace(
                    'episode_infos_by_episode', 'episode_infos'
                )
            )
        fields['step_types'] = _as_step_types(step_types)
        _check_env_spec(env_spec)
        for name in ('observations', 'last_observations'):
            fields[name] = _flat_observations(name, fields[name], env_spec)
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        n = _check_lengths(lengths, env_spec)
        rows = _row_counts(self)
        if rows and n not in rows.values() and len(set(rows.values())) == 1:
            name, m = next(iter(rows.items()))
            raise ValueError(
                f'lengths add up to {n}, but the batch has {m} steps '
                f'({name} has shape {_shape_str(getattr(self, name).shape)})'
            )
        _check_step_fields(self, n)
        n_episodes = len(lengths)
        _check_rows('episode_infos', episode_infos, n_episodes, 'episode')
        _check_like_observations(
            'last_observations',
            self.last_observations,
            self.observations,
            n_episodes,
            'episode',
        )
        if identities is None:
            identities = np.full(n_episodes, -1, IDENTITY_DTYPE)
        else:
            _check_identities(identities, n_episodes)
        object.__setattr__(self, 'identities', identities)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # batches pickled by releases before identities have none
        if 'identities' not in state:
            n_episodes = len(state['lengths'])
            state = {**state, 'identities': np.full(n_episodes, -1, IDENTITY_DTYPE)}
        self.__dict__.update(state)

    @staticmethod
    def make_identities(
        *, worker: Any, env: Any, episode: Any, fragment: Any = 0
    ) -> np.ndarray:
        """Build the ``identities`` of episodes.

        Each argument is one integer, shared by every episode, or an
        integer array with one entry per episode; all integers give the
        identity of one episode, an array of shape `(1,)`.

        Args:
            worker: The number of the worker that sampled the episodes.
            env: The index of each episode's environment in the worker.
            episode: Each episode's serial number in its environment.
            fragment: Which fragment of its episode each is: 0 for the
                first, or for a whole episode.

        Returns:
            The identities, a 1-D array of dtype ``IDENTITY_DTYPE``.

        """
        columns = np.broadcast_arrays(
            *(
                np.atleast_1d(np.asarray(value, np.int64))
                for value in (worker, env, episode, fragment)
            )
        )
        identities = np.empty(columns[0].shape, IDENTITY_DTYPE)
        for name, column in zip(IDENTITY_DTYPE.names or (), columns, strict=True):
            identities[name] = column
        return identities

    @classmethod
    def concatenate(cls, *batches: Self) -> Self:
        """Concatenate two or more batches of episodes.

        Args:
            *batches: Batches to concatenate.

        Returns:
            The concatenation of the batches, identities included.

        Raises:
            ValueError: If no batches are given, or their info keys differ.

        """
        _check_any('concatenate', 'batches', batches)
        return cls(
            env_spec=batches[0].env_spec,
            episode_infos=_concat_infos('episode_infos_by_episode', batches),
            observations=_concat_arrays('observations', batches),
            last_observations=_concat_arrays('last_observations', batches),
            actions=_concat_arrays('actions', batches),
            rewards=_concat_arrays('rewards', batches),
            env_infos=_concat_infos('env_infos', batches),
            agent_infos=_concat_infos('agent_infos', batches),
            step_types=_concat_arrays('step_types', batches),
            lengths=_concat_arrays('lengths', batches),
            identities=_concat_arrays('identities', batches),
        )

    def split(self) -> list['EpisodeBatch']:
        """Split the batch into one batch per episode.

        The opposite of `concatenate`. The new batches hold views of
        this batch's arrays, so splitting copies no step data.

        Returns:
            A list of batches of a single episode each.

        """
        batches = []
        for i, (start, stop) in enumerate(self._episode_bounds()):
            batches.append(
                EpisodeBatch._unchecked(
                    env_spec=self.env_spec,
                    episode_infos_by_episode=slice_nested_dict(
                        self.episode_infos_by_episode, i, i + 1
                    ),
                    observations=self.observations[start:stop],
                    last_observations=self.last_observations[i : i + 1],
                    actions=self.actions[start:stop],
                    rewards=self.rewards[start:stop],
                    env_infos=slice_nested_dict(self.env_infos, start, stop),
                    agent_infos=slice_nested_dict(self.agent_infos, start, stop),
                    step_types=self.step_types[start:stop],
                    lengths=self.lengths[i : i + 1],
                    identities=self.identities[i : i + 1],
                )
            )
        return batches

    def to_time_step_batch(self) -> TimeStepBatch:
        """The steps of the episodes, as a batch of time steps.

        Returns:
            A ``TimeStepBatch`` with ``next_observations`` computed and
                ``episode_infos`` repeated for each step.

        """
        return TimeStepBatch._unchecked(
            env_spec=self.env_spec,
            episode_infos=self.episode_infos,
            observations=self.observations,
            actions=self.actions,
            rewards=self.rewards,
            next_observations=self.next_observations,
            env_infos=self.env_infos,
            agent_infos=self.agent_infos,
            step_types=self.step_types,
        )

    def to_list(self) -> list[dict[str, Any]]:
        """Convert the batch into a list of per-episode dictionaries.

        Returns:
            One dict per episode with the keys ``observations``,
                ``next_observations``, ``actions`` (each of shape
                `(T, S*)`), ``rewards`` and ``step_types`` (shape
                `(T,)`), ``env_infos`` and ``agent_infos`` (dicts of
                arrays with `T` rows), ``episode_infos`` (a dict
                of this episode's values, each of shape `(S*)`) and
                ``identity`` (this episode's entry of ``identities``).

        """
        next_observations = self.next_observations
        episodes = []
        for i, (start, stop) in enumerate(self._episode_bounds()):
            episodes.append(
                {
                    'episode_infos': index_nested_dict(
                        self.episode_infos_by_episode, i
                    ),
                    'observations': self.observations[start:stop],
                    'next_observations': next_observations[start:stop],
                    'actions': self.actions[start:stop],
                    'rewards': self.rewards[start:stop],
                    'env_infos': slice_nested_dict(self.env_infos, start, stop),
                    'agent_infos': slice_nested_dict(self.agent_infos, start, stop),
                    'step_types': self.step_types[start:stop],
                    'identity': self.identities[i],
                }
            )
        return episodes

    @classmethod
    def from_list(cls, env_spec: EnvSpec, paths: Sequence[dict[str, Any]]) -> Self:
        """Create a batch from a list of per-episode dictionaries.

        Args:
            env_spec: Specification of the environment sampled.
            paths: One dict per episode with the keys ``observations``,
                ``actions``, ``rewards``, ``env_infos``, ``agent_infos`` and
                ``step_types`` as `to_list` produces them, and
                optionally ``episode_infos``, ``next_observations`` and
                ``identity`` (a record of ``IDENTITY_DTYPE`` or a tuple
                of its four integers; unknown if absent).
                ``observations`` may have `T + 1` rows, the last being
                the final observation; otherwise the final observation is
                taken from ``next_observations``, or, if that is absent too,
                the last observation is repeated.

        Returns:
            The batch of all the episodes.

        Raises:
            ValueError: If ``paths`` is empty or a path lacks a key.

        """
        _check_any('from_list', 'paths', paths)
        required = (
            'observations',
            'actions',
            'rewards',
            'env_infos',
            'agent_infos',
            'step_types',
        )
        space = env_spec.observation_space
        observations, last_observations = [], []
        for i, path in enumerate(paths):
            missing = [k for k in required if k not in path]
            if missing:
                raise ValueError(f'paths[{i}] lacks the keys {missing}')
            obs = observation_array(space, path['observations'])
            n_steps = len(path['rewards'])
            if len(obs) == n_steps + 1:
                observations.append(obs[:-1])
                last_observations.append(obs[-1])
            else:
                observations.append(obs)
                last = path.get('next_observations', obs)
                last_observations.append(observation_array(space, last)[-1])
        return cls(
            env_spec=env_spec,
            episode_infos=stack_tensor_dict_list(
                [p.get('episode_infos', {}) for p in paths]
            ),
            observations=np.concatenate(observations),
            last_observations=observation_array(space, last_observations),
            actions=np.concatenate([p['actions'] for p in paths]),
            rewards=np.concatenate([p['rewards'] for p in paths]),
            env_infos=concat_tensor_dict_list([p['env_infos'] for p in paths]),
            agent_infos=concat_tensor_dict_list([p['agent_infos'] for p in paths]),
            step_types=np.concatenate([p['step_types'] for p in paths]),
            lengths=np.asarray([len(p['rewards']) for p in paths]),
            identities=np.array(
                [p.get('identity', _UNKNOWN_IDENTITY) for p in paths], IDENTITY_DTYPE
            ),
        )

    def _episode_bounds(self) -> Iterator[tuple[int, int]]:
        stops = np.cumsum(self.lengths)
        return zip((stops - self.lengths).tolist(), stops.tolist(), strict=True)

    @property
    def next_observations(self) -> np.ndarray:
        r"""The observation after each action.

        Not stored: computed from ``observations`` and
        ``last_observations``. Shape `(N • [T], O*)`.
        """
        next_obs = np.empty_like(self.observations)
        next_obs[:-1] = self.observations[1:]
        next_obs[np.cumsum(self.lengths) - 1] = self.last_observations
        return next_obs

    @property
    def episode_infos(self) -> dict[str, Any]:
        r"""Episode-level information per step.

        ``episode_infos_by_episode`` repeated to `N • [T]`
        rows, one for each step of each episode.
        """
        return repeat_nested_dict(self.episode_infos_by_episode, self.lengths)

    @property
    def _max_length(self) -> int:
        if self.env_spec.max_episode_length is not None:
            return self.env_spec.max_episode_length
        return int(self.lengths.max()) if len(self.lengths) else 0

    def _pad(self, array: np.ndarray) -> np.ndarray:
        return pad_batch_array(array, self.lengths, self._max_length)

    def _pad_dict(self, tensor_dict: dict[str, Any]) -> dict[str, Any]:
        return {
            k: self._pad_dict(v) if isinstance(v, dict) else self._pad(v)
            for k, v in tensor_dict.items()
        }

    @property
    def padded_observations(self) -> np.ndarray:
        """The observations, shape (N, max_episode_length, O*), zero-padded."""
        return self._pad(self.observations)

    @property
    def padded_actions(self) -> np.ndarray:
        """The actions, shape (N, max_episode_length, A*), zero-padded."""
        return self._pad(self.actions)

    @property
    def padded_rewards(self) -> np.ndarray:
        """The rewards, shape (N, max_episode_length), zero-padded."""
        return self._pad(self.rewards)

    @property
    def padded_next_observations(self) -> np.ndarray:
        """The next observations, shape (N, max_episode_length, O*), zero-padded."""
        return self._pad(self.next_observations)

    @property
    def padded_step_types(self) -> np.ndarray:
        """The step types, shape (N, max_episode_length), zero-padded."""
        return self._pad(self.step_types)

    @property
    def padded_agent_infos(self) -> dict[str, np.ndarray]:
        """The agent infos, each value of shape (N, max_episode_length, S*)."""
        return self._pad_dict(self.agent_infos)

    @property
    def padded_env_infos(self) -> dict[str, np.ndarray]:
        """The env infos, each value of shape (N, max_episode_length, S*)."""
        return self._pad_dict(self.env_infos)

    @property
    def valids(self) -> np.ndarray:
        """Bool, shape (N, max_episode_length): True at real steps."""
        return valid_mask(self.lengths, self._max_length)

    @property
    def observations_list(self) -> list[np.ndarray]:
        """The observations of each episode."""
        return [self.observations[start:stop] for start, stop in self._episode_bounds()]

    @property
    def actions_list(self) -> list[np.ndarray]:
        """The actions of each episode."""
        return [self.actions[start:stop] for start, stop in self._episode_bounds()]


# The shared checker.


def _check_any(method: str, name: str, values: Sized) -> None:
    if len(values) == 0:
        raise ValueError(f'{method}() needs at least one of {name}, got none')


_MIN_STEP_TYPE, _MAX_STEP_TYPE = min(StepType), max(StepType)
_UNKNOWN_IDENTITY = (-1, -1, -1, -1)


def _as_step_types(step_types: object) -> np.ndarray:
    """Store step types as int8, checking they are StepType values."""
    if not isinstance(step_types, np.ndarray):
        raise ValueError(
            f'step_types must be a numpy.ndarray, not {type(step_types).__name__}'
        )
    if step_types.dtype == object:
        if not all(isinstance(s, StepType) for s in step_types.flat):
            raise ValueError(
                'step_types of dtype object must hold only StepType members'
            )
    elif not np.issubdtype(step_types.dtype, np.integer):
        raise ValueError(
            f'step_types must hold StepType values, not dtype {step_types.dtype}'
        )
    values = step_types.astype(np.int8)
    bad = (step_types < _MIN_STEP_TYPE) | (step_types > _MAX_STEP_TYPE)
    if bad.any():
        raise ValueError(
            'step_types must hold StepType values '
            f'{[int(s) for s in StepType]}, found '
            f'{int(step_types[bad][0])}'
        )
    return values


def _shape_str(shape: tuple[int, ...]) -> str:
    return '(' + ', '.join(str(d) for d in shape) + (',)' if len(shape) == 1 else ')')


# The spaces whose observations batches store as they are (in the space's
# shape or flattened); those of other spaces (Dict, Tuple) are flattened.
_ARRAY_SPACES = (akro.Box, akro.Discrete)


def observation_array(space: akro.Space, observations: Any) -> np.ndarray:
    """Gather observations into one array, one per row.

    Observations of a ``Box`` or ``Discrete`` space are stacked as they are.
    Those of other spaces, dicts of a ``Dict`` space and tuples of a
    ``Tuple`` space, become an object array of shape ``(N,)`` holding them,
    which batches flatten; already flattened observations (arrays) are
    stacked as they are.

    Args:
        space: The observation space.
        observations: An array, or a sequence of observations.

    Returns:
        The observations as one array.

    """
    if isinstance(space, _ARRAY_SPACES) or isinstance(observations, np.ndarray):
        return np.asarray(observations)
    if len(observations) == 0 or not isinstance(observations[0], (dict, tuple)):
        return np.asarray(observations)
    array = np.empty(len(observations), dtype=object)
    for i, observation in enumerate(observations):
        array[i] = observation
    return array


def _flat_observations(name: str, value: object, env_spec: EnvSpec) -> object:
    """Flatten an object array of ``Dict`` or ``Tuple`` observations.

    Batches store the observations of those spaces flattened, as rows of
    the space's ``flat_dim`` (``observation_space.unflatten`` gives the
    dicts or tuples back); other values are left to the checks.
    """
    space = env_spec.observation_space
    if (
        isinstance(space, _ARRAY_SPACES)
        or not isinstance(value, np.ndarray)
        or value.dtype != object
        or value.ndim != 1
    ):
        return value
    if len(value) == 0:
        return np.empty((0, int(space.flat_dim)))
    try:
        return np.asarray(space.flatten_n(list(value)))
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ValueError(
            f'{name} holds observations that do not belong to the observation '
            f'space {space}: flattening them failed with '
            f'{type(error).__name__}: {error}'
        ) from error


def kept_space_types() -> tuple[type[Any], ...]:
    """The gym and Gymnasium space types akro lacks, kept as they are."""
    import gymnasium  # imported on first use: ``import garage`` stays light

    return (
        gymnasium.spaces.MultiDiscrete,
        gymnasium.spaces.MultiBinary,
        gym.spaces.MultiDiscrete,
        gym.spaces.MultiBinary,
    )


def is_kept_space(space: object) -> bool:
    """Whether ``space`` is a ``MultiDiscrete`` or ``MultiBinary`` space."""
    return isinstance(space, kept_space_types())


def as_space(name: str, space: Any, is_image: bool = False) -> akro.Space:
    """Convert a gym or Gymnasium space to the space garage uses.

    akro spaces are returned as they are; ``Box``, ``Discrete``, ``Dict``
    and ``Tuple`` spaces become their akro counterparts; ``MultiDiscrete``
    and ``MultiBinary`` spaces, which akro lacks, are returned as they are.

    Args:
        name: The argument's name, for the message.
        space: The space.
        is_image: Whether a Box space holds images (``akro.Image``).

    Returns:
        The space garage uses.

    Raises:
        ArgumentTypeError: If the space is of another kind (a
            ``TypeError`` and a ``ValueError``).
        ValueError: If an image space is not a Box of 0..255.

    """
    if isinstance(space, akro.Space):
        return space
    if is_kept_space(space):
        return space
    import gymnasium

    spaces = gymnasium.spaces
    if isinstance(space, (spaces.Box, gym.spaces.Box)):
        if is_image:
            if not ((space.low == 0).all() and (space.high == 255).all()):
                raise ValueError(
                    'is_image=True needs a Box observation space from 0 to '
                    f'255, got {space}'
                )
            return akro.Image(space.shape)
        return akro.Box(low=space.low, high=space.high, dtype=space.dtype)
    if isinstance(space, (spaces.Discrete, gym.spaces.Discrete)):
        return akro.Discrete(int(space.n), start=int(space.start))
    if isinstance(space, (spaces.Dict, gym.spaces.Dict)):
        return akro.Dict(
            {
                key: _akro_part(f'{name}[{key!r}]', value)
                for key, value in space.spaces.items()
            }
        )
    if isinstance(space, (spaces.Tuple, gym.spaces.Tuple)):
        return akro.Tuple(
            [_akro_part(f'{name}[{i}]', s) for i, s in enumerate(space.spaces)]
        )
    raise _validation.ArgumentTypeError(
        f'{name} must be an akro, gym or Gymnasium space of a kind garage '
        'supports (Box, Discrete, Dict, Tuple, MultiDiscrete, MultiBinary), '
        f'not {type(space).__module__}.{type(space).__name__}: {space!r}'
    )


def _akro_part(name: str, space: Any) -> akro.Space:
    """Convert a part of a Dict or Tuple space, which akro must have."""
    if is_kept_space(space):
        raise _validation.ArgumentTypeError(
            f'{name} is a {type(space).__name__} space, which akro lacks: the '
            'parts of a Dict or Tuple space must be Box, Discrete, Dict or '
            f'Tuple spaces, got {space!r}'
        )
    return as_space(name, space)


def _element_shapes(space: akro.Space) -> list[tuple[int, ...]]:
    """The shapes one element of ``space`` may be stored with."""
    if isinstance(space, akro.Discrete):
        return [(), (int(space.n),)]
    if isinstance(space, akro.Box) or is_kept_space(space):
        flat = (int(np.prod(space.shape)),)
        return [space.shape] if space.shape == flat else [space.shape, flat]
    return [(int(space.flat_dim),)]


def _check_array(
    name: str,
    value: object,
    n: int,
    unit: str,
    element_shapes: Sequence[tuple[int, ...]],
    reason: Callable[[], str],
) -> None:
    """Check ``value`` is an array of ``n`` rows of an allowed shape.

    ``reason`` is called only to explain a failure, keeping the check cheap.
    """
    if not isinstance(value, np.ndarray):
        raise ValueError(f'{name} must be a numpy.ndarray, not {type(value).__name__}')
    if value.shape[:1] != (n,) or value.shape[1:] not in element_shapes:
        expected = ' or '.join(_shape_str((n, *s)) for s in element_shapes)
        raise ValueError(
            f'{name} has shape {_shape_str(value.shape)}, but expected '
            f'{expected} {reason()}; one row per {unit}'
        )


def _check_like_observations(
    name: str, value: object, observations: np.ndarray, n: int, unit: str
) -> None:
    """Check ``value`` stores observations in the same form."""
    _check_array(
        name, value, n, unit, [observations.shape[1:]], lambda: 'to match observations'
    )


def _check_env_spec(env_spec: object) -> None:
    if not isinstance(env_spec, EnvSpec):
        raise ValueError(f'env_spec must be an EnvSpec, not {type(env_spec).__name__}')


def _row_counts(batch: _StepBatch, *extra: str) -> dict[str, int]:
    """The row counts of the per-step arrays that have rows, rewards first."""
    rows = {}
    for name in ('rewards', 'observations', 'actions', 'step_types', *extra):
        value = getattr(batch, name)
        if isinstance(value, np.ndarray) and value.ndim:
            rows[name] = len(value)
    return rows


def _check_step_fields(batch: _StepBatch, n: int) -> None:
    """Check the fields batches of steps share against the step count."""
    rewards = batch.rewards
    if not isinstance(rewards, np.ndarray) or rewards.ndim != 1:
        shape = getattr(rewards, 'shape', None)
        raise ValueError(
            'rewards must be a 1-D numpy.ndarray of shape (N,), got '
            + (
                type(rewards).__name__
                if shape is None
                else f'shape {_shape_str(shape)}'
            )
        )
    if len(rewards) != n:
        raise ValueError(
            f'rewards has shape {_shape_str(rewards.shape)}, but expected '
            f'{_shape_str((n,))}; one row per step'
        )
    spec = batch.env_spec
    _check_array(
        'observations',
        batch.observations,
        n,
        'step',
        spec._observation_shapes,
        lambda: f'to match the observation space {spec.observation_space}',
    )
    _check_array(
        'actions',
        batch.actions,
        n,
        'step',
        spec._action_shapes,
        lambda: f'to match the action space {spec.action_space}',
    )
    if batch.step_types.shape != (n,):
        raise ValueError(
            f'step_types has shape '
            f'{_shape_str(batch.step_types.shape)}, but expected '
            f'{_shape_str((n,))}, one per step'
        )
    _check_rows('env_infos', batch.env_infos, n, 'step')
    _check_rows('agent_infos', batch.agent_infos, n, 'step')


def _check_rows(name: str, tensor_dict: object, n: int, unit: str) -> None:
    """Check every leaf of a (nested) dict is an array with ``n`` rows."""
    if not isinstance(tensor_dict, dict):
        raise ValueError(f'{name} must be a dict, not {type(tensor_dict).__name__}')
    for key, value in tensor_dict.items():
        path = f'{name}[{key!r}]'
        if isinstance(value, dict):
            _check_rows(path, value, n, unit)
        elif not isinstance(value, np.ndarray):
            raise ValueError(
                f'{path} must be a numpy.ndarray or a dict, not {type(value).__name__}'
            )
        elif value.ndim == 0 or len(value) != n:
            raise ValueError(
                f'{path} has shape {_shape_str(value.shape)}, but expected '
                f'({n}, ...): one row per {unit}'
            )


def _check_lengths(lengths: object, env_spec: EnvSpec) -> int:
    """Check the episode lengths; return the step count they add up to."""
    if (
        not isinstance(lengths, np.ndarray)
        or lengths.ndim != 1
        or not np.issubdtype(lengths.dtype, np.integer)
    ):
        raise ValueError(
            f'lengths must be a 1-D integer numpy.ndarray, got {lengths!r}'
        )
    if (lengths < 1).any():
        raise ValueError(f'lengths must all be at least 1, got {lengths}')
    limit = env_spec.max_episode_length
    if limit is not None and len(lengths) and lengths.max() > limit:
        raise ValueError(
            f'lengths holds an episode of {lengths.max()} steps, '
            f'more than env_spec.max_episode_length={limit}'
        )
    return int(lengths.sum())


def _check_identities(identities: object, n_episodes: int) -> None:
    if (
        not isinstance(identities, np.ndarray)
        or identities.dtype != IDENTITY_DTYPE
        or identities.shape != (n_episodes,)
    ):
        found = (
            f'shape {_shape_str(identities.shape)} of dtype {identities.dtype}'
            if isinstance(identities, np.ndarray)
            else type(identities).__name__
        )
        raise ValueError(
            f'identities must be a numpy.ndarray of shape '
            f'{_shape_str((n_episodes,))}, one per episode, of dtype '
            f'IDENTITY_DTYPE (build it with EpisodeBatch.make_identities), '
            f'got {found}'
        )
    columns = [identities[name] for name in IDENTITY_DTYPE.names or ()]
    unknown = np.logical_and.reduce([column == -1 for column in columns])
    bad = ~unknown & np.logical_or.reduce([column < 0 for column in columns])
    if bad.any():
        raise ValueError(
            'identities must have every field at least 0, or -1 in every '
            f'field for an unknown identity, got {identities[bad][0]}'
        )


def _concat_arrays(name: str, batches: Sequence[object]) -> np.ndarray:
    arrays = [getattr(b, name) for b in batches]
    first = arrays[0].shape[1:]
    for i, array in enumerate(arrays):
        if array.shape[1:] != first:
            raise ValueError(
                f'cannot concatenate the {name} of the batches: batch {i} '
                f'has shape {_shape_str(array.shape)}, but batch 0 has '
                f'{_shape_str(arrays[0].shape)}; their rows must have the '
                'same shape'
            )
    return np.concatenate(arrays)


def _concat_infos(name: str, batches: Sequence[object]) -> dict[str, Any]:
    try:
        return concat_tensor_dict_list([getattr(b, name) for b in batches])
    except ValueError as e:
        raise ValueError(f'cannot concatenate the {name} of the batches: {e}') from e


def _batch_repr(batch: _StepBatch) -> str:
    fields = []
    for field in dataclasses.fields(batch):
        value = getattr(batch, field.name)
        if isinstance(value, np.ndarray):
            dtype = 'identity' if value.dtype == IDENTITY_DTYPE else value.dtype
            value = f'array(shape={_shape_str(value.shape)}, {dtype})'
        elif isinstance(value, dict):
            value = '{' + ', '.join(map(repr, value)) + '}'
        else:
            value = repr(value)
        fields.append(f'{field.name}={value}')
    return f'{type(batch).__name__}({", ".join(fields)})'
