"""Text as git, editors and `wc -l` see it: line ends, hidden characters, safe display.

Only `\\n` ends a line (`\\r\\n` counts as one line end). `str.splitlines` also
breaks at U+2028, U+2029, U+0085, `\\v`, `\\f`, `\\x1c`-`\\x1e` and a lone `\\r`,
which git, grep and editors show as part of one line: a definition written
after one of them inside a comment would be read by scn and seen by no
reviewer. Every place that splits model text into lines uses `split_lines`.

Hidden characters (control characters, format characters such as bidi
overrides and zero-width spaces, line and paragraph separators) are an error
in code and a warning in a comment or a string (`hidden_characters`); a UTF-8
byte-order mark at the very start of a file is accepted and skipped.
`printable` escapes them (and terminal escape sequences) in anything shown
to a person; `describe` names a character as `U+2028 LINE SEPARATOR`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

BOM = "\ufeff"
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})

# unicodedata has no names for control characters: these are their Unicode aliases.
_C0 = ("NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
       "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED",
       "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN",
       "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
       "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
       "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
       "FILE SEPARATOR", "GROUP SEPARATOR", "RECORD SEPARATOR", "UNIT SEPARATOR")
_C1 = ("PADDING CHARACTER", "HIGH OCTET PRESET", "BREAK PERMITTED HERE", "NO BREAK HERE",
       "INDEX", "NEXT LINE", "START OF SELECTED AREA", "END OF SELECTED AREA",
       "CHARACTER TABULATION SET", "CHARACTER TABULATION WITH JUSTIFICATION",
       "LINE TABULATION SET", "PARTIAL LINE FORWARD", "PARTIAL LINE BACKWARD",
       "REVERSE LINE FEED", "SINGLE SHIFT TWO", "SINGLE SHIFT THREE", "DEVICE CONTROL STRING",
       "PRIVATE USE ONE", "PRIVATE USE TWO", "SET TRANSMIT STATE", "CANCEL CHARACTER",
       "MESSAGE WAITING", "START OF GUARDED AREA", "END OF GUARDED AREA", "START OF STRING",
       "SINGLE GRAPHIC CHARACTER INTRODUCER", "SINGLE CHARACTER INTRODUCER",
       "CONTROL SEQUENCE INTRODUCER", "STRING TERMINATOR", "OPERATING SYSTEM COMMAND",
       "PRIVACY MESSAGE", "APPLICATION PROGRAM COMMAND")
_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# Anything but printable ASCII: only these need a closer look (most text is ASCII).
_NOT_PLAIN = re.compile(r"[^\x20-\x7e]")
_SUSPECT = re.compile(r"[^\t\n\x20-\x7e]")  # what may be hidden in a text of many lines


# ---------------------------------------------------------------- lines


def split_lines(text: str) -> list[str]:
    """The lines of a text, numbered as git and editors number them.

    Only `\\n` ends a line; a `\\r` right before it belongs to the line end.
    Like `str.splitlines`, a final line end does not start an empty line.
    A byte-order mark at the start is not part of line 1.
    """
    if text.startswith(BOM):
        text = text[1:]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    elif "\r" in lines[-1]:  # the last line has no "\n": a "\r" at its end is not a line end
        last = lines.pop()
        return _strip_cr(lines) + [last]
    return _strip_cr(lines) if "\r" in text else lines


def _strip_cr(lines: list[str]) -> list[str]:
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def split_lines_keepends(text: str) -> list[str]:
    """The lines with their line ends (`\\n` or `\\r\\n`); without a leading byte-order mark."""
    if text.startswith(BOM):
        text = text[1:]
    lines = text.split("\n")
    last = lines.pop()
    out = [ln + "\n" for ln in lines]
    if last:
        out.append(last)
    return out


def line_starts(text: str) -> list[int]:
    """The offset in `text` of the first character of every line, plus the end of the text."""
    starts = [1 if text.startswith(BOM) else 0]
    for line in split_lines_keepends(text):
        starts.append(starts[-1] + len(line))
    return starts


def line_body(line: str) -> str:
    """A line of `split_lines_keepends` without its line end."""
    if line.endswith("\r\n"):
        return line[:-2]
    return line[:-1] if line.endswith("\n") else line


def line_at(text: str, line: int) -> str | None:
    """Line `line` (1-based) of the text, or None past its end."""
    lines = split_lines(text)
    return lines[line - 1] if 1 <= line <= len(lines) else None


# ---------------------------------------------------------------- characters


def describe(ch: str) -> str:
    """`U+2028 LINE SEPARATOR`: how messages name a character."""
    cp = ord(ch)
    if cp < 0x20:
        name = _C0[cp]
    elif cp == 0x7F:
        name = "DELETE"
    elif 0x80 <= cp < 0xA0:
        name = _C1[cp - 0x80]
    else:
        name = unicodedata.name(ch, "")
    return f"U+{cp:04X} {name}".rstrip()


def is_hidden(ch: str) -> bool:
    """A character that displays as nothing, moves the cursor, or breaks a line somewhere."""
    return unicodedata.category(ch) in HIDDEN_CATEGORIES


def is_ascii_digits(text: str) -> bool:
    """Only 0-9: `str.isdigit` also accepts `١٢` and full-width or superscript digits."""
    return text.isascii() and text.isdigit()


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    cp = ord(ch)
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def printable(text: str, keep: str = "") -> str:
    """The text safe to show in a terminal: every hidden character written as an escape.

    `\\x1b[2J` cannot clear the screen, U+2028 cannot break a line, a bidi
    override cannot reorder what follows. For human-readable output only:
    machine formats (CSV, JSON, TOML) keep the exact text. `keep` lists the
    characters to leave as they are (a tab in a file's line, newlines in a
    multi-line message).
    """
    if text.isascii() and text.isprintable():
        return text

    def shown(m: re.Match) -> str:
        ch = m.group()
        return _escape(ch) if ch not in keep and is_hidden(ch) else ch
    return _NOT_PLAIN.sub(shown, text)


# ---------------------------------------------------------------- hidden characters in model text


@dataclass(frozen=True, slots=True)
class Hidden:
    """The hidden characters of one line: the first one's column, and where it stands."""

    line: int
    col: int
    char: str
    count: int  # how many hidden characters of this kind of place the line holds
    place: str  # "code", "comment" or "string"


def _suspects(line: str) -> list[int]:
    """Columns (0-based) of the hidden characters of a line; a final `\\r` is not one
    when `split_lines` already removed it."""
    return [m.start() for m in _NOT_PLAIN.finditer(line)
            if m.group() != "\t" and is_hidden(m.group())]


_QUOTED = re.compile(r'"[^"]*"?|#')


def _places(line: str):
    """A function telling whether a column (0-based) of the line is code, inside a
    "string" or in a # comment: the statement splitter's reading of a line."""
    strings: list[tuple[int, int]] = []
    comment = len(line)
    for m in _QUOTED.finditer(line):
        if m.group() == "#":
            comment = m.start()
            break
        strings.append(m.span())

    starts = [a for a, _ in strings]

    def place(col: int) -> str:
        if col >= comment:
            return "comment"
        k = bisect.bisect_right(starts, col) - 1
        return "string" if k >= 0 and col < strings[k][1] else "code"
    return place


def hidden_characters(text: str, first_line: int = 1) -> list[Hidden]:
    """One entry per line and kind of place (code, comment, string) holding hidden characters.

    The text's lines are numbered from `first_line`. A leading byte-order mark
    is allowed; one anywhere else is hidden like any other format character.
    """
    if (text.isascii() and text.isprintable()) or not _has_suspect(text):
        return []
    out: list[Hidden] = []
    for k, line in enumerate(split_lines(text)):
        cols = _suspects(line)
        if not cols:
            continue
        place = _places(line)
        found: dict[str, list[int]] = {}
        for c in cols:
            found.setdefault(place(c), []).append(c)
        for kind, where in found.items():
            out.append(Hidden(first_line + k, where[0] + 1, line[where[0]], len(where), kind))
    return out


def _has_suspect(text: str) -> bool:
    body = text[1:] if text.startswith(BOM) else text
    for m in _SUSPECT.finditer(body):
        ch = m.group()
        if ch == "\r" and body.startswith("\n", m.end()):
            continue
        if is_hidden(ch):
            return True
    return False


# ---------------------------------------------------------------- echoing a line under a message

CONTEXT = 100  # columns shown either side of the caret on a long line
ELLIPSIS = "…"


def caret_line(line: str, col: int, width: int) -> tuple[str, int, int]:
    """(line to show, caret column 0-based, caret width) for a message pointing at
    columns col..col+width of `line`: hidden characters escaped, the caret moved to
    match, and a long line clipped to CONTEXT columns either side of the caret."""
    line = line.expandtabs(1).rstrip(" ")  # not str.rstrip: a trailing form feed must show
    start = max(col - 1, 0)
    past = max(0, start - len(line))  # a caret just past the end of the line
    end = min(start + max(width, 1), len(line))
    before, at, after = printable(line[:start]), printable(line[start:end]), printable(line[end:])
    if len(before) > CONTEXT:
        before = ELLIPSIS + before[-CONTEXT:]
    if len(at) > CONTEXT:
        at, after = at[:CONTEXT], ELLIPSIS
    elif len(after) > CONTEXT:
        after = after[:CONTEXT] + ELLIPSIS
    return before + at + after, len(before) + past, max(1, len(at))
