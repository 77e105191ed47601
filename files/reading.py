"""The one place that reads scenario files, and prints diagnostics for people."""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field

from dsl.errors import Diagnostic, ScnError, render


class UsageError(Exception):
    """A mistake in how a command was called (exit code 2)."""


@dataclass
class Texts:
    """Source texts by label, to show the line of each diagnostic."""

    by_source: dict[str, str]
    arguments: set[str] = field(default_factory=set)  # labels of command-line texts

    def argument(self, label: str, text: str) -> None:
        """Keep the text of a command-line argument (`--set`, `--year`, a cell): an error in
        it is the caller's mistake (exit 2), not the model's (exit 1)."""
        self.by_source[label] = text
        self.arguments.add(label)

    def in_arguments(self, diagnostics) -> bool:
        """Whether any of these errors is in a command-line argument rather than a file."""
        return any(d.source in self.arguments for d in diagnostics)

    def render(self, diag: Diagnostic) -> str:
        return render(diag, self.by_source.get(diag.source))

    def report(self, diagnostics, stream=None) -> None:
        stream = sys.stderr if stream is None else stream
        if stream is None:  # no stderr at all: never fall back to stdout (print's default)
            return
        for d in diagnostics:
            print(self.render(d), file=stream)


MAX_BYTES = 64 * 1024 * 1024  # far above any real model (10,000 variables is about 1 MB)


def read_text(path: str) -> str:
    """The text of a scenario file (or snapshot): a regular file of UTF-8 text.

    Raises UsageError for a path that is missing, unreadable, not a regular
    file (a FIFO, a device such as /dev/zero, a socket: reading one could
    wait forever, never end, or have side effects), or larger than MAX_BYTES;
    ScnError, at its line and column, for bytes that are not UTF-8.
    """
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScnError([_encoding_error(data, e, path)]) from None


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES (see `read_text`)."""
    try:
        _check_regular(path, os.stat(path))  # before opening: opening a device can act
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    try:
        _check_regular(path, os.fstat(fd))  # still the file that was checked
        chunks, size = [], 0
        while size <= MAX_BYTES and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise too_large(path)
    return b"".join(chunks)


def _check_regular(path: str, st: os.stat_result) -> None:
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path}: is a directory, not a scenario file")
    if not stat.S_ISREG(mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device"
                if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise UsageError(f"{path}: is {kind}, not a scenario file: scn reads regular files only")
    if st.st_size > MAX_BYTES:
        raise too_large(path)


class TooLarge(UsageError):
    """A file over MAX_BYTES (`scn textconv` still answers git, with a note)."""


def too_large(path: str) -> TooLarge:
    return TooLarge(f"{path}: larger than {MAX_BYTES // 2**20} MB, too large for a scenario "
                    "file (is it one?)")


def _encoding_error(data: bytes, e: UnicodeDecodeError, path: str) -> Diagnostic:
    from dsl.ast import Span

    before = data[: e.start]
    line = before.count(b"\n") + 1
    col = e.start - (before.rfind(b"\n") + 1) + 1
    return Diagnostic("the file is not UTF-8 text", Span(line, col, line, col + 1),
                      "save it as UTF-8", source=path, code="not-utf8")
