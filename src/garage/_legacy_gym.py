"""Quiet access to legacy ``gym`` and to ``akro``, which imports it.

Legacy gym 0.26 prints a deprecation notice to stderr when imported, and akro
tries to import TensorFlow and Theano. ``import garage`` must print nothing
and must never import TensorFlow, so every module of garage gets akro from
here.
"""

import contextlib
import io
import sys
import warnings
from types import ModuleType
from typing import TYPE_CHECKING

_BLOCKED = ('tensorflow', 'theano')


def _import_quietly() -> tuple[ModuleType, ModuleType]:
    """Import gym and akro with gym's notice and akro's optional imports off.

    Returns:
        The ``gym`` and ``akro`` modules.

    """
    blocked = [name for name in _BLOCKED if name not in sys.modules]
    for name in blocked:
        # None makes ``import name`` raise ImportError (typeshed omits None)
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            import akro as akro_module
            import gym as gym_module
    finally:
        for name in blocked:
            del sys.modules[name]
    return gym_module, akro_module


if TYPE_CHECKING:  # type checkers see the modules themselves
    import akro
    import gym
else:
    gym, akro = _import_quietly()


def disable_env_checker(env: object) -> None:
    """Switch off legacy gym's passive env checker inside a wrapper chain.

    gym 0.26's checker calls ``np.bool8``, which NumPy 2 removed, so it fails
    on the first ``reset`` or ``step``. Marking it as having already checked
    makes it a plain pass-through wrapper.

    Args:
        env: A legacy ``gym.Env``, possibly wrapped.

    """
    checker = gym.wrappers.env_checker.PassiveEnvChecker
    while env is not None:
        if isinstance(env, checker):
            env.checked_reset = env.checked_step = env.checked_render = True
        env = getattr(env, 'env', None)
