"""Test-session hooks."""

import os
import sys

_exit_status = 0


def pytest_sessionfinish(session, exitstatus):
    global _exit_status
    _exit_status = int(exitstatus)


def pytest_unconfigure(config):
    # Native libraries of the extras (TensorFlow, dm_control's renderers)
    # can crash in their own teardown at interpreter exit ("free(): invalid
    # pointer" after a passed run, seen in CI): end with pytest's status,
    # after its summary, before that teardown
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)
