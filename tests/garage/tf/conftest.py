import pytest


@pytest.fixture
def graph():
    """A fresh default graph for the test."""
    tf = pytest.importorskip('tensorflow', reason='needs the tf extra (TensorFlow)')
    with tf.Graph().as_default() as g:
        yield g
