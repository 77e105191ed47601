"""One module per `scn` command, imported only when that command runs.

`COMMANDS` names every command with its line in `scn --help`, in the order
printed. Building the argument parser reads only this table: `scn check`
must not import sympy (`scn sens`) or textual (`scn tui`) to learn what the
other commands are called. The module `cli.commands.NAME` is imported when
its parser is first used (to parse its arguments or print its help); it
defines `register(sub)`, which calls `sub.add_parser(NAME, ...)` as with
argparse, adds its arguments and sets `run=` to a function
`(args, texts) -> exit code` (see `cli.main`).

To add a command: a line here, and `cli/commands/NAME.py` with `register`
and `run`. A module still imports heavy packages (polars, sympy, textual)
inside its run function only, so that its own `--help` stays fast.
"""

COMMANDS = {
    "run": "evaluate a scenario file and print its values",
    "mc": "Monte Carlo: sample the distributions, show the spread",
    "check": "report every error in scenario files",
    "sens": "sensitivities: a tornado, or exact derivatives with --wrt",
    "sweep": "a data table: an output at every combination of inputs",
    "explain": "a cell's definition, value and precedents (or dependents)",
    "goal": "goal seek: solve an input for a target output value",
    "snapshot": "write every output as TOML, to commit beside the file",
    "diff": "what changed between two versions of a scenario file",
    "textconv": "the file and its outputs as text, for git diff",
    "fmt": "rewrite scenario files in the canonical layout",
    "graph": "the dependency graph as Graphviz DOT or Mermaid",
    "tui": "explore and edit a scenario file in the terminal",
}
