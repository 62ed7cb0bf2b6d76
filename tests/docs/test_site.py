"""The documentation site builds, covers the API and has every page in its nav.

- ``mkdocs build --strict`` succeeds: no broken links, anchors or API
  references, no page left out of the nav.
- Every public module of garage (every module or package under
  ``src/garage`` whose dotted path has no component starting with ``_``) is
  documented in the API reference: each of its public names is rendered by
  a ``::: target`` directive on a page under ``docs/reference/``. A module's
  public names are its ``__all__``, or, without one, the classes and
  functions it defines whose names do not start with ``_``, and such
  variables that have a docstring (what mkdocstrings renders as its
  members). A directive ``::: package`` renders
  the package's public names, or only those its ``members:`` option lists;
  ``::: package.name`` renders one object. So a submodule is covered when
  the package that re-exports its names is documented, and a new public
  module, or a new public name that no page renders, fails the test.
- Every page under ``docs/`` is in the nav of ``mkdocs.yml``, and every page
  the nav names exists.
"""

import ast
import html
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs'
SRC = ROOT / 'src'
DIRECTIVE = '::: '


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    """The directory of the site ``mkdocs build --strict`` builds."""
    directory = tmp_path_factory.mktemp('site')
    result = subprocess.run(
        [
            sys.executable,
            '-m',
            'mkdocs',
            'build',
            '--strict',
            '-f',
            str(ROOT / 'mkdocs.yml'),
            '-d',
            str(directory),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, NO_MKDOCS_2_WARNING='1'),
    )
    assert result.returncode == 0, (
        f'mkdocs build --strict failed:\n{result.stdout[-4000:]}\n'
        f'{result.stderr[-8000:]}'
    )
    return directory


def test_site_builds_strictly(site):
    assert (site / 'index.html').is_file()


def html_text(fragment):
    """The text of an HTML fragment, tags removed."""
    return html.unescape(re.sub(r'<[^>]+>', '', fragment))


# a private name: a leading underscore, not inside a longer word or number
PRIVATE_NAME = re.compile(r'(?<![\w])_[A-Za-z]\w*')


def rendered_defaults(source):
    """The defaults a reference page's HTML shows: signatures and tables.

    Each signature's defaults (the text after each ``=`` up to the next
    parameter), and the Default column of each parameter table (rows of
    four cells: name, type, description, default).
    """
    defaults = []
    for signature in re.findall(
        r'<div class="doc-signature highlight">(.*?)</div>', source, re.DOTALL
    ):
        text = html_text(signature)
        defaults += re.findall(r'(?<![=!<>])=(?!=)\s*([^,\n]*)', text)
    for row in re.findall(
        r'<tr class="doc-section-item">(.*?)</tr>', source, re.DOTALL
    ):
        cells = re.findall(r'<td>(.*?)</td>', row, re.DOTALL)
        if len(cells) == 4:
            defaults.append(html_text(cells[3]).strip())
    return defaults


def test_reference_shows_no_private_defaults(site):
    # a signature shows the value, qf_lr: float = 0.001, never a private
    # sentinel such as _Default(0.001) or _QF_LR
    pages = sorted((site / 'reference').rglob('*.html'))
    assert pages
    private = {}
    for page in pages:
        defaults = rendered_defaults(page.read_text())
        assert defaults, f'{page}: no defaults found; has the HTML changed?'
        found = sorted({d for d in defaults if PRIVATE_NAME.search(d)})
        if found:
            private[page.relative_to(site).as_posix()] = found
    assert not private, (
        f'defaults in the API reference that name private objects, by page: {private}'
    )
    algos = html_text((site / 'reference/torch_algos/index.html').read_text())
    assert 'qf_lr: float = 0.001' in algos
    assert 'policy_lr: float = 0.0001' in algos


def test_private_default_detection():
    page_html = (
        '<div class="doc-signature highlight"><pre><code>DQN(\n'
        '    env_spec,\n'
        '    qf_lr: float | _Default = _QF_LR,\n'
        '    n: int = 1,\n'
        '    x: float = _Default(0.001),\n'
        ')</code></pre></div>'
        '<tr class="doc-section-item"><td>a</td><td>int</td><td>A.</td>'
        '<td><code>_MISSING</code></td></tr>'
    )
    defaults = rendered_defaults(page_html)
    assert defaults == ['_QF_LR', '1', '_Default(0.001)', '_MISSING']


# the widest code line of the home page: the line length ruff allows,
# which the code box holds at desktop widths
HOME_CODE_COLUMNS = 88


def code_blocks(text):
    """The ``(language, code)`` of each fenced block of a Markdown text."""
    return re.findall(r'^```(\w*)\n(.*?)^```', text, re.DOTALL | re.MULTILINE)


def test_home_page_code_fits_its_boxes():
    blocks = code_blocks((DOCS / 'index.md').read_text())
    assert blocks
    too_wide = [
        line
        for _, code in blocks
        for line in code.splitlines()
        if len(line) > HOME_CODE_COLUMNS
    ]
    assert not too_wide, (
        f'code lines of docs/index.md wider than {HOME_CODE_COLUMNS} columns, '
        f'which overflow their code box: {too_wide}'
    )


def test_home_page_quickstart_is_the_readmes():
    # split over lines on the home page, the same two commands as the
    # README's Quickstart (whose second command the CI runs)
    def quickstart(text):
        section = text.split('## Quickstart', 1)[1].split('\n## ', 1)[0]
        return [
            command
            for language, code in code_blocks(section)
            if language == 'bash'
            for command in re.sub(r'\s*\\\n\s*', ' ', code).strip().splitlines()
        ]

    readme = quickstart((ROOT / 'README.md').read_text())
    assert len(readme) == 2
    assert quickstart((DOCS / 'index.md').read_text()) == readme


def test_shell_commands_wrap_in_their_boxes(site):
    # a shell line too wide for a narrow screen wraps instead of running
    # past its box: the home page loads the stylesheet that says so
    config = yaml.load((ROOT / 'mkdocs.yml').read_text(), Loader=_ConfigLoader)
    (stylesheet,) = config['extra_css']
    css = (site / stylesheet).read_text()
    rule = re.search(r'\.language-bash pre > code\s*\{([^}]*)\}', css)
    assert rule, css
    assert 'white-space: pre-wrap' in rule[1]
    home = (site / 'index.html').read_text()
    assert f'href="{stylesheet}"' in home
    assert home.count('class="language-bash highlight"') >= 2


def public_modules():
    """The dotted name and file of every public module of garage."""
    modules = []
    for path in sorted((SRC / 'garage').rglob('*.py')):
        parts = path.relative_to(SRC).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        if not any(part.startswith('_') for part in parts):
            modules.append(('.'.join(parts), path))
    return modules


def has_docstring(node):
    """Whether a statement is a string literal: an attribute's docstring."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def defined_names(path):
    """The public names a module file defines that mkdocstrings renders.

    Classes and functions, and variables that have a docstring (the string
    literal after the assignment): mkdocstrings leaves out variables without
    one, such as type aliases and tables, whatever the directive says.
    """
    body = ast.parse(path.read_text()).body
    names = []
    for node, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign) and has_docstring(after):
            names += [
                target.id for target in node.targets if isinstance(target, ast.Name)
            ]
        elif (
            isinstance(node, ast.AnnAssign)
            and has_docstring(after)
            and isinstance(node.target, ast.Name)
        ):
            names.append(node.target.id)
    return [name for name in names if not name.startswith('_')]


def public_names(module, path):
    if hasattr(module, '__all__'):
        return list(module.__all__)
    return defined_names(path)


def directives():
    """Each ``::: target`` of the reference pages, with its options."""
    found = []
    for page in sorted((DOCS / 'reference').rglob('*.md')):
        lines = page.read_text().splitlines()
        for i, line in enumerate(lines):
            if not line.startswith(DIRECTIVE):
                continue
            block = []
            for option_line in lines[i + 1 :]:
                if option_line.strip() and not option_line.startswith(' '):
                    break
                block.append(option_line)
            options = yaml.safe_load('\n'.join(block)) or {}
            found.append(
                (
                    page.relative_to(DOCS),
                    line[len(DIRECTIVE) :].strip(),
                    options.get('options') or {},
                )
            )
    return found


def resolve(target):
    """The module or object a dotted path names."""
    parts = target.split('.')
    for n in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:n]))
        except ImportError:
            continue
        for part in parts[n:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(f'nothing named {target}')


def rendered_objects():
    """The ids of the objects the reference pages render, by directive."""
    modules = dict(public_modules())
    rendered = set()
    for page, target, options in directives():
        try:
            obj = resolve(target)
        except (ImportError, AttributeError) as error:
            pytest.fail(f'{page}: ::: {target} names nothing: {error}')
        rendered.add(id(obj))
        if target not in modules:
            continue  # an object, not a module
        members = options.get('members')
        if members is None or members is True:
            members = public_names(obj, modules[target])
        elif members is False:
            members = []
        for member in members:
            if not hasattr(obj, member):
                pytest.fail(
                    f'{page}: ::: {target} lists the member '
                    f'{member!r}, which {target} does not have'
                )
            rendered.add(id(getattr(obj, member)))
    return rendered


def test_every_public_module_is_documented():
    rendered = rendered_objects()
    missing = {}
    for name, path in public_modules():
        module = importlib.import_module(name)
        undocumented = [
            attr
            for attr in public_names(module, path)
            if id(getattr(module, attr)) not in rendered
        ]
        if undocumented:
            missing[name] = undocumented
    assert not missing, (
        'public names that no page of docs/reference renders, by module: '
        f'{missing}. Add a `::: module` directive (or the names to its '
        '`members:` option) on a page under docs/reference/, re-export the '
        "names from a documented package's __all__, or make them private "
        '(a leading underscore, or an __all__ in the module that leaves them '
        'out).'
    )


def nav_pages(entries):
    """The page paths a mkdocs nav names, skipping external links."""
    for entry in entries:
        if isinstance(entry, str):
            value = entry
        elif isinstance(entry, dict):
            (value,) = entry.values()
        else:
            raise TypeError(f'unexpected nav entry {entry!r}')
        if isinstance(value, list):
            yield from nav_pages(value)
        elif '://' not in value:
            yield value


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, taking tags such as ``!!python/name:`` as None."""


_ConfigLoader.add_multi_constructor('', lambda loader, suffix, node: None)


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    config = yaml.load((ROOT / 'mkdocs.yml').read_text(), Loader=_ConfigLoader)
    nav = list(nav_pages(config['nav']))
    assert len(nav) == len(set(nav)), f'pages named twice in the nav: {nav}'
    pages = {page.relative_to(DOCS).as_posix() for page in DOCS.rglob('*.md')}
    assert not pages - set(nav), (
        f'pages missing from the nav of mkdocs.yml: {sorted(pages - set(nav))}'
    )
    assert not set(nav) - pages, (
        f'nav entries without a page: {sorted(set(nav) - pages)}'
    )
