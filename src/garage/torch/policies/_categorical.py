"""The distribution of the categorical policies, and its fast sampling."""

import torch
from torch.distributions import Categorical


def categorical_with_probs(
    logits: torch.Tensor,
) -> tuple[Categorical, dict[str, torch.Tensor]]:
    """Build the distribution of actions from logits.

    Args:
        logits: Unnormalised log-probabilities, of shape ``(N, n_actions)``.

    Returns:
        tuple: The ``Categorical`` distribution, and a dict of its
            ``probs``.

    """
    dist = Categorical(logits=logits, validate_args=False)
    return dist, {'probs': dist.probs}


def sample_categorical(
    logits: torch.Tensor, deterministic: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Draw actions as ``Categorical(logits=logits).sample()`` draws them.

    Args:
        logits: Unnormalised log-probabilities, of shape ``(N, n_actions)``.
        deterministic: Whether to take the most probable actions instead.

    Returns:
        tuple: The actions, of shape ``(N,)``, and a dict of the ``probs``.

    """
    probs = torch.softmax(logits, dim=-1)
    if deterministic:
        actions = probs.argmax(dim=-1)
    else:
        actions = torch.multinomial(probs, 1).squeeze(-1)
    return actions, {'probs': probs}
