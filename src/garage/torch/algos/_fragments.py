"""Whole episodes from batches that may hold fragments of episodes."""

import numpy as np

from garage._dtypes import EpisodeBatch, StepType
from garage.np._tensor_dicts import index_nested_dict


def last_step_types(episodes: EpisodeBatch) -> np.ndarray:
    """The step type of the last step of each episode (or fragment).

    Args:
        episodes: The batch.

    Returns:
        One step type per episode, shape `(N,)`.

    """
    return episodes.step_types[np.cumsum(episodes.lengths) - 1]


class FragmentJoiner:
    """Joins fragments of episodes, batch after batch, into whole episodes.

    A ``FragmentWorker`` returns, for each environment, the episodes that
    ended during a rollout and the beginning of the one still running,
    whose last step is neither ``TERMINAL`` nor ``TIMEOUT``; the next
    rollout continues that episode. Each fragment carries its identity
    (``EpisodeBatch.identities``): its worker, environment and episode,
    and its fragment number. The joiner keeps the unfinished fragments and
    joins each to the fragment of the same episode numbered one more, in
    the same batch or the next, wherever it lies in the batch: continuations
    are found by identity, never by their data, so any number of workers,
    environments in one state, and rollouts per batch work.

    An unfinished fragment not continued by the next batch is dropped (the
    sampler restarted its environments), and so are episodes that were
    still running when sampling stopped, and continuations whose earlier
    fragments were not seen (their episode is incomplete). Episodes whose
    identity is unknown (a worker that sets none) cannot be joined: those
    that ended are whole, and the others are dropped.

    Batches of whole episodes pass through unchanged.
    """

    def __init__(self) -> None:
        # the fragments of each unfinished episode, by (worker, env, episode)
        self._unfinished: dict[tuple[int, int, int], list[EpisodeBatch]] = {}

    def ended_episodes(self, episodes: EpisodeBatch) -> EpisodeBatch | None:
        """Take a batch; return the episodes that ended in it, whole.

        Args:
            episodes: The batch, of whole episodes or of fragments.

        Returns:
            The episodes whose last step is in this batch, each joined to
                its fragments from earlier batches; None if none ended.

        """
        identities = episodes.identities
        last_steps = last_step_types(episodes)
        ended = (last_steps == StepType.TERMINAL) | (last_steps == StepType.TIMEOUT)
        continued = identities['fragment'] > 0
        if ended.all() and not continued.any():
            self._unfinished = {}
            return episodes
        earlier = self._unfinished
        unfinished: dict[tuple[int, int, int], list[EpisodeBatch]] = {}
        finished = []
        keys = identities[['worker', 'env', 'episode']].tolist()
        fragment_numbers = identities['fragment'].tolist()
        known = (identities['episode'] >= 0).tolist()
        for fragment, key, number, is_known, is_last in zip(
            episodes.split(), keys, fragment_numbers, known, ended.tolist(), strict=True
        ):
            pieces = [fragment]
            if number > 0:
                before = unfinished.pop(key, None) or earlier.pop(key, None)
                if before is None or len(before) != number:
                    continue  # its episode's beginning was not seen
                pieces = before + pieces
            if is_last:
                finished.append(pieces)
            elif is_known:
                unfinished[key] = pieces
        self._unfinished = unfinished
        return _join(finished) if finished else None


def _join(episodes: list[list[EpisodeBatch]]) -> EpisodeBatch:
    """Make one batch of episodes, each given as its consecutive fragments."""
    pieces = [piece for episode in episodes for piece in episode]
    batch = pieces[0] if len(pieces) == 1 else EpisodeBatch.concatenate(*pieces)
    n_pieces = np.asarray([len(episode) for episode in episodes])
    first_pieces = np.cumsum(n_pieces) - n_pieces
    return EpisodeBatch(
        env_spec=batch.env_spec,
        episode_infos=index_nested_dict(batch.episode_infos_by_episode, first_pieces),
        observations=batch.observations,
        last_observations=batch.last_observations[np.cumsum(n_pieces) - 1],
        actions=batch.actions,
        rewards=batch.rewards,
        env_infos=batch.env_infos,
        agent_infos=batch.agent_infos,
        step_types=batch.step_types,
        lengths=np.add.reduceat(batch.lengths, first_pieces),
        identities=batch.identities[first_pieces],
    )
