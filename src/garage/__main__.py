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
        type=int,
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
    from garage.experiment.resume import resume_experiment
    from garage.experiment.snapshotter import SnapshotError

    from_epoch = int(args.from_epoch) if args.from_epoch.isdigit() else args.from_epoch
    try:
        resume_experiment(args.log_dir, n_epochs=args.n_epochs, from_epoch=from_epoch)
    except (FileNotFoundError, SnapshotError) as error:
        parser.exit(1, f'python -m garage resume: {error}\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
