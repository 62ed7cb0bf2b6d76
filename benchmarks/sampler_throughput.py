#!/usr/bin/env python3
"""Sampler throughput in steps per second against the bare environment loop.

Every case samples batches of 10,000 steps of ``PointEnv(
max_episode_length=100)`` with a (32, 32) ``GaussianMLPPolicy``, and then
of the same environment made to spend 0.5 ms of CPU in every step (a busy
loop), which stands for a simulator. The cases:

* the bare loop: ``policy.get_action`` and ``env.step``, resetting at the
  end of each episode, with nothing recorded;
* the bare batched loop: one ``policy.get_actions`` over 8 environments,
  then a step of each;
* ``LocalSampler`` with one ``DefaultWorker``, and with one
  ``VecWorker(n_envs=8)``;
* ``MultiprocessingSampler`` and ``RaySampler`` with 2 workers of each kind
  (the Ray rows are left out, with a note, where Ray is not installed).

Samplers get the policy's parameters with every batch, as in training.
Each case samples one batch to warm up, then one batch a round; the cases
take turns batch by batch, in an order shuffled each round, and a case's
ratio in a round is to its reference case's batch of the same round, so
that a change in the machine's speed between rounds (this VM's batches
vary by 10% and more) falls on both. The bare loops and one-worker
samplers are timed first, in ``PROCESSES`` fresh processes one after
another, ``ROUNDS`` rounds each: the same code runs a few percent faster
or slower from one process to the next (where its objects and code land
in memory), more than from round to round. Their ratio is the median of
the processes' median ratios, printed with the sign-test confidence
interval of their median (between the second lowest and the second
highest of 9, a 96% interval). Then the parallel samplers are started
and timed, ``PARALLEL_ROUNDS`` rounds in this process, together with the
one-worker samplers, their references; their ratio is the median of the
rounds' ratios, with its 95% confidence interval from the order
statistics. A case's throughput is its median batch. Starting worker
processes and actors is not timed. Times are wall-clock
(``time.perf_counter``), since the workers of the parallel samplers run
in other processes. PyTorch runs on one thread here and in
every worker.

The ratio of a sampler with one worker is to its bare loop (targets:
``DefaultWorker`` at least 0.95 of the bare loop, ``VecWorker(8)`` at least
0.9 of the bare batched loop); the ratio of a sampler with 2 workers is to
the one-worker ``LocalSampler`` of the same worker class (target with the
slow environment: at least 1.8). A target is met when the median ratio
reaches it. Parallel speed-ups need the machine's cores to be otherwise
idle.

Run: .venv/bin/python benchmarks/sampler_throughput.py
"""

import importlib.util
import math
import multiprocessing
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import torch

from garage.envs import PointEnv
from garage.sampler import DefaultWorker, LocalSampler, VecWorker
from garage.sampler.multiprocessing_sampler import MultiprocessingSampler
from garage.sampler.ray_sampler import RaySampler
from garage.torch.policies import GaussianMLPPolicy

BATCH_SIZE = 10_000
MAX_EPISODE_LENGTH = 100
N_ENVS = 8
N_WORKERS = 2
BUSY_SECONDS = 0.5e-3
HIDDEN_SIZES = (32, 32)
PROCESSES = 9
ROUNDS = {'fast': 4, 'slow': 1}  # a process, for the one-worker cases
PARALLEL_ROUNDS = {'fast': 30, 'slow': 7}
TARGETS = {'DefaultWorker': 0.95, 'VecWorker(8)': 0.9, 'parallel slow': 1.8}


class BusyPointEnv(PointEnv):
    """A ``PointEnv`` that spends ``BUSY_SECONDS`` of CPU in every step.

    It busy-loops on the thread's CPU clock, so a step costs that much CPU
    time however busy the machine is. Defined here, it travels to worker
    processes and actors pickled by value (cloudpickle).
    """

    def step(self, action):
        """Spend ``BUSY_SECONDS`` of CPU, then step the point."""
        deadline = time.thread_time() + BUSY_SECONDS
        while time.thread_time() < deadline:
            pass
        return super().step(action)


ENV_CLASSES = {'fast': PointEnv, 'slow': BusyPointEnv}


def make_env(kind):
    return ENV_CLASSES[kind](max_episode_length=MAX_EPISODE_LENGTH)


def bare_loop(env, policy):
    """A batch function: step one environment, no sampler, nothing kept."""
    observation, _ = env.reset()

    def sample():
        nonlocal observation
        for _ in range(BATCH_SIZE):
            action, _ = policy.get_action(observation)
            env_step = env.step(action)
            if env_step.last:
                observation, _ = env.reset()
            else:
                observation = env_step.observation
        return BATCH_SIZE

    return sample


def bare_batched_loop(envs, policy):
    """A batch function: one ``get_actions`` per step of all environments."""
    observations = np.stack([env.reset()[0] for env in envs])

    def sample():
        n_steps = 0
        while n_steps < BATCH_SIZE:
            actions, _ = policy.get_actions(observations)
            for i, env in enumerate(envs):
                env_step = env.step(actions[i])
                if env_step.last:
                    observations[i], _ = env.reset()
                else:
                    observations[i] = env_step.observation
            n_steps += len(envs)
        return n_steps

    return sample


def sampler_batches(sampler, policy):
    """A batch function: one ``obtain_samples`` of BATCH_SIZE steps."""

    def sample():
        batch = sampler.obtain_samples(0, BATCH_SIZE, policy.get_param_values())
        return len(batch.rewards)

    return sample


def time_batch(sample):
    """Steps per second of one batch of ``sample``."""
    start = time.perf_counter()
    n_steps = sample()
    return n_steps / (time.perf_counter() - start)


def worker_kinds():
    return {
        'DefaultWorker': (DefaultWorker, None),
        'VecWorker(8)': (VecWorker, {'n_envs': N_ENVS}),
    }


def one_worker_cases(kind, policy, samplers):
    """The bare loops and one-worker samplers of one environment.

    Appends the samplers to ``samplers``. Returns a dict: case -> (batch
    function, reference case, target).
    """
    cases = {
        'bare loop': (bare_loop(make_env(kind), policy), None, None),
        'bare batched loop (8 envs)': (
            bare_batched_loop([make_env(kind) for _ in range(N_ENVS)], policy),
            None,
            None,
        ),
    }
    bare_cases = {
        'DefaultWorker': 'bare loop',
        'VecWorker(8)': 'bare batched loop (8 envs)',
    }
    for name in worker_kinds():
        cases[f'LocalSampler {name}'] = (
            sampler_batches(
                new_sampler(LocalSampler, 1, name, kind, policy, samplers), policy
            ),
            bare_cases[name],
            TARGETS[name],
        )
    return cases


def parallel_cases(kind, policy, has_ray, samplers):
    """The 2-worker samplers of one environment, as `one_worker_cases`."""
    classes = [MultiprocessingSampler] + ([RaySampler] if has_ray else [])
    target = TARGETS['parallel slow'] if kind == 'slow' else None
    return {
        f'{sampler_class.__name__} {N_WORKERS}x {name}': (
            sampler_batches(
                new_sampler(sampler_class, N_WORKERS, name, kind, policy, samplers),
                policy,
            ),
            f'LocalSampler {name}',
            target,
        )
        for sampler_class in classes
        for name in worker_kinds()
    }


def new_sampler(sampler_class, n_workers, worker_name, kind, policy, samplers):
    """A sampler, appended to ``samplers`` to be shut down."""
    worker_class, worker_args = worker_kinds()[worker_name]
    sampler = sampler_class(
        policy,
        make_env(kind),
        max_episode_length=MAX_EPISODE_LENGTH,
        n_workers=n_workers,
        seed=1,
        worker_class=worker_class,
        worker_args=worker_args,
    )
    samplers.append(sampler)
    return sampler


def timed_rounds(cases, repeats):
    """The steps/s of every batch of each case, round by round.

    Every case samples one batch per round, in an order shuffled anew each
    round (the same orders in every run), so that neither a change in the
    machine's load nor the case run just before falls on one case more than
    another. Each case's first batch warms it up and is dropped.
    """
    rates = {case: [] for case in cases}
    order = list(cases)
    shuffle = random.Random(0).shuffle
    for _ in range(1 + repeats):
        shuffle(order)
        for case in order:
            rates[case].append(time_batch(cases[case][0]))
    return {case: case_rates[1:] for case, case_rates in rates.items()}


def median_interval(values, confidence=0.95):
    """The median of ``values`` and a confidence interval for it.

    The interval runs between the order statistics that bound the median
    with at least ``confidence`` whatever the distribution (the binomial
    sign-test interval); with 8 values or fewer it is their whole range,
    which bounds the median with less than 95% for fewer than 6.
    """
    values = sorted(values)
    n = len(values)
    k = 0  # values[k] and values[n - 1 - k] bound the interval
    while (
        k + 1 < n - 1 - k
        and 2 * sum(math.comb(n, i) for i in range(k + 2)) / 2**n <= 1 - confidence
    ):
        k += 1
    return statistics.median(values), values[k], values[n - 1 - k]


def round_ratios(rates, case, reference):
    """The ratios of a case's batches to its reference's, round by round."""
    return [
        rate / reference_rate
        for rate, reference_rate in zip(rates[case], rates[reference], strict=True)
    ]


def rows_of(cases, rates):
    """Rows (case, steps/s, reference, ratio interval, target) of ``cases``.

    The ratio interval is None for a case without a reference, else the
    `median_interval` of the case's ratios to its reference, round by
    round.
    """
    rows = []
    for case, (_, reference, target) in cases.items():
        ratios = (
            None
            if reference is None
            else median_interval(round_ratios(rates, case, reference))
        )
        rows.append((case, statistics.median(rates[case]), reference, ratios, target))
    return rows


def one_worker_ratios(kind):
    """Time the bare loops and one-worker samplers in this process.

    Returns:
        dict: For each case, its steps/s batch by batch, and, for a case
            with a reference, the median of its round-by-round ratios to
            the reference.

    """
    torch.set_num_threads(1)
    torch.manual_seed(0)
    policy = GaussianMLPPolicy(make_env(kind).spec, HIDDEN_SIZES)
    samplers = []
    try:
        cases = one_worker_cases(kind, policy, samplers)
        rates = timed_rounds(cases, ROUNDS[kind])
    finally:
        for sampler in samplers:
            sampler.shutdown_worker()
    return {
        case: (
            rates[case],
            None
            if reference is None
            else statistics.median(round_ratios(rates, case, reference)),
        )
        for case, (_, reference, _) in cases.items()
    }


def one_worker_rows(kind, cases):
    """The rows of the bare loops and one-worker samplers, as `rows_of`.

    They are timed in `PROCESSES` fresh processes, one after another: the
    same code runs a few percent faster or slower from one process to the
    next (where its objects and code land in memory), more than it varies
    from round to round in one process. A case's ratio is the median of
    the processes' median ratios, with `median_interval`'s interval.
    """
    context = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, max_tasks_per_child=1
    ) as pool:
        results = [
            pool.submit(one_worker_ratios, kind).result() for _ in range(PROCESSES)
        ]
    rows = []
    for case, (_, reference, target) in cases.items():
        rates = [rate for result in results for rate in result[case][0]]
        ratios = (
            None
            if reference is None
            else median_interval([result[case][1] for result in results])
        )
        rows.append((case, statistics.median(rates), reference, ratios, target))
    return rows


def measure(kind, policy, has_ray):
    """The rows of one environment, as `rows_of`.

    The bare loops and one-worker samplers are timed first, in fresh
    processes (`one_worker_rows`), before the parallel samplers start,
    whose idle worker processes and Ray services would otherwise take CPU
    from them. The parallel samplers are then timed in this process
    together with the one-worker samplers, their references.
    """
    samplers = []
    try:
        cases = one_worker_cases(kind, policy, samplers)
        rows = one_worker_rows(kind, cases)
        parallel = parallel_cases(kind, policy, has_ray, samplers)
        references = {
            reference: cases[reference] for _, reference, _ in parallel.values()
        }
        rows += rows_of(
            parallel, timed_rounds({**references, **parallel}, PARALLEL_ROUNDS[kind])
        )
    finally:
        for sampler in samplers:
            sampler.shutdown_worker()
    return rows


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    has_ray = importlib.util.find_spec('ray') is not None
    policy = GaussianMLPPolicy(make_env('fast').spec, HIDDEN_SIZES)
    print(
        f'{BATCH_SIZE} steps a batch; median steps/s, and the median '
        'ratio to the reference batch of the same round with its '
        'confidence interval. One worker: '
        f'{PROCESSES} fresh processes of {ROUNDS["fast"]} (fast env) or '
        f'{ROUNDS["slow"]} (slow env, {BUSY_SECONDS * 1e3:g} ms CPU a '
        'step) rounds after a warm-up batch, the median of their '
        'medians with its interval; 2 workers: '
        f'{PARALLEL_ROUNDS["fast"]} or {PARALLEL_ROUNDS["slow"]} rounds '
        'in this process, 95% interval'
    )
    header = (
        f'{"env":<5} {"case":<40} {"steps/s":>9}  {"ratio":>6} '
        f'{"interval":>13}  {"target":>6}  reference'
    )
    print(header)
    print('-' * len(header))
    for kind in ('fast', 'slow'):
        for case, rate, reference, ratios, target in measure(kind, policy, has_ray):
            ratio_text = interval_text = verdict = ''
            if ratios is not None:
                ratio, low, high = ratios
                ratio_text = f'{ratio:.3f}'
                interval_text = f'{low:.3f}-{high:.3f}'
            target_text = '' if target is None else f'>={target:g}'
            if target is not None:
                verdict = ' ok' if ratio >= target else ' MISSED'
            print(
                f'{kind:<5} {case:<40} {rate:>9,.0f}  {ratio_text:>6} '
                f'{interval_text:>13}  {target_text:>6}  '
                f'{reference or ""}{verdict}'
            )
    if not has_ray:
        print(
            "RaySampler rows left out: Ray is not installed (pip install 'garage[ray]')"
        )


if __name__ == '__main__':
    main()
