"""MetaEvaluator: explore, adapt and test on each test task, and log it."""

import numpy as np
import pytest

from fixtures.meta import GOAL_EPISODE_LENGTH, GoalPointEnv
from garage._dowel import tabular
from garage.experiment import MetaEvaluator, SetTaskSampler
from garage.experiment.deterministic import set_seed
from garage.np.algos import MetaRLAlgorithm
from garage.np.policies import UniformRandomPolicy
from garage.np.policies.policy import ParameterFreePolicy

pytestmark = pytest.mark.filterwarnings('ignore:.*(No outputs|accepted by any output)')


class _GoToGoal(ParameterFreePolicy):
    """Steps straight to a goal."""

    def __init__(self, env_spec, goal):
        self._env_spec = env_spec
        self.goal = np.asarray(goal, dtype=np.float32)

    @property
    def env_spec(self):
        return self._env_spec

    def get_action(self, observation):
        return np.clip(self.goal - observation[:2], -0.1, 0.1), {}

    def get_actions(self, observations):
        actions = [self.get_action(obs)[0] for obs in observations]
        return np.stack(actions), {}


class _ReadsTheGoal(MetaRLAlgorithm):
    """Explores at random, then adapts by reading the goal from env infos."""

    def __init__(self, env_spec):
        self.env_spec = env_spec
        self.policy = UniformRandomPolicy(env_spec)
        self.discount = 0.99
        self.max_episode_length = GOAL_EPISODE_LENGTH
        self.exploration_counts = []
        self.goals = []

    def train(self, trainer):
        del trainer

    def get_exploration_policy(self):
        return UniformRandomPolicy(self.env_spec)

    def adapt_policy(self, exploration_policy, exploration_episodes):
        assert isinstance(exploration_policy, UniformRandomPolicy)
        goals = np.stack(
            [task['goal'] for task in exploration_episodes.env_infos['task']]
        )
        assert (goals == goals[0]).all()  # all episodes are of one task
        self.exploration_counts.append(len(exploration_episodes.lengths))
        self.goals.append(goals[0])
        return _GoToGoal(self.env_spec, goals[0])


@pytest.fixture(autouse=True)
def _clear_tabular():
    tabular.clear()
    yield
    tabular.clear()


def _evaluator(**kwargs):
    return MetaEvaluator(test_task_sampler=SetTaskSampler(GoalPointEnv), **kwargs)


def test_adapts_on_each_task_and_logs_a_row_per_task_and_the_average():
    set_seed(1)
    algo = _ReadsTheGoal(GoalPointEnv().spec)
    evaluator = _evaluator(n_test_tasks=3, n_exploration_eps=4, n_test_episodes=2)
    batch = evaluator.evaluate(algo)

    assert algo.exploration_counts == [4, 4, 4]
    assert len({tuple(goal) for goal in algo.goals}) == 3  # three tasks
    assert len(batch.lengths) == 3 * 2
    values = tabular.as_dict
    for i in range(3):
        assert values[f'MetaTest/Task #{i}/NumEpisodes'] == 2
    assert values['MetaTest/Average/NumEpisodes'] == 6
    # the adapted policy goes to the goal: every test episode succeeds
    assert values['MetaTest/Average/SuccessRate'] == 1.0
    assert values['MetaTest/Average/Iteration'] == 0


def test_names_tasks_prefixes_and_counts_evaluations():
    set_seed(1)
    algo = _ReadsTheGoal(GoalPointEnv().spec)
    evaluator = _evaluator(
        n_test_tasks=2,
        n_exploration_eps=1,
        prefix='MetaTrain',
        test_task_names=['left', 'right'],
    )
    evaluator.evaluate(algo)
    tabular.clear()
    evaluator.evaluate(algo, test_episodes_per_task=3)
    values = tabular.as_dict
    assert values['MetaTrain/left/NumEpisodes'] == 3
    assert values['MetaTrain/right/NumEpisodes'] == 3
    assert values['MetaTrain/Average/Iteration'] == 1
    assert not any(key.startswith('MetaTest/') for key in values)


def test_n_test_tasks_must_be_known():
    with pytest.raises(ValueError, match='n_test_tasks'):
        _evaluator()
    with pytest.raises(ValueError, match='n_exploration_eps'):
        _evaluator(n_test_tasks=1, n_exploration_eps=0)


def test_meta_rl_algorithm_needs_both_methods():
    class Incomplete(MetaRLAlgorithm):
        def train(self, trainer):
            del trainer

        def get_exploration_policy(self):
            return None

    with pytest.raises(TypeError, match='adapt_policy'):
        Incomplete()
