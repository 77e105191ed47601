"""`scn snapshot`: every output as TOML, byte-identical, read back exactly."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl.errors import ScnError
from engine.axis import TimeAxis
from engine.value_diff import Values
from test_cli import scn
from cli.snapshot import FORMAT, read_snapshot, scn_version, snapshot_text

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden")

TINY = """\
model "Tiny"
years 2024..2026
capex[2024] = 100B
capex = capex[t-1] * (1 + capex_growth)
capex_growth = {2025: 50%, 2026: 10%}
share = interp({2024: 10%, 2026: 30%})
ratio = 1 / (share - 20%)
scenario bull {
  share = 40%
}
"""


def test_golden_snapshot_is_byte_identical(tmp_path):
    out = tmp_path / "s.toml"
    r = scn("snapshot", str(ROOT / "scenarios" / "ai_capex.scn"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == (GOLDEN / "ai_capex.toml").read_bytes()


def test_layout(tmp_path):
    path = tmp_path / "tiny.scn"
    path.write_text(TINY)
    r = scn("snapshot", str(path))
    assert r.returncode == 0
    assert r.stdout.startswith(
        '[model]\ntitle = "Tiny"\nfirst_year = 2024\nlast_year = 2026\n'
        f'scn_version = "{scn_version()}"\nsnapshot_format = {FORMAT}\n\n'
        "[base.capex]\n2024 = 100000000000.0\n2025 = 150000000000.0\n"
        "2026 = 165000000000.0\n\n"
        "[base.capex_growth]\n2025 = 0.5\n2026 = 0.1\n\n")  # empty 2024: no key
    assert "[base.ratio]\n2024 = -10.0\n2025 = inf\n" in r.stdout
    doc = tomllib.loads(r.stdout)
    assert list(doc) == ["model", "base", "bull"]
    assert list(doc["bull"]) == ["capex", "capex_growth", "share", "ratio"]
    # the non-finite value is still warned about, with its position
    assert f"{path}:7:1: warning: ratio is inf in 2025" in r.stderr


def test_one_scenario(tmp_path):
    path = tmp_path / "tiny.scn"
    path.write_text(TINY)
    doc = tomllib.loads(scn("snapshot", str(path), "--scenario", "bull").stdout)
    assert list(doc) == ["model", "bull"]
    r = scn("snapshot", str(path), "--scenario", "bul")
    assert r.returncode == 2 and "did you mean 'bull'?" in r.stderr


finite_or_not = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True))


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(finite_or_not, min_size=3, max_size=3), min_size=1, max_size=4))
def test_read_back_exactly(rows):
    names = tuple(f"v{k}" for k in range(len(rows)))
    values = Values(TimeAxis.of_years(2024, 2026), names, {"base": dict(zip(names, map(tuple, rows)))})
    back, warnings = read_snapshot(snapshot_text("T", values), "s.toml")
    assert warnings == []
    assert back.years == values.years and back.variables == names
    for v, row in zip(names, rows):
        for got, want in zip(back.scenarios["base"][v], row):
            assert (got is None and want is None) or (math.isnan(got) and math.isnan(want)) \
                or got == want and math.copysign(1, got) == math.copysign(1, want)


HEADER = '[model]\nfirst_year = 2024\nlast_year = 2025\nscn_version = "{v}"\nsnapshot_format = {f}\n'


@pytest.mark.parametrize("text, line, message", [
    ("[model\n", 1, "not valid TOML: expected ']' at the end of a table declaration"),
    ("a = 1\n", 1, "not an scn snapshot: no [model] table with snapshot_format"),
    (HEADER.format(v="9.9.9", f=99), 5, "snapshot format 99 (written by scn 9.9.9); this scn"),
    (HEADER.format(v="0.1.0", f=1) + "[base.x]\n2023 = 1.0\n", 7,
     "'base.x' has year '2023' outside 2024..2025"),
    (HEADER.format(v="0.1.0", f=1) + '[base.x]\n2024 = "a"\n', 7, "base.x.2024 is not a number"),
])
def test_bad_snapshots_are_clear_errors(text, line, message):
    with pytest.raises(ScnError) as e:
        read_snapshot(text, "old.toml")
    d = e.value.diagnostics[0]
    assert (d.source, d.span.line) == ("old.toml", line)
    assert d.message.startswith(message)


def test_another_version_of_scn_is_a_warning():
    text = HEADER.format(v="0.0.1", f=FORMAT) + "[base.x]\n2024 = 1.0\n"
    values, warnings = read_snapshot(text, "old.toml")
    assert values.scenarios["base"]["x"] == (1.0, None)
    assert [w.message for w in warnings] == [
        f"written by scn 0.0.1, read by scn {scn_version()}: values may differ because the "
        "engine changed, not the model"]
