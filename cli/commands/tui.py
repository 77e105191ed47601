"""`scn tui`: open a scenario file in the terminal UI (grid, inspector, charts, editing)."""

from __future__ import annotations

from cli import common
from files.reading import read_text


def register(sub) -> None:
    p = sub.add_parser("tui")
    p.add_argument("file")
    p.add_argument("--scenario", default="base", help="scenario to show first (default: base)")
    p.set_defaults(run=run)


def run(args, texts) -> int:
    import gc

    from tui.session.disk import file_stamp

    gc.enable()  # cli.entry turns the cycle collector off for one-pass commands; the UI runs for hours

    stamp = file_stamp(args.file)  # before reading: a change made meanwhile is seen later
    text = read_text(args.file)  # a missing file is a usage error, before any screen
    session = _checked_scenario(text, stamp, args) if args.scenario != "base" else None
    from tui.app import ScnApp  # textual is imported here only: `scn run` stays fast

    app = ScnApp(args.file, args.scenario, session=session)
    code = app.run()
    if app.return_code:  # a crash of ours (Textual printed it) or a usage error
        return app.return_code
    return common.OK if code is None else code


def _checked_scenario(text: str, stamp, args):
    """The loaded file when it loads, after checking --scenario (an unknown one is a
    usage error); None when it does not load (the app shows why)."""
    from dsl.errors import ScnError
    from tui.session import Session
    from tui.session.disk import load_kept

    try:
        model, keep = load_kept(args.file, text)
    except ScnError:
        return None
    keep()
    session = Session(args.file, text, model, stamp=stamp)
    common.scenario_name(session.model, args.scenario)
    return session
