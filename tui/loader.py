"""The one place that reads scenario files, and prints diagnostics for people."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from dsl.errors import Diagnostic, ScnError, render


class UsageError(Exception):
    """A mistake in how a command was called (exit code 2)."""


@dataclass
class Texts:
    """Source texts by label, to show the line of each diagnostic."""

    by_source: dict[str, str]

    def render(self, diag: Diagnostic) -> str:
        return render(diag, self.by_source.get(diag.source))

    def report(self, diagnostics, stream=None) -> None:
        stream = stream or sys.stderr
        for d in diagnostics:
            print(self.render(d), file=stream)


def read_text(path: str) -> str:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a directory, not a scenario file") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScnError([_encoding_error(data, e, path)]) from None


def _encoding_error(data: bytes, e: UnicodeDecodeError, path: str) -> Diagnostic:
    from dsl.ast import Span

    before = data[: e.start]
    line = before.count(b"\n") + 1
    col = e.start - (before.rfind(b"\n") + 1) + 1
    return Diagnostic("the file is not UTF-8 text", Span(line, col, line, col + 1),
                      "save it as UTF-8", source=path)
