"""Run each meta-RL and multi-task example for one short epoch, in a subprocess.

Each case names the example, the extras it needs (its test skips, saying
so, when one is missing) and the command-line options that make its epoch
tiny; ``GARAGE_EXAMPLE_TEST_N_EPOCHS=1`` stops it after one epoch.
"""

import csv
import importlib.util
import os
import pathlib
import subprocess
import sys

import pytest

from fixtures.example_scripts import NO_SNAPSHOTS

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / 'examples' / 'torch'

_EXTRA_MODULES = {'mujoco': 'mujoco', 'metaworld': 'metaworld'}


def _case(name, extras, *options):
    marks = []
    for extra in extras:
        marks.append(getattr(pytest.mark, extra))
        marks.append(
            pytest.mark.skipif(
                importlib.util.find_spec(_EXTRA_MODULES[extra]) is None,
                reason=f'needs the {extra} extra',
            )
        )
    return pytest.param(name, list(options), id=name, marks=marks)


_MAML_DIR_OPTIONS = ('--meta_batch_size', '2', '--episodes_per_task', '1')

# a 20-step episode per task and iteration, one iteration
_MTSAC_OPTIONS = ('--episode_length', '20', '--timesteps', '1')

# tiny networks and batches; one meta-test task of 20-step episodes
_PEARL_OPTIONS = (
    '--num_train_tasks', '2', '--num_test_tasks', '1',
    '--encoder_hidden_size', '8', '--net_size', '8',
    '--meta_batch_size', '2', '--num_steps_per_epoch', '2',
    '--num_initial_steps', '20', '--num_tasks_sample', '1',
    '--num_steps_prior', '20', '--num_extra_rl_steps_posterior', '20',
    '--batch_size', '8', '--embedding_batch_size', '8',
    '--embedding_mini_batch_size', '8', '--max_episode_length', '20',
)  # fmt: skip

CASES = [
    _case('maml_trpo_half_cheetah_dir', ['mujoco'], *_MAML_DIR_OPTIONS),
    _case('maml_ppo_half_cheetah_dir', ['mujoco'], *_MAML_DIR_OPTIONS),
    _case('maml_vpg_half_cheetah_dir', ['mujoco'], *_MAML_DIR_OPTIONS),
    _case(
        'rl2_ppo_half_cheetah_vel',
        ['mujoco'],
        '--meta_batch_size',
        '2',
        '--episode_per_task',
        '2',
        '--max_episode_length',
        '20',
    ),
    _case(
        'maml_trpo_metaworld_ml1_push',
        ['metaworld'],
        '--meta_batch_size',
        '1',
        '--rollouts_per_task',
        '1',
        '--n_test_tasks',
        '1',
    ),
    *(
        _case(f'{name}_metaworld_{benchmark}', ['metaworld'], *options)
        for name in ('mtppo', 'mttrpo')
        for benchmark, options in (
            ('mt1_push', ('--n_tasks', '2', '--batch_size', '500')),
            ('mt10', ('--n_tasks', '10', '--batch_size', '500')),
        )
    ),
    *(
        _case(name, ['metaworld'], '--n_tasks', n_tasks, *_MTSAC_OPTIONS)
        for name, n_tasks in (
            ('mtsac_metaworld_mt1_pick_place', '2'),
            ('mtsac_metaworld_mt10', '10'),
            ('mtsac_metaworld_mt50', '50'),
        )
    ),
    _case('pearl_half_cheetah_vel', ['mujoco'], *_PEARL_OPTIONS),
    _case(
        'pearl_metaworld_ml1_push',
        ['metaworld'],
        *_PEARL_OPTIONS[:-2],  # MetaWorld's episodes are 500 steps
    ),
]


@pytest.mark.parametrize(('name', 'options'), CASES)
def test_meta_example_runs_one_epoch(name, options, tmp_path):
    env = dict(
        os.environ,
        GARAGE_EXAMPLE_TEST_N_EPOCHS='1',
        # caps the off-policy examples' gradient steps in that epoch
        GARAGE_EXAMPLE_TEST_N_STEPS='5',
    )
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f'{name}.py'), '--seed', '2', *options],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / name
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) > 0
    assert (log_dir / 'params.pkl').exists() == (name not in NO_SNAPSHOTS)
    assert 'seed": 2' in (log_dir / 'variant.json').read_text()
