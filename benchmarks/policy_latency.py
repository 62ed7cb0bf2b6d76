#!/usr/bin/env python3
"""Latency of PyTorch policies' get_action(s) against a bare forward pass.

Sampler workers call ``policy.get_action`` once per environment step (and
``get_actions`` once per step of a vectorised worker), so its fixed cost
adds to every step. Each case is timed for garage's policy and for the same
work written inline with no library around it (the peer): a
``torch.nn.Sequential`` of the same layer sizes, a NumPy observation turned
into a tensor, the forward pass, sampling (``mean + exp(log_std) * randn``
for the Gaussian policy, ``softmax`` then ``torch.multinomial`` for the
categorical one) and the action turned back into NumPy, under
``torch.no_grad()``. Torch runs on one thread, as in sampler workers.

The peer's weights are garage's own, so both compute the same function.
The "network only" rows time the garage module under the policy
(``GaussianMLPModule.forward_mean_std``, ``MLPModule``) against the bare
``Sequential`` on a ready tensor, to show how much of a policy's time is
its network's.
Times are CPU time of the calling thread (``time.thread_time``; torch runs
on that one thread), which time spent waiting for a busy machine's cores
does not inflate: the median over rounds of the mean time of a call in a
round, with the two sides interleaved.

Run: .venv/bin/python benchmarks/policy_latency.py
"""

import statistics
import time

import numpy as np
import torch

from garage import EnvSpec
from garage._legacy_gym import akro
from garage.torch.modules import GaussianMLPModule, MLPModule
from garage.torch.policies import CategoricalMLPPolicy, GaussianMLPPolicy

HIDDEN_SIZES = (32, 32)
BATCH_SIZES = (8, 64)
ROUNDS = 11
TARGET = 1.3


def bare_network(module_linears):
    """A ``Sequential`` of tanh layers holding copies of the given layers."""
    layers = []
    for linear in module_linears[:-1]:
        layers += [_copy_linear(linear), torch.nn.Tanh()]
    layers.append(_copy_linear(module_linears[-1]))
    return torch.nn.Sequential(*layers)


def _copy_linear(linear):
    copy = torch.nn.Linear(linear.in_features, linear.out_features)
    copy.load_state_dict(linear.state_dict())
    return copy


def linears(module):
    """The ``nn.Linear`` layers of ``module``, in order."""
    return [m for m in module.modules() if isinstance(m, torch.nn.Linear)]


def gaussian_case():
    """A PointEnv-like Gaussian policy and its bare peer."""
    env_spec = EnvSpec(
        akro.Box(-np.inf, np.inf, (3,), np.float32),
        akro.Box(-0.1, 0.1, (2,), np.float32),
    )
    policy = GaussianMLPPolicy(env_spec, HIDDEN_SIZES)
    layers = linears(policy)
    net = bare_network(layers)
    log_std = torch.zeros(2)

    def bare(observations):
        with torch.no_grad():
            x = torch.from_numpy(observations).reshape(-1, 3)
            mean = net(x)
            actions = mean + torch.exp(log_std) * torch.randn_like(mean)
            return actions.numpy()

    module = GaussianMLPModule(3, 2, HIDDEN_SIZES)
    module_net = bare_network(linears(module))

    def bare_network_only(x):
        with torch.no_grad():
            mean = module_net(x)
            return mean, log_std.expand_as(mean)

    def network_only(x):
        with torch.no_grad():
            return module.forward_mean_std(x)

    return policy, bare, 3, (network_only, bare_network_only)


def categorical_case():
    """A CartPole-like categorical policy and its bare peer."""
    env_spec = EnvSpec(akro.Box(-np.inf, np.inf, (4,), np.float32), akro.Discrete(2))
    policy = CategoricalMLPPolicy(env_spec, HIDDEN_SIZES)
    net = bare_network(linears(policy))

    def bare(observations):
        with torch.no_grad():
            x = torch.from_numpy(observations).reshape(-1, 4)
            probs = torch.softmax(net(x), dim=-1)
            return torch.multinomial(probs, 1).numpy()

    module = MLPModule(4, 2, HIDDEN_SIZES, hidden_nonlinearity=torch.tanh)
    module_net = bare_network(linears(module))

    def bare_network_only(x):
        with torch.no_grad():
            return module_net(x)

    def network_only(x):
        with torch.no_grad():
            return module(x)

    return policy, bare, 4, (network_only, bare_network_only)


def time_per_call(fn, arg, n_calls):
    """Mean seconds per call of ``fn(arg)`` over ``n_calls`` calls."""
    start = time.thread_time()
    for _ in range(n_calls):
        fn(arg)
    return (time.thread_time() - start) / n_calls


def compare(garage_fn, bare_fn, arg, n_calls):
    """Median per-call times of both functions, interleaved round by round."""
    garage_fn(arg)
    bare_fn(arg)
    garage_times, bare_times = [], []
    for _ in range(ROUNDS):
        garage_times.append(time_per_call(garage_fn, arg, n_calls))
        bare_times.append(time_per_call(bare_fn, arg, n_calls))
    return statistics.median(garage_times), statistics.median(bare_times)


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    rows = []
    for label, make_case in (
        ('Gaussian', gaussian_case),
        ('categorical', categorical_case),
    ):
        policy, bare, obs_dim, network_pair = make_case()
        observation = rng.standard_normal(obs_dim).astype(np.float32)
        rows.append(
            (
                f'{label} get_action',
                *compare(policy.get_action, bare, observation, 2000),
            )
        )
        for batch_size in BATCH_SIZES:
            observations = rng.standard_normal((batch_size, obs_dim)).astype(np.float32)
            rows.append(
                (
                    f'{label} get_actions({batch_size})',
                    *compare(policy.get_actions, bare, observations, 1000),
                )
            )
        rows.append(
            (
                f'{label} network only',
                *compare(*network_pair, torch.zeros(1, obs_dim), 2000),
            )
        )
    print(f'{"case":<28} {"garage µs":>10} {"bare µs":>10} {"ratio":>7}')
    for case, garage_s, bare_s in rows:
        print(
            f'{case:<28} {garage_s * 1e6:>10.1f} {bare_s * 1e6:>10.1f} '
            f'{garage_s / bare_s:>7.2f}'
        )
    print(f'target: get_action within {TARGET}x of bare')


if __name__ == '__main__':
    main()
