"""Output streams and signals: stdout closed or full, a reader that stops, stderr closed, Ctrl+C.

Each case ends with one clear line on stderr (when there is a stderr) and a
documented status, never a traceback. Through the real `scn` from a shell
(`>&-`, `| head -1`, `2>&-` are shell syntax), plus in-process checks of the
stream guard. The only device touched is /dev/full as a shell redirect,
which can only fail.
"""

from __future__ import annotations

import io
import os
import shlex
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from test_cli import MODEL, SCN
from cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "scenarios" / "ai_capex.scn"
NOISE = ("Traceback", "Exception ignored", "BrokenPipe", "KeyboardInterrupt")


def sh(script: str, cwd=None, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def quiet(stderr: str) -> bool:
    return not any(word in stderr for word in NOISE)


@pytest.fixture
def tiny(tmp_path):
    p = tmp_path / "tiny.scn"
    p.write_text(MODEL)  # ratio is inf in 2025: a warning on stderr
    return p


# Commands that write their result to stdout, each with its arguments.
STDOUT_COMMANDS = {
    "run": ["run", "{m}"],
    "mc": ["mc", "{m}", "--samples", "100"],
    "check": ["check", "{m}"],
    "sens": ["sens", "{m}", "asic"],
    "explain": ["explain", "{m}", "asic[2026]"],
    "goal": ["goal", "{m}", "asic[2026] = 50B", "--vary", "share"],
    "sweep": ["sweep", "{m}", "asic[2026]", "--vary", "share=10%,20%"],
    "snapshot": ["snapshot", "{m}"],
    "diff": ["diff", "{m}", "{m}"],
    "textconv": ["textconv", "{m}"],
    "graph": ["graph", "{m}"],
    "fmt --check": ["fmt", "--check", "{m}"],
    "--help": ["--help"],
}


def command_line(name: str, model: Path) -> str:
    return " ".join(shlex.quote(a.format(m=model)) for a in [str(SCN), *STDOUT_COMMANDS[name]])


@pytest.mark.parametrize("name", sorted(STDOUT_COMMANDS))
def test_stdout_closed_is_a_clear_error(name, tmp_path):
    model = tmp_path / "m.scn"
    model.write_text("years 2024..2026\nshare = 10%\nasic = 100B * share\n")
    if name == "fmt --check":
        model.write_text("years 2024..2026\nshare=10%\n")  # so that it has a line to print
    r = sh(command_line(name, model) + " >&-")
    assert r.returncode == 2, r.stderr
    assert r.stderr.endswith("scn: error: standard output is closed\n"), r.stderr
    assert quiet(r.stderr)


def test_a_full_disk_is_a_clear_error(tiny):
    r = sh(f"{SCN} run {tiny} --format csv 2>/dev/null > /dev/full; echo $?")
    assert r.stdout == "2\n"
    r = sh(f"{SCN} check {tiny} > /dev/full")
    assert r.returncode == 2
    assert r.stderr == "scn: error: cannot write to standard output: No space left on device\n"


def _many_variables(path: Path, base: int, n: int) -> Path:
    path.write_text("years 2000..2030\nbase = %d\n" % base
                    + "".join(f"v{i} = base + {i}\n" for i in range(n)))
    return path


def test_a_reader_that_stops_keeps_the_status(tmp_path):
    # Each output is far larger than a pipe's buffer, so the write after `head` leaves fails.
    messy = tmp_path / "messy.scn"
    messy.write_text("years 2024..2025\n" + "".join(f"v{i}=1\n" for i in range(6000)))
    old = _many_variables(tmp_path / "old.scn", 1, 300)
    new = _many_variables(tmp_path / "new.scn", 2, 300)
    for command, status in [(f"fmt --diff {messy}", 1), (f"run {old} --format csv", 0),
                            (f"diff {old} {new}", 1)]:
        r = sh(f"{SCN} {command} | head -1; echo ${{PIPESTATUS[0]}}")
        assert r.stdout.splitlines()[-1] == str(status), (command, r.stdout[-300:], r.stderr)
        assert quiet(r.stderr), (command, r.stderr)


def test_stderr_closed_keeps_warnings_out_of_the_csv(tiny):
    with_stderr = sh(f"{SCN} run {tiny} --format csv")
    assert "warning: ratio is inf in 2025" in with_stderr.stderr
    r = sh(f"{SCN} run {tiny} --format csv 2>&-")
    assert r.returncode == 0
    assert r.stdout == with_stderr.stdout and r.stdout.startswith("variable,2024,2025,2026\n")


def test_stdout_closed_with_nothing_to_write_is_fine(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nx=1\n")
    r = sh(f"{SCN} fmt {path} >&-")  # fmt writes the file and talks on stderr only
    assert r.returncode == 0 and path.read_text() == "years 2024..2025\nx = 1\n"


# ---------------------------------------------------------------- the guard, in-process


class _Pipe(io.StringIO):
    """stdout whose reader goes away after `limit` characters."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.limit:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_in_process_a_broken_pipe_drops_the_rest_and_keeps_the_status(tiny, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", _Pipe(10))
    monkeypatch.setattr(sys, "stderr", err)
    other = tiny.with_name("other.scn")
    other.write_text(MODEL.replace("share = 40%", "share = 41%"))
    assert main(["diff", str(tiny), str(other)]) == 1
    assert "Broken" not in err.getvalue()


def test_in_process_no_stdout_and_no_stderr(tiny, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["run", str(tiny)]) == 2
    assert err.getvalue().endswith("scn: error: standard output is closed\n")
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", None)  # warnings have nowhere to go: dropped
    assert main(["run", str(tiny), "--format", "csv"]) == 0
    assert out.getvalue().startswith("variable,2024") and "warning" not in out.getvalue()


# ---------------------------------------------------------------- Ctrl+C


def _python(code: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, **kw)


def test_ctrl_c_during_start_up_is_quiet():
    # The interrupt lands right after the entry point's first lines, while the heavy
    # imports (polars, numpy) are still ahead.
    p = _python("""
        import os, signal
        import cli.entry
        os.kill(os.getpid(), signal.SIGINT)
        import polars
        print("not reached")
    """)
    out, err = p.communicate(timeout=120)
    assert (p.returncode, out, err) == (-signal.SIGINT, "", "scn: interrupted\n")


def test_ctrl_c_while_running_ends_by_sigint(tiny, tmp_path):
    # Blocked for good in the run phase: writing to a FIFO that nobody reads.
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    p = subprocess.Popen([str(SCN), "run", str(tiny), "-o", str(fifo)], text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert "warning: ratio is inf" in p.stderr.readline()  # it is running the command
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        p.kill()
    assert p.returncode == -signal.SIGINT
    assert err.endswith("scn: interrupted\n") and quiet(err)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.csv", "tiny.scn"]


def test_ctrl_c_in_the_middle_of_a_save_leaves_the_file_and_no_temporary(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text("years 2024..2025\nx=1\n")
    p = _python(f"""
        import signal, sys, threading
        import cli.entry
        from files import writing
        real = writing._write_all

        def interrupted(fd, content, offset=None):
            real(fd, content[:3], offset)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
            real(fd, content[3:], None if offset is None else offset + 3)
        writing._write_all = interrupted
        sys.argv = ["scn", "fmt", {str(path)!r}]
        sys.exit(cli.entry.main())
    """)
    out, err = p.communicate(timeout=120)
    assert p.returncode == -signal.SIGINT and err == "scn: interrupted\n"
    assert path.read_text() == "years 2024..2025\nx=1\n"
    assert [x.name for x in tmp_path.iterdir()] == ["m.scn"]


def test_an_ignored_sigint_stays_ignored(tiny, tmp_path):
    # A background job of a script (or nohup) starts with SIGINT ignored: so does scn.
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    p = subprocess.Popen([str(SCN), "run", str(tiny), "--format", "csv", "-o", str(fifo)],
                         text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert "warning: ratio is inf" in p.stderr.readline()
        # polars 2.1 catches SIGINT at the C level on import, over the ignore:
        # the kernel's own record says whether it is ignored now
        status = Path(f"/proc/{p.pid}/status").read_text()
        ignored = int(next(x for x in status.splitlines() if x.startswith("SigIgn:")).split()[1], 16)
        assert ignored & (1 << (signal.SIGINT - 1))
        p.send_signal(signal.SIGINT)
        with pytest.raises(subprocess.TimeoutExpired):
            p.wait(timeout=1.5)
        assert fifo.read_text().startswith("variable,2024")  # a reader comes: it finishes
        assert p.wait(timeout=60) == 0
    finally:
        p.kill()
