"""Measuring one kernel on one backend and dtype: grid, oracle, metric, contract.

:func:`measure` returns a :class:`Measurement` with the maximum and median ULP
error over every finite grid point outside root windows, the same per region
(far negative tail x < -40, the core [-40, 40], far positive tail x > 40), the
root windows apart (absolute error in units of ulp(1)), non-finite mismatches,
special-value failures, warnings, errors, a histogram and the worst point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from symact.define.model import X
from symact.verify import backends
from symact.verify import cache
from symact.verify import contract
from symact.verify import grid
from symact.verify import oracle
from symact.verify import vector_oracle
from symact.verify import params as param_data
from symact.verify.profile import Profile
from symact.verify.kernels import Kernel
from symact.verify.metric import (BIAS_LIMIT_ULP, BIAS_MIN_POINTS, BUDGET_ULP, NONFINITE, Format, abs_errors_in_eps,
                     signed_ulp_errors, ulp_errors)

#: Histogram bin edges in ULP (the last bin is open; non-finite counted apart).
HIST_EDGES = (0.0, 0.5, 1.0, 2.0, 4.0, 16.0, 256.0, 65536.0)

#: Interior roots are searched on this interval (the dense grid's).
ROOT_INTERVAL = (-40, 40)


def hist_labels() -> list[str]:
    e = HIST_EDGES
    return [f"<={e[1]:g}"] + [f"({a:g},{b:g}]" for a, b in zip(e[1:-1], e[2:])] + [f">{e[-1]:g}"]


@dataclass
class Stat:
    """Max and median ULP over a set of points, with where the max is."""

    n: int = 0
    max: float = 0.0
    median: float = 0.0
    worst_x: float | None = None
    worst_params: dict | None = None
    #: sum and count of signed errors where the exact value is nonzero (for the bias)
    signed_sum: float = 0.0
    signed_n: int = 0

    @property
    def bias(self) -> float:
        return self.signed_sum / self.signed_n if self.signed_n else 0.0

    @property
    def biased(self) -> bool:
        return self.signed_n >= BIAS_MIN_POINTS and abs(self.bias) > BIAS_LIMIT_ULP

    def update(self, errs: np.ndarray, xs: np.ndarray, params: dict, medians: list):
        if errs.size == 0:
            return
        self.n += int(errs.size)
        k = int(np.argmax(errs))
        if errs[k] > self.max or self.worst_x is None:
            self.max, self.worst_x, self.worst_params = float(errs[k]), float(xs[k]), dict(params)
        medians.append(errs)

    def as_dict(self):
        def num(v):
            if v is None or isinstance(v, str):
                return v
            return float(v) if np.isfinite(v) else "inf"
        return {"n": self.n, "max_ulp": num(self.max), "median_ulp": num(self.median),
                "bias_ulp": round(self.bias, 4), "worst_x": num(self.worst_x), "worst_params": self.worst_params}


@dataclass
class Measurement:
    function: str
    entry: str
    backend: str
    dtype: str
    points: int = 0
    overall: Stat = field(default_factory=Stat)
    regions: dict = field(default_factory=dict)
    roots: dict = field(default_factory=lambda: {"roots": [], "n": 0, "max_abs_eps": 0.0, "worst_x": None})
    nonfinite: list = field(default_factory=list)  # [(x, params, computed, expected)]
    nonfinite_count: int = 0
    special: list = field(default_factory=list)  # failures
    special_checked: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    unresolved: int = 0
    #: why the oracle left points unresolved, with an example point: {reason: x}
    unresolved_reasons: dict = field(default_factory=dict)
    #: where the definition is real, inferred from the grid ("" when everywhere)
    domain: str = ""
    #: points outside the domain where the kernel did not return nan: [(x, params, computed)]
    outside_domain: list = field(default_factory=list)
    histogram: list = field(default_factory=lambda: [0] * (len(HIST_EDGES)))
    seconds: float = 0.0
    #: the worst error per stretch of the x axis (:mod:`.profile`), for the plots
    profile: Profile = field(default_factory=Profile, repr=False)

    @property
    def max_ulp(self) -> float:
        return self.overall.max

    @property
    def biased_regions(self) -> list[str]:
        return [name for name, st in self.regions.items() if st.biased]

    @property
    def ok(self) -> bool:
        return (not self.errors and not self.warnings and not self.special and self.nonfinite_count == 0
                and not self.biased_regions and not self.unresolved and not self.outside_domain
                and self.overall.max <= BUDGET_ULP and self.roots["max_abs_eps"] <= BUDGET_ULP
                and self.points > 0)

    @property
    def within_1ulp(self) -> bool:
        return self.ok and self.overall.max <= 1.0

    def problems(self) -> list[str]:
        """Human-readable reasons this kernel fails (empty when ok)."""
        out = list(self.errors)
        if self.overall.max > BUDGET_ULP:
            s = self.overall
            out.append(f"max {fmt_ulp(s.max)} ULP at {where(s.worst_x, s.worst_params)}")
        if self.roots["max_abs_eps"] > BUDGET_ULP:
            out.append(f"root window: {fmt_ulp(self.roots['max_abs_eps'])} ulp(1) at x={self.roots['worst_x']!r}")
        for name in self.biased_regions:
            out.append(f"systematic error in {name}: mean {self.regions[name].bias:+.2f} ULP")
        if self.nonfinite_count:
            x, p, c, e = self.nonfinite[0]
            out.append(f"{self.nonfinite_count} non-finite mismatches, e.g. x={x!r}{_pstr(p)}: {c!r} (exact {e})")
        for s in self.special[:3]:
            out.append(f"special x={s['x']}{_pstr(s['params'])}: got {s['computed']}, want {s['expected']}")
        if self.warnings:
            out.append(f"warnings: {self.warnings[0]}")
        if self.unresolved:
            why = "; ".join(f"{r} (e.g. x={x!r})" for r, x in self.unresolved_reasons.items())
            out.append(f"the oracle could not evaluate {self.unresolved} points: {why}")
        if self.outside_domain:
            x, p, c = self.outside_domain[0]
            out.append(f"{len(self.outside_domain)} points outside the domain {self.domain} are not nan, "
                       f"e.g. x={x!r}{_pstr(p)}: {c!r}")
        return out

    def as_dict(self) -> dict:
        return {
            "function": self.function, "entry": self.entry, "backend": self.backend, "dtype": self.dtype,
            "ok": self.ok, "within_1ulp": self.within_1ulp, "points": self.points,
            **{k: v for k, v in self.overall.as_dict().items() if k != "n"},
            "regions": {k: v.as_dict() for k, v in self.regions.items()},
            "roots": _jsonable(self.roots),
            "nonfinite": self.nonfinite_count,
            "nonfinite_examples": [_jsonable({"x": x, "params": p, "computed": c, "exact": e})
                                   for x, p, c, e in self.nonfinite[:5]],
            "special_checked": self.special_checked, "special_failures": _jsonable(self.special),
            "warnings": self.warnings[:5], "errors": self.errors, "unresolved": self.unresolved,
            "unresolved_reasons": _jsonable(self.unresolved_reasons), "domain": self.domain,
            "outside_domain": len(self.outside_domain),
            "histogram": dict(zip(hist_labels() + ["nonfinite"], self.histogram + [self.nonfinite_count])),
            "seconds": round(self.seconds, 3), "problems": self.problems(),
        }


def _pstr(p) -> str:
    return f" ({', '.join(f'{k}={v}' for k, v in p.items())})" if p else ""


def fmt_ulp(v: float) -> str:
    if v is None:
        return "-"
    if not np.isfinite(v):
        return "inf"
    if 0 < v < 1e-3:
        return "<0.001"
    return f"{v:.3g}" if v < 1e4 else f"{v:.2e}"


def where(x, params) -> str:
    """'x=...' for a scalar point, the row and entry for a vector kernel."""
    if params and "row" in params:
        return f"row '{params['row']}' entry {int(x)}"
    return f"x={x!r}{_pstr(params)}"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if np.isfinite(v) else repr(v)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# --- grids, roots and limits (cached) ------------------------------------------------

_GRIDS: dict = {}


def _scales(params: dict) -> tuple:
    return tuple(abs(float(v)) for v in params.values() if v not in (0, 0.0))


def scalar_points(kernel: Kernel, params: dict, f: Format, roots, dense: int = 0) -> np.ndarray:
    """Grid for one kernel and parameter set: base grid + kinks + root neighbourhoods
    (+ the dense scan of ``dense`` random bit patterns and as many floats of [-50, 50])."""
    key = (f.name, tuple(sorted(params.items())))
    if key not in _GRIDS:
        if params:
            _GRIDS[key] = grid.base_points(f, scales=_scales(params), log_n=param_data.EXTRA_LOG_N,
                                           linear_n=param_data.EXTRA_LINEAR_N)
        else:
            _GRIDS[key] = grid.base_points(f)
    extra = [grid.neighbours(kernel.kinks(params), f.dtype), grid.root_points(roots, f.dtype)]
    if dense:
        extra.append(grid.dense_points(f, dense))
    pts = np.concatenate([_GRIDS[key], *extra])
    pts = pts[np.isfinite(pts)]
    return np.unique(np.where(pts == 0, f.dtype(0), pts))


def interior_roots(expr: sp.Expr) -> list[float]:
    """Sign-changing roots of ``expr`` on [-40, 40] (``symact.proof.roots.real_roots``), cached."""
    k = cache.key(oracle.SCALAR_VERSION, "roots", sp.srepr(expr))
    hit = cache.load(k)
    if hit is not None:
        return [float(v) for v in hit["roots"]]
    try:
        from symact.proof.roots import real_roots
        roots = [float(r) for r in real_roots(expr, X, *ROOT_INTERVAL, digits=20)]
    except Exception:  # noqa: BLE001 - e.g. a jump (heaviside) is a sign change but no root
        roots = []
    cache.store(k, {"roots": np.asarray(roots, dtype=np.float64)})
    return roots


def special_expectations(expr: sp.Expr, f: Format) -> dict:
    """Exact expected values at the special inputs (mpf), cached."""
    k = cache.key(oracle.SCALAR_VERSION, oracle.LIMITS_VERSION, "special", sp.srepr(expr), f.name)
    hit = cache.load(k)
    if hit is not None:
        return {lab: mpmath.mpf(str(v)) for lab, v in zip(hit["labels"], hit["values"])}
    out = {"+0": oracle.value_at_zero(expr, 1, f), "-0": oracle.value_at_zero(expr, -1, f),
           "+inf": oracle.limit_at_infinity(expr, 1, f), "-inf": oracle.limit_at_infinity(expr, -1, f),
           "nan": mpmath.mpf("nan")}
    with mpmath.workdps(60):
        cache.store(k, {"labels": np.array(list(out)), "values": np.array([mpmath.nstr(v, 50) for v in out.values()])})
    return out


# --- measurement -----------------------------------------------------------------------

def _check_output(m: Measurement, out, err, warns, shape, f: Format, what: str) -> bool:
    if err:
        m.errors.append(f"{what}: {err}")
        return False
    if warns:
        m.warnings += [f"{what}: {w}" for w in warns[:2]]
    if out.dtype != f.dtype:
        m.errors.append(f"{what}: returned {out.dtype}, expected {f.name}")
        return False
    if out.shape != shape:
        m.errors.append(f"{what}: returned shape {out.shape}, expected {shape}")
        return False
    return True


def _accumulate(m: Measurement, errs, xs, params, regions, medians, region_medians, signed=None):
    m.overall.update(errs, xs, params, medians)
    for name in np.unique(regions):
        sel = regions == name
        st = m.regions.setdefault(str(name), Stat())
        st.update(errs[sel], xs[sel], params, region_medians.setdefault(str(name), []))
        if signed is not None:
            sg = signed[sel]
            sg = sg[np.isfinite(sg)]
            st.signed_sum += float(sg.sum())
            st.signed_n += int(sg.size)
    finite = errs[np.isfinite(errs)]
    idx = np.searchsorted(np.asarray(HIST_EDGES[1:]), finite, side="left")
    for i in idx:
        m.histogram[int(i)] += 1


def _finish(m: Measurement, medians, region_medians):
    if medians:
        m.overall.median = float(np.median(np.concatenate(medians)))
    for name, parts in region_medians.items():
        if parts:
            m.regions[name].median = float(np.median(np.concatenate(parts)))


def measure_scalar(kernel: Kernel, module, backend: str, f: Format, *, use_cache=True,
                   dense: int = 0) -> Measurement:
    m = Measurement(kernel.function, kernel.entry, backend, f.name)
    medians, region_medians = [], {}
    for params in kernel.param_sets:
        expr = kernel.expr(params)
        roots = interior_roots(expr)
        m.roots["roots"] = sorted(set(m.roots["roots"]) | {r for r in roots if r != 0})
        pts = scalar_points(kernel, params, f, roots, dense)
        exact = oracle.scalar_exact(expr, pts, f, use_cache=use_cache)
        out, warns, err = backends.call(module, kernel.function, pts.astype(f.dtype), **params)
        if not _check_output(m, out, err, warns, pts.shape, f, f"grid{_pstr(params)}"):
            continue
        resolved = exact.status == oracle.OK
        _check_domain(m, pts, out, exact.status, params)
        errs = ulp_errors(out, exact.hi, exact.spacing, exact.frac)
        window = grid.in_root_window(pts, roots) & resolved
        if window.any():
            abs_err = abs_errors_in_eps(out[window], exact.approx[window], f)
            m.roots["n"] += int(window.sum())
            k = int(np.argmax(abs_err))
            if abs_err[k] >= m.roots["max_abs_eps"]:
                m.roots["max_abs_eps"], m.roots["worst_x"] = float(abs_err[k]), float(pts[window][k])
        use = resolved & ~window
        m.profile.add(pts[use], errs[use], f.dtype)
        bad = use & (errs == NONFINITE)
        m.nonfinite_count += int(bad.sum())
        for i in np.flatnonzero(bad)[:3]:
            m.nonfinite.append((float(pts[i]), dict(params), float(out[i]), float(exact.approx[i])))
        good = use & ~bad
        m.points += int(use.sum())
        signed = signed_ulp_errors(out, exact.hi, exact.spacing, exact.frac)
        signed = np.where(exact.hi[good] != 0, signed[good], np.nan)
        _accumulate(m, errs[good], pts[good], params, grid.region_of(pts[good]), medians, region_medians,
                    signed)
        _measure_special(m, kernel, module, expr, params, f)
    _finish(m, medians, region_medians)
    return m


def domain_text(points: np.ndarray, defined: np.ndarray) -> str:
    """The runs of ``points`` (sorted) where ``defined`` holds, as intervals; the ends of
    the grid read as +-inf.  "" when every point is defined."""
    if defined.all():
        return ""
    if not defined.any():
        return "nowhere on the grid"
    runs, start = [], None
    for i, ok in enumerate(defined):
        if ok and start is None:
            start = i
        if start is not None and (not ok or i == defined.size - 1):
            end = i if ok else i - 1
            lo = "-inf" if start == 0 else f"{points[start]:.6g}"
            hi = "inf" if end == defined.size - 1 else f"{points[end]:.6g}"
            runs.append(f"{'(' if lo == '-inf' else '['}{lo}, {hi}{')' if hi == 'inf' else ']'}")
            start = None
    return " u ".join(runs)


def _check_domain(m: Measurement, pts, out, status, params):
    """Unresolved points (with their reasons) and the domain: where the definition has
    no real value the kernel must return nan."""
    for st, reason in oracle.REASONS.items():
        sel = status == st
        if sel.any():
            m.unresolved += int(sel.sum())
            m.unresolved_reasons.setdefault(reason, float(pts[sel][0]))
    undefined = status == oracle.UNDEFINED
    if undefined.any():
        order = np.argsort(pts)
        m.domain = domain_text(pts[order], ~undefined[order])
        # x = 0 is judged by the special values (a pole's one-sided limit: 1/(+-0) = +-inf)
        wrong = undefined & (pts != 0) & ~np.isnan(out.astype(np.float64))
        m.outside_domain += [(float(pts[i]), dict(params), float(out[i])) for i in np.flatnonzero(wrong)]


def _measure_special(m: Measurement, kernel: Kernel, module, expr, params, f: Format):
    want = special_expectations(expr, f)
    xs = np.array([v for _, v in grid.SPECIAL], dtype=f.dtype)
    out, warns, err = backends.call(module, kernel.function, xs, **params)
    if not _check_output(m, out, err, warns, xs.shape, f, f"special values{_pstr(params)}"):
        return
    stat = m.regions.setdefault("special", Stat())
    for (label, _), c in zip(grid.SPECIAL, out):
        ok, expected, ulp = contract.judge(c, want[label], f)
        m.special_checked += 1
        stat.n += 1
        if np.isfinite(ulp) and ulp > stat.max:
            stat.max, stat.worst_x, stat.worst_params = ulp, label, dict(params)
        if not ok:
            m.special.append({"x": label, "params": dict(params), "computed": repr(float(c)), "expected": expected})


def measure_vector(kernel: Kernel, module, backend: str, f: Format, *, use_cache=True) -> Measurement:
    m = Measurement(kernel.function, kernel.entry, backend, f.name)
    rows = grid.vector_rows(f)
    regular = [r for r in rows if not grid.row_is_special(r)]
    exact = vector_oracle.vector_exact(kernel.function, regular, f, use_cache=use_cache)
    medians, region_medians = [], {}
    vjp = kernel.function.endswith("_vjp")
    for r, ex in zip(regular, exact):
        args = (r.x.reshape(1, -1), r.g.reshape(1, -1)) if vjp else (r.x.reshape(1, -1),)
        shape = (1,) if kernel.function == "logsumexp" else (1, r.x.size)
        out, warns, err = backends.call(module, kernel.function, *args, axis=-1)
        if not _check_output(m, out, err, warns, shape, f, r.label):
            continue
        out = out.reshape(-1)
        errs = ulp_errors(out, ex.hi, ex.spacing, ex.frac)
        resolved = ex.status == oracle.OK
        if (~resolved).any():
            m.unresolved += int((~resolved).sum())
            m.unresolved_reasons.setdefault(oracle.REASONS[oracle.UNRESOLVED], r.label)
        bad = resolved & (errs == NONFINITE)
        # plotted against the entry's x (logsumexp, one value per row: the row's largest)
        xs = r.x.reshape(-1) if out.size == r.x.size else np.full(out.size, np.max(r.x))
        m.profile.add(xs[resolved], errs[resolved], f.dtype)
        m.nonfinite_count += int(bad.sum())
        for i in np.flatnonzero(bad)[:2]:
            m.nonfinite.append((r.label, {}, float(out[i]), float(ex.approx[i])))
        good = resolved & ~bad
        m.points += int(good.sum())
        pos = np.arange(out.size, dtype=np.float64)[good]
        _accumulate(m, errs[good], pos, {"row": r.label}, np.full(pos.shape, "rows"), medians, region_medians)
    stat = m.regions.setdefault("special", Stat())
    for r in rows:
        if not grid.row_is_special(r):
            continue
        args = (r.x.reshape(1, -1), r.g.reshape(1, -1)) if vjp else (r.x.reshape(1, -1),)
        shape = (1,) if kernel.function == "logsumexp" else (1, r.x.size)
        out, warns, err = backends.call(module, kernel.function, *args, axis=-1)
        if not _check_output(m, out, err, warns, shape, f, r.label):
            continue
        for i, (c, w) in enumerate(zip(out.reshape(-1), contract.vector_expected(kernel.function, r.x, r.g))):
            ok, expected, ulp = contract.judge(c, w, f)
            m.special_checked += 1
            stat.n += 1
            if not ok:
                m.special.append({"x": f"{r.label}[{i}]", "params": {}, "computed": repr(float(c)),
                                  "expected": expected})
    _finish(m, medians, region_medians)
    return m


def measure(kernel: Kernel, module, backend: str, f: Format, *, use_cache=True, dense: int = 0) -> Measurement:
    """Measure ``kernel`` from ``module`` (a loaded backend) in format ``f`` (with the
    dense scan of :func:`symact.verify.grid.dense_points` when ``dense`` > 0)."""
    import time
    t0 = time.perf_counter()
    if not callable(getattr(module, kernel.function, None)):
        m = Measurement(kernel.function, kernel.entry, backend, f.name)
        m.errors.append(f"{kernel.function} is missing from the {backend} backend")
        return m
    if kernel.vector:
        m = measure_vector(kernel, module, backend, f, use_cache=use_cache)
    else:
        m = measure_scalar(kernel, module, backend, f, use_cache=use_cache, dense=dense)
    m.seconds = time.perf_counter() - t0
    return m


def dumps(obj) -> str:
    return json.dumps(_jsonable(obj), indent=2)
