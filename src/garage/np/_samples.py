"""Summaries of sampled paths."""

from collections.abc import Sequence
from typing import Any


def samples_to_tensors(paths: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
    """Return processed sample data based on the collected paths.

    Args:
        paths: The collected paths, each with ``'success_count'``,
            ``'running_length'``, ``'undiscounted_return'`` and
            ``'dones'``.

    Returns:
        The processed sample data, with keys ``undiscounted_returns`` (each
            path's ``'undiscounted_return'``), ``success_history`` (each
            path's ``success_count / running_length``) and ``complete``
            (whether each path's last step is done).

    Raises:
        ValueError: If a path lacks one of the keys.

    """
    keys = ('success_count', 'running_length', 'undiscounted_return', 'dones')
    for i, path in enumerate(paths):
        missing = [key for key in keys if key not in path]
        if missing:
            raise ValueError(
                f'paths[{i}] lacks the keys {missing}; it has {sorted(path)}'
            )
    return {
        'undiscounted_returns': [path['undiscounted_return'] for path in paths],
        'success_history': [
            path['success_count'] / path['running_length'] for path in paths
        ],
        'complete': [path['dones'][-1] for path in paths],
    }
