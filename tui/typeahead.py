"""Keys typed ahead: kept while the app is between two screens, then replayed in order.

Some steps move where keys go only once a worker has answered: the first
grid appears when the file has loaded, the editor when the session has said
what `Enter` edits, the grid again when an edit has been checked, a save
may end in a dialog. Keys typed meanwhile (an analyst who knows the keys, a
scripted session) would reach a screen that is about to go away, and be
lost. While such a step is under way the app *holds*: keys are kept here,
and replayed, in the order typed, when the last hold is released.

The hold starts when the key that starts the step is *read* (before any
widget sees it), not when its binding runs: Textual hands keys to widgets
through queues, so by the time a binding runs, the keys typed after it
would already be on their way to the old screen. That key itself goes on
(its binding must run); every other key, read or coming back unhandled from
a widget, is kept. Quitting keys are never held, and a step that has not
answered after `STALE` seconds (a bug of ours) gives the keyboard back.

A hold may let some keys pass (`passing`): while an edit's other rows are
computed, the grid's moves act at once and every other key waits for the
edit, in order (after the first key kept, the moves wait too).
"""

from __future__ import annotations

import time

from textual import events

NEVER_HELD = frozenset({"ctrl+q", "ctrl+c"})
STALE = 10.0  # seconds; loading a file is not a step and may take longer


class TypeAhead:
    """The holds under way and the keys kept meanwhile."""

    def __init__(self, clock=time.monotonic) -> None:
        self.holds: dict[str, float] = {}  # reason -> when it started
        self.keys: list[tuple[str, str | None]] = []
        self.starters: list[events.Key] = []  # the keys that started a hold go on
        self.passing: dict[str, frozenset[str]] = {}  # reason -> the keys it lets pass
        self.clock = clock

    def hold(self, reason: str, starter: events.Key | None = None,
             passing: frozenset[str] = frozenset()) -> None:
        self.holds.setdefault(reason, self.clock())
        self.passing[reason] = passing
        if starter is not None:
            self.starters.append(starter)

    def stale(self) -> list[str]:
        """Steps held for longer than any step takes (the load excepted)."""
        now = self.clock()
        return [r for r, since in self.holds.items() if r != "load" and now - since > STALE]

    def keep(self, event: events.Key) -> bool:
        """Keep the key if a hold is under way (the caller then drops the event)."""
        if not self.holds or event.key in NEVER_HELD:
            return False
        if any(event is s for s in self.starters):
            return False
        if not self.keys and all(event.key in self.passing.get(r, ()) for r in self.holds):
            return False
        self.keys.append((event.key, event.character))
        return True

    def release(self, reason: str) -> list[events.Key]:
        """End a hold; the keys to replay once none is left (or those the holds left let
        pass, the first kept)."""
        self.holds.pop(reason, None)
        self.passing.pop(reason, None)
        if self.holds:  # the first keys kept, as long as the holds left let them pass
            n = 0
            while n < len(self.keys) and all(self.keys[n][0] in self.passing.get(r, ())
                                             for r in self.holds):
                n += 1
            out = [events.Key(key, character) for key, character in self.keys[:n]]
            del self.keys[:n]
            self.starters.extend(out)  # replayed: they go on
            return out
        keys, self.keys, self.starters = self.keys, [], []
        return [events.Key(key, character) for key, character in keys]
