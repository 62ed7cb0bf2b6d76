#!/usr/bin/env python3
"""Meta-train PEARL on HalfCheetahVelEnv (needs the ``mujoco`` extra).

Each task asks the cheetah to run at a target velocity, unknown to the
policy; PEARL infers it from the transitions it has seen. The original
garage's settings: 100 training and 30 test tasks, 200-step episodes, a
latent variable of 5 dimensions, three hidden layers of 300 units (200 in
the context encoder), 2000 gradient steps per epoch on 16 tasks, reward
scale 5. The meta-test return (``MetaTest/Average/AverageReturn``, after
adapting on 10 episodes with the mean action) should climb steadily; the
PEARL paper reports about -100 on this task family within a million
environment steps (not reproduced with this launcher). Epochs take minutes
each on a CPU. The log directory is ``data/local/experiment/pearl_half_cheetah_vel``.
"""

import argparse

import torch

from garage import Trainer, wrap_experiment
from garage.envs import GymEnv, normalize
from garage.envs.mujoco import HalfCheetahVelEnv
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
def pearl_half_cheetah_vel(
    ctxt=None,
    seed=1,
    num_epochs=500,
    num_train_tasks=100,
    num_test_tasks=30,
    latent_size=5,
    encoder_hidden_size=200,
    net_size=300,
    meta_batch_size=16,
    num_steps_per_epoch=2000,
    num_initial_steps=2000,
    num_tasks_sample=5,
    num_steps_prior=400,
    num_extra_rl_steps_posterior=600,
    batch_size=256,
    embedding_batch_size=100,
    embedding_mini_batch_size=100,
    max_episode_length=200,
    reward_scale=5.0,
    use_gpu=False,
):
    """Meta-train PEARL on HalfCheetahVelEnv.

    Args:
        ctxt: The experiment context from ``wrap_experiment``.
        seed: The random seed.
        num_epochs: Epochs of training.
        num_train_tasks: Training tasks.
        num_test_tasks: Tasks per meta-test.
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
        max_episode_length: The longest episode.
        reward_scale: The factor of the rewards.
        use_gpu: Train on the GPU.

    """
    set_seed(seed)
    torch.set_num_threads(1)  # small networks train fastest on one thread
    encoder_hidden_sizes = (encoder_hidden_size,) * 3

    def wrap(env, _task):
        return normalize(GymEnv(env, max_episode_length=max_episode_length))

    env_sampler = SetTaskSampler(HalfCheetahVelEnv, wrapper=wrap)
    env = env_sampler.sample(num_train_tasks)
    test_env_sampler = SetTaskSampler(HalfCheetahVelEnv, wrapper=wrap)
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
    parser.add_argument('--use_gpu', action='store_true')
    return vars(parser.parse_args())


if __name__ == '__main__':
    pearl_half_cheetah_vel(
        **_options(
            dict(
                num_epochs=500,
                num_train_tasks=100,
                num_test_tasks=30,
                encoder_hidden_size=200,
                net_size=300,
                meta_batch_size=16,
                num_steps_per_epoch=2000,
                num_initial_steps=2000,
                num_tasks_sample=5,
                num_steps_prior=400,
                num_extra_rl_steps_posterior=600,
                batch_size=256,
                embedding_batch_size=100,
                embedding_mini_batch_size=100,
                max_episode_length=200,
            )
        )
    )
