#!/usr/bin/env python3
"""Meta-train PEARL on MetaWorld's ML1 push (needs the ``metaworld`` extra).

Each task asks the Sawyer arm to push a puck to a goal position that the
observation does not reveal; PEARL infers it from the transitions it has
seen. The original garage's settings: 50 training tasks (the test tasks
are ML1's), a latent variable of 7 dimensions, three hidden layers of 300
units (200 in the context encoder), 4000 gradient steps per epoch on 16
tasks, reward scale 10, 500-step episodes (MetaWorld's limit). The meta-test
success rate (``MetaTest/Average/SuccessRate``) and return should rise over
the 1000 epochs; the original garage's benchmark reached a push success
rate of roughly 0.3 to 0.5 (not reproduced with this launcher). Epochs take
many minutes each on a CPU. The log directory is
``data/local/experiment/pearl_metaworld_ml1_push``.
"""

import argparse

import metaworld
import torch

from garage import Trainer, wrap_experiment
from garage.envs import MetaWorldSetTaskEnv, normalize
from garage.experiment import SetTaskSampler
from garage.experiment.deterministic import set_seed
from garage.sampler import LocalSampler
from garage.torch import set_gpu_mode
from garage.torch.algos import PEARL
from garage.torch.algos.pearl import PEARLWorker
from garage.torch.embeddings import MLPEncoder
from garage.torch.policies import ContextConditionedPolicy, TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction


@wrap_experiment(snapshot_mode='last')
def pearl_metaworld_ml1_push(
    ctxt=None,
    seed=1,
    num_epochs=1000,
    num_train_tasks=50,
    num_test_tasks=None,
    latent_size=7,
    encoder_hidden_size=200,
    net_size=300,
    meta_batch_size=16,
    num_steps_per_epoch=4000,
    num_initial_steps=4000,
    num_tasks_sample=15,
    num_steps_prior=750,
    num_extra_rl_steps_posterior=750,
    batch_size=256,
    embedding_batch_size=64,
    embedding_mini_batch_size=64,
    reward_scale=10.0,
    use_gpu=False,
):
    """Meta-train PEARL on ML1 push.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        num_epochs: Epochs of training.
        num_train_tasks: Training tasks.
        num_test_tasks: Tasks per meta-test; None for all of ML1's test
            tasks.
        latent_size: Dimension of the latent task variable.
        encoder_hidden_size: Units of each of the encoder's three layers.
        net_size: Units of each of the other networks' three layers.
        meta_batch_size: Tasks per gradient step.
        num_steps_per_epoch: Gradient steps per epoch.
        num_initial_steps: Transitions per task before training.
        num_tasks_sample: Tasks sampled per epoch.
        num_steps_prior: Transitions per sampled task with z from the prior.
        num_extra_rl_steps_posterior: Transitions per sampled task with z
            from the posterior, for the actor-critic only.
        batch_size: Transitions per task per gradient step.
        embedding_batch_size: Context transitions per task.
        embedding_mini_batch_size: The same, for an MLP encoder.
        reward_scale: The factor of the rewards.
        use_gpu: Train on the GPU.

    """
    set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    encoder_hidden_sizes = (encoder_hidden_size,) * 3
    ml1 = metaworld.ML1('push-v3')
    train_env = MetaWorldSetTaskEnv(ml1, 'train')
    env_sampler = SetTaskSampler(
        MetaWorldSetTaskEnv, env=train_env, wrapper=lambda env, _: normalize(env)
    )
    env = env_sampler.sample(num_train_tasks)
    test_env = MetaWorldSetTaskEnv(ml1, 'test')
    test_env_sampler = SetTaskSampler(
        MetaWorldSetTaskEnv, env=test_env, wrapper=lambda env, _: normalize(env)
    )
    trainer = Trainer(ctxt)

    augmented_env = PEARL.augment_env_spec(env[0](), latent_size)
    qf = ContinuousMLPQFunction(env_spec=augmented_env, hidden_sizes=[net_size] * 3)
    vf_env = PEARL.get_env_spec(env[0](), latent_size, 'vf')
    vf = ContinuousMLPQFunction(env_spec=vf_env, hidden_sizes=[net_size] * 3)
    inner_policy = TanhGaussianMLPPolicy(
        env_spec=augmented_env, hidden_sizes=[net_size] * 3
    )
    sampler = LocalSampler(
        agents=None,
        envs=env[0](),
        max_episode_length=env[0]().spec.max_episode_length,
        n_workers=1,
        worker_class=PEARLWorker,
    )
    pearl = PEARL(
        env=env,
        policy_class=ContextConditionedPolicy,
        encoder_class=MLPEncoder,
        inner_policy=inner_policy,
        qf=qf,
        vf=vf,
        sampler=sampler,
        num_train_tasks=num_train_tasks,
        num_test_tasks=num_test_tasks,
        latent_dim=latent_size,
        encoder_hidden_sizes=encoder_hidden_sizes,
        test_env_sampler=test_env_sampler,
        meta_batch_size=meta_batch_size,
        num_steps_per_epoch=num_steps_per_epoch,
        num_initial_steps=num_initial_steps,
        num_tasks_sample=num_tasks_sample,
        num_steps_prior=num_steps_prior,
        num_extra_rl_steps_posterior=num_extra_rl_steps_posterior,
        batch_size=batch_size,
        embedding_batch_size=embedding_batch_size,
        embedding_mini_batch_size=embedding_mini_batch_size,
        reward_scale=reward_scale,
    )
    set_gpu_mode(use_gpu, gpu_id=0)
    if use_gpu:
        pearl.to()
    trainer.setup(algo=pearl, env=env[0]())
    trainer.train(n_epochs=num_epochs, batch_size=batch_size)


def _options(defaults):
    """Parse ``--seed`` and the launcher's integer options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int, default=1)
    for name, value in defaults.items():
        parser.add_argument(f'--{name}', type=type(value), default=value)
    parser.add_argument('--num_test_tasks', type=int, default=None)
    parser.add_argument('--use_gpu', action='store_true')
    return vars(parser.parse_args())


if __name__ == '__main__':
    pearl_metaworld_ml1_push(
        **_options(
            dict(
                num_epochs=1000,
                num_train_tasks=50,
                encoder_hidden_size=200,
                net_size=300,
                meta_batch_size=16,
                num_steps_per_epoch=4000,
                num_initial_steps=4000,
                num_tasks_sample=15,
                num_steps_prior=750,
                num_extra_rl_steps_posterior=750,
                batch_size=256,
                embedding_batch_size=64,
                embedding_mini_batch_size=64,
            )
        )
    )
