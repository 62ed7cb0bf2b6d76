"""The garage docs' tutorial launcher, "Implementing a new algorithm", runs unchanged.

``LAUNCHER`` is the final program of the original garage's (2021.03)
tutorial ``docs/user/implement_algo.md``: a ``SimpleVPG`` trained on
``PointEnv()`` through a ``LocalSampler``. The reference material holds no
copy of it: it is written out here as the published tutorial gives it,
reconstructed (imports, ``SimpleVPG`` and ``tutorial_vpg``). It runs as a
user runs it, as a script in a subprocess, for one epoch
(``GARAGE_EXAMPLE_TEST_N_EPOCHS``, as the examples' smoke tests do).
"""

import csv
import os
import subprocess
import sys

from garage.trainer import N_EPOCHS_ENV_VAR

LAUNCHER = '''#!/usr/bin/env python3
"""This is an example to train a task with a simple VPG."""
import numpy as np
import torch

from garage import EpisodeBatch, log_performance, wrap_experiment
from garage.envs import PointEnv
from garage.experiment.deterministic import set_seed
from garage.np import discount_cumsum
from garage.sampler import LocalSampler
from garage.torch.policies import GaussianMLPPolicy
from garage.trainer import Trainer


class SimpleVPG:
    """Simple Vanilla Policy Gradient.

    Args:
        env_spec (EnvSpec): Environment specification.
        policy (garage.torch.policies.Policy): Policy.
        sampler (garage.sampler.Sampler): Sampler.

    """

    def __init__(self, env_spec, policy, sampler):
        self.env_spec = env_spec
        self.policy = policy
        self._sampler = sampler
        self.max_episode_length = env_spec.max_episode_length

        self._policy_opt = torch.optim.Adam(self.policy.parameters(), lr=1e-3)
        self._discount = 0.99

    def train(self, trainer):
        """Obtain samplers and start actual training for each epoch.

        Args:
            trainer (Trainer): Experiment trainer.

        """
        for epoch in trainer.step_epochs():
            samples = trainer.obtain_samples(epoch)
            log_performance(epoch,
                            EpisodeBatch.from_list(self.env_spec, samples),
                            self._discount)
            self._train_once(samples)

    def _train_once(self, samples):
        """Perform one step of policy optimization given one batch of samples.

        Args:
            samples (list[dict]): A list of collected samples.

        Returns:
            numpy.float64: Average return.

        """
        losses = []
        self._policy_opt.zero_grad()
        for path in samples:
            returns_numpy = discount_cumsum(path['rewards'], self._discount)
            returns = torch.Tensor(returns_numpy.copy())
            obs = torch.Tensor(path['observations'])
            actions = torch.Tensor(path['actions'])
            dist = self.policy(obs)[0]
            log_likelihoods = dist.log_prob(actions)
            loss = (-log_likelihoods * returns).mean()
            loss.backward()
            losses.append(loss.item())
        self._policy_opt.step()
        return np.mean(losses)


@wrap_experiment
def tutorial_vpg(ctxt=None):
    """Train VPG with PointEnv environment.

    Args:
        ctxt (ExperimentContext): The experiment configuration used by
            :class:`~Trainer` to create the :class:`~Snapshotter`.

    """
    set_seed(100)
    trainer = Trainer(ctxt)
    env = PointEnv()
    policy = GaussianMLPPolicy(env.spec)
    sampler = LocalSampler(agents=policy,
                           envs=env,
                           max_episode_length=env.spec.max_episode_length)
    algo = SimpleVPG(env.spec, policy, sampler)
    trainer.setup(algo, env)
    trainer.train(n_epochs=200, batch_size=4000)


tutorial_vpg()
'''


def run(launcher, tmp_path):
    script = tmp_path / 'tutorial_vpg.py'
    script.write_text(launcher)
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=dict(os.environ, **{N_EPOCHS_ENV_VAR: '1'}),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    log_dir = tmp_path / 'data' / 'local' / 'experiment' / 'tutorial_vpg'
    with open(log_dir / 'progress.csv', newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1
    assert float(rows[0]['TotalEnvSteps']) >= 4000
    assert float(rows[0]['Evaluation/NumEpisodes']) > 0
    assert (log_dir / 'params.pkl').exists()


def test_the_tutorial_launcher_runs_unchanged(tmp_path):
    run(LAUNCHER, tmp_path)
