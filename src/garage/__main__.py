"""Command line: ``python -m garage resume|plot|eval ...``."""

import argparse
import sys
from typing import Any


def main(argv: list[str] | None = None) -> int:
    """Run a ``garage`` subcommand.

    Args:
        argv: The arguments, without the program name; None reads
            ``sys.argv``.

    Returns:
        The exit status.

    """
    from garage import plotting

    parser = argparse.ArgumentParser(
        prog='python -m garage',
        description='Continue killed experiments, plot learning curves and '
        'evaluate trained policies.',
    )
    commands = parser.add_subparsers(dest='command', required=True)
    resume = commands.add_parser(
        'resume', help='continue a killed experiment in its log directory'
    )
    resume.add_argument('log_dir', help="the experiment's log directory")
    budget = resume.add_mutually_exclusive_group()
    budget.add_argument(
        '--n-epochs',
        type=_positive_int,
        default=None,
        help='train until this many epochs in all '
        '(default: as the experiment was started)',
    )
    budget.add_argument(
        '--n-env-steps',
        type=_positive_int,
        default=None,
        help='train until this many environment steps in all, instead of a '
        'number of epochs',
    )
    resume.add_argument(
        '--from-epoch',
        default='last',
        help="the snapshot to continue from: 'last' "
        "(default), 'first' or an epoch number",
    )
    plot = commands.add_parser(
        'plot', help='draw learning curves from progress.csv files to a PNG'
    )
    plotting.add_arguments(plot)
    _add_eval_arguments(commands)
    args = parser.parse_args(argv)
    if args.command == 'plot':
        plotting.run(args)
        return 0
    if args.command == 'eval':
        return _evaluate(args)
    return _resume(parser, args)


def _resume(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run ``python -m garage resume``; see ``docs/howto/resume.md``.

    Errors (no snapshot, a directory another process writes, a bad
    ``--n-epochs``) end with one line and status 1; a complete experiment
    ends with a line saying how to extend it and status 0; Ctrl-C ends with
    one line naming this command again, by SIGINT (status 130).
    """
    from garage.experiment.experiment import LogDirectoryLockedError
    from garage.experiment.resume import ExperimentCompleteError, resume_experiment
    from garage.experiment.snapshotter import SnapshotError

    from_epoch = int(args.from_epoch) if args.from_epoch.isdigit() else args.from_epoch
    try:
        resume_experiment(
            args.log_dir,
            n_epochs=args.n_epochs,
            n_env_steps=args.n_env_steps,
            from_epoch=from_epoch,
        )
    except ExperimentCompleteError as complete:
        parser.exit(0, f'python -m garage resume: {complete}\n')
    except (FileNotFoundError, SnapshotError, LogDirectoryLockedError) as error:
        parser.exit(1, f'python -m garage resume: {error}\n')
    return 0


def _add_eval_arguments(commands: Any) -> None:
    """Add the ``eval`` subcommand to the subparsers ``commands``."""
    parser = commands.add_parser(
        'eval',
        help="run an experiment's policy in deterministic episodes: print "
        'the mean return, watch it or record it',
    )
    parser.add_argument('log_dir', help="the experiment's log directory")
    parser.add_argument(
        '--best',
        action='store_true',
        help='evaluate best_policy.pkl, kept by training with keep_best=True '
        '(default: the policy of the last snapshot)',
    )
    parser.add_argument(
        '--episodes',
        type=_positive_int,
        default=10,
        metavar='N',
        help='the number of episodes (default: 10)',
    )
    parser.add_argument(
        '--render', action='store_true', help='show the episodes in a window'
    )
    parser.add_argument(
        '--video',
        metavar='DIR',
        default=None,
        help='record each episode to an MP4 file in DIR (needs moviepy: '
        'pip install "garage[video]")',
    )
    parser.add_argument(
        '--seed',
        type=_non_negative_int,
        default=None,
        metavar='S',
        help='seed the policy and environment, for the same episodes every time',
    )


def _evaluate(args: argparse.Namespace) -> int:
    """Run ``python -m garage eval`` and print the summary."""
    from garage.experiment.evaluation import EvaluationError, evaluate_experiment
    from garage.experiment.snapshotter import SnapshotError

    try:
        result = evaluate_experiment(
            args.log_dir,
            best=args.best,
            n_episodes=args.episodes,
            render=args.render,
            video_dir=args.video,
            seed=args.seed,
        )
    except (OSError, SnapshotError, EvaluationError) as error:
        print(f'python -m garage eval: {error}', file=sys.stderr)
        return 1
    print(result.summary())
    for video in result.videos:
        print(f'video: {video}')
    return 0


def _positive_int(text: str) -> int:
    return _at_least(text, 1)


def _non_negative_int(text: str) -> int:
    return _at_least(text, 0)


def _at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(
            f'expected an integer of at least {low}, got {text!r}'
        )
    return value


if __name__ == '__main__':
    sys.exit(main())
