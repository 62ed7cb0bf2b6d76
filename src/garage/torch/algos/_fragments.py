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
    rollout continues that episode from the observation stored as the
    fragment's last observation. The joiner keeps the unfinished fragments
    and, when a fragment that does not begin with a ``FIRST`` step starts
    from such an observation, joins the two. Continuations are found by
    observation, not by position, so any number of workers and rollouts
    per batch work. An unfinished fragment not continued by the next batch
    is dropped (the sampler restarted its environments), and so are
    episodes that were still running when sampling stopped.

    Batches of whole episodes pass through unchanged.
    """

    def __init__(self) -> None:
        self._unfinished: dict[bytes, list[EpisodeBatch]] = {}

    def ended_episodes(self, episodes: EpisodeBatch) -> EpisodeBatch | None:
        """Take a batch; return the episodes that ended in it, whole.

        Args:
            episodes: The batch, of whole episodes or of fragments.

        Returns:
            The episodes whose last step is in this batch, each joined to
                its fragments from earlier batches; None if none ended.

        """
        last_steps = last_step_types(episodes)
        ended = (
            (last_steps == StepType.TERMINAL) | (last_steps == StepType.TIMEOUT)
        ).tolist()
        if all(ended) and not self._unfinished:
            return episodes
        earlier, unfinished = self._unfinished, {}
        finished = []
        for fragment, is_last in zip(episodes.split(), ended, strict=True):
            pieces = [fragment]
            if fragment.step_types[0] != StepType.FIRST:
                key = fragment.observations[0].tobytes()
                pieces = (unfinished.pop(key, None) or earlier.pop(key, [])) + pieces
            if is_last:
                finished.append(pieces)
            else:
                unfinished[fragment.last_observations[0].tobytes()] = pieces
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
    )
