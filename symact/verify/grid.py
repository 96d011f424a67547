"""Where kernels are measured: input grids per dtype (docs/contract.md, "Accuracy").

Scalar kernels get, in the dtype (every point an exact float of it):

- log-spaced magnitudes over the whole finite range, both signs (smallest
  normal to the largest finite float);
- subnormals (log-spaced, the smallest, its neighbours, the largest);
- a dense linear grid on [-40, 40] (step 1/40, not exactly representable, so
  the points carry varied significands);
- the overflow/underflow thresholds of exp (docs/numerics.md table), ln(2^p), half of
  each (``sigmoid(2u)`` forms) and, per parameter set, each scaled by the
  parameter, with their float neighbours, and points strictly inside every
  interval between consecutive thresholds (:func:`threshold_points`: between
  ln(smallest subnormal) and ln(smallest normal) exp is subnormal, and a kernel
  can be off there while exact at both ends);
- kernel-specific points: the kinks of the definition and their neighbours, and
  points near interior roots (:func:`root_points`).

The special values (+-0, +-inf, nan) are checked apart, against the contract
(:mod:`symact.verify.contract`).

:func:`dense_points` is the slow scan (``symact verify --dense``): random bit
patterns over the whole range and every 2^k-th float in [-50, 50].

Vector kernels get rows (:func:`vector_rows`): lengths 1..3000, scales up to
1e300 (f64) / 1e38 (f32), entries far below the max, a dominant entry, ties,
-inf entries, +inf entries, all -inf rows and nan rows, cotangents at which a
VJP entry cancels by about 2^-38 (:func:`cotangent_at_mean`) and rows whose logsumexp
cancels to about 2^-45 (float32) or 2^-42 (float64) of the max (:func:`logsumexp_near_zero`).
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from symact.verify.metric import Format

#: Linear grid: LINEAR_N points on [-LINEAR_LIM, LINEAR_LIM].
LINEAR_LIM = 40.0
LINEAR_N = 3201
#: Log-spaced magnitudes per sign.
LOG_N = {"float32": 400, "float64": 800}
#: Subnormals per sign.
SUB_N = 24
#: Float neighbours taken on each side of a threshold, kink or root.
NEIGHBOURS = 3
#: Where, as fractions of each interval between consecutive thresholds, the interior
#: points lie (irregular, so that they carry varied significands).
INTERIOR = (0.013, 0.11, 0.27, 0.5, 0.73, 0.89, 0.987)
#: The dense scan's half-range: every 2^k-th float in [-DENSE_LIM, DENSE_LIM].
DENSE_LIM = 50.0

#: Region labels for the per-region summary.
REGIONS = ("neg_tail", "core", "pos_tail", "roots", "special")


def neighbours(values, dtype, k: int = NEIGHBOURS) -> np.ndarray:
    """Each value rounded to ``dtype`` and its ``k`` float neighbours on each side."""
    out = []
    inf = dtype(np.inf)
    for v in np.atleast_1d(np.asarray(values, dtype=np.float64)):
        if not np.isfinite(v):
            continue
        c = dtype(v)
        lo = hi = c
        out.append(c)
        with np.errstate(over="ignore"):  # neighbours of the largest float are inf
            for _ in range(k):
                lo, hi = np.nextafter(lo, -inf), np.nextafter(hi, inf)
                out += [lo, hi]
    return np.asarray(out, dtype=dtype)


def exp_thresholds(f: Format) -> list[float]:
    """ln(largest finite), ln(smallest normal), ln(smallest subnormal), ln(half of it)
    (exp rounds to 0 below), ln(2^p), as floats."""
    with mpmath.workprec(200):
        vals = [
            mpmath.log(mpmath.mpf(f.max)),
            mpmath.log(mpmath.ldexp(1, f.emin)),
            mpmath.log(mpmath.ldexp(1, f.sub_exp)),
            mpmath.log(mpmath.ldexp(1, f.sub_exp - 1)),
            f.precision * mpmath.log(2),
        ]
        return [float(v) for v in vals]


def threshold_points(f: Format, scales=()) -> np.ndarray:
    """Points strictly inside each interval between consecutive thresholds (those of
    :func:`exp_thresholds`, their halves, 0), on both signs, for the thresholds as they
    are and scaled by each of ``scales`` (multiplied and divided: u = s*x reaches a
    threshold at x = t/s)."""
    base = sorted({abs(t) for t in exp_thresholds(f)} | {abs(t) / 2 for t in exp_thresholds(f)})
    out = []
    for s in (1.0, *scales):
        for factor in {s, 1 / s}:
            edges = [0.0] + [t * factor for t in base]
            for a, b in zip(edges, edges[1:]):
                inner = a + (b - a) * np.asarray(INTERIOR)
                out += [inner, -inner]
    pts = np.concatenate(out).astype(f.dtype)
    return pts[np.isfinite(pts)]


def dense_points(f: Format, n: int = 20000, seed: int = 20240917) -> np.ndarray:
    """The slow scan: ``n`` floats of random bit patterns (finite, both signs, the whole
    range, subnormals included) and about ``n`` more, every 2^k-th float in
    [-DENSE_LIM, DENSE_LIM] (k chosen for the count), sorted and unique."""
    dt = f.dtype
    ut = np.uint32 if f.name == "float32" else np.uint64
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, np.iinfo(ut).max, size=n, dtype=ut, endpoint=True)
    rand = bits.view(dt)
    top = int(np.asarray(dt(DENSE_LIM)).view(ut))
    step = max(1, top // max(1, n // 2))
    walk = np.arange(0, top + 1, step, dtype=ut).view(dt)
    pts = np.concatenate([rand, walk, -walk])
    pts = pts[np.isfinite(pts)]
    pts = np.where(pts == 0, dt(0), pts)
    return np.unique(pts)


def base_points(f: Format, *, scales=(), log_n: int | None = None, linear_n: int | None = None) -> np.ndarray:
    """The kernel-independent finite points of the scalar grid, sorted, unique, in f's dtype."""
    dt = f.dtype
    n_log = log_n or LOG_N[f.name]
    exps = np.linspace(f.emin, f.emax - 1e-6, n_log)
    mags = [np.exp2(exps).astype(dt)]
    sub = np.exp2(np.linspace(f.sub_exp, f.emin - 0.05, SUB_N)).astype(dt)
    mags += [sub, neighbours([2.0 ** f.sub_exp, 2.0 ** f.emin], dt, 2),
             neighbours([f.max], dt, 2)]
    mags = np.concatenate(mags)
    mags = mags[np.isfinite(mags) & (mags > 0)]
    n_lin = linear_n or LINEAR_N
    linear = np.linspace(-LINEAR_LIM, LINEAR_LIM, n_lin).astype(dt)
    thr = []
    for t in exp_thresholds(f):
        for s in (1.0, *scales):
            for v in (t, t / 2):
                thr += [v * s, -v * s, v / s, -v / s]
    pts = np.concatenate([mags, -mags, linear, neighbours(thr, dt), threshold_points(f, scales),
                          np.zeros(1, dt)])
    pts = pts[np.isfinite(pts)]
    pts = np.where(pts == 0, dt(0), pts)  # one zero (+0); -0 is a special value
    return np.unique(pts.astype(dt))


def root_points(roots, dtype) -> np.ndarray:
    """Points around each interior root r: its float neighbours, inside the 1e-6
    relative window (reported apart), and just outside it (1e-5, 1e-4: measured
    in ULPs like any other point)."""
    pts = []
    for r in roots:
        r = float(r)
        if r == 0:
            continue
        pts.append(neighbours([r], dtype, 4))
        rel = np.array([-5e-7, -1e-7, 1e-7, 5e-7, -1e-5, 1e-5, -1e-4, 1e-4])
        pts.append((r * (1 + rel)).astype(dtype))
    return np.concatenate(pts).astype(dtype) if pts else np.zeros(0, dtype)


def region_of(points: np.ndarray) -> np.ndarray:
    """Region label per finite point: far negative tail, [-40, 40], far positive tail."""
    return np.where(points < -LINEAR_LIM, "neg_tail", np.where(points > LINEAR_LIM, "pos_tail", "core"))


def in_root_window(points: np.ndarray, roots, rel: float = 1e-6) -> np.ndarray:
    """True where a point lies within relative distance ``rel`` of a nonzero root."""
    mask = np.zeros(points.shape, dtype=bool)
    x = points.astype(np.float64)
    for r in roots:
        r = float(r)
        if r != 0:
            mask |= np.abs(x - r) <= rel * abs(r)
    return mask


SPECIAL = (("+0", 0.0), ("-0", -0.0), ("+inf", np.inf), ("-inf", -np.inf), ("nan", np.nan))


@dataclass(frozen=True)
class Row:
    """One input row for a vector kernel, with a cotangent ``g`` for the VJPs."""

    label: str
    x: np.ndarray
    g: np.ndarray


def vector_rows(f: Format, seed: int = 20240521) -> list[Row]:
    """The rows vector kernels are measured on (deterministic)."""
    dt = f.dtype
    rng = np.random.default_rng(seed)
    big = 1e300 if f.name == "float64" else 1e38
    deep = 1000.0 if f.name == "float64" else 120.0  # beyond exp's underflow
    rows: list[Row] = []

    def add(label, x):
        x = np.asarray(x, dtype=np.float64).astype(dt)
        g = rng.standard_normal(x.size).astype(dt)
        rows.append(Row(label, x, g))

    # 3000: longer than any run of a row a backend handles at once (the C fast path's
    # blocks of 512, float softmax's kept exponentials up to 2048), so each path's
    # long-row branch is measured too
    for n in (1, 2, 3, 7, 32, 100, 1000, 3000):
        for scale in (1e-3, 1.0, 30.0, deep, 1e10, big):
            if n >= 1000 and scale not in (1.0, deep, big):
                continue
            add(f"normal n={n} scale={scale:g}", rng.standard_normal(n) * scale)
    for n in (2, 5, 100):
        add(f"far below max n={n}", np.concatenate([[0.0], -rng.uniform(deep / 2, deep, n - 1)]))
        add(f"dominant entry n={n}", np.concatenate([[60.0], rng.standard_normal(n - 1)]))
    for n in (2, 5, 30):
        add(f"shifted n={n}", rng.standard_normal(n) + (0.7 * f.max ** 0.5))
    add("dominant entry f32-scale", [0.0, -17.0, -20.0, -25.0])
    add("ties all equal n=8", np.full(8, 3.25))
    add("ties two maxima", [5.0, 5.0, 1.0, -2.0])
    add("near-ties", np.array([1.0, 1.0, 1.0]) + np.array([0.0, 1.0, -1.0]) * float(np.finfo(dt).eps))
    add("tiny entries", rng.standard_normal(6) * 1e-30)
    add("max finite", [f.max, f.max, 0.0])
    add("-max finite", [-f.max, -f.max, 0.0])
    add("subnormal entries", [2.0 ** f.sub_exp, -(2.0 ** f.sub_exp), 0.0])
    add("some -inf", [-np.inf, 1.0, 2.0, -np.inf])
    add("one finite among -inf", [-np.inf, -np.inf, 7.5])
    add("all -inf", [-np.inf] * 4)
    add("all -inf n=1", [-np.inf])
    add("one +inf", [np.inf, 1.0, -3.0])
    add("two +inf", [np.inf, 0.0, np.inf, -np.inf])
    add("nan", [1.0, np.nan, 2.0])
    add("nan and +inf", [np.inf, np.nan])
    for n in (3, 40, 700):
        for kernel in ("softmax_vjp", "log_softmax_vjp"):
            x = rng.uniform(-4.0, 4.0, n).astype(dt)
            rows.append(Row(f"g at the mean ({kernel}) n={n}", x, cotangent_at_mean(x, kernel, dt, rng)))
    for a in (-0.6, -1.7):
        add(f"logsumexp near 0 (a={a})", logsumexp_near_zero(a, dt))
    return rows


def logsumexp_near_zero(a: float, dtype) -> np.ndarray:
    """A row of ``dtype`` whose logsumexp cancels deeply: m + log S is 2^-45 or less (float32)
    or about 2^-42 (float64) of |m|, where a fast path's plain double (2^-53 of the terms, float
    rows) or double-word sums (2^-75, double rows) are many ulps off.

    float32: [a, b, c] with b = log(1 - e^a) rounded down (the sum of exponentials is then
    1 to about 2^-25) and c = log of what is left, rounded (1 to about 2^-46).  float64:
    [a, b] with b 3000 ulps from log(1 - e^a) (its sum is 1 to about 2^-42; beyond about
    2^-50 even the double-double kernels, 2^-104 of the terms, reach an ulp)."""
    with mpmath.workprec(200):
        a = mpmath.mpf(float(np.asarray(a, dtype=dtype)))
        b = float(mpmath.log(1 - mpmath.exp(a)))
        if np.dtype(dtype) == np.float64:
            return np.array([float(a), (np.float64(b).view(np.int64) + 3000).view(np.float64)])
        bf = np.float32(b)
        if mpmath.exp(a) + mpmath.exp(mpmath.mpf(float(bf))) >= 1:   # leave a positive rest
            bf = np.nextafter(bf, np.float32(-np.inf))
        b = mpmath.mpf(float(bf))
        c = float(mpmath.log(1 - mpmath.exp(a) - mpmath.exp(b)))
        return np.array([float(a), float(b), float(np.float32(c))], dtype=dtype)


def cotangent_at_mean(x: np.ndarray, kernel: str, dtype, rng) -> np.ndarray:
    """A cotangent g (of ``dtype``) at which entry 0 of ``kernel``'s VJP cancels to about
    2^-38 of its terms (``x`` has at least 3 entries).

    dx_0 = y_0 L(g), y = softmax(x), with the linear form L(g) = g_0 - sum_j y_j g_j
    (softmax_vjp) or g_0 - y_0 sum_j g_j (log_softmax_vjp): L vanishes where g_0 is the
    weighted mean.  Starting from normal g, L is driven to 0 by g_1, rounded to float (L
    is left at about 2^-24 of its terms, whatever the dtype), then by g_2 from 0, rounded
    to 13 bits (2^-14 of that).  Plain double carries 2^-52 of the terms, 2^-14 of such
    an output: a kernel's fast path must see it cannot resolve the row."""
    with mpmath.workprec(200):
        m = mpmath.mpf(float(np.max(x)))
        e = [mpmath.exp(mpmath.mpf(float(v)) - m) for v in x]
        s = mpmath.fsum(e)
        y = [v / s for v in e]
        c = [(1 if j == 0 else 0) - (y[j] if kernel == "softmax_vjp" else y[0]) for j in range(len(x))]
        g = [mpmath.mpf(float(v)) for v in rng.standard_normal(len(x)).astype(dtype)]
        g[2] = mpmath.mpf(0)

        def form():
            return mpmath.fsum([cj * gj for cj, gj in zip(c, g)])
        g[1] = mpmath.mpf(float(np.float32(g[1] - form() / c[1])))
        b = float(g[2] - form() / c[2])
        _, k = np.frexp(b)
        g[2] = mpmath.mpf(float(np.ldexp(np.round(np.ldexp(b, 13 - k)), k - 13)))
    return np.array([float(v) for v in g], dtype=dtype)


def row_is_special(row: Row) -> bool:
    """Rows whose values are fixed by the contract rather than the oracle (+inf or nan)."""
    return bool(np.isnan(row.x).any() or np.isposinf(row.x).any() or np.isneginf(row.x).all())
