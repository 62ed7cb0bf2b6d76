"""Replay buffers: transitions stored for off-policy algorithms."""

from garage.replay_buffer.her_replay_buffer import HERReplayBuffer
from garage.replay_buffer.path_buffer import PathBuffer
from garage.replay_buffer.replay_buffer import ReplayBuffer

__all__ = ['HERReplayBuffer', 'PathBuffer', 'ReplayBuffer']
