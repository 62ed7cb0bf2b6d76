"""samples_to_tensors."""

import numpy as np
import pytest

from garage.np import samples_to_tensors


def test_samples_to_tensors():
    paths = [
        {
            'success_count': 1,
            'running_length': 4,
            'undiscounted_return': 2.5,
            'dones': np.array([False, True]),
        },
        {
            'success_count': 3,
            'running_length': 3,
            'undiscounted_return': -1.0,
            'dones': np.array([False, False]),
        },
    ]
    assert samples_to_tensors(paths) == {
        'undiscounted_returns': [2.5, -1.0],
        'success_history': [0.25, 1.0],
        'complete': [True, False],
    }
    assert samples_to_tensors([]) == {
        'undiscounted_returns': [],
        'success_history': [],
        'complete': [],
    }
    with pytest.raises(ValueError, match=r"paths\[0\] lacks the keys \['dones'\]"):
        samples_to_tensors([{k: v for k, v in paths[0].items() if k != 'dones'}])
