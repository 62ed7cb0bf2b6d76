#!/usr/bin/env python3
"""The Trainer's own cost per epoch, with a trivial algorithm.

The algorithm samples nothing and optimises nothing: each epoch it records
one value. What remains is the Trainer's work, measured piece by piece,
each case adding one service to the one before:

* the bare loop: the algorithm's epochs without a trainer;
* ``step_epochs`` with snapshots off and no log outputs;
* with the log outputs of ``wrap_experiment`` (text, CSV, TensorBoard, and
  standard output, sent to a null device here);
* with a snapshot of the algorithm, a (32, 32) ``GaussianMLPPolicy``, after
  every epoch (``snapshot_mode='last'``, written atomically: a temporary
  file, then a rename);
* with the progress bar (drawn to a null device).

Each case runs ``N_EPOCHS`` epochs, ``REPEATS`` times taking turns; the
cost per epoch is the median, in milliseconds of wall-clock time.

Run: .venv/bin/python benchmarks/trainer_overhead.py
"""

import contextlib
import os
import statistics
import sys
import tempfile
import time

import torch

from garage._dowel import tabular
from garage.envs import PointEnv
from garage.experiment import SnapshotConfig
from garage.experiment.experiment import experiment_logging
from garage.np.algos import RLAlgorithm
from garage.torch.policies import GaussianMLPPolicy
from garage.trainer import Trainer

N_EPOCHS = 200
REPEATS = 5


class RecordOnly(RLAlgorithm):
    """Records one value an epoch; keeps a small policy to snapshot."""

    def __init__(self, env_spec):
        self.policy = GaussianMLPPolicy(env_spec, (32, 32))
        self._sampler = None

    def train(self, trainer):
        """Record the epoch number, every epoch."""
        for epoch in trainer.step_epochs():
            tabular.record('AverageReturn', float(epoch))
            trainer.step_itr += 1


def bare(env_spec, directory):
    start = time.perf_counter()
    for epoch in range(N_EPOCHS):
        tabular.record('AverageReturn', float(epoch))
        tabular.clear()
    return time.perf_counter() - start


def with_trainer(*, outputs, snapshot, progress):
    """A case: train RecordOnly with the services given."""

    def run(env_spec, directory):
        config = SnapshotConfig(directory, 'last' if snapshot else 'none', 1)
        logging = (
            experiment_logging(
                directory, snapshot_mode=config.snapshot_mode, snapshot_gap=1
            )
            if outputs
            else contextlib.nullcontext(config)
        )
        with (
            open(os.devnull, 'w') as null,
            contextlib.redirect_stdout(null),
            contextlib.redirect_stderr(null),
            logging as ctxt,
        ):
            trainer = Trainer(ctxt)
            trainer.setup(RecordOnly(env_spec), None)
            start = time.perf_counter()
            trainer.train(n_epochs=N_EPOCHS, progress=progress)
            return time.perf_counter() - start

    return run


CASES = {
    'bare loop': bare,
    'step_epochs only': with_trainer(outputs=False, snapshot=False, progress=False),
    '+ log outputs': with_trainer(outputs=True, snapshot=False, progress=False),
    '+ snapshot every epoch': with_trainer(outputs=True, snapshot=True, progress=False),
    '+ progress bar': with_trainer(outputs=True, snapshot=True, progress=True),
}


def main():
    torch.set_num_threads(1)
    env_spec = PointEnv().spec
    seconds = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as root:
        for repeat in range(REPEATS):
            for number, (case, run) in enumerate(CASES.items()):
                directory = os.path.join(root, f'{repeat}_{number}')
                seconds[case].append(run(env_spec, directory))
    print(f'{N_EPOCHS} epochs, median of {REPEATS} runs; ms per epoch')
    print(f'{"case":<26} {"ms/epoch":>9} {"added":>8}')
    previous = None
    for case, times in seconds.items():
        per_epoch = statistics.median(times) / N_EPOCHS * 1e3
        added = '' if previous is None else f'{per_epoch - previous:+.3f}'
        print(f'{case:<26} {per_epoch:>9.3f} {added:>8}')
        previous = per_epoch
    sys.stdout.flush()


if __name__ == '__main__':
    main()
