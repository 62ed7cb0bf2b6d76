"""The GRU core shared by the recurrent policies."""

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn
from torch.distributions import Distribution

from garage.torch.policies.stochastic_policy import StochasticPolicy

if TYPE_CHECKING:
    from garage._dtypes import EnvSpec


class GRUPolicyBase(StochasticPolicy):
    """A stochastic policy whose memory is a GRU's hidden state.

    The policy keeps one hidden state per *row*: one for a ``DefaultWorker``,
    one per environment for a ``VecWorker`` or ``FragmentWorker``.
    ``reset(do_resets)`` sets the rows the boolean mask selects back to the
    initial state (a mask of another width than the current state makes a
    new state of that width; None resets every row and lets the next call
    set the width). `get_action` acts for a state of one row;
    `get_actions` for every row in order, or, given ``rows``, for those
    rows only, leaving the others untouched. The class attribute
    ``recurrent`` tells workers to pass ``rows``.

    For training, calling the policy (``forward``) evaluates whole padded
    sequences, ``(N, T, flat_dim)``, each from the initial state, and
    returns the distribution with batch shape ``(N, T)``: step ``t`` of a
    row depends on its steps ``0..t`` only, so padding after a sequence's
    end does not change its steps. The hidden state is not a parameter: it
    is neither in `get_param_values` nor shipped to workers.

    Args:
        env_spec: The specification of the environment.
        output_dim: The size of the head's output.
        hidden_dim: The size of the GRU's hidden state.
        hidden_state_init_trainable: Whether the initial hidden state is
            learned (it starts at zero).
        name: The name of the policy.

    """

    #: Workers pass ``rows`` to `get_actions` for a recurrent policy.
    recurrent = True

    def __init__(
        self,
        env_spec: 'EnvSpec',
        output_dim: int,
        *,
        hidden_dim: int,
        hidden_state_init_trainable: bool,
        name: str,
    ):
        super().__init__(env_spec, name)
        input_dim = int(env_spec.observation_space.flat_dim)
        self._hidden_dim = hidden_dim
        self._gru = nn.GRU(input_dim, hidden_dim, batch_first=True)
        self._head = nn.Linear(hidden_dim, output_dim)
        self._initial_hidden = nn.Parameter(
            torch.zeros(hidden_dim), requires_grad=hidden_state_init_trainable
        )
        # (rows, hidden_dim), or None before the first step after reset()
        self._hidden: torch.Tensor | None = None
        self._acting_rows: Sequence[int] | np.ndarray | None = None

    @property
    def hidden_dim(self) -> int:
        """The size of the GRU's hidden state."""
        return self._hidden_dim

    @property
    def hidden_state(self) -> torch.Tensor | None:
        """A copy of the hidden state, ``(rows, hidden_dim)``, or None.

        None means every row is at the initial state and the width is not
        known yet. Setting it (a tensor or None) replaces the state with a
        copy.
        """
        return None if self._hidden is None else self._hidden.clone()

    @hidden_state.setter
    def hidden_state(self, value: torch.Tensor | None) -> None:
        self._hidden = None if value is None else value.detach().clone()

    def reset(self, do_resets: Sequence[bool] | np.ndarray | None = None) -> None:
        """Set rows of the hidden state back to the initial state.

        Args:
            do_resets: A boolean mask, one entry per row, of the rows that
                start a new episode; None resets all of them.

        """
        if do_resets is None:
            self._hidden = None
            return
        mask = torch.as_tensor(np.asarray(do_resets, dtype=bool))
        with torch.inference_mode():
            if self._hidden is None or len(self._hidden) != len(mask):
                self._hidden = self._initial_states(len(mask))
            elif mask.any():
                self._hidden[mask.to(self._hidden.device)] = self._initial_hidden

    def get_actions(
        self, observations: Any, rows: Sequence[int] | np.ndarray | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Choose actions for a batch of observations, stepping their rows.

        Args:
            observations: One observation per row acted for.
            rows: The rows of the hidden state the observations belong to,
                in order; None means every row, in order (the first call
                after a ``reset()`` without a mask sets the width).

        Returns:
            tuple: The actions, one per observation, and the agent
                information, one row per observation.

        Raises:
            ValueError: If the number of observations does not match the
                rows acted for.

        """
        self._acting_rows = rows
        try:
            return super().get_actions(observations)
        finally:
            self._acting_rows = None

    def _act(
        self, observations: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        rows = self._acting_rows
        n = len(observations)
        if self._hidden is None:
            width = n if rows is None else int(np.max(rows)) + 1
            self._hidden = self._initial_states(width)
        hidden = self._hidden
        if rows is None:
            if n != len(hidden):
                raise ValueError(
                    f'got {n} observations for a hidden state of '
                    f'{len(hidden)} rows; pass rows=... to act for some rows, '
                    'or reset(do_resets) with a mask of the new width'
                )
            previous = hidden
        else:
            index = torch.as_tensor(np.asarray(rows, dtype=np.int64))
            if len(index) != n:
                raise ValueError(f'got {n} observations for {len(index)} rows')
            previous = hidden[index]
        outputs, new = self._gru(observations.unsqueeze(1), previous.unsqueeze(0))
        new = new.squeeze(0)
        if rows is None:
            self._hidden = new
        else:
            hidden[index] = new
        return self._sample(self._head(outputs.squeeze(1)))

    def _initial_states(self, rows: int) -> torch.Tensor:
        """The initial hidden state repeated for ``rows`` rows."""
        return self._initial_hidden.detach().expand(rows, -1).clone()

    def forward(
        self, observations: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        """Compute the distributions of actions along padded sequences.

        Args:
            observations: Flattened observations, ``(N, T, flat_dim)``:
                ``N`` sequences of ``T`` steps, each from the initial state.

        Returns:
            tuple: The distribution, with batch shape ``(N, T)``, and a dict
                of tensors describing it, each ``(N, T, ...)``.

        Raises:
            ValueError: If ``observations`` is not 3-D.

        """
        if observations.dim() != 3:
            raise ValueError(
                f'{type(self).__name__} evaluates padded sequences of '
                f'observations, (N, T, flat_dim), not shape '
                f'{tuple(observations.shape)}; recurrent policies are trained '
                'by algorithms that keep the episodes in order (RL2PPO, '
                'RL2TRPO)'
            )
        initial = self._initial_hidden.expand(1, len(observations), -1)
        outputs, _ = self._gru(observations, initial.contiguous())
        return self._distribution(self._head(outputs))

    def final_hidden_state(self, observations: torch.Tensor) -> torch.Tensor:
        """The hidden state after a sequence, from the initial state.

        Args:
            observations: One flattened sequence, ``(T, flat_dim)``.

        Returns:
            The hidden state after its last step, ``(1, hidden_dim)``.

        """
        with torch.no_grad():
            initial = self._initial_hidden.reshape(1, 1, -1)
            _, final = self._gru(observations.unsqueeze(0), initial)
        return final[0]

    @abc.abstractmethod
    def _distribution(
        self, outputs: torch.Tensor
    ) -> tuple[Distribution, dict[str, torch.Tensor]]:
        """The distribution of actions given the head's outputs."""

    @abc.abstractmethod
    def _sample(
        self, outputs: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Actions (or the most likely ones) and agent information, one step."""
