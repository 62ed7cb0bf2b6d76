#!/usr/bin/env python3
"""EpisodeBatch operations on a million steps against bare NumPy.

Each operation is timed on a batch of 10,000 episodes of 100 steps, and the
ratio to the same work written directly in NumPy (the peer: no validation,
no dataclass) is printed. The scaling columns are the times at 1,000,000
steps over the times at 100,000 steps, for garage and for NumPy: linear
cost shows as garage scaling like NumPy (about 10, more where the larger
arrays no longer fit in the CPU caches).

Run: .venv/bin/python benchmarks/episode_batch.py
"""

import time

import numpy as np

from garage import EnvSpec, EpisodeBatch, StepType
from garage._legacy_gym import akro

EPISODE_LENGTH = 100
OBS_DIM = 4
ACT_DIM = 2


def make_fields(n_episodes, rng):
    """Arrays of a batch of ``n_episodes`` episodes of EPISODE_LENGTH."""
    n = n_episodes * EPISODE_LENGTH
    step_types = np.full(n, StepType.MID, np.int8)
    step_types[::EPISODE_LENGTH] = StepType.FIRST
    step_types[EPISODE_LENGTH - 1 :: EPISODE_LENGTH] = StepType.TIMEOUT
    return dict(
        episode_infos={'goal': rng.standard_normal((n_episodes, 2))},
        observations=rng.standard_normal((n, OBS_DIM)),
        last_observations=rng.standard_normal((n_episodes, OBS_DIM)),
        actions=rng.standard_normal((n, ACT_DIM)),
        rewards=rng.standard_normal(n),
        env_infos={'success': np.zeros(n, bool)},
        agent_infos={'mean': rng.standard_normal((n, ACT_DIM))},
        step_types=step_types,
        lengths=np.full(n_episodes, EPISODE_LENGTH),
    )


def best_time(fn, repeats=3):
    """The fastest of ``repeats`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_concatenate(*batches):
    """Concatenate the fields of batches (dicts of arrays) in plain NumPy."""
    first = batches[0]
    return {
        k: (
            np.concatenate([b[k] for b in batches])
            if isinstance(first[k], np.ndarray)
            else {key: np.concatenate([b[k][key] for b in batches]) for key in first[k]}
        )
        for k in first
    }


def bare_split(fields):
    """Slice the fields of every episode in plain NumPy."""
    stops = np.cumsum(fields['lengths'])
    starts = stops - fields['lengths']
    return [
        (
            fields['observations'][s:e],
            fields['actions'][s:e],
            fields['rewards'][s:e],
            fields['step_types'][s:e],
            fields['agent_infos']['mean'][s:e],
            fields['env_infos']['success'][s:e],
            fields['last_observations'][i : i + 1],
            fields['episode_infos']['goal'][i : i + 1],
        )
        for i, (s, e) in enumerate(zip(starts, stops, strict=True))
    ]


def bare_pad(fields):
    """Zero-pad the observations in plain NumPy."""
    lengths = fields['lengths']
    padded = np.zeros((len(lengths), EPISODE_LENGTH, OBS_DIM))
    padded[np.arange(EPISODE_LENGTH) < lengths[:, None]] = fields['observations']
    return padded


def bare_next_observations(fields):
    """Shift observations by one step, in plain NumPy."""
    next_obs = np.empty_like(fields['observations'])
    next_obs[:-1] = fields['observations'][1:]
    next_obs[np.cumsum(fields['lengths']) - 1] = fields['last_observations']
    return next_obs


def measure(n_episodes, spec, rng):
    """Time each operation for garage and bare NumPy at one size."""
    fields = make_fields(n_episodes, rng)
    batch = EpisodeBatch(env_spec=spec, **fields)
    pieces = batch.split()
    bare_pieces = [
        dict(
            episode_infos=p.episode_infos_by_episode,
            observations=p.observations,
            last_observations=p.last_observations,
            actions=p.actions,
            rewards=p.rewards,
            env_infos=p.env_infos,
            agent_infos=p.agent_infos,
            step_types=p.step_types,
            lengths=p.lengths,
        )
        for p in pieces
    ]
    cases = {
        'concatenate 2 batches': (
            lambda: EpisodeBatch.concatenate(batch, batch),
            lambda: bare_concatenate(fields, fields),
        ),
        'split into episodes': (batch.split, lambda: bare_split(fields)),
        'concatenate episodes': (
            lambda: EpisodeBatch.concatenate(*pieces),
            lambda: bare_concatenate(*bare_pieces),
        ),
        'padded_observations': (
            lambda: batch.padded_observations,
            lambda: bare_pad(fields),
        ),
        'next_observations': (
            lambda: batch.next_observations,
            lambda: bare_next_observations(fields),
        ),
    }
    return {
        name: (best_time(ours), best_time(peer)) for name, (ours, peer) in cases.items()
    }


def main():
    """Print garage's time, bare NumPy's, their ratio and the scaling."""
    rng = np.random.default_rng(0)
    spec = EnvSpec(
        akro.Box(-np.inf, np.inf, (OBS_DIM,)),
        akro.Box(-1, 1, (ACT_DIM,)),
        max_episode_length=EPISODE_LENGTH,
    )
    small = measure(1_000, spec, rng)
    large = measure(10_000, spec, rng)
    print(
        f'{"operation (1e6 steps)":<26}{"garage s":>10}{"numpy s":>10}'
        f'{"ratio":>8}{"garage 1e6/1e5":>16}{"numpy 1e6/1e5":>15}'
    )
    for name, (ours, peer) in large.items():
        print(
            f'{name:<26}{ours:>10.4f}{peer:>10.4f}{ours / peer:>8.2f}'
            f'{ours / small[name][0]:>16.1f}{peer / small[name][1]:>15.1f}'
        )


if __name__ == '__main__':
    main()
