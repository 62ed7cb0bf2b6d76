"""Watching a policy in a window while it trains: `Plotter`."""

from garage.plotter.plotter import Op, Plotter

__all__ = ['Op', 'Plotter']
