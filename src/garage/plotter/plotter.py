"""Visualizes a policy running in an environment, in parallel with training."""

from __future__ import annotations

import copy
import enum
import math
import queue
import sys
import threading
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import cloudpickle

if TYPE_CHECKING:
    from garage._environment import Environment


class Op(enum.Enum):
    """Messages for the Plotter state machine."""

    STOP = 'stop'
    UPDATE = 'update'
    DEMO = 'demo'


class _Message(NamedTuple):
    op: Op
    args: tuple[Any, ...]


def _main_thread_only() -> bool:
    """Whether windows can only be opened from the main thread (macOS)."""
    return sys.platform == 'darwin'


class Plotter:
    """Visualizes a policy in an environment.

    `init_plot` gives the plotter copies of an environment and a policy,
    the environment made to show itself in a window (a Gymnasium
    environment in a `garage.envs.GymEnv` is made again from its id with
    ``render_mode='human'``; any other is asked to ``visualize()``).
    `update_plot` sends it the policy's current parameters: a background
    thread then plays an episode with them, and keeps playing episodes of
    the latest parameters it was sent until `close`. Training goes on
    meanwhile; messages the thread has not reached yet are replaced by
    newer ones of the same kind.

    On macOS, where windows can only be opened from the main thread, there
    is no background thread: `update_plot` plays one episode itself, in
    the caller's thread, before returning.

    `Plotter.disable()` turns every plotter into one that does nothing.
    """

    enable: ClassVar[bool] = True

    def __init__(self) -> None:
        self._queue: queue.Queue[_Message] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._env: Environment | None = None
        self._policy: Any = None

    @staticmethod
    def disable() -> None:
        """Disable all instances of the Plotter class."""
        Plotter.enable = False

    def init_plot(self, env: Environment, policy: Any) -> None:
        """Initialize the plotter.

        Args:
            env: The environment to show the policy in; the plotter uses a
                copy of it.
            policy: The policy; the plotter uses a copy of it, updated by
                `update_plot`.

        Raises:
            ValueError: If the environment cannot be shown in a window.
            RuntimeError: If the plotter's thread failed.

        """
        if not Plotter.enable:
            return
        self._raise_failure()
        shown = _shown_copy(env)
        own_policy = copy.deepcopy(policy)
        if _main_thread_only():
            self._replace(shown, own_policy)
            return
        if self._thread is None or not self._thread.is_alive():
            self._queue = queue.Queue()
            self._thread = threading.Thread(
                target=self._work, name='garage-plotter', daemon=True
            )
            self._thread.start()
        assert self._queue is not None
        self._queue.put(_Message(Op.UPDATE, (shown, own_policy)))

    def update_plot(self, policy: Any, max_length: float = math.inf) -> None:
        """Update the plotter.

        Args:
            policy: The policy whose current parameters to show.
            max_length: The longest episode to show; ``math.inf`` (or
                ``np.inf``) shows whole episodes.

        Raises:
            RuntimeError: If `init_plot` was not called, or the plotter's
                thread failed.

        """
        if not Plotter.enable:
            return
        self._raise_failure()
        params = copy.deepcopy(policy.get_param_values())
        if _main_thread_only():
            if self._env is None:
                raise RuntimeError('call init_plot(env, policy) before update_plot')
            self._policy.set_param_values(params)
            _play(self._env, self._policy, max_length)
            return
        if self._queue is None:
            raise RuntimeError('call init_plot(env, policy) before update_plot')
        self._queue.put(_Message(Op.DEMO, (params, max_length)))

    def close(self) -> None:
        """Stop the plotter.

        Waits for the episode being shown to end, then closes the
        environment (and its window).

        Raises:
            RuntimeError: If the plotter's thread failed.

        """
        if not Plotter.enable:
            return
        if self._thread is not None and self._queue is not None:
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            self._queue.put(_Message(Op.STOP, ()))
            self._thread.join()
            self._thread = None
            self._queue = None
        self._replace(None, None)
        self._raise_failure()

    def _replace(self, env: Environment | None, policy: Any) -> None:
        if self._env is not None:
            self._env.close()
        self._env, self._policy = env, policy

    def _raise_failure(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise RuntimeError(f'the plotter failed: {error!r}') from error

    def _work(self) -> None:
        """The thread: apply the latest messages, and play episodes."""
        assert self._queue is not None
        max_length: float | None = None
        try:
            while True:
                latest = self._latest_messages(wait=max_length is None)
                if Op.STOP in latest:
                    return
                if Op.UPDATE in latest:
                    self._replace(*latest[Op.UPDATE].args)
                if Op.DEMO in latest:
                    params, max_length = latest[Op.DEMO].args
                    self._policy.set_param_values(params)
                if max_length is not None and self._env is not None:
                    _play(self._env, self._policy, max_length)
        except BaseException as error:  # reported by the next call
            self._error = error
        finally:
            self._replace(None, None)

    def _latest_messages(self, wait: bool) -> dict[Op, _Message]:
        """The last message of each kind in the queue; waits for one if asked."""
        assert self._queue is not None
        latest: dict[Op, _Message] = {}
        if wait:
            message = self._queue.get()
            latest[message.op] = message
        while True:
            try:
                message = self._queue.get_nowait()
            except queue.Empty:
                return latest
            latest[message.op] = message


def _shown_copy(env: Environment) -> Environment:
    """A copy of ``env`` that shows itself in a window."""
    from garage.envs._rendering import for_window

    return for_window(cloudpickle.loads(cloudpickle.dumps(env)))


def _play(env: Environment, policy: Any, max_length: float) -> None:
    """Play one episode in the window."""
    from garage._functions import rollout

    rollout(
        env,
        policy,
        max_episode_length=None if math.isinf(max_length) else int(max_length),
        animated=True,
    )


__all__ = ['Op', 'Plotter']
