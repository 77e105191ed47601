"""The cell editor: the right-hand side to change, in a modal over the grid.

Pre-filled with the text of the definition that covers the cell (or of the
year-map entry, or of the new year-specific line), all of it selected so
that typing replaces it. The line's comment shows below: kept, unless a
comment is typed after the value (`62% # new note`; `#` alone removes
it). `Enter` asks the app to apply it; an edit the
parser or the checker refuses is shown here, with its position, and the
editor stays open. `Escape` cancels.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.session import EditorRequest, Target


class EditorScreen(ModalScreen[bool]):
    """Edit one definition's right-hand side."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    class Confirmed(Message):
        """The analyst pressed Enter: apply `text` to `target`."""

        def __init__(self, target: Target, text: str, generation: int) -> None:
            super().__init__()
            self.target, self.text, self.generation = target, text, generation

    def __init__(self, request: EditorRequest, blink: bool = True) -> None:
        super().__init__()
        self.request = request
        self.blink = blink

    def compose(self) -> ComposeResult:
        r = self.request
        with Vertical(id="editor"):
            title = Text.assemble(("Edit ", "bold"), (r.target.name, "bold"),
                                  f"  covers {r.covers}", ("  ·  " + r.where, "dim"))
            yield Static(title, id="editor-title")
            if r.note:
                yield Static(Text(r.note, "italic"), id="editor-note")
            with Horizontal(id="editor-line"):
                yield Label(r.head, id="editor-head")
                field = Input(value=r.prefill, id="editor-input", select_on_focus=True)
                field.cursor_blink = self.blink
                yield field
            yield Static(self._comment_line(), id="editor-comment")
            yield Static(id="editor-error")
            yield Static(Text("Enter applies  ·  Escape cancels", "dim"), id="editor-help")

    def _comment_line(self) -> Text:
        """The line's comment, which the edit keeps unless another is typed after the value."""
        comment = self.request.comment
        if comment:
            return Text.assemble(("comment ", "dim"), (comment, "italic"),
                                 ("   kept; type # … after the value to replace it, "
                                  "# alone to remove it", "dim"))
        return Text("type # … after the value to add a comment", "dim")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#editor-error", Static).update(Text("checking…", "dim"))
        self.post_message(self.Confirmed(self.request.target, event.value,
                                         self.request.generation))

    def show_error(self, lines: list[str]) -> None:
        """The parser's or the checker's messages; the edit changed nothing."""
        text = Text("\n".join(lines), "red")
        text.append("\nnothing changed: fix the text, or Escape to cancel", "dim")
        self.query_one("#editor-error", Static).update(text)
        self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)
