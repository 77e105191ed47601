"""How reports draw tables (cli/render.py), and every report's renderer table
against the formats its command offers."""

from __future__ import annotations

import pytest

from cli import output
from cli.commands import diff, run, sens
from cli.render import aligned, md_cell, md_row, md_rule


def test_aligned_columns_are_two_spaces_apart_numbers_flush_right_no_trailing_blanks():
    rows = [["", "2024", "note"], ["revenue", "1.0B", ""], ["x", "12.5%", "why"]]
    assert aligned(rows) == ["          2024  note", "revenue   1.0B", "x        12.5%   why"]
    assert aligned(rows, left=(0, 2), indent="  ") == [
        "            2024  note", "  revenue   1.0B", "  x        12.5%  why"]


def test_markdown_rows_rules_and_cells():
    assert md_row(["a", "", "1"]) == "| a |  | 1 |"
    assert md_rule("lrr") == "|---|---:|---:|"
    assert md_cell("a|b") == "a\\|b"


@pytest.mark.parametrize("table, formats", [
    (output.RENDERERS, set(run.FORMATS) - {"parquet"}),  # parquet is a frame, not text
    (output.LONG_RENDERERS, set(run.FORMATS) - {"parquet", "table"}),
    (sens.TORNADO, set(sens.FORMATS)),
    (sens.DERIVATIVES, set(sens.FORMATS)),
    (diff.RENDERERS, set(diff.FORMATS)),
])
def test_every_format_a_command_offers_has_a_renderer(table, formats):
    assert set(table) == formats
