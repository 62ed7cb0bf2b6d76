"""Sessions, variables and pickling shared by every TensorFlow object."""

import os
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import tensorflow as tf

v1 = tf.compat.v1

# One session per graph for objects used outside any default session (a
# policy unpickled in a worker process that has none, for example).
_private_sessions: 'weakref.WeakKeyDictionary[Any, Any]' = weakref.WeakKeyDictionary()


# Sessions a forked process inherited: their thread pools did not survive
# the fork, so they are never used there.
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    _private_sessions.clear()
    session = v1.get_default_session()
    if session is not None:
        _inherited.append(session)


os.register_at_fork(after_in_child=_after_fork_in_child)


def usable_default_session() -> Any:
    """The default session, unless it is closed or a parent process's.

    Returns:
        The session, or None.

    """
    session = v1.get_default_session()
    if session is None or session._closed or any(s is session for s in _inherited):
        return None
    return session


def enter_worker_session() -> Any:
    """Give a sampler worker a session, as the original's TF workers had.

    A worker in the process that trains (a ``LocalSampler``'s) uses the
    default session; one in a process of its own gets a new graph and a
    session with thread pools of its own, entered for the process's life.

    Returns:
        The session the worker uses.

    """
    session = usable_default_session()
    if session is not None:
        return session
    session = v1.Session(graph=tf.Graph(), config=worker_session_config())
    session.__enter__()
    return session


def worker_session_config() -> Any:
    """The configuration of sessions that sampler workers make.

    Each session gets thread pools of its own, of one thread: a process
    forked from one that already ran TensorFlow must not use the pools it
    inherited, whose threads did not survive the fork.
    """
    return v1.ConfigProto(
        use_per_session_threads=True,
        intra_op_parallelism_threads=1,
        inter_op_parallelism_threads=1,
    )


def session_for(graph: Any) -> Any:
    """The session that runs a graph's operations.

    Args:
        graph: A ``tf.Graph``.

    Returns:
        The default session if it runs ``graph``, else a session of the
            graph's own, made on first use (with one thread, as workers'
            sessions).

    """
    session = usable_default_session()
    if session is not None and session.graph is graph:
        return session
    session = _private_sessions.get(graph)
    if session is None or session._closed:
        session = v1.Session(graph=graph, config=worker_session_config())
        _private_sessions[graph] = session
    return session


def initialize_uninitialized(
    session: Any, variables: Iterable[Any] | None = None
) -> None:
    """Initialize the variables of a session's graph that are not yet.

    Variables that hold values (loaded from a snapshot, or set before) keep
    them.

    Args:
        session: The session.
        variables: The variables to consider; None takes all the global
            variables of the session's graph.

    """
    with session.graph.as_default():
        candidates = list(v1.global_variables() if variables is None else variables)
        if not candidates:
            return
        flags = session.run([v1.is_variable_initialized(v) for v in candidates])
        todo = [v for v, done in zip(candidates, flags, strict=True) if not done]
        if todo:
            # their initializers themselves: grouping them would change
            # operations the session already has
            session.run([v.initializer for v in todo])


def entered_graph() -> Any:
    """The graph objects built now go into: the default graph."""
    return v1.get_default_graph()


class GraphObject:
    """An object that owns TensorFlow variables in a graph, and pickles.

    Subclasses keep their configuration in ordinary attributes and their
    graph objects (variables, tensors, operations) in ``self._tf``, a dict
    built by `_build`. Pickling keeps the configuration and the values of
    the variables; unpickling builds the graph again in the default graph
    and loads the values, in the default session if it runs that graph,
    else in a session of the object's own.

    Args:
        name: The name of the variable scope (made unique in the graph).

    """

    def __init__(self, name: str):
        self._name = name
        self._graph = entered_graph()
        self._tf: dict[str, Any] = {}
        self._scope_name = ''
        self._build_in_scope()

    @property
    def name(self) -> str:
        """The name of the object's variable scope, as given."""
        return self._name

    def _build_in_scope(self) -> None:
        with (
            self._graph.as_default(),
            v1.variable_scope(None, default_name=self._name) as scope,
        ):
            self._scope_name = scope.name
            self._build()
            # the object's own: variables made later in its scope (an
            # optimizer's slots of its parameters) are not
            self._tf['variables'] = v1.global_variables(scope=self._scope_name + '/')
            variables = self.get_params()
            if variables:
                flat = v1.placeholder(tf.float32, [None], name='flat_params')
                parts = tf.split(
                    flat, [int(np.prod(v.shape.as_list())) for v in variables]
                )
                self._tf['flat_params'] = flat
                self._tf['assign'] = tf.group(
                    *[
                        v1.assign(v, tf.reshape(tf.cast(p, v.dtype), v.shape))
                        for v, p in zip(variables, parts, strict=True)
                    ]
                )
            values = [
                v1.placeholder(v.dtype.base_dtype, v.shape)
                for v in self._tf['variables']
            ]
            self._tf['values'] = values
            self._tf['load'] = tf.group(
                *[
                    v1.assign(v, value)
                    for v, value in zip(self._tf['variables'], values, strict=True)
                ]
            )
        initialize_uninitialized(self._session(), self.get_global_vars())

    def _build(self) -> None:
        """Build the object's variables and operations into ``self._tf``."""
        raise NotImplementedError

    def _session(self) -> Any:
        return session_for(self._graph)

    def _run(self, fetches: Any, feed: dict[Any, Any] | None = None) -> Any:
        return self._session().run(fetches, feed_dict=feed)

    def get_params(self) -> list[Any]:
        """The trainable variables, in a fixed order.

        Returns:
            The variables.

        """
        with self._graph.as_default():
            trainable = {
                v.name for v in v1.trainable_variables(scope=self._scope_name + '/')
            }
        return [v for v in self._own_variables() if v.name in trainable]

    def get_trainable_vars(self) -> list[Any]:
        """The trainable variables, as `get_params` (the original's name).

        Returns:
            The variables.

        """
        return self.get_params()

    def get_global_vars(self) -> list[Any]:
        """All the variables of the object, trainable or not.

        Returns:
            The variables.

        """
        return self._own_variables()

    def _own_variables(self) -> list[Any]:
        if 'variables' in self._tf:
            return list(self._tf['variables'])
        with self._graph.as_default():  # still building
            return v1.global_variables(scope=self._scope_name + '/')

    def get_param_values(self) -> np.ndarray:
        """The values of the trainable variables, flattened into one vector.

        Returns:
            The values, in the order of `get_params`.

        """
        values = self._run(self.get_params())
        if not values:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate([np.reshape(value, -1) for value in values])

    def set_param_values(self, param_values: np.ndarray) -> None:
        """Load the trainable variables from a vector `get_param_values` gave.

        Args:
            param_values: The flattened values.

        Raises:
            ValueError: If the vector's size is not the number of parameters.

        """
        values = np.asarray(param_values, dtype=np.float32).reshape(-1)
        size = sum(int(np.prod(v.shape.as_list())) for v in self.get_params())
        if values.size != size:
            raise ValueError(
                f'param_values has {values.size} values, but {self._name} has '
                f'{size} parameters'
            )
        if size:
            self._run(self._tf['assign'], {self._tf['flat_params']: values})

    def _variable_values(self) -> list[np.ndarray]:
        return self._run(self.get_global_vars())

    def _load_variable_values(self, values: list[np.ndarray]) -> None:
        variables = self.get_global_vars()
        if len(values) != len(variables):
            raise ValueError(
                f'{self._name} has {len(variables)} variables, the saved state '
                f'{len(values)}'
            )
        if values:
            self._run(
                self._tf['load'], dict(zip(self._tf['values'], values, strict=True))
            )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state['_variable_values'] = self._variable_values()
        del state['_tf'], state['_graph'], state['_scope_name']
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        values = state.pop('_variable_values')
        self.__dict__.update(state)
        self._graph = entered_graph()
        self._tf = {}
        self._build_in_scope()
        self._load_variable_values(values)


def batches(n: int, batch_size: int | None) -> Iterator[np.ndarray]:
    """Shuffled minibatch indices covering ``range(n)`` (NumPy's global RNG).

    Args:
        n: The number of samples.
        batch_size: The size of a minibatch; None for one batch of all.

    Yields:
        The indices of each minibatch.

    """
    order = np.random.permutation(n)
    size = n if batch_size is None else batch_size
    for start in range(0, n, max(size, 1)):
        yield order[start : start + size]
