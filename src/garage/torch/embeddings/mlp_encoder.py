"""An MLP that encodes the context of RL tasks."""

import numpy as np

from garage._dtypes import InOutSpec
from garage._legacy_gym import akro
from garage.np.embeddings import Encoder
from garage.torch.modules import MLPModule


class MLPEncoder(MLPModule, Encoder):
    """An MLP encoding transitions (context) as a vector.

    PEARL feeds it transitions, each the concatenation of an observation,
    an action, a reward (and, optionally, the next observation), and reads
    the parameters of a Gaussian over the latent task variable from its
    output. It takes `garage.torch.modules.MLPModule`'s arguments
    (``input_dim``, ``output_dim``, ``hidden_sizes``, nonlinearities,
    initialisers, ``layer_normalization``); any leading dimensions of the
    input are batch dimensions.
    """

    @property
    def spec(self) -> InOutSpec:
        """Unbounded ``Box`` spaces of the input and output dimensions."""
        return InOutSpec(
            akro.Box(low=-np.inf, high=np.inf, shape=(self._input_dim,)),
            akro.Box(low=-np.inf, high=np.inf, shape=(self._output_dim,)),
        )

    @property
    def input_dim(self) -> int:
        """The dimension of the input."""
        return self._input_dim

    @property
    def output_dim(self) -> int:
        """The dimension of the output."""
        return self._output_dim


__all__ = ['MLPEncoder']
