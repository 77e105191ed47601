"""One module per `scn` command. Each defines `register(subparsers)`, which adds
its parser and sets `run=` to a function `(args, texts) -> exit code`.

`COMMANDS` is the order they appear in `scn --help`. Registering imports every
module, so a module imports heavy packages (sympy, textual) inside its run
function only.
"""

COMMANDS = ("run", "mc", "check", "sens", "sweep", "explain", "goal", "snapshot", "diff",
            "textconv", "fmt", "graph", "tui")
