"""The trainer: runs an algorithm's epochs, with sampling, logging and snapshots."""

import contextlib
import dataclasses
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import cloudpickle
import numpy as np

from garage import _validation
from garage._dowel import logger, tabular
from garage._dtypes import EpisodeBatch
from garage._environment import Environment
from garage._functions import log_performance, obtain_evaluation_episodes
from garage._pickling import ENV_FACTORY_ADVICE, check_picklable, explained
from garage.experiment.callbacks import Callback, EvaluationScore, SamplingRecord
from garage.experiment.deterministic import get_seed, set_seed
from garage.experiment.snapshotter import Snapshotter
from garage.np.algos.rl_algorithm import AlgorithmMembers, EpochRecord
from garage.sampler.env_update import EnvUpdate

if TYPE_CHECKING:
    from tqdm import tqdm

#: Caps the number of epochs of every ``train``; the example smoke tests
#: set it to run each example for one short epoch.
N_EPOCHS_ENV_VAR = 'GARAGE_EXAMPLE_TEST_N_EPOCHS'
#: Caps the iterations of each epoch of the off-policy algorithms (DDPG,
#: TD3, SAC, DQN), and the gradient steps of each iteration; the example
#: resume tests set it to keep epochs short.
N_STEPS_ENV_VAR = 'GARAGE_EXAMPLE_TEST_N_STEPS'
BEST_POLICY_FILE = 'best_policy.pkl'


class NotSetupError(Exception):
    """Raised when a trainer is used before it was set up."""


class TrainArgs(NamedTuple):
    """The arguments of `Trainer.train`, kept for `Trainer.resume`.

    Attributes:
        n_epochs: The number of epochs, or None when training is budgeted
            in environment steps.
        batch_size: The number of environment steps in one batch.
        plot: Visualize an episode of the policy after each epoch.
        store_episodes: Save the epoch's episodes in the snapshot.
        pause_for_plot: Wait for Enter after each plotted episode.
        start_epoch: The epoch training starts from (nonzero on resume).
        progress: Show the progress bar: True, False, or None for only when
            standard error is a terminal.
        eval_every: Evaluate the deterministic policy every this many
            epochs, or never if None.
        eval_episodes: The number of evaluation episodes.
        keep_best: Save the policy with the best evaluation return so far.
        n_env_steps: Train until this many environment steps in all, or
            None when training is budgeted in epochs. (A snapshot of an
            older version, without this field, loads with None.)

    """

    n_epochs: int | None
    batch_size: int | None
    plot: bool
    store_episodes: bool
    pause_for_plot: bool
    start_epoch: int
    progress: bool | None = None
    eval_every: int | None = None
    eval_episodes: int = 10
    keep_best: bool = False
    n_env_steps: int | None = None


class ExperimentStats:
    """Statistics of an experiment.

    Args:
        total_epoch: The last completed epoch.
        total_itr: The total number of iterations.
        total_env_steps: The total number of environment steps sampled.
        last_episode: The last epoch's episodes, when they are stored.

    """

    def __init__(
        self, total_epoch: int, total_itr: int, total_env_steps: int, last_episode: Any
    ):
        self.total_epoch = total_epoch
        self.total_itr = total_itr
        self.total_env_steps = total_env_steps
        self.last_episode = last_episode
        #: The best evaluation return so far, if the trainer evaluates.
        self.best_return: float | None = None

    def __repr__(self) -> str:
        return (
            f'ExperimentStats(total_epoch={self.total_epoch}, '
            f'total_itr={self.total_itr}, '
            f'total_env_steps={self.total_env_steps}, '
            f'best_return={self.best_return})'
        )


class Trainer:
    """Runs an algorithm: sampling, logging, snapshots, resume.

    Use ``trainer.setup(algo, env)`` and then ``trainer.train(n_epochs,
    batch_size)``; the algorithm's ``train(trainer)`` iterates over
    `step_epochs`. To continue a saved experiment, ``restore`` it
    and call ``resume``.

    Args:
        snapshot_config: Where and how often to save snapshots: a
            ``SnapshotConfig``, or the ``ExperimentContext`` that
            ``wrap_experiment`` gives; None saves the last epoch to
            ``data/local/experiments``.

    Attributes:
        step_itr: The iteration the algorithm is at. It advances by the
            ``iterations`` of each reported `EpochRecord`; an algorithm
            that does not report epochs increments it itself.
        step_episode: The epoch's samples, which an algorithm that does
            not report epochs sets; the trainer then takes the epoch's
            returns from them.
        last_record: The record of the last epoch, with its environment
            steps and evaluation return filled in; None before the first.
        enable_logging: Whether each epoch's diagnostics are logged.

    """

    def __init__(self, snapshot_config: Any = None):
        if snapshot_config is None:
            self._snapshotter = Snapshotter()
        else:
            self._snapshotter = Snapshotter(
                snapshot_config.snapshot_dir,
                snapshot_config.snapshot_mode,
                snapshot_config.snapshot_gap,
            )
        self._has_setup = False
        self._algo: Any = None
        self._members: AlgorithmMembers | None = None
        self._runner_sampler: Any = None
        self._env: Environment | None = None
        self._eval_env: Environment | None = None
        self._plot_env: Environment | None = None
        self._env_factory: EnvUpdate | None = None
        self._seed: int | None = None
        self._train_args: TrainArgs | None = None
        self._stats = ExperimentStats(
            total_epoch=0, total_itr=0, total_env_steps=0, last_episode=None
        )
        self._sampling_seconds = 0.0
        self._start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_steps = 0
        self._epoch_start_itr = 0
        self._epoch_batch: EpisodeBatch | None = None
        self._reported: EpochRecord | None = None
        self._in_epoch = False
        self._current_epoch: int | None = None
        self._callbacks: tuple[Callback, ...] = ()
        self._frequency: _CallbackFrequency | None = None
        self._stopped_by: Callback | None = None
        self._bar_fields: list[tuple[str, str]] = []
        self.last_record: EpochRecord | None = None
        self.step_itr = 0
        self.step_episode: Any = None
        self.enable_logging = True

    def setup(self, algo: Any, env: Environment | EnvUpdate) -> None:
        """Set the trainer up with an algorithm and its environment.

        The algorithm need not subclass ``RLAlgorithm``, but the members
        the trainer reads (``policy``, ``sampler`` or ``_sampler``,
        ``exploration_policy``, ``discount``, ``max_episode_length``) are
        checked here.

        Snapshots hold the environment, so unless the snapshot mode is
        ``'none'`` it must pickle (with cloudpickle). An environment that
        cannot (one holding a window, a lock, an open file) is given as a
        function that makes it instead: ``setup(algo,
        env=NewEnvUpdate(make_env))``. The trainer then makes its
        environment with it here, saves the function (not the environment)
        in snapshots, which rebuild the environment when restored, and
        makes a new environment with it wherever it needs a copy
        (`get_env_copy`, evaluation, plotting).

        Args:
            algo: The algorithm.
            env: The environment, or an ``EnvUpdate`` (usually
                ``garage.sampler.NewEnvUpdate``) that makes it when called
                with None.

        Raises:
            TypeError: If the algorithm has no ``train`` method, or its
                sampler no ``obtain_samples`` method; or if the environment
                (or the ``EnvUpdate``) cannot be pickled and snapshots are
                kept: the message names the attribute that cannot be
                pickled.
            ValueError: If a member has a bad value (``discount`` outside
                [0, 1], ...), or is missing while an attribute with a
                similar name, a likely misspelling, is present; or if a
                garage algorithm that samples was given no sampler.

        """
        self._setup(algo, env, makes_sampler=False)

    def _setup(
        self, algo: Any, env: Environment | EnvUpdate, makes_sampler: bool
    ) -> None:
        """`setup`; ``makes_sampler`` when a ``LocalRunner`` makes the sampler."""
        saves = self._snapshotter.snapshot_mode != 'none'
        if isinstance(env, EnvUpdate):
            if saves:
                check_picklable(
                    env,
                    'env',
                    'the environment factory given to Trainer.setup, which '
                    'snapshots save,',
                    'Make it a function defined at the top level of a module, '
                    'or one whose closure holds only what pickles',
                )
            factory: EnvUpdate | None = env
            env = env(None)
        else:
            factory = None
            if saves:
                check_picklable(
                    env,
                    'env',
                    'the environment given to Trainer.setup, which snapshots save,',
                    ENV_FACTORY_ADVICE,
                )
        members = AlgorithmMembers(algo)
        if (
            not makes_sampler
            and members.sampler is None
            and getattr(algo, '_needs_sampler', False)
        ):
            name = type(algo).__name__
            raise ValueError(
                f'{name} was given no sampler: construct it with one, as in '
                f'{name}(..., sampler=LocalSampler(agents=policy, envs=env, '
                'max_episode_length=env.spec.max_episode_length)), or set it '
                'up with LocalRunner.setup(algo, env, sampler_cls=LocalSampler), '
                'which makes one'
            )
        self._members = members
        self._algo = algo
        self._env = env
        self._env_factory = factory
        self._seed = get_seed()
        self._has_setup = True

    @property
    def _sampler(self) -> Any:
        """The sampler: one a ``LocalRunner`` made, or the algorithm's."""
        if self._runner_sampler is not None:
            return self._runner_sampler
        return None if self._members is None else self._members.sampler

    @property
    def total_env_steps(self) -> int:
        """The total number of environment steps sampled."""
        return self._stats.total_env_steps

    @total_env_steps.setter
    def total_env_steps(self, value: int) -> None:
        self._stats.total_env_steps = value

    @property
    def current_epoch(self) -> int | None:
        """The epoch running, or the last one run; None before the first."""
        return self._current_epoch

    def obtain_episodes(
        self,
        itr: int,
        batch_size: int | None = None,
        agent_update: Any = None,
        env_update: Any = None,
    ) -> EpisodeBatch:
        """Obtain one batch of episodes from the algorithm's sampler.

        Args:
            itr: The iteration (epoch) number.
            batch_size: The number of steps to sample; None takes the
                ``batch_size`` given to `train`.
            agent_update: What the sampler's workers update their agent
                with; None sends the parameter values of the algorithm's
                ``exploration_policy``, or of its ``policy``.
            env_update: What the workers update their environments with.

        Returns:
            The episodes.

        Raises:
            ValueError: If the algorithm has no sampler, or no batch size
                was given here or to `train`.

        """
        sampler = self._sampler
        if sampler is None:
            raise ValueError(
                'the trainer has no sampler: the algorithm given to setup() '
                'must give it as `sampler` (or keep it in `_sampler`)'
            )
        if batch_size is None:
            batch_size = (
                self._train_args.batch_size if self._train_args is not None else None
            )
            if batch_size is None:
                raise ValueError(
                    'no batch size: pass batch_size to trainer.train() or to '
                    'obtain_episodes()/obtain_samples()'
                )
        if agent_update is None:
            agent_update = self._agent_update()
        start = time.perf_counter()
        episodes = sampler.obtain_samples(
            itr, batch_size, agent_update=agent_update, env_update=env_update
        )
        self._sampling_seconds += time.perf_counter() - start
        self._stats.total_env_steps += int(episodes.lengths.sum())
        self._epoch_batch = episodes
        if self._frequency is not None and self._in_epoch:
            record = self._frequency.add(episodes, self._current_epoch or 0)
            if record is not None:
                self._call_callbacks(record)
        return episodes

    def obtain_samples(
        self,
        itr: int,
        batch_size: int | None = None,
        agent_update: Any = None,
        env_update: Any = None,
    ) -> list[dict[str, Any]]:
        """Obtain one batch of episodes as a list of episode dicts.

        Args:
            itr: The iteration (epoch) number.
            batch_size: The number of steps to sample; None takes the
                ``batch_size`` given to `train`.
            agent_update: What the sampler's workers update their agent
                with; None sends the algorithm's policy.
            env_update: What the workers update their environments with.

        Returns:
            One dict per episode, as ``EpisodeBatch.to_list`` gives.

        Raises:
            ValueError: If the algorithm has no sampler, or no batch size
                was given here or to `train`.

        """
        return self.obtain_episodes(itr, batch_size, agent_update, env_update).to_list()

    def _agent_update(self) -> Any:
        """The parameter values of the policy the workers sample with."""
        policy = self._checked_members().sampling_policy
        if policy is None:
            raise ValueError(
                f'{type(self._algo).__name__} has no policy to sample with: '
                'give it a `policy`, or pass agent_update'
            )
        return policy.get_param_values()

    def _checked_members(self) -> AlgorithmMembers:
        """The algorithm's members; raises if the trainer is not set up."""
        if self._members is None:
            raise NotSetupError('call setup(algo, env) first')
        return self._members

    def save(self, epoch: int) -> None:
        """Save a snapshot of the experiment after an epoch.

        Args:
            epoch: The epoch.

        Raises:
            NotSetupError: If the trainer was not set up.

        """
        if not self._has_setup:
            raise NotSetupError(
                'save() needs an experiment: call setup(algo, env) first'
            )
        logger.log('Saving snapshot...')
        params = {
            'seed': self._seed,
            'train_args': self._train_args,
            'stats': self._stats,
            'env': self._env_factory or self._env,
            'eval_env': None if self._env_factory else self._eval_env,
            'algo': self._algo,
            'rng_states': _global_rng_states(),
            'numeric_settings': _numeric_settings(),
            'snapshot_mode': self._snapshotter.snapshot_mode,
            'snapshot_gap': self._snapshotter.snapshot_gap,
        }
        self._snapshotter.save_itr_params(epoch, params)
        logger.log('Saved')

    def restore(
        self, from_dir: str | os.PathLike, from_epoch: str | int = 'last'
    ) -> TrainArgs:
        """Restore an experiment from its snapshot.

        Inside an experiment that logs to ``from_dir`` itself
        (``wrap_experiment(log_dir=from_dir, use_existing_dir=True)``), the
        experiment continues the run logged there, as ``python -m garage
        resume`` does: ``progress.csv`` keeps its rows up to the snapshot's
        epoch and takes the new ones, and ``variant.json`` and
        ``metadata.json`` stay, with the resume recorded in the latter.

        Args:
            from_dir: The directory of the snapshots.
            from_epoch: The epoch: ``'first'``, ``'last'`` or a number.

        Returns:
            The arguments of the interrupted `train` call, to start
                from the epoch after the snapshot's.

        """
        from garage.experiment.experiment import _continue_logged_run

        saved = self._snapshotter.load(from_dir, from_epoch)
        _continue_logged_run(from_dir, saved['stats'].total_epoch)
        return self._restore_saved(saved, from_dir)

    def _restore_saved(
        self, saved: dict[str, Any], from_dir: str | os.PathLike
    ) -> TrainArgs:
        """Restore the experiment of a loaded snapshot; see `restore`."""
        self._seed = saved['seed']
        self._stats = saved['stats']
        self._train_args = saved['train_args']._replace(
            start_epoch=self._stats.total_epoch + 1
        )
        if self._seed is not None:
            set_seed(self._seed)
        # before setup, which may already compute; snapshots from before
        # these settings were recorded have none
        _set_numeric_settings(saved.get('numeric_settings', {}))
        self.setup(env=saved['env'], algo=saved['algo'])
        self._seed = saved['seed']
        self._eval_env = saved['eval_env']
        _set_global_rng_states(saved['rng_states'])
        args = self._train_args
        logger.log(
            f'Restored from the snapshot of epoch '
            f'{self._stats.total_epoch} in {os.fspath(from_dir)}'
        )
        logger.log(f'-- Train Args --\n{_format_rows(args._asdict())}')
        logger.log(f'-- Stats --\n{_format_rows(vars(self._stats))}')
        return args

    def train(
        self,
        n_epochs: int | None = None,
        batch_size: int | None = None,
        plot: bool = False,
        store_episodes: bool = False,
        pause_for_plot: bool = False,
        *,
        progress: bool | None = None,
        eval_every: int | None = None,
        eval_episodes: int = 10,
        keep_best: bool = False,
        n_env_steps: int | None = None,
        callbacks: Callback | Sequence[Callback] | None = None,
        callback_episode_frequency: int | None = None,
        callback_timestep_frequency: int | None = None,
    ) -> float | None:
        """Train the algorithm.

        Training runs for ``n_epochs`` epochs, or, with ``n_env_steps``,
        until the environment steps sampled in all reach ``n_env_steps``:
        an epoch is never cut, so training stops after the epoch in which
        the total reaches the budget. Give exactly one of the two. The
        budget is kept in the snapshot, so `resume` continues towards it.

        Args:
            n_epochs: The number of epochs.
            batch_size: The number of environment steps in one batch.
            plot: Show an episode of the deterministic policy in a window
                after each epoch. A Gymnasium environment in a `GymEnv`
                is made again from its id with ``render_mode='human'`` for
                it; where no window can be opened (no display) ``train``
                raises ``ValueError`` before the first epoch.
            store_episodes: Save the epoch's episodes in the snapshot.
            pause_for_plot: Wait for Enter after each plotted episode.
            progress: Show a progress bar: None shows it when standard
                error is a terminal. Its unit is the epoch, or the
                environment step with ``n_env_steps``.
            eval_every: Evaluate the deterministic policy every this many
                epochs (and after the last epoch of the budget), logging
                under ``Evaluation/``; None never evaluates. An epoch in
                which the algorithm evaluated its policy itself (the
                off-policy algorithms do, every epoch) keeps its
                evaluation. With an `EvaluationScore` among the callbacks,
                the trainer calls it instead of playing evaluation
                episodes.
            eval_episodes: The number of evaluation episodes.
            keep_best: Save the policy with the best evaluation return (or
                `EvaluationScore`) so far to ``best_policy.pkl`` in the
                snapshot directory.
            n_env_steps: Train until this many environment steps in all,
                instead of ``n_epochs``.
            callbacks: A callback, or a sequence of them, each called as
                ``callback(trainer, record)`` after every epoch with the
                epoch's `EpochRecord` (its evaluation return filled in),
                once the epoch is recorded and before its row is logged
                and its snapshot saved. One that returns ``False`` (exactly
                False, or NumPy's; None and anything else continue) stops
                training: the epoch still ends as usual, is logged, and its
                snapshot is saved even where the snapshot mode would skip
                it (all modes but ``'none'``); then ``train`` returns what
                the algorithm returns. Callbacks are not saved in the
                snapshot; give them again to `resume`. See
                ``garage.experiment.callbacks`` for ready-made ones.
            callback_episode_frequency: Also call the callbacks while
                sampling, every this many episodes: after each batch of
                `obtain_episodes` (or `obtain_samples`) in which the count
                of episodes sampled since this call began passes a
                multiple of it, once per batch however many it passes,
                with a `SamplingRecord` of the episodes sampled since the
                previous such call. A False from such a call stops
                training at the end of the epoch.
            callback_timestep_frequency: The same, every this many
                environment steps. With both frequencies, a batch that
                passes either calls the callbacks (once).

        Returns:
            What the algorithm's ``train`` returns: the average return of
                the last epoch.

        Raises:
            NotSetupError: If `setup` was not called first.
            TypeError: If an argument has the wrong type (the error is
                also a ``ValueError``).
            ValueError: If an argument is out of range, or options
                conflict: both or neither of ``n_epochs`` and
                ``n_env_steps``, a frequency without callbacks, an
                `EvaluationScore` without ``eval_every``.

        """
        if not self._has_setup:
            raise NotSetupError(
                'train() needs an experiment: call setup(algo, env) first'
            )
        self._train_args = _checked_train_args(
            TrainArgs(
                n_epochs=n_epochs,
                batch_size=batch_size,
                plot=plot,
                store_episodes=store_episodes,
                pause_for_plot=pause_for_plot,
                start_epoch=0,
                progress=progress,
                eval_every=eval_every,
                eval_episodes=eval_episodes,
                keep_best=keep_best,
                n_env_steps=n_env_steps,
            )
        )
        self._set_callbacks(
            callbacks, callback_episode_frequency, callback_timestep_frequency
        )
        return self._run()

    def resume(
        self,
        n_epochs: int | None = None,
        batch_size: int | None = None,
        plot: bool | None = None,
        store_episodes: bool | None = None,
        pause_for_plot: bool | None = None,
        *,
        progress: bool | None = None,
        eval_every: int | None = None,
        eval_episodes: int | None = None,
        keep_best: bool | None = None,
        n_env_steps: int | None = None,
        callbacks: Callback | Sequence[Callback] | None = None,
        callback_episode_frequency: int | None = None,
        callback_timestep_frequency: int | None = None,
    ) -> float | None:
        """Continue a restored experiment.

        Each training argument left None takes its value from the
        interrupted `train` call; see there for their meaning. A budget
        given here replaces the saved one: ``n_epochs`` continues an
        experiment budgeted in steps for that many epochs in all, and
        ``n_env_steps`` one budgeted in epochs until that many steps.
        Callbacks and their frequencies are not saved: only those given
        here are called.

        Returns:
            What the algorithm's ``train`` returns.

        Raises:
            NotSetupError: If `restore` was not called first.
            TypeError: If an argument has the wrong type (the error is
                also a ``ValueError``).
            ValueError: If an argument is out of range, or options
                conflict.

        """
        if self._train_args is None or not self._has_setup:
            raise NotSetupError(
                'resume() continues a restored experiment: call restore(from_dir) first'
            )
        given: dict[str, Any] = {
            'n_epochs': n_epochs,
            'batch_size': batch_size,
            'plot': plot,
            'store_episodes': store_episodes,
            'pause_for_plot': pause_for_plot,
            'progress': progress,
            'eval_every': eval_every,
            'eval_episodes': eval_episodes,
            'keep_best': keep_best,
            'n_env_steps': n_env_steps,
        }
        changed = {key: value for key, value in given.items() if value is not None}
        if (n_epochs is None) != (n_env_steps is None):
            # one budget given: it replaces the saved one, whichever it is
            changed.setdefault('n_epochs', None)
            changed.setdefault('n_env_steps', None)
        self._train_args = _checked_train_args(self._train_args._replace(**changed))
        self._set_callbacks(
            callbacks, callback_episode_frequency, callback_timestep_frequency
        )
        return self._run()

    def _set_callbacks(
        self,
        callbacks: Callback | Sequence[Callback] | None,
        episode_frequency: int | None,
        timestep_frequency: int | None,
    ) -> None:
        """Check and keep the callbacks of a `train` or `resume` call."""
        if callbacks is None:
            given: tuple[Any, ...] = ()
        elif callable(callbacks):
            given = (callbacks,)
        elif isinstance(callbacks, Sequence) and not isinstance(callbacks, str):
            given = tuple(callbacks)
        else:
            raise _validation.ArgumentTypeError(
                f'callbacks must be a callable or a sequence of callables, '
                f'not {type(callbacks).__name__} ({callbacks!r})'
            )
        for index, callback in enumerate(given):
            if not callable(callback):
                raise _validation.ArgumentTypeError(
                    f'callbacks[{index}] must be callable as callback(trainer, '
                    f'record), not {type(callback).__name__} ({callback!r})'
                )
        episode_frequency = _validation.positive_int(
            'callback_episode_frequency', episode_frequency, allow_none=True
        )
        timestep_frequency = _validation.positive_int(
            'callback_timestep_frequency', timestep_frequency, allow_none=True
        )
        if not given and (episode_frequency or timestep_frequency):
            raise ValueError(
                'callback_episode_frequency and callback_timestep_frequency '
                'say how often to call the callbacks, but no callbacks were given'
            )
        scores = [c for c in given if isinstance(c, EvaluationScore)]
        if len(scores) > 1:
            raise ValueError(
                f'give at most one EvaluationScore among the callbacks, got '
                f'{len(scores)}: {scores!r}'
            )
        if scores and self._args().eval_every is None:
            raise ValueError(
                'an EvaluationScore scores the policy when the trainer '
                'evaluates, so it needs eval_every'
            )
        self._callbacks = given
        self._frequency = (
            _CallbackFrequency(episode_frequency, timestep_frequency)
            if episode_frequency or timestep_frequency
            else None
        )

    def _call_callbacks(self, record: EpochRecord) -> None:
        """Call every callback; one returning False stops training."""
        for callback in self._callbacks:
            result = callback(self, record)
            if (result is False or result is np.False_) and self._stopped_by is None:
                self._stopped_by = callback

    def _run(self) -> float | None:
        args = self._args()
        members = self._checked_members()
        members.check()
        if args.eval_every is not None:
            if members.policy is None:
                raise ValueError(
                    f'eval_every evaluates the policy, but '
                    f'{type(self._algo).__name__} has no `policy`'
                )
            if self._eval_env is None:
                self._eval_max_episode_length()  # fail early without a limit
                self._eval_env = self.get_env_copy()
        if args.plot:
            self._plot_env = self._make_plot_env()
        self._start_time = time.perf_counter()
        try:
            return self._algo.train(self)
        finally:
            self._shutdown_worker()
            if self._plot_env is not None:
                self._plot_env.close()
                self._plot_env = None

    def _args(self) -> TrainArgs:
        """The arguments of `train`; raises if there are none yet."""
        if self._train_args is None:
            raise NotSetupError('call train() or restore() first')
        return self._train_args

    def step_epochs(self) -> Iterator[int]:
        """Step through the epochs of training.

        Before each epoch it yields the epoch number; after the algorithm's
        work for it, it evaluates (if asked), records the statistics,
        calls the callbacks, dumps the logs and saves a snapshot, in that
        order, so that a snapshot holds everything logged up to its epoch.
        It stops when the budget is spent (``n_epochs`` epochs, or
        ``n_env_steps`` environment steps, checked before each epoch) or
        after the epoch in which a callback returned False. The algorithm
        reports the epoch with `report_epoch`; one written for the
        original garage sets `step_episode` and increments `step_itr`
        instead.

        Yields:
            The next epoch.

        """
        args = self._args()
        stop_epoch = args.n_epochs
        if os.environ.get(N_EPOCHS_ENV_VAR):
            cap = args.start_epoch + int(os.environ[N_EPOCHS_ENV_VAR])
            stop_epoch = cap if stop_epoch is None else min(stop_epoch, cap)
        self.step_itr = self._stats.total_itr
        self.step_episode = None
        self._stopped_by = None
        logger.log('Obtaining samples...')
        with self._progress_bar(args.start_epoch, stop_epoch) as bar:
            epoch = args.start_epoch
            while not self._budget_spent(epoch, stop_epoch):
                self._current_epoch = epoch
                self._epoch_start_time = time.perf_counter()
                self._epoch_start_itr = self.step_itr
                self._sampling_seconds = 0.0
                self._epoch_batch = None
                self._reported = None
                self._in_epoch = True
                with logger.prefix(f'epoch #{epoch} | '):
                    try:
                        yield epoch
                    finally:
                        self._in_epoch = False
                    self._end_epoch(epoch, stop_epoch, bar)
                if self._stopped_by is not None:
                    break
                epoch += 1

    def _budget_spent(self, epoch: int, stop_epoch: int | None) -> bool:
        """Whether training stops before ``epoch``."""
        return _budget_is_spent(
            self._stats, epoch, stop_epoch, self._args().n_env_steps
        )

    def report_epoch(self, record: EpochRecord) -> None:
        """Report the epoch's results, once per epoch of `step_epochs`.

        The trainer takes the progress bar's returns and the keep-best
        decisions from the record, and advances `step_itr` by its
        ``iterations`` (unless the algorithm advanced it itself).

        Args:
            record: The epoch's results.

        Raises:
            TypeError: If ``record`` is not an `EpochRecord`.
            RuntimeError: If no epoch of `step_epochs` is running, or this
                epoch was reported already.

        """
        _validation.instance_of('record', record, EpochRecord)
        if not self._in_epoch:
            raise RuntimeError(
                'report_epoch() reports an epoch of trainer.step_epochs(): '
                'call it inside the loop'
            )
        if self._reported is not None:
            raise RuntimeError('this epoch was reported already')
        self._reported = record

    def _epoch_record(self, epoch_steps: int) -> EpochRecord:
        """The epoch's record: the reported one, or one of `step_episode`."""
        record = self._reported
        if record is None:
            episodes = self.step_episode
            record = EpochRecord.from_episodes(
                episodes if isinstance(episodes, EpisodeBatch | list) else None,
                iterations=0,
            )
        elif self.step_itr == self._epoch_start_itr:
            self.step_itr += record.iterations
        if record.env_steps is None:
            record = dataclasses.replace(record, env_steps=epoch_steps)
        return record

    def _end_epoch(
        self, epoch: int, stop_epoch: int | None, bar: 'tqdm | None'
    ) -> None:
        args = self._args()
        epoch_steps = self._steps_this_epoch()
        if args.n_env_steps is not None and epoch_steps == 0:
            raise RuntimeError(
                f'n_env_steps={args.n_env_steps} budgets training in environment '
                f'steps, but epoch {epoch} sampled none through the trainer '
                f'(trainer.obtain_episodes or obtain_samples): budget '
                f'{type(self._algo).__name__} in epochs with n_epochs'
            )
        record = self._epoch_record(epoch_steps)
        last = self._budget_spent(epoch + 1, stop_epoch)
        if args.eval_every is not None and ((epoch + 1) % args.eval_every == 0 or last):
            record = self._evaluate(epoch, record)
        self.last_record = record
        episodes = self.step_episode
        if episodes is None:
            episodes = self._epoch_batch
        self._stats.last_episode = episodes if args.store_episodes else None
        self._stats.total_epoch = epoch
        self._stats.total_itr = self.step_itr
        epoch_seconds = time.perf_counter() - self._epoch_start_time
        sampling_share = (
            self._sampling_seconds / epoch_seconds if epoch_seconds > 0 else 0.0
        )
        tabular.record('Epoch', epoch)
        with tabular.prefix('Time/'):
            tabular.record('Epoch', epoch_seconds)
            tabular.record('Total', time.perf_counter() - self._start_time)
            tabular.record('SamplingShare', sampling_share)
        self._call_callbacks(record)
        if bar is not None:
            # the line without fields first: the old fields may no longer fit
            bar.set_postfix_str('', refresh=False)
            if args.n_env_steps is None:
                bar.update(1)
            else:
                done = min(self._stats.total_env_steps, args.n_env_steps)
                bar.update(max(0, done - bar.n))
            self._bar_fields = _progress_fields(
                self._stats.total_env_steps,
                record,
                epoch_seconds,
                sampling_share,
                epoch=None if args.n_env_steps is None else epoch,
            )
            _show_fields(bar, self._bar_fields)
        if self.enable_logging:
            self.log_diagnostics(args.pause_for_plot)
            logger.dump_all(self.step_itr)
            tabular.clear()
        if self._stopped_by is None:
            self.save(epoch)
            return
        logger.log(
            f'Training stopped after epoch {epoch}: {self._stopped_by!r} returned False'
        )
        # the files of the mode, or, where its gap skips this epoch, those of
        # an epoch on the gap
        snapshotter = self._snapshotter
        names = snapshotter._file_names(epoch) or snapshotter._file_names(
            epoch, final=True
        )
        with snapshotter._writing_to(names):
            self.save(epoch)

    def save_checkpoint(self, file_name: str) -> None:
        """Save a snapshot of the experiment now to a file of its own.

        The file, in the snapshot directory, holds what `save` saves after
        the last epoch, whatever the snapshot mode, and is written
        atomically; later snapshots never overwrite it.
        ``Snapshotter.load_object(file_name)`` loads it, and a copy of it
        named ``params.pkl`` in a directory of its own is what `restore`
        restores.

        Args:
            file_name: The file's name, such as ``'checkpoint_9.pkl'``: not
                a path, nor a snapshot's name (``params.pkl``,
                ``itr_N.pkl``).

        Raises:
            ValueError: If ``file_name`` is a path or a snapshot's name.
            NotSetupError: If the trainer was not set up.

        """
        self._snapshotter._object_path(file_name)  # checks the name
        with self._snapshotter._writing_to([file_name]):
            self.save(self._stats.total_epoch)

    def _steps_this_epoch(self) -> int:
        steps = self._stats.total_env_steps - self._epoch_start_steps
        self._epoch_start_steps = self._stats.total_env_steps
        return steps

    @contextlib.contextmanager
    def _progress_bar(self, start: int, stop: int | None) -> Iterator[Any]:
        """The progress bar, or None when it is off.

        Its unit is the epoch, from ``start`` to ``stop``, or, when the
        budget is in environment steps, the step. While the bar is shown,
        the logger's standard output is set aside: the bar takes the place
        of the table printed every epoch, which ``debug.log`` and
        ``progress.csv`` still get.
        """
        self._epoch_start_steps = self._stats.total_env_steps
        args = self._args()
        show = args.progress
        if show is None:
            show = sys.stderr.isatty()
        if not show:
            yield None
            return
        from tqdm import tqdm

        from garage._dowel import dowel

        if args.n_env_steps is None:
            counts: dict[str, Any] = {'total': stop, 'initial': start, 'unit': 'epoch'}
        else:
            counts = {
                'total': args.n_env_steps,
                'initial': min(self._stats.total_env_steps, args.n_env_steps),
                'unit': 'step',
                # 12.3k/100k rather than 12345/100000
                'unit_scale': args.n_env_steps >= 10_000,
            }
        screens = [
            output for output in logger._outputs if isinstance(output, dowel.StdOutput)
        ]
        for screen in screens:
            logger.remove_output_type(type(screen))
        self._bar_fields = []
        try:
            with tqdm(
                **counts, dynamic_ncols=True, bar_format='{l_bar}{bar:16}{r_bar}'
            ) as bar:
                try:
                    yield bar
                finally:
                    # the final line, drawn at close, fits the width too
                    _show_fields(bar, self._bar_fields, refresh=False)
        finally:
            for screen in screens:
                logger.add_output(screen)

    def _evaluate(self, epoch: int, record: EpochRecord) -> EpochRecord:
        """Evaluate the deterministic policy, and keep it if it is the best.

        An algorithm that evaluated its policy itself this epoch (the
        off-policy ones do, every epoch) gave the return in its record:
        that return is taken instead of evaluating again. With an
        `EvaluationScore` among the callbacks, its score is logged as
        ``Evaluation/Score`` and decides the best policy instead, and the
        trainer plays no evaluation episodes.

        Args:
            epoch: The epoch.
            record: The epoch's record.

        Returns:
            The record, with the evaluation return.

        """
        args = self._args()
        members = self._checked_members()
        scorer = next(
            (c for c in self._callbacks if isinstance(c, EvaluationScore)), None
        )
        if scorer is not None:
            value = scorer.evaluate(self)
            tabular.record('Evaluation/Score', value)
        elif record.evaluation_return is not None:
            value = record.evaluation_return
        else:
            eval_env = self._eval_env or self.get_env_copy()
            if eval_env is None:
                raise NotSetupError('evaluation needs an environment: call setup()')
            self._eval_env = eval_env
            episodes = obtain_evaluation_episodes(
                members.policy,
                eval_env,
                self._eval_max_episode_length(),
                num_eps=args.eval_episodes,
                deterministic=True,
            )
            returns = log_performance(
                epoch, episodes, members.discount, prefix='Evaluation'
            )
            value = float(np.mean(returns))
            record = dataclasses.replace(record, evaluation_return=value)
        best = self._stats.best_return
        if best is not None and value <= best:
            return record
        self._stats.best_return = value
        if args.keep_best:
            self._snapshotter.save_object(
                BEST_POLICY_FILE,
                {
                    'policy': members.policy,
                    'epoch': epoch,
                    'average_return': record.evaluation_return,
                    'score': value,
                },
            )
            what = 'score' if scorer is not None else 'return'
            logger.log(f'New best policy: evaluation {what} {value:.3f}')
        return record

    def _eval_max_episode_length(self) -> int:
        length = self._checked_members().max_episode_length
        if length is None and self._env is not None:
            length = self._env.spec.max_episode_length
        if length is None:
            raise ValueError(
                'evaluation needs a maximum episode length: give the '
                'environment one, or the algorithm a max_episode_length'
            )
        return length

    def log_diagnostics(self, pause_for_plot: bool = False) -> None:
        """Log the epoch's diagnostics, and plot if asked to.

        Args:
            pause_for_plot: Wait for Enter after the plotted episode.

        """
        now = time.perf_counter()
        logger.log(f'Time {now - self._start_time:.2f} s')
        logger.log(f'EpochTime {now - self._epoch_start_time:.2f} s')
        tabular.record('TotalEnvSteps', self._stats.total_env_steps)
        logger.log(tabular)
        if self._train_args is not None and self._train_args.plot:
            self._plot_episode(pause_for_plot)

    def _make_plot_env(self) -> Environment:
        """The copy of the environment to plot episodes on, for one run.

        Raises:
            NotSetupError: If there is no environment.
            ValueError: If the algorithm has no policy, or the environment
                cannot be shown in a window here.

        """
        from garage.envs._rendering import for_window

        policy = self._checked_members().policy
        if policy is None:
            raise ValueError(
                f'plot=True shows the policy, but {type(self._algo).__name__} '
                'has no `policy`'
            )
        self._eval_max_episode_length()  # fail early without a limit
        env = self.get_env_copy()
        if env is None:
            raise NotSetupError('plotting needs an environment: call setup() first')
        try:
            return for_window(env)
        except ValueError as error:
            raise ValueError(f'plot=True: {error}') from error

    def _plot_episode(self, pause_for_plot: bool) -> None:
        """Show one episode of the deterministic policy."""
        from garage._functions import rollout

        env = self._plot_env
        if env is None:  # plotting outside train()
            env = self._plot_env = self._make_plot_env()
        rollout(
            env,
            self._checked_members().policy,
            max_episode_length=self._eval_max_episode_length(),
            animated=True,
            deterministic=True,
        )
        if pause_for_plot:
            input('Plotted an episode: press Enter to continue...')

    def get_env_copy(self) -> Environment | None:
        """A copy of the environment, or None if there is none.

        Returns:
            A new environment made by the factory given to `setup`, if
                one was, or else a copy of the environment.

        Raises:
            TypeError: If the environment cannot be pickled, which copying
                needs; the message names the attribute that cannot be.

        """
        if self._env_factory is not None:
            return self._env_factory(None)
        if self._env is None:
            return None
        data = explained(
            cloudpickle.dumps,
            self._env,
            'env',
            'the environment, copied here,',
            ENV_FACTORY_ADVICE,
        )
        return cloudpickle.loads(data)

    def _shutdown_worker(self) -> None:
        shutdown = getattr(self._sampler, 'shutdown_worker', None)
        if shutdown is not None:
            shutdown()


class TFTrainer(Trainer):
    """A `Trainer` for TensorFlow algorithms, which owns their session.

    Use it as a context manager: inside the ``with`` block its session is
    the default one, which the ``garage.tf`` policies, baselines and
    algorithms build into and run in. `setup` initializes only the
    variables that are not yet (values loaded before it are kept), and
    snapshots hold the values of the session's variables (the policy's
    and baseline's parameters, the optimizers' slots), which `restore`
    loads into a rebuilt graph, so that `resume` continues as with
    `Trainer`.

    Sampler workers in other processes (``MultiprocessingSampler``,
    ``RaySampler``) run the policy in sessions of their own, made after
    the fork with thread pools of their own, since TensorFlow's are not
    fork-safe; ``is_tf_worker=True`` gives every worker a session as the
    original's TensorFlow workers had.

    Args:
        snapshot_config: Where and how often to save snapshots; see
            `Trainer`.
        sess: The session; None makes one on the default graph, seeded
            with the experiment's seed when one is set.

    Raises:
        ImportError: If TensorFlow (the ``tf`` extra) is not installed.

    """

    def __init__(self, snapshot_config: Any = None, sess: Any = None):
        from garage.tf._core import v1  # the error names the extra

        super().__init__(snapshot_config)
        self._tf = v1
        if sess is None:
            sess = self._tf.Session()
            seed = get_seed()
            if seed is not None and sess.graph.seed is None:
                sess.graph.seed = seed
        self.sess = sess
        self.sess_entered = False

    def __enter__(self) -> 'TFTrainer':
        """Make the trainer's session (and its graph) the default ones.

        Returns:
            The trainer.

        """
        if self._tf.get_default_session() is not self.sess:
            self.sess.__enter__()
            self.sess_entered = True
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        """Leave the session entered by ``__enter__``."""
        if self._tf.get_default_session() is self.sess and self.sess_entered:
            self.sess.__exit__(exc_type, exc_val, exc_tb)
            self.sess_entered = False

    @contextlib.contextmanager
    def _in_session(self) -> Iterator[None]:
        """Run a block with the trainer's session and graph as the defaults."""
        if self._tf.get_default_session() is self.sess:
            yield
            return
        with self.sess.graph.as_default(), self.sess.as_default():
            yield

    def initialize_tf_vars(self) -> None:
        """Initialize the variables of the session's graph that are not yet."""
        from garage.tf._core import initialize_uninitialized

        with self._in_session():
            initialize_uninitialized(self.sess)

    def setup(self, algo: Any, env: Environment | EnvUpdate) -> None:
        """Set the trainer up, then initialize the uninitialized variables.

        Args:
            algo: The algorithm.
            env: The environment, or an ``EnvUpdate`` that makes it.

        """
        with self._in_session():
            super().setup(algo, env)
            self.initialize_tf_vars()

    def save(self, epoch: int) -> None:
        """Save a snapshot, with the values of the session's variables.

        Args:
            epoch: The epoch.

        """
        with self._in_session():
            super().save(epoch)

    def restore(
        self, from_dir: str | os.PathLike, from_epoch: str | int = 'last'
    ) -> TrainArgs:
        """Restore an experiment: rebuild its graph and load its variables.

        Args:
            from_dir: The directory of the snapshots.
            from_epoch: The epoch: ``'first'``, ``'last'`` or a number.

        Returns:
            The arguments of the interrupted `train` call.

        """
        with self._in_session():
            return super().restore(from_dir, from_epoch)

    def _run(self) -> float | None:
        with self._in_session():
            return super()._run()


def _budget_is_spent(
    stats: ExperimentStats,
    epoch: int,
    n_epochs: int | None,
    n_env_steps: int | None,
) -> bool:
    """Whether an experiment's budget is spent before it trains ``epoch``.

    Args:
        stats: The experiment's statistics.
        epoch: The next epoch to train.
        n_epochs: The budget in epochs, or None.
        n_env_steps: The budget in environment steps, or None.

    Returns:
        True if either budget given is reached.

    """
    return (n_epochs is not None and epoch >= n_epochs) or (
        n_env_steps is not None and stats.total_env_steps >= n_env_steps
    )


def _checked_train_args(args: TrainArgs) -> TrainArgs:
    """Check the training arguments, naming the first that is wrong.

    Returns:
        The arguments, with integers given as whole floats made ints.

    """
    args = args._replace(
        n_epochs=_validation.positive_int('n_epochs', args.n_epochs, allow_none=True),
        n_env_steps=_validation.positive_int(
            'n_env_steps', args.n_env_steps, allow_none=True
        ),
        batch_size=_validation.positive_int(
            'batch_size', args.batch_size, allow_none=True
        ),
        eval_every=_validation.positive_int(
            'eval_every', args.eval_every, allow_none=True
        ),
        eval_episodes=_validation.positive_int('eval_episodes', args.eval_episodes),
    )
    if args.n_epochs is None and args.n_env_steps is None:
        raise ValueError(
            'training needs a budget: give n_epochs (epochs) or n_env_steps '
            '(environment steps)'
        )
    if args.n_epochs is not None and args.n_env_steps is not None:
        raise ValueError(
            f'n_epochs={args.n_epochs} and n_env_steps={args.n_env_steps} are '
            f'two budgets: give only one of them'
        )
    if args.keep_best and args.eval_every is None:
        raise ValueError(
            'keep_best=True keeps the policy with the best '
            'evaluation return, so it needs eval_every'
        )
    if args.pause_for_plot and not args.plot:
        raise ValueError(
            'pause_for_plot=True pauses after plotting, so it needs plot=True'
        )
    return args


def _progress_fields(
    total_env_steps: int,
    record: EpochRecord,
    epoch_seconds: float,
    sampling_share: float,
    epoch: int | None = None,
) -> list[tuple[str, str]]:
    """The progress bar's fields, the most important first.

    ``return`` is the average return of the training episodes that ended
    in the epoch and ``eval`` the evaluation's, in the epochs that have
    them; ``steps`` the environment steps so far (``epoch``, the epoch,
    instead, when given: the bar then counts steps); ``ts/ep`` the
    average length of the episodes; ``ms/ts`` the milliseconds the epoch
    took per environment step; ``sampling`` and ``optimising`` how the
    epoch's time split between sampling and the rest.
    """
    fields = []
    if record.average_return is not None:
        fields.append(('return', f'{record.average_return:.4g}'))
    if record.evaluation_return is not None:
        fields.append(('eval', f'{record.evaluation_return:.4g}'))
    if epoch is None:
        fields.append(('steps', f'{total_env_steps:,}'))
    else:
        fields.append(('epoch', str(epoch)))
    if len(record.episode_lengths):
        fields.append(('ts/ep', f'{record.episode_lengths.mean():.4g}'))
    if record.env_steps:
        fields.append(('ms/ts', f'{1000 * epoch_seconds / record.env_steps:.3g}'))
    fields.append(('sampling', f'{sampling_share:.0%}'))
    fields.append(('optimising', f'{1 - sampling_share:.0%}'))
    return fields


#: Columns the progress line keeps free beyond its measured length: its
#: time and speed may have grown a digit by the time tqdm draws it.
_BAR_SLACK = 3


def _show_fields(
    bar: 'tqdm', fields: list[tuple[str, str]], refresh: bool = True
) -> None:
    """Show as many of ``fields`` as fit the bar's line, dropping the last first.

    The width is the bar's (the terminal's, as tqdm reads it), or, when
    tqdm knows none, the terminal size Python finds (``COLUMNS``, else
    80). A field is shown whole or not at all: tqdm cuts a line longer
    than its width anywhere.
    """
    from tqdm.utils import disp_len

    state = dict(bar.format_dict)
    width = state['ncols'] or shutil.get_terminal_size().columns - 1
    state['ncols'] = None  # measure the whole line, uncut
    parts = [f'{key}={value}' for key, value in fields]
    while parts:
        line = bar.format_meter(**{**state, 'postfix': ', '.join(parts)})
        if disp_len(line) + _BAR_SLACK <= width:
            break
        parts.pop()
    bar.set_postfix_str(', '.join(parts), refresh=refresh)


class _CallbackFrequency:
    """Counts what is sampled, and says when the callbacks are due.

    Args:
        episodes: Call every this many episodes, or None.
        env_steps: Call every this many environment steps, or None.

    """

    def __init__(self, episodes: int | None, env_steps: int | None):
        self._every_episodes = episodes
        self._every_steps = env_steps
        self._episodes = 0
        self._steps = 0
        self._returns: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []

    def add(self, batch: EpisodeBatch, epoch: int) -> SamplingRecord | None:
        """Count a batch; the record of the episodes since the last call, if due."""
        seen = EpochRecord.from_episodes(batch)
        before_episodes, before_steps = self._episodes, self._steps
        self._episodes += len(seen.returns)
        self._steps += int(seen.episode_lengths.sum())
        self._returns.append(seen.returns)
        self._lengths.append(seen.episode_lengths)
        if not (
            _passes(before_episodes, self._episodes, self._every_episodes)
            or _passes(before_steps, self._steps, self._every_steps)
        ):
            return None
        lengths = np.concatenate(self._lengths)
        record = SamplingRecord(
            returns=np.concatenate(self._returns),
            episode_lengths=lengths,
            env_steps=int(lengths.sum()),
            epoch=epoch,
            run_episodes=self._episodes,
            run_env_steps=self._steps,
        )
        self._returns, self._lengths = [], []
        return record


def _passes(before: int, after: int, every: int | None) -> bool:
    """Whether counting from ``before`` to ``after`` passes a multiple of ``every``."""
    return every is not None and after // every > before // every


def _global_rng_states() -> dict[str, Any]:
    """The states of Python's, NumPy's and (if loaded) PyTorch's global RNGs."""
    states = {'random': random.getstate(), 'numpy': np.random.get_state()}
    torch = sys.modules.get('torch')
    if torch is not None:
        states['torch'] = torch.get_rng_state()
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            states['torch_cuda'] = torch.cuda.get_rng_state_all()
    return states


def _set_global_rng_states(states: dict[str, Any]) -> None:
    random.setstate(states['random'])
    np.random.set_state(states['numpy'])
    if 'torch' in states:
        import torch

        torch.set_rng_state(states['torch'])
        if 'torch_cuda' in states and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(states['torch_cuda'])


def _numeric_settings() -> dict[str, Any]:
    """The process-wide PyTorch settings that change the numbers it computes.

    Empty if PyTorch is not loaded: then nothing computed with it.
    """
    torch = sys.modules.get('torch')
    if torch is None:
        return {}
    return {key: get() for key, (get, _) in _torch_settings(torch).items()}


def _set_numeric_settings(settings: dict[str, Any]) -> None:
    """Apply settings recorded by `_numeric_settings`; unknown keys are skipped."""
    if not settings:
        return
    import torch

    changed = []
    for key, (get, set_) in _torch_settings(torch).items():
        if key in settings and get() != settings[key]:
            changed.append(f'{key} {get()} -> {settings[key]}')
            set_(settings[key])
    if changed:
        logger.log(f"PyTorch settings as the snapshot's: {', '.join(changed)}")


def _torch_settings(
    torch: Any,
) -> dict[str, tuple[Callable[[], Any], Callable[[Any], None]]]:
    """Each setting's getter and setter, in the order they are applied."""
    from garage.torch import global_device, set_gpu_mode

    def attribute(
        owner: Any, name: str
    ) -> tuple[Callable[[], Any], Callable[[Any], None]]:
        return (lambda: getattr(owner, name)), (
            lambda value: setattr(owner, name, value)
        )

    def set_interop_threads(n_threads: int) -> None:
        # settable only before the first inter-op parallel work; their
        # number changes how fast independent operations run, not results
        try:
            torch.set_num_interop_threads(n_threads)
        except RuntimeError as error:
            logger.log(f'PyTorch kept its inter-op threads: {error}')

    def set_device(device: str) -> None:
        kind, _, index = device.partition(':')
        if kind == 'cuda' and not torch.cuda.is_available():
            # the snapshot's tensors were loaded onto the CPU
            logger.log(f"No GPU for the snapshot's {device}: on the CPU")
            return
        set_gpu_mode(kind == 'cuda', gpu_id=int(index or 0))

    cuda_matmul = torch.backends.cuda.matmul
    return {
        'num_threads': (torch.get_num_threads, torch.set_num_threads),
        'num_interop_threads': (torch.get_num_interop_threads, set_interop_threads),
        'deterministic_algorithms': (
            lambda: (
                torch.are_deterministic_algorithms_enabled(),
                torch.is_deterministic_algorithms_warn_only_enabled(),
            ),
            lambda value: torch.use_deterministic_algorithms(
                value[0], warn_only=value[1]
            ),
        ),
        'fill_uninitialized_memory': attribute(
            torch.utils.deterministic, 'fill_uninitialized_memory'
        ),
        'default_dtype': (torch.get_default_dtype, torch.set_default_dtype),
        'float32_matmul_precision': (
            torch.get_float32_matmul_precision,
            torch.set_float32_matmul_precision,
        ),
        **{
            f'cudnn.{name}': attribute(torch.backends.cudnn, name)
            for name in ('enabled', 'deterministic', 'benchmark', 'allow_tf32')
        },
        **{
            f'cuda.matmul.{name}': attribute(cuda_matmul, name)
            for name in (
                'allow_fp16_reduced_precision_reduction',
                'allow_bf16_reduced_precision_reduction',
            )
        },
        'mkldnn.enabled': attribute(torch.backends.mkldnn, 'enabled'),
        'device': (lambda: str(global_device()), set_device),
    }


def _format_rows(values: dict[str, Any]) -> str:
    return '\n'.join(f'{key}: {value}' for key, value in values.items())


__all__ = [
    'EpochRecord',
    'ExperimentStats',
    'NotSetupError',
    'TFTrainer',
    'TrainArgs',
    'Trainer',
]
