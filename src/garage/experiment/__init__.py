"""Running experiments: seeding (and, later, launching and snapshots)."""

from garage.experiment import deterministic

__all__ = ['deterministic']
