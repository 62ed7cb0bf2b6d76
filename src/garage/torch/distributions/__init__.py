"""PyTorch distributions that ``torch.distributions`` lacks."""

from garage.torch.distributions.tanh_normal import TanhNormal

__all__ = ['TanhNormal']
