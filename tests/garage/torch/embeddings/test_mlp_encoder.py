"""MLPEncoder: shapes, spec and the Encoder interface."""

import pytest
import torch

from garage import InOutSpec
from garage.np.embeddings import Encoder
from garage.torch.embeddings import MLPEncoder


def test_encodes_any_batch_shape_and_reports_its_spec():
    encoder = MLPEncoder(input_dim=5, output_dim=6, hidden_sizes=(8, 8))
    assert isinstance(encoder, Encoder)
    assert isinstance(encoder, torch.nn.Module)
    assert encoder(torch.zeros(3, 7, 5)).shape == (3, 7, 6)
    assert encoder(torch.zeros(4, 5)).shape == (4, 6)
    assert (encoder.input_dim, encoder.output_dim) == (5, 6)
    assert isinstance(encoder.spec, InOutSpec)
    assert encoder.spec.input_space.shape == (5,)
    assert encoder.spec.output_space.shape == (6,)
    encoder.reset()  # no memory: nothing to reset


def test_rejects_inputs_of_the_wrong_size():
    encoder = MLPEncoder(input_dim=5, output_dim=2, hidden_sizes=(4,))
    with pytest.raises(ValueError, match='5'):
        encoder(torch.zeros(2, 4))
