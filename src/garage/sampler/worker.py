"""The Worker interface, and the randomness every seeded worker owns.

A worker samples episodes of one agent in its environment(s). Samplers
build workers with a `WorkerFactory`, wherever the
work happens (this process, a worker process, a Ray actor), then drive them
with `Worker.update_agent`, `Worker.update_env` and
`Worker.rollout`, usually through
`garage.sampler._collect.collect_samples` and
`collect_episodes`.

A worker with a seed owns its random state: Python's ``random``, NumPy's
global generator and PyTorch's CPU generator are seeded from
``(seed, worker_number)``, and swapped into the global generators around
every `rollout` and `update_env` (and swapped
back out after), so its draws depend neither on the process that runs it
nor on other workers in that process. Each environment it receives is
seeded too, through its ``seed`` method if it has one and through its
``action_space``. A worker without a seed (None) touches no random state.
"""

import abc
import contextlib
import gc
import math
import random
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._validation import episode_limit, non_negative_int
from garage._validation import seed as check_seed
from garage.sampler._collect import concatenate_batches
from garage.sampler._updates import EnvUpdateLike

# The streams derived from a worker's seed, as SeedSequence spawn keys.
_RNG_STREAM = 0
_ENV_STREAM = 1
_AGENT_STREAM = 2


class Worker(abc.ABC):
    """Samples episodes of an agent in an environment.

    Subclasses implement the episode methods. `rollout` runs inside
    `_own_rng`, as does `update_env`; `start_episode`,
    `step_episode` and `collect_episode`, the step-by-step
    form of `rollout`, use whatever random state is global when they
    are called.

    Args:
        seed: The seed of the sampler, from which the worker derives its
            own; None leaves all random state alone.
        max_episode_length: The longest an episode may run; the worker
            cuts longer ones short and marks their last step
            ``StepType.TIMEOUT``. None or ``math.inf``: no limit but the
            environment's own.
        worker_number: The index of this worker among the sampler's
            workers, from 0.

    Raises:
        ValueError: If ``seed`` is not None or a non-negative integer,
            ``max_episode_length`` is not a positive integer, None or
            ``math.inf``, or ``worker_number`` is not a non-negative integer.

    """

    def __init__(
        self,
        *,
        seed: int | None,
        max_episode_length: int | float | None,
        worker_number: int,
    ):
        self._seed = check_seed(seed)
        limit = episode_limit('max_episode_length', max_episode_length)
        # compared with episode lengths: infinity when there is no limit
        self._max_episode_length: int | float = math.inf if limit is None else limit
        self._worker_number = non_negative_int('worker_number', worker_number)
        self._n_env_updates = 0
        self._n_agent_updates = 0
        self._rng_states: list[Any] | None = None
        self._torch_rng_state = None
        self._owning_rng = False
        if self._seed is not None:
            self._rng_states = [
                random.Random(
                    _seed_int(self._seed_sequence(_RNG_STREAM, 0))
                ).getstate(),
                np.random.RandomState(
                    np.random.MT19937(self._seed_sequence(_RNG_STREAM, 1))
                ).get_state(),
            ]

    @property
    def seed(self) -> int | None:
        """The sampler's seed, from which this worker derives its own."""
        return self._seed

    @property
    def max_episode_length(self) -> int | None:
        """The longest an episode may run, or None for no limit."""
        limit = self._max_episode_length
        return None if limit == math.inf else int(limit)

    @property
    def worker_number(self) -> int:
        """The index of this worker among the sampler's workers."""
        return self._worker_number

    def _seed_sequence(self, *stream: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(
            self._seed, spawn_key=(self._worker_number, *stream)
        )

    @contextlib.contextmanager
    def _own_rng(self) -> Iterator[None]:
        """Run a block with this worker's random state in the global RNGs.

        Swaps the worker's states of Python's ``random``, NumPy's global
        generator and, once PyTorch is imported, PyTorch's CPU generator
        into place, and on leaving saves them and puts the previous states
        back. Does nothing for a worker without a seed, or inside another
        such block: `collect_samples` swaps
        once around all its rollouts, since a swap costs as much as a few
        steps.

        Yields:
            None.

        """
        if self._rng_states is None or self._owning_rng:
            yield
            return
        torch = sys.modules.get('torch')
        outer_random, outer_numpy = random.getstate(), np.random.get_state()
        random.setstate(self._rng_states[0])
        np.random.set_state(self._rng_states[1])
        if torch is not None:
            if self._torch_rng_state is None:
                generator = torch.Generator().manual_seed(
                    _seed_int(self._seed_sequence(_RNG_STREAM, 2))
                )
                self._torch_rng_state = generator.get_state()
            outer_torch = torch.get_rng_state()
            torch.set_rng_state(self._torch_rng_state)
        self._owning_rng = True
        try:
            yield
        finally:
            self._owning_rng = False
            self._rng_states = [random.getstate(), np.random.get_state()]
            random.setstate(outer_random)
            np.random.set_state(outer_numpy)
            if torch is not None:
                self._torch_rng_state = torch.get_rng_state()
                torch.set_rng_state(outer_torch)

    def _seed_new_env(self, env: Environment, env_index: int = 0) -> None:
        """Seed an environment the worker just received.

        Each environment update gets its own seeds, so a worker that is
        sent one environment after another does not replay one random
        stream. Does nothing for a worker without a seed.

        Args:
            env: The environment.
            env_index: Which of the worker's environments it is, for
                workers that step several.

        """
        if self._seed is None:
            return
        seed = (
            _seed_int(self._seed_sequence(_ENV_STREAM, self._n_env_updates, env_index))
            % 2**32
        )
        env_seed = getattr(env, 'seed', None)
        if callable(env_seed):
            env_seed(seed)
        space_seed = getattr(env.action_space, 'seed', None)
        if callable(space_seed):
            space_seed(seed)

    def _updated_agent(self, agent: Any, agent_update: Any) -> Any:
        """Apply an agent update; see `update_agent`.

        Args:
            agent: The current agent, or None.
            agent_update: The update.

        Returns:
            The agent to use from now on.

        Raises:
            ValueError: If parameters arrive before any agent.
            TypeError: If ``agent_update`` is none of the accepted kinds.

        """
        check_agent_update(agent_update)
        if agent_update is None or agent_update is agent:
            return agent
        if is_parameter_update(agent_update):
            if agent is None:
                raise ValueError(
                    'received parameter values, but the worker has no agent '
                    'to load them into; send a policy first'
                )
            agent.set_param_values(agent_update)
            return agent
        self._n_agent_updates += 1
        if self._seed is not None:
            space = getattr(
                getattr(agent_update, 'env_spec', None), 'action_space', None
            )
            space_seed = getattr(space, 'seed', None)
            if callable(space_seed):
                space_seed(
                    _seed_int(self._seed_sequence(_AGENT_STREAM, self._n_agent_updates))
                    % 2**32
                )
        return agent_update

    @abc.abstractmethod
    def update_agent(self, agent_update: Any) -> None:
        """Update the agent.

        Args:
            agent_update: A policy, which replaces the agent; its parameter
                values (a dict, as ``get_param_values`` returns, or an
                array), loaded with ``agent.set_param_values``; or None,
                which keeps the agent (as does the agent itself). A new
                policy's action space is seeded, for policies that sample
                from it.

        """

    @abc.abstractmethod
    def update_env(self, env_update: EnvUpdateLike) -> None:
        """Update the environment(s).

        Args:
            env_update: None keeps the environment; an ``Environment``
                replaces it; an ``EnvUpdate`` is called with the old
                environment and returns the new one.

        Raises:
            TypeError: If ``env_update`` is none of these.

        """

    @abc.abstractmethod
    def rollout(self) -> EpisodeBatch:
        """Sample a batch of episodes (or fragments of them).

        Returns:
            The batch; what it holds depends on the worker class.

        """

    def rollout_steps(self, min_steps: int) -> EpisodeBatch:
        """Roll out until at least ``min_steps`` steps are sampled.

        Samplers call this for ``obtain_samples``. This form repeats
        `rollout`; a worker that can do better (``VecWorker`` keeps
        every environment busy) overrides it.

        Args:
            min_steps: The least number of steps to sample.

        Returns:
            The rollouts' batches, concatenated.

        """
        batches = []
        n_steps = 0
        with self._own_rng(), paused_gc():
            while n_steps < min_steps:
                batch = self.rollout()
                batches.append(batch)
                n_steps += len(batch.rewards)
        return concatenate_batches(batches)

    @abc.abstractmethod
    def start_episode(self) -> None:
        """Begin a new episode."""

    @abc.abstractmethod
    def step_episode(self) -> bool:
        """Take one step of the current episode.

        Returns:
            True when the episode is over.

        """

    @abc.abstractmethod
    def collect_episode(self) -> EpisodeBatch:
        """Collect what was sampled since the last collection.

        Returns:
            The sampled episodes.

        """

    @abc.abstractmethod
    def shutdown(self) -> None:
        """Release the worker's resources (close its environments)."""


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with Python's cyclic garbage collector paused.

    The steps a rollout holds until it is collected would otherwise be
    scanned, and promoted to older generations, by collections that find
    nothing to free; with PyTorch loaded, a full collection costs about a
    tenth of a second. Reference counting still frees everything that is
    not in a cycle, and the collector resumes when the block ends.

    Yields:
        None.

    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def is_parameter_update(agent_update: Any) -> bool:
    """Whether an agent update holds parameter values, not a policy.

    Args:
        agent_update: The update.

    Returns:
        True for a mapping (a ``state_dict``, as torch policies'
            ``get_param_values`` returns), an array, or an empty tuple (the
            parameters of a policy without any).

    """
    return isinstance(agent_update, (Mapping, np.ndarray)) or _is_empty_tuple(
        agent_update
    )


def is_per_worker(objs: Any) -> bool:
    """Whether a sampler argument is a sequence of one value per worker.

    Args:
        objs: The argument.

    Returns:
        True for a list or a tuple, except an empty tuple: that is one value
            for every worker (the parameters of a policy without any).

    """
    return isinstance(objs, (list, tuple)) and not _is_empty_tuple(objs)


def _is_empty_tuple(value: Any) -> bool:
    return isinstance(value, tuple) and not value


def check_agent_update(agent_update: Any, name: str = 'agent_update') -> None:
    """Check that a value is something workers' ``update_agent`` takes.

    Args:
        agent_update: The value.
        name: What the value is called, for the error message.

    Raises:
        TypeError: If ``agent_update`` is not None, parameter values or a
            policy (an object with ``get_action``).

    """
    if not (
        agent_update is None
        or is_parameter_update(agent_update)
        or callable(getattr(agent_update, 'get_action', None))
    ):
        raise TypeError(
            f'{name} must be None, a policy (with get_action) or its '
            'parameter values (a dict, as get_param_values returns, or an '
            f'array), got {type(agent_update).__name__}'
        )


def _seed_int(seed_sequence: np.random.SeedSequence) -> int:
    """A 64-bit integer seed drawn from a SeedSequence."""
    return int(seed_sequence.generate_state(1, dtype=np.uint64)[0])
