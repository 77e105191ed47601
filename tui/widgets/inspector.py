"""The inspector: what the selected cell is, where it comes from, what it feeds.

Shows the variable's description (its `##` comment), the definition that
covers this year (as written, with `file:line`), the value and its change
against the file, the cells it reads and the cells that read it (select one
to jump to it), and the cell's sensitivities. A year rolled up (`y` in a
quarterly or monthly model) is explained apart: how it was made (`sum of 12
months`, `mean of 4 quarters`, `last of 12 months: 2026-12`) and from which
periods, each with its value.

Every value stands with its unit where the file has units (`85.1B USD`,
`1.2k USD/PFLOPS`; a percentage or a multiple says its own): the value, the
file's, the parent scenario's, the linked cells', the periods of a year. Under
the definition, the variable's unit and where it comes from (`unit: USD
(declared)`, `unit: % (inferred)`, `unit: unknown`), how it adds up by year
when the annotation says (`last`), and each of its unit warnings with its
position, message and hint (the grid marks the row `≠`).
"""

from __future__ import annotations

import time
from typing import Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from display.kinds import AMOUNT, PERCENT
from display.numbers import format_value
from dsl.text import printable
from tui.sens_adapter import Sensitivities
from engine.address import Cell
from engine.axis import TimeAxis
from tui.session import CellInfo
from tui.session.rollup import RollupInfo
from tui.session.sheet import row_key
from tui.session.units import NO_UNITS, Units
from tui.widgets.format import format_change, format_relative, short_label


class Fact(Static):
    """A line of the inspector's facts, which notes when its content is rendered anew (the
    frame that paints it follows at once): `Inspector.shown_at` waits for every fact."""

    rendered = -1  # the inspector's `generation` when this content was last rendered

    def render(self):
        parent = self.parent
        self.rendered = getattr(parent, "generation", 0)
        return super().render()


class Inspector(VerticalScroll, can_focus=False):
    """The selected cell, explained."""

    class Jump(Message):
        """Move the grid's cursor to a precedent or a dependent."""

        def __init__(self, name: str, year: int) -> None:
            super().__init__()
            self.name, self.year = name, year

    def compose(self) -> ComposeResult:
        yield Fact(id="cell-title")
        yield Fact(id="cell-doc")
        yield Fact(id="cell-value")
        yield Fact(id="cell-definition")
        yield Static(id="cell-units")
        yield Label("reads", classes="links-label")
        yield OptionList(id="precedents", classes="links")
        yield Label("read by", classes="links-label")
        yield OptionList(id="dependents", classes="links")
        yield Static(id="cell-sens")

    _units: Units = NO_UNITS
    _unit: str = ""  # the cell's unit label, for its sensitivities
    shown_at = 0.0  # perf_counter() after the frame that painted a cell's facts (benchmarks)
    generation = 0  # counts the cells shown (`Fact.rendered`)

    class Painted(Message):
        """The facts of the cell last shown are on screen (the chart is drawn after them)."""

    def show(self, info: CellInfo, kinds: Mapping[str, str],
             values: Mapping[str, Sequence[float | None]], axis: TimeAxis,
             parent: tuple[str, float | None] | None = None,
             file_kinds: Mapping[str, str] | None = None, units: Units = NO_UNITS) -> None:
        """Fill in the panel for a cell; `values` are the scenario's, for the linked cells;
        `parent` (compare mode) the parent scenario and its value of the cell; `file_kinds`
        how the file's values read (an edit may turn an amount into a percentage); `units`
        the model's (`tui.session.units`)."""
        self._links(True)
        self._units, self._unit = units, units.label(info.name)
        kind = kinds.get(info.name, AMOUNT)
        old_kind = (file_kinds or {}).get(info.name, kind)
        when = axis.label(info.cell.period)
        title = Text.assemble((row_key(info.name, info.cell.members), "bold"), f"  {when}  ",
                              (f"scenario {info.scenario}", "italic"))
        if info.section:
            title.append(f"  ·  {printable(info.section)}", "dim")
        self.query_one("#cell-title", Static).update(title)
        self.query_one("#cell-doc", Static).update(Text(printable((info.doc or "").replace("\n", " ")),
                                                      "italic"))
        self.query_one("#cell-value", Static).update(self._value(info, kind, old_kind, parent))
        self.query_one("#cell-definition", Static).update(self._definition(info, when))
        self._unit_line(units, info.name)
        for box, links in (("#precedents", info.precedents), ("#dependents", info.dependents)):
            options = [Option(self._link(link, kinds, values, axis, units),
                              id=f"{row_key(link.variable, link.members)}"
                                 f"@{axis.absolute(link.period)}")
                       for link in links] or [Option(Text("none", "dim"), disabled=True)]
            self.query_one(box, OptionList).set_options(options)
        self.query_one("#cell-sens", Static).update(Text("sensitivities: computing…", "dim"))
        self._shown()

    def _shown(self) -> None:
        """New facts on their way to the screen: say when every one of them is painted."""
        self.generation += 1
        self.call_after_refresh(self._painted, self.generation)

    def _painted(self, generation: int, frames: int = 0) -> None:
        if generation != self.generation:
            return  # another cell since: its own call says when it is painted
        waiting = [f for f in self.query(Fact) if f.rendered != generation
                   and f.display and f.region.height]  # (an empty fact paints nothing)
        if waiting and frames < 20:  # (never wait for ever: a fact scrolled out of view)
            self.call_after_refresh(self._painted, generation, frames + 1)
            return
        self.shown_at = time.perf_counter()
        self.post_message(self.Painted())

    def _links(self, shown: bool) -> None:
        """The lists of cells read and reading (none for a year rolled up)."""
        for widget in self.query(".links-label, .links"):
            widget.display = shown

    def show_rollup(self, info: RollupInfo, kind: str, units: Units = NO_UNITS) -> None:
        """A year rolled up: its value, how it was made, and the periods it was made of."""
        self._links(False)
        name = info.key.partition("[")[0]
        self._units, self._unit = units, units.label(name)
        title = Text.assemble((info.key, "bold"), f"  {info.label}  ",
                              (f"scenario {info.scenario}", "italic"), ("  ·  by year", "bold cyan"))
        if info.section:
            title.append(f"  ·  {printable(info.section)}", "dim")
        self.query_one("#cell-title", Static).update(title)
        self.query_one("#cell-doc", Static).update(
            Text(printable((info.doc or "").replace("\n", " ")), "italic"))
        value = Text(self._with_unit(format_value(info.value, kind)) or "empty", "bold")
        value.append(f"  {info.how_text()}", "dim")
        self.query_one("#cell-value", Static).update(value)
        width = max(len(label) for label, _ in info.periods) + 1
        shown = [self._with_unit(format_value(v, kind)) or "·" for _, v in info.periods]
        room = max(9, *map(len, shown))
        cells = [f"{label:<{width}}{text:>{room}}" for (label, _), text in zip(info.periods, shown)]
        per_line = max(1, (self.content_region.width + 4) // (len(cells[0]) + 4))
        text = Text("\n".join("    ".join(cells[k:k + per_line])
                              for k in range(0, len(cells), per_line)))
        word = info.word
        text.append(f"\na year rolled up is not edited: y shows the {word}s, edit one "
                    f"there (Enter, or = for that {word} alone)", "dim")
        self.query_one("#cell-definition", Static).update(text)
        self._unit_line(units, name)
        self.query_one("#cell-sens", Static).update(
            Text(f"sensitivities: none for a year rolled up (each {word} has its own: y)", "dim"))
        self._shown()

    @staticmethod
    def _definition(info: CellInfo, when: str) -> Text:
        """The definition as written, its comment, where it stands; or why the cell is empty
        (`when`: the period's label)."""
        cell = f"{info.name}[{', '.join([*info.cell.members, when])}]"  # capex[goog, 2026]
        if info.mixed:  # a group's header: no one definition covers every member
            text = Text(f"its {info.group} members have different definitions in {when}")
            text.append("\nspace opens the group; = defines every member's "
                        f"{when} at once: {cell} = …", "dim")
            return text
        if info.kind == "empty":
            text = Text(f"no definition of {row_key(info.name, info.cell.members)} covers {when}")
            text.append(f"\n= defines it: {cell} = …", "dim")
            return text
        text = Text(printable(info.definition))
        if info.comment:
            text.append(f"  {printable(info.comment)}", "dim")
        text.append(f"\n{info.where}", "dim")
        if info.layer and info.layer != "base":
            text.append(f"  (scenario {info.layer})", "dim")
        return text

    def _unit_line(self, units: Units, name: str) -> None:
        """The variable's unit and unit warnings; nothing in a file without annotations
        (one that does not use units reads as before)."""
        box = self.query_one("#cell-units", Static)
        box.display = units.column
        box.update(unit_text(units, name) if units.column else "")

    def _with_unit(self, text: str) -> str:
        """A value of the cell's variable with its unit (`85.1B USD`); blank stays blank."""
        return f"{text} {self._unit}" if text and self._unit else text

    def _value(self, info: CellInfo, kind: str, old_kind: str, parent) -> Text:
        text = Text(self._with_unit(format_value(info.value, kind)) or "empty", "bold")
        if info.group:  # a group's header: what its number is
            text = Text(f"Σ {self._with_unit(format_value(info.value, kind)) or 'empty'}",
                        "bold") \
                if kind != PERCENT else Text("", "bold")
            text.append(f" sum of {info.group} members" if kind != PERCENT else
                        f"{info.group} members: a percentage does not add up", "dim")
            if kind == PERCENT:
                return text
        label = {"input": " input", "formula": " formula", "empty": ""}[info.kind]
        text.append(label, "blue" if info.kind == "input" else "dim")
        if info.file_value != info.value and not (_nan(info.file_value) and _nan(info.value)):
            was = self._with_unit(format_value(info.file_value, old_kind)) or "empty"
            if old_kind != kind:  # no difference between an amount and a percentage
                text.append(f"   file: {was}", "yellow")
            else:
                change = self._with_unit(format_change(info.file_value, info.value, kind))
                relative = format_relative(info.file_value, info.value)
                text.append(f"   file: {was}, "
                            f"{change}{' (' + relative + ')' if relative else ''}", "yellow")
        if parent is not None:
            name, value = parent
            change = format_change(value, info.value, kind)
            change = change if change in ("=", "") else self._with_unit(change)
            text.append(f"\n{name}: {self._with_unit(format_value(value, kind)) or 'empty'}, "
                        f"{'the same' if change in ('=', '') else change}", "bold yellow")
        if info.warning:
            text.append(f"\n! {info.warning}", "red")
        return text

    @staticmethod
    def _link(link: Cell, kinds, values, axis: TimeAxis, units: Units = NO_UNITS) -> Text:
        """`capex 2025  345.0B`; a member cell `capex[goog, 2025]  52.5B`; a group's
        (a read of every member) `capex[all members, 2025]`, with the sum."""
        key = row_key(link.variable, link.members)
        try:
            row = values.get(key, ())
        except KeyError:
            row = ()
        value = row[link.period] if 0 <= link.period < len(row) else None
        shown = units.with_unit(format_value(value, kinds.get(link.variable, AMOUNT)),
                                link.variable)
        if link.members:
            return Text.assemble(f"{link.variable}[{', '.join(link.members)}, ",
                                 (axis.label(link.period), "dim"), "]  ", (shown, "bold"))
        return Text.assemble(link.variable, (f" {axis.label(link.period)}", "dim"), "  ",
                             (shown, "bold"))

    def show_sensitivities(self, sens: Sensitivities | None, kind: str,
                           empty: bool = False, members: bool = False) -> None:
        box = self.query_one("#cell-sens", Static)
        if members:
            from tui.widgets.tornado import MEMBERS_NOT_YET
            box.update(Text(f"sensitivities: {MEMBERS_NOT_YET}", "dim"))
            return
        if sens is None:
            box.update(Text("sensitivities: none, the cell is empty" if empty
                            else "sensitivities: not available", "dim"))
            return
        if sens.error is not None:
            box.update(Text(f"sensitivities: not available ({sens.error})", "dim"))
            return
        text = Text("sensitivities", "bold")
        text.append(f"  ({sens.source}{'; changes in ' + self._unit if self._unit else ''})\n",
                    "dim")
        if not sens.rows:
            text.append("none: this cell reads no input\n", "dim")
        if sens.rows:
            text.append(f"  {'input':<24} {'-' + format(sens.pct, '.0%'):>8} "
                        f"{'+' + format(sens.pct, '.0%'):>8}  d/d input\n", "dim")
        for r in sens.rows:
            d = "n/a" if r.derivative is None else _compact(r.derivative)
            text.append(f"  {short_label(r.input, 24):<24} {format_change(0, r.low, kind):>8} "
                        f"{format_change(0, r.high, kind):>8}  ")
            text.append(f"{d}\n", "dim")
        if sens.formula:
            text.append(sens.formula + "\n", "italic")
        if sens.note:
            text.append(sens.note, "dim")
        box.update(text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name, _, year = (event.option.id or "").partition("@")
        if name:
            self.post_message(self.Jump(name, int(year)))


def _nan(v) -> bool:
    return v is not None and v != v


def _compact(x: float) -> str:
    return format_value(x) if abs(x) >= 1000 else f"{x:.3g}"


def unit_text(units: Units, name: str) -> Text:
    """The variable's unit, where it comes from and how it adds up; then each unit warning
    (`FILE:LINE:COL`, the message, the hint), as `scn check` words them."""
    what, how = units.line(name)
    text = Text(what, "dim")
    if how:
        text.append(f"  ·  {how}", "dim")
    for w in units.warnings.get(name, ()):
        where = f"{w.source}:{w.span.line}:{w.span.col}"
        text.append(f"\n≠ unit warning {printable(where)}: ", "bold yellow")
        text.append(printable(w.message), "yellow")
        if w.subject.scenario:
            text.append(f" (scenario {w.subject.scenario})", "yellow")
        if w.hint:
            text.append(f"\n  hint: {printable(w.hint)}", "dim")
    return text
