"""Every code block of the tutorial pages in docs/ runs.

A page's blocks run in order, in one fresh Python process whose working
directory is an empty temporary directory:

- a ``python`` block runs in the page's shared namespace;
- a ``python`` block with a ``title="name.py"`` is written to that file
  instead (a launcher script that later ``bash`` blocks run);
- a ``bash`` block runs in a shell, with the virtual environment's ``bin``
  first on ``PATH``, and must exit 0;
- a block preceded by ``<!-- no-run: reason -->`` is skipped; the reason
  says why it cannot run here (installing packages, a remote cluster).

Blocks with any other language (``text``, ``console``) are output or
layouts, not code. ``GARAGE_EXAMPLE_TEST_N_EPOCHS`` caps every training
run at a couple of epochs.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs'
RUN_LANGUAGES = ('python', 'bash')
FENCE = re.compile(
    r'^(?:<!-- no-run: (?P<reason>[^\n]*?) -->\n)?'
    r'```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<code>.*?)^```[ \t]*$',
    re.M | re.S,
)
TITLE = re.compile(r'title="([^"]+)"')


def code_blocks(text):
    """The (line, language, title, code, no-run reason) of a page's blocks."""
    for match in FENCE.finditer(text):
        line = text.count('\n', 0, match.start('lang')) + 1
        title = TITLE.search(match['attrs'])
        yield (line, match['lang'], title and title[1], match['code'], match['reason'])


TUTORIAL_PAGES = sorted(
    page
    for page in DOCS.rglob('*.md')
    if 'reference' not in page.relative_to(DOCS).parts
    and any(lang in RUN_LANGUAGES for _, lang, _, _, _ in code_blocks(page.read_text()))
)

DRIVER = textwrap.dedent("""
    import subprocess, sys
    namespace = {'__name__': '__main__'}
    for where, lang, title, code in BLOCKS:
        print(f'--- {where} ({lang})', flush=True)
        if lang == 'bash':
            subprocess.run(code, shell=True, check=True,
                           executable='/bin/bash')
        elif title:
            with open(title, 'w') as f:
                f.write(code)
        else:
            exec(compile(code, where, 'exec'), namespace)
""")


def test_fence_parser_reads_titles_and_skips():
    text = (
        'intro\n\n```python title="launch.py"\nx = 1\n```\n\n'
        '<!-- no-run: needs a cluster -->\n```bash\nray up\n```\n'
    )
    assert list(code_blocks(text)) == [
        (3, 'python', 'launch.py', 'x = 1\n', None),
        (8, 'bash', None, 'ray up\n', 'needs a cluster'),
    ]


def test_there_are_tutorial_pages():
    assert len(TUTORIAL_PAGES) >= 10


@pytest.mark.parametrize('page', TUTORIAL_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_code_blocks_run(page, tmp_path):
    blocks = []
    for line, lang, title, code, reason in code_blocks(page.read_text()):
        if lang not in RUN_LANGUAGES:
            continue
        if reason is not None:
            assert reason.strip(), f'{page}:{line}: no-run needs a reason'
            continue
        where = f'{page.relative_to(ROOT)}:{line}'
        blocks.append((where, lang, title, code))
    driver = f'BLOCKS = {blocks!r}\n{DRIVER}'
    env = dict(
        os.environ,
        PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}',
        GARAGE_EXAMPLE_TEST_N_EPOCHS='2',
        MPLBACKEND='Agg',
        PYTHONPATH=str(ROOT / 'src'),
    )
    result = subprocess.run(
        [sys.executable, '-c', driver],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f'{page.relative_to(ROOT)} failed:\n{result.stdout[-4000:]}\n'
        f'{result.stderr[-8000:]}'
    )
