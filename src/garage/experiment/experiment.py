"""Running an experiment: its log directory, its log outputs, ``wrap_experiment``.

An experiment logs to one directory:

- ``variant.json``: the arguments of the experiment function;
- ``metadata.json``: the launcher script, its git commit and whether its
  repository had changes, the garage and Python versions, the start time, the
  command line and the logging options;
- ``debug.log``: everything logged with ``dowel.logger``, and the traceback
  of an experiment that raised;
- ``progress.csv``: one row per dump of ``dowel.tabular``;
- TensorBoard event files;
- ``launch_archive.tar.xz``: the files of the launcher's git repository;
- the snapshots of the trainer.

dowel is imported only when an experiment runs: it takes seconds to import.
"""

import contextlib
import csv
import dataclasses
import datetime
import functools
import importlib
import importlib.metadata
import inspect
import io
import json
import os
import pathlib
import platform
import shlex
import subprocess
import sys
import tarfile
import traceback
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType
from typing import IO, Any

from garage import _validation
from garage.experiment._log_lock import LogDirectoryLock, LogDirectoryLockedError
from garage.experiment.snapshotter import (
    Snapshotter,
    _replace_atomically,
    _snapshots,
)

__all__ = [
    'ExperimentContext',
    'ExperimentTemplate',
    'LogDirectoryLockedError',
    'experiment_logging',
    'wrap_experiment',
]

NAME_PARAMETERS = (None, 'all', 'passed')
"""The values ``wrap_experiment`` accepts for ``name_parameters``."""

_ARCHIVE_WARNING_BYTES = 8 * 1024**2
_POSITIONAL = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    inspect.Parameter.VAR_POSITIONAL,
)


def _checked_snapshot_gap(snapshot_mode: str, snapshot_gap: int) -> int:
    """Check a snapshot mode and gap as the trainer's Snapshotter will.

    Args:
        snapshot_mode: The snapshot mode.
        snapshot_gap: The snapshot gap.

    Returns:
        The gap as a Python int.

    Raises:
        ValueError: If the mode is unknown, the gap is not positive, or the
            gap does not suit the mode.
        ArgumentTypeError: If the gap is not an integer.

    """
    return Snapshotter(os.curdir, snapshot_mode, snapshot_gap).snapshot_gap


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExperimentContext:
    """Where an experiment logs, and how its trainer takes snapshots.

    ``wrap_experiment`` passes one to the experiment function as its first
    argument, ``ctxt``; give it to the ``Trainer`` as its ``snapshot_config``.

    Attributes:
        snapshot_dir: The experiment's log directory; snapshots are saved in
            it too.
        snapshot_mode: Which snapshots to keep, one of ``'all'``, ``'last'``,
            ``'gap'``, ``'gap_and_last'``, ``'gap_overwrite'``, ``'none'``.
        snapshot_gap: The number of epochs between snapshots in the gap
            modes.

    Raises:
        ValueError: If the mode is unknown or the gap is not positive.
        ArgumentTypeError: If the gap is not an integer.

    """

    snapshot_dir: str
    snapshot_mode: str
    snapshot_gap: int

    def __post_init__(self) -> None:
        gap = _checked_snapshot_gap(self.snapshot_mode, self.snapshot_gap)
        object.__setattr__(self, 'snapshot_gap', gap)

    @property
    def log_dir(self) -> str:
        """str: The experiment's log directory, the same as ``snapshot_dir``."""
        return self.snapshot_dir


@dataclasses.dataclass(frozen=True, kw_only=True)
class _ExperimentOptions:
    """The options of ``wrap_experiment``, checked; see its arguments."""

    log_dir: str | os.PathLike | None
    prefix: str
    name: str | None
    snapshot_mode: str
    snapshot_gap: int
    archive_launch_repo: bool
    name_parameters: str | None
    use_existing_dir: bool
    x_axis: str | None

    def __post_init__(self) -> None:
        gap = _checked_snapshot_gap(self.snapshot_mode, self.snapshot_gap)
        object.__setattr__(self, 'snapshot_gap', gap)
        _validation.one_of('name_parameters', self.name_parameters, NAME_PARAMETERS)
        _validation.instance_of('prefix', self.prefix, str)
        if not self.prefix:
            raise ValueError("prefix must be a non-empty string, got ''")
        if self.name is not None:
            _validation.instance_of('name', self.name, str)
            if not self.name:
                raise ValueError("name must be a non-empty string or None, got ''")


_OPTION_NAMES = tuple(field.name for field in dataclasses.fields(_ExperimentOptions))


class ExperimentTemplate:
    """An experiment function wrapped by `wrap_experiment`.

    Calling it makes the experiment's log directory, attaches the log outputs
    to ``dowel.logger``, calls the function with an `ExperimentContext`
    and its keyword arguments, and detaches the outputs again.

    Args:
        function: The experiment function. Its first parameter receives the
            `ExperimentContext`.
        options: The options of `wrap_experiment`.

    Raises:
        TypeError: If ``function`` is not callable or has no parameter for the
            `ExperimentContext`.

    """

    def __init__(self, function: Callable[..., Any], *, options: _ExperimentOptions):
        if not callable(function):
            raise _validation.ArgumentTypeError(
                f'wrap_experiment wraps a function, not '
                f'{function!r}; pass its options as keyword '
                f'arguments: @wrap_experiment(snapshot_mode=...)'
            )
        signature = inspect.signature(function)
        parameters = list(signature.parameters.values())
        if not parameters or parameters[0].kind not in _POSITIONAL:
            raise TypeError(
                f'{function.__qualname__} must take the '
                f'ExperimentContext as its first argument, as in '
                f'def {function.__name__}(ctxt, seed=1)'
            )
        functools.update_wrapper(self, function)
        self.__signature__ = signature.replace(parameters=parameters[1:])
        self._function = function
        self._options = options

    def __call__(self, *args: Mapping[str, Any], **kwargs: Any) -> Any:
        """Run the experiment.

        Args:
            *args: At most one dict of `wrap_experiment` options to
                change for this run, such as ``dict(log_dir=...)``.
            **kwargs: The arguments of the experiment function, which are
                keyword arguments only.

        Returns:
            What the experiment function returns.

        Raises:
            ValueError: If an argument of the function is passed by position,
                or the dict of options holds an unknown or invalid option.
            TypeError: If the keyword arguments do not fit the function.
            LogDirectoryLockedError: If another process is logging to the
                log directory (``use_existing_dir=True``).

        """
        options = self._options_for_run(args)
        arguments = self.__signature__.bind(**kwargs)
        passed = _flat_arguments(arguments)
        arguments.apply_defaults()
        every = _flat_arguments(arguments)
        log_dir = options.log_dir
        if log_dir is None:
            name = _name_with_parameters(
                options.name or self._function.__name__,
                {None: {}, 'passed': passed, 'all': every}[options.name_parameters],
            )
            log_dir = os.path.join(os.getcwd(), 'data', 'local', options.prefix, name)
        if not options.use_existing_dir:
            log_dir = _make_unique_dir(os.fspath(log_dir))
        logging = experiment_logging(
            log_dir,
            snapshot_mode=options.snapshot_mode,
            snapshot_gap=options.snapshot_gap,
            x_axis=options.x_axis,
            variant=every,
            archive_launch_repo=options.archive_launch_repo,
        )
        with logging as ctxt:
            return self._function(ctxt, **kwargs)

    def _options_for_run(
        self, args: tuple[Mapping[str, Any], ...]
    ) -> _ExperimentOptions:
        """Apply a dict of options passed to one run.

        Args:
            args: The positional arguments of the run.

        Returns:
            The options of the run.

        Raises:
            ValueError: If ``args`` is not empty or one dict of known options.

        """
        if not args:
            return self._options
        if len(args) > 1 or not isinstance(args[0], Mapping):
            name = self._function.__name__
            raise ValueError(
                f'{name}() takes keyword arguments only (its '
                f'ExperimentContext is passed by wrap_experiment), but got '
                f'{len(args)} positional argument(s): call it as '
                f'{name}(seed=1), or pass one dict of wrap_experiment '
                f'options, as in {name}(dict(log_dir=...), seed=1)'
            )
        unknown = sorted(set(args[0]) - set(_OPTION_NAMES))
        if unknown:
            raise ValueError(
                f'unknown wrap_experiment option(s) '
                f'{", ".join(map(repr, unknown))}: use '
                f'{", ".join(map(repr, _OPTION_NAMES))}'
            )
        return dataclasses.replace(self._options, **args[0])


def wrap_experiment(
    function: Callable[..., Any] | None = None,
    *,
    log_dir: str | os.PathLike | None = None,
    prefix: str = 'experiment',
    name: str | None = None,
    snapshot_mode: str = 'last',
    snapshot_gap: int = 1,
    archive_launch_repo: bool = True,
    name_parameters: str | None = None,
    use_existing_dir: bool = False,
    x_axis: str | None = 'TotalEnvSteps',
) -> ExperimentTemplate | Callable[[Callable[..., Any]], ExperimentTemplate]:
    """Decorate a function to turn it into an `ExperimentTemplate`.

    When invoked, the wrapped function receives an `ExperimentContext`,
    which holds the log directory into which the experiment should log, as
    its first argument. All its other arguments must be keyword arguments.

    It can be used without arguments:

        @wrap_experiment
        def my_experiment(ctxt, seed, lr=0.5):
            ...

    or with arguments:

        @wrap_experiment(snapshot_mode='all')
        def my_experiment(ctxt, seed, lr=0.5):
            ...

    and is run as ``my_experiment(seed=1)``. A dict of these options may be
    passed first to change them for one run:
    ``my_experiment(dict(log_dir='/tmp/run'), seed=1)``.

    The log directory is ``log_dir`` if given, and otherwise
    ``<cwd>/data/local/<prefix>/<name>``: ``prefix``, ``name`` and
    ``name_parameters`` only shape that default. Unless ``use_existing_dir``,
    ``_1``, ``_2``, ... is appended to a directory that already exists.

    Args:
        function: The experiment function to wrap, or None to get a
            decorator.
        log_dir: The full log directory to log to. Will be computed from
            ``name`` if omitted.
        prefix: Directory under ``data/local`` in which to place the
            experiment directory.
        name: The name of this experiment template. Will be filled from the
            wrapped function's name if omitted.
        snapshot_mode: Policy for which snapshots to keep (or make at all):
            ``'all'`` (every epoch), ``'last'`` (only the last epoch),
            ``'gap'`` (every ``snapshot_gap`` epochs), ``'gap_and_last'``,
            ``'gap_overwrite'`` or ``'none'`` (no snapshots).
        snapshot_gap: Gap between snapshot epochs in the gap modes.
        archive_launch_repo: Whether to save an archive of the git repository
            containing the launcher script, which helps to reproduce the
            experiment but can take a while for a large repository.
        name_parameters: Parameters to insert into the experiment name:
            None (none), ``'all'`` (every parameter, passed or default) or
            ``'passed'`` (only passed parameters), each as ``_key=value``, in
            the order they appear in the function definition.
        use_existing_dir: If true, (re)use the directory for this experiment,
            even if it already contains data. A run found there is continued
            in place if the experiment calls ``Trainer.restore`` on this
            directory, and otherwise replaced at the first logged row (see
            `experiment_logging`). A directory another process is logging
            to is refused with `LogDirectoryLockedError`.
        x_axis: Key of ``dowel.tabular`` to use as the x axis of the
            TensorBoard plots; None plots against the number of dumps.

    Returns:
        The wrapped function, or, if ``function`` is None, a decorator that
        wraps a function.

    Raises:
        ValueError: If ``snapshot_mode`` or ``name_parameters`` is unknown,
            ``snapshot_gap`` is not positive, or ``prefix`` or ``name`` is
            empty.
        TypeError: If ``snapshot_gap`` is not an integer, or ``function`` is
            not a function that takes an `ExperimentContext` first.

    """
    options = _ExperimentOptions(
        log_dir=log_dir,
        prefix=prefix,
        name=name,
        snapshot_mode=snapshot_mode,
        snapshot_gap=snapshot_gap,
        archive_launch_repo=archive_launch_repo,
        name_parameters=name_parameters,
        use_existing_dir=use_existing_dir,
        x_axis=x_axis,
    )
    if function is None:
        return functools.partial(ExperimentTemplate, options=options)
    return ExperimentTemplate(function, options=options)


@contextlib.contextmanager
def experiment_logging(
    log_dir: str | os.PathLike,
    *,
    snapshot_mode: str,
    snapshot_gap: int,
    x_axis: str | None = 'TotalEnvSteps',
    resume: bool = False,
    variant: Mapping[str, Any] | None = None,
    archive_launch_repo: bool = True,
) -> Iterator[ExperimentContext]:
    """Log an experiment to a directory while the context is open.

    Locks the directory against other writers, attaches ``debug.log``,
    ``progress.csv``, TensorBoard and standard output to ``dowel.logger``,
    with the directory's name as the prefix of logged lines, and yields the
    `ExperimentContext` for the directory. When not resuming, it writes
    ``variant.json``, ``metadata.json`` and, if ``archive_launch_repo``,
    ``launch_archive.tar.xz``.

    A directory that holds an earlier run (its ``metadata.json`` or a
    snapshot) is not overwritten straight away: if the experiment calls
    ``Trainer.restore`` on this same directory before logging its first
    row, it continues the earlier run, as ``resume=True`` does (see
    below), and the resume is recorded in ``metadata.json``. Otherwise its
    first row starts ``progress.csv`` afresh and writes the new
    ``variant.json`` and ``metadata.json``, with a warning.

    The experiment has ``dowel.logger`` and ``dowel.tabular`` to itself: the
    outputs attached before, and tabular values recorded but not yet dumped,
    are set aside and put back when the context closes. On closing, even
    because of an error, the outputs are flushed, closed and detached and
    the lock is released; an error's traceback is written to ``debug.log``
    before it propagates. A ``KeyboardInterrupt`` (Ctrl-C) also prints one
    line to standard error naming the command that resumes the experiment;
    if nothing catches it, the script ends with that line alone and the
    exit status of an interrupted process (130 in a shell), not a
    traceback.

    Args:
        log_dir: The log directory, created if missing.
        snapshot_mode: The snapshot mode of the experiment context.
        snapshot_gap: The snapshot gap of the experiment context.
        x_axis: Key of ``dowel.tabular`` to use as the x axis of the
            TensorBoard plots; None plots against the number of dumps.
        resume: Continue an experiment killed in ``log_dir``: append to its
            ``progress.csv`` (under its header) and ``debug.log``, and leave
            its ``variant.json``, ``metadata.json`` and archive as they are.
        variant: The experiment's arguments, for ``variant.json``; values
            JSON cannot hold are written as their ``repr``. Unused when
            resuming.
        archive_launch_repo: Whether to archive the launcher's repository.
            Unused when resuming.

    Yields:
        The context of the experiment, with ``log_dir`` as its absolute
        snapshot directory.

    Raises:
        FileNotFoundError: If resuming and ``log_dir`` is not a directory.
        LogDirectoryLockedError: If another process (or another open
            context of this one) is logging to ``log_dir``.
        ValueError: If the mode is unknown or the gap is not positive.
        TypeError: If the gap is not an integer.

    """
    log_dir = os.path.abspath(log_dir)
    ctxt = ExperimentContext(
        snapshot_dir=log_dir, snapshot_mode=snapshot_mode, snapshot_gap=snapshot_gap
    )
    if resume and not os.path.isdir(log_dir):
        raise FileNotFoundError(f'cannot resume logging in {log_dir}: not a directory')
    os.makedirs(log_dir, exist_ok=True)
    lock = LogDirectoryLock(log_dir)
    lock.acquire()
    try:
        with _logging_to(
            log_dir,
            ctxt,
            x_axis=x_axis,
            resume=resume,
            variant=variant,
            archive_launch_repo=archive_launch_repo,
        ):
            yield ctxt
    finally:
        lock.release()


@contextlib.contextmanager
def _logging_to(
    log_dir: str,
    ctxt: ExperimentContext,
    *,
    x_axis: str | None,
    resume: bool,
    variant: Mapping[str, Any] | None,
    archive_launch_repo: bool,
) -> Iterator[None]:
    """Attach the outputs and write the files; see `experiment_logging`."""
    from garage._dowel import dowel
    from garage.experiment._log_outputs import DeferredCsvOutput, TensorBoardOutput

    logger = dowel.logger
    earlier_run = resume or _holds_run(log_dir)
    run = _RunLog(log_dir, logger, variant=variant or {})
    with _isolated_dowel(dowel), contextlib.ExitStack() as outputs:
        text = dowel.TextOutput(os.path.join(log_dir, 'debug.log'))
        run.progress = DeferredCsvOutput(
            os.path.join(log_dir, 'progress.csv'), before_first_row=run.start_afresh
        )
        for output in (
            text,
            run.progress,
            TensorBoardOutput(log_dir, x_axis=x_axis),
            dowel.StdOutput(),
        ):
            outputs.callback(output.close)
            outputs.callback(output.dump)  # runs first: callbacks are LIFO
            logger.add_output(output)
        with logger.prefix(f'[{os.path.basename(log_dir)}] '):
            try:
                logger.log(
                    f'{"Resuming logging" if resume else "Logging"} to {log_dir}'
                )
                if resume:
                    run.progress.continue_file()
                else:
                    git_root, metadata = _launch_metadata()
                    metadata.update(
                        x_axis=x_axis,
                        snapshot_mode=ctxt.snapshot_mode,
                        snapshot_gap=ctxt.snapshot_gap,
                    )
                    run.pending = functools.partial(
                        _write_run_files,
                        log_dir,
                        variant or {},
                        metadata,
                        git_root,
                        archive_launch_repo,
                        logger,
                    )
                    if not earlier_run:
                        run.write_pending()
                        run.progress.open_now()
                _active_runs.append(run)
                try:
                    yield
                finally:
                    _active_runs.remove(run)
                # an experiment that logged no row still writes its files
                run.write_pending()
            except KeyboardInterrupt as error:
                text.record(f'Interrupted (Ctrl-C):\n{traceback.format_exc()}')
                _report_interrupt(error, log_dir)
                raise
            except BaseException:
                text.record(
                    f'Experiment raised an exception:\n{traceback.format_exc()}'
                )
                raise


_active_runs: list['_RunLog'] = []
"""The experiments logging in this process, innermost last."""


class _RunLog:
    """An experiment logging to its directory, and the files it may write.

    Args:
        log_dir: The log directory.
        logger: ``dowel.logger``.
        variant: The experiment's arguments.

    Attributes:
        progress: The ``progress.csv`` output.
        pending: Writes ``variant.json``, ``metadata.json`` and the
            archive, until it is called or the run continues an earlier one.

    """

    def __init__(self, log_dir: str, logger: Any, *, variant: Mapping[str, Any]):
        self.log_dir = log_dir
        self.progress: Any = None
        self.pending: Callable[[], None] | None = None
        self._logger = logger
        self._variant = variant

    def write_pending(self) -> None:
        """Write the run's files, unless written or given up already."""
        pending, self.pending = self.pending, None
        if pending is not None:
            pending()

    def start_afresh(self) -> None:
        """At the first row: a run that did not continue the earlier one."""
        if self.pending is not None:
            self._logger.log(
                f'WARNING: {self.log_dir} holds an earlier run: this new run '
                f'replaces its progress.csv, variant.json and metadata.json '
                f'(to continue it instead, call trainer.restore() on this '
                f'directory before training, or run python -m garage resume)'
            )
            self.write_pending()

    def continue_from(self, epoch: int) -> None:
        """Continue the earlier run after ``epoch``, its snapshot's epoch."""
        if self.progress.opened:
            self._logger.log(
                f'WARNING: rows were logged to {self.log_dir}/progress.csv '
                f'before restoring its snapshot; they stay'
            )
        else:
            _drop_rows_after(pathlib.Path(self.log_dir, 'progress.csv'), epoch)
            self.progress.continue_file()
        resuming_launcher = self.pending is not None
        self.pending = None
        _record_resume(
            self.log_dir,
            epoch,
            self._variant if resuming_launcher else None,
            self._logger,
        )
        self._logger.log(
            f'Continuing the run logged here after its epoch {epoch}: '
            f'progress.csv keeps the rows up to it, and variant.json and '
            f'metadata.json stay; the resume is recorded in metadata.json'
        )


def _continue_logged_run(from_dir: str | os.PathLike, epoch: int) -> None:
    """Make an experiment that logs to ``from_dir`` continue the run there.

    ``Trainer.restore`` and ``python -m garage resume`` call this with the
    directory and epoch of the snapshot they restore. If an experiment of
    this process logs to that directory, it continues the run logged there:
    ``progress.csv`` loses the rows after ``epoch`` and takes new rows
    under its header, ``variant.json`` and ``metadata.json`` stay, and the
    resume is recorded in ``metadata.json``. Otherwise nothing happens.

    Args:
        from_dir: The directory of the snapshot.
        epoch: The snapshot's epoch.

    """
    for run in reversed(_active_runs):
        if _same_directory(run.log_dir, from_dir):
            run.continue_from(epoch)
            return


def _same_directory(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.abspath(first) == os.path.abspath(second)


def _holds_run(log_dir: str) -> bool:
    """Whether a directory holds an earlier run: metadata.json or a snapshot."""
    directory = pathlib.Path(log_dir)
    return (directory / 'metadata.json').exists() or bool(_snapshots(directory))


def _write_run_files(
    log_dir: str,
    variant: Mapping[str, Any],
    metadata: dict[str, Any],
    git_root: str | None,
    archive_launch_repo: bool,
    logger: Any,
) -> None:
    """Write ``variant.json``, ``metadata.json`` and the launch archive."""
    _write_json(os.path.join(log_dir, 'variant.json'), variant)
    _write_json(os.path.join(log_dir, 'metadata.json'), metadata)
    if archive_launch_repo:
        _archive_launch_repo(git_root, metadata['launcher'], log_dir, logger)


def _record_resume(
    log_dir: str, epoch: int, variant: Mapping[str, Any] | None, logger: Any
) -> None:
    """Append a resume to the ``resumes`` list of ``metadata.json``.

    The file is rewritten atomically; one that is not a JSON object is
    left alone, with a warning.

    Args:
        log_dir: The log directory.
        epoch: The epoch of the snapshot the run continues from.
        variant: The arguments of the experiment function that resumed,
            or None when ``python -m garage resume`` did.
        logger: ``dowel.logger``, for the warning.

    """
    path = pathlib.Path(log_dir, 'metadata.json')
    metadata: Any
    try:
        metadata = json.loads(path.read_text(encoding='utf-8'))
    except FileNotFoundError:
        metadata = {}
    except (OSError, ValueError):
        metadata = None
    resumes = metadata.get('resumes', []) if isinstance(metadata, dict) else None
    if not isinstance(resumes, list):
        logger.log(
            f'WARNING: {path} is not the JSON object garage writes; '
            f'the resume is not recorded in it'
        )
        return
    resume: dict[str, Any] = {
        'time': datetime.datetime.now().astimezone().isoformat(),
        'command_line': sys.orig_argv,
        'from_epoch': epoch,
        'garage_version': _garage_version(),
        'python_version': platform.python_version(),
    }
    if variant is not None:
        resume['variant'] = dict(variant)
    metadata['resumes'] = [*resumes, resume]
    text = json.dumps(metadata, indent=2, default=repr) + '\n'
    _write_text_atomically(path, text)


def _drop_rows_after(progress_csv: pathlib.Path, last_epoch: int) -> None:
    """Keep the rows of epochs up to ``last_epoch``, rewriting atomically."""
    if not progress_csv.exists():
        return
    with progress_csv.open(newline='') as file:
        rows = list(csv.reader(file))
    if not rows:
        return
    header, body = rows[0], rows[1:]
    if 'Epoch' in header:
        column = header.index('Epoch')
        # a row cut short by a kill may lack the column
        kept = [
            row
            for row in body
            if len(row) > column
            and row[column]
            and int(float(row[column])) <= last_epoch
        ]
    else:
        kept = body[: last_epoch + 1]
    if len(kept) == len(body):
        return
    text = io.StringIO(newline='')
    csv.writer(text).writerows([header, *kept])
    _write_text_atomically(progress_csv, text.getvalue())


def _write_text_atomically(path: pathlib.Path, text: str) -> None:
    """Replace a file with ``text`` (UTF-8): the old or new file, never half."""

    def write(file: IO[bytes]) -> None:
        file.write(text.encode('utf-8'))

    _replace_atomically(path, write)


class _InterruptHook:
    """``sys.excepthook`` that prints nothing for a reported Ctrl-C.

    Args:
        previous: The hook it wraps, for every other exception.

    """

    def __init__(self, previous: Callable[..., Any]):
        self.previous = previous

    def __call__(self, kind: type[BaseException], value: BaseException, tb: Any) -> Any:
        if isinstance(value, KeyboardInterrupt) and getattr(value, _REPORTED, False):
            return None
        return self.previous(kind, value, tb)


_REPORTED = '_garage_reported'


def _report_interrupt(error: KeyboardInterrupt, log_dir: str) -> None:
    """Print one line for a Ctrl-C: the command that resumes the experiment.

    The error is marked as reported (an experiment logging inside another
    reports it once), and ``sys.excepthook`` is wrapped so that, if nothing
    catches it, the script ends without a traceback, by SIGINT as Python
    ends on an uncaught ``KeyboardInterrupt``.

    Args:
        error: The interrupt.
        log_dir: The experiment's log directory.

    """
    if getattr(error, _REPORTED, False):
        return
    setattr(error, _REPORTED, True)
    shown = os.path.relpath(log_dir)
    if shown.startswith(os.pardir):
        shown = log_dir
    if _snapshots(pathlib.Path(log_dir)):
        line = (
            f'Interrupted; the last snapshot is kept. Continue with: '
            f'python -m garage resume {shlex.quote(shown)}'
        )
    else:
        line = f'Interrupted before the first snapshot: nothing to resume in {shown}'
    print(line, file=sys.stderr, flush=True)
    if not isinstance(sys.excepthook, _InterruptHook):
        sys.excepthook = _InterruptHook(sys.excepthook)


@contextlib.contextmanager
def _isolated_dowel(dowel: ModuleType) -> Iterator[None]:
    """Set aside the outputs of dowel's logger and the values of its tabular.

    Args:
        dowel: The dowel module.

    Yields:
        None, with no outputs attached and no tabular values recorded; on
        exit, the outputs and values set aside replace whatever is there.

    """
    logger, tabular = dowel.logger, dowel.tabular
    outputs = list(logger._outputs)  # dowel has no public way to list them
    values = dict(tabular.as_dict)
    logger.remove_all()
    tabular.as_dict.clear()
    try:
        yield
    finally:
        logger.remove_all()
        for output in outputs:
            logger.add_output(output)
        tabular.as_dict.clear()
        tabular.as_dict.update(values)


def _name_with_parameters(name: str, parameters: Mapping[str, Any]) -> str:
    """Append ``_key=value`` to a name for each parameter.

    Path separators in values are replaced by ``_``, so that a value such as
    ``'ALE/Pong-v5'`` does not make a subdirectory.

    Args:
        name: The experiment name.
        parameters: The parameters to append, by name.

    Returns:
        The name with the parameters.

    """
    parts = [name]
    for key, value in parameters.items():
        text = str(value).replace(os.sep, '_')
        if os.altsep:
            text = text.replace(os.altsep, '_')
        parts.append(f'{key}={text}')
    return '_'.join(parts)


def _flat_arguments(arguments: inspect.BoundArguments) -> dict[str, Any]:
    """Map each argument name to its value, spreading ``**kwargs``.

    Args:
        arguments: The bound arguments.

    Returns:
        The arguments in the order of the signature.

    """
    flat = {}
    for key, value in arguments.arguments.items():
        parameter = arguments.signature.parameters[key]
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            flat.update(value)
        else:
            flat[key] = value
    return flat


def _make_unique_dir(log_dir: str) -> str:
    """Create a directory, appending ``_1``, ``_2``, ... if it exists.

    Args:
        log_dir: The directory wanted.

    Returns:
        The directory created.

    """
    candidate, suffix = log_dir, 0
    while True:
        try:
            os.makedirs(candidate)
        except FileExistsError:
            suffix += 1
            candidate = f'{log_dir}_{suffix}'
        else:
            return candidate


def _write_json(path: str, value: Mapping[str, Any]) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(value, f, indent=2, default=repr)
        f.write('\n')


def _git(cwd: str, *args: str) -> str | None:
    """Run a git command and return its output, or None if it fails.

    Args:
        cwd: The directory to run it in.
        *args: The git arguments.

    Returns:
        The output, stripped, or None if git is missing or fails.

    """
    try:
        result = subprocess.run(
            ('git', *args),
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def _git_files(git_root: str) -> list[str]:
    """List the files git tracks in a repository.

    Args:
        git_root: The root of the repository.

    Returns:
        The paths of the tracked files, relative to ``git_root``.

    """
    output = subprocess.run(
        ('git', 'ls-files', '-z', '--cached'),
        cwd=git_root,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return [os.fsdecode(path) for path in output.split(b'\0') if path]


def _launch_metadata() -> tuple[str | None, dict[str, Any]]:
    """Describe how the experiment was launched, for ``metadata.json``.

    The launcher is the script Python was started with. Its repository is
    dirty if a tracked file differs from the last commit or the launcher is
    not tracked (the log directory, untracked, never counts).

    Returns:
        The root of the launcher's git repository (None if the launcher is
        not in one), and the metadata: ``launcher`` (its path, relative to the
        repository root when in one; None if Python runs no script),
        ``git_root``, ``git_commit``, ``git_dirty`` and ``githash`` (the
        commit with ``-dirty`` appended if dirty, as garage wrote it), all
        None outside a repository, ``garage_version``, ``python_version``,
        ``start_time`` (ISO 8601, local time) and ``command_line``.

    """
    launcher: str | None = getattr(sys.modules['__main__'], '__file__', None)
    git_root = commit = dirty = githash = None
    if launcher is not None:
        launcher = os.path.realpath(launcher)
        git_root = (
            _git(os.path.dirname(launcher), 'rev-parse', '--show-toplevel') or None
        )
    if launcher is not None and git_root is not None:
        launcher = os.path.relpath(launcher, git_root)
        commit = _git(git_root, 'rev-parse', '--verify', '--quiet', 'HEAD')
        changed = _git(git_root, 'status', '--porcelain', '--untracked-files=no')
        dirty = bool(changed) or launcher not in _git_files(git_root)
        if commit:
            githash = commit + ('-dirty' if dirty else '')
    return git_root, {
        'launcher': launcher,
        'git_root': git_root,
        'git_commit': commit,
        'git_dirty': dirty,
        'githash': githash,
        'garage_version': _garage_version(),
        'python_version': platform.python_version(),
        'start_time': datetime.datetime.now().astimezone().isoformat(),
        'command_line': sys.argv,
    }


def _garage_version() -> str | None:
    try:
        return importlib.metadata.version('garage')
    except importlib.metadata.PackageNotFoundError:
        return None


def _archive_launch_repo(
    git_root: str | None, launcher: str | None, log_dir: str, logger: Any
) -> None:
    """Write ``launch_archive.tar.xz``: the launcher's repository.

    The archive holds the files git tracks, as they are on disk, and the
    launcher script even if it is not tracked. Outside a git repository,
    nothing is written and a warning is logged.

    Args:
        git_root: The root of the launcher's repository, or None.
        launcher: The launcher's path, relative to ``git_root``.
        log_dir: The directory to write the archive to.
        logger: ``dowel.logger``, for warnings.

    """
    if git_root is None or launcher is None:
        logger.log(
            'WARNING: the launcher script is not in a git repository: '
            'launch_archive.tar.xz not written (pass '
            'archive_launch_repo=False to wrap_experiment to silence '
            'this)'
        )
        return
    paths = _git_files(git_root)
    if launcher not in paths:
        paths.append(launcher)
    paths = [path for path in paths if os.path.lexists(os.path.join(git_root, path))]
    size = sum(os.lstat(os.path.join(git_root, path)).st_size for path in paths)
    if size > _ARCHIVE_WARNING_BYTES:
        logger.log(
            f'WARNING: archiving {size / 1024**2:.0f} MiB of the '
            f'launcher repository {git_root}; pass '
            f'archive_launch_repo=False to wrap_experiment to skip it'
        )
    with tarfile.open(
        os.path.join(log_dir, 'launch_archive.tar.xz'), 'w:xz'
    ) as archive:
        for path in paths:
            archive.add(os.path.join(git_root, path), arcname=path, recursive=False)
