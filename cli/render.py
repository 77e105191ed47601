"""Text tables for people, the one way every report draws them: aligned columns for
the terminal, pipe tables for Markdown.

Each report keeps its own rows and its own table of renderers by format
(`RENDERERS` in `cli.output`, `cli.commands.sens`, `cli.commands.diff`); how a
grid of cells becomes lines is here.
"""

from __future__ import annotations

from typing import Collection, Sequence


def aligned(rows: Sequence[Sequence[str]], left: Collection[int] = (0,),
            indent: str = "") -> list[str]:
    """Columns two spaces apart, the columns in `left` flush left and the others flush
    right (numbers), each line without trailing blanks."""
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [indent + "  ".join(x.ljust(w) if c in left else x.rjust(w)
                               for c, (x, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def md_row(cells: Sequence[str]) -> str:
    """One row of a Markdown table; the cells already escaped (`md_cell`)."""
    return "| " + " | ".join(cells) + " |"


def md_rule(columns: str) -> str:
    """The line under a Markdown table's head: `l` a column flush left, `r` flush right."""
    return "|" + "".join("---:|" if c == "r" else "---|" for c in columns)


def md_cell(text: str) -> str:
    """Text in a Markdown table cell or heading: a '|' would end the cell."""
    return text.replace("|", "\\|")
