"""PEARL's policy: a policy conditioned on a latent task variable."""

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from garage import _validation
from garage.torch._functions import product_of_gaussians


class ContextConditionedPolicy(nn.Module):
    r"""A policy acting on the observation and a latent task variable `z`.

    It keeps a belief `q(z | c)` about the task, a diagonal Gaussian per
    task (``z_means``, ``z_vars``), inferred by the context encoder from
    transitions `c` of the task, and a sample ``z`` of it, on which the
    inner policy is conditioned: the inner policy sees the observation
    concatenated with ``z``. With the information bottleneck, the encoder
    gives a mean and a variance per transition, combined into the belief by
    `garage.torch.product_of_gaussians`, and the prior is the unit
    Gaussian; without it, the encoder gives ``z`` per transition, the
    belief's mean is their average and its variance 0.

    ``z``, ``z_means`` and ``z_vars`` are buffers: they are part of the
    state dict and move with the module.

    Args:
        latent_dim: The dimension of `z`.
        context_encoder: The encoder of transitions (a
            `garage.torch.embeddings.MLPEncoder`), whose output dimension is
            ``2 * latent_dim`` with the information bottleneck and
            ``latent_dim`` without.
        policy: The inner policy (a
            `garage.torch.policies.TanhGaussianMLPPolicy`), whose
            observations are the environment's observations followed by
            `z`.
        use_information_bottleneck: Whether `z` is stochastic.
        use_next_obs: Whether a transition of the context holds the next
            observation too.

    Raises:
        ValueError: If ``latent_dim`` is not a positive integer.

    """

    z: torch.Tensor
    z_means: torch.Tensor
    z_vars: torch.Tensor

    def __init__(
        self,
        latent_dim: int,
        context_encoder: nn.Module,
        policy: nn.Module,
        use_information_bottleneck: bool,
        use_next_obs: bool,
    ):
        super().__init__()
        self._latent_dim = _validation.positive_int('latent_dim', latent_dim)
        self._context_encoder = context_encoder
        self._policy: Any = policy
        self._use_information_bottleneck = bool(use_information_bottleneck)
        self._use_next_obs = bool(use_next_obs)
        self.register_buffer('z', torch.zeros(1, latent_dim))
        self.register_buffer('z_means', torch.zeros(1, latent_dim))
        self.register_buffer('z_vars', torch.zeros(1, latent_dim))
        self._context_rows: list[np.ndarray] = []
        self.reset_belief()

    @property
    def latent_dim(self) -> int:
        """The dimension of the latent task variable."""
        return self._latent_dim

    @property
    def use_information_bottleneck(self) -> bool:
        """Whether the latent task variable is stochastic."""
        return self._use_information_bottleneck

    def reset_belief(self, num_tasks: int = 1) -> None:
        r"""Reset `q(z | c)` to the prior, sample `z`, forget the context.

        Args:
            num_tasks: The number of tasks to keep a belief about.

        """
        num_tasks = _validation.positive_int('num_tasks', num_tasks)
        device = self.z.device
        self.z_means = torch.zeros(num_tasks, self._latent_dim, device=device)
        if self._use_information_bottleneck:
            self.z_vars = torch.ones(num_tasks, self._latent_dim, device=device)
        else:
            self.z_vars = torch.zeros(num_tasks, self._latent_dim, device=device)
        self.sample_from_belief()
        self._context_rows = []
        reset = getattr(self._context_encoder, 'reset', None)
        if callable(reset):
            reset()

    def sample_from_belief(self) -> None:
        """Sample ``z`` from the belief (its mean, without the bottleneck)."""
        if self._use_information_bottleneck:
            self.z = self.z_means + self.z_vars.sqrt() * torch.randn_like(self.z_means)
        else:
            self.z = self.z_means

    def update_context(self, timestep: Any) -> None:
        """Append one transition to the context.

        Args:
            timestep: A `garage.TimeStep` (or any object with
                ``observation``, ``action``, ``reward`` and
                ``next_observation``).

        """
        parts = [
            np.asarray(timestep.observation, dtype=np.float32).reshape(-1),
            np.asarray(timestep.action, dtype=np.float32).reshape(-1),
            np.asarray([timestep.reward], dtype=np.float32),
        ]
        if self._use_next_obs:
            parts.append(
                np.asarray(timestep.next_observation, dtype=np.float32).reshape(-1)
            )
        self._context_rows.append(np.concatenate(parts))

    @property
    def context(self) -> torch.Tensor | None:
        """The transitions appended, shape ``(1, N, D)``; None for none."""
        if not self._context_rows:
            return None
        return torch.as_tensor(np.stack(self._context_rows)[None], device=self.z.device)

    def infer_posterior(self, context: torch.Tensor) -> None:
        r"""Compute `q(z | c)` from a context and sample ``z`` from it.

        Args:
            context: Transitions of each task, shape ``(T, N, D)``: one
                belief per task results.

        """
        params = self._context_encoder(context)
        params = params.view(context.size(0), -1, params.size(-1))
        if self._use_information_bottleneck:
            mu = params[..., : self._latent_dim]
            sigma_squared = F.softplus(params[..., self._latent_dim :])
            # each task's transitions combined: the product runs over dim 0
            self.z_means, self.z_vars = product_of_gaussians(
                mu.transpose(0, 1), sigma_squared.transpose(0, 1)
            )
        else:
            self.z_means = params.mean(dim=1)
            self.z_vars = torch.zeros_like(self.z_means)
        self.sample_from_belief()

    def forward(
        self, obs: torch.Tensor, context: torch.Tensor
    ) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        """Infer the belief from a context and act on observations.

        Args:
            obs: Observations of each task, shape ``(T, B, O)``.
            context: Transitions of each task, shape ``(T, N, D)``.

        Returns:
            tuple: The policy's outputs for the ``T * B`` observations,
                task after task: reparameterised actions, the mean (tanh of
                the Gaussian's mean) and log standard deviation of the
                Gaussian, the actions' log densities (shape ``(T * B,
                1)``) and the actions before tanh; and ``z`` repeated for
                each observation, shape ``(T * B, latent_dim)``.

        """
        self.infer_posterior(context)
        t, b, _ = obs.size()
        obs = obs.reshape(t * b, -1)
        task_z = self.z.repeat_interleave(b, dim=0)
        dist, info = self._policy(torch.cat([obs, task_z.detach()], dim=1))
        pre_tanh, actions = dist.rsample_with_pre_tanh_value()
        log_pi = dist.log_prob(value=actions, pre_tanh_value=pre_tanh).unsqueeze(1)
        return (actions, info['mean'], info['log_std'], log_pi, pre_tanh), task_z

    def _with_z(self, observations: Any) -> np.ndarray:
        """Observations, one per row, followed by ``z``."""
        rows = np.asarray(observations, dtype=np.float32)
        rows = rows.reshape(rows.shape[0], -1)
        z = self.z.detach().cpu().numpy()
        return np.concatenate(
            [rows, np.broadcast_to(z, (rows.shape[0], z.shape[1]))], 1
        )

    def get_action(self, obs: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Sample an action for one observation, conditioned on ``z``.

        Args:
            obs: One observation.

        Returns:
            tuple: The action and the inner policy's agent information.

        """
        return self._policy.get_action(self._with_z(np.asarray(obs)[None])[0])

    def get_actions(self, obs: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Sample actions for a batch of observations, conditioned on ``z``.

        Args:
            obs: Observations, one per row; ``z`` has one row, or one per
                observation.

        Returns:
            tuple: The actions and the inner policy's agent information.

        """
        return self._policy.get_actions(self._with_z(obs))

    def reset(self, do_resets: Any = None) -> None:
        """Keep the belief: a new episode of the same task needs it.

        `reset_belief` forgets it.

        Args:
            do_resets: Ignored.

        """
        del do_resets

    @property
    def deterministic(self) -> bool:
        """Whether the inner policy acts with its mean action."""
        return bool(getattr(self._policy, 'deterministic', False))

    @deterministic.setter
    def deterministic(self, value: bool) -> None:
        if value != self.deterministic:
            self._policy.deterministic = value

    def compute_kl_div(self) -> torch.Tensor:
        r"""`KL(q(z | c) || N(0, I))`, summed over the tasks.

        Returns:
            The divergence, a scalar tensor.

        """
        means, variances = self.z_means, self.z_vars
        return 0.5 * (variances + means**2 - 1 - torch.log(variances)).sum()

    @property
    def networks(self) -> list[nn.Module]:
        """The context encoder and the inner policy."""
        return [self._context_encoder, self._policy]


__all__ = ['ContextConditionedPolicy']
