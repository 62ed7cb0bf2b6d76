"""Embeddings: PyTorch networks that encode inputs as latent vectors."""

from garage.torch.embeddings.mlp_encoder import MLPEncoder

__all__ = ['MLPEncoder']
