"""LinearFeatureBaseline and ZeroBaseline."""

import pickle

import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.baselines import Baseline, LinearFeatureBaseline, ZeroBaseline

SPEC = EnvSpec(akro.Box(-np.inf, np.inf, (2,)), akro.Discrete(2))


def features(observations):
    obs = np.clip(observations, -10, 10)
    time = np.arange(len(obs))[:, None] / 100
    return np.hstack([obs, obs**2, time, time**2, time**3, np.ones((len(obs), 1))])


def path(n, seed):
    rng = np.random.default_rng(seed)
    return {'observations': rng.normal(size=(n, 2)) * 3}


class TestLinearFeatureBaseline:
    def test_predicts_zeros_before_fitting(self):
        baseline = LinearFeatureBaseline(SPEC)
        np.testing.assert_array_equal(baseline.predict(path(4, 0)), np.zeros(4))
        assert baseline.get_param_values() is None

    def test_recovers_returns_linear_in_the_features(self):
        coeffs = np.arange(1.0, 9.0)
        paths = [path(50, seed) for seed in range(3)]
        for p in paths:
            p['returns'] = features(p['observations']) @ coeffs
        baseline = LinearFeatureBaseline(SPEC, reg_coeff=0)
        baseline.fit(paths)
        np.testing.assert_allclose(baseline.get_param_values(), coeffs, rtol=1e-6)
        np.testing.assert_allclose(
            baseline.predict(paths[0]), paths[0]['returns'], rtol=1e-6
        )

    def test_observations_are_clipped(self):
        baseline = LinearFeatureBaseline(SPEC)
        baseline.set_param_values(np.asarray([1.0] + [0.0] * 7))
        prediction = baseline.predict(
            {'observations': np.asarray([[50.0, 0], [-50, 0], [3, 0]])}
        )
        np.testing.assert_allclose(prediction, [10, -10, 3])

    def test_prediction_mean_is_the_returns_mean(self):
        rng = np.random.default_rng(1)
        paths = [
            dict(path(200, seed), returns=5 + rng.normal(size=200)) for seed in range(5)
        ]
        baseline = LinearFeatureBaseline(SPEC)
        baseline.fit(paths)
        prediction = np.concatenate([baseline.predict(p) for p in paths])
        returns = np.concatenate([p['returns'] for p in paths])
        assert prediction.mean() == pytest.approx(returns.mean(), abs=1e-4)

    def test_parameters_round_trip_and_pickle(self):
        baseline = LinearFeatureBaseline(SPEC)
        p = dict(path(10, 0), returns=np.arange(10.0))
        baseline.fit([p])
        other = LinearFeatureBaseline(SPEC)
        other.set_param_values(baseline.get_param_values())
        np.testing.assert_array_equal(other.predict(p), baseline.predict(p))
        restored = pickle.loads(pickle.dumps(baseline))
        np.testing.assert_array_equal(restored.predict(p), baseline.predict(p))

    def test_bad_input(self):
        baseline = LinearFeatureBaseline(SPEC)
        with pytest.raises(ValueError, match='at least one path'):
            baseline.fit([])
        with pytest.raises(
            ValueError,
            match=r'paths\[1\] lacks the keys '
            r"\['returns'\]",
        ):
            baseline.fit([dict(path(3, 0), returns=np.zeros(3)), path(3, 1)])
        with pytest.raises(
            ValueError,
            match=r'path lacks the keys '
            r"\['observations'\]",
        ):
            baseline.predict({'rewards': np.zeros(3)})
        with pytest.raises(
            ValueError, match=r'^reg_coeff must be a number in \[0, inf\], got -1$'
        ):
            LinearFeatureBaseline(SPEC, reg_coeff=-1)


class TestZeroBaseline:
    def test_predicts_zeros(self):
        baseline = ZeroBaseline(SPEC)
        p = dict(path(5, 0), returns=np.ones(5))
        baseline.fit([p])
        np.testing.assert_array_equal(baseline.predict(p), np.zeros(5))
        assert baseline.get_param_values() is None
        baseline.set_param_values(None)
        assert baseline.env_spec is SPEC

    def test_bad_input(self):
        with pytest.raises(ValueError, match='at least one path'):
            ZeroBaseline(SPEC).fit([])


def test_baseline_is_abstract():
    with pytest.raises(TypeError):
        Baseline(SPEC)
