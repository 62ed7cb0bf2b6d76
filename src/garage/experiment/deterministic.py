"""Seeding every random number generator an experiment uses.

Call `set_seed` once, at the start of an experiment, to make it
reproducible; `get_seed` tells other parts of garage (samplers seeding
their workers, for example) which seed was chosen.
"""

import random

import numpy as np

from garage import _validation

_SEED_MODULUS = 4294967294

_seed: int | None = None


def set_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global RNG and PyTorch.

    Any integer works: it is reduced modulo 4294967294 to fit the range
    NumPy accepts. PyTorch's generators on the CPU and on every CUDA device
    are seeded, and cuDNN is put in deterministic mode, which can slow
    training on a GPU.

    Args:
        seed: The seed.

    Raises:
        ArgumentTypeError: If ``seed`` is not an integer (booleans are
            refused; a whole float such as ``1e4`` is taken).
        ValueError: If ``seed`` is a float that is not whole.

    """
    global _seed
    seed = _validation.integer('seed', seed) % _SEED_MODULUS
    _seed = seed
    random.seed(seed)
    np.random.seed(seed)
    # torch takes a second to import: only experiments that seed pay for it.
    import torch

    torch.manual_seed(seed)  # seeds every CUDA device too
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def get_seed() -> int | None:
    """Return the seed last given to `set_seed`.

    Returns:
        int or None: The seed, reduced modulo 4294967294, or None if no seed
            has been set.

    """
    return _seed
