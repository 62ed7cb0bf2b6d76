"""Joining the fragments of episodes that FragmentWorker returns."""

import numpy as np

from garage import EnvSpec, EpisodeBatch, StepType
from garage._dtypes import IDENTITY_DTYPE
from garage._legacy_gym import akro
from garage.torch.algos._fragments import FragmentJoiner

F, M, TERM, TIME = (StepType.FIRST, StepType.MID, StepType.TERMINAL, StepType.TIMEOUT)
SPEC = EnvSpec(
    akro.Box(-np.inf, np.inf, (1,)), akro.Box(-1, 1, (1,)), max_episode_length=10
)


def fragments(*pieces):
    """A batch of fragments, each as `piece` gives it.

    Each step's reward is its observation, so joined rewards are easy to
    check.
    """
    observations = np.concatenate([p['obs'] for p in pieces])
    n = len(observations)
    identities = None
    if all('identity' in p for p in pieces):
        identities = np.array([p['identity'] for p in pieces], IDENTITY_DTYPE)
    return EpisodeBatch(
        env_spec=SPEC,
        episode_infos={'id': np.arange(len(pieces))},
        observations=observations.astype(np.float32).reshape(n, 1),
        last_observations=np.asarray([p['last'] for p in pieces], np.float32).reshape(
            -1, 1
        ),
        actions=np.zeros((n, 1), np.float32),
        rewards=observations.astype(np.float64),
        env_infos={},
        agent_infos={},
        step_types=np.concatenate([p['types'] for p in pieces]).astype(np.int8),
        lengths=np.asarray([len(p['obs']) for p in pieces]),
        identities=identities,
    )


def piece(observations, step_types, last, identity=None):
    """A fragment: observations (and rewards), step types, last observation.

    ``identity`` is ``(worker, env, episode, fragment)``, or None for an
    unknown one.
    """
    p = {
        'obs': np.asarray(observations, float),
        'types': np.asarray(step_types),
        'last': last,
    }
    if identity is not None:
        p['identity'] = identity
    return p


def returns(batch):
    return np.add.reduceat(batch.rewards, np.cumsum(batch.lengths) - batch.lengths)


def test_whole_episodes_pass_through():
    batch = fragments(
        piece([1, 2], [F, TERM], 3, (0, 0, 0, 0)), piece([4], [TIME], 5, (0, 1, 0, 0))
    )
    assert FragmentJoiner().ended_episodes(batch) is batch


def test_episodes_of_unknown_identity_are_whole():
    # a user's worker that sets no identities
    batch = fragments(piece([1, 2], [F, TERM], 3), piece([4], [TIME], 5))
    assert FragmentJoiner().ended_episodes(batch) is batch


def test_unfinished_episodes_of_unknown_identity_are_dropped():
    joiner = FragmentJoiner()
    ended = joiner.ended_episodes(
        fragments(piece([1, 2], [F, TERM], 3), piece([4], [F], 5))
    )
    np.testing.assert_array_equal(ended.rewards, [1, 2])
    assert joiner.ended_episodes(fragments(piece([5], [M], 6))) is None


def test_fragments_are_joined_across_batches():
    joiner = FragmentJoiner()
    first = joiner.ended_episodes(
        fragments(
            piece([1, 2], [F, TERM], 3, (0, 0, 0, 0)),  # env 0: ended
            piece([10, 11], [F, M], 12, (0, 0, 1, 0)),  # env 0: running
            piece([20], [F], 21, (0, 1, 0, 0)),  # env 1: running
        )
    )
    np.testing.assert_array_equal(first.rewards, [1, 2])
    ended = joiner.ended_episodes(
        fragments(
            piece([12, 13], [M, TIME], 14, (0, 0, 1, 1)),  # env 0 times out
            piece([21, 22, 23], [M, M, TERM], 24, (0, 1, 0, 1)),  # env 1 ends
            piece([30], [F], 31, (0, 1, 1, 0)),  # env 1's next episode
        )
    )
    np.testing.assert_array_equal(ended.lengths, [4, 4])
    np.testing.assert_array_equal(ended.rewards, [10, 11, 12, 13, 20, 21, 22, 23])
    np.testing.assert_array_equal(ended.step_types, [F, M, M, TIME, F, M, M, TERM])
    np.testing.assert_array_equal(ended.last_observations[:, 0], [14, 24])
    np.testing.assert_array_equal(ended.episode_infos_by_episode['id'], [1, 2])
    assert ended.identities.tolist() == [(0, 0, 1, 0), (0, 1, 0, 0)]


def test_fragments_are_joined_within_a_batch():
    # two rollouts of one environment in one batch
    ended = FragmentJoiner().ended_episodes(
        fragments(
            piece([1, 2], [F, M], 3, (0, 0, 0, 0)),
            piece([3, 4], [M, TERM], 5, (0, 0, 0, 1)),
        )
    )
    np.testing.assert_array_equal(ended.lengths, [4])
    np.testing.assert_array_equal(ended.last_observations[:, 0], [5])


def test_workers_in_any_order():
    joiner = FragmentJoiner()
    joiner.ended_episodes(
        fragments(piece([1], [F], 2, (0, 0, 0, 0)), piece([5], [F], 6, (1, 0, 0, 0)))
    )
    ended = joiner.ended_episodes(
        fragments(
            piece([6], [TERM], 7, (1, 0, 0, 1)), piece([2], [TERM], 3, (0, 0, 0, 1))
        )
    )
    np.testing.assert_array_equal(ended.rewards, [5, 6, 1, 2])
    np.testing.assert_array_equal(ended.lengths, [2, 2])


def test_environments_in_one_state_keep_their_own_episodes():
    """Joined by identity, not by observation.

    Env 0 takes 3 steps of reward 10 and env 1 3 steps of reward 1; both
    end the rollout in the same observation (0), and both terminate after
    2 more steps of reward 0: the joined returns are each environment's
    own.
    """
    joiner = FragmentJoiner()
    batch = fragments(
        piece([10, 10, 10], [F, M, M], 0, (0, 0, 0, 0)),
        piece([1, 1, 1], [F, M, M], 0, (0, 1, 0, 0)),
    )
    assert joiner.ended_episodes(batch) is None
    ended = joiner.ended_episodes(
        fragments(
            piece([0, 0], [M, TERM], 0, (0, 0, 0, 1)),
            piece([0, 0], [M, TERM], 0, (0, 1, 0, 1)),
        )
    )
    np.testing.assert_array_equal(returns(ended), [30, 3])
    np.testing.assert_array_equal(ended.lengths, [5, 5])


def test_environments_in_one_state_listed_in_reverse():
    same = 7.0
    joiner = FragmentJoiner()
    joiner.ended_episodes(
        fragments(
            piece([10, 10, 10], [F, M, M], same, (0, 0, 0, 0)),
            piece([1, 1, 1], [F, M, M], same, (0, 1, 0, 0)),
        )
    )
    ended = joiner.ended_episodes(
        fragments(
            piece([same, 0], [M, TERM], 0, (0, 1, 0, 1)),
            piece([same, 0], [M, TERM], 0, (0, 0, 0, 1)),
        )
    )
    np.testing.assert_array_equal(returns(ended), [3 + same, 30 + same])


def test_unfinished_fragments_not_continued_are_dropped():
    joiner = FragmentJoiner()
    assert (
        joiner.ended_episodes(fragments(piece([1, 2], [F, M], 3, (0, 0, 0, 0)))) is None
    )
    # the sampler restarted its environments
    ended = joiner.ended_episodes(
        fragments(
            piece([7, 8], [F, TERM], 9, (0, 0, 1, 0)),
            piece([3], [F], 4, (0, 0, 2, 0)),
        )
    )
    np.testing.assert_array_equal(ended.rewards, [7, 8])
    ended = joiner.ended_episodes(fragments(piece([4], [TERM], 5, (0, 0, 2, 1))))
    np.testing.assert_array_equal(ended.rewards, [3, 4])


def test_continuations_without_their_beginning_are_dropped():
    joiner = FragmentJoiner()
    joiner.ended_episodes(fragments(piece([1], [F], 2, (0, 0, 0, 0))))
    # fragment 1 of episode 0 was lost (collect_episodes dropped it)
    assert joiner.ended_episodes(fragments(piece([3], [M], 4, (0, 0, 0, 2)))) is None
    ended = joiner.ended_episodes(
        fragments(
            piece([4], [TERM], 5, (0, 0, 0, 3)), piece([9], [TERM], 9, (0, 0, 1, 0))
        )
    )
    np.testing.assert_array_equal(ended.rewards, [9])


def test_an_episode_that_ends_at_its_first_step():
    joiner = FragmentJoiner()
    joiner.ended_episodes(fragments(piece([1], [F], 2, (0, 0, 0, 0))))
    ended = joiner.ended_episodes(
        fragments(
            piece([2], [M], 3, (0, 0, 0, 1)), piece([50], [TERM], 51, (0, 1, 0, 0))
        )
    )
    np.testing.assert_array_equal(ended.rewards, [50])
