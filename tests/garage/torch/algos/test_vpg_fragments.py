"""Joining the fragments of episodes that FragmentWorker returns."""

import numpy as np

from garage import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro
from garage.torch.algos._fragments import FragmentJoiner

F, M, TERM, TIME = (StepType.FIRST, StepType.MID, StepType.TERMINAL, StepType.TIMEOUT)
SPEC = EnvSpec(
    akro.Box(-np.inf, np.inf, (1,)), akro.Box(-1, 1, (1,)), max_episode_length=10
)


def fragments(*pieces):
    """A batch of fragments, each ``(observations, step_types, last_obs)``.

    Each step's reward is its observation, so joined rewards are easy to
    check.
    """
    observations = np.concatenate([obs for obs, _, _ in pieces])
    n = len(observations)
    return EpisodeBatch(
        env_spec=SPEC,
        episode_infos={'id': np.arange(len(pieces))},
        observations=observations.astype(np.float32).reshape(n, 1),
        last_observations=np.asarray(
            [last for _, _, last in pieces], np.float32
        ).reshape(-1, 1),
        actions=np.zeros((n, 1), np.float32),
        rewards=observations.astype(np.float64),
        env_infos={},
        agent_infos={},
        step_types=np.concatenate([types for _, types, _ in pieces]).astype(np.int8),
        lengths=np.asarray([len(obs) for obs, _, _ in pieces]),
    )


def piece(observations, step_types, last):
    return np.asarray(observations, float), np.asarray(step_types), last


def test_whole_episodes_pass_through():
    batch = fragments(piece([1, 2], [F, TERM], 3), piece([4], [TIME], 5))
    assert FragmentJoiner().ended_episodes(batch) is batch


def test_fragments_are_joined_across_batches():
    joiner = FragmentJoiner()
    first = joiner.ended_episodes(
        fragments(
            piece([1, 2], [F, TERM], 3),  # env 0: an episode that ended
            piece([10, 11], [F, M], 12),  # env 0: running
            piece([20], [F], 21),
        )
    )  # env 1: running
    np.testing.assert_array_equal(first.rewards, [1, 2])
    ended = joiner.ended_episodes(
        fragments(
            piece([12, 13], [M, TIME], 14),  # env 0 goes on and times out
            piece([21, 22, 23], [M, M, TERM], 24),  # env 1 goes on, ends
            piece([30], [F], 31),
        )
    )  # env 1's next episode
    np.testing.assert_array_equal(ended.lengths, [4, 4])
    np.testing.assert_array_equal(ended.rewards, [10, 11, 12, 13, 20, 21, 22, 23])
    np.testing.assert_array_equal(ended.step_types, [F, M, M, TIME, F, M, M, TERM])
    np.testing.assert_array_equal(ended.last_observations[:, 0], [14, 24])
    np.testing.assert_array_equal(ended.episode_infos_by_episode['id'], [1, 2])


def test_fragments_are_joined_within_a_batch():
    # two rollouts of one environment in one batch
    ended = FragmentJoiner().ended_episodes(
        fragments(piece([1, 2], [F, M], 3), piece([3, 4], [M, TERM], 5))
    )
    np.testing.assert_array_equal(ended.lengths, [4])
    np.testing.assert_array_equal(ended.last_observations[:, 0], [5])


def test_workers_in_any_order():
    joiner = FragmentJoiner()
    joiner.ended_episodes(fragments(piece([1], [F], 2), piece([5], [F], 6)))
    ended = joiner.ended_episodes(
        fragments(piece([6], [TERM], 7), piece([2], [TERM], 3))
    )
    np.testing.assert_array_equal(ended.rewards, [5, 6, 1, 2])
    np.testing.assert_array_equal(ended.lengths, [2, 2])


def test_unfinished_fragments_not_continued_are_dropped():
    joiner = FragmentJoiner()
    assert joiner.ended_episodes(fragments(piece([1, 2], [F, M], 3))) is None
    # the sampler restarted its environments
    ended = joiner.ended_episodes(
        fragments(piece([7, 8], [F, TERM], 9), piece([3], [F], 4))
    )
    np.testing.assert_array_equal(ended.rewards, [7, 8])
    ended = joiner.ended_episodes(fragments(piece([4], [TERM], 5)))
    np.testing.assert_array_equal(ended.rewards, [3, 4])


def test_an_episode_that_ends_at_its_first_step():
    joiner = FragmentJoiner()
    joiner.ended_episodes(fragments(piece([1], [F], 2)))
    ended = joiner.ended_episodes(
        fragments(piece([2], [M], 3), piece([50], [TERM], 51))
    )
    np.testing.assert_array_equal(ended.rewards, [50])
