"""LinearMultiFeatureBaseline."""

import numpy as np
import pytest

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.np.baselines import LinearFeatureBaseline, LinearMultiFeatureBaseline

SPEC = EnvSpec(akro.Box(-np.inf, np.inf, (2,)), akro.Discrete(2))


def make_path(n, seed):
    rng = np.random.default_rng(seed)
    return {
        'observations': rng.normal(size=(n, 2)) * 3,
        'latents': rng.normal(size=(n, 1, 3)) * 30,
    }


def test_fits_the_returns_on_the_named_features_and_a_constant():
    baseline = LinearMultiFeatureBaseline(SPEC, features=['observations', 'latents'])
    assert isinstance(baseline, LinearFeatureBaseline)
    assert baseline.name == 'LinearMultiFeatureBaseline'
    paths = [make_path(30, seed) for seed in range(3)]
    coeffs = np.arange(1.0, 7.0)
    for p in paths:
        features = np.hstack(
            [
                p['observations'],
                np.clip(p['latents'].reshape(-1, 3), -10, 10),
                np.ones((30, 1)),
            ]
        )
        p['returns'] = features @ coeffs
    baseline.fit(paths)
    np.testing.assert_allclose(baseline.get_param_values(), coeffs, atol=1e-4)
    new = make_path(5, 9)
    expected = (
        np.hstack(
            [new['observations'], np.clip(new['latents'].reshape(-1, 3), -10, 10)]
        )
        @ coeffs[:5]
        + coeffs[5]
    )
    np.testing.assert_allclose(baseline.predict(new), expected, atol=1e-3)


def test_defaults_to_the_observations():
    baseline = LinearMultiFeatureBaseline(SPEC, reg_coeff=0)
    p = make_path(10, 0)
    p['returns'] = p['observations'] @ [2.0, -1.0] + 0.5
    baseline.fit([p])
    np.testing.assert_allclose(baseline.get_param_values(), [2.0, -1.0, 0.5], atol=1e-8)


def test_checks_the_keys_and_the_features():
    baseline = LinearMultiFeatureBaseline(SPEC, features=['latents'])
    p = make_path(4, 0)
    del p['latents']
    with pytest.raises(ValueError, match=r"path lacks the keys \['latents'\]"):
        baseline.predict(p)
    with pytest.raises(
        ValueError, match=r"paths\[0\] lacks the keys \['returns', 'latents'\]"
    ):
        baseline.fit([p])
    with pytest.raises(ValueError, match='features must name at least one'):
        LinearMultiFeatureBaseline(SPEC, features=[])
