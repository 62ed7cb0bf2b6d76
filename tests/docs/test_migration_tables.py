"""The migration guide's name-by-name tables are true of the package.

Every row of ``docs/migration.md``'s "Name-by-name status" names one or more
of the original garage's public names and a status:

- "not in this release": importing the name fails;
- "same" or "changed" (or "as ... above"): the name imports;
- "same", for a name whose original signature is recorded in
  ``fixtures.original_api``: it still takes every parameter the original
  took, by the same name, with the same default (a parameter may have
  become optional). A row that fails this must say "changed", and how.
"""

import ast
import importlib
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from fixtures.original_api import ORIGINAL_CONSTANTS, ORIGINAL_SIGNATURES
from garage._optimizers import _Default

GUIDE = Path(__file__).resolve().parents[2] / 'docs' / 'migration.md'
#: Sections whose rows name submodules of several packages.
SECTION_BASES = {
    'garage.np.policies, algos, baselines, exploration_policies': 'garage.np',
    'garage.torch modules, Q-functions, value functions, distributions, '
    'optimizers, embeddings': 'garage.torch',
}
STATUSES = ('same', 'changed', 'not in this release', 'as ', 'new')


def guide_rows():
    """(full name, status) for every name in the name-by-name tables."""
    text = GUIDE.read_text()
    tables = text[text.index('## Name-by-name status') :]
    tables = tables[: tables.index('### New in this release')]
    rows = []
    base = None
    for line in tables.splitlines():
        heading = re.match(r'^### (.+)$', line)
        if heading:
            title = heading.group(1)
            base = SECTION_BASES.get(title, title.split()[0])
            continue
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        if base is None or len(cells) != 2 or cells[0] in ('name', '---'):
            continue
        names_cell, status = cells
        names_cell = re.sub(r'\(.*?\)', '', names_cell)  # "(2020.06)", "(in ...)"
        for name in re.findall(r'`([\w.]+)`', names_cell):
            full = name if name.startswith('garage') else f'{base}.{name}'
            rows.append((full, status))
    return rows


ROWS = guide_rows()


def resolve(full_name):
    """Import a name given by its full dotted path."""
    parts = full_name.split('.')
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:split]))
        except ImportError:
            continue
        for attribute in parts[split:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(full_name)


def test_the_tables_cover_the_original_names():
    names = {name for name, _ in ROWS}
    assert len(ROWS) > 150
    assert all(status.startswith(STATUSES) for _, status in ROWS), [
        row for row in ROWS if not row[1].startswith(STATUSES)
    ]
    missing = sorted(set(ORIGINAL_SIGNATURES) - names)
    assert not missing, f'names of the original with no row: {missing}'


@pytest.mark.parametrize(('name', 'status'), ROWS, ids=[name for name, _ in ROWS])
def test_each_row_imports_as_it_says(name, status):
    if status.startswith('not in this release'):
        with pytest.raises((ImportError, AttributeError)):
            resolve(name)
    else:
        resolve(name)


def original_parameters(name):
    """The original's parameters of a name: {parameter: (kind, default)}."""
    tree = ast.parse(f'def f({ORIGINAL_SIGNATURES[name]}): pass')
    namespace = {'np': np, 'math': math, 'nn': nn, 'torch': torch}
    namespace.update(ORIGINAL_CONSTANTS)
    function = tree.body[0]
    assert isinstance(function, ast.FunctionDef)
    arguments = function.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults))
    defaults += arguments.defaults
    pairs = list(zip(positional, defaults, strict=True))
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
    return {
        argument.arg: (
            inspect.Parameter.empty
            if default is None
            else eval(ast.unparse(default), namespace)
        )
        for argument, default in pairs
    }


def same_default(original, current):
    if isinstance(current, _Default):
        current = current.val
    if isinstance(original, np.ndarray) or isinstance(current, np.ndarray):
        return np.array_equal(original, current)
    return original is current or original == current


SAME_WITH_SIGNATURES = [
    name
    for name, status in ROWS
    if status.startswith('same') and name in ORIGINAL_SIGNATURES
]


@pytest.mark.parametrize('name', SAME_WITH_SIGNATURES)
def test_a_same_name_takes_the_original_parameters(name):
    current = inspect.signature(resolve(name)).parameters
    takes_any_keyword = any(
        parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in current.values()
    )
    for parameter, default in original_parameters(name).items():
        if parameter not in current:
            assert takes_any_keyword, (
                f'{name} no longer takes {parameter!r}: its row must say "changed"'
            )
            continue
        now = current[parameter].default
        if default is inspect.Parameter.empty:
            continue  # required there; optional here is more lenient
        assert now is not inspect.Parameter.empty, (
            f'{name}({parameter}) had the default {default!r} and is required '
            f'now: its row must say "changed"'
        )
        assert same_default(default, now), (
            f'{name}({parameter}) defaults to {now!r}, the original to '
            f'{default!r}: its row must say "changed"'
        )
