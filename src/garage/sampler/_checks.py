"""Warnings and checks shared by the samplers and the worker factory."""

import sys
import warnings


def warn_caller(
    message: str,
    category: type[Warning] = UserWarning,
    package: str = 'garage.sampler',
) -> None:
    """Warn, naming the first frame outside ``package``.

    Samplers' (and algorithms') constructors reach their warnings through a
    varying number of frames of their own; the warning names the user's
    line that called them, wherever that is.

    Args:
        message: The warning's message.
        category: The warning's class.
        package: The package whose frames are skipped.

    """
    frame = sys._getframe(1)  # the caller, at stacklevel 2
    stacklevel = 2
    while frame.f_back is not None and frame.f_globals.get('__name__', '').startswith(
        package
    ):
        frame = frame.f_back
        stacklevel += 1
    warnings.warn(message, category, stacklevel=stacklevel)


def check_is_tf_worker(owner: str, is_tf_worker: bool | None) -> None:
    """Check ``is_tf_worker``: True needs TensorFlow; False is obsolete.

    Args:
        owner: The class given the argument, for the messages.
        is_tf_worker: The original garage's ``is_tf_worker`` argument, None
            when not given.

    Raises:
        ImportError: If ``is_tf_worker`` is true and TensorFlow (the ``tf``
            extra) is not installed.

    """
    if is_tf_worker is None:
        return
    if is_tf_worker:
        import garage.tf  # noqa: F401  (the error names the extra)

        return
    warn_caller(
        f'{owner}(is_tf_worker=False) has no effect and is '
        'deprecated: workers are plain unless is_tf_worker=True',
        DeprecationWarning,
    )
