"""Callbacks, budgets in environment steps, and the progress bar's width."""

import collections
import io
import pickle
import re
import shutil
import sys
import threading

import numpy as np
import pytest
from tqdm import tqdm

import garage.trainer
from fixtures.algos import CountingAlgorithm
from fixtures.logs import RowRecorder
from fixtures.policies import TagPolicy
from garage._dowel import dowel, logger
from garage.envs import PointEnv
from garage.experiment import (
    CheckpointEvery,
    EvaluationScore,
    SamplingRecord,
    SnapshotConfig,
    Snapshotter,
    StopAtReturn,
)
from garage.experiment.local_runner import LocalRunner
from garage.np.algos import RLAlgorithm
from garage.sampler import LocalSampler
from garage.trainer import (
    BEST_POLICY_FILE,
    N_EPOCHS_ENV_VAR,
    EpochRecord,
    TrainArgs,
    Trainer,
    _progress_fields,
    _show_fields,
)

pytestmark = pytest.mark.filterwarnings(
    'ignore::dowel.tabular_input.TabularInputWarning'
)

# PointEnv episodes of 5 steps; a batch of 10 steps is 2 whole episodes
EPISODE = 5
BATCH = 10


@pytest.fixture
def rows():
    recorder = RowRecorder()
    logger.add_output(recorder)
    yield recorder.rows
    logger.remove_output_type(RowRecorder)


class ScriptedReturns(RLAlgorithm):
    """Samples a batch each epoch and reports the returns it is told to.

    Args:
        policy: The policy.
        sampler: The sampler.
        returns: The training return to report in each epoch.
        evaluation_returns: The evaluation return of each epoch, or None.

    """

    def __init__(self, policy, sampler, returns, evaluation_returns=None):
        self.policy = policy
        self._sampler = sampler
        self.discount = 1.0
        self.max_episode_length = EPISODE
        self._returns = list(returns)
        self._evaluation_returns = evaluation_returns
        self.epochs = []

    def train(self, trainer):
        for epoch in trainer.step_epochs():
            self.epochs.append(epoch)
            episodes = trainer.obtain_episodes(trainer.step_itr)
            n = len(episodes.lengths)
            trainer.report_epoch(
                EpochRecord(
                    returns=np.full(n, self._returns[epoch]),
                    episode_lengths=episodes.lengths,
                    evaluation_return=(
                        None
                        if self._evaluation_returns is None
                        else self._evaluation_returns[epoch]
                    ),
                )
            )
        return trainer.last_record.average_return


def make(tmp_path, mode='last', gap=1, returns=None, runner=Trainer, **kwargs):
    """A trainer set up with a CountingAlgorithm, or ScriptedReturns."""
    env = PointEnv(max_episode_length=EPISODE)
    policy = TagPolicy(env.spec)
    sampler = LocalSampler(policy, env, max_episode_length=EPISODE, seed=1, n_workers=1)
    if returns is None:
        algo = CountingAlgorithm(policy, sampler, max_episode_length=EPISODE)
    else:
        algo = ScriptedReturns(policy, sampler, returns, **kwargs)
    trainer = runner(
        SnapshotConfig(snapshot_dir=str(tmp_path), snapshot_mode=mode, snapshot_gap=gap)
    )
    trainer.setup(algo, env)
    return trainer, algo


def snapshots(directory):
    return sorted(path.name for path in directory.glob('*.pkl'))


class Recorder:
    """A callback that keeps what it was called with, and returns a value."""

    def __init__(self, result=None, at=None):
        self.calls = []
        self._result = result
        self._at = at

    def __call__(self, trainer, record):
        self.calls.append((trainer.current_epoch, record))
        if self._at is None or len(self.calls) - 1 == self._at:
            return self._result
        return None


class TestCallbacks:
    def test_called_after_each_epoch_with_its_record(self, tmp_path):
        trainer, _ = make(tmp_path, returns=[1.0, 2.0, 3.0])
        first, second = Recorder(), Recorder()
        trainer.train(n_epochs=3, batch_size=BATCH, callbacks=[first, second])
        assert [epoch for epoch, _ in first.calls] == [0, 1, 2]
        assert first.calls == second.calls
        records = [record for _, record in first.calls]
        assert all(type(record) is EpochRecord for record in records)
        assert [record.average_return for record in records] == [1.0, 2.0, 3.0]
        assert [record.env_steps for record in records] == [BATCH] * 3
        assert records[-1] is trainer.last_record

    def test_one_callable_is_enough(self, tmp_path):
        trainer, _ = make(tmp_path)
        seen = []
        trainer.train(
            n_epochs=2, batch_size=BATCH, callbacks=lambda t, r: seen.append(r)
        )
        assert len(seen) == 2

    def test_a_callback_sees_the_epochs_evaluation(self, tmp_path):
        trainer, _ = make(tmp_path, returns=[0, 0], evaluation_returns=[4.0, 6.0])
        seen = Recorder()
        trainer.train(n_epochs=2, batch_size=BATCH, eval_every=1, callbacks=seen)
        assert [r.evaluation_return for _, r in seen.calls] == [4.0, 6.0]

    def test_values_logged_by_a_callback_join_the_epochs_row(self, tmp_path, rows):
        trainer, _ = make(tmp_path)

        def log_extra(trainer, record):
            dowel.tabular.record('Extra', trainer.current_epoch * 10)

        trainer.train(n_epochs=2, batch_size=BATCH, callbacks=log_extra)
        assert [row['Extra'] for row in rows] == [0, 10]

    @pytest.mark.parametrize('result', [None, True, 0, '', 'stop', np.True_])
    def test_anything_but_false_continues(self, tmp_path, result):
        trainer, algo = make(tmp_path)
        trainer.train(n_epochs=3, batch_size=BATCH, callbacks=Recorder(result))
        assert algo.epochs == [0, 1, 2]

    @pytest.mark.parametrize('false', [False, np.False_])
    def test_false_stops_after_the_epoch(self, tmp_path, rows, false):
        trainer, algo = make(tmp_path)
        later = Recorder()
        result = trainer.train(
            n_epochs=5, batch_size=BATCH, callbacks=[Recorder(false, at=1), later]
        )
        assert result == 2.0  # the algorithm's own return: it ended normally
        assert algo.epochs == [0, 1]
        assert [row['Epoch'] for row in rows] == [0, 1]  # the epoch is logged
        assert len(later.calls) == 2  # every callback sees the last epoch
        assert trainer._stats.total_epoch == 1

    @pytest.mark.parametrize(
        ('mode', 'gap', 'files'),
        [
            ('gap', 3, ['itr_0.pkl', 'itr_1.pkl']),
            ('gap_overwrite', 3, ['params.pkl']),
            ('gap_and_last', 3, ['itr_0.pkl', 'params.pkl']),
            ('last', 1, ['params.pkl']),
            ('all', 1, ['itr_0.pkl', 'itr_1.pkl']),
            ('none', 1, []),
        ],
    )
    def test_a_stop_saves_a_final_snapshot(self, tmp_path, mode, gap, files):
        trainer, _ = make(tmp_path, mode=mode, gap=gap)
        trainer.train(n_epochs=5, batch_size=BATCH, callbacks=Recorder(False, at=1))
        assert snapshots(tmp_path) == files
        if files:
            assert Snapshotter.load(tmp_path)['stats'].total_epoch == 1

    def test_a_stopped_run_resumes_to_its_budget(self, tmp_path):
        trainer, _ = make(tmp_path, mode='gap', gap=3)
        trainer.train(n_epochs=4, batch_size=BATCH, callbacks=Recorder(False, at=1))
        restored, _ = make(tmp_path / 'unused')
        restored.restore(tmp_path)
        restored.resume()
        assert restored._algo.epochs == [0, 1, 2, 3]
        assert restored.total_env_steps == 4 * BATCH

    def test_callbacks_are_not_saved_and_resume_takes_new_ones(self, tmp_path):
        trainer, _ = make(tmp_path, mode='all')
        lock = threading.Lock()  # not picklable

        def holds_a_lock(trainer, record):
            return None if lock else False

        trainer.train(n_epochs=2, batch_size=BATCH, callbacks=holds_a_lock)
        again = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        again.restore(tmp_path, from_epoch=0)
        again.resume()  # none: the first run's callback is gone
        assert again._callbacks == ()
        third = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        third.restore(tmp_path, from_epoch=0)
        given = Recorder()
        third.resume(n_epochs=3, callbacks=given)
        assert [epoch for epoch, _ in given.calls] == [1, 2]

    def test_local_runner_passes_them_through(self, tmp_path):
        trainer, algo = make(tmp_path, runner=LocalRunner)
        trainer.train(n_epochs=4, batch_size=BATCH, callbacks=Recorder(False, at=0))
        assert algo.epochs == [0]

    @pytest.mark.parametrize(
        ('kwargs', 'error', 'match'),
        [
            ({'callbacks': 'stop'}, TypeError, 'callbacks must be a callable or'),
            ({'callbacks': [print, 3]}, TypeError, r'callbacks\[1\] must be callable'),
            (
                {'callback_episode_frequency': 2},
                ValueError,
                'no callbacks were given',
            ),
            (
                {'callbacks': print, 'callback_timestep_frequency': 0},
                ValueError,
                'callback_timestep_frequency must be a positive integer',
            ),
            (
                {'callbacks': EvaluationScore(lambda trainer: 1.0)},
                ValueError,
                'EvaluationScore .* needs eval_every',
            ),
            (
                {
                    'callbacks': [
                        EvaluationScore(lambda trainer: 1.0),
                        EvaluationScore(lambda trainer: 2.0),
                    ],
                    'eval_every': 1,
                },
                ValueError,
                'at most one EvaluationScore',
            ),
        ],
    )
    def test_bad_callbacks(self, tmp_path, kwargs, error, match):
        trainer, algo = make(tmp_path)
        with pytest.raises(error, match=match):
            trainer.train(n_epochs=1, batch_size=BATCH, **kwargs)
        assert algo.epochs == []


def sampling_calls(train, **kwargs):
    """The records of the calls at the sampling frequency, and the others.

    Args:
        train: ``trainer.train`` or ``trainer.resume``.
        kwargs: Their arguments, with the frequency.

    """
    seen = Recorder()
    train(callbacks=seen, **kwargs)
    records = [record for _, record in seen.calls]
    sampling = [r for r in records if isinstance(r, SamplingRecord)]
    return sampling, [r for r in records if not isinstance(r, SamplingRecord)]


class TestCallbackFrequency:
    def test_every_n_episodes(self, tmp_path):
        trainer, _ = make(tmp_path, returns=[1.0, 2.0, 3.0, 4.0, 5.0])
        sampling, epochs = sampling_calls(
            trainer.train, n_epochs=5, batch_size=BATCH, callback_episode_frequency=3
        )
        # 2 episodes a batch: the counts 4, 6 and 10 pass a multiple of 3
        assert [r.run_episodes for r in sampling] == [4, 6, 10]
        assert [r.epoch for r in sampling] == [1, 2, 4]
        assert [len(r.returns) for r in sampling] == [4, 2, 4]
        assert all(r.average_return is not None for r in sampling)
        assert [r.env_steps for r in sampling] == [20, 10, 20]
        assert all(r.iterations == 0 for r in sampling)
        assert len(epochs) == 5  # still after every epoch too

    def test_every_n_steps_counted_from_the_call(self, tmp_path):
        trainer, _ = make(tmp_path, mode='all')
        sampling, _ = sampling_calls(
            trainer.train, n_epochs=5, batch_size=BATCH, callback_timestep_frequency=15
        )
        assert [r.run_env_steps for r in sampling] == [20, 30, 50]
        restored = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        restored.restore(tmp_path, from_epoch=0)  # 10 steps sampled
        sampling, _ = sampling_calls(restored.resume, callback_timestep_frequency=15)
        assert [r.run_env_steps for r in sampling] == [20, 30]
        assert [r.epoch for r in sampling] == [2, 3]

    def test_either_frequency_calls_once(self, tmp_path):
        trainer, _ = make(tmp_path)
        sampling, _ = sampling_calls(
            trainer.train,
            n_epochs=3,
            batch_size=BATCH,
            callback_episode_frequency=2,
            callback_timestep_frequency=10,
        )
        assert [r.run_episodes for r in sampling] == [2, 4, 6]

    def test_false_while_sampling_finishes_the_epoch(self, tmp_path, rows):
        trainer, algo = make(tmp_path, mode='gap', gap=5)

        def stop_at_six_episodes(trainer, record):
            if isinstance(record, SamplingRecord) and record.run_episodes >= 6:
                return False
            return None

        trainer.train(
            n_epochs=5,
            batch_size=BATCH,
            callbacks=stop_at_six_episodes,
            callback_episode_frequency=1,
        )
        assert algo.epochs == [0, 1, 2]
        assert [row['Epoch'] for row in rows] == [0, 1, 2]
        assert snapshots(tmp_path) == ['itr_0.pkl', 'itr_2.pkl']

    def test_ready_made_callbacks_ignore_sampling_calls(self, tmp_path):
        trainer, _ = make(tmp_path, returns=[9.0, 9.0, 9.0])
        sampling_record = SamplingRecord(
            returns=np.array([9.0]), episode_lengths=np.array([5])
        )
        assert StopAtReturn(1.0)(trainer, sampling_record) is None
        assert CheckpointEvery(1)(trainer, sampling_record) is None
        assert snapshots(tmp_path) == []


class TestStopAtReturn:
    def test_on_the_training_return(self, tmp_path):
        trainer, algo = make(tmp_path, returns=[1.0, 4.0, 5.0, 9.0])
        trainer.train(n_epochs=4, batch_size=BATCH, callbacks=StopAtReturn(5))
        assert algo.epochs == [0, 1, 2]

    def test_on_the_algorithms_evaluation_return(self, tmp_path):
        trainer, algo = make(
            tmp_path, returns=[9.0] * 5, evaluation_returns=[1, 2, 7, 8, 9]
        )
        trainer.train(
            n_epochs=5, batch_size=BATCH, callbacks=StopAtReturn(5, on='evaluation')
        )
        assert algo.epochs == [0, 1, 2]

    def test_on_the_trainers_evaluation_return(self, tmp_path, monkeypatch):
        evaluations = iter([1.0, 7.0])
        monkeypatch.setattr(
            'garage.trainer.log_performance',
            lambda *args, **kwargs: np.array([next(evaluations)]),
        )
        trainer, algo = make(tmp_path, returns=[9.0] * 5)
        trainer.train(
            n_epochs=5,
            batch_size=BATCH,
            eval_every=2,
            callbacks=StopAtReturn(5, on='evaluation'),
        )
        # epochs 1 and 3 evaluate; the training return of 9 does not count
        assert algo.epochs == [0, 1, 2, 3]

    def test_checks_its_arguments(self):
        with pytest.raises(ValueError, match='threshold must be a number'):
            StopAtReturn(float('nan'))
        with pytest.raises(ValueError, match="on must be one of 'training'"):
            StopAtReturn(1, on='eval')
        assert repr(StopAtReturn(2)) == "StopAtReturn(2.0, on='training')"


class TestCheckpointEvery:
    @pytest.mark.parametrize('mode', ['last', 'none'])
    def test_every_n_epochs_whatever_the_mode(self, tmp_path, mode):
        trainer, _ = make(tmp_path, mode=mode)
        trainer.train(n_epochs=5, batch_size=BATCH, callbacks=CheckpointEvery(2))
        checkpoints = [name for name in snapshots(tmp_path) if 'checkpoint' in name]
        assert checkpoints == ['checkpoint_1.pkl', 'checkpoint_3.pkl']
        saved = Snapshotter(tmp_path).load_object('checkpoint_1.pkl')
        assert saved['stats'].total_epoch == 1
        assert saved['stats'].total_env_steps == 2 * BATCH
        assert saved['train_args'].n_epochs == 5

    def test_a_checkpoint_restores(self, tmp_path):
        trainer, _ = make(tmp_path / 'run')
        trainer.train(n_epochs=4, batch_size=BATCH, callbacks=CheckpointEvery(2))
        (tmp_path / 'from').mkdir()
        shutil.copy(
            tmp_path / 'run' / 'checkpoint_1.pkl', tmp_path / 'from' / 'params.pkl'
        )
        restored = Trainer(SnapshotConfig(str(tmp_path / 'resumed')))
        restored.restore(tmp_path / 'from')
        restored.resume()
        assert restored._algo.epochs == [0, 1, 2, 3]

    def test_save_checkpoint_checks_the_name(self, tmp_path):
        trainer, _ = make(tmp_path)
        trainer.train(n_epochs=1, batch_size=BATCH)
        for bad in ('params.pkl', 'itr_3.pkl', 'sub/checkpoint.pkl'):
            with pytest.raises(ValueError, match=r'file_name|name of a snapshot'):
                trainer.save_checkpoint(bad)
        with pytest.raises(ValueError, match='n_epochs must be a positive'):
            CheckpointEvery(0)


class TestEvaluationScore:
    def test_keep_best_uses_the_score(self, tmp_path, rows, monkeypatch):
        def no_evaluation_episodes(*args, **kwargs):
            raise AssertionError('the trainer played evaluation episodes')

        monkeypatch.setattr(
            'garage.trainer.obtain_evaluation_episodes', no_evaluation_episodes
        )
        trainer, _ = make(tmp_path)
        scores = iter([1.0, 3.0, 2.0])
        asked = []

        def score(trainer):
            asked.append(trainer.current_epoch)
            return next(scores)

        trainer.train(
            n_epochs=3,
            batch_size=BATCH,
            eval_every=1,
            keep_best=True,
            callbacks=EvaluationScore(score),
        )
        assert asked == [0, 1, 2]
        best = Snapshotter(tmp_path).load_object(BEST_POLICY_FILE)
        assert (best['epoch'], best['score']) == (1, 3.0)
        assert best['average_return'] is None
        assert [row['Evaluation/Score'] for row in rows] == [1.0, 3.0, 2.0]
        assert trainer._stats.best_return == 3.0

    def test_instead_of_the_algorithms_evaluation_return(self, tmp_path):
        trainer, _ = make(
            tmp_path, returns=[0, 0, 0], evaluation_returns=[9.0, 1.0, 5.0]
        )
        scores = iter([1.0, 9.0, 5.0])
        trainer.train(
            n_epochs=3,
            batch_size=BATCH,
            eval_every=1,
            keep_best=True,
            callbacks=EvaluationScore(lambda trainer: next(scores)),
        )
        best = Snapshotter(tmp_path).load_object(BEST_POLICY_FILE)
        assert (best['epoch'], best['score'], best['average_return']) == (1, 9.0, 1.0)

    def test_a_score_must_be_a_number(self, tmp_path):
        trainer, _ = make(tmp_path)
        with pytest.raises(ValueError, match='the evaluation score must be a number'):
            trainer.train(
                n_epochs=1,
                batch_size=BATCH,
                eval_every=1,
                callbacks=EvaluationScore(lambda trainer: 'high'),
            )
        with pytest.raises(TypeError, match='score must be a function'):
            EvaluationScore(3.0)

    def test_without_a_score_keep_best_saves_the_return_as_score(self, tmp_path):
        trainer, _ = make(tmp_path, returns=[0, 0], evaluation_returns=[2.0, 1.0])
        trainer.train(n_epochs=2, batch_size=BATCH, eval_every=1, keep_best=True)
        best = Snapshotter(tmp_path).load_object(BEST_POLICY_FILE)
        assert (best['epoch'], best['score'], best['average_return']) == (0, 2.0, 2.0)


class TestStepBudget:
    def test_stops_after_the_epoch_that_reaches_it(self, tmp_path):
        trainer, algo = make(tmp_path)
        trainer.train(n_env_steps=25, batch_size=BATCH)
        assert algo.epochs == [0, 1, 2]
        assert trainer.total_env_steps == 30
        trainer, algo = make(tmp_path)
        trainer.train(n_env_steps=30, batch_size=BATCH)
        assert algo.epochs == [0, 1, 2]

    @pytest.mark.parametrize(
        ('kwargs', 'match'),
        [
            ({}, 'needs a budget: give n_epochs .* or n_env_steps'),
            (
                {'n_epochs': 3, 'n_env_steps': 30},
                'n_epochs=3 and n_env_steps=30 are two budgets',
            ),
            ({'n_env_steps': 0}, 'n_env_steps must be a positive integer'),
        ],
    )
    def test_exactly_one_budget(self, tmp_path, kwargs, match):
        trainer, _ = make(tmp_path)
        with pytest.raises(ValueError, match=match):
            trainer.train(batch_size=BATCH, **kwargs)

    def test_is_saved_and_resume_continues_towards_it(self, tmp_path):
        trainer, _ = make(tmp_path, mode='all')
        trainer.train(n_env_steps=40, batch_size=BATCH)
        assert Snapshotter.load(tmp_path, 1)['train_args'].n_env_steps == 40
        restored = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        args = restored.restore(tmp_path, from_epoch=1)
        assert (args.n_epochs, args.n_env_steps) == (None, 40)
        restored.resume()
        assert restored._algo.epochs == [0, 1, 2, 3]
        assert restored.total_env_steps == 40

    def test_resume_with_the_other_budget_replaces_it(self, tmp_path):
        trainer, _ = make(tmp_path, mode='all')
        trainer.train(n_env_steps=20, batch_size=BATCH)
        restored = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        restored.restore(tmp_path)
        restored.resume(n_epochs=4)
        assert restored._algo.epochs == [0, 1, 2, 3]
        assert restored._train_args.n_env_steps is None
        again = Trainer(SnapshotConfig(str(tmp_path), 'all'))
        again.restore(tmp_path)
        again.resume(n_env_steps=60)
        assert again._algo.epochs == [0, 1, 2, 3, 4, 5]
        assert again._train_args.n_epochs is None

    def test_a_snapshot_without_the_field_loads(self, tmp_path, monkeypatch):
        # TrainArgs as it was before n_env_steps
        OldTrainArgs = collections.namedtuple(
            'TrainArgs', TrainArgs._fields[:-1], defaults=(None, None, 10, False)
        )
        OldTrainArgs.__module__ = 'garage.trainer'
        OldTrainArgs.__qualname__ = 'TrainArgs'
        monkeypatch.setattr(garage.trainer, 'TrainArgs', OldTrainArgs)
        old = pickle.dumps(OldTrainArgs(3, 10, False, False, False, 0))
        monkeypatch.undo()
        loaded = pickle.loads(old)
        assert type(loaded) is TrainArgs
        assert (loaded.n_epochs, loaded.n_env_steps, loaded.keep_best) == (
            3,
            None,
            False,
        )

    def test_the_example_test_cap_still_applies(self, tmp_path, monkeypatch):
        monkeypatch.setenv(N_EPOCHS_ENV_VAR, '2')
        trainer, algo = make(tmp_path)
        trainer.train(n_env_steps=1000, batch_size=BATCH)
        assert algo.epochs == [0, 1]

    def test_evaluates_after_the_last_epoch(self, tmp_path, rows):
        trainer, _ = make(tmp_path)
        trainer.train(n_env_steps=25, batch_size=BATCH, eval_every=10, eval_episodes=1)
        evaluated = [row['Epoch'] for row in rows if 'Evaluation/AverageReturn' in row]
        assert evaluated == [2]

    def test_needs_steps_sampled_through_the_trainer(self, tmp_path):
        env = PointEnv(max_episode_length=EPISODE)
        trainer = Trainer(SnapshotConfig(str(tmp_path)))
        trainer.setup(CountingAlgorithm(TagPolicy(env.spec)), env)  # no sampler
        with pytest.raises(RuntimeError, match='epoch 0 sampled none'):
            trainer.train(n_env_steps=10)


def drawn_lines(text):
    """The lines a progress bar drew in a stream, in order.

    tqdm pads a line with spaces to cover a longer one drawn before it.
    """
    return [line for line in re.split(r'[\r\n]', text) if line.strip()]


FIELDS = [
    ('return', '500'),
    ('eval', '500'),
    ('steps', '22,994'),
    ('ts/ep', '500'),
    ('ms/ts', '1.23'),
    ('sampling', '23%'),
    ('optimising', '77%'),
]


class TestProgressBarWidth:
    @pytest.mark.parametrize('width', [30, 60, 80, 100, 120, 200])
    def test_fields_are_dropped_whole_to_fit(self, width):
        stream = io.StringIO()
        with tqdm(
            total=20,
            initial=19,
            unit='epoch',
            file=stream,
            ncols=width,
            bar_format='{l_bar}{bar:16}{r_bar}',
        ) as bar:
            bar.update(1)
            _show_fields(bar, FIELDS)
        lines = drawn_lines(stream.getvalue())
        assert lines
        for line in lines:
            assert len(line) <= width
        last = lines[-1]
        shown = [f'{key}={value}' for key, value in FIELDS if f'{key}=' in last]
        for field in shown:  # whole, never cut
            assert re.search(re.escape(field) + r'(,|\])', last), (field, last)
        # the most important ones are kept: what is shown is a prefix
        expected = [f'{key}={value}' for key, value in FIELDS][: len(shown)]
        assert shown == expected
        if width >= 80:
            assert 'return=500' in last
        if width >= 200:
            assert len(shown) == len(FIELDS)

    def test_at_80_columns_return_500_is_whole(self):
        # regression: tqdm cut the line, leaving 'return=5'
        stream = io.StringIO()
        with tqdm(
            total=20,
            unit='epoch',
            file=stream,
            ncols=80,
            bar_format='{l_bar}{bar:16}{r_bar}',
        ) as bar:
            bar.update(20)
            _show_fields(bar, FIELDS)
        for line in drawn_lines(stream.getvalue()):
            assert 'return=5' not in line or 'return=500' in line
            assert line.rstrip().endswith(']')  # tqdm cut nothing

    @pytest.mark.parametrize('columns', [60, 80, 150])
    def test_a_training_run_fits_the_terminal(self, tmp_path, monkeypatch, columns):
        stream = io.StringIO()
        monkeypatch.setattr(sys, 'stderr', stream)
        monkeypatch.setenv('COLUMNS', str(columns))
        trainer, _ = make(tmp_path, returns=[500.0] * 12, evaluation_returns=None)
        trainer.train(n_epochs=12, batch_size=BATCH, progress=True)
        lines = drawn_lines(stream.getvalue())
        assert lines[-1].startswith('100%')
        for line in lines:
            assert len(line) <= columns - 1
            assert line.rstrip().endswith(']')  # nothing cut
        if columns >= 80:
            assert 'return=500' in lines[-1]
        if columns >= 150:
            for key in ('return=', 'steps=', 'ts/ep=5', 'ms/ts=', 'sampling='):
                assert key in lines[-1]

    def test_a_step_budget_counts_steps(self, tmp_path, monkeypatch):
        stream = io.StringIO()
        monkeypatch.setattr(sys, 'stderr', stream)
        monkeypatch.setenv('COLUMNS', '200')
        trainer, _ = make(tmp_path)
        trainer.train(n_env_steps=25, batch_size=BATCH, progress=True)
        last = drawn_lines(stream.getvalue())[-1]
        assert '25/25' in last
        assert 'step/s' in last or 's/step' in last
        assert 'epoch=2' in last
        assert 'steps=' not in last


class TestProgressFields:
    def test_the_seeds_fields_most_important_first(self):
        record = EpochRecord(
            returns=np.array([400.0, 600.0]),
            episode_lengths=np.array([400, 600]),
            evaluation_return=500.0,
            env_steps=1000,
        )
        fields = dict(_progress_fields(22994, record, 2.0, 0.25))
        assert list(fields) == [
            'return',
            'eval',
            'steps',
            'ts/ep',
            'ms/ts',
            'sampling',
            'optimising',
        ]
        assert fields == {
            'return': '500',
            'eval': '500',
            'steps': '22,994',
            'ts/ep': '500',
            'ms/ts': '2',
            'sampling': '25%',
            'optimising': '75%',
        }

    def test_without_episodes_or_steps(self):
        fields = dict(_progress_fields(0, EpochRecord(env_steps=0), 1.0, 0.0, epoch=3))
        assert list(fields) == ['epoch', 'sampling', 'optimising']
