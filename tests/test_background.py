"""Work done beside a command (files/background.py): in a forked child only when
the `scn` executable allowed it and the process runs one thread, every child
waited for (no zombie, no orphan); otherwise done at once, in the caller."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from files import background

ROOT = Path(__file__).resolve().parent.parent

# The end of a script that waited for its children (background.wait): whether one is
# left unreaped, in `left`.
LEFT = """
try:
    os.waitpid(-1, os.WNOHANG)
    left = "a-child-left"
except ChildProcessError:
    left = "no-child-left"
"""

# Run as a script of its own: the suite's process has threads (and must not fork).
SCRIPT = """
import os, sys, threading
sys.path.insert(0, sys.argv[1])
from files import background
busy = sys.argv[2] == "busy"
background._core_to_spare = lambda: not busy  # not the load: the suite's machine is often busy
threaded = sys.argv[2] == "threaded"
if threaded:
    stop = threading.Event()
    threading.Thread(target=stop.wait).start()
background.allow()
read, write = os.pipe()
background.soon(lambda: os.write(write, str(os.getpid()).encode()))
if not (threaded or busy):
    background.soon(lambda: 1 / 0)  # a failure in the child stays there, unsaid
os.close(write)
worker = int(os.read(read, 100))
background.wait()
""" + LEFT + """
print("child" if worker != os.getpid() else "here", left)
if threaded:
    stop.set()
"""


def _run(mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT), mode], capture_output=True,
                          text=True, timeout=60)
    return done.stdout.strip() + done.stderr


def test_a_single_threaded_executable_forks_and_waits_for_its_children():
    assert _run("single") == "child no-child-left"


def test_a_process_with_threads_does_the_work_itself():
    assert _run("threaded") == "here no-child-left"


def test_no_fork_while_the_machine_has_no_core_to_spare():
    assert _run("busy") == "here no-child-left"


def test_without_allow_the_work_is_done_at_once_in_the_caller(tmp_path):
    # The suite (as a library or the UI would) never calls allow(): nothing forks.
    assert not background.forks()
    seen = []
    background.soon(lambda: seen.append(os.getpid()))
    assert seen == [os.getpid()]


# A child of `beside` whose result nobody takes (a command that failed first) is
# ended by `wait`, not waited for: its work here would sleep for ten minutes.
UNTAKEN = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
from files import background
background._core_to_spare = lambda: True
background.allow()
result = background.beside(lambda: time.sleep(600) or b"never")
background.wait()
""" + LEFT + """
print("started" if result is not None else "not started", left)
"""


def test_a_child_whose_result_nobody_takes_is_ended_and_reaped():
    done = subprocess.run([sys.executable, "-c", UNTAKEN, str(ROOT)], capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() + done.stderr == "started no-child-left"
