import dataclasses
import math
import pickle
import re

import cloudpickle
import gymnasium
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.batches import (
    NESTED_SCHEMA,
    BatchConfig,
    assert_episode_batches_equal,
    assert_time_step_batches_equal,
    assert_tree_equal,
    episode_batch_groups,
    episode_batch_kwargs,
    episode_batches,
    make_env_spec,
    make_episode_batch,
    make_time_step_batch,
    time_step_batch_groups,
    time_step_batch_kwargs,
    time_step_batches,
)
from garage import (
    EnvSpec,
    EnvStep,
    EpisodeBatch,
    InOutSpec,
    StepType,
    TimeStep,
    TimeStepBatch,
)
from garage._dtypes import IDENTITY_DTYPE
from garage._legacy_gym import akro

NESTED = BatchConfig(
    make_env_spec(),
    env_info_schema=NESTED_SCHEMA,
    agent_info_schema=NESTED_SCHEMA,
    episode_info_schema=NESTED_SCHEMA,
)


def esc(text):
    return re.escape(text)


# InOutSpec and EnvSpec.


class TestInOutSpec:
    def test_properties(self):
        a, b = akro.Discrete(2), akro.Discrete(3)
        spec = InOutSpec(a, b)
        assert spec.input_space is a
        assert spec.output_space is b

    def test_equality_and_hash(self):
        spec = InOutSpec(akro.Discrete(2), akro.Discrete(3))
        assert spec == InOutSpec(akro.Discrete(2), akro.Discrete(3))
        assert spec != InOutSpec(akro.Discrete(3), akro.Discrete(2))
        assert hash(spec) == hash(InOutSpec(akro.Discrete(2), akro.Discrete(3)))

    def test_repr(self):
        text = repr(InOutSpec(akro.Discrete(2), akro.Discrete(3)))
        assert text == ('InOutSpec(input_space=Discrete(2), output_space=Discrete(3))')


class TestEnvSpec:
    def test_properties(self):
        obs, act = akro.Box(-1, 1, shape=(4,)), akro.Discrete(3)
        spec = EnvSpec(obs, act, 7)
        assert spec.observation_space is obs
        assert spec.action_space is act
        assert spec.max_episode_length == 7
        # EnvSpec is an InOutSpec from actions to observations.
        assert spec.input_space is act
        assert spec.output_space is obs
        assert isinstance(spec, InOutSpec)

    def test_max_episode_length_defaults_to_none(self):
        spec = EnvSpec(akro.Discrete(2), akro.Discrete(3))
        assert spec.max_episode_length is None

    def test_numpy_integer_max_episode_length_becomes_int(self):
        spec = EnvSpec(akro.Discrete(2), akro.Discrete(3), np.int64(9))
        assert spec.max_episode_length == 9
        assert type(spec.max_episode_length) is int

    @pytest.mark.parametrize('space', [None, 3, 'Box'])
    @pytest.mark.parametrize('field', ['observation_space', 'action_space'])
    def test_non_space_is_type_error(self, space, field):
        spaces = {
            'observation_space': akro.Discrete(2),
            'action_space': akro.Discrete(2),
            field: space,
        }
        with pytest.raises(
            TypeError, match=f'^{field} must be an akro, gym or Gymnasium space'
        ):
            EnvSpec(**spaces)

    def test_type_error_names_the_unsupported_class(self):
        with pytest.raises(TypeError, match=esc('gymnasium.spaces.text.Text')):
            EnvSpec(gymnasium.spaces.Text(3), akro.Discrete(2))

    @pytest.mark.parametrize('bad', [0, -1, 2.5, True, '5', [5], -math.inf])
    def test_bad_max_episode_length(self, bad):
        with pytest.raises(
            ValueError,
            match=esc(
                f'max_episode_length must be a positive integer or None, '
                f'got {bad!r}; math.inf means no limit'
            ),
        ):
            EnvSpec(akro.Discrete(2), akro.Discrete(2), bad)

    def test_equality(self):
        def spec(n_obs=4, n_act=3, limit=5):
            return EnvSpec(akro.Box(-1, 1, shape=(n_obs,)), akro.Discrete(n_act), limit)

        assert spec() == spec()
        assert spec() != spec(n_obs=5)
        assert spec() != spec(n_act=2)
        assert spec() != spec(limit=6)
        assert spec() != spec(limit=None)
        assert spec() != InOutSpec(spec().action_space, spec().observation_space)
        assert spec() != 'not a spec'

    @pytest.mark.parametrize(
        'obs_space',
        [
            akro.Discrete(4),
            akro.Box(-1, 1, shape=(2, 3)),
            akro.Box(-1, 1, shape=(4,)),  # the most common case
        ],
        ids=['discrete', 'box-2d', 'box-1d'],
    )
    def test_hash(self, obs_space):
        spec = EnvSpec(obs_space, akro.Discrete(3), 5)
        same = EnvSpec(pickle.loads(pickle.dumps(obs_space)), akro.Discrete(3), 5)
        assert hash(spec) == hash(same)
        assert len({spec, same}) == 1
        assert {spec: 1}[same] == 1

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickle(self, dumps):
        spec = make_env_spec((2, 3), akro.Discrete(4), 11)
        restored = pickle.loads(dumps(spec))
        assert restored == spec
        assert restored.max_episode_length == 11
        assert restored.observation_space.shape == (2, 3)

    def test_repr(self):
        spec = EnvSpec(akro.Discrete(2), akro.Discrete(3), 5)
        assert repr(spec) == (
            'EnvSpec(observation_space=Discrete(2), '
            'action_space=Discrete(3), '
            'max_episode_length=5)'
        )


# StepType.


class TestStepType:
    def test_values(self):
        assert [(s.name, int(s)) for s in StepType] == [
            ('FIRST', 0),
            ('MID', 1),
            ('TERMINAL', 2),
            ('TIMEOUT', 3),
        ]

    @pytest.mark.parametrize(
        ('step_cnt', 'max_len', 'done', 'expected'),
        [
            (1, 5, False, StepType.FIRST),
            (2, 5, False, StepType.MID),
            (4, 5, False, StepType.MID),
            (5, 5, False, StepType.TIMEOUT),
            (6, 5, False, StepType.TIMEOUT),
            (4, 5, True, StepType.TERMINAL),
            (5, 5, True, StepType.TERMINAL),  # TERMINAL beats TIMEOUT
            (1, 5, True, StepType.TERMINAL),
            (1, 1, False, StepType.TIMEOUT),
            (1, 1, True, StepType.TERMINAL),
            (1, None, False, StepType.FIRST),
            (2, None, False, StepType.MID),
            (10**9, None, False, StepType.MID),
            (3, None, True, StepType.TERMINAL),
        ],
    )
    def test_get_step_type(self, step_cnt, max_len, done, expected):
        result = StepType.get_step_type(step_cnt, max_len, done)
        assert result is expected

    @pytest.mark.parametrize('done', [False, True])
    @pytest.mark.parametrize('step_cnt', [0, -1, None])
    def test_get_step_type_before_reset(self, step_cnt, done):
        with pytest.raises(
            ValueError,
            match=esc(
                f'step_cnt must be at least 1, got {step_cnt}; was the '
                'environment reset'
            ),
        ):
            StepType.get_step_type(step_cnt, 5, done)

    def test_seed_example_sequences(self):
        """The docstring's sequences with max_episode_length = 5."""
        first, mid = StepType.FIRST, StepType.MID
        terminal, timeout = StepType.TERMINAL, StepType.TIMEOUT

        def episode(n_steps, done_at):
            return [
                StepType.get_step_type(i, 5, i == done_at)
                for i in range(1, n_steps + 1)
            ]

        assert episode(4, done_at=4) == [first, mid, mid, terminal]
        assert episode(5, done_at=5) == [first, mid, mid, mid, terminal]
        assert episode(5, done_at=None) == [first, mid, mid, mid, timeout]


# TimeStep.


def _env_step(step_type=StepType.MID):
    return EnvStep(
        env_spec=make_env_spec(),
        action=np.array(1),
        reward=0.5,
        observation=np.arange(4.0),
        env_info={'x': 1},
        step_type=step_type,
    )


class TestTimeStep:
    def test_from_env_step(self):
        env_step = _env_step(StepType.TIMEOUT)
        last_obs = np.full(4, -1.0)
        agent_info = {'mean': np.zeros(3)}
        episode_info = {'goal': np.ones(2)}
        ts = TimeStep.from_env_step(env_step, last_obs, agent_info, episode_info)
        assert ts.env_spec is env_step.env_spec
        assert ts.observation is last_obs
        assert ts.next_observation is env_step.observation
        assert ts.action is env_step.action
        assert ts.reward == 0.5
        assert ts.env_info is env_step.env_info
        assert ts.agent_info is agent_info
        assert ts.episode_info is episode_info
        assert ts.step_type is StepType.TIMEOUT

    @pytest.mark.parametrize(
        ('step_type', 'flags'),
        [
            (StepType.FIRST, (True, False, False, False, False)),
            (StepType.MID, (False, True, False, False, False)),
            (StepType.TERMINAL, (False, False, True, False, True)),
            (StepType.TIMEOUT, (False, False, False, True, True)),
        ],
    )
    def test_step_type_properties(self, step_type, flags):
        ts = TimeStep.from_env_step(_env_step(step_type), np.zeros(4), {}, {})
        assert (ts.first, ts.mid, ts.terminal, ts.timeout, ts.last) == flags

    @pytest.mark.parametrize('bad', [0, 2, 'TERMINAL', None, np.int8(1)])
    def test_non_step_type(self, bad):
        with pytest.raises(
            ValueError, match=esc(f'step_type must be a StepType, not {bad!r}')
        ):
            TimeStep(
                env_spec=make_env_spec(),
                episode_info={},
                observation=np.zeros(4),
                action=np.array(0),
                reward=0.0,
                next_observation=np.zeros(4),
                env_info={},
                agent_info={},
                step_type=bad,
            )

    def test_frozen(self):
        ts = TimeStep.from_env_step(_env_step(), np.zeros(4), {}, {})
        with pytest.raises(dataclasses.FrozenInstanceError):
            ts.reward = 2.0  # type: ignore[misc]

    def test_pickle(self):
        ts = TimeStep.from_env_step(_env_step(), np.zeros(4), {}, {})
        restored = pickle.loads(pickle.dumps(ts))
        assert restored.step_type is StepType.MID
        np.testing.assert_array_equal(restored.next_observation, ts.next_observation)


# Validation: one test per message.


def _tsb_kwargs(**changes):
    kwargs = time_step_batch_kwargs(3, NESTED)
    kwargs.update(changes)
    return kwargs


def _eb_kwargs(lengths=(2, 3), config=NESTED, new_lengths=None, **changes):
    kwargs = episode_batch_kwargs(list(lengths), config)
    kwargs.update(changes)
    if new_lengths is not None:
        kwargs['lengths'] = new_lengths
    return kwargs


BOTH = pytest.mark.parametrize('cls', [TimeStepBatch, EpisodeBatch])


def _make(cls, **changes):
    if cls is TimeStepBatch:
        return TimeStepBatch(**_tsb_kwargs(**changes))
    return EpisodeBatch(**_eb_kwargs(lengths=(1, 2), **changes))


class TestValidation:
    @BOTH
    def test_valid_kwargs_construct(self, cls):
        batch = _make(cls)
        assert len(batch.rewards) == 3

    @BOTH
    def test_observations_wrong_shape(self, cls):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'observations has shape (3, 5), but expected (3, 4) to '
                'match the observation space Box('
            ),
        ):
            _make(cls, observations=np.zeros((3, 5), np.float32))

    @BOTH
    def test_observations_wrong_row_count(self, cls):
        with pytest.raises(
            ValueError,
            match='^' + esc('observations has shape (4, 4), but expected (3, 4)'),
        ):
            _make(cls, observations=np.zeros((4, 4), np.float32))

    @BOTH
    def test_observations_2d_box_names_both_storage_shapes(self, cls):
        config = BatchConfig(make_env_spec((2, 3)))
        kwargs = (
            time_step_batch_kwargs(3, config)
            if cls is TimeStepBatch
            else episode_batch_kwargs([1, 2], config)
        )
        kwargs['observations'] = np.zeros((3, 3, 2), np.float32)
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'observations has shape (3, 3, 2), but expected (3, 2, 3) '
                'or (3, 6) to match the observation space'
            ),
        ):
            cls(**kwargs)

    @BOTH
    def test_observations_not_an_array(self, cls):
        with pytest.raises(
            ValueError,
            match='^' + esc('observations must be a numpy.ndarray, not list'),
        ):
            _make(cls, observations=np.zeros((3, 4)).tolist())

    def test_next_observations_wrong_shape(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'next_observations has shape (3, 3), but expected (3, 4) '
                'to match observations; one row per step'
            ),
        ):
            TimeStepBatch(**_tsb_kwargs(next_observations=np.zeros((3, 3), np.float32)))

    def test_next_observations_wrong_row_count(self):
        with pytest.raises(
            ValueError,
            match='^' + esc('next_observations has shape (2, 4), but expected (3, 4)'),
        ):
            TimeStepBatch(**_tsb_kwargs(next_observations=np.zeros((2, 4), np.float32)))

    def test_last_observations_wrong_shape(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'last_observations has shape (2, 5), but expected (2, 4) '
                'to match observations; one row per episode'
            ),
        ):
            EpisodeBatch(**_eb_kwargs(last_observations=np.zeros((2, 5), np.float32)))

    def test_last_observations_one_per_episode(self):
        # One row per step instead of one per episode.
        with pytest.raises(
            ValueError,
            match='^' + esc('last_observations has shape (5, 4), but expected (2, 4)'),
        ):
            EpisodeBatch(**_eb_kwargs(last_observations=np.zeros((5, 4), np.float32)))

    @BOTH
    def test_actions_wrong_shape(self, cls):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'actions has shape (3, 2), but expected (3,) or (3, 3) to '
                'match the action space Discrete(3)'
            ),
        ):
            _make(cls, actions=np.zeros((3, 2)))

    @BOTH
    def test_actions_wrong_row_count(self, cls):
        with pytest.raises(
            ValueError,
            match='^' + esc('actions has shape (2,), but expected (3,) or (3, 3)'),
        ):
            _make(cls, actions=np.zeros(2, np.int64))

    @BOTH
    def test_box_actions_wrong_shape(self, cls):
        config = BatchConfig(make_env_spec(action_space=akro.Box(-1, 1, shape=(2,))))
        kwargs = (
            time_step_batch_kwargs(3, config)
            if cls is TimeStepBatch
            else episode_batch_kwargs([1, 2], config)
        )
        kwargs['actions'] = np.zeros(3)
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'actions has shape (3,), but expected (3, 2) to match the '
                'action space Box('
            ),
        ):
            cls(**kwargs)

    @BOTH
    def test_actions_not_an_array(self, cls):
        with pytest.raises(
            ValueError, match='^' + esc('actions must be a numpy.ndarray, not list')
        ):
            _make(cls, actions=[0, 1, 2])

    @BOTH
    @pytest.mark.parametrize('shape', [(3, 1), (1, 3), ()])
    def test_rewards_not_1d(self, cls, shape):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'rewards must be a 1-D numpy.ndarray of shape (N,), got '
                'shape ' + ('()' if not shape else str(shape))
            ),
        ):
            _make(cls, rewards=np.zeros(shape))

    @BOTH
    def test_rewards_not_an_array(self, cls):
        with pytest.raises(
            ValueError,
            match='^'
            + esc('rewards must be a 1-D numpy.ndarray of shape (N,), got list'),
        ):
            _make(cls, rewards=[0.0, 1.0, 2.0])

    @BOTH
    def test_step_types_wrong_shape(self, cls):
        with pytest.raises(
            ValueError,
            match='^'
            + esc('step_types has shape (2,), but expected (3,), one per step'),
        ):
            _make(cls, step_types=np.array([0, 2], np.int8))

    @BOTH
    def test_step_types_2d(self, cls):
        with pytest.raises(
            ValueError,
            match='^' + esc('step_types has shape (3, 1), but expected (3,)'),
        ):
            _make(cls, step_types=np.array([[0], [1], [2]]))

    @BOTH
    @pytest.mark.parametrize('bad', [4, -1, 100])
    def test_step_types_bad_values(self, cls, bad):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(f'step_types must hold StepType values [0, 1, 2, 3], found {bad}'),
        ):
            _make(cls, step_types=np.array([0, bad, 2]))

    @BOTH
    def test_step_types_bad_value_that_wraps_in_int8(self, cls):
        # 258 would become 2 (TERMINAL) if cast to int8 before checking.
        with pytest.raises(ValueError, match='found 258'):
            _make(cls, step_types=np.array([0, 258, 2], np.int64))

    @BOTH
    @pytest.mark.parametrize('dtype', [np.float64, np.float32, bool])
    def test_step_types_wrong_dtype(self, cls, dtype):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(f'step_types must hold StepType values, not dtype {np.dtype(dtype)}'),
        ):
            _make(cls, step_types=np.array([0, 1, 1], dtype=dtype))

    @BOTH
    @pytest.mark.parametrize('bad', [0, 'MID', None])
    def test_step_types_object_array_with_non_step_type(self, cls, bad):
        with pytest.raises(
            ValueError,
            match='^'
            + esc('step_types of dtype object must hold only StepType members'),
        ):
            _make(
                cls,
                step_types=np.array(
                    [StepType.FIRST, bad, StepType.TERMINAL], dtype=object
                ),
            )

    @BOTH
    def test_step_types_not_an_array(self, cls):
        with pytest.raises(
            ValueError, match='^' + esc('step_types must be a numpy.ndarray, not list')
        ):
            _make(cls, step_types=[StepType.FIRST, StepType.MID, StepType.TERMINAL])

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos'])
    def test_info_leaf_wrong_row_count(self, cls, field):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                f"{field}['speed'] has shape (2, 2), but expected (3, ...): "
                'one row per step'
            ),
        ):
            _make(cls, **{field: {'speed': np.zeros((2, 2))}})

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos'])
    def test_nested_info_leaf_wrong_row_count(self, cls, field):
        infos = {
            'ok': np.zeros(3),
            'inner': {'fine': np.zeros((3, 2)), 'deep': {'vec': np.zeros((4, 3))}},
        }
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                f"{field}['inner']['deep']['vec'] has shape (4, 3), but "
                'expected (3, ...): one row per step'
            ),
        ):
            _make(cls, **{field: infos})

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos'])
    def test_info_leaf_zero_dimensional(self, cls, field):
        with pytest.raises(
            ValueError,
            match='^' + esc(f"{field}['x'] has shape (), but expected (3, ...)"),
        ):
            _make(cls, **{field: {'x': np.array(1.0)}})

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos'])
    @pytest.mark.parametrize(
        ('leaf', 'type_name'), [([1, 2, 3], 'list'), (1.5, 'float'), (None, 'NoneType')]
    )
    def test_info_non_array_leaf(self, cls, field, leaf, type_name):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                f"{field}['inner']['x'] must be a numpy.ndarray or a dict, "
                f'not {type_name}'
            ),
        ):
            _make(cls, **{field: {'inner': {'x': leaf}}})

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos'])
    def test_info_not_a_dict(self, cls, field):
        with pytest.raises(
            ValueError, match='^' + esc(f'{field} must be a dict, not list')
        ):
            _make(cls, **{field: [np.zeros(3)]})

    def test_time_step_episode_infos_one_row_per_step(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                "episode_infos['goal'] has shape (1, 2), but expected "
                '(3, ...): one row per step'
            ),
        ):
            TimeStepBatch(**_tsb_kwargs(episode_infos={'goal': np.zeros((1, 2))}))

    def test_episode_infos_one_row_per_episode(self):
        # Two episodes of 2 and 3 steps: a per-step episode_infos is wrong.
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                "episode_infos['goal'] has shape (5, 2), but expected "
                '(2, ...): one row per episode'
            ),
        ):
            EpisodeBatch(**_eb_kwargs(episode_infos={'goal': np.zeros((5, 2))}))

    def test_nested_episode_infos_wrong_row_count(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                "episode_infos['task']['id'] has shape (3,), but expected "
                '(2, ...): one row per episode'
            ),
        ):
            EpisodeBatch(**_eb_kwargs(episode_infos={'task': {'id': np.zeros(3)}}))

    def test_episode_infos_non_array_leaf(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc("episode_infos['goal'] must be a numpy.ndarray or a dict, not tuple"),
        ):
            EpisodeBatch(**_eb_kwargs(episode_infos={'goal': (1, 2)}))

    def test_lengths_do_not_add_up(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'lengths add up to 4, but the batch has 5 steps (rewards '
                'has shape (5,))'
            ),
        ):
            EpisodeBatch(**_eb_kwargs(lengths=(2, 3), new_lengths=np.array([2, 2])))

    @pytest.mark.parametrize('bad', [[0, 5], [-1, 6], [5, 0]])
    def test_lengths_below_one(self, bad):
        with pytest.raises(
            ValueError, match='^' + esc('lengths must all be at least 1')
        ):
            EpisodeBatch(**_eb_kwargs(lengths=(2, 3), new_lengths=np.array(bad)))

    def test_lengths_over_max_episode_length(self):
        config = BatchConfig(make_env_spec(max_episode_length=5))
        kwargs = episode_batch_kwargs([3, 6, 2], config)
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'lengths holds an episode of 6 steps, more than '
                'env_spec.max_episode_length=5'
            ),
        ):
            EpisodeBatch(**kwargs)

    def test_lengths_equal_to_max_episode_length_is_fine(self):
        config = BatchConfig(make_env_spec(max_episode_length=5))
        batch = make_episode_batch([5, 1, 5], config)
        assert batch.lengths.tolist() == [5, 1, 5]

    @pytest.mark.parametrize(
        'bad', [[2, 3], np.array([2.0, 3.0]), np.array([[2, 3]]), (2, 3)]
    )
    def test_lengths_not_an_integer_vector(self, bad):
        with pytest.raises(
            ValueError,
            match='^' + esc('lengths must be a 1-D integer numpy.ndarray, got'),
        ):
            EpisodeBatch(**_eb_kwargs(lengths=(2, 3), new_lengths=bad))

    @BOTH
    @pytest.mark.parametrize(
        ('bad', 'name'),
        [
            (None, 'NoneType'),
            ({'observation_space': None}, 'dict'),
            (InOutSpec(akro.Discrete(3), akro.Box(-1, 1, shape=(4,))), 'InOutSpec'),
        ],
    )
    def test_env_spec_not_an_env_spec(self, cls, bad, name):
        with pytest.raises(
            ValueError, match='^' + esc(f'env_spec must be an EnvSpec, not {name}')
        ):
            _make(cls, env_spec=bad)

    @BOTH
    def test_concatenate_nothing(self, cls):
        with pytest.raises(
            ValueError,
            match='^' + esc('concatenate() needs at least one of batches, got none'),
        ):
            cls.concatenate()

    def test_from_list_nothing(self):
        with pytest.raises(
            ValueError,
            match='^' + esc('from_list() needs at least one of paths, got none'),
        ):
            EpisodeBatch.from_list(make_env_spec(), [])

    def test_from_time_step_list_nothing(self):
        with pytest.raises(
            ValueError,
            match='^'
            + esc('from_time_step_list() needs at least one of ts_samples, got none'),
        ):
            TimeStepBatch.from_time_step_list(make_env_spec(), [])

    @BOTH
    @pytest.mark.parametrize('field', ['env_infos', 'agent_infos', 'episode_infos'])
    def test_concatenate_mismatched_info_keys(self, cls, field):
        rows = 3 if (cls is TimeStepBatch or field != 'episode_infos') else 2
        a = _make(cls, **{field: {'a': np.zeros(rows)}})
        b = _make(cls, **{field: {'b': np.zeros(rows)}})
        # The message names the field and both key sets.
        with pytest.raises(
            ValueError,
            match=esc(f'cannot concatenate the {field}') + r".*\['b'\].*\['a'\]",
        ):
            cls.concatenate(a, b)

    @BOTH
    def test_concatenate_mismatched_nested_info_keys(self, cls):
        a = _make(cls, env_infos={'outer': {'a': np.zeros(3)}})
        b = _make(cls, env_infos={'outer': {'a': np.zeros(3), 'extra': np.zeros(3)}})
        with pytest.raises(
            ValueError,
            match=esc('cannot concatenate the env_infos of the batches: ')
            + r".*\['a', 'extra'\].*\['a'\]",
        ):
            cls.concatenate(a, b)

    @pytest.mark.parametrize(
        'key',
        [
            'observations',
            'actions',
            'rewards',
            'env_infos',
            'agent_infos',
            'step_types',
        ],
    )
    def test_from_list_missing_key(self, key):
        paths = make_episode_batch([2, 3], NESTED).to_list()
        del paths[1][key]
        with pytest.raises(
            ValueError, match='^' + esc(f"paths[1] lacks the keys ['{key}']")
        ):
            EpisodeBatch.from_list(NESTED.env_spec, paths)

    def test_from_list_names_every_missing_key(self):
        paths = make_episode_batch([2], NESTED).to_list()
        del paths[0]['rewards'], paths[0]['step_types']
        with pytest.raises(
            ValueError, match=esc("paths[0] lacks the keys ['rewards', 'step_types']")
        ):
            EpisodeBatch.from_list(NESTED.env_spec, paths)

    @pytest.mark.parametrize(
        'key',
        [
            'episode_infos',
            'observations',
            'actions',
            'rewards',
            'next_observations',
            'env_infos',
            'agent_infos',
            'step_types',
        ],
    )
    def test_from_time_step_list_missing_key(self, key):
        samples = make_time_step_batch(3, NESTED).to_time_step_list()
        del samples[2][key]
        with pytest.raises(
            ValueError, match='^' + esc(f"ts_samples[2] lacks the keys ['{key}']")
        ):
            TimeStepBatch.from_time_step_list(NESTED.env_spec, samples)


# Storage forms.


class TestStorageForms:
    @BOTH
    @pytest.mark.parametrize('flat', [False, True])
    def test_2d_box_observations_shaped_or_flat(self, cls, flat):
        config = BatchConfig(make_env_spec((2, 3)), flat_obs=flat)
        batch = (
            make_time_step_batch(3, config)
            if cls is TimeStepBatch
            else make_episode_batch([1, 2], config)
        )
        assert batch.observations.shape == ((3, 6) if flat else (3, 2, 3))
        assert batch.next_observations.shape == batch.observations.shape

    @BOTH
    @pytest.mark.parametrize('one_hot', [False, True])
    def test_discrete_actions_as_indices_or_one_hot(self, cls, one_hot):
        config = BatchConfig(make_env_spec(), one_hot=one_hot)
        batch = (
            make_time_step_batch(3, config)
            if cls is TimeStepBatch
            else make_episode_batch([1, 2], config)
        )
        assert batch.actions.shape == ((3, 3) if one_hot else (3,))

    def test_one_hot_of_the_wrong_width(self):
        with pytest.raises(
            ValueError,
            match='^' + esc('actions has shape (3, 4), but expected (3,) or (3, 3)'),
        ):
            TimeStepBatch(**_tsb_kwargs(actions=np.eye(4)[:3]))

    def test_flattened_2d_observations_in_padded_and_lists(self):
        config = BatchConfig(make_env_spec((2, 3)), flat_obs=True)
        batch = make_episode_batch([1, 2], config)
        assert batch.padded_observations.shape == (2, 2, 6)
        assert [o.shape for o in batch.observations_list] == [(1, 6), (2, 6)]

    def test_step_types_stored_as_int8(self):
        batch = _make(
            TimeStepBatch,
            step_types=np.array(
                [StepType.FIRST, StepType.MID, StepType.TIMEOUT], dtype=object
            ),
        )
        assert batch.step_types.dtype == np.int8
        assert batch.step_types.tolist() == [0, 1, 3]
        assert batch.step_types[2] == StepType.TIMEOUT

    @pytest.mark.parametrize('dtype', [np.int64, np.uint8, np.int16])
    def test_integer_step_types_stored_as_int8(self, dtype):
        batch = _make(EpisodeBatch, step_types=np.array([3, 0, 2], dtype=dtype))
        assert batch.step_types.dtype == np.int8
        assert batch.step_types.tolist() == [3, 0, 2]

    def test_mixed_storage_forms_in_one_batch(self):
        # Observations shaped, last_observations flattened: both are
        # accepted one by one, so next_observations must still work (or
        # the constructor must reject the mix with a clear message).
        config = BatchConfig(make_env_spec((2, 3)))
        kwargs = episode_batch_kwargs([1, 2], config)
        kwargs['last_observations'] = kwargs['last_observations'].reshape(2, 6)
        try:
            batch = EpisodeBatch(**kwargs)
        except ValueError as e:
            message = str(e)
        else:
            message = None
        if message is not None:
            assert 'last_observations has shape (2, 6)' in message
        else:
            next_obs = batch.next_observations
            np.testing.assert_array_equal(
                next_obs.reshape(3, 6)[[0, 2]], kwargs['last_observations']
            )

    @BOTH
    def test_concatenate_mixed_storage_forms(self, cls):
        """A flattened and a shaped batch cannot be concatenated."""

        def make(flat):
            config = BatchConfig(make_env_spec((2, 3)), flat_obs=flat)
            return (
                make_time_step_batch(3, config)
                if cls is TimeStepBatch
                else make_episode_batch([1, 2], config)
            )

        with pytest.raises(
            ValueError,
            match=esc(
                'cannot concatenate the observations of the batches: batch 1 '
                'has shape (3, 2, 3), but batch 0 has (3, 6)'
            ),
        ):
            cls.concatenate(make(True), make(False))

    def test_dict_space_observations_are_flattened(self):
        obs_space = akro.Dict(
            {'pos': akro.Box(-1, 1, shape=(2,)), 'mode': akro.Discrete(3)}
        )
        spec = EnvSpec(obs_space, akro.Discrete(2))
        kwargs = _tsb_kwargs(
            env_spec=spec,
            observations=np.zeros((3, 5)),
            next_observations=np.zeros((3, 5)),
            actions=np.zeros(3, np.int64),
        )
        assert TimeStepBatch(**kwargs).observations.shape == (3, 5)
        kwargs['observations'] = np.zeros((3, 2))
        with pytest.raises(
            ValueError,
            match='^' + esc('observations has shape (3, 2), but expected (3, 5)'),
        ):
            TimeStepBatch(**kwargs)

    @BOTH
    def test_concatenate_dict_against_array_info(self, cls):
        a = _make(cls, env_infos={'x': {'y': np.zeros(3)}})
        b = _make(cls, env_infos={'x': np.zeros(3)})
        with pytest.raises(
            ValueError,
            match=esc('cannot concatenate the env_infos of the batches: ') + r".*'x'",
        ):
            cls.concatenate(a, b)


# Frozenness, pickling and repr.


class TestFrozenPickleRepr:
    @BOTH
    @pytest.mark.parametrize(
        'field', ['observations', 'rewards', 'env_infos', 'step_types', 'env_spec']
    )
    def test_frozen(self, cls, field):
        batch = _make(cls)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(batch, field, None)
        assert getattr(batch, field) is not None

    @pytest.mark.parametrize(
        'field',
        [
            'lengths',
            'last_observations',
            'episode_infos_by_episode',
            'next_observations',
            'episode_infos',
        ],
    )
    def test_episode_batch_fields_frozen(self, field):
        batch = _make(EpisodeBatch)
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(batch, field, None)

    @BOTH
    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickle(self, cls, dumps):
        batch = _make(cls)
        restored = pickle.loads(dumps(batch))
        if cls is TimeStepBatch:
            assert_time_step_batches_equal(restored, batch)
        else:
            assert_episode_batches_equal(restored, batch)
        with pytest.raises(dataclasses.FrozenInstanceError):
            restored.rewards = None

    def test_a_batch_pickled_before_identities_loads_with_unknown_ones(self):
        batch = _make(EpisodeBatch)
        old = object.__new__(EpisodeBatch)
        old.__dict__.update(
            {k: v for k, v in batch.__dict__.items() if k != 'identities'}
        )
        restored = pickle.loads(pickle.dumps(old))
        assert (restored.identities['worker'] == -1).all()
        assert len(restored.identities) == len(batch.lengths)
        assert_episode_batches_equal(
            dataclasses.replace(restored, identities=batch.identities), batch
        )

    @BOTH
    def test_repr_does_not_dump_arrays(self, cls):
        batch = _make(cls, rewards=np.full(3, 123456.789))
        text = repr(batch)
        assert text.startswith(cls.__name__ + '(')
        assert '123456' not in text
        assert 'rewards=array(shape=(3,), float64)' in text
        assert 'observations=array(shape=(3, 4), float32)' in text
        # Keys of info dicts are shown, their values are not.
        assert "env_infos={'speed', 'flag', 'inner'}" in text
        assert len(text) < 1500

    def test_episode_batch_repr_shows_stored_fields_only(self):
        text = repr(_make(EpisodeBatch))
        assert 'lengths=array(shape=(2,), int64)' in text
        assert 'last_observations=array(shape=(2, 4), float32)' in text
        assert 'next_observations' not in text
        assert 'episode_infos_by_episode=' in text

    def test_repr_of_a_large_batch_is_short(self):
        batch = make_episode_batch([100] * 100)
        assert len(repr(batch)) < 1000


# TimeStepBatch operations.


def _expected_slice(tree, i):
    if isinstance(tree, dict):
        return {k: _expected_slice(v, i) for k, v in tree.items()}
    return tree[i : i + 1]


class TestTimeStepBatch:
    @given(time_step_batches())
    def test_split_concatenate_round_trip(self, batch):
        pieces = batch.split()
        assert len(pieces) == len(batch.rewards)
        for i, piece in enumerate(pieces):
            assert type(piece) is TimeStepBatch
            assert piece.env_spec is batch.env_spec
            for name in (
                'episode_infos',
                'observations',
                'actions',
                'rewards',
                'next_observations',
                'env_infos',
                'agent_infos',
                'step_types',
            ):
                assert_tree_equal(
                    getattr(piece, name), _expected_slice(getattr(batch, name), i)
                )
        assert_time_step_batches_equal(TimeStepBatch.concatenate(*pieces), batch)

    @given(time_step_batches())
    def test_time_step_list_round_trip(self, batch):
        samples = batch.to_time_step_list()
        assert len(samples) == len(batch.rewards)
        for i, sample in enumerate(samples):
            assert set(sample) == {
                'episode_infos',
                'observations',
                'actions',
                'rewards',
                'next_observations',
                'env_infos',
                'agent_infos',
                'step_types',
            }
            assert sample['rewards'].shape == (1,)
            assert_tree_equal(sample['env_infos'], _expected_slice(batch.env_infos, i))
        restored = TimeStepBatch.from_time_step_list(batch.env_spec, samples)
        assert_time_step_batches_equal(restored, batch)

    @given(time_step_batch_groups())
    def test_concatenate(self, batches):
        result = TimeStepBatch.concatenate(*batches)
        for name in (
            'observations',
            'actions',
            'rewards',
            'next_observations',
            'step_types',
        ):
            np.testing.assert_array_equal(
                getattr(result, name),
                np.concatenate([getattr(b, name) for b in batches]),
            )
        # Concatenating then splitting gives every step back in order.
        steps = [s for b in batches for s in b.split()]
        for got, want in zip(result.split(), steps, strict=True):
            assert_time_step_batches_equal(got, want)

    @given(time_step_batch_groups(min_size=2))
    def test_from_time_step_list_of_multi_step_samples(self, batches):
        samples = [
            {
                k: getattr(b, k)
                for k in (
                    'episode_infos',
                    'observations',
                    'actions',
                    'rewards',
                    'next_observations',
                    'env_infos',
                    'agent_infos',
                    'step_types',
                )
            }
            for b in batches
        ]
        restored = TimeStepBatch.from_time_step_list(batches[0].env_spec, samples)
        assert_time_step_batches_equal(restored, TimeStepBatch.concatenate(*batches))

    def test_concatenate_one_batch(self):
        batch = make_time_step_batch(4, NESTED)
        assert_time_step_batches_equal(TimeStepBatch.concatenate(batch), batch)

    def test_terminals(self):
        batch = _make(
            TimeStepBatch,
            step_types=np.array([StepType.TERMINAL, StepType.TIMEOUT, StepType.FIRST]),
        )
        assert batch.terminals.dtype == bool
        assert batch.terminals.tolist() == [True, False, False]

    @given(time_step_batches())
    def test_terminals_property(self, batch):
        np.testing.assert_array_equal(
            batch.terminals, [s == StepType.TERMINAL for s in batch.step_types]
        )

    def test_from_episode_batch(self):
        """TimeStepBatch.concatenate accepts EpisodeBatches."""
        episodes = make_episode_batch([2, 3], NESTED)
        steps = TimeStepBatch.concatenate(episodes)
        assert type(steps) is TimeStepBatch
        np.testing.assert_array_equal(
            steps.next_observations, episodes.next_observations
        )
        assert_tree_equal(steps.episode_infos, episodes.episode_infos)


# EpisodeBatch operations.


def _bounds(lengths):
    stops = np.cumsum(lengths)
    return list(zip((stops - lengths).tolist(), stops.tolist(), strict=True))


def _naive_next_observations(batch):
    rows = []
    for i, (start, stop) in enumerate(_bounds(batch.lengths)):
        for t in range(start, stop):
            rows.append(
                batch.observations[t + 1]
                if t + 1 < stop
                else batch.last_observations[i]
            )
    return np.array(rows, dtype=batch.observations.dtype).reshape(
        batch.observations.shape
    )


def _naive_pad(array, lengths, max_length):
    out = np.zeros((len(lengths), max_length, *array.shape[1:]), dtype=array.dtype)
    for i, (start, stop) in enumerate(_bounds(lengths)):
        for t in range(stop - start):
            out[i, t] = array[start + t]
    return out


def _naive_pad_tree(tree, lengths, max_length):
    if isinstance(tree, dict):
        return {k: _naive_pad_tree(v, lengths, max_length) for k, v in tree.items()}
    return _naive_pad(tree, lengths, max_length)


def _naive_repeat(tree, lengths):
    if isinstance(tree, dict):
        return {k: _naive_repeat(v, lengths) for k, v in tree.items()}
    rows = [tree[i] for i, n in enumerate(lengths) for _ in range(n)]
    return np.array(rows, dtype=tree.dtype).reshape(
        (int(np.sum(lengths)), *tree.shape[1:])
    )


def _slice_tree(tree, start, stop):
    if isinstance(tree, dict):
        return {k: _slice_tree(v, start, stop) for k, v in tree.items()}
    return tree[start:stop]


def _as_arrays(tree):
    if isinstance(tree, dict):
        return {k: _as_arrays(v) for k, v in tree.items()}
    assert isinstance(tree, np.ndarray | np.generic), type(tree)
    return np.asarray(tree)


def _index_tree(tree, i):
    if isinstance(tree, dict):
        return {k: _index_tree(v, i) for k, v in tree.items()}
    return tree[i]


class TestEpisodeBatch:
    @given(episode_batches())
    def test_split_concatenate_round_trip(self, batch):
        pieces = batch.split()
        assert len(pieces) == len(batch.lengths)
        for i, ((start, stop), piece) in enumerate(
            zip(_bounds(batch.lengths), pieces, strict=True)
        ):
            assert type(piece) is EpisodeBatch
            assert piece.env_spec is batch.env_spec
            assert piece.lengths.tolist() == [stop - start]
            np.testing.assert_array_equal(
                piece.observations, batch.observations[start:stop]
            )
            np.testing.assert_array_equal(
                piece.last_observations, batch.last_observations[i : i + 1]
            )
            assert_tree_equal(
                piece.env_infos, _slice_tree(batch.env_infos, start, stop)
            )
            assert_tree_equal(
                piece.agent_infos, _slice_tree(batch.agent_infos, start, stop)
            )
            assert_tree_equal(
                piece.episode_infos_by_episode,
                _slice_tree(batch.episode_infos_by_episode, i, i + 1),
            )
            np.testing.assert_array_equal(
                piece.next_observations, batch.next_observations[start:stop]
            )
        assert_episode_batches_equal(EpisodeBatch.concatenate(*pieces), batch)

    def test_split_shares_memory(self):
        batch = make_episode_batch([2, 3], NESTED)
        second = batch.split()[1]
        assert np.shares_memory(second.observations, batch.observations)
        assert np.shares_memory(
            second.env_infos['inner']['deep']['vec'],
            batch.env_infos['inner']['deep']['vec'],
        )

    @given(episode_batch_groups())
    def test_concatenate(self, batches):
        result = EpisodeBatch.concatenate(*batches)
        assert result.lengths.tolist() == [
            n for b in batches for n in b.lengths.tolist()
        ]
        for name in (
            'observations',
            'last_observations',
            'actions',
            'rewards',
            'step_types',
            'next_observations',
        ):
            np.testing.assert_array_equal(
                getattr(result, name),
                np.concatenate([getattr(b, name) for b in batches]),
            )
        episodes = [e for b in batches for e in b.split()]
        for got, want in zip(result.split(), episodes, strict=True):
            assert_episode_batches_equal(got, want)

    @given(episode_batches())
    def test_from_list_to_list_round_trip(self, batch):
        paths = batch.to_list()
        assert len(paths) == len(batch.lengths)
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        assert_episode_batches_equal(restored, batch)

    @given(episode_batches())
    def test_to_list_contents(self, batch):
        paths = batch.to_list()
        next_obs = _naive_next_observations(batch)
        for i, ((start, stop), path) in enumerate(
            zip(_bounds(batch.lengths), paths, strict=True)
        ):
            assert set(path) == {
                'episode_infos',
                'observations',
                'next_observations',
                'actions',
                'rewards',
                'env_infos',
                'agent_infos',
                'step_types',
                'identity',
            }
            assert path['identity'] == batch.identities[i]
            np.testing.assert_array_equal(
                path['observations'], batch.observations[start:stop]
            )
            np.testing.assert_array_equal(
                path['next_observations'], next_obs[start:stop]
            )
            np.testing.assert_array_equal(path['actions'], batch.actions[start:stop])
            np.testing.assert_array_equal(path['rewards'], batch.rewards[start:stop])
            np.testing.assert_array_equal(
                path['step_types'], batch.step_types[start:stop]
            )
            assert_tree_equal(
                path['env_infos'], _slice_tree(batch.env_infos, start, stop)
            )
            assert_tree_equal(
                path['agent_infos'], _slice_tree(batch.agent_infos, start, stop)
            )
            # One episode's values, without the episode dimension (a
            # leaf of shape (N,) gives a NumPy scalar).
            assert_tree_equal(
                _as_arrays(path['episode_infos']),
                _index_tree(batch.episode_infos_by_episode, i),
            )

    @given(episode_batches())
    def test_next_observations(self, batch):
        np.testing.assert_array_equal(
            batch.next_observations, _naive_next_observations(batch)
        )
        assert batch.next_observations.dtype == batch.observations.dtype

    @given(episode_batches())
    def test_padded_and_valids(self, batch):
        lengths = batch.lengths
        max_length = batch.env_spec.max_episode_length or int(lengths.max())
        for name, source in [
            ('padded_observations', batch.observations),
            ('padded_actions', batch.actions),
            ('padded_rewards', batch.rewards),
            ('padded_next_observations', batch.next_observations),
            ('padded_step_types', batch.step_types),
        ]:
            assert_tree_equal(
                getattr(batch, name), _naive_pad(source, lengths, max_length)
            )
        assert_tree_equal(
            batch.padded_env_infos,
            _naive_pad_tree(batch.env_infos, lengths, max_length),
        )
        assert_tree_equal(
            batch.padded_agent_infos,
            _naive_pad_tree(batch.agent_infos, lengths, max_length),
        )
        expected_valids = np.zeros((len(lengths), max_length), dtype=bool)
        for i, n in enumerate(lengths):
            expected_valids[i, :n] = True
        assert_tree_equal(batch.valids, expected_valids)

    def test_padding_uses_max_episode_length(self):
        config = BatchConfig(make_env_spec(max_episode_length=7))
        batch = make_episode_batch([2, 3], config)
        assert batch.padded_observations.shape == (2, 7, 4)
        assert batch.padded_rewards.shape == (2, 7)
        assert batch.valids.shape == (2, 7)
        assert batch.valids.sum() == 5

    def test_padding_without_max_episode_length_uses_longest(self):
        batch = make_episode_batch([2, 3])
        assert batch.padded_observations.shape == (2, 3, 4)
        assert batch.valids.tolist() == [[True, True, False], [True, True, True]]

    @given(episode_batches())
    def test_episode_infos_repeat_per_step(self, batch):
        assert_tree_equal(
            batch.episode_infos,
            _naive_repeat(batch.episode_infos_by_episode, batch.lengths.tolist()),
        )

    @given(episode_batches())
    def test_observations_and_actions_lists(self, batch):
        bounds = _bounds(batch.lengths)
        obs_list, act_list = batch.observations_list, batch.actions_list
        assert len(obs_list) == len(act_list) == len(bounds)
        for (start, stop), obs, act in zip(bounds, obs_list, act_list, strict=True):
            assert_tree_equal(obs, batch.observations[start:stop])
            assert_tree_equal(act, batch.actions[start:stop])

    @given(episode_batches())
    def test_to_time_step_list(self, batch):
        samples = batch.to_time_step_list()
        steps = TimeStepBatch.from_time_step_list(batch.env_spec, samples)
        assert type(steps) is TimeStepBatch
        np.testing.assert_array_equal(steps.next_observations, batch.next_observations)
        assert_tree_equal(steps.episode_infos, batch.episode_infos)
        assert_tree_equal(steps.env_infos, batch.env_infos)

    def test_from_time_step_list_on_episode_batch_gives_time_steps(self):
        batch = make_episode_batch([2, 1])
        steps = EpisodeBatch.from_time_step_list(
            batch.env_spec, batch.to_time_step_list()
        )
        assert type(steps) is TimeStepBatch
        np.testing.assert_array_equal(steps.rewards, batch.rewards)

    def test_terminals(self):
        batch = make_episode_batch([1, 2])
        np.testing.assert_array_equal(
            batch.terminals, batch.step_types == StepType.TERMINAL
        )

    def test_concatenate_one_batch(self):
        batch = make_episode_batch([3, 1], NESTED)
        assert_episode_batches_equal(EpisodeBatch.concatenate(batch), batch)

    def test_zero_episodes(self):
        batch = make_episode_batch([])
        assert batch.split() == []
        assert batch.to_list() == []
        assert batch.next_observations.shape == (0, 4)
        assert batch.observations_list == []
        assert batch.actions_list == []


class TestFromList:
    """The three ways from_list finds each episode's last observation."""

    @staticmethod
    def _paths():
        batch = make_episode_batch([2, 3], NESTED)
        return batch, batch.to_list()

    def test_t_plus_one_observations(self):
        batch, paths = self._paths()
        for path, last in zip(paths, batch.last_observations, strict=True):
            path['observations'] = np.concatenate(
                [path['observations'], last[np.newaxis]]
            )
            path['next_observations'] = np.zeros_like(
                path['next_observations']
            )  # ignored
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        assert_episode_batches_equal(restored, batch)

    def test_next_observations_key(self):
        batch, paths = self._paths()
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        np.testing.assert_array_equal(
            restored.last_observations, batch.last_observations
        )
        np.testing.assert_array_equal(restored.observations, batch.observations)

    def test_neither_duplicates_the_last_observation(self):
        batch, paths = self._paths()
        for path in paths:
            del path['next_observations']
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        np.testing.assert_array_equal(
            restored.last_observations, batch.observations[np.cumsum(batch.lengths) - 1]
        )
        np.testing.assert_array_equal(restored.observations, batch.observations)

    def test_without_episode_infos(self):
        batch, paths = self._paths()
        for path in paths:
            del path['episode_infos']
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        assert restored.episode_infos_by_episode == {}
        assert restored.episode_infos == {}

    def test_list_valued_fields(self):
        """Paths built by hand with lists and StepType members."""
        spec = make_env_spec((2,), max_episode_length=3)
        paths = [
            {
                'observations': [[0, 0], [1, 1], [2, 2]],
                'actions': np.array([0, 1]),
                'rewards': [1.0, 2.0],
                'env_infos': {'x': [5, 6]},
                'agent_infos': {},
                'step_types': [StepType.FIRST, StepType.TERMINAL],
            }
        ]
        batch = EpisodeBatch.from_list(spec, paths)
        assert batch.lengths.tolist() == [2]
        assert batch.last_observations.tolist() == [[2, 2]]
        assert batch.step_types.tolist() == [0, 2]
        assert batch.env_infos['x'].tolist() == [5, 6]

    @given(
        episode_batches(),
        st.lists(st.sampled_from(['t+1', 'next', 'neither']), min_size=6, max_size=6),
    )
    def test_mixed_forms(self, batch, forms):
        paths = batch.to_list()
        expected_last = batch.last_observations.copy()
        for i, (path, form) in enumerate(zip(paths, forms, strict=False)):
            if form == 't+1':
                path['observations'] = np.concatenate(
                    [path['observations'], batch.last_observations[i : i + 1]]
                )
                del path['next_observations']
            elif form == 'neither':
                del path['next_observations']
                expected_last[i] = path['observations'][-1]
        restored = EpisodeBatch.from_list(batch.env_spec, paths)
        np.testing.assert_array_equal(restored.last_observations, expected_last)
        np.testing.assert_array_equal(restored.observations, batch.observations)


# Speed contract.


def test_million_steps():
    """Whole-array operations on 10,000 episodes of 100 steps."""
    n_eps, length, obs_dim = 10_000, 100, 4
    n = n_eps * length
    spec = make_env_spec((obs_dim,), max_episode_length=length)
    rng = np.random.default_rng(0)
    step_types = np.full((n_eps, length), StepType.MID, np.int8)
    step_types[:, 0] = StepType.FIRST
    step_types[:, -1] = StepType.TIMEOUT
    kwargs = dict(
        env_spec=spec,
        episode_infos={'goal': rng.standard_normal((n_eps, 2))},
        observations=rng.standard_normal((n, obs_dim)).astype(np.float32),
        last_observations=rng.standard_normal((n_eps, obs_dim)).astype(np.float32),
        actions=rng.integers(0, 3, n),
        rewards=rng.standard_normal(n),
        env_infos={'x': np.zeros(n), 'nested': {'y': np.ones((n, 2))}},
        agent_infos={'logp': np.zeros(n)},
        step_types=step_types.reshape(-1),
        lengths=np.full(n_eps, length),
    )
    batch = EpisodeBatch(**kwargs)
    both = EpisodeBatch.concatenate(batch, batch)
    assert both.lengths.shape == (2 * n_eps,)
    assert len(both.rewards) == 2 * n
    padded = batch.padded_observations
    assert padded.shape == (n_eps, length, obs_dim)
    np.testing.assert_array_equal(padded[-1], kwargs['observations'][-100:])
    next_obs = batch.next_observations
    np.testing.assert_array_equal(next_obs[length - 1], kwargs['last_observations'][0])
    np.testing.assert_array_equal(
        next_obs[: length - 1], kwargs['observations'][1:length]
    )
    infos = batch.episode_infos
    assert infos['goal'].shape == (n, 2)
    np.testing.assert_array_equal(
        infos['goal'][length], kwargs['episode_infos']['goal'][1]
    )


@settings(max_examples=10)
@given(episode_batches(max_episodes=3))
def test_episode_batch_pickle_round_trip(batch):
    assert_episode_batches_equal(pickle.loads(cloudpickle.dumps(batch)), batch)


# Each batch its own dataclass; dataclasses.replace.


class TestSeparateTypes:
    def test_an_episode_batch_is_not_a_time_step_batch(self):
        assert not isinstance(make_episode_batch([2]), TimeStepBatch)
        assert not issubclass(TimeStepBatch, EpisodeBatch)

    def test_episode_batch_fields_are_the_stored_ones(self):
        names = [f.name for f in dataclasses.fields(EpisodeBatch)]
        assert names == [
            'env_spec',
            'episode_infos_by_episode',
            'observations',
            'last_observations',
            'actions',
            'rewards',
            'env_infos',
            'agent_infos',
            'step_types',
            'lengths',
            'identities',
        ]

    def test_to_time_step_batch(self):
        episodes = make_episode_batch([2, 3], NESTED)
        steps = episodes.to_time_step_batch()
        assert type(steps) is TimeStepBatch
        np.testing.assert_array_equal(
            steps.next_observations, _naive_next_observations(episodes)
        )
        assert_tree_equal(steps.episode_infos, episodes.episode_infos)
        for name in ('observations', 'actions', 'rewards', 'step_types'):
            np.testing.assert_array_equal(getattr(steps, name), getattr(episodes, name))
        assert_tree_equal(steps.env_infos, episodes.env_infos)
        assert_tree_equal(steps.agent_infos, episodes.agent_infos)


class TestReplace:
    def test_time_step_batch(self):
        batch = make_time_step_batch(3, NESTED)
        replaced = dataclasses.replace(batch, rewards=np.arange(3.0))
        assert type(replaced) is TimeStepBatch
        np.testing.assert_array_equal(replaced.rewards, [0, 1, 2])
        assert replaced.observations is batch.observations
        assert replaced.episode_infos is batch.episode_infos

    def test_episode_batch(self):
        batch = make_episode_batch([2, 3], NESTED)
        replaced = dataclasses.replace(batch, rewards=np.arange(5.0))
        assert type(replaced) is EpisodeBatch
        np.testing.assert_array_equal(replaced.rewards, np.arange(5.0))
        assert replaced.episode_infos_by_episode is batch.episode_infos_by_episode
        assert replaced.identities is batch.identities
        np.testing.assert_array_equal(replaced.lengths, [2, 3])
        assert_tree_equal(replaced.episode_infos, batch.episode_infos)

    def test_episode_batch_checks_the_replacement(self):
        batch = make_episode_batch([2, 3])
        with pytest.raises(
            ValueError,
            match='^'
            + esc('rewards has shape (4,), but expected (5,); one row per step'),
        ):
            dataclasses.replace(batch, rewards=np.zeros(4))

    def test_episode_infos_by_their_stored_name(self):
        batch = make_episode_batch([2, 3])
        replaced = dataclasses.replace(
            batch, episode_infos_by_episode={'goal': np.array([1, 2])}
        )
        np.testing.assert_array_equal(replaced.episode_infos['goal'], [1, 1, 2, 2, 2])

    def test_episode_infos_by_both_names_is_a_type_error(self):
        batch = make_episode_batch([2, 3])
        with pytest.raises(TypeError, match=esc('episode_infos_by_episode=...')):
            dataclasses.replace(batch, episode_infos={'goal': np.array([1, 2])})

    def test_identities(self):
        batch = make_episode_batch([2, 3])
        identities = EpisodeBatch.make_identities(worker=1, env=[0, 1], episode=5)
        replaced = dataclasses.replace(batch, identities=identities)
        assert replaced.identities.tolist() == [(1, 0, 5, 0), (1, 1, 5, 0)]

    def test_missing_arguments_are_a_type_error(self):
        kwargs = episode_batch_kwargs([2])
        del kwargs['rewards'], kwargs['episode_infos']
        with pytest.raises(
            TypeError, match=esc("missing the arguments ['episode_infos', 'rewards']")
        ):
            EpisodeBatch(**kwargs)

    def test_positional_arguments_in_the_documented_order(self):
        kwargs = episode_batch_kwargs([2, 1])
        del kwargs['identities']
        batch = EpisodeBatch(*kwargs.values())
        assert_tree_equal(batch.lengths, kwargs['lengths'])


# The step count comes from lengths; errors name the bad field.


class TestBadFieldNamed:
    def test_rewards_of_the_wrong_length(self):
        kwargs = episode_batch_kwargs([3, 4], config=BatchConfig(make_env_spec((3,))))
        with pytest.raises(
            ValueError,
            match='^'
            + esc('rewards has shape (4,), but expected (7,); one row per step'),
        ):
            EpisodeBatch(**{**kwargs, 'rewards': np.zeros(4)})

    @pytest.mark.parametrize('field', ['observations', 'actions', 'step_types'])
    def test_other_step_fields_of_the_wrong_length(self, field):
        kwargs = episode_batch_kwargs([3, 4])
        kwargs[field] = kwargs[field][:4]
        with pytest.raises(ValueError, match=f'^{field} has shape \\(4'):
            EpisodeBatch(**kwargs)

    @pytest.mark.parametrize(
        'field', ['rewards', 'observations', 'actions', 'step_types']
    )
    def test_time_step_batch_names_the_odd_one_out(self, field):
        kwargs = time_step_batch_kwargs(5)
        kwargs[field] = kwargs[field][:2]
        with pytest.raises(ValueError, match=f'^{field} has shape \\(2'):
            TimeStepBatch(**kwargs)


# Episode identities.


class TestIdentities:
    def test_unknown_by_default(self):
        kwargs = episode_batch_kwargs([2, 3])
        del kwargs['identities']
        batch = EpisodeBatch(**kwargs)
        assert batch.identities.dtype == IDENTITY_DTYPE
        assert batch.identities.tolist() == [(-1, -1, -1, -1)] * 2

    def test_make_identities_of_one_episode(self):
        identities = EpisodeBatch.make_identities(worker=1, env=2, episode=3)
        assert identities.tolist() == [(1, 2, 3, 0)]

    def test_make_identities_broadcasts(self):
        identities = EpisodeBatch.make_identities(
            worker=2, env=np.array([0, 1, 1]), episode=[4, 0, 1], fragment=np.int64(3)
        )
        assert identities.dtype == IDENTITY_DTYPE
        assert identities.tolist() == [(2, 0, 4, 3), (2, 1, 0, 3), (2, 1, 1, 3)]
        assert identities['env'].tolist() == [0, 1, 1]

    def test_survive_concatenate_and_split(self):
        a, b = make_episode_batch([2, 1], seed=1), make_episode_batch([3], seed=2)
        joined = EpisodeBatch.concatenate(a, b)
        expected = a.identities.tolist() + b.identities.tolist()
        assert joined.identities.tolist() == expected
        assert [p.identities.tolist()[0] for p in joined.split()] == expected

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_survive_pickling(self, dumps):
        batch = EpisodeBatch.concatenate(
            make_episode_batch([2], seed=1), make_episode_batch([3, 1], seed=2)
        )
        restored = pickle.loads(dumps(batch))
        assert restored.identities.dtype == IDENTITY_DTYPE
        assert restored.identities.tolist() == batch.identities.tolist()

    def test_from_list_without_identity_is_unknown(self):
        paths = make_episode_batch([2, 3]).to_list()
        del paths[1]['identity']
        paths[0]['identity'] = (1, 2, 3, 4)
        restored = EpisodeBatch.from_list(make_env_spec(), paths)
        assert restored.identities.tolist() == [(1, 2, 3, 4), (-1, -1, -1, -1)]

    def test_concatenate_mixes_known_and_unknown(self):
        kwargs = episode_batch_kwargs([2])
        del kwargs['identities']
        unknown = EpisodeBatch(**kwargs)
        known = dataclasses.replace(
            unknown, identities=EpisodeBatch.make_identities(worker=0, env=0, episode=0)
        )
        joined = EpisodeBatch.concatenate(known, unknown)
        assert joined.identities.tolist() == [(0, 0, 0, 0), (-1, -1, -1, -1)]

    @pytest.mark.parametrize(
        'bad',
        [
            np.zeros(2, np.int64),
            np.zeros((2, 4), np.int64),
            np.zeros(3, IDENTITY_DTYPE),
            [(0, 0, 0, 0)] * 2,
        ],
    )
    def test_wrong_form(self, bad):
        with pytest.raises(
            ValueError,
            match='^'
            + esc('identities must be a numpy.ndarray of shape (2,), one per episode'),
        ):
            EpisodeBatch(**_eb_kwargs(identities=bad))

    def test_partly_unknown(self):
        bad = EpisodeBatch.make_identities(worker=[0, -1], env=0, episode=0)
        with pytest.raises(
            ValueError,
            match='^'
            + esc(
                'identities must have every field at least 0, or -1 in every '
                'field for an unknown identity, got (-1, 0, 0, 0)'
            ),
        ):
            EpisodeBatch(**_eb_kwargs(identities=bad))

    def test_repr_names_the_identity_dtype(self):
        assert 'identities=array(shape=(2,), identity)' in repr(
            make_episode_batch([1, 2])
        )
