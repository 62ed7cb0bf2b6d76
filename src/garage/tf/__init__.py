"""TensorFlow algorithms, policies, baselines and optimizers (the ``tf`` extra).

Everything here builds graphs through ``tf.compat.v1`` and runs them in a
``tf.compat.v1.Session``, as the original garage's TensorFlow half did:
train with `garage.trainer.TFTrainer` (or its older name
``garage.experiment.LocalTFRunner``), which owns the session. ``import
garage`` never imports TensorFlow; this package does, and needs the extra:
``pip install 'garage[tf]'``.
"""

try:
    import tensorflow as _tf  # noqa: F401
except ImportError as _error:
    raise ImportError(
        'garage.tf needs TensorFlow, which is not installed: install the '
        "`tf` extra, pip install 'garage[tf]'"
    ) from _error

from garage.tf._core import initialize_uninitialized, session_for

__all__ = ['initialize_uninitialized', 'session_for']
