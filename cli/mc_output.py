"""`scn mc`'s output: statistics per row and period, drivers, and every sample.

Statistics (engine.montecarlo.Simulation), per output row (`capex[goog]` for
a member of a variable with dims) and period, in this order: `mean`, `sd`,
then the percentiles as `p5`, `p25`, `p50` ... (`p2.5` for a fraction).

- CSV, the contract: `variable,stat,2024,2025,...` (period labels on a
  quarterly or monthly axis; `scenario` first with --all-scenarios), a row
  per row and statistic, numbers in full precision, empty where no
  definition covers the cell.
- The table: per row, a line per statistic with one number format for the
  row (display.numbers, the variable's kind from display.kinds), then a fan:
  per period a small box on one scale for the whole row, `─` from the lowest
  to the highest percentile shown, `━` from p25 to p75, `┃` at the median.
- Markdown, JSON (`"scenarios": {name: {row: {stat: [...]}}}`) and Parquet
  (the CSV's columns, Float64).

Drivers (`--drivers CELL`): per target cell, the inputs ranked by first-order
share of variance, with their Spearman rank correlation (engine.mc_stats).
CSV: `target,rank,input,line,share,spearman` (`scenario` first with
--all-scenarios).

`--raw`: every sample in long form, `scenario, sample, variable, [a column
per dim], year (or period), value`.
"""

from __future__ import annotations

import json
import math

import numpy as np

from cli.columns import Columns
from cli.output import full_precision, json_value, number_column, time_column, time_series
from cli.render import aligned, md_cell, md_row, md_rule
from display.kinds import kinds
from display.numbers import RowFormat
from dsl.text import printable
from files.reading import UsageError

FAN_WIDTH = 9


def stat_names(percentiles) -> list[str]:
    return ["mean", "sd", *(f"p{p:g}" for p in percentiles)]


def _row_stats(sim, row) -> tuple[np.ndarray, np.ndarray]:
    """(stats x periods, defined periods) of one output row."""
    st = sim.stats[row.variable]
    c = sim.model.combo_index(row.variable, row.members) if row.members else 0
    values = np.vstack([st.mean[c], st.sd[c], st.percentiles[:, c, :]])
    return values, st.defined[c]


def _title(model, sim) -> str:
    s = model.scenarios[sim.scenario]
    label = f"scenario {sim.scenario}" + (f" ({s.title})" if s.title else "")
    return printable(f"{model.title or model.source}: {label}, {sim.samples:,} samples, "
                     f"seed {sim.seed}")


# ---------------------------------------------------------------- statistics


def to_csv(model, sims, rows, with_scenario: bool = False) -> str:
    import polars as pl

    cols = Columns.of(model)
    names = stat_names(sims[0].percentiles) if sims else []
    values, defined, labels, stats, scen = [], [], [], [], []
    for sim in sims:
        for row in rows:
            v, d = _row_stats(sim, row)
            values.append(v)
            defined.append(np.broadcast_to(d, v.shape))
            labels += [row.label] * len(names)
            stats += names
            scen += [sim.scenario] * len(names)
    n = len(cols)
    values = np.vstack(values) if values else np.empty((0, n))
    defined = np.vstack(defined) if defined else np.empty((0, n), dtype=bool)
    columns = []
    if with_scenario:
        columns.append(pl.Series("scenario", scen, dtype=pl.String))
    columns += [pl.Series("variable", labels, dtype=pl.String),
                pl.Series("stat", stats, dtype=pl.String)]
    values, defined = np.asfortranarray(values), np.asfortranarray(defined)
    for k, label in enumerate(cols.names):
        columns.append(number_column(values[:, k], defined[:, k], label))
    return pl.DataFrame(columns).write_csv(line_terminator="\n", quote_style="necessary")


def to_frame(model, sims, rows, with_scenario: bool = True):
    """The CSV's columns as a polars frame (Parquet), Float64, null where empty."""
    import polars as pl

    cols = Columns.of(model)
    names = stat_names(sims[0].percentiles)
    data: dict[str, list] = {"scenario": [], "variable": [], "stat": []}
    blocks = []
    for sim in sims:
        for row in rows:
            v, d = _row_stats(sim, row)
            blocks.append(np.where(d, v, np.nan))
            data["scenario"] += [sim.scenario] * len(names)
            data["variable"] += [row.label] * len(names)
            data["stat"] += names
    grid = np.vstack(blocks) if blocks else np.empty((0, len(cols)))
    defined = np.vstack([np.broadcast_to(_row_stats(s, r)[1], (len(names), len(cols)))
                         for s in sims for r in rows]) if blocks else grid.astype(bool)
    frame = {k: pl.Series(k, v, dtype=pl.String) for k, v in data.items()}
    for k, label in enumerate(cols.names):
        column = pl.Series(label, grid[:, k])
        gone = np.flatnonzero(~defined[:, k])
        frame[label] = column.scatter(gone, None) if len(gone) else column
    return pl.DataFrame(frame)


def fan(percentiles, pct: np.ndarray, defined: np.ndarray, width: int = FAN_WIDTH) -> list[str]:
    """Per period a box on one scale for the row (see the module docstring)."""
    ps = list(percentiles)
    lo_all, hi_all = pct[0][defined], pct[-1][defined]
    finite = np.isfinite(lo_all) & np.isfinite(hi_all)
    if not finite.any():
        return ["" for _ in defined]
    bottom, top = float(lo_all[finite].min()), float(hi_all[finite].max())
    span = top - bottom

    def pos(x: float) -> int:
        if span <= 0:
            return (width - 1) // 2
        return min(width - 1, max(0, int(round((x - bottom) / span * (width - 1)))))

    inner = (ps.index(25.0), ps.index(75.0)) if 25.0 in ps and 75.0 in ps else None
    median = ps.index(50.0) if 50.0 in ps else None
    out = []
    for i, ok in enumerate(defined):
        lo, hi = pct[0][i], pct[-1][i]
        if not ok or not (math.isfinite(lo) and math.isfinite(hi)):
            out.append("")
            continue
        cells = [" "] * width
        for j in range(pos(lo), pos(hi) + 1):
            cells[j] = "─"
        if inner is not None:
            for j in range(pos(pct[inner[0]][i]), pos(pct[inner[1]][i]) + 1):
                cells[j] = "━"
        if median is not None:
            cells[pos(pct[median][i])] = "┃"
        out.append("".join(cells))
    return out


def _format(values: np.ndarray, defined: np.ndarray, kind: str) -> RowFormat:
    """One number format for every statistic of a row (its defined periods)."""
    return RowFormat(values[:, defined].reshape(-1).tolist(), kind)


def to_table(model, sims, rows, with_scenario: bool = False) -> str:
    cols = Columns.of(model)
    kind = kinds(model)
    out = []
    for sim in sims:
        names = stat_names(sim.percentiles)
        band = f"p{sim.percentiles[0]:g}-p{sim.percentiles[-1]:g}"
        grid: list[list[str]] = [["", *cols.headers]]
        for row in rows:
            values, defined = _row_stats(sim, row)
            fmt = _format(values, defined, kind[row.variable])
            grid.append([row.label] + [""] * len(cols))
            for name, line in zip(names, values):
                grid.append(["  " + name] + [fmt(float(x)) if d else ""
                                             for x, d in zip(line.tolist(), defined.tolist())])
            if len(sim.percentiles) >= 2:
                grid.append(["  " + band, *fan(sim.percentiles, values[2:], defined)])
        out += [_title(model, sim), *aligned(grid), ""]
    return "\n".join(out)


def to_markdown(model, sims, rows, with_scenario: bool = False) -> str:
    cols = Columns.of(model)
    kind = kinds(model)
    out = []
    for sim in sims:
        out += [f"## {md_cell(_title(model, sim))}", "",
                md_row(["variable", "stat", *cols.headers]), md_rule("ll" + "r" * len(cols))]
        for row in rows:
            values, defined = _row_stats(sim, row)
            fmt = _format(values, defined, kind[row.variable])
            for name, line in zip(stat_names(sim.percentiles), values):
                out.append(md_row([md_cell(row.label), name] + [
                    fmt(float(x)) if d else "" for x, d in zip(line.tolist(), defined.tolist())]))
        out.append("")
    return "\n".join(out)


def _axis_fields(model) -> dict:
    cols = Columns.of(model)
    if cols.yearly:
        return {"years": list(cols.keys)}
    return {"unit": cols.unit, "periods": list(cols.keys)}


def to_json(model, sims, rows, with_scenario: bool = False) -> str:
    """`{"model", "samples", "seed", "percentiles", years or periods, "scenarios":
    {name: {"percentile_samples", "rows": {row: {stat: [values]}}}}}`; null where
    empty, "nan"/"inf" as strings."""
    doc: dict = {"model": model.title, "samples": sims[0].samples, "seed": sims[0].seed,
                 "percentiles": list(sims[0].percentiles), **_axis_fields(model)}
    if model.dims:
        doc["dims"] = {d.name: list(d.members) for d in model.dims.values()}
    scenarios = {}
    for sim in sims:
        names = stat_names(sim.percentiles)
        by_row = {}
        for row in rows:
            values, defined = _row_stats(sim, row)
            by_row[row.label] = {
                name: [json_value(float(x)) if d else None
                       for x, d in zip(line.tolist(), defined.tolist())]
                for name, line in zip(names, values)}
        scenarios[sim.scenario] = {"percentile_samples": sim.percentile_samples, "rows": by_row}
    doc["scenarios"] = scenarios
    return json.dumps(doc, indent=2) + "\n"


RENDERERS = {"table": to_table, "csv": to_csv, "md": to_markdown, "json": to_json,
             "parquet": to_frame}


# ---------------------------------------------------------------- drivers


def _target_label(model, t) -> str:
    return model.label(t.variable, t.members + (model.labels[t.period],))


def _driver_rows(model, sims, targets):
    """(scenario, target label, rank, driver) in output order."""
    for sim in sims:
        for t in targets:
            for k, d in enumerate(sim.drivers[t].rows, 1):
                yield sim, t, k, d


def drivers_csv(model, sims, targets, with_scenario: bool = False) -> str:
    head = (["scenario"] if with_scenario else []) + ["target", "rank", "input", "line",
                                                       "share", "spearman"]
    lines = [",".join(head)]
    for sim, t, k, d in _driver_rows(model, sims, targets):
        cells = ([sim.scenario] if with_scenario else []) + [
            _target_label(model, t), str(k), d.label, str(d.line),
            full_precision(d.share), full_precision(d.spearman)]
        lines.append(",".join(_csv_cell(c) for c in cells))
    return "\n".join(lines) + "\n"


def _csv_cell(text: str) -> str:
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _share(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x * 100:.1f}%"


def _rho(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:+.2f}"


def drivers_table(model, sims, targets, with_scenario: bool = False) -> str:
    kind = kinds(model)
    out = []
    for sim in sims:
        out.append(_title(model, sim))
        for t in targets:
            dr = sim.drivers[t]
            st = sim.stats[t.variable]
            c = model.combo_index(t.variable, t.members) if t.members else 0
            mean, sd = float(st.mean[c, t.period]), dr.spread
            fmt = RowFormat([mean, sd], kind[t.variable])
            out.append(f"drivers of {_target_label(model, t)}: mean {fmt(mean)}, sd {fmt(sd)} "
                       f"(share: first-order, {dr.classes} classes)")
            grid = [["rank", "input", "line", "share of variance", "spearman"]]
            for k, d in enumerate(dr.rows, 1):
                grid.append([str(k), printable(d.label), str(d.line), _share(d.share),
                             _rho(d.spearman)])
            if not dr.rows:
                grid.append(["", "(no distribution in this scenario)", "", "", ""])
            out += aligned(grid, left=(1,), indent="  ")
        out.append("")
    return "\n".join(out)


def drivers_markdown(model, sims, targets, with_scenario: bool = False) -> str:
    out = []
    for sim in sims:
        for t in targets:
            out += [f"## {md_cell(_title(model, sim))}: drivers of {_target_label(model, t)}", "",
                    md_row(["rank", "input", "line", "share of variance", "spearman"]),
                    md_rule("rlrrr")]
            for k, d in enumerate(sim.drivers[t].rows, 1):
                out.append(md_row([str(k), md_cell(d.label), str(d.line), _share(d.share),
                                   _rho(d.spearman)]))
            out.append("")
    return "\n".join(out)


def drivers_json(model, sims, targets, with_scenario: bool = False) -> str:
    doc = {"model": model.title, "samples": sims[0].samples, "seed": sims[0].seed,
           "scenarios": {sim.scenario: {_target_label(model, t): {
               "sd": json_value(sim.drivers[t].spread), "classes": sim.drivers[t].classes,
               "drivers": [{"input": d.label, "line": d.line, "share": json_value(d.share),
                            "spearman": json_value(d.spearman)}
                           for d in sim.drivers[t].rows]} for t in targets}
               for sim in sims}}
    return json.dumps(doc, indent=2) + "\n"


def drivers_frame(model, sims, targets, with_scenario: bool = True):
    import polars as pl

    rows = list(_driver_rows(model, sims, targets))
    return pl.DataFrame({
        "scenario": pl.Series([s.scenario for s, _, _, _ in rows], dtype=pl.String),
        "target": pl.Series([_target_label(model, t) for _, t, _, _ in rows], dtype=pl.String),
        "rank": pl.Series([k for _, _, k, _ in rows], dtype=pl.Int64),
        "input": pl.Series([d.label for _, _, _, d in rows], dtype=pl.String),
        "line": pl.Series([d.line for _, _, _, d in rows], dtype=pl.Int64),
        "share": pl.Series([d.share for _, _, _, d in rows], dtype=pl.Float64),
        "spearman": pl.Series([d.spearman for _, _, _, d in rows], dtype=pl.Float64)})


DRIVER_RENDERERS = {"table": drivers_table, "csv": drivers_csv, "md": drivers_markdown,
                    "json": drivers_json, "parquet": drivers_frame}


# ---------------------------------------------------------------- every sample

RAW_FIXED = ("scenario", "sample", "variable", "value")


def refuse_raw_clash(model) -> None:
    taken = set(RAW_FIXED) | {time_column(model)}
    for d in model.dims:
        if d in taken:
            raise UsageError(f"--raw: the dim '{d}' clashes with the {d} column of the raw "
                             "layout")


def raw_frame(sims, rows):
    """Every sample of the rows, long: scenario, sample, variable, dims, period, value."""
    import polars as pl

    model = sims[0].model
    cols = Columns.of(model)
    n = len(cols)
    parts = []
    for sim in sims:
        s = sim.samples
        for row in rows:
            c = model.combo_index(row.variable, row.members) if row.members else 0
            values = sim.kept[row.variable][:, c, :].reshape(-1)
            defined = np.tile(sim.stats[row.variable].defined[c], s)
            data = {"scenario": pl.Series("scenario", [sim.scenario], dtype=pl.String)
                    .extend_constant(sim.scenario, s * n - 1),
                    "sample": pl.Series("sample", np.repeat(np.arange(s, dtype=np.int64), n)),
                    "variable": pl.Series("variable", [row.variable], dtype=pl.String)
                    .extend_constant(row.variable, s * n - 1)}
            sig = model.dims_of_var(row.variable)
            for d in model.dims:
                member = row.members[sig.index(d)] if d in sig else None
                data[d] = pl.Series(d, [member], dtype=pl.String).extend_constant(
                    member, s * n - 1)
            data[cols.time] = time_series(cols, 1, s)
            column = pl.Series("value", values)
            gone = np.flatnonzero(~defined)
            data["value"] = column.scatter(gone, None) if len(gone) else column
            parts.append(pl.DataFrame(data))
    return pl.concat(parts, how="vertical") if parts else pl.DataFrame()
