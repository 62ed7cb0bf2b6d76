#!/usr/bin/env python3
"""Meta-train MAML-TRPO on MetaWorld's ML1 push tasks.

The original garage's launcher and hyperparameters, on MetaWorld 3
(``push-v3``; the original used ``push-v1``): 500-step episodes, a
(100, 100) tanh Gaussian policy and a (32, 32) value function, 20 tasks
per meta-batch, 10 episodes per task and batch, one inner step of learning
rate 0.1, discount 0.99, GAE lambda 1, 300 epochs. Training tasks come from
a `MetaWorldTaskSampler`; each epoch meta-tests on ML1's 50 test tasks
(held-out goal positions) through a `MetaWorldSetTaskEnv`, with 10
exploration episodes and one test episode each.

Expected outcome: ``MetaTest/push-v3/SuccessRate`` and
``Average/SuccessRate`` rise above the untrained policy's (near 0) as
meta-training goes on. A full run is 20 * 2 * 5,000 steps an epoch, plus
the meta-test's 275,000 (about 100 million steps in all): days on a few
cores. The log directory is
``data/local/experiment/maml_trpo_metaworld_ml1_push``.
"""

import argparse

import metaworld
import torch

from garage import Trainer, wrap_experiment
from garage.envs import MetaWorldSetTaskEnv
from garage.experiment import (
    MetaEvaluator,
    MetaWorldTaskSampler,
    SetTaskSampler,
    deterministic,
)
from garage.sampler import LocalSampler
from garage.torch.algos import MAMLTRPO
from garage.torch.policies import GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction


@wrap_experiment(snapshot_mode='last')
def maml_trpo_metaworld_ml1_push(
    ctxt,
    seed=1,
    epochs=300,
    rollouts_per_task=10,
    meta_batch_size=20,
    n_test_tasks=None,
):
    """Meta-train MAML-TRPO on ML1 push.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        epochs: The number of epochs.
        rollouts_per_task: The episodes of each task's batches.
        meta_batch_size: The tasks of each meta-batch.
        n_test_tasks: The tasks of each meta-test; None for all 50.

    """
    deterministic.set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    ml1 = metaworld.ML1('push-v3')
    tasks = MetaWorldTaskSampler(ml1, 'train')
    env = tasks.sample(1)[0]()
    test_sampler = SetTaskSampler(
        MetaWorldSetTaskEnv, env=MetaWorldSetTaskEnv(ml1, 'test')
    )
    policy = GaussianMLPPolicy(
        env.spec,
        hidden_sizes=(100, 100),
        hidden_nonlinearity=torch.tanh,
        output_nonlinearity=None,
    )
    value_function = GaussianMLPValueFunction(
        env.spec,
        hidden_sizes=(32, 32),
        hidden_nonlinearity=torch.tanh,
        output_nonlinearity=None,
    )
    meta_evaluator = MetaEvaluator(
        test_task_sampler=test_sampler, n_test_tasks=n_test_tasks
    )
    sampler = LocalSampler(
        policy, env, max_episode_length=env.spec.max_episode_length, n_workers=1
    )
    algo = MAMLTRPO(
        env,
        policy,
        value_function,
        sampler,
        task_sampler=tasks,
        meta_batch_size=meta_batch_size,
        discount=0.99,
        gae_lambda=1.0,
        inner_lr=0.1,
        num_grad_updates=1,
        meta_evaluator=meta_evaluator,
    )
    trainer = Trainer(ctxt)
    trainer.setup(algo, env)
    trainer.train(
        n_epochs=epochs, batch_size=rollouts_per_task * env.spec.max_episode_length
    )


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--epochs', type=int, default=300)
    parser.add_argument('--rollouts_per_task', type=int, default=10)
    parser.add_argument('--meta_batch_size', type=int, default=20)
    parser.add_argument('--n_test_tasks', type=int, default=None)
    maml_trpo_metaworld_ml1_push(**vars(parser.parse_args()))
