"""The terminal UI's controller: plain Python, no Textual.

The app calls it from worker threads (holding `Session.lock`); the tests
drive it directly.

- `controller`: the `Session`: states (the model after a set of edits, with
  what was computed about it), undo and redo, save, reload, watching the file.
  An edit's model and its re-check come from the engine (`engine.edit`), its
  results from `engine.api.recompute`.
- `file_side`: the session's file: its text with the edits, save, watch, reload.
- `disk`: what the file on disk holds against the text loaded (`Disk`).
- `edits`: where an edit goes in the file (`Target`), what the editor shows
  (`EditorRequest`), the text saved.
- `cells`: what the inspector says about a cell.
- `sheet`: what the grid shows.
"""

from tui.session.controller import Session, State  # noqa: F401
from tui.session.file_side import NOTHING, NOTICED, RELOADED  # noqa: F401
from tui.session.disk import (BROKEN, CHANGED, DELETED, SAME, Disk, DiskChanged,  # noqa: F401
                              file_stamp)
from tui.session.edits import (ENTRY, NEW, RHS, EditorRequest, EditRefused,  # noqa: F401
                               FileEdits, Target)
from tui.session.cells import CellInfo  # noqa: F401
from tui.session.sheet import Row, Sheet, same  # noqa: F401
