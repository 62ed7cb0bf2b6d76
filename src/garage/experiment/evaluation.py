"""Evaluating a trained policy from its log directory: ``python -m garage eval``.

`evaluate_experiment` loads the policy of an experiment's last snapshot, or
the best policy that ``keep_best=True`` kept, and runs it in deterministic
mode on the experiment's environment. It can show the episodes in a window
or record them to MP4 files through Gymnasium's ``RecordVideo``.

An environment renders in the mode it was made with. A Gymnasium
environment wrapped in a `garage.envs.GymEnv` that was made with another
mode is made again from its Gymnasium spec (its id, keyword arguments, time
limit and the wrappers ``gymnasium.make`` recorded) with the mode asked
for; garage wrappers around it (such as `garage.envs.normalize`) stay as
they were saved, statistics included.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from garage import _validation
from garage.experiment.snapshotter import Snapshotter

if TYPE_CHECKING:
    from garage._dtypes import EpisodeBatch
    from garage._environment import Environment

#: The prefix of the names of recorded videos, before ``-episode-N.mp4``.
VIDEO_PREFIX = 'eval'


class EvaluationError(ValueError):
    """An experiment cannot be evaluated as asked: no policy, or no way to render."""


@dataclasses.dataclass(frozen=True)
class EvaluationResult:
    """The episodes of an evaluation, and what was evaluated.

    Attributes:
        returns: The undiscounted return of each episode, shape ``(N,)``.
        lengths: The number of steps of each episode, shape ``(N,)``.
        epoch: The epoch the policy is from.
        source: Where the policy came from: ``'last snapshot'`` or
            ``'best_policy.pkl'``.
        episodes: The episodes.
        videos: The paths of the recorded videos, one per episode; empty
            when nothing was recorded.

    """

    returns: np.ndarray
    lengths: np.ndarray
    epoch: int
    source: str
    episodes: EpisodeBatch
    videos: tuple[str, ...] = ()

    @property
    def mean_return(self) -> float:
        """float: The mean return."""
        return float(np.mean(self.returns))

    @property
    def std_return(self) -> float:
        """float: The standard deviation of the returns."""
        return float(np.std(self.returns))

    @property
    def mean_length(self) -> float:
        """float: The mean episode length."""
        return float(np.mean(self.lengths))

    @property
    def std_length(self) -> float:
        """float: The standard deviation of the episode lengths."""
        return float(np.std(self.lengths))

    def summary(self) -> str:
        """Describe the evaluation in one line.

        For example ``return 187.300 ± 12.410, length 187.3 ± 12.4 (10
        episodes, policy of epoch 4, best_policy.pkl)``.

        Returns:
            The line.

        """
        return (
            f'return {self.mean_return:.3f} ± {self.std_return:.3f}, '
            f'length {self.mean_length:.1f} ± {self.std_length:.1f} '
            f'({len(self.returns)} episode{"" if len(self.returns) == 1 else "s"}, '
            f'policy of epoch {self.epoch}, '
            f'{self.source})'
        )


def evaluate_experiment(
    log_dir: str | os.PathLike[str],
    *,
    best: bool = False,
    n_episodes: int = 10,
    render: bool = False,
    video_dir: str | os.PathLike[str] | None = None,
    seed: int | None = None,
) -> EvaluationResult:
    """Run the policy of an experiment in deterministic mode.

    The policy comes from the last snapshot in ``log_dir``, or with
    ``best=True`` from the ``best_policy.pkl`` that training with
    ``keep_best=True`` wrote. The environment is the snapshot's evaluation
    environment (its training environment if it has none), and episodes
    last at most the algorithm's ``max_episode_length``, or else the
    environment's.

    Args:
        log_dir: The experiment's log directory (its snapshot directory).
        best: Evaluate the best policy rather than the last one.
        n_episodes: The number of episodes.
        render: Show the episodes in a window (``render_mode='human'``).
        video_dir: Record each episode to ``eval-episode-N.mp4`` in this
            directory (made if missing), through Gymnasium's
            ``RecordVideo``; the prefix becomes ``eval-2`` and so on when
            videos of that name are already there, so none is overwritten.
            Needs ``moviepy`` (the ``video`` extra).
        seed: Seed Python, NumPy, PyTorch and the environment first, which
            makes the episodes reproducible.

    Returns:
        The returns and lengths of the episodes.

    Raises:
        FileNotFoundError: If ``log_dir`` holds no snapshot, or, with
            ``best``, no ``best_policy.pkl``.
        SnapshotError: If a snapshot cannot be loaded.
        EvaluationError: If there is no policy or episode length limit, the
            environment cannot render or record as asked, or ``render``
            and ``video_dir`` are both given.
        ValueError: If ``n_episodes`` is not positive or ``seed`` negative.

    """
    from garage.experiment.deterministic import set_seed
    from garage.np.algos.rl_algorithm import AlgorithmMembers
    from garage.trainer import BEST_POLICY_FILE

    n_episodes = _validation.positive_int('n_episodes', n_episodes)
    seed = _validation.seed(seed)
    if render and video_dir is not None:
        raise EvaluationError(
            'render and video_dir cannot be combined: an environment renders '
            'in one mode, for a window or to images; evaluate twice'
        )
    log_dir = Path(log_dir)
    snapshotter = Snapshotter(log_dir)
    kept = None
    if best:
        kept = _load_best(snapshotter, log_dir, BEST_POLICY_FILE)
    saved = _load_snapshot(log_dir, best)
    members = AlgorithmMembers(saved['algo'])
    # a loaded sampler has started its workers (processes, Ray actors):
    # evaluation runs in this process, without them
    shutdown = getattr(members.sampler, 'shutdown_worker', None)
    if callable(shutdown):
        shutdown()
    if kept is None:
        policy, epoch, source = (
            members.policy,
            saved['stats'].total_epoch,
            'last snapshot',
        )
    else:
        policy, epoch, source = kept['policy'], kept['epoch'], BEST_POLICY_FILE
    if policy is None:
        raise EvaluationError(
            f'{type(saved["algo"]).__name__} has no policy to evaluate'
        )
    env = saved['eval_env'] if saved.get('eval_env') is not None else saved['env']
    max_episode_length = members.max_episode_length
    if max_episode_length is None:
        max_episode_length = env.spec.max_episode_length
    if max_episode_length is None:
        raise EvaluationError(
            'evaluation needs a maximum episode length, and neither the '
            'algorithm nor the environment gives one'
        )
    videos: list[Path] = []
    if render:
        env = _for_rendering(env, 'human', None)
    elif video_dir is not None:
        directory = Path(video_dir)
        prefix = _free_prefix(directory)
        env = _for_rendering(env, 'rgb_array', (directory, prefix))
        videos = [directory / f'{prefix}-episode-{i}.mp4' for i in range(n_episodes)]
    if seed is not None:
        set_seed(seed)
        seed_env = getattr(env, 'seed', None)
        if callable(seed_env):
            seed_env(seed)
    try:
        episodes = _run(policy, env, max_episode_length, n_episodes)
    finally:
        env.close()  # writes the last video
    return EvaluationResult(
        returns=np.array([float(e.rewards.sum()) for e in episodes.split()]),
        lengths=np.asarray(episodes.lengths),
        epoch=int(epoch),
        source=source,
        episodes=episodes,
        videos=tuple(os.fspath(path) for path in videos if path.is_file()),
    )


def _run(
    policy: Any, env: Environment, max_episode_length: int, n_episodes: int
) -> EpisodeBatch:
    """Sample the episodes, reporting a missing rendering library plainly."""
    import gymnasium

    from garage._functions import obtain_evaluation_episodes

    try:
        return obtain_evaluation_episodes(
            policy, env, max_episode_length, num_eps=n_episodes, deterministic=True
        )
    except gymnasium.error.DependencyNotInstalled as error:
        raise EvaluationError(f'rendering {env} needs a library: {error}') from error


def _load_best(
    snapshotter: Snapshotter, log_dir: Path, file_name: str
) -> dict[str, Any]:
    """Load the best policy kept in ``log_dir``."""
    if not (log_dir / file_name).is_file():
        if not log_dir.is_dir():
            raise FileNotFoundError(
                f'{log_dir} is not a directory: pass the log directory of '
                'the experiment'
            )
        raise FileNotFoundError(
            f'no {file_name} in {log_dir}: the experiment did not keep its '
            'best policy. Train with evaluation and keep-best, as in '
            'trainer.train(..., eval_every=5, keep_best=True), to have one; '
            'without --best the last snapshot is evaluated'
        )
    return snapshotter.load_object(file_name)


def _load_snapshot(log_dir: Path, best: bool) -> dict[str, Any]:
    """Load the last snapshot, explaining an experiment that kept none."""
    try:
        return Snapshotter.load(log_dir, 'last')
    except FileNotFoundError as error:
        if _snapshot_mode(log_dir) != 'none':
            raise
        also = (
            ' (best_policy.pkl holds the policy only; the environment comes '
            'from the snapshot)'
            if best
            else ''
        )
        raise FileNotFoundError(
            f"the experiment in {log_dir} ran with snapshot_mode='none', which "
            f'saves no snapshot: there is no environment to evaluate on{also}. '
            "Run it with another snapshot_mode, such as 'last' (the default)"
        ) from error


def _snapshot_mode(log_dir: Path) -> str | None:
    """The snapshot mode ``metadata.json`` records, if any."""
    try:
        metadata = json.loads((log_dir / 'metadata.json').read_text())
    except (OSError, ValueError):
        return None
    return metadata.get('snapshot_mode') if isinstance(metadata, dict) else None


def _free_prefix(directory: Path) -> str:
    """A video name prefix that no file in ``directory`` starts with."""
    existing = [p.name for p in directory.iterdir()] if directory.is_dir() else []
    prefix, number = VIDEO_PREFIX, 1
    while any(name.startswith(f'{prefix}-episode-') for name in existing):
        number += 1
        prefix = f'{VIDEO_PREFIX}-{number}'
    return prefix


def _for_rendering(
    env: Environment, mode: str, video: tuple[Path, str] | None
) -> Environment:
    """Return ``env`` made to render in ``mode``, recording if ``video`` is given.

    The innermost environment, under garage wrappers, is replaced if it is
    a `GymEnv` of a Gymnasium environment (see
    ``garage.envs._rendering``); any other is asked to ``visualize()``.

    Args:
        env: The environment, which is changed in place where it wraps.
        mode: ``'human'`` or ``'rgb_array'``.
        video: The directory and name prefix of the videos to record.

    Returns:
        The environment to run.

    """
    from garage.envs._rendering import with_render_mode

    try:
        replaced = with_render_mode(env, mode, video)
    except ValueError as error:
        raise EvaluationError(str(error)) from error
    if replaced is not None:
        return replaced
    inner = env.unwrapped
    if video is not None:
        raise EvaluationError(
            f'cannot record videos of {inner!r}: recording needs a Gymnasium '
            'environment in a garage.envs.GymEnv'
        )
    try:
        env.visualize()
    except ValueError as error:
        raise EvaluationError(f'cannot render {inner!r}: {error}') from error
    return env
