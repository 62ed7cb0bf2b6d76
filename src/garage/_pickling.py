"""Clear errors for environments (and other objects) that cannot be pickled.

garage copies the environment into each sampler worker (a deep copy, or
cloudpickle for worker processes) and pickles it into every snapshot. When
that fails, the pickler's own error names only a type, deep inside the
copy. `check_picklable` and `explained` find the attribute that
cannot be pickled (``env._env.screen: pygame.surface.Surface``) and say what
to do instead: pass a function that makes the environment, through
``garage.sampler.NewEnvUpdate``.
"""

import types
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import cloudpickle

_T = TypeVar('_T')
_R = TypeVar('_R')

# how deep, and through how many objects, the search for the culprit goes
_MAX_DEPTH = 40
_MAX_OBJECTS = 5000

ENV_FACTORY_ADVICE = (
    'Pass a function that makes the environment instead, so that each place '
    'that needs one builds its own: '
    'LocalSampler(policy, NewEnvUpdate(make_env), ...) for the sampler (any '
    'sampler takes it as envs) and trainer.setup(algo, '
    'env=NewEnvUpdate(make_env)) for the trainer, which then saves the '
    'function in snapshots; NewEnvUpdate is in garage.sampler, and make_env '
    'takes no arguments and returns the environment'
)


def pickles(obj: object) -> bool:
    """Whether ``obj`` pickles with cloudpickle."""
    try:
        cloudpickle.dumps(obj)
    except Exception:
        return False
    return True


def _type_name(obj: object) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == 'builtins' else f'{module}.{cls.__qualname__}'


def _reduced_parts(obj: object) -> Iterator[tuple[str, object]]:
    """What ``obj`` pickles as: its attributes, items and arguments.

    Args:
        obj: The object.

    Yields:
        Pairs of (suffix of the path to the part, part).

    """
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield f'[{key!r}]', value
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        for i, value in enumerate(obj):
            yield f'[{i}]', value
        return
    if isinstance(obj, types.FunctionType):  # cloudpickle takes it by value
        names = obj.__code__.co_freevars
        for name, cell in zip(names, obj.__closure__ or (), strict=False):
            try:
                yield f'.<closure {name}>', cell.cell_contents
            except ValueError:  # an empty cell
                continue
        for name in obj.__code__.co_names:
            if name in obj.__globals__:
                yield f'.<global {name}>', obj.__globals__[name]
        return
    try:
        reduced = obj.__reduce_ex__(4)
    except Exception:
        return  # the object itself cannot be reduced: it is the culprit
    if isinstance(reduced, str):
        return
    reduced = tuple(reduced) + (None,) * (5 - len(reduced))
    _, args, state, list_items, dict_items = reduced[:5]
    for i, arg in enumerate(args or ()):  # the class (by reference) pickles
        yield f'<argument {i}>', arg
    slots: Any = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    for part in (state, slots):
        if isinstance(part, dict):
            for key, value in part.items():
                yield (f'.{key}' if isinstance(key, str) else f'[{key!r}]'), value
        elif part is not None:
            yield '<state>', part
    for i, item in enumerate(list_items or ()):
        yield f'[{i}]', item
    for key, value in dict_items or ():
        yield f'[{key!r}]', value


def find_unpicklable(obj: object, name: str) -> tuple[str, object] | None:
    """Find the innermost part of ``obj`` that cannot be pickled.

    Walks what ``obj`` pickles as (attributes, items, closure variables),
    going into the first part that fails to pickle, until every part of the
    object reached pickles (or it has none): that object is the culprit.

    Args:
        obj: The object.
        name: What to call ``obj`` in the path.

    Returns:
        The path to the culprit (``env._env.screen``) and the culprit, or
            None if ``obj`` pickles.

    """
    if pickles(obj):
        return None
    path, culprit = name, obj
    seen = {id(obj)}
    for _ in range(_MAX_DEPTH):
        for suffix, part in _reduced_parts(culprit):
            if id(part) in seen or len(seen) > _MAX_OBJECTS:
                continue
            seen.add(id(part))
            if not pickles(part):
                path, culprit = path + suffix, part
                break
        else:
            break
    return path, culprit


def describe_unpicklable(obj: object, name: str, *, reason: bool = True) -> str | None:
    """Say which part of ``obj`` cannot be pickled, and why.

    Args:
        obj: The object.
        name: What to call ``obj`` in the path to the part (``env``).
        reason: Whether to add the pickler's error for the part.

    Returns:
        For example ``"env._env.screen is a pygame.surface.Surface, which
            cannot be pickled (TypeError: cannot pickle ...)"``, or None if
            ``obj`` pickles.

    """
    found = find_unpicklable(obj, name)
    if found is None:
        return None
    path, culprit = found
    why = ''
    if reason:
        try:
            cloudpickle.dumps(culprit)
        except Exception as error:
            why = f' ({type(error).__name__}: {error})'
    return f'{path} is a {_type_name(culprit)}, which cannot be pickled{why}'


def unpicklable_error(
    obj: object, name: str, what: str, advice: str
) -> TypeError | None:
    """The error to raise for an object that cannot be pickled.

    Args:
        obj: The object.
        name: What to call ``obj`` in the path to the culprit (``env``).
        what: What the object is and where it was going, for the message
            (``'the environment given to Trainer.setup'``).
        advice: What to do instead.

    Returns:
        A ``TypeError`` naming the part that cannot be pickled, or None if
            ``obj`` pickles after all.

    """
    description = describe_unpicklable(obj, name)
    if description is None:
        return None
    return TypeError(f'{what} cannot be pickled: {description}. {advice}')


def check_picklable(obj: object, name: str, what: str, advice: str) -> None:
    """Raise a clear error if ``obj`` cannot be pickled with cloudpickle.

    Args:
        obj: The object.
        name: What to call ``obj`` in the path to the culprit.
        what: What the object is, for the message.
        advice: What to do instead.

    Raises:
        TypeError: If ``obj`` cannot be pickled; the message names the
            innermost attribute that cannot be, and gives the advice.

    """
    error = unpicklable_error(obj, name, what, advice)
    if error is not None:
        raise error


def explained(
    operation: Callable[[_T], _R], obj: _T, name: str, what: str, advice: str
) -> _R:
    """Copy or pickle ``obj``, with a clear error if a part cannot be pickled.

    Args:
        operation: What to do with ``obj``: ``copy.deepcopy``,
            ``cloudpickle.dumps``, ...
        obj: The object.
        name: What to call ``obj`` in the path to the culprit.
        what: What the object is, for the message.
        advice: What to do instead.

    Returns:
        What ``operation`` returns.

    Raises:
        TypeError: If ``operation`` fails and a part of ``obj`` cannot be
            pickled; the message names the part. Other failures propagate
            as they are.

    """
    try:
        return operation(obj)
    except Exception as error:
        clear = unpicklable_error(obj, name, what, advice)
        if clear is None:
            raise
        raise clear from error
