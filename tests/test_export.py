"""Exports: `scn run --format parquet`, and the long layout (`--long`) in every format."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import polars as pl
import pytest

from test_cli import scn
from test_snapshot import TINY as MODEL

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture
def model_file(tmp_path):
    p = tmp_path / "tiny.scn"
    p.write_text(MODEL)
    return p


def test_long_csv(model_file):
    r = scn("run", str(model_file), "--all-scenarios", "--long", "--format", "csv")
    assert r.returncode == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["scenario", "variable", "year", "value"]
    assert len(rows) == 1 + 2 * 4 * 3  # scenarios x variables x years: empty years included
    assert rows[1:5] == [["base", "capex", "2024", "100000000000.0"],
                         ["base", "capex", "2025", "150000000000.0"],
                         ["base", "capex", "2026", "165000000000.0"],
                         ["base", "capex_growth", "2024", ""]]
    assert ["base", "ratio", "2025", "inf"] in rows
    assert rows[-1] == ["bull", "ratio", "2026", "5.0"]


def test_long_json_and_markdown(model_file):
    doc = json.loads(scn("run", str(model_file), "--long", "--format", "json", "--vars",
                         "capex_growth,ratio").stdout)
    assert doc[0] == {"scenario": "base", "variable": "capex_growth", "year": 2024, "value": None}
    assert doc[4] == {"scenario": "base", "variable": "ratio", "year": 2025, "value": "inf"}
    md = scn("run", str(model_file), "--long", "--format", "md", "--vars", "share").stdout
    assert md.splitlines()[:3] == ["| scenario | variable | year | value |",
                                   "|---|---|---:|---:|", "| base | share | 2024 | 10.0% |"]


def test_parquet_wide_and_long(model_file, tmp_path):
    wide, long = tmp_path / "w.parquet", tmp_path / "l.parquet"
    assert scn("run", str(model_file), "--all-scenarios", "--format", "parquet",
               "-o", str(wide)).returncode == 0
    assert scn("run", str(model_file), "--all-scenarios", "--format", "parquet", "--long",
               "-o", str(long)).returncode == 0
    w = pl.read_parquet(wide)
    assert w.columns == ["scenario", "year", "capex", "capex_growth", "share", "ratio"]
    assert w.schema["year"] == pl.Int64 and w.schema["capex"] == pl.Float64
    assert w.height == 6
    assert w.filter(pl.col("scenario") == "bull")["share"].to_list() == [0.4, 0.4, 0.4]
    assert w["capex_growth"].to_list()[0] is None  # an empty year is null
    assert math.isinf(w["ratio"].to_list()[1])
    lf = pl.read_parquet(long)
    assert lf.columns == ["scenario", "variable", "year", "value"] and lf.height == 24
    # the long layout is the wide one unpivoted
    again = (lf.pivot("variable", index=["scenario", "year"], values="value")
             .select(w.columns))
    assert again.equals(w)


def test_parquet_is_deterministic(model_file, tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for out in (a, b):
        assert scn("run", str(model_file), "--format", "parquet", "-o", str(out)).returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_the_csv_contract_is_untouched(tmp_path):
    out = tmp_path / "o.csv"
    assert scn("run", str(ROOT / "scenarios" / "ai_capex.scn"), "--all-scenarios", "--format",
               "csv", "-o", str(out)).returncode == 0
    assert out.read_bytes() == (ROOT / "tests" / "golden" / "ai_capex.csv").read_bytes()


@pytest.mark.parametrize("args, message", [
    (["--format", "parquet"], "parquet is binary: give a file with -o OUT.parquet"),
    (["--long"], "--long needs --format csv, json, md or parquet"),
    (["--format", "parquet", "-o", "/nonexistent/dir/x.parquet"], "cannot write"),
])
def test_export_errors(model_file, args, message):
    r = scn("run", str(model_file), *args)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
