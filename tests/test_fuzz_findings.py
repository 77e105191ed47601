"""What the command-line fuzz harness found that no other test holds.

(The rest it found, huge literals, long digit strings, year spans, hostile
snapshots and N copies of a definition, is held by test_limits.py and
test_scale.py.)
"""

from __future__ import annotations

from pathlib import Path

from cli.main import main

ROOT = Path(__file__).resolve().parent.parent
AI = ROOT / "scenarios" / "ai_capex.scn"
HEADER = "[model]\nfirst_year = 2024\nlast_year = 2025\nsnapshot_format = 1\n"


def test_a_snapshot_value_beyond_a_float_is_an_error(tmp_path, capsys):
    # Before: OverflowError (float() of an integer of 401 digits).
    snap = tmp_path / "snap.toml"
    snap.write_text(HEADER + "[base.x]\n2024 = 1" + "0" * 400 + "\n")
    assert main(["diff", str(snap), str(AI)]) == 2
    assert "base.x.2024 is not a number" in capsys.readouterr().err
