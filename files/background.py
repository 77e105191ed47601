"""Work done beside a command in a forked child, on the machine's other core.

Two kinds: work the command's result does not wait for (`soon`: writing the
parse cache of a file parsed anew, about 0.3 s for 10,000 variables), and
work whose result the command takes back later (`beside`: the second half
of a large new file parsed while the first is parsed here, its syntax trees
sent back as bytes; files/parse_cache.py). The `scn` executable
(cli/entry.py) waits for every child before it exits: no child outlives the
command nor is left a zombie, and the children's CPU time is counted in the
command's (a parent's wait4 includes the children it waited for).

Forking is only allowed once the executable says so (`allow`): a test or a
library calling `cli.main.main` in its own process, and the terminal UI,
get the work done at once, in the calling thread, as before. A fork is only
made while the process runs a single thread (`/proc/self/task`; where that
cannot be read, never): polars and numpy start thread pools, and a child
forked beside them could inherit a lock one of them held. The commands
load their model before they import either. Nor is one made while the
machine has no core to spare (load average at or above the cores): the
child would only take turns with its parent, at a cost. The child runs only the work
given (parsing, pickling, file writes), reports nothing, and ends with
`os._exit` whatever happens: no atexit handler, no stdio buffer of the
parent's flushed twice; a failure there is the parent's to do without.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

_allowed = False
_children: list[int] = []
_untaken: dict[int, int] = {}  # `beside` children whose result is not taken yet: pid -> read end


def allow() -> None:
    """Let `soon` fork (the `scn` executable, which calls `wait` before it exits)."""
    global _allowed
    _allowed = hasattr(os, "fork")


def forks() -> bool:
    """Whether `soon` would run its work in a child now."""
    return _allowed and _single_thread() and _core_to_spare()


def soon(work) -> None:
    """Run `work()` in a child when allowed and safe, else now (where what it
    raises is the caller's: it must raise nothing worth reporting)."""
    pid = _fork() if forks() else None
    if pid is None:
        work()
    elif pid == 0:  # the child: the work, then out, whatever happens
        try:
            work()
        finally:
            os._exit(0)
    else:
        _children.append(pid)


def beside(work: Callable[[], bytes]) -> Callable[[], bytes | None] | None:
    """Start `work()` in a child when `soon` would; None when not started (do it
    here). Else a function that waits for the child and gives the bytes it
    returned, or None if it failed: the caller then does without them."""
    if not forks():
        return None
    read, write = os.pipe()
    pid = _fork()
    if pid is None:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:
        try:
            os.close(read)
            with os.fdopen(write, "wb") as out:
                out.write(work())
        finally:
            os._exit(0)
    os.close(write)
    _untaken[pid] = read

    def result() -> bytes | None:
        if _untaken.pop(pid, None) is None:
            return None  # given up by `wait`
        try:
            with os.fdopen(read, "rb") as got:
                data = got.read()
        finally:
            _reap(pid)
        return data or None
    return result


def wait() -> None:
    """Wait for every child `soon` started; end every child of `beside` whose result
    was not taken (nobody wants it: a command that failed before it, `--help`),
    rather than wait for its work."""
    settle()
    while _untaken:
        pid, read = _untaken.popitem()
        os.close(read)
        try:
            if os.waitpid(pid, os.WNOHANG) == (0, 0):  # still running, still ours to end
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        except (ChildProcessError, ProcessLookupError):  # reaped already (SIGCHLD ignored)
            pass


def settle() -> None:
    """Wait for every child `soon` started so far: what one writes is then written
    before what the caller does next (another copy of the same file)."""
    while _children:
        _reap(_children.pop())


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # reaped already (SIGCHLD ignored by whoever started scn)
        pass


def _fork() -> int | None:
    try:
        pid = os.fork()
    except OSError:  # no process to spare: do it here
        return None
    if pid == 0:  # another child's pipe is not this one's to hold open
        for read in _untaken.values():
            os.close(read)
        _untaken.clear()
    return pid


def _core_to_spare() -> bool:
    """Whether the machine has had a core idle, on average over the last minute.
    With none, a child only competes with the parent for a core and adds its
    own cost (the fork, pages copied on write, the bytes it sends back)."""
    try:
        return os.getloadavg()[0] < (os.cpu_count() or 1)
    except OSError:
        return True


def _single_thread() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def spawned(module: str, args: list[str]) -> Callable[[float], bytes | None] | None:
    """Start `python -m module *args` (this interpreter, this project importable) on the
    machine's other core: for a process that must not fork (the terminal UI runs
    threads) and has work to share all the same. None when not started (no core to
    spare, no process to be had): do the work here. Else a function that waits for
    the process at most `timeout` seconds and gives what it wrote to its standard
    output, or None if it failed, wrote nothing or took longer (then it is killed):
    the caller does without. The process reads nothing from the caller (its
    arguments say what to do) and is always waited for."""
    import subprocess
    import sys
    from pathlib import Path

    if not _core_to_spare():
        return None
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        process = subprocess.Popen([sys.executable, "-m", module, *args], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
    except OSError:
        return None

    def result(timeout: float) -> bytes | None:
        try:
            out, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:  # stuck (a machine swapping, a stopped process)
            process.kill()
            process.communicate()
            return None
        return out if process.returncode == 0 and out else None
    return result
