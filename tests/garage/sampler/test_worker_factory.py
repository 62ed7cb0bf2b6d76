import copy
import inspect
import math
import pickle

import cloudpickle
import psutil
import pytest

from garage.experiment import deterministic
from garage.sampler import DefaultWorker, VecWorker, WorkerFactory
from garage.sampler.worker_factory import identity_function


@pytest.fixture(autouse=True)
def no_global_seed(monkeypatch):
    monkeypatch.setattr(deterministic, '_seed', None)


class TestDefaults:
    def test_signature_computes_nothing(self):
        parameters = inspect.signature(WorkerFactory).parameters
        assert parameters['seed'].default is None
        assert parameters['n_workers'].default is None
        assert all(
            p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values()
        )

    def test_seed_from_deterministic_when_made(self, monkeypatch):
        assert WorkerFactory(max_episode_length=5).seed is None
        monkeypatch.setattr(deterministic, '_seed', 42)
        factory = WorkerFactory(max_episode_length=5)
        monkeypatch.setattr(deterministic, '_seed', 7)
        assert factory.seed == 42
        assert WorkerFactory(max_episode_length=5, seed=3).seed == 3

    def test_n_workers_from_physical_cores(self, monkeypatch):
        calls = []

        def cpu_count(logical=True):
            calls.append(logical)
            return 3

        monkeypatch.setattr(psutil, 'cpu_count', cpu_count)
        assert WorkerFactory(max_episode_length=5).n_workers == 3
        assert calls == [False]

    def test_n_workers_falls_back_to_one(self, monkeypatch):
        monkeypatch.setattr(psutil, 'cpu_count', lambda logical=True: None)
        assert WorkerFactory(max_episode_length=5).n_workers == 1

    def test_properties(self):
        factory = WorkerFactory(
            max_episode_length=5,
            seed=1,
            n_workers=2,
            worker_class=VecWorker,
            worker_args={'n_envs': 4},
        )
        assert factory.max_episode_length == 5
        assert factory.worker_class is VecWorker
        assert factory.worker_args == {'n_envs': 4}
        factory.worker_args['n_envs'] = 1
        assert factory.worker_args == {'n_envs': 4}
        assert 'VecWorker' in repr(factory)


class TestValidation:
    @pytest.mark.parametrize('value', [0, -1, 1.5, True, '3', -math.inf])
    def test_max_episode_length(self, value):
        with pytest.raises(ValueError, match='max_episode_length'):
            WorkerFactory(max_episode_length=value)

    @pytest.mark.parametrize('value', [0, -2, 2.5, False])
    def test_n_workers(self, value):
        with pytest.raises(ValueError, match='n_workers'):
            WorkerFactory(max_episode_length=5, n_workers=value)

    def test_counts_written_as_whole_floats_are_accepted(self):
        factory = WorkerFactory(max_episode_length=1e3, n_workers=2.0)
        assert (factory.n_workers, factory._max_episode_length) == (2, 1000)

    @pytest.mark.parametrize('value', [-1, 1.5, 'a'])
    def test_seed(self, value):
        with pytest.raises(ValueError, match='seed'):
            WorkerFactory(max_episode_length=5, seed=value)

    @pytest.mark.parametrize(
        'value', [dict, DefaultWorker(seed=None, max_episode_length=1, worker_number=0)]
    )
    def test_worker_class(self, value):
        with pytest.raises(TypeError, match='worker_class'):
            WorkerFactory(max_episode_length=5, worker_class=value)

    def test_worker_args_must_be_a_dict(self):
        with pytest.raises(TypeError, match='worker_args must be a dict'):
            WorkerFactory(max_episode_length=5, worker_args=[('n_envs', 2)])

    def test_worker_args_must_fit_the_class(self):
        with pytest.raises(TypeError, match=r"\['n_envs'\].*DefaultWorker"):
            WorkerFactory(max_episode_length=5, worker_args={'n_envs': 2})


class TestPrepareWorkerMessages:
    def test_single_value_is_sent_to_every_worker(self):
        factory = WorkerFactory(max_episode_length=5, n_workers=3)
        value = {'a': [1]}
        messages = factory.prepare_worker_messages(value)
        assert messages == [value] * 3
        assert all(m is value for m in messages)

    def test_preprocess_applies_to_each_copy(self):
        factory = WorkerFactory(max_episode_length=5, n_workers=3)
        value = {'a': [1]}
        messages = factory.prepare_worker_messages(value, copy.deepcopy)
        assert messages == [value] * 3
        assert len({id(m) for m in messages} | {id(value)}) == 4

    @pytest.mark.parametrize('kind', [list, tuple])
    def test_list_gives_one_per_worker(self, kind):
        factory = WorkerFactory(max_episode_length=5, n_workers=2)
        messages = factory.prepare_worker_messages(kind([1, 2]), preprocess=str)
        assert messages == [1, 2]

    @pytest.mark.parametrize('n_entries', [1, 3])
    def test_list_of_wrong_length(self, n_entries):
        factory = WorkerFactory(max_episode_length=5, n_workers=2)
        with pytest.raises(ValueError, match=rf'{n_entries} entries.* 2 '):
            factory.prepare_worker_messages([0] * n_entries)

    def test_empty_tuple_is_one_value_for_every_worker(self):
        # what a policy without parameters returns from get_param_values
        factory = WorkerFactory(max_episode_length=5, n_workers=2)
        assert factory.prepare_worker_messages(()) == [(), ()]
        with pytest.raises(ValueError, match=r'0 entries'):
            factory.prepare_worker_messages([])

    def test_identity_function(self):
        value = object()
        assert identity_function(value) is value


class TestCall:
    def test_builds_workers(self):
        factory = WorkerFactory(max_episode_length=5, seed=9, n_workers=2)
        worker = factory(1)
        assert isinstance(worker, DefaultWorker)
        assert worker.worker_number == 1
        assert worker.seed == 9
        assert worker.max_episode_length == 5

    def test_passes_worker_args(self):
        factory = WorkerFactory(
            max_episode_length=5,
            n_workers=1,
            worker_class=VecWorker,
            worker_args={'n_envs': 3},
        )
        assert factory(0).n_envs == 3

    @pytest.mark.parametrize(
        ('worker_number', 'match'),
        [
            (2, 'from 0 to 1, got 2'),
            (-1, 'worker_number must be a non-negative integer, got -1'),
            (True, 'worker_number must be a non-negative integer, got True'),
            (None, 'worker_number must be a non-negative integer, got None'),
        ],
    )
    def test_rejects_bad_worker_numbers(self, worker_number, match):
        factory = WorkerFactory(max_episode_length=5, n_workers=2)
        with pytest.raises(ValueError, match=match):
            factory(worker_number)

    def test_takes_a_whole_float_worker_number(self):
        factory = WorkerFactory(max_episode_length=5, n_workers=2)
        worker = factory(1.0)
        assert worker.worker_number == 1
        assert type(worker.worker_number) is int

    @pytest.mark.parametrize('dumps', [pickle.dumps, cloudpickle.dumps])
    def test_pickles(self, dumps):
        factory = WorkerFactory(
            max_episode_length=5,
            seed=2,
            n_workers=3,
            worker_class=VecWorker,
            worker_args={'n_envs': 2},
        )
        copied = pickle.loads(dumps(factory))
        assert repr(copied) == repr(factory)
        worker = copied(2)
        assert (worker.n_envs, worker.seed, worker.worker_number) == (2, 2, 2)


def test_is_tf_worker_false_warns_and_true_gives_tf_workers():
    with pytest.warns(DeprecationWarning, match='is_tf_worker.*no effect') as record:
        WorkerFactory(max_episode_length=5, is_tf_worker=False, n_workers=1)
    assert record[0].filename == __file__  # the warning names the caller
    # True needs TensorFlow (tests/garage/tf covers both cases)
    pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')
    assert WorkerFactory(max_episode_length=5, is_tf_worker=True).is_tf_worker
