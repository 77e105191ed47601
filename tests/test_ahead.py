"""A large new file's parse begun at the executable's entry (files/ahead.py): the
child's trees are used, the document and errors are a single process', a file
changed between the two reads is still read right, a child nobody takes is
reaped, and no child is started where it cannot pay."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from files import ahead, background, parse_cache
from files.cache_paths import cache_home, entry_file
from test_background import LEFT
from test_parse_cache import IN_ONE_THEN, THEN_IN_TWO

ROOT = Path(__file__).resolve().parent.parent

# argv: ROOT, the file, what the child reads ("same" or the path of another text).
SCRIPT = IN_ONE_THEN + """
read_text = reading.read_text
if sys.argv[3] != "same":  # the file as the child finds it (forked with this in place)
    reading.read_text = lambda _: open(sys.argv[3]).read()
ahead.start(["check", path])
reading.read_text = read_text
started = path in ahead._started
""" + THEN_IN_TWO + LEFT + """
print(started, left)
"""


def _big(tmp_path: Path, seed: int = 4) -> tuple[Path, list[str]]:
    sys.path.insert(0, str(ROOT))
    from bench.generate import generate

    lines = generate(2000, 30, seed=seed).split("\n")
    for at in (len(lines) // 10, len(lines) - 20):  # an error in each share
        lines.insert(at, "broken = (1 +")
    path = tmp_path / "big.scn"
    path.write_text("\n".join(lines))
    assert path.stat().st_size >= ahead.FROM_BYTES
    return path, lines


def _run(script: str, *args, home: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", script, str(ROOT), *map(str, args)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(home)})
    assert done.stderr == ""
    return done.stdout.split()


def test_the_childs_trees_are_used_and_give_a_single_process_document(tmp_path):
    path, _ = _big(tmp_path)
    share = 1 - parse_cache.EARLY_SHARE
    out = _run(SCRIPT, path, "same", home=tmp_path / "xdg")
    assert out[:3] == ["True", "True", "2"]
    assert abs(float(out[3]) - share) <= 0.1  # the rest was the child's
    assert out[4:] == ["True", "True", "no-child-left"]  # its bytes kept as they are


@pytest.mark.parametrize("change", ["a statement of the child's share", "lines inserted above"])
def test_a_file_changed_between_the_two_reads_is_read_right(change, tmp_path):
    path, lines = _big(tmp_path)
    before = tmp_path / "before.scn"
    before.write_text("\n".join(lines))  # what the child reads
    if change == "lines inserted above":
        lines[3:3] = ["", "# a comment"]
    else:
        at = next(i for i in range(len(lines) - 1, 0, -1) if re.match(r"[a-z]+_\d+ = ", lines[i]))
        lines[at] = lines[at] + " + 1"
    path.write_text("\n".join(lines))  # what the command reads
    out = _run(SCRIPT, path, before, home=tmp_path / "xdg")
    assert out[:3] == ["True", "True", "2"]
    if change == "lines inserted above":  # every line moved: the child's trees all missed
        assert out[3] == "1.0"
    else:  # the child's other trees used
        assert float(out[3]) < 0.7
    # The cache file holds this text's trees only; the child was started and reaped.
    assert out[4:] == ["True", "True", "no-child-left"]


UNTAKEN = """
import os, sys
sys.path.insert(0, sys.argv[1])
from files import ahead, background
background.allow()
background._core_to_spare = lambda: True
ahead.start(["run", sys.argv[2], "--format", "csv"])
started = sys.argv[2] in ahead._started
background.wait()  # the child may still be writing more than a pipe holds
""" + LEFT + """
print(started, left)
"""


def test_a_child_nobody_takes_is_reaped(tmp_path):
    path, _ = _big(tmp_path)
    assert _run(UNTAKEN, path, home=tmp_path / "xdg") == ["True", "no-child-left"]


@pytest.fixture
def allowed(monkeypatch):
    """`start` as the executable would call it, the fork itself left out."""
    forked = []
    monkeypatch.setattr(background, "forks", lambda: True)
    monkeypatch.setattr(background, "beside", lambda work: forked.append(work) or (lambda: None))
    monkeypatch.setattr(ahead, "_started", {})
    return forked


def test_no_child_where_it_cannot_pay(allowed, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("SCN_NO_CACHE", raising=False)
    path, _ = _big(tmp_path)
    small = tmp_path / "small.scn"
    small.write_text("years 2024..2026\na = 1\n")
    for argv in (["tui", str(path)], ["fmt", str(path)], ["check", "--strict", str(path)],
                 ["check", str(small)], ["check", str(tmp_path / "missing.scn")],
                 ["check", str(tmp_path)], ["check"]):
        ahead.start(argv)
    assert allowed == []
    for kind in ("parse", "model"):  # a file seen before
        entry = Path(entry_file(cache_home(), kind, str(path)))
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_bytes(b"")
        ahead.start(["check", str(path)])
        assert allowed == [], kind
        entry.unlink()
    ahead.start(["check", str(path)])
    assert len(allowed) == 1
    assert ahead.take(str(path)) is not None
    assert ahead.take(str(path)) is None  # once


ENTRY = """
import sys
sys.path.insert(0, sys.argv[1])
sys.argv = ["scn", "check", sys.argv[2]]
from files import ahead, background
background._core_to_spare = lambda: True
start, take, seen = ahead.start, ahead.take, []
def start_(argv):
    seen.append(("start", sorted(m for m in sys.modules if m.split(".")[0] in ("cli", "dsl"))))
    start(argv)
def take_(source):
    got = take(source)
    seen.append(("take", got is not None))
    return got
ahead.start, ahead.take = start_, take_
import os
_exit = os._exit
def exit_(code):
    print(seen, flush=True)
    _exit(code)
os._exit = exit_
import cli.entry
cli.entry.main()
"""


def test_the_executable_starts_the_child_before_its_imports_and_takes_it(tmp_path):
    path, _ = _big(tmp_path)
    done = subprocess.run([sys.executable, "-c", ENTRY, str(ROOT), str(path)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 1  # the two broken lines
    assert done.stdout.splitlines()[-1] == "[('start', ['cli', 'cli.entry']), ('take', True)]"
    alone = subprocess.run([str(Path(sys.executable).with_name("scn")), "check", str(path)],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "SCN_NO_CACHE": "1"})
    assert done.stderr == alone.stderr
