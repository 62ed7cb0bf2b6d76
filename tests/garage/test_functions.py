import math

import numpy as np
import pytest

from fixtures.envs import StepCountEnv
from garage import (
    EpisodeBatch,
    StepType,
    log_multitask_performance,
    log_performance,
    obtain_evaluation_episodes,
    rollout,
)
from garage._dowel import tabular
from garage.np.policies import Policy


class ConstantPolicy(Policy):
    """Acts with a fixed action; reports a different 'mean'."""

    def __init__(self, env_spec, action=0.5, mean=-0.5):
        self._env_spec = env_spec
        self._action = np.array([action], np.float32)
        self._mean = np.array([mean], np.float32)
        self.n_resets = 0

    @property
    def env_spec(self):
        return self._env_spec

    def reset(self, do_resets=None):
        self.n_resets += 1

    def get_action(self, observation):
        return self._action, {'mean': self._mean, 'seen': observation[0]}

    def get_actions(self, observations):
        raise NotImplementedError


@pytest.fixture(autouse=True)
def clear_tabular():
    tabular.clear()
    yield
    tabular.mark_all()  # read by the test, not by a dowel output
    tabular.clear()


def make_batch(rewards_per_episode, step_types_per_episode, env_infos=None):
    env = StepCountEnv(terminate_after=None)
    lengths = [len(r) for r in rewards_per_episode]
    n = sum(lengths)
    return EpisodeBatch(
        env_spec=env.spec,
        episode_infos={},
        observations=np.zeros((n, 1), np.float32),
        last_observations=np.zeros((len(lengths), 1), np.float32),
        actions=np.zeros((n, 1), np.float32),
        rewards=np.concatenate(rewards_per_episode).astype(float),
        env_infos=env_infos or {},
        agent_infos={},
        step_types=np.concatenate(step_types_per_episode).astype(np.int8),
        lengths=np.array(lengths),
    )


F, M, TE, TO = StepType.FIRST, StepType.MID, StepType.TERMINAL, StepType.TIMEOUT


class TestRollout:
    def test_episode_until_terminal(self):
        env = StepCountEnv(terminate_after=4)
        policy = ConstantPolicy(env.spec)
        episode = rollout(env, policy)
        assert policy.n_resets == 1
        np.testing.assert_array_equal(episode['observations'][:, 0], [0, 1, 2, 3])
        np.testing.assert_array_equal(episode['next_observations'][:, 0], [1, 2, 3, 4])
        np.testing.assert_array_equal(episode['step_types'], [F, M, M, TE])
        np.testing.assert_array_equal(episode['dones'], [False, False, False, True])
        np.testing.assert_array_equal(episode['rewards'], [1, 1, 1, 1])
        np.testing.assert_array_equal(episode['actions'][:, 0], [0.5] * 4)
        np.testing.assert_array_equal(episode['agent_infos']['seen'], [0, 1, 2, 3])
        np.testing.assert_array_equal(episode['env_infos']['step'], [1, 2, 3, 4])
        assert episode['episode_infos'] == {'episode': 0}

    def test_max_episode_length_cuts_short(self):
        env = StepCountEnv(terminate_after=None)
        episode = rollout(env, ConstantPolicy(env.spec), max_episode_length=3)
        assert len(episode['rewards']) == 3
        np.testing.assert_array_equal(episode['step_types'], [F, M, TO])
        assert not episode['dones'].any()

    def test_no_limit_by_default_or_with_math_inf_as_in_the_original(self):
        for limit in ({}, {'max_episode_length': math.inf}):
            env = StepCountEnv(terminate_after=1200)
            episode = rollout(env, ConstantPolicy(env.spec), **limit)
            assert len(episode['rewards']) == 1200
            assert episode['step_types'][-1] == TE

    def test_deterministic_uses_the_mean(self):
        env = StepCountEnv(terminate_after=2)
        episode = rollout(env, ConstantPolicy(env.spec), deterministic=True)
        np.testing.assert_array_equal(episode['actions'][:, 0], [-0.5] * 2)

    def test_animated_visualizes(self):
        env = StepCountEnv(terminate_after=2)
        rollout(env, ConstantPolicy(env.spec), animated=True)
        assert env.visualizing

    def test_result_builds_an_episode_batch(self):
        env = StepCountEnv(terminate_after=3)
        policy = ConstantPolicy(env.spec)
        batch = EpisodeBatch.from_list(
            env.spec, [rollout(env, policy), rollout(env, policy)]
        )
        np.testing.assert_array_equal(batch.lengths, [3, 3])
        np.testing.assert_array_equal(batch.last_observations[:, 0], [3, 3])
        np.testing.assert_array_equal(batch.episode_infos_by_episode['episode'], [0, 1])


class TestObtainEvaluationEpisodes:
    def test_episodes(self):
        env = StepCountEnv(terminate_after=3)
        batch = obtain_evaluation_episodes(ConstantPolicy(env.spec), env, num_eps=4)
        np.testing.assert_array_equal(batch.lengths, [3, 3, 3, 3])
        np.testing.assert_array_equal(batch.actions[:, 0], [-0.5] * 12)

    def test_max_episode_length_and_stochastic(self):
        env = StepCountEnv(terminate_after=None)
        batch = obtain_evaluation_episodes(
            ConstantPolicy(env.spec),
            env,
            max_episode_length=5,
            num_eps=2,
            deterministic=False,
        )
        np.testing.assert_array_equal(batch.lengths, [5, 5])
        np.testing.assert_array_equal(batch.actions[:, 0], [0.5] * 10)

    def test_policies_with_a_deterministic_mode_act_in_it(self):
        from garage.envs import GridWorldEnv
        from garage.torch.policies import CategoricalMLPPolicy

        env = GridWorldEnv()
        policy = CategoricalMLPPolicy(env.spec, (4,))
        batch = obtain_evaluation_episodes(
            policy, env, max_episode_length=20, num_eps=3
        )
        modes = policy.get_actions(batch.observations)[1]['probs'].argmax(1)
        np.testing.assert_array_equal(batch.actions, modes)
        assert policy.deterministic is False  # put back

    def test_rollout_switches_into_the_deterministic_mode_too(self):
        from garage.envs import GridWorldEnv
        from garage.torch.policies import CategoricalMLPPolicy

        env = GridWorldEnv()
        policy = CategoricalMLPPolicy(env.spec, (4,))
        episode = rollout(env, policy, max_episode_length=20, deterministic=True)
        modes = policy.get_actions(episode['observations'])[1]['probs']
        np.testing.assert_array_equal(episode['actions'], modes.argmax(1))
        assert policy.deterministic is False  # put back

    def test_num_eps_must_be_positive(self):
        env = StepCountEnv()
        with pytest.raises(
            ValueError, match='num_eps must be a positive integer, got 0'
        ):
            obtain_evaluation_episodes(ConstantPolicy(env.spec), env, num_eps=0)


class TestLogPerformance:
    def test_records(self):
        batch = make_batch(
            [[1, 2, 3], [4, 5]],
            [[F, M, TE], [F, TO]],
            env_infos={'success': np.array([0, 0, 1, 0, 0])},
        )
        returns = log_performance(7, batch, discount=0.5, prefix='Eval')
        np.testing.assert_array_equal(returns, [6, 9])
        values = tabular.as_dict
        assert values['Eval/Iteration'] == 7
        assert values['Eval/NumEpisodes'] == 2
        assert values['Eval/AverageReturn'] == 7.5
        assert values['Eval/StdReturn'] == 1.5
        assert values['Eval/MaxReturn'] == 9
        assert values['Eval/MinReturn'] == 6
        # (1 + 0.5 * 2 + 0.25 * 3 + 4 + 0.5 * 5) / 2
        assert values['Eval/AverageDiscountedReturn'] == pytest.approx(4.625)
        assert values['Eval/AverageEpisodeLength'] == 2.5
        assert values['Eval/TerminationRate'] == 0.5
        assert values['Eval/SuccessRate'] == 0.5

    def test_no_success_rate_without_success_info(self):
        log_performance(0, make_batch([[1]], [[TE]]), discount=1.0)
        assert 'Evaluation/SuccessRate' not in tabular.as_dict
        assert tabular.as_dict['Evaluation/TerminationRate'] == 1.0


class TestLogMultitaskPerformance:
    def test_by_task_name(self):
        batch = make_batch(
            [[1], [2, 2], [3]],
            [[TE], [F, TO], [TE]],
            env_infos={'task_name': np.array(['a', 'b', 'b', 'a'])},
        )
        returns = log_multitask_performance(3, batch, discount=1.0)
        np.testing.assert_array_equal(returns, [1, 4, 3])
        values = tabular.as_dict
        assert values['a/NumEpisodes'] == 2
        assert values['a/AverageReturn'] == 2
        assert values['b/NumEpisodes'] == 1
        assert values['b/AverageReturn'] == 4
        assert values['Average/NumEpisodes'] == 3

    def test_by_task_id_with_name_map(self):
        batch = make_batch(
            [[1], [5]], [[TE], [TE]], env_infos={'task_id': np.array([0, 0])}
        )
        log_multitask_performance(
            1, batch, discount=1.0, name_map={0: 'reach', 1: 'push'}
        )
        values = tabular.as_dict
        assert values['reach/NumEpisodes'] == 2
        assert values['reach/AverageReturn'] == 3
        assert values['push/NumEpisodes'] == 0
        assert np.isnan(values['push/AverageReturn'])

    def test_task_without_episodes_has_every_key_of_the_original(self):
        # the original garage's call; its log rows had SuccessRate for a
        # task with no episodes (as NaN)
        batch = make_batch(
            [[1]],
            [[TE]],
            env_infos={'task_id': np.array([0]), 'success': np.array([1])},
        )
        log_multitask_performance(
            1, batch, discount=1.0, name_map={0: 'reach', 1: 'push'}
        )
        values = tabular.as_dict
        assert values['reach/SuccessRate'] == 1.0
        for key in (
            'Iteration',
            'NumEpisodes',
            'AverageDiscountedReturn',
            'AverageReturn',
            'StdReturn',
            'MaxReturn',
            'MinReturn',
            'TerminationRate',
            'SuccessRate',
        ):
            assert f'push/{key}' in values, key
        assert np.isnan(values['push/SuccessRate'])

    def test_by_task_id_without_name_map(self):
        batch = make_batch(
            [[1], [5]], [[TE], [TE]], env_infos={'task_id': np.array([0, 2])}
        )
        log_multitask_performance(1, batch, discount=1.0)
        assert tabular.as_dict['Task #2/AverageReturn'] == 5

    def test_unnamed(self):
        log_multitask_performance(1, make_batch([[1]], [[TE]]), 1.0)
        assert tabular.as_dict['__unnamed_task__/NumEpisodes'] == 1
