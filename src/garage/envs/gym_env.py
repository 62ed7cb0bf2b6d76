"""GymEnv: Gymnasium and legacy gym environments as garage Environments."""

import contextlib
import importlib
import inspect
import sys
import warnings
from typing import Any

import gymnasium
import numpy as np

from garage import _validation
from garage._dtypes import EnvSpec, StepType, as_space
from garage._environment import Environment, EnvStep
from garage._legacy_gym import akro, disable_env_checker, gym

_SEED_BOUND = 2**31


class GymEnv(Environment):
    """A garage Environment wrapping a Gymnasium or legacy gym environment.

    Gymnasium comes first: a string id is made with ``gymnasium.make`` and,
    only if Gymnasium does not know it, with legacy ``gym.make``. Legacy gym
    environments may follow the 0.26 API (``reset`` returns ``(obs,
    info)``, ``step`` returns five values) or the older one (``reset``
    returns the observation, ``step`` returns four values and a time limit
    shows as ``info['TimeLimit.truncated']``). Legacy gym's env checker,
    broken on NumPy 2, never runs.

    Gymnasium's ``terminated`` becomes ``StepType.TERMINAL``; ``truncated``,
    or reaching ``max_episode_length``, becomes ``StepType.TIMEOUT``.
    As in the original garage, every step's ``env_info`` has
    ``'TimeLimit.truncated'`` (the step is a ``TIMEOUT``: a time limit cut
    the episode, which the environment did not end) and
    ``'GymEnv.TimeLimitTerminated'`` (a time limit, gym's or
    ``max_episode_length``, was reached at this step).

    Unless `seed` was called, the first `reset` seeds the
    environment and its spaces from NumPy's global random state, so that
    ``garage.experiment.deterministic.set_seed`` makes runs reproducible.

    Observations are passed on as the environment gives them: a ``Dict``
    (``Tuple``) space's observations stay dicts (tuples), and batches store
    them flattened (``observation_space.unflatten`` gives them back).

    An id in Gymnasium's ``ALE`` namespace (``'ALE/Pong-v5'``) imports
    ``ale_py``, which registers the Atari environments, if Gymnasium does
    not know them yet. MuJoCo's warnings become warnings of the class
    ``RuntimeWarning``, issued by the step that caused them, instead of
    lines in a ``MUJOCO_LOG.TXT`` file in the working directory (unless
    another MuJoCo warning handler was installed first).

    Args:
        env: An environment id or instance.
        is_image: Whether observations are images (a Box of 0..255), to be
            represented by ``akro.Image``.
        max_episode_length: The maximum episode length. By default (None)
            the environment's own time limit (its spec's
            ``max_episode_steps``), or no limit if it has none; ``math.inf``
            means the same.
        **make_kwargs: Keyword arguments for ``make`` when ``env`` is an
            id, such as ``render_mode='rgb_array'``.

    Raises:
        ValueError: If the id is unknown (for an ``ALE`` id without
            ``ale_py``, the message says to install ale-py), or
            ``max_episode_length`` is not positive or exceeds the time limit
            of an environment instance.
        ArgumentTypeError: If ``env`` is not an id or an environment,
            ``max_episode_length`` is not an integer, None or ``math.inf``,
            or a space is of a kind garage does not take (see `EnvSpec`).
        TypeError: If ``make_kwargs`` are given with an instance.

    """

    def __init__(
        self,
        env: str | gymnasium.Env | gym.Env,
        is_image: bool = False,
        max_episode_length: int | float | None = None,
        **make_kwargs: Any,
    ):
        max_episode_length = _validation.episode_limit(
            'max_episode_length', max_episode_length
        )
        if isinstance(env, str):
            env = _make(env, max_episode_length, make_kwargs)
        elif make_kwargs:
            raise TypeError(
                f'keyword arguments {sorted(make_kwargs)} are '
                'for making an environment from an id; got an '
                'environment instance'
            )
        elif not isinstance(env, (gymnasium.Env, gym.Env)):
            raise _validation.ArgumentTypeError(
                'env must be a Gymnasium or gym environment or an '
                f'environment id, not {type(env).__name__}'
            )
        disable_env_checker(env)
        _route_mujoco_warnings()
        if _mujoco_hook.messages:  # from building the model
            _mujoco_hook.warn()
        self._env = env
        self._max_episode_length = _episode_limit(env, max_episode_length)
        self._spec = EnvSpec(
            observation_space=as_space(
                'observation_space', env.observation_space, is_image
            ),
            action_space=as_space('action_space', env.action_space),
            max_episode_length=self._max_episode_length,
        )
        # the shape of actions of array spaces: Box, Discrete, MultiDiscrete
        # and MultiBinary; Dict and Tuple spaces have none
        shape = self._spec.action_space.shape
        self._action_shape = None if shape is None else tuple(shape)
        self._action_size = (
            None if self._action_shape is None else int(np.prod(self._action_shape))
        )
        metadata = getattr(env, 'metadata', None) or {}
        self._render_modes = list(
            metadata.get('render_modes', metadata.get('render.modes', []))
        )
        self._old_api = _follows_old_api(env)
        self._step_cnt: int | None = None
        self._next_seed: int | None = None
        self._seeded = False
        self._visualize = False
        self._last_reset_seed: int | None = None

    @property
    def action_space(self) -> akro.Space:
        """The action space specification."""
        return self._spec.action_space

    @property
    def observation_space(self) -> akro.Space:
        """The observation space specification."""
        return self._spec.observation_space

    @property
    def spec(self) -> EnvSpec:
        """The environment specification."""
        return self._spec

    @property
    def render_modes(self) -> list[str]:
        """The render modes the environment declares."""
        return self._render_modes

    def seed(self, seed: int) -> None:
        """Seed the environment's next reset and its spaces' sampling.

        Args:
            seed: The seed.

        """
        self._next_seed = int(seed)
        self._seeded = True
        self._spec.action_space.seed(self._next_seed)
        self._spec.observation_space.seed(self._next_seed)

    def reset(self) -> tuple[Any, dict[str, Any]]:
        """Reset the environment.

        Returns:
            The first observation and the episode-level information (empty
                for gym environments).

        """
        if not self._seeded:
            self.seed(np.random.randint(_SEED_BOUND))
        seed, self._next_seed = self._next_seed, None
        self._last_reset_seed = seed  # for visualize() to start the episode again
        if not _mujoco_hook.installed:  # in a new worker process, say
            _route_mujoco_warnings()
        if self._old_api:  # reset takes no seed and returns the observation
            if seed is not None and hasattr(self._env, 'seed'):
                self._env.seed(seed)
            observation = self._env.reset()
        else:
            observation, _ = self._env.reset(seed=seed)
        if _mujoco_hook.messages:
            _mujoco_hook.warn()
        self._step_cnt = 0
        if self._visualize:
            self._show()
        return observation, {}

    def step(self, action: Any) -> EnvStep:
        """Step the environment.

        Args:
            action: An action of the action space's shape, or, for a
                space of arrays (``Box``, ``MultiDiscrete``, ``MultiBinary``),
                of its size, flattened as policies give them, which is
                reshaped to the space's shape.

        Returns:
            The step resulting from the action.

        Raises:
            RuntimeError: If `reset` was not called since the last
                episode ended.
            ValueError: If the action has neither the action space's
                shape nor its size.

        """
        if self._step_cnt is None:
            raise RuntimeError(
                'reset() must be called before step(), and '
                'again after each episode ends'
            )
        env_action = action
        if self._action_shape is not None and np.shape(action) != self._action_shape:
            env_action = self._reshaped_action(action)  # the step keeps `action`
        result = self._env.step(env_action)
        if _mujoco_hook.messages:
            _mujoco_hook.warn()
        if len(result) == 5:
            observation, reward, terminated, truncated, info = result
        else:
            observation, reward, done, info = result
            truncated = bool(info.get('TimeLimit.truncated', False))
            terminated = done and not truncated
        self._step_cnt += 1
        step_type = StepType.get_step_type(
            self._step_cnt, self._max_episode_length, terminated
        )
        if truncated and step_type in (StepType.FIRST, StepType.MID):
            step_type = StepType.TIMEOUT
        if step_type in (StepType.TERMINAL, StepType.TIMEOUT):
            self._step_cnt = None
        # the original's keys: 'TimeLimit.truncated', a time limit (gym's
        # or max_episode_length) cut the episode and the environment did
        # not end it; 'GymEnv.TimeLimitTerminated', a time limit was reached
        timed_out = step_type == StepType.TIMEOUT
        info = {
            **info,
            'TimeLimit.truncated': timed_out,
            'GymEnv.TimeLimitTerminated': bool(
                timed_out or truncated or 'TimeLimit.truncated' in info
            ),
        }
        if self._visualize:
            self._show()
        return EnvStep(
            env_spec=self._spec,
            action=action,
            reward=float(reward),
            observation=observation,
            env_info=info,
            step_type=step_type,
        )

    def _reshaped_action(self, action: Any) -> np.ndarray:
        """Reshape an action of an array space's size to its shape."""
        array = np.asarray(action)
        if self._action_shape and array.size == self._action_size:
            return array.reshape(self._action_shape)
        raise ValueError(
            f'action has shape {array.shape} (size {array.size}), but the '
            f'action space {self.action_space} expects shape '
            f'{self._action_shape} (size {self._action_size})'
        )

    def render(self, mode: str) -> Any:
        """Render the environment.

        Gymnasium and gym 0.26 environments render in the mode they were
        made with: make them with ``GymEnv(env_id, render_mode=mode)``.

        Args:
            mode: One of ``render_modes``.

        Returns:
            The rendering, depending on the mode.

        Raises:
            ValueError: If the mode is not supported, or the environment
                was made for another render mode.

        """
        self._check_render_mode(mode)
        made_for = getattr(self._env, 'render_mode', None)
        if made_for == mode:
            return self._env.render()
        if not self._old_api:
            raise ValueError(
                f'this environment was made with render_mode={made_for!r}; '
                f'to render in mode {mode!r}, make it with '
                f'GymEnv(env_id, render_mode={mode!r})'
            )
        return self._env.render(mode=mode)  # type: ignore[call-arg]  # old API

    def visualize(self) -> None:
        """Show the environment in a window, updated at every step.

        A Gymnasium environment made with another render mode is made again
        from its id with ``render_mode='human'``, and the old one closed. If
        `reset` was called, the new one is reset too, with the seed of
        that reset: the episode under way starts again from the same state
        where that reset was seeded (the first reset after `seed`, or after
        the environment was made, is), and from another otherwise.

        Raises:
            ValueError: If the environment cannot render for humans, or was
                made with another render mode and not from a registered id.

        """
        if getattr(self._env, 'render_mode', None) == 'human':
            return  # the environment draws its window itself at each step
        if self._old_api:
            self._check_render_mode('human')
            self._visualize = True
            return
        if not isinstance(self._env, gymnasium.Env):  # gym 0.26
            self._check_render_mode('human')
            raise ValueError(
                "make the environment with GymEnv(env_id, render_mode='human') "
                'to visualize it'
            )
        from garage.envs._rendering import in_render_mode

        remade = in_render_mode(self, self._env, 'human')
        disable_env_checker(remade)
        self._env.close()
        self._env = remade
        if self._step_cnt is not None:  # an episode is under way
            remade.reset(seed=getattr(self, '_last_reset_seed', None))

    def _show(self) -> None:
        self._env.render(mode='human')  # type: ignore[call-arg]  # old API

    def close(self) -> None:
        """Close the environment."""
        self._env.close()

    def __repr__(self) -> str:
        return f'GymEnv({self._env})'

    def __getattr__(self, name: str) -> Any:
        """Pass public attributes on to the wrapped environment, as the original.

        So ``set_task`` and ``sample_tasks`` of a meta-RL environment work
        on its `GymEnv` (and on wrappers around that).
        """
        if name.startswith('_'):
            raise AttributeError(f'{type(self).__name__!r} has no attribute {name!r}')
        return getattr(self._env, name)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the environment where it is, mid-episode included."""
        # first: unpickled before the environment, whose rebuilding (a
        # MuJoCo model compiled again) may warn
        route = _RouteMujocoWarnings() if 'mujoco' in sys.modules else None
        return {
            '_route_mujoco_warnings': route,
            **self.__dict__,
            '_rebuilt_state': _rebuilt_state(self._env),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle the environment where it was."""
        state.pop('_route_mujoco_warnings', None)
        rebuilt_state = state.pop('_rebuilt_state', None)
        self.__dict__.update(state)
        if rebuilt_state:
            _restore_rebuilt_state(self._env, rebuilt_state)


def _rebuilt_state(env: Any) -> dict[str, Any]:
    """What pickling loses of an environment that it rebuilds (``EzPickle``).

    ``EzPickle`` (MuJoCo's environments, for example) pickles the
    constructor's arguments and builds a new environment from them on
    unpickling, with a fresh random generator and, for MuJoCo, the
    simulation at its initial state. This is the generator and the whole
    ``MjData`` (positions, velocities, solver warm start, ...), so that the
    rebuilt environment steps on exactly as the pickled one would.
    """
    unwrapped = getattr(env, 'unwrapped', env)
    setstate = getattr(type(unwrapped), '__setstate__', None)
    if getattr(setstate, '__qualname__', '') != 'EzPickle.__setstate__':
        # not rebuilt by (gym's or Gymnasium's) EzPickle: MetaWorld's
        # environments, say, are EzPickle but pickle their own way
        return {}
    state = {
        name: vars(unwrapped)[name]
        for name in ('_np_random', '_np_random_seed')
        if name in vars(unwrapped)
    }
    data = getattr(unwrapped, 'data', None)
    if type(data).__module__.startswith('mujoco'):
        state['mujoco_data'] = data
    return state


def _restore_rebuilt_state(env: Any, state: dict[str, Any]) -> None:
    unwrapped = getattr(env, 'unwrapped', env)
    data = state.pop('mujoco_data', None)
    if data is not None:
        _copy_mujoco_data(unwrapped.data, unwrapped.model, data)
    vars(unwrapped).update(state)


def _copy_mujoco_data(target: Any, model: Any, source: Any) -> None:
    """Copy ``source`` into ``target`` in place (the renderer holds it)."""
    import mujoco

    if hasattr(mujoco, 'mj_copyData'):  # MuJoCo 4
        mujoco.mj_copyData(target, model, source)
        return
    # MuJoCo 3: every fixed-size array of the MjData (the per-step arena's,
    # such as the constraints', are recomputed by the next step), and time
    for name in dir(source):
        if name.startswith('_'):
            continue
        value = getattr(source, name)
        if isinstance(value, np.ndarray):
            into = getattr(target, name)
            if into.shape == value.shape and into.flags.writeable:
                into[...] = value
        elif isinstance(value, float) and name == 'time':
            target.time = value


class _MujocoWarnings:
    """MuJoCo's warnings, turned into Python warnings.

    Without a warning handler, MuJoCo prints its warnings (``Nan, Inf or
    huge value in QACC``, say) and appends them to ``MUJOCO_LOG.TXT`` in the
    working directory. Once MuJoCo is imported, `GymEnv` installs a handler
    that keeps them here instead, unless another handler is installed, and
    issues them as ``RuntimeWarning`` after the step (or reset) that caused
    them. The handler is called from MuJoCo's C code, where raising (as
    ``warnings.warn`` does when warnings are errors) would abort the
    process, so it only keeps the message.
    """

    _LIMIT = 100

    def __init__(self) -> None:
        self.installed = False
        self.messages: list[str] = []

    def keep(self, message: object) -> None:
        """Keep a message: MuJoCo's warning handler, which never raises."""
        with contextlib.suppress(BaseException):
            if len(self.messages) < self._LIMIT:
                self.messages.append(str(message).strip())

    def warn(self) -> None:
        """Issue the kept messages as warnings of the caller's caller."""
        messages, self.messages = self.messages, []
        for message in messages:
            warnings.warn(f'MuJoCo: {message}', RuntimeWarning, stacklevel=3)


_mujoco_hook = _MujocoWarnings()


def _route_mujoco_warnings(import_mujoco: bool = False) -> None:
    """Install `_MujocoWarnings`' handler, once MuJoCo is imported.

    Args:
        import_mujoco: Import MuJoCo first, if it is installed: to route the
            warnings of an environment about to be built.

    """
    if import_mujoco and 'mujoco' not in sys.modules:
        with contextlib.suppress(ImportError):
            import mujoco
    mujoco = sys.modules.get('mujoco')
    if mujoco is None or _mujoco_hook.installed:
        return
    _mujoco_hook.installed = True
    set_handler = getattr(mujoco, 'set_mju_user_warning', None)
    get_handler = getattr(mujoco, 'get_mju_user_warning', None)
    if set_handler is None or (get_handler is not None and get_handler() is not None):
        return  # an old binding, or a handler someone else installed
    set_handler(_mujoco_hook.keep)


class _RouteMujocoWarnings:
    """Pickles as a call that routes MuJoCo's warnings where it unpickles."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_route_mujoco_warnings, (True,))


def _follows_old_api(env: Any) -> bool:
    """Whether a gym environment predates the 0.26 API.

    Such an environment's ``reset`` takes no seed and returns only the
    observation, its ``step`` returns four values and its ``render`` takes
    the mode. Gymnasium environments, and gym's ``EnvCompatibility``
    wrapper around old ones, follow the new API.
    """
    if isinstance(env, gymnasium.Env):
        return False
    layer = env
    while layer is not None:
        if isinstance(layer, gym.wrappers.compatibility.EnvCompatibility):
            return False
        layer = getattr(layer, 'env', None)
    parameters = inspect.signature(env.unwrapped.reset).parameters
    return 'seed' not in parameters and not any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def _make(
    env_id: str, max_episode_length: int | None, make_kwargs: dict[str, Any]
) -> gymnasium.Env | gym.Env:
    if max_episode_length is not None:
        make_kwargs = dict(make_kwargs, max_episode_steps=max_episode_length)
    namespace = _namespace(env_id)
    ale_missing = namespace == _ALE and not _register_ale()
    if _is_mujoco(env_id):
        _route_mujoco_warnings(import_mujoco=True)
    try:
        return gymnasium.make(env_id, **make_kwargs)
    except gymnasium.error.UnregisteredEnv as gymnasium_error:
        if env_id in gym.envs.registry:
            return gym.make(env_id, disable_env_checker=True, **make_kwargs)
        hint = ''
        if ale_missing:
            hint = (
                f'; the {_ALE} environments (Atari) come with the ale-py '
                "package: install it with pip install ale-py (or garage's "
                'atari extra, pip install "garage[atari]")'
            )
        raise ValueError(
            f'unknown environment id {env_id!r}: {gymnasium_error}{hint}'
        ) from None


_ALE = 'ALE'


def _is_mujoco(env_id: str) -> bool:
    """Whether Gymnasium builds the environment of an id with MuJoCo."""
    try:
        entry_point = gymnasium.spec(env_id).entry_point
    except gymnasium.error.Error:
        return False
    return isinstance(entry_point, str) and 'mujoco' in entry_point


def _namespace(env_id: str) -> str | None:
    try:
        return gymnasium.envs.registration.parse_env_id(env_id)[0]
    except gymnasium.error.Error:
        return None


def _register_ale() -> bool:
    """Register the ALE (Atari) environments with Gymnasium if need be.

    Gymnasium 1.x registers them only when ``ale_py`` is imported (its docs
    say ``import ale_py; gymnasium.register_envs(ale_py)``), so an id such
    as ``'ALE/Pong-v5'`` is unknown until then.

    Returns:
        Whether the ALE namespace is registered: False if ``ale_py`` is
            not installed.

    """
    if any(spec.namespace == _ALE for spec in gymnasium.registry.values()):
        return True
    try:
        ale_py = importlib.import_module('ale_py')
    except ImportError:
        return False
    gymnasium.register_envs(ale_py)
    return True


def _episode_limit(
    env: gymnasium.Env | gym.Env, max_episode_length: int | None
) -> int | None:
    """The episode limit: the one given (None for none), or the env's own."""
    spec = getattr(env, 'spec', None)
    own_limit = getattr(spec, 'max_episode_steps', None)
    if max_episode_length is None:
        return own_limit
    if own_limit is not None and max_episode_length > own_limit:
        raise ValueError(
            f'max_episode_length={max_episode_length} exceeds the time limit '
            f'of {own_limit} steps of this environment instance, which would '
            'end episodes first; pass the environment id instead, or a '
            'smaller max_episode_length'
        )
    return max_episode_length
