"""Fixtures of the sampler tests.

Tests marked ``ray`` (a whole module, or one sampler class of a
parametrised test) run against one local Ray instance per module: a
``RaySampler`` that finds Ray running joins it instead of starting its own,
which would take seconds for every sampler.
"""

import logging
import os
import pathlib

import pytest

import garage

TESTS_DIR = pathlib.Path(__file__).resolve().parents[2]
# where the garage under test lives: Ray's workers import it from there,
# not from wherever the environment installed garage
GARAGE_DIR = pathlib.Path(garage.__file__).resolve().parents[1]
PYTHONPATH = os.pathsep.join([str(TESTS_DIR), str(GARAGE_DIR)])
# two samplers of two workers at once, each worker asking Ray for one CPU
RAY_CPUS = 4


@pytest.fixture(scope='module')
def ray_instance():
    """A local Ray instance with ``RAY_CPUS`` CPUs; yields the ray module.

    Its workers import from ``tests/``, and import garage, as this process
    does.
    """
    ray = pytest.importorskip('ray')
    if ray.is_initialized():
        pytest.fail(
            'Ray was left running by an earlier test; tests must '
            'shut down the Ray instances they start'
        )
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv('RAY_USAGE_STATS_ENABLED', '0')
        ray.init(
            address='local',
            num_cpus=RAY_CPUS,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
            runtime_env={'env_vars': {'PYTHONPATH': PYTHONPATH}},
        )
    yield ray
    ray.shutdown()


@pytest.fixture(autouse=True)
def _ray_for_ray_tests(request):
    if request.node.get_closest_marker('ray') is not None:
        request.getfixturevalue('ray_instance')
