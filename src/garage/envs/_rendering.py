"""Showing an environment in a window, or recording it: the shared parts.

A Gymnasium environment renders in the mode it was made with. One wrapped
in a `garage.envs.GymEnv` and made with another mode is made again from its
Gymnasium spec (its id, keyword arguments, time limit and the wrappers
``gymnasium.make`` recorded) with the mode asked for. `GymEnv.visualize`,
``trainer.train(..., plot=True)``, `garage.plotter.Plotter` and
``python -m garage eval`` all go through here.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gymnasium

    from garage._environment import Environment
    from garage.envs import GymEnv

#: Environment variables that name a display a window can open on (X11,
#: Wayland), on systems other than macOS and Windows.
DISPLAY_VARIABLES = ('DISPLAY', 'WAYLAND_DISPLAY')


def with_render_mode(
    env: Environment, mode: str, video: tuple[Path, str] | None = None
) -> Environment | None:
    """Return ``env`` made to render in ``mode``, recording if ``video`` is given.

    The innermost environment, under garage wrappers, is replaced if it is
    a `GymEnv` of a Gymnasium environment; the wrappers are changed in
    place.

    Args:
        env: The environment.
        mode: ``'human'`` or ``'rgb_array'``.
        video: The directory and name prefix of the videos to record.

    Returns:
        The environment to run, or None if the innermost environment is
            not a `GymEnv` of a Gymnasium environment.

    Raises:
        ValueError: If the environment cannot render in ``mode``, cannot be
            made again, or recording needs moviepy.

    """
    import gymnasium

    from garage._environment import Wrapper
    from garage.envs import GymEnv

    outer: Wrapper | None = None
    inner = env
    while isinstance(inner, Wrapper):
        outer, inner = inner, inner._env
    if not (isinstance(inner, GymEnv) and isinstance(inner._env, gymnasium.Env)):
        return None
    replacement = _remade(inner, inner._env, mode, video)
    if outer is None:
        return replacement
    outer._env = replacement
    return env


def for_window(env: Environment) -> Environment:
    """``env``, made to show its episodes in a window.

    A Gymnasium environment in a `GymEnv` is made again with
    ``render_mode='human'`` (the one it replaces closed); any other is
    returned as it is, for its ``visualize()`` to show it.

    Args:
        env: The environment: a copy, which this may close.

    Returns:
        The environment to play episodes in.

    Raises:
        ValueError: If the environment is a `GymEnv` and no window can be
            opened here (see `display_problem`), or it cannot render for
            humans.

    """
    from garage.envs import GymEnv

    try:
        if isinstance(env.unwrapped, GymEnv):
            problem = display_problem()
            if problem is not None:
                raise ValueError(f'no window can show {env!r}: {problem}')
        made = with_render_mode(env, 'human')
    except ValueError:
        env.close()
        raise
    if made is None:
        return env
    if made is not env:
        env.close()
    return made


def in_render_mode(
    garage_env: GymEnv, gym_env: gymnasium.Env, mode: str
) -> gymnasium.Env:
    """``gym_env`` if it renders in ``mode``, or else one made again to.

    Args:
        garage_env: The `GymEnv` that wraps ``gym_env``.
        gym_env: The Gymnasium environment.
        mode: ``'human'`` or ``'rgb_array'``.

    Returns:
        The Gymnasium environment to use.

    Raises:
        ValueError: If the environment declares neither ``mode`` nor a
            mode ``gymnasium.make`` can show instead, or it was not made
            from a registered id.

    """
    import gymnasium

    if gym_env.render_mode == mode:
        return gym_env
    return gymnasium.make(_spec_to_remake(garage_env, gym_env, mode), render_mode=mode)


def display_problem() -> str | None:
    """Why no window can be opened here, or None if nothing says so.

    On Linux and the BSDs a window needs an X11 or Wayland display, named by
    ``DISPLAY`` or ``WAYLAND_DISPLAY``, unless ``SDL_VIDEODRIVER`` picks
    another video driver for pygame (``dummy`` draws nowhere, for tests).
    macOS and Windows have no such variable: there the desktop session is
    the display. On every system, where pygame (which Gymnasium's classic
    control, Box2D and toy-text environments draw with) is installed and its
    display is not in use, its display is started and stopped again, which
    fails without a display. MuJoCo's viewer is not tried: it reports a
    missing display itself when it opens.

    Returns:
        A sentence explaining the problem, or None.

    """
    headless_driver = os.environ.get('SDL_VIDEODRIVER')
    if (
        sys.platform not in ('darwin', 'win32', 'cygwin')
        and not headless_driver
        and not any(os.environ.get(name) for name in DISPLAY_VARIABLES)
    ):
        return (
            'there is no display to show the environment on: neither DISPLAY '
            'nor WAYLAND_DISPLAY is set (set SDL_VIDEODRIVER=dummy to draw '
            "pygame's windows nowhere, or run under xvfb-run)"
        )
    if importlib.util.find_spec('pygame') is None:
        return None
    os.environ.setdefault('PYGAME_HIDE_SUPPORT_PROMPT', '1')
    import pygame

    if pygame.display.get_init():
        return None  # a window is open already
    try:
        pygame.display.init()
    except pygame.error as error:
        return f'pygame cannot open a window here: {error}'
    pygame.display.quit()
    return None


def _remade(
    garage_env: GymEnv,
    gym_env: gymnasium.Env,
    mode: str,
    video: tuple[Path, str] | None,
) -> GymEnv:
    """A GymEnv like ``garage_env`` whose Gymnasium environment renders in ``mode``."""
    import akro

    from garage.envs import GymEnv

    gym_env = in_render_mode(garage_env, gym_env, mode)
    if video is not None:
        if importlib.util.find_spec('moviepy') is None:
            raise ValueError(
                'recording videos needs moviepy: pip install "garage[video]"'
            )
        from gymnasium.wrappers import RecordVideo

        directory, prefix = video
        with warnings.catch_warnings():
            # the name prefix is new to the directory: nothing is overwritten
            warnings.filterwarnings('ignore', message='.*Overwriting existing videos')
            gym_env = RecordVideo(
                gym_env,
                os.fspath(directory),
                episode_trigger=_every_episode,
                name_prefix=prefix,
                disable_logger=True,
            )
    return GymEnv(
        gym_env,
        is_image=isinstance(garage_env.observation_space, akro.Image),
        max_episode_length=garage_env.spec.max_episode_length,
    )


def _spec_to_remake(
    garage_env: GymEnv, gym_env: gymnasium.Env, mode: str
) -> gymnasium.envs.registration.EnvSpec:
    """The spec to make ``gym_env`` again with, to render in ``mode``."""
    modes = garage_env.render_modes
    # gymnasium.make shows 'rgb_array' images in a window where an
    # environment has no 'human' mode of its own
    usable = {'human', 'rgb_array'} if mode == 'human' else {'rgb_array'}
    purpose = 'in a window' if mode == 'human' else 'to a video'
    name = type(gym_env.unwrapped).__name__
    if not usable.intersection(modes):
        raise ValueError(
            f'{name} cannot render {purpose}: it needs render mode '
            f'{" or ".join(sorted(usable))}, and it declares {modes}'
        )
    if gym_env.spec is None:
        raise ValueError(
            f'{name} was made with render_mode={gym_env.render_mode!r}, and '
            f'cannot be made again with render_mode={mode!r}: it was not made '
            'from a registered id. Register it with gymnasium.register and '
            f'make it with GymEnv(env_id), or make it with render_mode={mode!r}'
        )
    return gym_env.spec


def _every_episode(episode: int) -> bool:
    """Record every episode."""
    return True
