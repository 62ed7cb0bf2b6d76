import pickle

import cloudpickle
import numpy as np
import pytest

from garage import StepType
from garage._legacy_gym import akro
from garage.envs import GridWorldEnv

LEFT, DOWN, RIGHT, UP = range(4)


def run_actions(env, actions):
    env.reset()
    return [env.step(a) for a in actions]


class TestSpaces:
    @pytest.mark.parametrize(
        ('desc', 'n_cells'), [('4x4', 16), ('4x4_safe', 16), ('8x8', 64), ('chain', 29)]
    )
    def test_named_maps(self, desc, n_cells):
        env = GridWorldEnv(desc=desc)
        assert isinstance(env.observation_space, akro.Discrete)
        assert env.observation_space.n == n_cells
        assert env.action_space.n == 4
        assert env.spec.max_episode_length is None

    def test_max_episode_length(self):
        assert GridWorldEnv(max_episode_length=3).spec.max_episode_length == 3

    def test_reset_to_start(self):
        obs, episode_info = GridWorldEnv(desc='chain').reset()
        assert obs == 14
        assert episode_info == {}


class TestMoves:
    def test_actions_move_left_down_right_up(self):
        env = GridWorldEnv(desc=['FFF', 'FSF', 'FFF'])
        for action, cell in [(LEFT, 3), (DOWN, 7), (RIGHT, 5), (UP, 1)]:
            env.reset()
            assert env.step(action).observation == cell

    def test_off_grid_stays_put(self):
        steps = run_actions(GridWorldEnv(desc='4x4'), [LEFT, UP])
        assert [s.observation for s in steps] == [0, 0]
        assert all(s.reward == 0.0 for s in steps)

    def test_wall_blocks(self):
        # '4x4_safe' has a wall below cell 1 (cell 5).
        steps = run_actions(GridWorldEnv(desc='4x4_safe'), [RIGHT, DOWN])
        assert [s.observation for s in steps] == [1, 1]

    def test_accepts_numpy_integers(self):
        env = GridWorldEnv()
        env.reset()
        assert env.step(np.int64(RIGHT)).observation == 1
        assert env.step(np.array(DOWN)).observation == 5


class TestEpisodes:
    def test_goal_ends_with_reward_one(self):
        steps = run_actions(
            GridWorldEnv(desc='4x4_safe'), [DOWN, DOWN, RIGHT, RIGHT, DOWN, RIGHT]
        )
        assert [s.observation for s in steps] == [4, 8, 9, 10, 14, 15]
        assert [s.reward for s in steps] == [0.0] * 5 + [1.0]
        assert [s.step_type for s in steps] == (
            [StepType.FIRST] + [StepType.MID] * 4 + [StepType.TERMINAL]
        )

    def test_hole_ends_with_reward_zero(self):
        steps = run_actions(GridWorldEnv(desc='4x4'), [DOWN, RIGHT])
        assert steps[-1].observation == 5
        assert steps[-1].reward == 0.0
        assert steps[-1].step_type == StepType.TERMINAL

    def test_timeout(self):
        steps = run_actions(GridWorldEnv(max_episode_length=3), [LEFT, LEFT, LEFT])
        assert [s.step_type for s in steps] == [
            StepType.FIRST,
            StepType.MID,
            StepType.TIMEOUT,
        ]

    def test_terminal_beats_timeout_on_last_step(self):
        steps = run_actions(
            GridWorldEnv(desc='4x4', max_episode_length=2), [DOWN, RIGHT]
        )
        assert steps[-1].step_type == StepType.TERMINAL

    def test_chain_has_goals_at_both_ends(self):
        env = GridWorldEnv(desc='chain')
        steps = run_actions(env, [LEFT] * 14)
        assert steps[-1].observation == 0
        assert steps[-1].reward == 1.0
        assert steps[-1].terminal
        steps = run_actions(env, [RIGHT] * 14)
        assert steps[-1].observation == 28
        assert steps[-1].terminal

    def test_aliases(self):
        env = GridWorldEnv(desc=['S.x', '.oG'])
        steps = run_actions(env, [RIGHT, RIGHT, DOWN])
        assert [s.observation for s in steps] == [1, 1, 4]
        assert steps[-1].terminal
        assert steps[-1].reward == 0.0


class TestErrors:
    def test_unknown_map_name(self):
        with pytest.raises(ValueError, match="unknown map '5x5'; the maps"):
            GridWorldEnv(desc='5x5')

    def test_no_start(self):
        with pytest.raises(ValueError, match="exactly one start 'S', found 0"):
            GridWorldEnv(desc=['FF', 'FG'])

    def test_two_starts(self):
        with pytest.raises(ValueError, match="exactly one start 'S', found 2"):
            GridWorldEnv(desc=['SF', 'SG'])

    def test_ragged_rows(self):
        with pytest.raises(ValueError, match=r'same length, got lengths \[2, 3\]'):
            GridWorldEnv(desc=['SF', 'FFG'])

    def test_unknown_characters(self):
        with pytest.raises(ValueError, match=r"unknown characters \['Q', 'z'\]"):
            GridWorldEnv(desc=['SQ', 'zG'])

    def test_empty_map(self):
        with pytest.raises(ValueError, match='at least one row and one col'):
            GridWorldEnv(desc=[])

    def test_step_before_reset(self):
        with pytest.raises(RuntimeError, match=r'reset\(\) must be called'):
            GridWorldEnv().step(RIGHT)

    def test_step_after_episode_end(self):
        env = GridWorldEnv(max_episode_length=1)
        env.reset()
        env.step(RIGHT)
        with pytest.raises(RuntimeError, match='again after an episode ends'):
            env.step(RIGHT)

    @pytest.mark.parametrize('action', [4, -1, 1.0, np.array([1])])
    def test_bad_action(self, action):
        env = GridWorldEnv()
        env.reset()
        with pytest.raises(ValueError, match=r'integer in \[0, 4\)'):
            env.step(action)

    def test_unknown_render_mode(self):
        with pytest.raises(
            ValueError, match=r"^mode must be one of 'ascii', got 'human'$"
        ):
            GridWorldEnv().render('human')


class TestRender:
    def test_ascii_marks_agent(self):
        env = GridWorldEnv(desc='4x4')
        env.reset()
        env.step(RIGHT)
        assert env.render('ascii') == 'SAFF\nFHFH\nFFFH\nHFFG'

    def test_visualize_prints_every_step(self, capsys):
        env = GridWorldEnv()
        env.reset()
        env.visualize()
        env.step(RIGHT)
        assert capsys.readouterr().out == 'AFFF\nFHFH\nFFFH\nHFFG\n' + (
            'SAFF\nFHFH\nFFFH\nHFFG\n'
        )


@pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
def test_pickle_round_trips_state(dumps):
    env = GridWorldEnv(desc='8x8', max_episode_length=20)
    env.reset()
    env.step(RIGHT)
    copy = pickle.loads(dumps(env))
    assert copy.step(DOWN).observation == env.step(DOWN).observation == 9
    assert copy.spec.max_episode_length == 20
