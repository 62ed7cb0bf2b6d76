"""Command line: ``python -m garage resume|plot ...``."""

import argparse
import sys


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
        description='Continue killed experiments and plot learning curves.',
    )
    commands = parser.add_subparsers(dest='command', required=True)
    resume = commands.add_parser(
        'resume', help='continue a killed experiment in its log directory'
    )
    resume.add_argument('log_dir', help="the experiment's log directory")
    resume.add_argument(
        '--n-epochs',
        type=_positive_int,
        default=None,
        help='train until this many epochs in all '
        '(default: as the experiment was started)',
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
    args = parser.parse_args(argv)
    if args.command == 'plot':
        plotting.run(args)
        return 0
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
        resume_experiment(args.log_dir, n_epochs=args.n_epochs, from_epoch=from_epoch)
    except ExperimentCompleteError as complete:
        parser.exit(0, f'python -m garage resume: {complete}\n')
    except (FileNotFoundError, SnapshotError, LogDirectoryLockedError) as error:
        parser.exit(1, f'python -m garage resume: {error}\n')
    return 0


def _positive_int(text: str) -> int:
    """Parse a positive integer argument."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f'expected a positive integer, got {text!r}')
    return value


if __name__ == '__main__':
    sys.exit(main())
