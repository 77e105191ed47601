"""Standard output and error as the commands see them: each way they fail has one outcome.

`guarded()` puts wrappers in `sys.stdout` and `sys.stderr` for the length of
one command:

- stdout closed (`>&-`), full (`> /dev/full`) or failing otherwise: the
  first write or the final flush raises `OutputFailed`; the command line
  prints one line on stderr and exits 2.
- stdout's reader stopped reading (`| head -1`): the rest of the output is
  dropped quietly and the command ends with the status it would have had
  (`scn diff ... | head` still says 1 when something changed).
- stderr closed or failing: messages are dropped. They never fall back to
  stdout, where warnings would land inside the CSV a script is reading.

A failed stream is closed once its failure is known, so the interpreter's
own flush at exit neither prints "Exception ignored" nor changes the status.
"""

from __future__ import annotations

import errno
import sys
from contextlib import contextmanager


class OutputFailed(Exception):
    """The command's output cannot be written (exit 2)."""


class _Stdout:
    """stdout: failures raise OutputFailed; a broken pipe drops the rest."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False  # the reader went away
        self._failure = "standard output is closed" if stream is None else None

    def write(self, text: str) -> int:
        if self._failure is not None:
            raise OutputFailed(self._failure)
        self._call("write", text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._failure is None:  # a failure is reported once, by the write that met it
            self._call("flush")

    def _call(self, method: str, *args) -> None:
        if self.broken:
            return
        try:
            getattr(self._stream, method)(*args)
        except BrokenPipeError:
            self.broken = True
            _close(self._stream)
        except (OSError, ValueError) as e:
            self._failure = _reason(e)
            _close(self._stream)
            raise OutputFailed(self._failure) from None

    def __getattr__(self, name):  # encoding, isatty, fileno, ...: as the real stream
        return getattr(self._stream, name)


class _Stderr:
    """stderr: a failure drops the message (there is nowhere left to report it)."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._call("write", text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._call("flush")

    def _call(self, method: str, *args) -> None:
        if self._stream is None:
            return
        try:
            getattr(self._stream, method)(*args)
        except (OSError, ValueError):
            _close(self._stream)
            self._stream = None

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextmanager
def guarded():
    """Wrap sys.stdout and sys.stderr for one command; `finish` flushes stdout at its end."""
    saved = sys.stdout, sys.stderr
    guard = _Guard(_Stdout(sys.stdout), _Stderr(sys.stderr))
    sys.stdout, sys.stderr = guard.stdout, guard.stderr
    try:
        yield guard
    finally:
        sys.stdout, sys.stderr = saved


class _Guard:
    def __init__(self, stdout: _Stdout, stderr: _Stderr):
        self.stdout, self.stderr = stdout, stderr

    def finish(self) -> None:
        """Flush what is still buffered: a full disk often shows only here. Raises OutputFailed."""
        self.stdout.flush()
        self.stderr.flush()


def _reason(e: Exception) -> str:
    if isinstance(e, ValueError) or getattr(e, "errno", None) == errno.EBADF:
        return "standard output is closed"
    return f"cannot write to standard output: {e.strerror or e}"


def _close(stream) -> None:
    """Close a stream whose writes fail, dropping what it still buffers."""
    try:
        stream.close()
    except (OSError, ValueError):
        pass  # closed all the same: its buffer fails to flush, then the file is marked closed
