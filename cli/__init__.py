"""The `scn` command: argument parsing, one module per command, output renderers.

- `entry`: the executable's entry point (signals first, then `main`).
- `main`: argument parsing, exit codes, running one command.
- `commands/`: one module per command (`register` and `run`).
- `common`: what several commands share (loading a model, picking scenarios
  and variables, writing output).
- `output`: evaluated scenarios as a table, CSV, JSON, Markdown, Parquet
  (its renderers by format: `RENDERERS`, `LONG_RENDERERS`).
- `render`: how every report draws a table (aligned columns, Markdown rows).
- `snapshot`: snapshot TOML; `gitfiles`: files at a git revision;
  `streams`: stdout and stderr as the commands see them.

Layers: it imports `dsl`, `engine`, `display` and `files`; `tui` only inside
`scn tui`'s run function, to start the app.
"""
