"""The check of the deprecated ``is_tf_worker`` option, shared by samplers."""

import warnings


def check_is_tf_worker(
    owner: str, is_tf_worker: bool | None, stacklevel: int = 3
) -> None:
    """Reject TensorFlow workers; warn that ``is_tf_worker`` is obsolete.

    Args:
        owner: The class given the argument, for the messages.
        is_tf_worker: The original garage's ``is_tf_worker`` argument, None
            when not given.
        stacklevel: The frame the warning names: 3 is the caller's caller.

    Raises:
        ValueError: If ``is_tf_worker`` is true.

    """
    if is_tf_worker is None:
        return
    if is_tf_worker:
        raise ValueError(
            f'{owner}(is_tf_worker=True): TensorFlow workers '
            'are not supported; garage runs PyTorch policies'
        )
    warnings.warn(
        f'{owner}(is_tf_worker=False) has no effect and is '
        'deprecated: every worker is a PyTorch worker',
        DeprecationWarning,
        stacklevel=stacklevel,
    )
