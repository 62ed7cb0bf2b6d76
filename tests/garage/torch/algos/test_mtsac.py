import dataclasses
import math

import numpy as np
import pytest
import torch

from garage import StepType, Wrapper
from garage._dowel import tabular
from garage.envs import MultiEnvWrapper, PointEnv, TaskOnehotWrapper
from garage.envs.multi_env_wrapper import round_robin_strategy
from garage.experiment import SnapshotConfig, deterministic
from garage.replay_buffer import PathBuffer
from garage.sampler import FragmentWorker, LocalSampler
from garage.torch.algos import MTSAC, SAC
from garage.torch.policies import TanhGaussianMLPPolicy
from garage.torch.q_functions import ContinuousMLPQFunction
from garage.trainer import Trainer

# the trainer logs with no dowel output set up
pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')

GOALS = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]


def point_envs(goals=GOALS, length=10):
    return [PointEnv(goal=goal, max_episode_length=length) for goal in goals]


def make_mtsac(**kwargs):
    """MTSAC on point envs with one goal per task, one-hots appended."""
    env = MultiEnvWrapper(
        point_envs(), sample_strategy=round_robin_strategy, mode='add-onehot'
    )
    eval_env = TaskOnehotWrapper.wrap_env_list(point_envs())
    policy = TanhGaussianMLPPolicy(env.spec, (8, 8))
    qf1 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    qf2 = ContinuousMLPQFunction(env.spec, hidden_sizes=(8, 8))
    sampler = LocalSampler(
        policy,
        env,
        max_episode_length=10,
        n_workers=1,
        worker_class=FragmentWorker,
        worker_args={'n_envs': 1},
    )
    options = {
        'num_tasks': len(GOALS),
        'eval_env': eval_env,
        'gradient_steps_per_itr': 2,
        'buffer_batch_size': 16,
        'min_buffer_size': 20,
        'num_evaluation_episodes': 1,
        'steps_per_epoch': 3,
    }
    options.update(kwargs)
    algo = MTSAC(
        policy, qf1, qf2, PathBuffer(1000, env.spec), env.spec, sampler, **options
    )
    return algo, env


def one_hot_observations(tasks, n_tasks=3):
    states = torch.zeros((len(tasks), 3))
    return torch.cat([states, torch.eye(n_tasks)[list(tasks)]], dim=1)


def fill(algo, tasks, n=64):
    """Random transitions of the given tasks, their one-hots appended."""
    rng = np.random.default_rng(0)
    task_of = np.asarray(tasks)[rng.integers(len(tasks), size=n)]
    one_hots = np.eye(algo.num_tasks)[task_of]
    states = rng.uniform(-1, 1, (n, 3))
    algo.replay_buffer.add_path(
        {
            'observations': np.concatenate([states, one_hots], axis=1),
            'actions': rng.uniform(-0.1, 0.1, (n, 2)),
            'rewards': rng.uniform(-1, 0, n),
            'next_observations': np.concatenate(
                [rng.uniform(-1, 1, (n, 3)), one_hots], axis=1
            ),
            'step_types': np.full(n, StepType.MID, dtype=np.int8),
        }
    )


def test_is_a_sac_with_one_log_alpha_per_task():
    algo, _ = make_mtsac(initial_log_entropy=0.5)
    assert isinstance(algo, SAC)
    assert algo.num_tasks == 3
    assert algo._log_alpha.shape == (3,)
    assert algo._log_alpha.requires_grad
    torch.testing.assert_close(algo._log_alpha.data, torch.full((3,), 0.5))
    optimized = [
        p for group in algo._policy_optimizer.param_groups for p in group['params']
    ]
    assert any(p is algo._log_alpha for p in optimized)


def test_log_alphas_are_selected_by_the_one_hot_at_the_end():
    algo, _ = make_mtsac()
    algo._log_alpha.data = torch.tensor([0.1, 0.2, 0.3])
    obs = one_hot_observations([2, 0, 1, 2])
    obs[:, :3] = torch.tensor([1.0, 0.0, 1.0])  # the state never counts
    torch.testing.assert_close(
        algo._log_alphas(obs), torch.tensor([0.3, 0.1, 0.2, 0.3])
    )


def test_log_alphas_refuse_observations_without_room_for_the_one_hot():
    algo, _ = make_mtsac()
    with pytest.raises(ValueError, match='num_tasks=3'):
        algo._log_alphas(torch.zeros((2, 3)))


def test_one_task_needs_no_one_hot():
    """The original's MT1 examples pass num_tasks=1 and no one-hot."""
    env = PointEnv(max_episode_length=5)
    policy = TanhGaussianMLPPolicy(env.spec, (4,))
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(4,))
    algo = MTSAC(
        policy,
        qf,
        qf,
        PathBuffer(10),
        env.spec,
        num_tasks=1,
        eval_env=[env],
        gradient_steps_per_itr=1,
        initial_log_entropy=0.3,
    )
    obs = torch.tensor([[0.0, 0.0, 5.0], [1.0, 1.0, 0.0]])
    torch.testing.assert_close(algo._log_alphas(obs), torch.tensor([0.3, 0.3]))


def test_each_task_temperature_gets_the_gradient_of_its_own_entropy():
    algo, _ = make_mtsac(target_entropy=-2.0)
    obs = one_hot_observations([0, 0, 1, 1])
    log_pi = torch.tensor([1.0, 3.0, -3.0, -5.0])
    algo._temperature_loss(log_pi, algo._log_alphas(obs)).backward()
    # d/d log(alpha_k) of -mean(log(alpha) (log_pi + H)) over the samples
    # of task k only; task 2 has none
    expected = torch.tensor(
        [-(1.0 - 2.0 + 3.0 - 2.0) / 4, -(-3.0 - 2.0 - 5.0 - 2.0) / 4, 0.0]
    )
    torch.testing.assert_close(algo._log_alpha.grad, expected)


def test_a_task_absent_from_the_batches_keeps_its_temperature():
    torch.manual_seed(1)
    algo, _ = make_mtsac()
    fill(algo, tasks=[0, 1])
    for _ in range(5):
        algo._train_once()
    log_alpha = algo._log_alpha.detach()
    assert log_alpha[0] != 0.0
    assert log_alpha[1] != 0.0
    assert log_alpha[0] != log_alpha[1]
    assert log_alpha[2] == 0.0


@pytest.mark.parametrize(('target_entropy', 'sign'), [(5.0, 1), (-10.0, -1)])
def test_temperatures_move_towards_the_target_entropy(target_entropy, sign):
    """Entropy below the target raises every task's alpha; above, lowers it."""
    torch.manual_seed(2)
    algo, _ = make_mtsac(target_entropy=target_entropy)
    fill(algo, tasks=[0, 1, 2])
    for _ in range(10):
        algo._train_once()
    assert (sign * algo._log_alpha.detach() > 0).all()


def test_per_sample_alpha_weights_the_policy_loss():
    torch.manual_seed(3)
    algo, _ = make_mtsac()
    fill(algo, tasks=[0])
    algo._log_alpha.data = torch.tensor([math.log(0.5), 5.0, 5.0])
    algo._train_once()
    stats = algo._epoch_stats(['alpha'])
    assert stats['alpha'].mean == pytest.approx(0.5, rel=1e-3)
    assert stats['alpha'].max == pytest.approx(0.5, rel=1e-3)


def test_fixed_alpha_is_every_task_temperature_and_not_learned():
    algo, _ = make_mtsac(fixed_alpha=0.2)
    fill(algo, tasks=[0, 1, 2])
    algo._train_once()
    assert not algo._log_alpha.requires_grad
    torch.testing.assert_close(algo._log_alpha.data, torch.full((3,), math.log(0.2)))


@pytest.mark.parametrize(
    ('options', 'match'),
    [
        ({'num_tasks': 0}, 'num_tasks'),
        ({'num_tasks': 3.5}, 'num_tasks'),
        ({'num_tasks': 6}, 'num_tasks=6'),
        ({'eval_env': []}, 'eval_env'),
        ({'eval_env': [object()]}, r'eval_env\[0\]'),
        ({'eval_env': None}, 'eval_env'),
        ({'fixed_alpha': 0.0}, 'fixed_alpha'),
        ({'gradient_steps_per_itr': -1}, 'gradient_steps_per_itr'),
    ],
)
def test_rejects_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        make_mtsac(**options)


def test_requires_num_tasks_eval_env_and_gradient_steps():
    env = MultiEnvWrapper(point_envs())
    policy = TanhGaussianMLPPolicy(env.spec, (4,))
    qf = ContinuousMLPQFunction(env.spec, hidden_sizes=(4,))
    with pytest.raises(TypeError, match='num_tasks'):
        MTSAC(
            policy,
            qf,
            qf,
            PathBuffer(10),
            env.spec,
            eval_env=[env],
            gradient_steps_per_itr=1,
        )  # type: ignore[call-arg]


def test_a_single_eval_env_is_taken_as_a_list():
    env = TaskOnehotWrapper(PointEnv(max_episode_length=5), 0, 3)
    algo, _ = make_mtsac(eval_env=env)
    assert algo._eval_envs == [env]


def test_evaluates_and_logs_each_task_with_success_rates():
    algo, _ = make_mtsac(num_evaluation_episodes=2)
    tabular.clear()
    average = algo._evaluate_policy(4)
    logged = dict(tabular.as_dict)
    tabular.clear()
    for name in ('Task #0', 'Task #1', 'Task #2', 'Average'):
        assert logged[f'{name}/Iteration'] == 4
        assert 'SuccessRate' in {
            key.split('/')[1] for key in logged if key.startswith(name)
        }
    assert logged['Task #0/NumEpisodes'] == 2
    assert logged['Average/NumEpisodes'] == 6
    assert average == pytest.approx(logged['Average/AverageReturn'])
    assert 'Evaluation/AverageReturn' not in logged


class NoTaskId(Wrapper):
    """Drops the ``task_id`` env info."""

    def step(self, action):
        es = self._env.step(action)
        info = {k: v for k, v in es.env_info.items() if k != 'task_id'}
        return dataclasses.replace(es, env_info=info)


def test_eval_envs_without_task_infos_are_logged_by_their_index():
    plain = [NoTaskId(env) for env in TaskOnehotWrapper.wrap_env_list(point_envs())]
    algo, _ = make_mtsac(eval_env=plain)
    tabular.clear()
    algo._evaluate_policy(0)
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert logged['Task #1/NumEpisodes'] == 1
    assert logged['Task #2/NumEpisodes'] == 1


def test_logs_each_task_temperature():
    algo, _ = make_mtsac()
    algo._log_alpha.data = torch.tensor([0.0, math.log(2.0), math.log(3.0)])
    tabular.clear()
    algo._log_statistics()
    logged = dict(tabular.as_dict)
    tabular.clear()
    assert logged['AlphaTemperature/task_0'] == pytest.approx(1.0)
    assert logged['AlphaTemperature/task_1'] == pytest.approx(2.0)
    assert logged['AlphaTemperature/task_2'] == pytest.approx(3.0)


def run(tmp_path, n_epochs, seed=3, resume_from=None):
    deterministic.set_seed(seed)
    trainer = Trainer(SnapshotConfig(tmp_path, 'all', 1))
    if resume_from is None:
        algo, env = make_mtsac()
        trainer.setup(algo, env)
        result = trainer.train(n_epochs=n_epochs, batch_size=4)
    else:
        trainer.restore(tmp_path, resume_from)
        result = trainer.resume(n_epochs=n_epochs)
        algo = trainer._algo
    return algo, trainer, result


def test_trains_on_every_task(tmp_path):
    algo, trainer, result = run(tmp_path, n_epochs=2)
    assert isinstance(result, float)
    assert trainer.step_itr == 2
    observations = algo.replay_buffer.sample_transitions(200)['observations']
    assert set(observations[:, -3:].argmax(axis=1)) == {0, 1, 2}
    # every task's temperature was tuned
    assert (algo._log_alpha.detach() != 0.0).all()


def test_resumes_exactly(tmp_path):
    algo, _, result = run(tmp_path, n_epochs=3)
    resumed, _, resumed_result = run(tmp_path, n_epochs=3, resume_from=0)
    assert resumed_result == result
    torch.testing.assert_close(resumed._log_alpha, algo._log_alpha, rtol=0, atol=0)
    for net, resumed_net in zip(algo.networks, resumed.networks, strict=True):
        for p, q in zip(net.parameters(), resumed_net.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=0)
    np.testing.assert_array_equal(
        algo.replay_buffer.sample_transitions(8)['rewards'],
        resumed.replay_buffer.sample_transitions(8)['rewards'],
    )
