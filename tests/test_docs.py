"""Every console block in README.md and docs/*.md is a real run, byte for byte.

A document is read top to bottom as a reader would follow it in one
terminal. Its session starts in a temporary folder holding a copy of the
repository's `scenarios/` (so `scn run scenarios/ai_capex.scn` reads as it
does from the repository root, and nothing a command writes lands in the
repository). In document order:

- a fenced block whose info string names a file, such as ```` ```scn
  file=typo.scn ````, is written to that file (the reader is shown what
  the file holds, and the test uses exactly that);
- an HTML comment `<!-- doctest: SHELL -->` (invisible on GitHub) is a
  recipe step the reader does by hand, such as editing a line in an editor
  or creating a git repository: the test runs SHELL and requires exit 0;
- a ```` ```console ```` block: each `$ COMMAND` line runs in bash, from the
  folder the previous command left (`cd` carries over, and so does `$?`, so
  `$ echo $?` shows the exit code), through the real `scn` entry point (the
  virtual environment's bin first on PATH), stdout and stderr together as a
  terminal shows them (unbuffered). The lines below the command, up to the
  next `$ ` line, must be its output exactly.

Eliding: a line that is exactly `…` in an output means "lines left out
here" (zero or more). The shown lines must then appear in order, each run
between two `…` as a contiguous run of the real output, and the first and
last runs at the very start and end unless a `…` stands before or after
them. Nothing is ever left out silently.

Git: the sessions run with a git configuration of their own (a name and an
email for commits, `main` as the first branch), never the user's.

Regenerating after an intended change of output:

    SCN_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/test_docs.py

rewrites every console block from fresh runs (keeping each `…`, and
placing the runs around it where the old ones matched best), then the
normal run checks them. Read `git diff README.md docs/` before committing.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DOCUMENTS = ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
ELIDED = "…"
UPDATE = bool(os.environ.get("SCN_UPDATE_DOCS"))

_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_DIRECTIVE = re.compile(r"<!--\s*doctest:(.*?)-->", re.S)


# ---------------------------------------------------------------- reading a document


@dataclass
class Command:
    text: str  # the shell command, without "$ "
    expected: list[str]  # the output lines shown below it


@dataclass
class Console:
    doc: str
    index: int  # the document's first console block is 0
    line: int  # of the opening fence, 1-based
    start: int  # index of the first line inside the fence
    end: int  # index of the closing fence
    commands: list[Command] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclass
class Step:
    """One thing a session does, in document order."""

    kind: str  # "file", "recipe" or "console"
    text: str = ""  # file content, or the recipe's shell
    path: str = ""  # for a file
    console: Console | None = None


def read_document(doc: str) -> tuple[list[str], list[Step]]:
    lines = (ROOT / doc).read_text(encoding="utf-8").split("\n")
    steps: list[Step] = []
    i = 0
    consoles = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            if "<!--" in lines[i]:  # a comment may run over several lines
                j = i
                while "-->" not in lines[j] and j + 1 < len(lines):
                    j += 1
                for d in _DIRECTIVE.finditer("\n".join(lines[i:j + 1])):
                    steps.append(Step("recipe", d.group(1).strip()))
                i = j
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        body = lines[i + 1:j]
        words = info.split()
        target = next((w[5:] for w in words if w.startswith("file=")), None)
        if target:
            steps.append(Step("file", "\n".join(body) + "\n", target))
        elif words and words[0] == "console":
            steps.append(Step("console", console=_console(doc, consoles, i, j, body)))
            consoles += 1
        i = j + 1
    return lines, steps


def _console(doc: str, index: int, i: int, j: int, body: list[str]) -> Console:
    block = Console(doc, index, i + 1, i + 1, j)
    for line in body:
        if line.startswith("$ "):
            block.commands.append(Command(line[2:], []))
        elif block.commands and block.commands[-1].text.endswith("\\"):
            block.commands[-1].text += "\n" + line
        elif block.commands:
            block.commands[-1].expected.append(line)
        else:
            raise AssertionError(f"{doc}:{i + 1}: a console block starts with a '$ ' command")
    return block


# ---------------------------------------------------------------- running a session


def _environment(home: Path) -> dict[str, str]:
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Docs Test\n\temail = docs@example.com\n"
                         "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SCN_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", PYTHONUNBUFFERED="1",
               GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1", HOME=str(home),
               LC_ALL="C.UTF-8", COLUMNS="80", TERM="dumb")
    env.pop("VIRTUAL_ENV", None)
    return env


class Session:
    """One reader's terminal: a folder, the folder they are in, the last exit code."""

    def __init__(self, home: Path):
        self.home = home
        self.root = home / "session"
        self.root.mkdir()
        shutil.copytree(ROOT / "scenarios", self.root / "scenarios")
        self.cwd = self.root
        self.status = 0
        self.env = _environment(home)
        self.state = home / "cwd"

    def run(self, command: str) -> str:
        """Run as typed at a prompt: output (stdout and stderr as a terminal interleaves them)."""
        script = (f"cd {_quote(str(self.cwd))}\n(exit {self.status})\n{{ {command}\n}} 2>&1\n"
                  f"__status=$?\npwd > {_quote(str(self.state))}\nexit $__status\n")
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              env=self.env, timeout=300)
        self.status = done.returncode
        self.cwd = Path(self.state.read_text().strip())
        return done.stdout + done.stderr

    def write(self, path: str, text: str) -> None:
        target = self.cwd / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


@lru_cache(maxsize=None)
def session_of(doc: str) -> dict[int, list[str]]:
    """Run a document's session; the real output of every command, by block index."""
    _, steps = read_document(doc)
    out: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="scn-docs-") as tmp:
        session = Session(Path(tmp))
        for step in steps:
            if step.kind == "file":
                session.write(step.path, step.text)
            elif step.kind == "recipe":
                shown = session.run(step.text)
                assert session.status == 0, f"{doc}: recipe failed: {step.text}\n{shown}"
            else:
                out[step.console.index] = [session.run(c.text) for c in step.console.commands]
    return out


# ---------------------------------------------------------------- comparing, with elisions


def output_lines(text: str) -> list[str]:
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _runs(expected: list[str]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for line in expected:
        if line == ELIDED:
            runs.append([])
        else:
            runs[-1].append(line)
    return runs


def matches(expected: list[str], actual: list[str]) -> str | None:
    """None when `actual` is what `expected` shows; else what differs."""
    if ELIDED not in expected:
        if expected == actual:
            return None
        return "\n".join(difflib.unified_diff(expected, actual, "shown", "real", lineterm=""))
    runs = _runs(expected)
    at = 0
    for k, run in enumerate(runs):
        if not run:
            continue
        first, last = k == 0, k == len(runs) - 1
        if last:
            where = len(actual) - len(run)
            if where < at or actual[where:] != run:
                return _missing(run, actual, "at the end")
        elif first:
            if actual[:len(run)] != run:
                return _missing(run, actual, "at the start")
            where = 0
        else:
            where = _find(run, actual, at)
            if where is None:
                return _missing(run, actual, "in order")
        at = where + len(run)
    return None


def _find(run: list[str], actual: list[str], start: int) -> int | None:
    for i in range(start, len(actual) - len(run) + 1):
        if actual[i:i + len(run)] == run:
            return i
    return None


def _missing(run: list[str], actual: list[str], where: str) -> str:
    return (f"these lines are not in the real output {where}:\n" + "\n".join(run)
            + "\n---- real output:\n" + "\n".join(actual))


# ---------------------------------------------------------------- regenerating


def regenerated(expected: list[str], actual: list[str]) -> list[str]:
    """`actual`, elided where `expected` elides: each run shown is replaced by the
    lines of `actual` where it matches best (numbers aside)."""
    if ELIDED not in expected or matches(expected, actual) is None:
        return expected if ELIDED in expected else actual
    runs = _runs(expected)
    out: list[str] = []
    at = 0
    for k, run in enumerate(runs):
        if k:
            out.append(ELIDED)
        if not run:
            continue
        if k == 0:
            where = 0
        elif k == len(runs) - 1:
            where = max(at, len(actual) - len(run))
        else:
            where = _best(run, actual, at)
        out += actual[where:where + len(run)]
        at = where + len(run)
    return out


def _key(line: str) -> str:
    return re.sub(r"[-+]?[\d.,]+[%kMBTp]*", "#", line)


def _best(run: list[str], actual: list[str], start: int) -> int:
    keys = [_key(x) for x in run]
    best, score = start, -1
    for i in range(start, max(start, len(actual) - len(run)) + 1):
        s = sum(a == b for a, b in zip(keys, map(_key, actual[i:i + len(run)])))
        if s > score:
            best, score = i, s
    return best


def update(doc: str) -> None:
    lines, steps = read_document(doc)
    real = session_of(doc)
    for step in reversed([s for s in steps if s.kind == "console"]):
        block = step.console
        body = []
        for command, actual in zip(block.commands, real[block.index]):
            body.append("$ " + command.text)
            body += regenerated(command.expected, output_lines(actual))
        lines[block.start:block.end] = body
    (ROOT / doc).write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------- the tests


def _blocks() -> list[Console]:
    return [s.console for doc in DOCUMENTS for s in read_document(doc)[1] if s.kind == "console"]


_UPDATED: set[str] = set()


@pytest.mark.parametrize("block", _blocks(), ids=lambda b: b.name)
def test_console_block_is_a_real_run(block):
    if UPDATE:  # rewrite the document once (only those whose blocks are selected), then check
        if block.doc not in _UPDATED:
            update(block.doc)
            session_of.cache_clear()
            _UPDATED.add(block.doc)
        block = next(b for b in _blocks() if (b.doc, b.index) == (block.doc, block.index))
    real = session_of(block.doc)[block.index]
    problems = []
    for command, actual in zip(block.commands, real):
        found = matches(command.expected, output_lines(actual))
        if found is not None:
            problems.append(f"$ {command.text}\n{found}")
    assert not problems, f"{block.name}: pasted output differs from a real run " \
                         "(SCN_UPDATE_DOCS=1 regenerates):\n" + "\n\n".join(problems)


def test_every_document_has_console_blocks_and_they_all_run_scn():
    blocks = _blocks()
    assert {b.doc for b in blocks} >= {"README.md", "docs/sensitivity.md", "docs/review.md"}
    assert all(b.commands for b in blocks)


@pytest.mark.parametrize("expected, actual, ok", [
    (["a", "b"], ["a", "b"], True),
    (["a", "b"], ["a", "b", "c"], False),
    (["a", ELIDED, "d"], ["a", "b", "c", "d"], True),
    (["a", ELIDED, "c", ELIDED], ["a", "b", "c", "d"], True),
    (["a", ELIDED, "c", "b"], ["a", "b", "c", "d"], False),  # runs are contiguous
    ([ELIDED, "d"], ["a", "b", "c", "d"], True),
    (["b", ELIDED], ["a", "b", "c"], False),  # no "…" before it: it must start the output
    (["a", ELIDED, "b", ELIDED, "b"], ["a", "b"], False),  # each line is used once
    ([ELIDED], [], True),
])
def test_elision_rules(expected, actual, ok):
    assert (matches(expected, actual) is None) is ok


def test_regenerating_keeps_the_elisions_where_they_were():
    shown = ["head", ELIDED, "base  x   1.0", "base  y   2.0", ELIDED, "tail"]
    real = ["head", "a", "b", "base  x   1.5", "base  y   2.5", "c", "tail"]
    assert regenerated(shown, real) == ["head", ELIDED, "base  x   1.5", "base  y   2.5",
                                        ELIDED, "tail"]


if __name__ == "__main__":  # python tests/test_docs.py: regenerate every block
    for d in DOCUMENTS:
        update(d)
    print("rewrote the console blocks of", ", ".join(DOCUMENTS), "- read git diff before committing")
