"""Small modal dialogs: a choice between a few keys, and a one-line prompt."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static


class ChoiceScreen(ModalScreen[str]):
    """A question answered by one key: returns that key, or "escape"."""

    def __init__(self, title: str, message: str, choices: list[tuple[str, str]],
                 purpose: str = "") -> None:
        super().__init__()
        self.title_text, self.message, self.choices = title, message, choices
        self.purpose = purpose  # what it asks about ("quit": ctrl+q does not ask twice)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, "bold"), classes="dialog-title")
            yield Static(self.message, classes="dialog-message")
            keys = Text()
            for key, label in self.choices:
                keys.append(f" {key} ", "reverse bold")
                keys.append(f" {label}   ")
            keys.append(" escape ", "reverse")
            keys.append(" cancel")
            yield Static(keys, classes="dialog-keys")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        if event.key == "escape":
            self.dismiss("escape")
        elif any(event.key == key for key, _ in self.choices):
            self.dismiss(event.key)


class PromptScreen(ModalScreen[str | None]):
    """One line of text (a path to save to): Enter returns it, Escape returns None.

    `check(value)` may object: (message, True) refuses the value (the dialog
    stays, saying why); (message, False) asks for a second Enter on the same
    value (a file that would be replaced).
    """

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, title: str, value: str = "", blink: bool = True,
                 check: Callable[[str], tuple[str, bool] | None] | None = None) -> None:
        super().__init__()
        self.title_text, self.value, self.blink, self.check = title, value, blink, check
        self._warned: str | None = None  # the value a second Enter confirms

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, "bold"), classes="dialog-title")
            field = Input(value=self.value, id="prompt-input")
            field.cursor_blink = self.blink
            yield field
            yield Static(id="prompt-problem")
            yield Static(Text("Enter confirms  ·  Escape cancels", "dim"), classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = self.check(value) if self.check and value else None
        if problem is not None and (problem[1] or self._warned != value):
            message, refused = problem
            self._warned = None if refused else value
            self.query_one("#prompt-problem", Static).update(
                Text(message, "bold red" if refused else "bold yellow"))
            return
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
