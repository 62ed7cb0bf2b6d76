"""A DeepMind Control Suite environment as a garage Environment."""

import os
import sys
from typing import Any

import numpy as np

from garage._dtypes import EnvSpec, StepType
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro
from garage.envs.gym_env import _mujoco_hook, _route_mujoco_warnings

#: The size of the frames `DMControlEnv.render` returns.
RENDER_HEIGHT, RENDER_WIDTH = 240, 320


def _import_suite() -> Any:
    """Import ``dm_control.suite``, or say which extra installs it.

    dm_control, when first imported, replaces MuJoCo's warning handler with
    one that logs through absl; garage's handler, which `GymEnv` installs
    too, is put back, so that MuJoCo's warnings are ``RuntimeWarning`` of
    the step that caused them for every environment.
    """
    if (
        'MUJOCO_GL' not in os.environ
        and sys.platform.startswith('linux')
        and not any(os.environ.get(v) for v in ('DISPLAY', 'WAYLAND_DISPLAY'))
    ):
        # no display for GLFW, MuJoCo's default: render offscreen with EGL
        os.environ['MUJOCO_GL'] = 'egl'
    try:
        import mujoco

        imported = 'dm_control.suite' in sys.modules
        handler = mujoco.get_mju_user_warning()
        from dm_control import suite
    except ImportError as error:
        raise ImportError(
            'DMControlEnv needs dm_control, which the dm_control extra '
            "installs: pip install 'garage[dm_control]'"
        ) from error
    if not imported and mujoco.get_mju_user_warning() is not handler:
        mujoco.set_mju_user_warning(handler)
    _route_mujoco_warnings()
    return suite


class DMControlEnv(Environment):
    """A `dm_control <https://arxiv.org/abs/1801.00690>`_ environment.

    Wraps a ``dm_control.rl.control.Environment``, such as the Control
    Suite's tasks that `from_suite` loads. The observation, a dict of
    arrays, is flattened to one float32 vector (the dict's entries in their
    order, each flattened); the action space is a float32 ``akro.Box`` of
    the action spec's bounds. The suite's time limit (1000 steps for most
    tasks) is ``spec.max_episode_length``: the step that reaches it is a
    ``TIMEOUT``, and a step where the task ends the episode with discount
    0 is ``TERMINAL``. Each step's ``env_info`` holds the ``discount``
    dm_control gave.

    MuJoCo's warnings are issued as ``RuntimeWarning`` by the step that
    caused them, as `GymEnv` issues them, or named by the ``PhysicsError``
    dm_control raises for an invalid state.
    `render` draws the scene with MuJoCo (``'rgb_array'``); on Linux
    without a display, MuJoCo renders offscreen with EGL unless
    ``MUJOCO_GL`` says otherwise. `visualize` shows the frames in a
    pygame window. A pickled environment, its physics and the task's
    random state included, unpickles where it was, mid-episode too.

    Args:
        env: The dm_control environment.
        name: A name for it; None takes the task's class name.

    """

    def __init__(self, env: Any, name: str | None = None):
        self._env = env
        self._name = type(env.task).__name__ if name is None else name
        action_spec = env.action_spec()
        self._action_space = akro.Box(
            low=np.broadcast_to(action_spec.minimum, action_spec.shape).astype(
                np.float32
            ),
            high=np.broadcast_to(action_spec.maximum, action_spec.shape).astype(
                np.float32
            ),
            dtype=np.float32,
        )
        flat_dim = sum(
            int(np.prod(spec.shape)) for spec in env.observation_spec().values()
        )
        self._observation_space = akro.Box(
            low=-np.inf, high=np.inf, shape=(flat_dim,), dtype=np.float32
        )
        step_limit = getattr(env, '_step_limit', float('inf'))
        self._spec = EnvSpec(
            self._observation_space,
            self._action_space,
            None if np.isinf(step_limit) else int(step_limit),
        )
        self._step_cnt: int | None = None
        self._window: Any = None

    @classmethod
    def from_suite(cls, domain_name: str, task_name: str) -> 'DMControlEnv':
        """Load a task of the Control Suite.

        Args:
            domain_name: The domain, such as ``'cartpole'``.
            task_name: The task, such as ``'balance'``.

        Returns:
            The environment, named ``'domain_name.task_name'``.

        Raises:
            ImportError: If dm_control is not installed.
            ValueError: If the suite has no such task.

        """
        suite = _import_suite()
        if (domain_name, task_name) not in suite.ALL_TASKS:
            raise ValueError(
                f'the Control Suite has no task {domain_name!r}, '
                f'{task_name!r}; see dm_control.suite.ALL_TASKS'
            )
        return cls(
            suite.load(domain_name, task_name), name=f'{domain_name}.{task_name}'
        )

    @property
    def name(self) -> str:
        """The name of the environment."""
        return self._name

    @property
    def action_space(self) -> akro.Box:
        """The action space specification."""
        return self._action_space

    @property
    def observation_space(self) -> akro.Box:
        """The flattened observations."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    @property
    def render_modes(self) -> list[str]:
        """The supported render modes: ``['rgb_array']``."""
        return ['rgb_array']

    def _flat(self, observation: dict[str, Any]) -> np.ndarray:
        return np.concatenate(
            [
                np.asarray(value, dtype=np.float32).ravel()
                for value in observation.values()
            ]
        )

    def reset(self) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset the environment.

        Returns:
            The first observation, flattened, and an empty dict.

        """
        time_step = self._env.reset()
        if _mujoco_hook.messages:
            _mujoco_hook.warn()
        self._step_cnt = 0
        self._show()
        return self._flat(time_step.observation), {}

    def step(self, action: Any) -> EnvStep:
        """Step the environment.

        Args:
            action: An action of the action space.

        Returns:
            The step.

        Raises:
            RuntimeError: If `reset` was not called since the last
                episode ended.
            dm_control.rl.control.PhysicsError: If the simulation became
                invalid (MuJoCo warned of NaN or infinite values).

        """
        if self._step_cnt is None:
            raise RuntimeError(
                'reset() must be called before step(), and again after an episode ends'
            )
        try:
            time_step = self._env.step(action)
        except Exception:
            # dm_control's PhysicsError names MuJoCo's warnings itself
            _mujoco_hook.messages.clear()
            raise
        if _mujoco_hook.messages:
            _mujoco_hook.warn()
        self._step_cnt += 1
        last = time_step.last()
        step_type = StepType.get_step_type(
            self._step_cnt,
            self._spec.max_episode_length,
            last and time_step.discount == 0,
        )
        if last and step_type in (StepType.FIRST, StepType.MID):
            step_type = StepType.TIMEOUT  # ended by the task, bootstrapped
        if step_type in (StepType.TERMINAL, StepType.TIMEOUT):
            self._step_cnt = None
        self._show()
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=float(time_step.reward or 0.0),
            observation=self._flat(time_step.observation),
            env_info={'discount': float(time_step.discount)},
            step_type=step_type,
        )

    def render(self, mode: str) -> np.ndarray:
        """Render the scene from the first camera.

        Args:
            mode: ``'rgb_array'``.

        Returns:
            A uint8 frame of shape ``(240, 320, 3)``.

        Raises:
            ValueError: If ``mode`` is not ``'rgb_array'``.

        """
        self._check_render_mode(mode)
        return self._env.physics.render(
            height=RENDER_HEIGHT, width=RENDER_WIDTH, camera_id=0
        )

    def visualize(self) -> None:
        """Show the frames in a pygame window, updated at every step.

        Raises:
            ValueError: If no window can be opened here, or pygame (the
                ``video`` extra) is not installed.

        """
        from garage.envs._rendering import display_problem

        problem = display_problem()
        if problem is not None:
            raise ValueError(f'cannot visualize {self._name}: {problem}')
        try:
            import pygame
        except ImportError as error:
            raise ValueError(
                "DMControlEnv.visualize draws with pygame: pip install 'garage[video]'"
            ) from error
        pygame.display.init()
        pygame.display.set_caption(self._name)
        self._window = pygame.display.set_mode((RENDER_WIDTH, RENDER_HEIGHT))
        self._show()

    def _show(self) -> None:
        if self._window is None:
            return
        import pygame

        frame = self.render('rgb_array')
        surface = pygame.surfarray.make_surface(frame.swapaxes(0, 1))
        self._window.blit(surface, (0, 0))
        pygame.event.pump()
        pygame.display.flip()

    def close(self) -> None:
        """Close the environment and the window of `visualize`."""
        if self._window is not None:
            import pygame

            pygame.display.quit()
            self._window = None
        self._env.close()

    def __repr__(self) -> str:
        return f'DMControlEnv({self._name})'

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the environment where it is; a window is not kept."""
        return {**self.__dict__, '_window': None}
