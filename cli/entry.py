"""The `scn` executable: signals first, then `cli.main.main`.

Ctrl+C must end scn quietly at any moment, start-up included (numpy,
polars and sympy take a while to import): one line on stderr, no
traceback, and the end a shell expects of an interrupted program (killed
by SIGINT, status 130), so that a shell loop running scn stops as well.
This module imports nothing heavy and installs the handler before
importing the rest; once loaded, Ctrl+C raises KeyboardInterrupt as usual,
so that a half-written temporary file is removed before scn ends.

A command is one pass over a model built of many small objects with no
reference cycles (engine/collector.py): Python's cycle collector stays off
for the whole process (`scn tui`, which runs for hours, turns it back on),
and once the command has ended and its output is flushed the process exits
at once (`os._exit`) rather than free every object one by one, 0.4 to 0.7 s
on a 10,000-variable model. Files are written and renamed by the command
itself (files/writing.py), so nothing is left for the interpreter to do;
the parse cache may be written by a child process beside the command
(files/background.py), which the process waits for before it exits. A
command that loads a large file never seen has the file's last statements
parsed by a child started here before the imports (files/ahead.py).
"""

import gc
import os
import signal
import sys
import threading


def _die_interrupted(*_) -> None:
    if sys.stderr is not None:  # None: fd 2 was closed at start (and may be a file since)
        try:
            os.write(2, b"scn: interrupted\n")
        except OSError:
            pass
    _end_by_sigint()


def _end_by_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


# Ignored at start (a background job of a script, nohup): keep ignoring it, as Python does.
_HANDLING = signal.getsignal(signal.SIGINT) is not signal.SIG_IGN
if _HANDLING:
    signal.signal(signal.SIGINT, _die_interrupted)


def _keep_ignoring() -> None:
    """Importing polars (2.1) installs its own SIGINT handler at the C level,
    over an ignored SIGINT too: a background job would die of a Ctrl+C meant
    for the shell. Import it now and put the ignore back (Python's own table
    still says SIG_IGN, so nothing else would)."""
    import polars  # noqa: F401

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def main() -> int:
    gc.disable()
    from files import ahead, background

    background.allow()  # the parse cache written by a child, waited for below

    code = None
    try:
        if _HANDLING:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        # Before the imports (0.1 s), on one thread: a large new file's parse
        # begun in a child (files/ahead.py), on the other core.
        ahead.start(sys.argv[1:])
        from cli.main import main as run

        if not _HANDLING:
            _keep_ignoring()
        code = run()
    except KeyboardInterrupt:  # before run() could catch it
        _die_interrupted()
    from cli.main import INTERRUPTED

    if code is None or code == INTERRUPTED:  # run() caught it and said so
        _end_by_sigint()
    try:
        background.wait()
    except KeyboardInterrupt:
        _die_interrupted()
    _exit_now(code)
    return code


def _exit_now(code: int) -> None:
    """End the process with `code`, skipping the interpreter's teardown; a
    thread still running (none should be) gets the usual exit, which waits for it."""
    if threading.active_count() > 1:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # the command has reported its output's failure already (cli.streams)
    os._exit(code)
