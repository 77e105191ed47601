"""The session's file: its text with the edits applied, saving it, and watching it.

A mixin of `tui.session.controller.Session`: the edits are rendered into the
text as loaded (every other byte kept), saved atomically only when the
edited text loads, and the file on disk is looked at (the UI polls `watch`):
reloaded by itself when nothing is unsaved, else what changed is noted in
`Session.disk` (`tui.session.disk`) for the UI to show.
"""

from __future__ import annotations

import os

from dsl.errors import Diagnostic, ScnError, render
from engine.api import load_model
from tui.session.disk import (BROKEN, CHANGED, Disk, DiskChanged, Stamp, file_stamp,
                              loaded_elsewhere, read, write)

NOTHING, RELOADED, NOTICED = "nothing", "reloaded", "noticed"  # what `Session.watch` saw


class FileSide:
    """What a session does with its file (see `Session`)."""

    def render_text(self, state=None) -> str:
        """The file's text with the edits of `state` (a `Session` state; the current
        one by default) applied; every other byte as loaded."""
        return self.file.render((state or self.state).changes)

    def save(self, path: str | None = None) -> str:
        """Write the edits (atomically); returns the path written.

        Raises ScnError when the edited text does not load (nothing is
        written), DiskChanged when the file changed on disk since it was
        loaded (saving elsewhere is always allowed; a deleted file is
        written back), UsageError when the file cannot be read or written.
        Saving starts a new undo history. Saved elsewhere, the session then
        stands for the new file (save as): its path, its watcher, its disk.
        """
        text = self.render_text()
        target = path or self.path
        model = load_model(text, target)
        if self.is_own_file(target) and loaded_elsewhere(self.path, self.disk_text):
            raise DiskChanged(f"{self.path} changed on disk since it was loaded")
        write(target, text, self.path)
        self.path = target
        self._reset(text, model, file_stamp(target))
        return target

    def is_own_file(self, path: str) -> bool:
        return os.path.abspath(path) == os.path.abspath(self.path)

    def render_error(self, diag: Diagnostic) -> str:
        """A message about the edited text (from `save`), with its line and a caret."""
        return render(diag, self.render_text())

    def watch(self) -> str:
        """Look at the file on disk (the UI's poll): NOTHING new, RELOADED, or NOTICED
        (`disk` changed: deleted, changed while edits are unsaved, broken, restored).

        Reloads by itself only when nothing is unsaved; on a text that does not
        load, the last good model stays. Whoever calls it must show what it
        returns: the stamp it records is not looked at again.
        """
        stamp = file_stamp(self.path)
        if stamp == self.stamp:
            return NOTHING
        before, self.stamp = self.disk, stamp
        text, self.disk = read(self.path, stamp)
        if text is not None and text != self.disk_text:
            if self.dirty:
                self.disk = Disk(CHANGED)
            elif self._load(text, stamp):
                return RELOADED
        return NOTICED if self.disk != before else NOTHING

    def reload_from_disk(self) -> bool:
        """Start over from the file's text (ctrl+r), dropping the edits; False, with `disk`
        saying why, when it is gone or does not load (then everything stays)."""
        stamp = file_stamp(self.path)
        text, disk = read(self.path, stamp)
        if text is None:
            self.stamp, self.disk = stamp, disk
            return False
        return self._load(text, stamp)

    def _load(self, text: str, stamp: Stamp) -> bool:
        try:
            model = self.root.model if text == self.disk_text else load_model(text, self.path)
        except ScnError as e:
            self.stamp = stamp
            self.disk = Disk(BROKEN, tuple(render(d, text) for d in e.diagnostics))
            return False
        self._reset(text, model, stamp)
        return True

