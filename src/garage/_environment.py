"""The environment API: ``EnvStep``, the ``Environment`` ABC and ``Wrapper``."""

import abc
import dataclasses
from typing import Any

from garage import _validation
from garage._dtypes import EnvSpec, StepType, _check_step_type, _StepTypeProperties
from garage._legacy_gym import akro


@dataclasses.dataclass(frozen=True, init=False)
class EnvStep(_StepTypeProperties):
    """A single step returned by an environment.

    Attributes:
        env_spec: Specification of the environment stepped.
        action: The action of this step, shape `(A*)`.
        reward: The reward for the action.
        observation: The observation after the action, shape `(O*)`.
        env_info: Environment state information.
        step_type: Where this step lies in its episode.

    Raises:
        ValueError: If ``step_type`` is not a ``StepType``.

    """

    env_spec: EnvSpec
    action: Any
    reward: float
    observation: Any
    env_info: dict[str, Any]
    step_type: StepType

    def __init__(
        self,
        env_spec: EnvSpec,
        action: Any,
        reward: float,
        observation: Any,
        env_info: dict[str, Any],
        step_type: StepType,
    ):
        # Environments make one EnvStep per step: one dict update instead
        # of a frozen dataclass's six object.__setattr__ calls.
        _check_step_type(step_type)
        self.__dict__.update(
            env_spec=env_spec,
            action=action,
            reward=reward,
            observation=observation,
            env_info=env_info,
            step_type=step_type,
        )


class Environment(abc.ABC):
    """The main API for garage environments.

    Subclasses implement `reset`, `step`, `render`,
    `visualize` and `close`, and the properties
    ``action_space``, ``observation_space``, ``spec`` and ``render_modes``.
    A simple rollout loop:

        env = MyEnv()
        policy = MyPolicy()
        first_observation, episode_info = env.reset()
        env.visualize()  # visualization window opened

        episode = []
        first_action, _ = policy.get_action(first_observation)
        episode.append(env.step(first_action))

        while not episode[-1].last:
            action, _ = policy.get_action(episode[-1].observation)
            episode.append(env.step(action))

        env.close()  # visualization window closed

    Environments must be picklable with cloudpickle: garage pickles them
    into snapshots and ships them to worker processes. One that holds
    something unpicklable (a connection, say) overrides ``__getstate__``
    and ``__setstate__``.
    """

    @property
    @abc.abstractmethod
    def action_space(self) -> akro.Space:
        """The action space specification."""

    @property
    @abc.abstractmethod
    def observation_space(self) -> akro.Space:
        """The observation space specification."""

    @property
    @abc.abstractmethod
    def spec(self) -> EnvSpec:
        """The environment specification."""

    @property
    @abc.abstractmethod
    def render_modes(self) -> list[str]:
        """The supported render modes; see `render`."""

    @abc.abstractmethod
    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Reset the environment and start a new episode.

        Returns:
            The first observation, conforming to ``observation_space``, and
                the episode-level information, which may be needed to
                choose the first action (the goal of a goal-conditioned
                task, say). The episode-level information is not part of
                the ``env_info`` of `step`.

        """

    @abc.abstractmethod
    def step(self, action: Any) -> EnvStep:
        """Step the environment with an action.

        If the previous step was the last of its episode (``TERMINAL`` or
        ``TIMEOUT``), call `reset` before stepping again. When
        ``spec.max_episode_length`` is reached and the environment did not
        terminate the episode, the step's type is ``StepType.TIMEOUT``.

        Args:
            action: An action conforming to ``action_space``.

        Returns:
            The step resulting from the action.

        Raises:
            RuntimeError: If `reset` has not been called since the
                environment was constructed or its last episode ended.

        """

    @abc.abstractmethod
    def render(self, mode: str) -> Any:
        """Render the environment.

        By convention, ``'rgb_array'`` returns a ``uint8`` array of shape
        (x, y, 3), and ``'ansi'`` returns a string, possibly with newlines
        and ANSI escape sequences.

        Args:
            mode: The render mode, one of ``render_modes``.

        Returns:
            The rendering, depending on the mode.

        Raises:
            ValueError: If ``mode`` is not one of ``render_modes``.

        """

    @abc.abstractmethod
    def visualize(self) -> None:
        """Open a visualization of the environment.

        Called once after `reset`; the display then updates at each
        `step`, and `close` closes it.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Close the environment and any window `visualize` opened."""

    def _check_render_mode(self, mode: str) -> None:
        """Raise a ValueError unless ``mode`` is a supported render mode.

        Args:
            mode: The requested render mode.

        Raises:
            ValueError: If ``mode`` is not one of ``render_modes``.

        """
        _validation.one_of('mode', mode, self.render_modes)

    @property
    def unwrapped(self) -> 'Environment':
        """The innermost environment; this one if unwrapped."""
        return self


class Wrapper(Environment):
    """An environment that wraps another and delegates to it.

    Override the methods whose behaviour the wrapper changes; everything
    else reaches the wrapped environment, attributes included.

    Args:
        env: The environment to wrap.

    """

    def __init__(self, env: Environment):
        if not isinstance(env, Environment):
            raise _validation.ArgumentTypeError(
                f'Wrapper needs a garage Environment, not '
                f'{type(env).__name__}; wrap gym and Gymnasium '
                'environments with garage.envs.GymEnv first'
            )
        self._env = env

    def __getattr__(self, name: str) -> Any:
        """Delegate attributes the wrapper does not have to the inner env.

        Args:
            name: The attribute name.

        Returns:
            The wrapped environment's attribute.

        Raises:
            AttributeError: If the name is private, or the wrapped
                environment lacks it.

        """
        if name.startswith('_'):
            raise AttributeError(
                f'{type(self).__name__!r} object has no attribute {name!r}'
            )
        return getattr(self._env, name)

    @property
    def action_space(self) -> akro.Space:
        """The action space specification."""
        return self._env.action_space

    @property
    def observation_space(self) -> akro.Space:
        """The observation space specification."""
        return self._env.observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._env.spec

    @property
    def render_modes(self) -> list[str]:
        """The supported render modes."""
        return self._env.render_modes

    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Reset the wrapped environment.

        Returns:
            The first observation and the episode-level information.

        """
        return self._env.reset()

    def step(self, action: Any) -> EnvStep:
        """Step the wrapped environment.

        Args:
            action: An action provided by the agent.

        Returns:
            The step resulting from the action.

        """
        return self._env.step(action)

    def render(self, mode: str) -> Any:
        """Render the wrapped environment.

        Args:
            mode: The render mode, one of ``render_modes``.

        Returns:
            The rendering, depending on the mode.

        """
        return self._env.render(mode)

    def visualize(self) -> None:
        """Open a visualization of the wrapped environment."""
        self._env.visualize()

    def close(self) -> None:
        """Close the wrapped environment."""
        self._env.close()

    @property
    def unwrapped(self) -> Environment:
        """The innermost environment."""
        return self._env.unwrapped
