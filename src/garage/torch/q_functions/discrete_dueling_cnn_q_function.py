"""A dueling Q-function of discrete actions over image observations."""

from garage.torch.q_functions.discrete_cnn_q_function import (
    DiscreteCNNQFunction,
)


class DiscreteDuelingCNNQFunction(DiscreteCNNQFunction):
    """A dueling `DiscreteCNNQFunction`.

    After the convolutions, two fully connected streams estimate the state
    value ``V`` and the advantage ``A`` of each action;
    ``Q = V + A - mean(A)``, so the mean Q-value over actions is ``V``
    (Wang et al., 2016). The arguments are those of
    `DiscreteCNNQFunction`; each stream has ``hidden_sizes``.
    """

    _dueling = True
