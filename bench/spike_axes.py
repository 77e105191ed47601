"""Spike: how dimensioned variables sit in polars (100 vars x 1,000 members x 30 years).

Run: .venv/bin/python bench/spike_axes.py   (docs/architecture.md quotes it)


A: a frame per dim signature (rows = batch, member, year); a read across
   signatures (broadcast, selection, aggregate) is an explicit numpy step that
   adds the read as a helper column of the reading frame.
B: one long frame for everything (rows = batch, member, year); dimensionless
   variables repeat per member; aggregates are `sum().over(batch, year)`.
C: numpy arrays shaped (members, years): the reference.
"""
import time, random
import numpy as np, polars as pl

M, N, B = 1000, 30, 1
rng = random.Random(1)

# model: list of (name, dims, kind, args)
# kinds: input_dim, input_scalar, formula(reads list of (name, how)), recur(name, growth), agg(src)
import sys
SCALAR_EVERY = int(sys.argv[1]) if len(sys.argv) > 1 else 13  # every k-th formula is dimensionless
model = []
dimmed, scalar = [], []
for i in range(10):
    model.append((f"in{i}", True, "input", None)); dimmed.append(f"in{i}")
for i in range(5):
    model.append((f"s{i}", False, "input", None)); scalar.append(f"s{i}")
for i in range(5):
    g = rng.choice(dimmed)
    model.append((f"rec{i}", True, "recur", g)); dimmed.append(f"rec{i}")
n_formula = 0
while len(model) < 100:
    k = len(model)
    if k % 10 == 0:
        src = rng.choice(dimmed)
        model.append((f"agg{k}", False, "agg", src)); scalar.append(f"agg{k}")
    elif k % SCALAR_EVERY == 0:
        a, b = rng.choice(scalar), rng.choice(scalar)
        model.append((f"sf{k}", False, "formula", [(a, "same"), (b, "same")])); scalar.append(f"sf{k}")
    else:
        a, b = rng.sample(dimmed, 2)
        c = rng.choice(scalar)
        lag = rng.random() < 0.2
        model.append((f"f{k}", True, "formula", [(a, "same"), (b, "lag" if lag else "same"), (c, "same")]))
        dimmed.append(f"f{k}")

DIMS = {name: d for name, d, _, _ in model}
vals = {name: (np.linspace(1, 2, M)[:, None] * np.ones((1, N)) if d else np.linspace(1, 2, N)[None, :].repeat(1, 0))
        for name, d, kind, _ in model if kind == "input"}

def ref_numpy():
    out = {}
    for name, d, kind, args in model:
        if kind == "input":
            out[name] = vals[name] if d else vals[name][0]
        elif kind == "recur":
            g = out[args]
            x = np.empty((M, N)); x[:, 0] = 100.0
            for j in range(1, N):
                x[:, j] = x[:, j - 1] * (1 + g[:, j] * 0.01)
            out[name] = x
        elif kind == "agg":
            out[name] = out[args].sum(axis=0)
        else:
            vs = []
            for a, how in args:
                v = out[a]
                if how == "lag":
                    v = np.concatenate([v[..., :1], v[..., :-1]], axis=-1)
                vs.append(v)
            out[name] = vs[0] * 0.5 + vs[1] * 0.3 + (vs[2] if len(vs) > 2 else 1.0) * 0.2
    return out

def levels():
    lvl = {}
    for name, d, kind, args in model:
        if kind == "input": lvl[name] = 0
        elif kind in ("recur", "agg"): lvl[name] = lvl[args] + 1
        else: lvl[name] = 1 + max(lvl[a] for a, _ in args)
    out = {}
    for name, *_ in model:
        out.setdefault(lvl[name], []).append(name)
    return [out[k] for k in sorted(out)]

def approach_a():
    # frames: scalar frame rows=(batch,year), dim frame rows=(batch,member,year)
    yi = np.tile(np.arange(N), B)
    fs = pl.DataFrame({"#yi": yi})
    yd = np.tile(np.arange(N), B * M)
    fd = pl.DataFrame({"#yi": yd})
    spec = {n: (d, k, a) for n, d, k, a in model}
    bidx = np.tile(np.arange(N), B * M)  # dim row -> scalar row (B=1)
    for level in levels():
        es, ed, post_s, post_d = [], [], {}, {}
        for name in level:
            d, kind, args = spec[name]
            if kind == "input":
                arr = vals[name]
                (post_d if d else post_s)[name] = pl.Series(name, arr.reshape(-1) if d else arr[0])
            elif kind == "recur":
                g = fd[args].to_numpy().reshape(B * M, N)
                x = np.empty((B * M, N)); x[:, 0] = 100.0
                for j in range(1, N):
                    x[:, j] = x[:, j - 1] * (1 + g[:, j] * 0.01)
                post_d[name] = pl.Series(name, x.reshape(-1))
            elif kind == "agg":
                src = fd[args].to_numpy().reshape(B, M, N).sum(axis=1)
                post_s[name] = pl.Series(name, src.reshape(-1))
            else:
                cols = []
                for a, how in args:
                    if DIMS[a] == d:
                        c = pl.col(a)
                    else:  # broadcast a scalar into the dim frame: explicit import
                        hc = f"#b:{a}"
                        if hc not in fd.columns and hc not in post_d:
                            post_d[hc] = pl.Series(hc, fs[a].to_numpy()[bidx])
                        c = pl.col(hc)
                    if how == "lag":
                        c = pl.when(pl.col("#yi") == 0).then(c).otherwise(c.shift(1))
                    cols.append(c)
                e = (cols[0] * 0.5 + cols[1] * 0.3 + (cols[2] if len(cols) > 2 else 1.0) * 0.2).alias(name)
                (ed if d else es).append(e)
        # imports first (they belong to earlier levels), then expressions
        imp_d = [s for k, s in post_d.items() if k.startswith("#b:")]
        if imp_d: fd = fd.with_columns(imp_d)
        if es: fs = fs.with_columns(es)
        if ed: fd = fd.with_columns(ed)
        rest_s = [s for k, s in post_s.items()]
        rest_d = [s for k, s in post_d.items() if not k.startswith("#b:")]
        if rest_s: fs = fs.with_columns(rest_s)
        if rest_d: fd = fd.with_columns(rest_d)
    return fs, fd

def approach_b():
    yd = np.tile(np.arange(N), B * M)
    bd = np.repeat(np.arange(B), M * N)
    f = pl.DataFrame({"#yi": yd, "#b": bd})
    spec = {n: (d, k, a) for n, d, k, a in model}
    for level in levels():
        es, post = [], []
        for name in level:
            d, kind, args = spec[name]
            if kind == "input":
                arr = vals[name]
                full = arr.reshape(-1) if d else np.tile(arr[0], B * M)
                post.append(pl.Series(name, full))
            elif kind == "recur":
                g = f[args].to_numpy().reshape(B * M, N)
                x = np.empty((B * M, N)); x[:, 0] = 100.0
                for j in range(1, N):
                    x[:, j] = x[:, j - 1] * (1 + g[:, j] * 0.01)
                post.append(pl.Series(name, x.reshape(-1)))
            elif kind == "agg":
                es.append(pl.col(args).sum().over(["#b", "#yi"]).alias(name))
            else:
                cols = []
                for a, how in args:
                    c = pl.col(a)
                    if how == "lag":
                        c = pl.when(pl.col("#yi") == 0).then(c).otherwise(c.shift(1))
                    cols.append(c)
                es.append((cols[0] * 0.5 + cols[1] * 0.3 + (cols[2] if len(cols) > 2 else 1.0) * 0.2).alias(name))
        if post: f = f.with_columns(post)
        if es: f = f.with_columns(es)
    return f

def timeit(fn, k=15):
    ts = []
    for _ in range(k):
        t0 = time.perf_counter(); r = fn(); ts.append(time.perf_counter() - t0)
    return min(ts), sorted(ts)[len(ts)//2], r

ta, ma, (fs, fd) = timeit(approach_a)
tb, mb, f = timeit(approach_b)
tc, mc, ref = timeit(ref_numpy)
# agreement
for name, d, *_ in model:
    r = ref[name]
    a = (fd if d else fs)[name].to_numpy().reshape(M, N) if d else fs[name].to_numpy()
    bb = f[name].to_numpy().reshape(M, N)
    assert np.allclose(a, r), name
    assert np.allclose(bb if d else bb[0], r), name
cells = sum(M * N if d else N for _, d, *_ in model)
import os, platform
print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
print(f"model: 100 variables ({sum(DIMS.values())} by member), {M} members x {N} years: {cells:,} cells; levels {len(levels())}")
print(f"{'approach':58} {'min':>9} {'median':>9}")
print(f"{'A frame per dim signature, numpy steps across':58} {ta*1e3:8.1f}ms {ma*1e3:8.1f}ms")
print(f"{'B one long frame, scalars repeated, sum().over()':58} {tb*1e3:8.1f}ms {mb*1e3:8.1f}ms")
print(f"{'C numpy arrays (members, years): reference':58} {tc*1e3:8.1f}ms {mc*1e3:8.1f}ms")
print(f"ratio A/C {ta/tc:.1f}x, B/C {tb/tc:.1f}x, B/A {tb/ta:.1f}x")
