"""What a worker does for one sampling request, wherever it runs.

Every sampler runs these in the place its workers live (this process,
worker processes, Ray actors) with the same per-worker quota, so all
samplers share one code path and give the same batches for the same seed:

* `collect_samples` for ``Sampler.obtain_samples``, with the quota
  ``ceil(num_samples / n_workers)`` (``Sampler._steps_per_worker``);
* `collect_episodes` for ``Sampler.obtain_exact_episodes``.

The sampler concatenates the workers' batches in worker order.
"""

import copy
from collections.abc import Callable
from itertools import islice
from operator import is_, itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from garage._dtypes import EpisodeBatch
from garage._validation import positive_int
from garage.np._tensor_dicts import (
    concat_tensor_dict_list,
    repeat_nested_dict,
    slice_nested_dict,
    stack_tensor_dict_list,
)

if TYPE_CHECKING:
    from garage.sampler.worker import Worker


def collect_samples(worker: 'Worker', min_steps: int) -> EpisodeBatch:
    """Roll out until at least ``min_steps`` steps are sampled.

    Args:
        worker: The worker, with its agent and environment in place.
        min_steps: The least number of steps to sample.

    Returns:
        The batches of the rollouts, concatenated: whole episodes for
            ``DefaultWorker`` and ``VecWorker``, fragments for
            ``FragmentWorker``.

    Raises:
        ValueError: If ``min_steps`` is not a positive integer.

    """
    positive_int('min_steps', min_steps)
    return worker.rollout_steps(min_steps)


def collect_episodes(worker: 'Worker', n_episodes: int) -> EpisodeBatch:
    """Roll out until exactly ``n_episodes`` episodes are sampled.

    A rollout of a ``VecWorker`` or ``FragmentWorker`` gives several
    episodes (fragments); the surplus of the last rollout is dropped, the
    first ``n_episodes`` in batch order kept.

    Args:
        worker: The worker, with its agent and environment in place.
        n_episodes: The number of episodes (fragments) to return.

    Returns:
        The episodes.

    Raises:
        ValueError: If ``n_episodes`` is not a positive integer.

    """
    positive_int('n_episodes', n_episodes)
    batches = []
    n_collected = 0
    with worker._own_rng():
        while n_collected < n_episodes:
            batch = worker.rollout()
            batches.append(batch)
            n_collected += len(batch.lengths)
    batch = concatenate_batches(batches)
    if n_collected > n_episodes:
        batch = first_episodes(batch, n_episodes)
    return batch


def first_episodes(batch: EpisodeBatch, n_episodes: int) -> EpisodeBatch:
    """The first ``n_episodes`` episodes of a batch.

    Args:
        batch: The batch.
        n_episodes: How many episodes to keep, at most ``len(batch.lengths)``.

    Returns:
        A batch of the first episodes; its arrays are views of ``batch``'s.

    """
    n_steps = int(batch.lengths[:n_episodes].sum())
    return EpisodeBatch(
        env_spec=batch.env_spec,
        episode_infos=slice_nested_dict(batch.episode_infos_by_episode, 0, n_episodes),
        observations=batch.observations[:n_steps],
        last_observations=batch.last_observations[:n_episodes],
        actions=batch.actions[:n_steps],
        rewards=batch.rewards[:n_steps],
        env_infos=slice_nested_dict(batch.env_infos, 0, n_steps),
        agent_infos=slice_nested_dict(batch.agent_infos, 0, n_steps),
        step_types=batch.step_types[:n_steps],
        lengths=batch.lengths[:n_episodes],
        identities=batch.identities[:n_episodes],
    )


def concatenate_batches(batches: list[EpisodeBatch]) -> EpisodeBatch:
    """Concatenate batches, skipping the copy when there is only one."""
    if len(batches) == 1:
        return batches[0]
    return EpisodeBatch.concatenate(*batches)


def stack_infos(infos: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack per-step info dicts into a dict of arrays, one row per step.

    ``garage.np.stack_tensor_dict_list``'s result, built with one
    ``np.asarray`` per key, which is several times faster on short arrays;
    on malformed input, the error is ``stack_tensor_dict_list``'s.

    Args:
        infos: Dicts (possibly nested) with the same keys.

    Returns:
        A dict of arrays with ``len(infos)`` rows.

    Raises:
        ValueError: If the dicts' keys differ, or a key's values cannot be
            stacked; the message names the key.

    """
    try:
        return _combine(infos, np.asarray)
    except (KeyError, IndexError, TypeError, ValueError):
        return stack_tensor_dict_list(infos)


def stack_env_infos(infos: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack environment or episode info dicts as the original garage did.

    Like `stack_infos`, except that a key whose value is a dict (such as
    ``PointEnv``'s ``'task'``) becomes a one-dimensional object array of
    those dicts, so ``env_infos['task'][0]['goal']`` works. The dicts are
    deep copies, one per distinct dict: rows that held the same dict share
    one copy, and the environment's later changes to it do not reach the
    batch.

    Args:
        infos: Dicts with the same keys.

    Returns:
        A dict of arrays with ``len(infos)`` rows.

    Raises:
        ValueError: If the dicts' keys differ, or a key's values cannot be
            stacked; the message names the key.

    """
    if not infos:
        return stack_infos(infos)
    dict_keys = [key for key, value in infos[0].items() if isinstance(value, dict)]
    if not dict_keys:
        return stack_infos(infos)
    try:
        columns = {key: [info[key] for info in infos] for key in dict_keys}
    except KeyError:
        return stack_infos(infos)  # which names the key missing
    stacked = stack_infos(
        [{k: v for k, v in info.items() if k not in columns} for info in infos]
    )
    stacked.update((key, _object_rows(values)) for key, values in columns.items())
    return {key: stacked[key] for key in infos[0]}


def _object_rows(values: list[Any]) -> np.ndarray:
    """A 1-d object array of deep copies of ``values``, one per object."""
    rows = np.empty(len(values), dtype=object)
    copies: dict[int, Any] = {}  # by id: every value lives until we return
    for i, value in enumerate(values):
        key = id(value)
        if key not in copies:
            copies[key] = copy.deepcopy(value)
        rows[i] = copies[key]
    return rows


def concat_infos(infos: list[dict[str, Any]]) -> dict[str, Any]:
    """Concatenate dicts of arrays (possibly nested) along their first axis.

    ``garage.np.concat_tensor_dict_list``'s result, faster on many short
    arrays; on malformed input, the error is ``concat_tensor_dict_list``'s.

    Args:
        infos: Dicts with the same keys, whose arrays have the same
            trailing shape per key.

    Returns:
        A dict of the concatenated arrays.

    Raises:
        ValueError: If the dicts' keys differ, or a key's values cannot be
            concatenated; the message names the key.

    """
    try:
        return _combine(infos, np.concatenate)
    except (KeyError, IndexError, TypeError, ValueError):
        return concat_tensor_dict_list(infos)


def _combine(
    infos: list[dict[str, Any]], combine: Callable[[list[Any]], np.ndarray]
) -> dict[str, Any]:
    first = infos[0]
    # With a KeyError for any dict that lacks a key of the first, equal
    # totals mean equal key sets.
    if sum(map(len, infos)) != len(first) * len(infos):
        raise KeyError('the dicts have different keys')
    return {
        key: _combine_dicts(list(map(itemgetter(key), infos)), combine)
        if isinstance(value, dict)
        else combine(list(map(itemgetter(key), infos)))
        for key, value in first.items()
    }


def _combine_dicts(
    dicts: list[dict[str, Any]], combine: Callable[[list[Any]], np.ndarray]
) -> dict[str, Any]:
    """Combine nested dicts, stacking each run of one repeated dict once.

    Environments often put the same dict (their task, say) in every step's
    information: stacking each run's dict once, then repeating its rows,
    is many times faster than stacking every step's.
    """
    if combine is np.asarray and len(dicts) > 1:
        same = np.fromiter(
            map(is_, islice(dicts, 1, None), dicts), dtype=bool, count=len(dicts) - 1
        )
        starts = np.flatnonzero(~same) + 1
        if 2 * (len(starts) + 1) <= len(dicts):
            starts = np.concatenate(([0], starts))
            runs = np.diff(starts, append=len(dicts))
            return repeat_nested_dict(
                _combine([dicts[i] for i in starts.tolist()], combine), runs
            )
    return _combine(dicts, combine)
