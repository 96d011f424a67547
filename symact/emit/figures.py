"""The catalogue's figures, as :mod:`symact.emit.plot` panels: each activation and its
derivative on [-5, 5] beside ReLU, and the measured error against x per kernel family.

Curves are sampled from the definitions themselves (the catalogue entry at its
default parameters and its ``sympy.diff`` derivative with the kink convention,
:func:`symact.derive.grad`), evaluated with mpmath, so they are the same on
every machine.  Each branch of a piecewise definition is drawn on its own
interval (:func:`symact.proof.branches.branches`), so a jump is a gap with a
dot at the value the definition takes there, never a vertical line.  A vector
activation is drawn on the row (x, 0): logsumexp(x, 0), the first entry of
softmax(x, 0), and its partial derivative in x.

Error plots read recorded profiles (:mod:`symact.verify.profile`): per bin of
the dtype's x axis, the largest error, drawn as steps; bins without points are
gaps, non-finite mismatches are crosses at the top.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from symact import derive
from symact.define.model import X, vector_symbols
from symact.emit.plot import GREY, PALETTE, RED, Panel, Series, figure, nice_ticks, tick_label
from symact.proof.branches import branches

#: The interval the function plots show.
LO, HI = -5, 5
#: Samples per unit of x on each branch.
PER_UNIT = 20

_MEMO: dict = {}


def _evaluator(formula):
    fn = sp.lambdify(X, formula, modules="mpmath")

    def at(x: float):
        with mpmath.workdps(30):
            try:
                v = fn(mpmath.mpf(x))
            except (ZeroDivisionError, ValueError, OverflowError):
                return None
            if isinstance(v, mpmath.mpc):
                if v.imag != 0:
                    return None
                v = v.real
            v = float(v)
        return v if math.isfinite(v) else None
    return at


def curve(expr, lo: float = LO, hi: float = HI) -> tuple[list, list]:
    """``(segments, dots)`` of ``expr`` (in x alone) on [lo, hi]: one segment per branch,
    sampled at multiples of 1/PER_UNIT and at the branch ends; a dot at each point
    where the one-sided values differ (the value the definition takes there)."""
    key = (sp.srepr(expr), lo, hi)
    if key in _MEMO:
        return _MEMO[key]
    pieces = branches(expr, X)
    segments, dots = [], []
    for k, piece in enumerate(pieces):
        if piece.is_point:
            p = float(piece.lo)
            if not lo < p < hi:
                continue
            value = _evaluator(piece.formula)(p)
            left = _evaluator(pieces[k - 1].formula)(p)
            right = _evaluator(pieces[k + 1].formula)(p)
            if value is not None and (left is None or right is None
                                      or not math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12)):
                dots.append((p, value))
            continue
        a = lo if piece.lo is sp.S.NegativeInfinity else max(lo, float(piece.lo))
        b = hi if piece.hi is sp.oo else min(hi, float(piece.hi))
        if a >= b:
            continue
        at = _evaluator(piece.formula)
        xs = [a] + [i / PER_UNIT for i in range(math.floor(a * PER_UNIT) + 1, math.ceil(b * PER_UNIT))] + [b]
        seg = [(x, v) for x in xs if (v := at(x)) is not None]
        if seg:
            segments.append(seg)
    _MEMO[key] = (segments, dots)
    return segments, dots


def plotted(entry) -> tuple[sp.Expr, sp.Expr, str]:
    """(f, f', how it is plotted) in x alone, at the default parameters."""
    if entry.vector:
        x1, x2 = vector_symbols(2)
        f = entry.instantiate(2)[0].subs(x2, 0)
        d = sp.diff(f, x1)
        what = f"{entry.name}(x, 0)" + ("" if entry.output == "scalar" else "[1]")
        return f.subs(x1, X), d.subs(x1, X), what
    return entry.instantiate({}), derive.grad(entry, {}), f"{entry.name}(x)"


def _y_range(series) -> tuple[float, float]:
    ys = [y for s in series for seg in s.segments for _, y in seg] + [y for s in series for _, y in s.dots]
    lo, hi = min(ys), max(ys)
    pad = 0.06 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def function_figure(entry, relu) -> dict:
    """f and f' of ``entry`` on [-5, 5] beside ReLU and its derivative (``relu``: the
    catalogue's relu entry), as a :func:`symact.emit.plot.figure` context."""
    f, d, what = plotted(entry)
    series = []
    if entry.name != relu.name:
        for expr, label, dash in ((relu.instantiate({}), "relu(x)", ""),
                                  (derive.grad(relu, {}), "d/dx relu(x)", "4,3")):
            segs, dots = curve(expr)
            series.append(Series(label, segs, GREY, dash, 1.2, dots))
    for expr, label, color, dash in ((f, what, PALETTE[0], ""), (d, f"d/dx {what}", PALETTE[1], "6,3")):
        segs, dots = curve(expr)
        series.append(Series(label, segs, color, dash, 2.0, dots))
    y0, y1 = _y_range(series)
    yt = [v for v in nice_ticks(y0, y1) if y0 <= v <= y1]
    panel = Panel(
        title="", x_range=(LO, HI), y_range=(y0, y1),
        x_ticks=[(v, tick_label(v)) for v in range(LO, HI + 1)],
        y_ticks=[(v, tick_label(v)) for v in yt], series=series, x_label="x")
    defaults = ", ".join(f"{p.name} = {p.default}" for p in getattr(entry, "params", ()))
    note = f"parameters at their defaults: {defaults}" if defaults else ""
    return figure(f"{entry.name} and its derivative on [{LO}, {HI}]", [panel], note=note)


#: Candidate tick values on the tails of the error plots' x axis.
TAIL_TICKS = (1e4, 1e10, 1e38, 1e100, 1e300)


def _x_ticks(dtype) -> list:
    """Ticks of the error plots' x axis: the core's -40, -20, 0, 20, 40 and, on each
    tail, those of :data:`TAIL_TICKS` below the dtype's max that leave room for their
    labels (0.3 of the tail's width from the short "40", 0.45 from another tail tick)."""
    from symact.verify import profile
    values, last, gap = [-40.0, -20.0, 0.0, 20.0, 40.0], 1.0, 0.3
    for v in TAIL_TICKS:
        p = profile.position(v, dtype).item()
        if v < float(np.finfo(dtype).max) and p - last >= gap:
            values += [v, -v]
            last, gap = p, 0.45
    def label(v):
        return tick_label(v) if abs(v) <= profile.CORE else f"{'-' if v < 0 else ''}1e{round(math.log10(abs(v)))}"
    return sorted((profile.position(v, dtype).item(), label(v)) for v in values)


def profile_panel(title: str, dtype, lines: list, y_log: bool = False, budget: float | None = None) -> Panel:
    """A panel of error profiles: ``lines`` = [(label, colour, dash, profile values)]."""
    from symact.verify import profile
    edges = profile.edges()
    series, marks, peak = [], [], 0.0
    for label, color, dash, values in lines:
        segments, seg = [], []
        for i, v in enumerate(values):
            if v is None or v == "nonfinite":
                if v == "nonfinite":
                    marks.append((edges[i] + edges[i + 1]) / 2)
                if seg:
                    segments.append(seg)
                seg = []
                continue
            v = float(v)
            peak = max(peak, v)
            seg += [(float(edges[i]), v), (float(edges[i + 1]), v)]
        if seg:
            segments.append(seg)
        series.append(Series(label, segments, color, dash, 1.5))
    hlines = [(budget, f"budget {budget:g} ULP", RED)] if budget is not None else []
    if y_log:
        top = 10.0 ** max(2, math.ceil(math.log10(max(peak, 1.0)) + 0.5))
        y_range = (0.1, top)
        step = max(1, round(math.log10(top / 0.1) / 6))
        y_ticks = [(10.0 ** e, tick_label(10.0 ** e)) for e in range(-1, int(math.log10(top)) + 1, step)]
    else:
        top = max(budget or 0.0, peak) * 1.08 or 1.0
        y_range = (0.0, top)
        y_ticks = [(v, tick_label(v)) for v in nice_ticks(0.0, top, 5) if v <= top]
    return Panel(title=title, x_range=(-2.0, 2.0), y_range=y_range, x_ticks=_x_ticks(dtype),
                 y_ticks=y_ticks, series=series, y_log=y_log, y_label="error (ULP)",
                 x_label="x: linear on [-40, 40], log log |x| beyond", hlines=hlines, marks=sorted(set(marks)))


def accuracy_figure(entry, kernels: list[str], record: dict, columns: list[tuple[str, str]],
                    budget: float) -> dict | None:
    """The error profiles of ``entry``'s ``kernels``, one panel per (backend, dtype) in
    ``columns``, from ``record``; ``None`` when nothing of it is recorded."""
    from symact.verify.record import result
    panels = []
    for backend, dtype in columns:
        lines = []
        for i, k in enumerate(kernels):
            r = result(record, k, backend, dtype)
            if r is not None:
                lines.append((k, PALETTE[i % len(PALETTE)], "", r["profile"]))
        if lines:
            panels.append(profile_panel(f"{backend}, {dtype}", np.dtype(dtype).type, lines, budget=budget))
    if not panels:
        return None
    return figure(f"{entry.name}: measured error against x", panels, columns=2,
                  note="max error per stretch of x over the verify grid (symact verify --record)")
