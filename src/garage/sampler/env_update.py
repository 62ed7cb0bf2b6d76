"""Updates that samplers send to their workers' environments.

A worker's ``update_env`` takes one of three things: None keeps the
environment; an `Environment` replaces it; an
`EnvUpdate` is called with the old environment and returns the new
one. `apply_env_update` implements that rule for every worker.

Updates travel to worker processes, so they must pickle (with cloudpickle,
which takes lambdas too).
"""

import abc
from collections.abc import Callable
from typing import Any, Protocol, overload, runtime_checkable

from garage._environment import Environment, Wrapper
from garage._pickling import pickles
from garage._validation import instance_of


@runtime_checkable
class _TaskEnv(Protocol):
    """An environment with tasks, as ``SetTaskUpdate`` needs."""

    def set_task(self, task: Any) -> None:
        """Switch to a task."""


class EnvUpdate(abc.ABC):
    """A change to a worker's environment, made in the worker.

    Sending an update that builds or changes the environment where it runs
    is often cheaper than sending a whole environment.
    """

    @abc.abstractmethod
    def __call__(self, old_env: Environment | None = None) -> Environment:
        """Update an environment.

        Args:
            old_env: The worker's environment, or None if it has none yet.
                An update that does not keep it closes it.

        Returns:
            The updated environment, which may be ``old_env`` itself.

        """


class NewEnvUpdate(EnvUpdate):
    """Replaces the environment with a new one from a constructor.

    The way to use an environment that cannot be pickled (one holding a
    window or screen surface, a lock, an open file, a generator): pass
    ``NewEnvUpdate(make_env)`` as a sampler's ``envs`` and to
    ``Trainer.setup``, and every worker, process and snapshot makes its
    own from ``make_env`` instead of copying one. An environment it makes
    that cannot be pickled is returned in a wrapper that pickles as the
    constructor: a copy of it (a deep copy, a worker process's, a snapshot
    restored) is a new environment from the constructor, in its initial
    state.

    Args:
        env_constructor: Called with no arguments to make the environment.
            It must itself pickle (with cloudpickle): a function defined at
            the top level of a module, a lambda or closure holding only
            what pickles, or a class.

    Raises:
        TypeError: If ``env_constructor`` is not callable.

    """

    def __init__(self, env_constructor: Callable[[], Environment]):
        if not callable(env_constructor):
            raise TypeError(
                'env_constructor must be callable with no '
                f'arguments, got {env_constructor!r}'
            )
        self._env_constructor = env_constructor

    def __call__(self, old_env: Environment | None = None) -> Environment:
        """Close the old environment and construct a new one.

        Args:
            old_env: The environment to replace, or None.

        Returns:
            The new environment.

        """
        if old_env is not None:
            old_env.close()
        env = self._env_constructor()
        if isinstance(env, Environment) and not pickles(env):
            return _MadeByConstructor(env, self._env_constructor)
        return env

    def __repr__(self) -> str:
        return f'NewEnvUpdate({self._env_constructor!r})'


class _MadeByConstructor(Wrapper):
    """An environment that cannot be pickled, which pickles as its maker.

    Pickling (and deep-copying) it pickles the constructor; unpickling
    makes a new environment with it.

    Args:
        env: The environment.
        env_constructor: What made it, called with no arguments.

    """

    def __init__(self, env: Environment, env_constructor: Callable[[], Environment]):
        super().__init__(env)
        self._env_constructor = env_constructor

    def __reduce__(self) -> tuple[Any, ...]:
        return (_construct, (self._env_constructor,))

    def __repr__(self) -> str:
        return repr(self._env)


def _construct(env_constructor: Callable[[], Environment]) -> Environment:
    """Make an environment again when unpickling `_MadeByConstructor`."""
    return NewEnvUpdate(env_constructor)()


class SetTaskUpdate(EnvUpdate):
    """Sets the task of the environment, constructing it if needed.

    The old environment is kept if its type is exactly ``env_type``, as in
    the original garage; otherwise (a subclass, or a wrapper of an
    ``env_type`` environment, included) it is closed and ``env_type()`` is
    constructed and wrapped with ``wrapper_constructor``. Either way the
    environment's ``set_task(task)`` is then called (a wrapper passes the
    call on to the environment it wraps).

    Args:
        env_type: The class of the environment; constructed with no
            arguments.
        task: The task, as the environment's ``sample_tasks`` returns it.
        wrapper_constructor: Called as ``wrapper_constructor(env, task)``
            on every newly constructed environment; returns the
            environment to use (the wrapped one). None uses the
            environment unwrapped.

    Raises:
        TypeError: If ``env_type`` is not a class, or
            ``wrapper_constructor`` is neither None nor callable.

    """

    def __init__(
        self,
        env_type: type[Environment],
        task: Any,
        wrapper_constructor: Callable[[Environment, Any], Environment] | None = None,
    ):
        if not isinstance(env_type, type):
            raise TypeError(
                'env_type must be the class of the environment, '
                f'got {env_type!r}; to build environments with '
                'arguments, use NewEnvUpdate or a '
                'wrapper_constructor'
            )
        if wrapper_constructor is not None and not callable(wrapper_constructor):
            raise TypeError(
                'wrapper_constructor must be None or callable as '
                f'wrapper_constructor(env, task), got '
                f'{wrapper_constructor!r}'
            )
        self._env_type = env_type
        self._task = task
        self._wrapper_constructor = wrapper_constructor

    @property
    def task(self) -> Any:
        """The task this update sets."""
        return self._task

    def _make_env(self) -> Environment:
        env = self._env_type()
        # the task first: a wrapper may read spaces that only a task defines
        # (a MetaWorldSetTaskEnv made bare), as the original's launchers need
        if isinstance(env, _TaskEnv):
            env.set_task(self._task)
        if self._wrapper_constructor is not None:
            env = self._wrapper_constructor(env, self._task)
        return env

    def __call__(self, old_env: Environment | None = None) -> Environment:
        """Set the task, reusing the old environment if it has the type.

        Args:
            old_env: The environment to update, or None.

        Returns:
            The environment with the task set.

        Raises:
            TypeError: If the environment has no ``set_task`` method.

        """
        if old_env is None:
            env = self._make_env()
        elif type(old_env) is self._env_type:
            env = old_env
        else:
            old_env.close()
            env = self._make_env()
        if not isinstance(env, _TaskEnv):
            raise TypeError(
                f'SetTaskUpdate needs an environment with set_task(task), but '
                f'{type(env).__name__} has none'
            )
        env.set_task(self._task)
        return env


class ExistingEnvUpdate(EnvUpdate):
    """Replaces the environment with a given one.

    In a worker process the environment arrives as a copy; in the
    sampler's own process (``LocalSampler``) the sampler copies it, so
    workers never share an environment.

    Args:
        env: The environment to use.

    Raises:
        TypeError: If ``env`` is not a garage Environment.

    """

    def __init__(self, env: Environment):
        self._env: Environment = instance_of('env', env, Environment)

    def __call__(self, old_env: Environment | None = None) -> Environment:
        """Close the old environment and return the given one.

        Args:
            old_env: The environment to replace, or None.

        Returns:
            The given environment.

        """
        if old_env is not None and old_env is not self._env:
            old_env.close()
        return self._env


def check_env_update(env_update: Any, name: str = 'env_update') -> None:
    """Check that a value is something workers' ``update_env`` takes.

    Args:
        env_update: The value.
        name: What the value is called, for the error message.

    Raises:
        TypeError: If ``env_update`` is not None, a garage Environment or an
            EnvUpdate.

    """
    if env_update is not None and not isinstance(env_update, (Environment, EnvUpdate)):
        raise TypeError(
            f'{name} must be None, a garage Environment or an '
            f'EnvUpdate, got {type(env_update).__name__}: '
            f'{env_update!r}; wrap gym and Gymnasium environments '
            'with garage.envs.GymEnv'
        )


@overload
def apply_env_update(
    old_env: Environment | None, env_update: None
) -> tuple[Environment | None, bool]: ...
@overload
def apply_env_update(
    old_env: Environment | None, env_update: 'Environment | EnvUpdate'
) -> tuple[Environment, bool]: ...
def apply_env_update(
    old_env: Environment | None, env_update: Any
) -> tuple[Environment | None, bool]:
    """Apply an environment update as workers do.

    Args:
        old_env: The current environment, or None if there is none yet.
        env_update: None to keep the environment, an ``Environment`` to
            replace it (the old one is closed) or an `EnvUpdate` to
            call on it.

    Returns:
        The environment to use from now on, and whether the update changed
            anything (False only for None).

    Raises:
        TypeError: If ``env_update`` is none of the accepted kinds, or an
            ``EnvUpdate`` did not return an Environment.

    """
    check_env_update(env_update)
    if env_update is None:
        return old_env, False
    if isinstance(env_update, Environment):
        if old_env is not None and old_env is not env_update:
            old_env.close()
        return env_update, True
    env = env_update(old_env)
    if not isinstance(env, Environment):
        raise TypeError(
            f'{type(env_update).__name__} returned '
            f'{type(env).__name__}, but an EnvUpdate must '
            'return a garage Environment'
        )
    return env, True
