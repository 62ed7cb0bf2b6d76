import numpy as np
import pytest
import torch

from fixtures.algos import CountingAlgorithm, TinyPolicyGradient
from fixtures.logs import RowRecorder
from fixtures.policies import TagPolicy
from garage import EpisodeBatch
from garage._dowel import dowel, logger, tabular
from garage._functions import log_performance as real_log_performance
from garage.envs import PointEnv
from garage.experiment import SnapshotConfig
from garage.experiment.deterministic import set_seed
from garage.experiment.local_runner import LocalRunner, SetupArgs
from garage.np.algos import RLAlgorithm
from garage.sampler import LocalSampler, VecWorker
from garage.trainer import (
    BEST_POLICY_FILE,
    N_EPOCHS_ENV_VAR,
    EpochRecord,
    NotSetupError,
    TrainArgs,
    Trainer,
)

TIME_KEYS = ('Time/Epoch', 'Time/Total', 'Time/SamplingShare')

# most tests log with no outputs attached, which dowel warns about
pytestmark = pytest.mark.filterwarnings(
    'ignore::dowel.tabular_input.TabularInputWarning'
)


@pytest.fixture
def rows():
    recorder = RowRecorder(skip=TIME_KEYS)
    logger.add_output(recorder)
    yield recorder.rows
    logger.remove_output_type(RowRecorder)


def config(tmp_path, mode='last', gap=1):
    return SnapshotConfig(
        snapshot_dir=str(tmp_path), snapshot_mode=mode, snapshot_gap=gap
    )


def counting_setup(tmp_path, mode='last', max_episode_length=5, **kwargs):
    env = PointEnv(max_episode_length=max_episode_length)
    policy = TagPolicy(env.spec)
    sampler = LocalSampler(
        policy, env, max_episode_length=max_episode_length, seed=1, n_workers=1
    )
    algo = CountingAlgorithm(policy, sampler, max_episode_length=max_episode_length)
    trainer = Trainer(config(tmp_path, mode, **kwargs))
    trainer.setup(algo, env)
    return trainer, algo


class ReportingAlgorithm(RLAlgorithm):
    """Samples each epoch and reports it; optimizes nothing.

    Args:
        policy: The policy.
        sampler: The sampler.
        evaluation_returns: The evaluation return to report in each epoch,
            or None for none.
        iterations: The updates to report per epoch.

    """

    def __init__(self, policy, sampler, evaluation_returns=None, iterations=1):
        self.policy = policy
        self._sampler = sampler
        self.discount = 0.5
        self.max_episode_length = 5
        self._evaluation_returns = list(evaluation_returns or [])
        self._iterations = iterations

    def train(self, trainer):
        for epoch in trainer.step_epochs():
            itrs = range(trainer.step_itr, trainer.step_itr + self._iterations)
            batches = [trainer.obtain_episodes(itr) for itr in itrs]
            evaluation = (
                self._evaluation_returns[epoch] if self._evaluation_returns else None
            )
            trainer.report_epoch(
                EpochRecord.from_episodes(
                    EpisodeBatch.concatenate(*batches),
                    evaluation_return=evaluation,
                    iterations=self._iterations,
                )
            )
        return trainer.last_record.average_return


def reporting_setup(tmp_path, mode='last', **kwargs):
    env = PointEnv(max_episode_length=5)
    policy = TagPolicy(env.spec)
    sampler = LocalSampler(policy, env, max_episode_length=5, seed=1, n_workers=1)
    algo = ReportingAlgorithm(policy, sampler, **kwargs)
    trainer = Trainer(config(tmp_path, mode))
    trainer.setup(algo, env)
    return trainer, algo


class TestTrain:
    def test_runs_each_epoch_and_returns_the_algorithms_value(self, tmp_path):
        trainer, algo = counting_setup(tmp_path)
        assert trainer.train(n_epochs=3, batch_size=10) == 3.0
        assert algo.epochs == [0, 1, 2]
        assert trainer.step_itr == 3
        # whole 5-step episodes, at least 10 steps an epoch
        assert trainer.total_env_steps == 30

    def test_logs_epoch_steps_and_times(self, tmp_path, rows):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=2, batch_size=10)
        assert [row['Epoch'] for row in rows] == [0, 1]
        assert [row['TotalEnvSteps'] for row in rows] == [10, 20]
        assert all('AverageReturn' in row for row in rows)

    def test_example_test_env_var_caps_the_epochs(self, tmp_path, monkeypatch):
        monkeypatch.setenv(N_EPOCHS_ENV_VAR, '1')
        trainer, algo = counting_setup(tmp_path)
        trainer.train(n_epochs=5, batch_size=5)
        assert algo.epochs == [0]

    def test_obtain_samples_gives_episode_dicts(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        episodes = trainer.obtain_samples(0, batch_size=5)
        assert len(episodes) == 1
        assert episodes[0]['observations'].shape == (5, 3)
        assert trainer.total_env_steps == 5

    def test_shuts_the_sampler_down_after_training(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=1, batch_size=5)
        with pytest.raises(RuntimeError, match='shut down'):
            trainer.obtain_episodes(1)

    def test_get_env_copy(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        copy = trainer.get_env_copy()
        assert isinstance(copy, PointEnv)
        assert copy is not trainer._env
        assert Trainer().get_env_copy() is None

    def test_samplers_get_the_policys_parameter_values(self, tmp_path):
        trainer, algo = counting_setup(tmp_path)
        algo.policy.get_param_values = lambda: {'tag': 3}
        assert trainer._agent_update() == {'tag': 3}
        algo.exploration_policy = TagPolicy(algo.policy.env_spec)
        algo.exploration_policy.get_param_values = lambda: {'tag': 4}
        assert trainer._agent_update() == {'tag': 4}


class TestErrors:
    def test_train_before_setup(self):
        with pytest.raises(NotSetupError, match=r'setup\(algo, env\)'):
            Trainer().train(n_epochs=1)

    def test_save_before_setup(self):
        with pytest.raises(NotSetupError, match=r'setup\(algo, env\)'):
            Trainer().save(0)

    def test_resume_before_restore(self, tmp_path):
        with pytest.raises(NotSetupError, match=r'restore\(from_dir\)'):
            Trainer().resume()
        trainer, _ = counting_setup(tmp_path)
        with pytest.raises(NotSetupError, match='restore'):
            trainer.resume()

    def test_sampling_without_a_sampler(self, tmp_path):
        env = PointEnv()
        trainer = Trainer(config(tmp_path))
        trainer.setup(CountingAlgorithm(TagPolicy(env.spec)), env)
        with pytest.raises(ValueError, match='_sampler'):
            trainer.obtain_episodes(0, batch_size=5)

    def test_sampling_without_a_batch_size(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        with pytest.raises(ValueError, match='batch_size'):
            trainer.obtain_episodes(0)
        with pytest.raises(ValueError, match='batch_size'):
            trainer.train(n_epochs=1)

    @pytest.mark.parametrize(
        ('kwargs', 'match'),
        [
            ({'n_epochs': 0}, 'n_epochs must be a positive integer'),
            ({'n_epochs': 1.5}, 'n_epochs must be a positive integer'),
            (
                {'n_epochs': True},
                'n_epochs must be a positive integer or None, got True',
            ),
            ({'n_epochs': '3'}, "n_epochs must be a positive integer or None, got '3'"),
            ({'batch_size': 5.5}, 'batch_size must be a positive integer or None'),
            ({'batch_size': -1}, 'batch_size must be a positive integer'),
            ({'eval_every': 0}, 'eval_every must be a positive integer'),
            (
                {'eval_every': 1, 'eval_episodes': 0},
                'eval_episodes must be a positive integer',
            ),
            ({'keep_best': True}, 'keep_best=True .* needs eval_every'),
            ({'pause_for_plot': True}, 'needs plot=True'),
        ],
    )
    def test_bad_train_arguments(self, tmp_path, kwargs, match):
        trainer, _ = counting_setup(tmp_path)
        arguments = {'n_epochs': 1, 'batch_size': 5, **kwargs}
        with pytest.raises(ValueError, match=match):
            trainer.train(**arguments)

    def test_wrong_types_are_type_errors_and_value_errors(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        for bad in (True, '3'):
            with pytest.raises(TypeError, match='n_epochs'):
                trainer.train(n_epochs=bad, batch_size=5)

    def test_whole_floats_are_integers(self, tmp_path):
        trainer, algo = counting_setup(tmp_path)
        trainer.train(n_epochs=2.0, batch_size=1e1, eval_every=2.0)
        assert algo.epochs == [0, 1]
        assert trainer._train_args.n_epochs == 2
        assert isinstance(trainer._train_args.batch_size, int)
        assert trainer.total_env_steps == 20

    def test_resume_checks_its_arguments(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=1, batch_size=5)
        restored = Trainer(config(tmp_path))
        restored.restore(tmp_path)
        with pytest.raises(ValueError, match='n_epochs must be a positive integer'):
            restored.resume(n_epochs=True)

    def test_evaluation_needs_an_episode_length(self, tmp_path):
        env = PointEnv()  # no max_episode_length
        policy = TagPolicy(env.spec)
        trainer = Trainer(config(tmp_path))
        trainer.setup(CountingAlgorithm(policy), env)
        with pytest.raises(ValueError, match='maximum episode length'):
            trainer.train(n_epochs=1, eval_every=1)

    def test_restore_from_an_empty_directory(self, tmp_path):
        with pytest.raises(FileNotFoundError):
            Trainer(config(tmp_path)).restore(tmp_path)


class TestSnapshots:
    @pytest.mark.parametrize(
        ('mode', 'gap', 'files'),
        [
            ('all', 1, {'itr_0.pkl', 'itr_1.pkl', 'itr_2.pkl', 'itr_3.pkl'}),
            ('last', 1, {'params.pkl'}),
            ('gap', 2, {'itr_0.pkl', 'itr_2.pkl'}),
            ('gap_and_last', 2, {'itr_0.pkl', 'itr_2.pkl', 'params.pkl'}),
            ('gap_overwrite', 2, {'params.pkl'}),
            ('none', 1, set()),
        ],
    )
    def test_every_mode(self, tmp_path, mode, gap, files):
        trainer, _ = counting_setup(tmp_path, mode=mode, gap=gap)
        trainer.train(n_epochs=4, batch_size=5)
        assert {path.name for path in tmp_path.glob('*.pkl')} == files

    def test_restore_gives_the_train_args_to_continue(self, tmp_path):
        trainer, _ = counting_setup(tmp_path, mode='all')
        trainer.train(n_epochs=3, batch_size=5, store_episodes=True)
        restored = Trainer(config(tmp_path, 'all'))
        args = restored.restore(tmp_path, from_epoch=1)
        assert args == TrainArgs(
            n_epochs=3,
            batch_size=5,
            plot=False,
            store_episodes=True,
            pause_for_plot=False,
            start_epoch=2,
        )
        assert restored.total_env_steps == 10
        assert restored._stats.last_episode.lengths.tolist() == [5]

    def test_resume_continues_from_the_next_epoch(self, tmp_path):
        trainer, _ = counting_setup(tmp_path, mode='all')
        trainer.train(n_epochs=2, batch_size=5)
        restored = Trainer(config(tmp_path, 'all'))
        restored.restore(tmp_path)
        assert restored.resume(n_epochs=4) == 4.0
        assert restored._algo.epochs == [0, 1, 2, 3]
        assert restored.total_env_steps == 20
        assert restored.step_itr == 4

    def test_resume_defaults_to_the_saved_arguments(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=2, batch_size=5)
        restored = Trainer(config(tmp_path))
        restored.restore(tmp_path)
        restored.resume()  # nothing left to do: already 2 epochs
        assert restored._algo.epochs == [0, 1]
        restored = Trainer(config(tmp_path))
        restored.restore(tmp_path)
        restored.resume(n_epochs=3, batch_size=10)
        assert restored._algo.epochs == [0, 1, 2]
        assert restored.total_env_steps == 20

    def test_resume_in_place_is_exact(self, tmp_path, rows):
        set_seed(7)
        straight = Trainer(config(tmp_path / 'straight'))
        straight.setup(
            TinyPolicyGradient(PointEnv(max_episode_length=20)),
            PointEnv(max_episode_length=20),
        )
        straight.train(n_epochs=6, batch_size=60)
        straight_rows = list(rows)
        rows.clear()

        set_seed(7)
        first = Trainer(config(tmp_path / 'split'))
        first.setup(
            TinyPolicyGradient(PointEnv(max_episode_length=20)),
            PointEnv(max_episode_length=20),
        )
        first.train(n_epochs=3, batch_size=60)
        # the global RNGs move on in between, as in a new process
        set_seed(12345)
        torch.rand(10)
        second = Trainer(config(tmp_path / 'split'))
        second.restore(tmp_path / 'split')
        second.resume(n_epochs=6)
        assert rows == straight_rows
        for mine, theirs in zip(
            second._algo.policy.parameters(),
            straight._algo.policy.parameters(),
            strict=True,
        ):
            torch.testing.assert_close(mine, theirs, rtol=0, atol=0)
        torch.testing.assert_close(
            second._algo.optimizer.state_dict(),
            straight._algo.optimizer.state_dict(),
            rtol=0,
            atol=0,
        )
        assert second.total_env_steps == straight.total_env_steps
        assert second.step_itr == straight.step_itr == 6


class TestEvaluation:
    def test_logs_evaluation_every_k_epochs_and_after_the_last(self, tmp_path, rows):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=5, batch_size=5, eval_every=2, eval_episodes=3)
        evaluated = [row['Epoch'] for row in rows if 'Evaluation/AverageReturn' in row]
        assert evaluated == [1, 3, 4]
        assert all(
            row['Evaluation/NumEpisodes'] == 3
            for row in rows
            if 'Evaluation/NumEpisodes' in row
        )

    def test_keeps_the_best_policy(self, tmp_path, monkeypatch):
        trainer, _ = counting_setup(tmp_path)
        evaluation_returns = iter([1.0, 3.0, 2.0])

        def fake_log_performance(itr, batch, discount, prefix):
            return np.array([next(evaluation_returns)])

        monkeypatch.setattr('garage.trainer.log_performance', fake_log_performance)
        trainer.train(n_epochs=3, batch_size=5, eval_every=1, keep_best=True)
        best = trainer._snapshotter.load_object(BEST_POLICY_FILE)
        assert best['epoch'] == 1
        assert best['average_return'] == 3.0
        assert isinstance(best['policy'], TagPolicy)
        assert trainer._stats.best_return == 3.0

    def test_takes_the_algorithms_own_evaluation(self, tmp_path, monkeypatch, rows):
        trainer, _ = reporting_setup(tmp_path, evaluation_returns=[5.0, 9.0, 7.0])

        def no_second_evaluation(*args, **kwargs):
            raise AssertionError('the trainer evaluated again')

        monkeypatch.setattr(
            'garage.trainer.obtain_evaluation_episodes', no_second_evaluation
        )
        trainer.train(n_epochs=3, batch_size=5, eval_every=1, keep_best=True)
        best = trainer._snapshotter.load_object(BEST_POLICY_FILE)
        assert (best['epoch'], best['average_return']) == (1, 9.0)
        assert trainer.last_record.evaluation_return == 7.0
        # the trainer never reads the table: a stale key changes nothing
        assert all('Evaluation/AverageReturn' not in row for row in rows)

    @pytest.mark.parametrize('enable_logging', [True, False])
    def test_evaluates_every_epoch_with_logging_on_or_off(
        self, tmp_path, monkeypatch, enable_logging
    ):
        """Regression: with logging off the table was never cleared, and
        the trainer read a stale evaluation return back out of it."""
        trainer, _ = counting_setup(tmp_path)
        trainer.enable_logging = enable_logging
        evaluation_returns = iter([1.0, 3.0, 2.0, 5.0])
        evaluated = []

        def log_and_fake(itr, batch, discount, prefix):
            evaluated.append(itr)
            real_log_performance(itr, batch, discount, prefix)  # fills the table
            return np.array([next(evaluation_returns)])

        monkeypatch.setattr('garage.trainer.log_performance', log_and_fake)
        try:
            trainer.train(n_epochs=4, batch_size=5, eval_every=1, keep_best=True)
        finally:
            tabular.clear()
        assert evaluated == [0, 1, 2, 3]
        best = trainer._snapshotter.load_object(BEST_POLICY_FILE)
        assert (best['epoch'], best['average_return']) == (3, 5.0)
        assert trainer._stats.best_return == 5.0


class TestProgressBar:
    def test_shows_steps_return_speed_and_time_split(
        self, tmp_path, capsys, monkeypatch
    ):
        monkeypatch.setenv('COLUMNS', '200')  # room for every field
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=2, batch_size=5, progress=True)
        shown = capsys.readouterr().err
        for field in (
            '2/2',
            'steps=10',
            'return=',
            'ts/ep=5',
            'ms/ts=',
            'sampling=',
            'optimising=',
        ):
            assert field in shown
        assert 'eval=' not in shown

    def test_shows_the_evaluation_return(self, tmp_path, capsys, monkeypatch):
        monkeypatch.setenv('COLUMNS', '200')
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=1, batch_size=5, progress=True, eval_every=1)
        assert 'eval=' in capsys.readouterr().err

    def test_replaces_the_table_on_standard_output(self, tmp_path, capsys):
        trainer, _ = counting_setup(tmp_path)
        screen = dowel.StdOutput()
        logger.add_output(screen)
        try:
            trainer.train(n_epochs=2, batch_size=5, progress=True)
            assert 'TotalEnvSteps' not in capsys.readouterr().out
            assert logger.has_output_type(dowel.StdOutput)  # put back
        finally:
            logger.remove_output_type(dowel.StdOutput)

    def test_off_when_not_a_terminal_or_asked(self, tmp_path, capsys):
        trainer, _ = counting_setup(tmp_path / 'auto')
        trainer.train(n_epochs=1, batch_size=5)  # stderr is captured
        trainer, _ = counting_setup(tmp_path / 'off')
        trainer.train(n_epochs=1, batch_size=5, progress=False)
        assert 'epoch' not in capsys.readouterr().err


class TestLocalRunner:
    def test_setup_builds_the_sampler(self, tmp_path):
        env = PointEnv(max_episode_length=5)
        algo = CountingAlgorithm(TagPolicy(env.spec), max_episode_length=5)
        runner = LocalRunner(config(tmp_path))
        runner.setup(
            algo,
            env,
            sampler_cls=LocalSampler,
            n_workers=2,
            worker_class=VecWorker,
            worker_args={'n_envs': 2},
        )
        assert isinstance(algo._sampler, LocalSampler)
        assert runner._setup_args._replace(seed=None) == SetupArgs(
            sampler_cls=LocalSampler, sampler_args={}, seed=None
        )
        runner.train(n_epochs=1, batch_size=20)
        # two workers of two environments, 5-step episodes
        assert runner.total_env_steps == 20

    def test_setup_without_a_sampler_class_uses_the_algorithms(self, tmp_path):
        trainer, algo = counting_setup(tmp_path)
        runner = LocalRunner(config(tmp_path))
        runner.setup(algo, trainer._env)
        assert runner._sampler is algo._sampler

    def test_make_sampler_needs_a_policy(self, tmp_path):
        runner = LocalRunner(config(tmp_path))
        runner.setup(NoPolicy(), PointEnv())
        with pytest.raises(ValueError, match='`policy`'):
            runner.make_sampler(LocalSampler, max_episode_length=5)

    def test_make_sampler_needs_an_episode_length(self, tmp_path):
        env = PointEnv()
        runner = LocalRunner(config(tmp_path))
        with pytest.raises(ValueError, match='max_episode_length'):
            runner.setup(
                CountingAlgorithm(TagPolicy(env.spec)), env, sampler_cls=LocalSampler
            )


def test_public_import_paths():
    import garage
    import garage.experiment

    assert garage.Trainer is Trainer
    assert garage.experiment.LocalRunner is LocalRunner
    from garage.experiment import (
        ConstructEnvsSampler,
        EnvPoolSampler,
        SetTaskSampler,
        TaskSampler,
        task_sampler,
    )

    assert (ConstructEnvsSampler, EnvPoolSampler, SetTaskSampler, TaskSampler) == (
        task_sampler.ConstructEnvsSampler,
        task_sampler.EnvPoolSampler,
        task_sampler.SetTaskSampler,
        task_sampler.TaskSampler,
    )
    from garage.experiment.local_runner import (
        ExperimentStats,
        NotSetupError,
        TrainArgs,
    )

    assert (ExperimentStats, NotSetupError, TrainArgs) == (
        garage.trainer.ExperimentStats,
        garage.trainer.NotSetupError,
        garage.trainer.TrainArgs,
    )
    with pytest.raises(AttributeError, match='no attribute'):
        garage.experiment.NoSuchRunner  # noqa: B018


class NoPolicy:
    """An algorithm that neither samples nor has a policy."""

    def __init__(self):
        self.epochs = 0

    def train(self, trainer):
        for _ in trainer.step_epochs():
            self.epochs += 1


class Misspelt:
    """An original-style algorithm with one member misspelt.

    Args:
        policy: The policy.
        sampler: The sampler.
        **members: The members to set, by (misspelt) name.

    """

    def __init__(self, policy, sampler, **members):
        self.policy = policy
        self._sampler = sampler
        for name, value in members.items():
            setattr(self, name, value)

    def train(self, trainer):
        for _ in trainer.step_epochs():
            trainer.step_itr += 1


class TestAlgorithmContract:
    @pytest.mark.parametrize(
        ('members', 'typo', 'expected'),
        [
            ({'_sampler': None, 'sampeler': 'S'}, 'sampeler', 'sampler'),
            ({'_sampler': None, '_sampeler': 'S'}, '_sampeler', 'sampler'),
            ({'polciy': 'P'}, 'polciy', 'policy'),
            ({'discout': 0.9}, 'discout', 'discount'),
            ({'max_episode_len': 5}, 'max_episode_len', 'max_episode_length'),
            ({'exploration_polcy': 'P'}, 'exploration_polcy', 'exploration_policy'),
        ],
    )
    def test_a_misspelt_member_is_named_at_setup(
        self, tmp_path, members, typo, expected
    ):
        env = PointEnv(max_episode_length=5)
        policy = None if expected == 'policy' else TagPolicy(env.spec)
        algo = Misspelt(policy, None, **members)
        with pytest.raises(ValueError, match=f"'{typo}' but no '{expected}'"):
            Trainer(config(tmp_path)).setup(algo, env)

    def test_a_misspelt_member_of_a_subclass_is_named_at_setup(self, tmp_path):
        class Typo(ReportingAlgorithm):
            def __init__(self, policy, sampler):
                super().__init__(policy, None)
                self.sampeler = sampler

        env = PointEnv(max_episode_length=5)
        with pytest.raises(ValueError, match="'sampeler' but no 'sampler'"):
            Trainer(config(tmp_path)).setup(Typo(TagPolicy(env.spec), 'S'), env)

    def test_names_that_extend_a_member_are_not_misspellings(self, tmp_path):
        env = PointEnv(max_episode_length=5)
        algo = Misspelt(
            TagPolicy(env.spec),
            None,
            _max_episode_length_eval=3,
            _discount=0.5,
            _n_samples=2,
            _old_policy=None,
        )
        Trainer(config(tmp_path)).setup(algo, env)

    @pytest.mark.parametrize(
        ('members', 'error', 'match'),
        [
            ({'discount': 1.5}, ValueError, r'Misspelt.discount must be .* \[0, 1\]'),
            ({'discount': 'high'}, TypeError, 'Misspelt.discount'),
            ({'max_episode_length': 0}, ValueError, 'Misspelt.max_episode_length'),
            ({'max_episode_length': True}, TypeError, 'max_episode_length'),
            ({'_sampler': object()}, TypeError, 'obtain_samples'),
        ],
    )
    def test_member_values_are_checked_at_setup(self, tmp_path, members, error, match):
        env = PointEnv(max_episode_length=5)
        algo = Misspelt(TagPolicy(env.spec), None)
        for name, value in members.items():
            setattr(algo, name, value)
        with pytest.raises(error, match=match):
            Trainer(config(tmp_path)).setup(algo, env)

    def test_an_algorithm_needs_a_train_method(self, tmp_path):
        with pytest.raises(TypeError, match='train'):
            Trainer(config(tmp_path)).setup(object(), PointEnv())

    def test_an_algorithm_without_sampler_or_policy_is_valid(self, tmp_path):
        trainer = Trainer(config(tmp_path))
        algo = NoPolicy()
        trainer.setup(algo, PointEnv())
        trainer.train(n_epochs=2)
        assert algo.epochs == 2
        with pytest.raises(ValueError, match='has no `policy`'):
            trainer.train(n_epochs=1, eval_every=1)

    def test_the_base_class_gives_the_sampler_from_its_private_name(self, tmp_path):
        _, algo = reporting_setup(tmp_path)
        assert algo.sampler is algo._sampler
        assert algo.exploration_policy is None

    def test_reported_epochs_drive_the_counters_and_progress(self, tmp_path, capsys):
        trainer, _ = reporting_setup(tmp_path, iterations=2)
        average = trainer.train(n_epochs=2, batch_size=5, progress=True)
        assert trainer.step_itr == 4
        assert trainer._stats.total_itr == 4
        record = trainer.last_record
        assert record.env_steps == 10
        assert record.episode_lengths.tolist() == [5, 5]
        assert average == record.average_return
        assert f'return={average:.4g}' in capsys.readouterr().err

    def test_original_style_epochs_give_their_record(self, tmp_path):
        trainer, _ = counting_setup(tmp_path)
        trainer.train(n_epochs=2, batch_size=10)
        record = trainer.last_record
        returns = [float(e.rewards.sum()) for e in trainer.step_episode.split()]
        np.testing.assert_allclose(record.returns, returns)
        assert record.env_steps == 10
        assert record.evaluation_return is None
        assert trainer.step_itr == 2  # the algorithm's own increments

    def test_episode_dicts_of_obtain_samples_give_a_record_too(self):
        record = EpochRecord.from_episodes(
            [{'rewards': np.ones(3)}, {'rewards': np.full(2, 2.0)}]
        )
        assert record.returns.tolist() == [3.0, 4.0]
        assert record.episode_lengths.tolist() == [3, 2]
        assert record.average_return == 3.5
        assert EpochRecord().average_return is None

    def test_store_episodes_keeps_the_reported_epochs_batch(self, tmp_path):
        trainer, _ = reporting_setup(tmp_path)
        trainer.train(n_epochs=1, batch_size=5, store_episodes=True)
        assert trainer._stats.last_episode.lengths.tolist() == [5]

    @pytest.mark.parametrize(
        ('kwargs', 'match'),
        [
            ({'returns': [1.0], 'episode_lengths': []}, 'returns has 1 entries'),
            ({'returns': [1.0], 'episode_lengths': [0]}, 'must be positive'),
            ({'iterations': -1}, 'iterations must be a non-negative integer'),
            ({'evaluation_return': 'x'}, 'evaluation_return must be a number'),
            ({'env_steps': 1.5}, 'env_steps must be a non-negative integer'),
        ],
    )
    def test_records_are_checked(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            EpochRecord(**kwargs)

    def test_report_epoch_only_once_inside_an_epoch(self, tmp_path):
        trainer, algo = reporting_setup(tmp_path)
        with pytest.raises(RuntimeError, match='inside the loop'):
            trainer.report_epoch(EpochRecord())
        with pytest.raises(TypeError, match='EpochRecord'):
            trainer.report_epoch({'returns': []})

        def train_twice(trainer):
            for _ in trainer.step_epochs():
                trainer.report_epoch(EpochRecord())
                trainer.report_epoch(EpochRecord())

        algo.train = train_twice
        with pytest.raises(RuntimeError, match='reported already'):
            trainer.train(n_epochs=1, batch_size=5)
