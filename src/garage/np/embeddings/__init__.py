"""The interface of embeddings: networks that encode inputs as vectors."""

import abc

from garage._dtypes import InOutSpec


class Encoder(abc.ABC):
    """A network that maps an input to an embedding (a latent vector).

    PEARL's context encoder (`garage.torch.embeddings.MLPEncoder`) is one.
    """

    @property
    @abc.abstractmethod
    def spec(self) -> InOutSpec:
        """The input and output spaces."""

    @property
    @abc.abstractmethod
    def input_dim(self) -> int:
        """The dimension of the input."""

    @property
    @abc.abstractmethod
    def output_dim(self) -> int:
        """The dimension of the output (the embedding)."""

    def reset(self, do_resets: object = None) -> None:
        """Reset the encoder's memory; one without memory does nothing.

        Args:
            do_resets: Which of a batch of memories to reset; None for all.

        """
        del do_resets


__all__ = ['Encoder']
