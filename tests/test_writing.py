"""Where `-o`, `scn fmt` and the UI's save write: never over an input, never over a link.

Through the real `scn` (and the UI's session). Special files are FIFOs in
tmp_path with a reader thread: never a real device.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from test_cli import SCN, scn
from cli.main import main
from tui.session import Session

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "tests" / "models" / "ai_capex_v1.scn"
MESSY = "years 2024..2025\nx=1\n"
TIDY = "years 2024..2025\nx = 1\n"

# Every command with -o, with the arguments it needs besides the input file.
WITH_OUTPUT = {
    "run": [],
    "mc": ["--samples", "20"],
    "snapshot": [],
    "graph": [],
    "sens": ["optics_tam"],
    "explain": ["optics_tam[2030]"],
    "goal": ["optics_tam[2030] = 75B", "--vary", "asic_share"],
    "sweep": ["optics_tam[2030]", "--vary", "asic_optics_multiplier=3,4"],
}


def test_every_command_with_an_output_is_in_the_table():
    from cli.main import build_parser

    sub = next(a for a in build_parser(everything=True)._actions if a.dest == "command")
    have = {name for name, p in sub.choices.items()
            if any("-o" in a.option_strings for a in p._actions)}
    assert have == set(WITH_OUTPUT) | {"diff"}


def _input_aliases(tmp_path) -> dict[str, Path]:
    model = tmp_path / "m.scn"
    shutil.copy(AI, model)
    (tmp_path / "link.scn").symlink_to("m.scn")
    os.link(model, tmp_path / "hard.scn")
    return {"the same path": model, "another path": tmp_path / "." / "m.scn",
            "a symlink": tmp_path / "link.scn", "a hard link": tmp_path / "hard.scn"}


@pytest.mark.parametrize("command", sorted(WITH_OUTPUT))
def test_output_over_the_input_is_refused(command, tmp_path, capsys):
    for how, out in _input_aliases(tmp_path).items():
        model = tmp_path / "m.scn"
        code = main([command, str(model), *WITH_OUTPUT[command], "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 2, (how, err)
        assert err.startswith(f"scn: error: -o {out}: that is an input file"), (how, err)
        assert model.read_text() == AI.read_text(), how
        assert (tmp_path / "link.scn").is_symlink()


def test_diff_output_over_either_input_is_refused(tmp_path, capsys):
    aliases = _input_aliases(tmp_path)
    other = tmp_path / "other.scn"
    shutil.copy(AI, other)
    for how, out in aliases.items():
        for files in ([str(tmp_path / "m.scn"), str(other)], [str(other), str(tmp_path / "m.scn")]):
            assert main(["diff", *files, "-o", str(out)]) == 2, how
            assert "that is an input file" in capsys.readouterr().err
    assert (tmp_path / "m.scn").read_text() == AI.read_text()


def test_output_beside_the_input_is_fine(tmp_path):
    model = tmp_path / "m.scn"
    shutil.copy(AI, model)
    assert main(["snapshot", str(model), "-o", str(tmp_path / "m.scn.toml")]) == 0
    assert (tmp_path / "m.scn.toml").read_text().startswith("[model]")


def test_output_through_a_symlink_writes_the_target(tmp_path):
    (tmp_path / "out.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to("out.csv")
    r = scn("run", str(AI), "--format", "csv", "-o", str(tmp_path / "link.csv"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "out.csv").read_text().startswith("variable,2024")
    r = scn("run", str(AI), "--format", "parquet", "-o", str(tmp_path / "link.csv"))
    assert r.returncode == 0 and (tmp_path / "link.csv").is_symlink()
    assert (tmp_path / "out.csv").read_bytes().startswith(b"PAR1")


def test_output_to_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    r = scn("run", str(AI), "--format", "csv", "-o", str(fifo), timeout=60)
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert got and got[0].startswith("variable,2024")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_output_to_a_descriptor_writes_to_what_the_shell_opened(tmp_path):
    # -o /dev/stdout: /proc/self/fd/1 is the file the shell opened, written through
    # (appending), never replaced, so `>>` keeps what the file held. The name used here is
    # a link in tmp_path to /proc/self/fd/1, the link /dev/stdout is: were the writer ever
    # to rename over a name again, it could only touch tmp_path.
    stdout = tmp_path / "stdout"
    stdout.symlink_to("/proc/self/fd/1")
    log = tmp_path / "log.txt"
    log.write_text("before\n")
    run = f"{SCN} run {AI} --format csv --vars capex -o {stdout}"
    r = subprocess.run(["bash", "-c", f"{run} >> {log}; {run} | head -1"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr
    assert log.read_text().startswith("before\nvariable,2024,") and "capex," in log.read_text()
    assert r.stdout == "variable,2024,2025,2026,2027,2028,2029,2030\n"
    assert stdout.is_symlink()


def test_fmt_through_a_symlink_formats_the_target(tmp_path):
    target = tmp_path / "real.scn"
    target.write_text(MESSY)
    (tmp_path / "link.scn").symlink_to("real.scn")
    r = scn("fmt", str(tmp_path / "link.scn"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "link.scn").is_symlink() and target.read_text() == TIDY


def test_fmt_keeps_hard_links_together(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(MESSY)
    os.link(path, tmp_path / "twin.scn")
    r = scn("fmt", str(path))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "twin.scn").read_text() == TIDY
    assert path.stat().st_nlink == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_fmt_as_root_keeps_the_owner_and_mode(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(MESSY)
    os.chown(path, 12345, 23456)
    path.chmod(0o640)
    r = scn("fmt", str(path))
    assert r.returncode == 0, r.stderr
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o640)
    assert path.read_text() == TIDY


# ---------------------------------------------------------------- the UI's save


def _edited(path: Path) -> Session:
    s = Session.open(str(path))
    s.apply(s.editor("base", "asic_share", 2030, False).target, "interp({2024: 10%, 2030: 61%})")
    return s


def test_ui_save_through_a_symlink_writes_the_target(tmp_path):
    target = tmp_path / "real.scn"
    shutil.copy(AI, target)
    link = tmp_path / "link.scn"
    link.symlink_to("real.scn")
    _edited(link).save()
    assert link.is_symlink()
    assert "2030: 61%" in target.read_text()


def test_ui_save_keeps_hard_links(tmp_path):
    path = tmp_path / "m.scn"
    shutil.copy(AI, path)
    os.link(path, tmp_path / "twin.scn")
    _edited(path).save()
    assert "2030: 61%" in (tmp_path / "twin.scn").read_text()


def test_ui_save_elsewhere_gives_the_new_file_the_originals_mode(tmp_path):
    path = tmp_path / "m.scn"
    shutil.copy(AI, path)
    path.chmod(0o640)
    other = tmp_path / "copy.scn"
    _edited(path).save(str(other))
    assert stat.S_IMODE(other.stat().st_mode) == 0o640 and "2030: 61%" in other.read_text()
