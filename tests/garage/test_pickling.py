"""Unpicklable environments: clear errors, and environment factories."""

import copy
import pickle
import threading

import cloudpickle
import gymnasium
import numpy as np
import pytest
import torch

from fixtures.envs import DummyBoxEnv
from fixtures.faulty import UnpicklableEnv
from fixtures.policies import TagPolicy
from fixtures.unpicklable import LockedCartPole, make_locked_cartpole
from garage._pickling import find_unpicklable
from garage.envs import GymEnv
from garage.experiment import SnapshotConfig, Snapshotter
from garage.sampler import (
    LocalSampler,
    MultiprocessingSampler,
    NewEnvUpdate,
    VecWorker,
    WorkerFactory,
)
from garage.torch.algos import VPG
from garage.torch.policies import CategoricalMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


def vpg(env, envs=None, **sampler_options):
    torch.manual_seed(0)
    policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
    sampler = LocalSampler(
        policy,
        env if envs is None else envs,
        max_episode_length=20,
        seed=1,
        n_workers=1,
        **sampler_options,
    )
    return VPG(
        env.spec,
        policy,
        GaussianMLPValueFunction(env.spec, hidden_sizes=(4,)),
        sampler,
    )


class TestFindUnpicklable:
    def test_names_the_attribute_path(self):
        env = make_locked_cartpole()
        path, culprit = find_unpicklable(env, 'env')
        assert path == 'env._env.window'
        assert culprit is env._env.window

    def test_goes_through_gymnasium_wrappers(self):
        gymnasium.register('garage-test/LockedCartPole-v0', entry_point=LockedCartPole)
        try:
            env = GymEnv('garage-test/LockedCartPole-v0', max_episode_length=5)
            path, _ = find_unpicklable(env, 'env')
        finally:
            del gymnasium.registry['garage-test/LockedCartPole-v0']
        assert path.startswith('env._env.env')
        assert path.endswith('.window')

    def test_containers_and_closures(self):
        generator = (i for i in range(3))
        holder = DummyBoxEnv()
        holder.parts = [1, {'items': generator}]
        assert find_unpicklable(holder, 'env') == ("env.parts[1]['items']", generator)
        lock = threading.Lock()

        def make():
            return lock

        path, culprit = find_unpicklable(make, 'make')
        assert path == 'make.<closure lock>'
        assert culprit is lock

    def test_picklable_objects_have_no_culprit(self):
        assert find_unpicklable(DummyBoxEnv(), 'env') is None

    def test_pygame_surface(self):
        pygame = pytest.importorskip('pygame')
        env = make_locked_cartpole()
        env._env.window = pygame.Surface((4, 4))
        with pytest.raises(TypeError, match=r'env\._env\.window is a pygame'):
            Trainer(SnapshotConfig('unused', 'last', 1)).setup(vpg(env), env)


class TestTrainerSetup:
    def test_an_unpicklable_env_is_refused_with_the_fix(self, tmp_path):
        env = make_locked_cartpole()
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
        with pytest.raises(
            TypeError,
            match=r'(?s)the environment given to Trainer.setup.*cannot be '
            r'pickled: env\._env\.window is a _thread\.lock.*'
            r'trainer\.setup\(algo, env=NewEnvUpdate\(make_env\)\)',
        ):
            trainer.setup(vpg(env, NewEnvUpdate(make_locked_cartpole)), env)

    def test_without_snapshots_the_env_need_not_pickle(self, tmp_path):
        env = make_locked_cartpole()
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'none', 1))
        trainer.setup(vpg(env, NewEnvUpdate(make_locked_cartpole)), env)
        trainer.train(n_epochs=1, batch_size=20)
        with pytest.raises(TypeError, match=r'env\._env\.window'):
            trainer.get_env_copy()

    def test_an_unpicklable_factory_is_refused(self, tmp_path):
        lock = threading.Lock()

        def make_env():
            assert lock is not None
            return DummyBoxEnv()

        trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
        algo = vpg(make_locked_cartpole(), NewEnvUpdate(make_locked_cartpole))
        with pytest.raises(
            TypeError, match=r'factory.*env\._env_constructor\.<closure lock>'
        ):
            trainer.setup(algo, NewEnvUpdate(make_env))

    def test_a_factory_trains_snapshots_and_resumes(self, tmp_path):
        env = make_locked_cartpole()
        factory = NewEnvUpdate(make_locked_cartpole)
        trainer = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
        trainer.setup(vpg(env, factory), factory)
        assert trainer.get_env_copy() is not trainer.get_env_copy()
        assert isinstance(trainer.get_env_copy().unwrapped._env, LockedCartPole)
        trainer.train(n_epochs=2, batch_size=20, eval_every=1, eval_episodes=1)
        saved = Snapshotter.load(tmp_path)
        assert isinstance(saved['env'], NewEnvUpdate)
        assert saved['eval_env'] is None
        restored = Trainer(SnapshotConfig(str(tmp_path), 'last', 1))
        restored.restore(tmp_path)
        assert isinstance(restored._env.unwrapped._env, LockedCartPole)
        restored.resume(n_epochs=3)
        assert restored._stats.total_epoch == 2


class TestSamplers:
    def test_local_sampler_names_the_attribute(self):
        env = UnpicklableEnv()
        with pytest.raises(
            TypeError,
            match=r'(?s)LocalSampler copies for each worker cannot be pickled: '
            r'env\.lock is a _thread\.lock.*NewEnvUpdate\(make_env\)',
        ):
            LocalSampler(TagPolicy(env.spec), env, max_episode_length=5)

    def test_vec_worker_names_the_attribute(self):
        env = UnpicklableEnv()
        worker = VecWorker(seed=1, max_episode_length=5, worker_number=0, n_envs=2)
        with pytest.raises(TypeError, match=r'VecWorker copies .*env\.lock'):
            worker.update_env(env)

    def test_worker_factory_names_the_attribute(self):
        factory = WorkerFactory(max_episode_length=5, n_workers=2, seed=1)
        with pytest.raises(TypeError, match=r'deepcopy prepares .*obj\.lock'):
            factory.prepare_worker_messages(UnpicklableEnv(), copy.deepcopy)

    def test_multiprocessing_sampler_names_the_attribute(self):
        env = UnpicklableEnv()
        with pytest.raises(
            TypeError,
            match=r'(?s)cannot send the environment UnpicklableEnv\(\) to the '
            r"worker processes: TypeError: cannot pickle '_thread.lock' object: "
            r'environment\.lock is a _thread\.lock.*NewEnvUpdate',
        ):
            MultiprocessingSampler(
                TagPolicy(env.spec), env, max_episode_length=5, n_workers=1
            )


class TestNewEnvUpdate:
    def test_an_unpicklable_env_it_makes_pickles_as_the_factory(self):
        env = NewEnvUpdate(make_locked_cartpole)()
        assert env.spec == make_locked_cartpole().spec
        env.reset()
        for copied in (pickle.loads(cloudpickle.dumps(env)), copy.deepcopy(env)):
            assert copied is not env
            assert isinstance(copied.unwrapped._env, LockedCartPole)
            assert copied.spec == env.spec
            copied.reset()
            copied.step(0)

    def test_a_picklable_env_is_left_alone(self):
        env = NewEnvUpdate(DummyBoxEnv)()
        assert type(env) is DummyBoxEnv

    @pytest.mark.parametrize('sampler_class', [LocalSampler, MultiprocessingSampler])
    def test_samplers_sample_and_pickle_with_it(self, sampler_class):
        env = make_locked_cartpole()
        policy = CategoricalMLPPolicy(env.spec, hidden_sizes=(4,))
        sampler = sampler_class(
            policy,
            NewEnvUpdate(make_locked_cartpole),
            max_episode_length=20,
            seed=1,
            n_workers=1,
            worker_class=VecWorker,
            worker_args=dict(n_envs=2),
        )
        try:
            batch = sampler.obtain_samples(0, 30, policy)
            copied = pickle.loads(cloudpickle.dumps(sampler))
            try:
                again = copied.obtain_samples(1, 30, policy)
            finally:
                copied.shutdown_worker()
        finally:
            sampler.shutdown_worker()
        assert batch.observations.shape[1] == 4
        assert np.isfinite(again.rewards).all()
