"""RL2: the environment wrapper, the trial worker, the policies, RL2PPO/TRPO.

Their exact resume is tested in test_meta_resume.py.
"""

import numpy as np
import pytest
import torch

from garage.envs import GridWorldEnv, PointEnv
from garage.experiment import SnapshotConfig, deterministic
from garage.experiment.task_sampler import SetTaskSampler
from garage.sampler import LocalSampler, VecWorker
from garage.torch.algos import PPO, RL2PPO
from garage.torch.algos.rl2 import (
    NoResetPolicy,
    RL2AdaptedPolicy,
    RL2Env,
    RL2Worker,
)
from garage.torch.policies import GaussianGRUPolicy, GaussianMLPPolicy
from garage.torch.value_functions import GaussianMLPValueFunction
from garage.trainer import Trainer

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')

L = 4  # steps per episode
EPT = 2  # episodes per trial
MB = 3  # tasks per epoch


def test_rl2_env_observation_layout_box():
    env = RL2Env(PointEnv(goal=(1.0, 0.0)))
    assert env.observation_space.shape == (3 + 2 + 1 + 1,)
    assert env.spec.observation_space.shape == (7,)
    assert env.spec.action_space == env.action_space
    first, _ = env.reset()
    np.testing.assert_allclose(first, [0, 0, 1, 0, 0, 0, 0])
    step = env.step(np.array([0.1, -0.05], dtype=np.float32))
    reward = step.reward
    np.testing.assert_allclose(
        step.observation,
        [0.1, -0.05, np.hypot(0.9, 0.05), 0.1, -0.05, reward, 0.0],
        rtol=1e-5,
    )
    assert env.observation_space.contains(step.observation)


def test_rl2_env_one_hot_actions_and_done_flag():
    env = RL2Env(GridWorldEnv(desc=['SFG']))
    assert env.observation_space.shape == (3 + 4 + 2,)
    first, _ = env.reset()
    np.testing.assert_allclose(first, [1, 0, 0, 0, 0, 0, 0, 0, 0])
    step = env.step(2)  # right
    np.testing.assert_allclose(step.observation, [0, 1, 0, 0, 0, 1, 0, 0, 0])
    step = env.step(2)  # right, onto the goal
    assert step.terminal
    np.testing.assert_allclose(step.observation, [0, 0, 1, 0, 0, 1, 0, step.reward, 1])


def make_policy(env):
    torch.manual_seed(0)
    return GaussianGRUPolicy(env.spec, hidden_dim=8)


def means_along(policy, observations):
    with torch.no_grad():
        return policy(torch.as_tensor(observations)[None])[1]['mean'][0].numpy()


def test_rl2_worker_keeps_the_state_within_a_trial_and_resets_across():
    env = RL2Env(PointEnv(goal=(1.0, 1.0)))
    policy = make_policy(env)
    worker = RL2Worker(
        seed=1, max_episode_length=L, worker_number=0, n_episodes_per_trial=3
    )
    worker.update_agent(policy)
    worker.update_env(env)
    first = worker.rollout()
    assert first.lengths.tolist() == [L] * 3
    # one sequence: the second episode continues the first one's state
    np.testing.assert_allclose(
        first.agent_infos['mean'], means_along(policy, first.observations), atol=1e-5
    )
    assert not np.allclose(
        first.agent_infos['mean'][L], first.agent_infos['mean'][0], atol=1e-4
    )
    # each trial starts from the initial state again
    batch = worker.rollout_steps(2 * 3 * L)
    assert batch.lengths.tolist() == [L] * 6
    for trial in (slice(0, 3 * L), slice(3 * L, 6 * L)):
        np.testing.assert_allclose(
            batch.agent_infos['mean'][trial],
            means_along(policy, batch.observations[trial]),
            atol=1e-5,
        )


def test_no_reset_and_adapted_policies():
    env = RL2Env(PointEnv())
    policy = make_policy(env)
    explorer = NoResetPolicy(policy)
    explorer.reset()
    obs = np.ones((3, 7), dtype=np.float32)
    for o in obs:
        explorer.get_action(o)
    explorer.reset()  # does nothing
    state = policy.hidden_state
    assert not torch.allclose(state, torch.zeros_like(state))
    adapted = RL2AdaptedPolicy(policy)
    adapted.get_action(obs[0])
    adapted.reset()
    torch.testing.assert_close(policy.hidden_state, state)
    assert adapted.get_param_values().keys() == policy.get_param_values().keys()


def rl2_setup(algo_cls=RL2PPO, **kwargs):
    deterministic.set_seed(3)
    tasks = SetTaskSampler(
        PointEnv, env=PointEnv(arena_size=1.0), wrapper=lambda env, _: RL2Env(env)
    )
    env = RL2Env(PointEnv())
    policy = make_policy(env)
    value_function = GaussianMLPValueFunction(env.spec, hidden_sizes=(8,))
    sampler = LocalSampler(
        agents=policy,
        envs=tasks.sample(MB),
        max_episode_length=L,
        n_workers=MB,
        worker_class=RL2Worker,
        worker_args=dict(n_episodes_per_trial=EPT),
    )
    algo = algo_cls(MB, tasks, env.spec, policy, value_function, sampler, EPT, **kwargs)
    return algo, env


def test_trials_join_the_episodes_of_each_worker():
    algo, _ = rl2_setup()
    episodes = algo._sampler.obtain_samples(0, MB * EPT * L, algo.policy)
    trials, steps = algo._trials(episodes)
    assert trials.lengths.tolist() == [EPT * L] * MB
    np.testing.assert_array_equal(trials.observations, episodes.observations[steps])
    # only the trial's end ends the joined episode
    assert trials.step_types[L - 1] == 1
    assert trials.step_types[2 * L - 1] == 3


def test_advantages_run_across_the_episodes_of_a_trial():
    algo, _ = rl2_setup(center_adv=False, gae_lambda=1.0, discount=1.0)
    episodes = algo._sampler.obtain_samples(0, MB * EPT * L, algo.policy)
    trials, _ = algo._trials(episodes)
    _, returns, _ = algo._compute_advantages(
        trials, torch.as_tensor(trials.observations)
    )
    # with discount 1 and lambda 1, the first step's return is the
    # trial's total reward plus the value after the trial
    last_value = algo._value_function(
        torch.as_tensor(trials.last_observations[:1])
    ).item()
    assert returns[0] == pytest.approx(
        trials.rewards[: EPT * L].sum() + last_value, rel=1e-4
    )


def test_mismatched_trials_are_rejected():
    algo, _ = rl2_setup()
    episodes = algo._sampler.obtain_samples(0, MB * EPT * L, algo.policy)
    one_worker = episodes.split()[0]
    with pytest.raises(ValueError, match='not whole trials of episodes_per_trial=2'):
        algo._trials(one_worker)


def test_needs_a_recurrent_policy():
    env = RL2Env(PointEnv())
    with pytest.raises(ValueError, match='needs a recurrent policy'):
        RL2PPO(
            MB,
            None,
            env.spec,
            GaussianMLPPolicy(env.spec),
            GaussianMLPValueFunction(env.spec),
            None,
            EPT,
        )


def test_recurrent_policy_is_refused_by_feed_forward_algorithms():
    env = RL2Env(PointEnv())
    algo = PPO(env.spec, make_policy(env), GaussianMLPValueFunction(env.spec))
    with pytest.raises(ValueError, match='padded sequences'):
        algo._compute_kl_constraint(torch.zeros(4, 7))


def test_entropy_options_and_meta_evaluator():
    calls = []

    class Evaluator:
        def evaluate(self, algo):
            calls.append(algo)

    algo, env = rl2_setup(
        entropy_method='max',
        policy_ent_coeff=0.01,
        center_adv=False,
        stop_entropy_gradient=True,
        meta_evaluator=Evaluator(),
        n_epochs_per_eval=2,
    )
    trainer = Trainer(SnapshotConfig('unused', 'none', 1))
    trainer.setup(algo, env)
    trainer.train(n_epochs=3, batch_size=MB * EPT * L, progress=False)
    assert calls == [algo, algo]  # epochs 0 and 2


def test_exploration_and_adaptation():
    algo, env = rl2_setup()
    explorer = algo.get_exploration_policy()
    assert explorer.policy is not algo.policy
    worker = RL2Worker(
        seed=1, max_episode_length=L, worker_number=0, n_episodes_per_trial=2
    )
    worker.update_agent(explorer)
    worker.update_env(env)
    episodes = worker.rollout()
    adapted = algo.adapt_policy(explorer, episodes)
    # the adapted state is the one the explorer reached
    torch.testing.assert_close(
        adapted.policy.hidden_state, explorer.policy.hidden_state, atol=1e-5, rtol=1e-5
    )


def test_no_reset_policy_in_a_vec_worker_keeps_each_row_state():
    env = RL2Env(PointEnv(goal=(0.5, 0.5)))
    policy = make_policy(env)
    policy.deterministic = True
    worker = VecWorker(seed=1, max_episode_length=L, worker_number=0, n_envs=2)
    worker.update_agent(NoResetPolicy(policy))
    worker.update_env(env)
    first = worker.rollout()
    second = worker.rollout()
    # the second episodes continue each row's state from the first
    for i in range(2):
        observations = np.concatenate(
            [first.split()[i].observations, second.split()[i].observations]
        )
        np.testing.assert_allclose(
            second.split()[i].agent_infos['mean'],
            means_along(policy, observations)[L:],
            atol=1e-5,
        )


def test_rl2_is_a_meta_rl_algorithm():
    from garage.np.algos import MetaRLAlgorithm
    from garage.torch.algos import RL2PPO, RL2TRPO

    assert issubclass(RL2PPO, MetaRLAlgorithm)
    assert issubclass(RL2TRPO, MetaRLAlgorithm)
