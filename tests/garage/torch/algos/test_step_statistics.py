import math

import numpy as np
import pytest
import torch

from garage.torch.algos._off_policy import StepStatistics, Summary


def test_summaries_match_numpy_across_folds():
    rng = np.random.default_rng(0)
    steps = [rng.normal(size=5).astype(np.float32) for _ in range(11)]
    stats = StepStatistics(rows=4)  # folds after steps 4 and 8, 3 pending
    for values in steps:
        stats.record('q', torch.from_numpy(values))
        stats.record('loss', torch.tensor(float(values[0])))
    summary = stats.summaries(['q', 'loss'])
    every = np.concatenate(steps)
    assert summary['q'] == pytest.approx(
        Summary(every.mean(), every.max(), np.abs(every).mean(), 55)
    )
    firsts = np.array([values[0] for values in steps])
    assert summary['loss'].mean == pytest.approx(firsts.mean())
    assert summary['loss'].n_values == 11


def test_summaries_forget_and_report_nan_when_nothing_was_recorded():
    stats = StepStatistics(rows=2)
    stats.record('q', torch.ones(3))
    assert stats.summaries(['q'])['q'].n_values == 3
    empty = stats.summaries(['q', 'never'])
    for key in ('q', 'never'):
        assert empty[key].n_values == 0
        assert all(math.isnan(v) for v in empty[key][:3])


def test_a_change_of_batch_size_keeps_earlier_values():
    stats = StepStatistics(rows=8)
    stats.record('q', torch.full((4,), 2.0))
    stats.record('q', torch.full((2,), -1.0))
    assert stats.summaries(['q'])['q'] == pytest.approx(Summary(1.0, 2.0, 5 / 3, 6))


def test_memory_stays_bounded_over_many_steps():
    stats = StepStatistics(rows=16)
    for step in range(1000):
        stats.record('q', torch.full((256,), float(step)))
    pending = stats._pending['q'][0]
    assert pending.shape == (16, 256)
    assert len(stats._totals) == 1
    assert stats.summaries(['q'])['q'].max == 999.0
