"""Finding a variable: the `/` search box and the command palette's provider.

Both rank names with Textual's fuzzy matcher (the palette's own), so `optam`
finds `optics_tam`, and both jump to the variable keeping the year column.
A variable with dims is found by its name (the cursor lands on its group);
`capex[goog]` (or `cap[go`) finds a member row: the variable part ranks the
variables, the part in brackets ranks the members of the best one that has
dims (a model of 1,000 members per variable ranks 1,000 names, never all
200,000 member rows).
"""

from __future__ import annotations

import re
import time
from functools import partial
from typing import Callable, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

LIMIT = 12


def find_rows(query: str, names: Sequence[str],
              members: Callable[[str], Sequence[str]] | None = None) -> list[str]:
    """What `query` finds: variables (`rank`), or with a `[`, member rows (see above)."""
    head, bracket, inside = query.partition("[")
    if not bracket or members is None:
        return rank(query, names)
    for name in rank(head, names) if head.strip() else []:
        keys = members(name)
        if keys:
            inner = [k.partition("[")[2].rstrip("]") for k in keys]
            wanted = inside.rstrip("]").replace(" ", "")
            by_inner = dict(zip(inner, keys))
            return [by_inner[i] for i in rank(wanted, inner)]
    return []


def rank(query: str, names: Sequence[str]) -> list[str]:
    """Names matching `query`, best first; all when empty.

    Among equal scores the shorter name wins (`optam` finds `optics_tam`
    before `optics_tam_gpu`), then file order.
    """
    if not query.strip():
        return list(names)
    matcher = Matcher(query)
    # The matcher scores a name above 0 exactly when the query's letters appear in it in
    # order (case aside): that is looked for first, in C, and only those names are
    # scored (scoring all 10,000 names of a large model took 0.1-0.2 s a key).
    inside = re.compile(".*?".join(map(re.escape, query.lower())), re.DOTALL).search
    scored = [(matcher.match(n), len(n), k, n) for k, n in enumerate(names)
              if inside(n.lower())]
    return [s[3] for s in sorted(scored, key=lambda s: (-s[0], s[1], s[2])) if s[0] > 0]


class FindScreen(ModalScreen[str | None]):
    """Type to filter variables by fuzzy name; Enter jumps to the best (or highlighted) one."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
    ]

    def __init__(self, names: Sequence[str], blink: bool = True,
                 members: Callable[[str], Sequence[str]] | None = None) -> None:
        """`members(name)`: the member rows of a variable with dims ([] without)."""
        super().__init__()
        self.filled_at = 0.0  # perf_counter() when the matches were last listed (benchmarks)
        self.names = list(names)
        self.blink = blink
        self.members = members

    def compose(self) -> ComposeResult:
        with Vertical(id="find"):
            yield Static("Find a variable", id="find-title")
            hint = "name, fuzzy: optam finds optics_tam" + (
                "; capex[goog] a member" if self.members is not None else "")
            field = Input(placeholder=hint, id="find-input")
            field.cursor_blink = self.blink
            yield field
            yield OptionList(id="find-matches")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        matches = find_rows(query, self.names, self.members)[:LIMIT]
        box = self.query_one(OptionList)
        plain = "[" in query or not query  # a member's label is shown as it is
        box.set_options([Option(Content(n) if plain else Matcher(query).highlight(n), id=n)
                         for n in matches])
        if matches:
            box.highlighted = 0
        self.filled_at = time.perf_counter()

    def action_cursor(self, step: int) -> None:
        box = self.query_one(OptionList)
        if box.option_count:
            box.highlighted = max(0, min(box.option_count - 1, (box.highlighted or 0) + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        box = self.query_one(OptionList)
        if box.highlighted is not None and box.option_count:
            self.dismiss(box.get_option_at_index(box.highlighted).id)
        else:
            self.dismiss(None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class VariableCommands(Provider):
    """The command palette's entries: jump to a variable, switch scenario."""

    def _entries(self) -> list[tuple[str, Callable[[], None], str]]:
        app = self.app
        out = [(f"go to {name}", partial(app.jump_to, name), "move the cursor to this variable")
               for name in app.variable_names()]
        out += [(f"scenario {name}", partial(app.switch_scenario, name), "show this scenario")
                for name in app.scenario_names()]
        return out

    async def discover(self) -> Hits:
        for text, callback, help_text in self._entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._entries():
            score = matcher.match(text)
            if score > 0:  # among equal matches the shorter name first, as in `rank`
                yield Hit(score - len(text) * 1e-6, matcher.highlight(text), callback,
                          help=help_text)
