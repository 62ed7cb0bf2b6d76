"""A grid world with walls, holes and a goal."""

from collections.abc import Sequence
from typing import Any

from garage._dtypes import EnvSpec, StepType
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro

MAPS = {
    'chain': ['GFFFFFFFFFFFFFSFFFFFFFFFFFFFG'],
    '4x4_safe': [
        'SFFF',
        'FWFW',
        'FFFW',
        'WFFG',
    ],
    '4x4': [
        'SFFF',
        'FHFH',
        'FFFH',
        'HFFG',
    ],
    '8x8': [
        'SFFFFFFF',
        'FFFFFFFF',
        'FFFHFFFF',
        'FFFFFHFF',
        'FFFHFFFF',
        'FHHFFFHF',
        'FHFFHFHF',
        'FFFHFFFG',
    ],
}

# The original's single-character aliases: '.' free, 'x' wall, 'o' hole.
_ALIASES = {'.': 'F', 'x': 'W', 'o': 'H'}
_CELLS = 'SFWHG'

# (row, column) moves of the actions left, down, right and up.
_MOVES = ((0, -1), (1, 0), (0, 1), (-1, 0))


class GridWorldEnv(Environment):
    """A deterministic grid world.

    The map is a list of equally long strings, one per row, of the cells:

    * ``'S'``: the start (exactly one), free space;
    * ``'F'`` or ``'.'``: free space;
    * ``'W'`` or ``'x'``: a wall, which the agent cannot enter;
    * ``'H'`` or ``'o'``: a hole, which ends the episode with reward 0;
    * ``'G'``: a goal, which ends the episode with reward 1.

    Every other step earns reward 0. The actions are 0 left, 1 down,
    2 right and 3 up; a move into a wall or off the grid leaves the agent
    where it is. The observation is the index of the agent's cell,
    ``row * n_columns + column``.

    Args:
        desc: The name of a map (``'4x4'``, ``'4x4_safe'``, ``'8x8'`` or
            ``'chain'``) or the rows of a map.
        max_episode_length: The maximum episode length, or None for no
            limit.

    Raises:
        ValueError: If ``desc`` names no map, or the map is empty, ragged,
            holds an unknown character or not exactly one start.

    """

    def __init__(
        self, desc: str | Sequence[str] = '4x4', max_episode_length: int | None = None
    ):
        if isinstance(desc, str):
            if desc not in MAPS:
                raise ValueError(
                    f'unknown map {desc!r}; the maps are '
                    f'{sorted(MAPS)}, or pass a list of rows'
                )
            desc = MAPS[desc]
        self._desc = _parse_map(desc)
        self._n_row = len(self._desc)
        self._n_col = len(self._desc[0])
        self._start_state = ''.join(self._desc).index('S')
        self._state = self._start_state
        self._step_cnt: int | None = None
        self._visualize = False
        self._action_space = akro.Discrete(4)
        self._observation_space = akro.Discrete(self._n_row * self._n_col)
        self._spec = EnvSpec(
            action_space=self._action_space,
            observation_space=self._observation_space,
            max_episode_length=max_episode_length,
        )

    @property
    def action_space(self) -> akro.Discrete:
        """The four moves left, down, right and up."""
        return self._action_space

    @property
    def observation_space(self) -> akro.Discrete:
        """The cell indices."""
        return self._observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    @property
    def render_modes(self) -> list[str]:
        """The supported render modes: ``['ascii']``."""
        return ['ascii']

    def reset(self) -> tuple[int, dict[str, Any]]:
        """Put the agent on the start cell and start a new episode.

        Returns:
            The start cell's index and the episode information, empty.

        """
        self._state = self._start_state
        self._step_cnt = 0
        return self._state, {}

    def step(self, action: int) -> EnvStep:
        """Move the agent.

        Args:
            action: 0 left, 1 down, 2 right or 3 up.

        Returns:
            The step; its observation is the new cell's index.

        Raises:
            RuntimeError: If `reset` has not been called since the
                environment was constructed or its last episode ended.
            ValueError: If ``action`` is not one of 0, 1, 2 and 3.

        """
        if self._step_cnt is None:
            raise RuntimeError(
                'reset() must be called before step(), and again after an episode ends'
            )
        if action not in self._action_space:
            raise ValueError(
                f'action must be an integer in [0, 4) to match '
                f'the action space {self._action_space}, got '
                f'{action!r}'
            )
        row, col = divmod(self._state, self._n_col)
        d_row, d_col = _MOVES[int(action)]
        next_row, next_col = row + d_row, col + d_col
        if (
            0 <= next_row < self._n_row
            and 0 <= next_col < self._n_col
            and self._desc[next_row][next_col] != 'W'
        ):
            self._state = next_row * self._n_col + next_col
            cell = self._desc[next_row][next_col]
        else:
            cell = self._desc[row][col]
        if self._visualize:
            print(self.render('ascii'))

        self._step_cnt += 1
        step_type = StepType.get_step_type(
            step_cnt=self._step_cnt,
            max_episode_length=self._spec.max_episode_length,
            done=cell in 'HG',
        )
        if step_type >= StepType.TERMINAL:  # TERMINAL or TIMEOUT
            self._step_cnt = None
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=1.0 if cell == 'G' else 0.0,
            observation=self._state,
            env_info={},
            step_type=step_type,
        )

    def render(self, mode: str) -> str:
        """Draw the map with the agent's cell marked ``'A'``.

        Args:
            mode: The render mode; only ``'ascii'`` is supported.

        Returns:
            The rows of the map, separated by newlines.

        Raises:
            ValueError: If ``mode`` is not ``'ascii'``.

        """
        self._check_render_mode(mode)
        row, col = divmod(self._state, self._n_col)
        rows = list(self._desc)
        rows[row] = rows[row][:col] + 'A' + rows[row][col + 1 :]
        return '\n'.join(rows)

    def visualize(self) -> None:
        """Print the map now and after every step."""
        self._visualize = True
        print(self.render('ascii'))

    def close(self) -> None:
        """Close the environment; there is nothing to release."""


def _parse_map(desc: Sequence[str]) -> tuple[str, ...]:
    """Check a map and replace the aliases by the canonical cells.

    Args:
        desc: The rows of the map.

    Returns:
        The rows, using only the characters ``'SFWHG'``.

    Raises:
        ValueError: If the map is empty, ragged, holds an unknown character
            or not exactly one start.

    """
    rows = [''.join(_ALIASES.get(c, c) for c in row) for row in desc]
    if not rows or not rows[0]:
        raise ValueError(
            f'the map must have at least one row and one column, got {desc!r}'
        )
    lengths = [len(row) for row in rows]
    if len(set(lengths)) != 1:
        raise ValueError(
            f'the rows of the map must have the same length, got lengths {lengths}'
        )
    unknown = sorted(set(''.join(rows)) - set(_CELLS))
    if unknown:
        raise ValueError(
            f'the map holds unknown characters {unknown}; '
            f'expected only {list(_CELLS + "".join(_ALIASES))}'
        )
    n_starts = ''.join(rows).count('S')
    if n_starts != 1:
        raise ValueError(f"the map must hold exactly one start 'S', found {n_starts}")
    return tuple(rows)
