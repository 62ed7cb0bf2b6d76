import numpy as np

from garage._legacy_gym import akro, disable_env_checker, gym


def test_akro_imported_without_tensorflow_or_theano():
    assert akro.tf is False
    assert akro.theano is False


def test_disable_env_checker_lets_gym_envs_run_on_numpy_2():
    env = gym.make('CartPole-v1')  # its checker calls the removed np.bool8
    disable_env_checker(env)
    env.reset(seed=0)
    observation, *_ = env.step(0)
    assert observation.shape == (4,)
    assert not hasattr(np, 'bool8')


def test_disable_env_checker_without_a_checker():
    env = gym.make('CartPole-v1', disable_env_checker=True)
    disable_env_checker(env)
    env.reset(seed=0)
    env.step(0)
