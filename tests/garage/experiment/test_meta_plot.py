"""The meta-test curve of a real MAML run, drawn by ``python -m garage plot``."""

import csv
import math
import subprocess
import sys

import matplotlib.image
import pytest

from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from garage import Trainer, wrap_experiment
from garage.experiment import MetaEvaluator, SetTaskSampler, deterministic
from garage.plotting import plot_learning_curves
from garage.sampler import LocalSampler
from garage.torch.algos import MAMLTRPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction

pytestmark = pytest.mark.filterwarnings(
    'ignore:.*(No outputs|accepted by any output)',
    'ignore::dowel.tabular_input.TabularInputWarning',
)

KEY = 'MetaTest/Average/AverageReturn'


@pytest.fixture(scope='module')
def maml_log_dir(tmp_path_factory):
    """A MAML-TRPO run of 3 epochs, meta-tested in epochs 0 and 2."""
    log_dir = tmp_path_factory.mktemp('meta') / 'maml_trpo_point'

    @wrap_experiment(
        log_dir=str(log_dir),
        snapshot_mode='none',
        archive_launch_repo=False,
        use_existing_dir=True,
    )
    def maml_trpo_point(ctxt):
        deterministic.set_seed(1)
        env = GoalPointEnv()
        policy = GaussianMLPPolicy(env.spec, hidden_sizes=(8,))
        sampler = LocalSampler(
            policy, env, max_episode_length=GOAL_EPISODE_LENGTH, n_workers=1
        )
        algo = MAMLTRPO(
            env,
            policy,
            GaussianMLPValueFunction(env.spec, hidden_sizes=(8,)),
            sampler,
            SetTaskSampler(GoalPointEnv),
            meta_batch_size=2,
            meta_evaluator=MetaEvaluator(
                test_task_sampler=SetTaskSampler(GoalPointEnv),
                n_test_tasks=2,
                n_exploration_eps=2,
            ),
            evaluate_every_n_epochs=2,
        )
        trainer = Trainer(ctxt)
        trainer.setup(algo, env)
        trainer.train(n_epochs=3, batch_size=2 * GOAL_EPISODE_LENGTH, progress=False)

    maml_trpo_point()
    return log_dir


def _column(log_dir, key):
    with open(log_dir / 'progress.csv', newline='') as file:
        return [row[key] for row in csv.DictReader(file)]


def test_meta_test_cells_are_empty_in_epochs_without_a_meta_test(maml_log_dir):
    cells = _column(maml_log_dir, KEY)
    assert [cell != '' for cell in cells] == [True, False, True]
    assert all(math.isfinite(float(cell)) for cell in cells if cell)


def test_draws_the_meta_test_points(maml_log_dir, tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    drawn = []
    original = Axes.plot

    def plot(self, x, y, **kwargs):
        drawn.append((list(x), list(y)))
        return original(self, x, y, **kwargs)

    monkeypatch.setattr(Axes, 'plot', plot)
    plot_learning_curves(maml_log_dir, keys=[KEY], output=tmp_path / 'curve.png')
    steps = _column(maml_log_dir, 'TotalEnvSteps')
    returns = _column(maml_log_dir, KEY)
    assert drawn == [
        (
            [float(steps[0]), float(steps[2])],
            [float(returns[0]), float(returns[2])],
        )
    ]


def test_command_line_plots_the_meta_test_curve(maml_log_dir):
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'garage',
            'plot',
            str(maml_log_dir),
            '--key',
            KEY,
            '--key',
            'PreUpdate/AverageReturn',
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    png = maml_log_dir / 'learning_curves.png'
    assert result.stdout.strip() == str(png)
    assert matplotlib.image.imread(png).ndim == 3
