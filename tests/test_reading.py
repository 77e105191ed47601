"""What scn reads: regular files of at most 64 MB; anything else is refused at once.

A FIFO could wait forever, /dev/zero never ends (it ran until the OOM
killer), and opening some devices acts. Each test runs the real `scn` with
its address space capped, so a regression fails with MemoryError instead
of exhausting the machine, and with a timeout, so it cannot hang.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from pathlib import Path

import pytest

from test_cli import SCN
from cli.main import main
from files.reading import MAX_BYTES

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "scenarios" / "ai_capex.scn"


def _cap_memory():
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def scn(*args, cwd=None):
    return subprocess.run([str(SCN), *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          preexec_fn=_cap_memory)


def _args(command: str, path: str) -> list[str]:
    return {"sens": ["sens", path, "x"], "explain": ["explain", path, "x[2024]"],
            "goal": ["goal", path, "x[2024] = 1", "--vary", "x"],
            "diff": ["diff", path, str(AI)]}.get(command, [command, path])


@pytest.mark.parametrize("command", ["run", "check", "snapshot", "textconv", "fmt", "graph",
                                     "tui", "sens", "explain", "goal", "diff"])
def test_a_fifo_is_refused_without_waiting(command, tmp_path, capsys):
    fifo = tmp_path / "model.scn"
    os.mkfifo(fifo)
    # A writer that writes nothing and leaves after a while: were scn to read the FIFO, it
    # would wait that long and then fail the assertions below, never hang the suite.
    writer = threading.Thread(target=_hold_open, args=(fifo, 5.0), daemon=True)
    writer.start()
    assert main(_args(command, str(fifo))) == 2
    err = capsys.readouterr().err
    assert f"scn: error: {fifo}: is a FIFO (named pipe), not a scenario file" in err


def _hold_open(fifo: Path, seconds: float) -> None:
    fd = os.open(fifo, os.O_RDWR)  # O_RDWR: opening never waits for the other end
    time.sleep(seconds)
    os.close(fd)


def test_a_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "zero.scn"
    link.symlink_to("/dev/zero")  # a link in a pull request can point anywhere
    r = scn("check", str(link))
    assert r.returncode == 2
    assert r.stderr == f"scn: error: {link}: is a character device, not a scenario file: " \
                       "scn reads regular files only\n"


def test_a_file_over_the_cap_is_refused(tmp_path):
    big = tmp_path / "big.scn"
    with open(big, "wb") as f:  # sparse: no disk space used
        f.truncate(MAX_BYTES + 1)
    r = scn("run", str(big))
    assert r.returncode == 2
    assert r.stderr == f"scn: error: {big}: larger than 64 MB, too large for a scenario file " \
                       "(is it one?)\n"


def test_textconv_of_a_huge_file_still_answers_git(tmp_path):
    big = tmp_path / "big.scn"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)
    r = scn("textconv", str(big))
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"# scn textconv: not shown: {big}: larger than 64 MB, too large for a " \
                       "scenario file (is it one?)\n"


def test_a_file_at_the_cap_is_read(tmp_path):
    path = tmp_path / "padded.scn"
    text = AI.read_text()
    path.write_text(text + "#" * (MAX_BYTES - len(text.encode()) - 1) + "\n")
    r = scn("check", str(path))
    assert r.returncode == 0, r.stderr


def test_a_huge_file_at_a_git_revision_is_refused(tmp_path):
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                       check=True, capture_output=True)
    path = tmp_path / "m.scn"
    with open(path, "wb") as f:
        f.write(b"years 2024..2025\nx = 1\n")
        f.write(b"#" * MAX_BYTES + b"\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "huge")
    path.write_text("years 2024..2025\nx = 1\n")
    r = scn("diff", "--rev", "HEAD", "m.scn", cwd=tmp_path)
    assert r.returncode == 2
    assert "scn: error: HEAD:m.scn: larger than 64 MB" in r.stderr
    r = scn("diff", "HEAD:m.scn", "m.scn", cwd=tmp_path)
    assert r.returncode == 2 and "scn: error: HEAD:m.scn: larger than 64 MB" in r.stderr
