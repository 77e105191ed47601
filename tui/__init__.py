"""The terminal UI (`scn tui`): the Textual app, its session and widgets.

It imports `dsl`, `engine`, `display` and `files`, never the command line (`cli`).
"""
