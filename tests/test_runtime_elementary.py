"""The C elementary-function runtime (runtime/elementary.h) against mpmath, in ULPs.

The functions are compiled on their own with array loops (``elementary_driver``: the
runtime from ``BACKEND.standalone(["doubleword.h", "elementary.h"])``), called through
ctypes and compared with mpmath at 60 digits, rounded to the dtype by the verify metric
(``symact.verify.metric``), over: dense grids on each reduced range and each piece of
erfc, log-spaced magnitudes over the whole finite range on both signs, the overflow and
underflow thresholds with their float neighbours and points strictly inside every
threshold interval (subnormal results), subnormal inputs, random bit patterns, and the
special values (exact expectations).  Two builds are measured, ``-O3 -march=native``
(fma, vectorised) and plain ``-O2`` (no -march: Dekker's product instead of fma), against
the same bounds.  Also: every loop is vectorised (gcc -fopt-info-vec-optimized, clang
-Rpass=loop-vectorize), no external function is referenced, the runtime is warning-free
under gcc and clang, the SYMACT_USE_LIBM build is libm, and a sanitised run over random
bit patterns.

Bounds (max ULP) measured and held: see BOUND; the float functions evaluate in double and
round once, so their bound is 0.5 plus the double error scaled to float (under 2^-8).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import os
import re
import shutil
import subprocess
import warnings

import mpmath as mp
import numpy as np
import pytest

from conftest import compiler_command, required_compiler
from elementary_driver import F32X_PARTIAL, FUNCS, STRICT, Lib, build, driver_source
from symact.verify.metric import FORMATS, round_exact, ulp_errors

#: The builds measured: the vectorised one (fma) and the plain one (Dekker products).
BUILDS = {"native": ["-O3", "-march=native"], "plain": ["-O2"]}

#: Max ULP error held per function and dtype.  Measured maxima over the fast and slow
#: sets together (about 80 000 points per function and dtype; both builds alike except
#: erfc, 0.563 with fma and 0.578 without): double exp 0.514, expm1 0.532, log 0.526,
#: log1p 0.524, erfc 0.578, tanh 0.535; float 0.5000 (erfc 0.5002).
BOUND = {np.float64: {"exp": 0.53, "expm1": 0.55, "log": 0.55, "log1p": 0.55, "erfc": 0.6, "tanh": 0.55},
         np.float32: {f: 0.5 + 2.0 ** -8 for f in FUNCS}}

_CC = compiler_command()
needs_cc = pytest.mark.skipif(_CC is None, reason="no C compiler ($CC or cc)")


@pytest.fixture(scope="module", params=sorted(BUILDS))
def lib(request, tmp_path_factory):
    if _CC is None:
        pytest.skip("no C compiler ($CC or cc)")
    flags = BUILDS[request.param]
    if "-march=native" in flags and not _accepts(tuple(_CC), "-march=native"):
        pytest.skip("the compiler does not take -march=native")
    return Lib(build(_CC, flags, tmp_path_factory.mktemp("elem") / f"elem_{request.param}.so"))


@functools.lru_cache(maxsize=None)
def _accepts(cc, flag) -> bool:
    proc = subprocess.run([*cc, flag, "-x", "c", "-c", "-o", os.devnull, "-"], input="int x;\n",
                          capture_output=True, text=True)
    return proc.returncode == 0


# --------------------------------------------------------------------------------------
# The oracle (mpmath, 60 digits) and the metric
# --------------------------------------------------------------------------------------

def _erfc(x):
    # erfc(40) < 1e-697 rounds to 0 and 2 - erfc(40) to 2 in every format; mpmath's
    # series selection overflows for huge arguments, so the limits are used beyond 40
    if x > 40:
        return mp.mpf(0)
    if x < -40:
        return mp.mpf(2)
    return mp.erfc(x)


MP = {"exp": mp.exp, "expm1": mp.expm1, "log": mp.log, "log1p": mp.log1p, "erfc": _erfc, "tanh": mp.tanh}


@functools.lru_cache(maxsize=None)
def _exact(f: str, x: float, fmt: str):
    with mp.workdps(60):
        return round_exact(MP[f](mp.mpf(x)), FORMATS[fmt])


def ulps(f, x, y) -> np.ndarray:
    """ULP errors of y = f(x) (both of one dtype)."""
    fmt = np.dtype(x.dtype).name
    ref = np.array([_exact(f, float(v), fmt) for v in x.tolist()], dtype=np.float64).reshape(-1, 3)
    return ulp_errors(y, ref[:, 0], ref[:, 1], ref[:, 2])


def assert_within(f, dtype, x, y, bound=None):
    e = ulps(f, x, y)
    bound = BOUND[dtype][f] if bound is None else bound
    worst = int(np.argmax(e))
    assert e[worst] <= bound, (f"{f} {dtype.__name__}: {e[worst]:.3f} ULP at x = {x[worst]!r} "
                               f"(got {y[worst]!r}); bound {bound}")
    return float(e[worst])


# --------------------------------------------------------------------------------------
# Point sets
# --------------------------------------------------------------------------------------

def _neighbours(values, dtype, k=3):
    """each value rounded to dtype and its k float neighbours on each side"""
    out = []
    for v in values:
        a = dtype(v)
        lo = hi = a
        out.append(a)
        for _ in range(k):
            with np.errstate(over="ignore"):
                lo, hi = np.nextafter(lo, dtype(-np.inf)), np.nextafter(hi, dtype(np.inf))
            out += [lo, hi]
    return np.array(out, dtype=dtype)


def _ln(v):
    with mp.workdps(60):
        return float(mp.log(v))


def thresholds(f, dtype):
    """The function's thresholds (with neighbours) and points strictly inside each interval
    between them."""
    fi = np.finfo(dtype)
    tiny_sub = float(fi.smallest_subnormal)
    big = float(fi.max)
    with mp.workdps(60):
        over = float(mp.log(mp.mpf(big) * (1 + mp.mpf(2) ** -(fi.nmant + 2))))  # exp(x) = max + ulp/2
        zero = float(mp.log(mp.mpf(tiny_sub) / 2))                             # exp(x) = half the least subnormal
        normal = _ln(float(fi.tiny))
        sub = _ln(tiny_sub)
    rng = np.random.default_rng(7)
    if f in ("exp", "expm1"):
        edges = [over, normal, sub, zero, -math.log(2) / 2, math.log(2) / 2, 0.0]
        if f == "expm1":
            edges += [float(mp.log(mp.mpf(2) ** -(fi.nmant + 2))), -40.0, -20.0]
        inside = [rng.uniform(zero, sub, 200), rng.uniform(sub, normal, 200), rng.uniform(normal - 2, normal, 50),
                  rng.uniform(over - 1, over, 50)]
    elif f in ("log", "log1p"):
        edges = [float(fi.tiny), big, tiny_sub, 1.0, 2.0, 0.5, math.sqrt(0.5), math.sqrt(2)]
        if f == "log1p":
            edges += [-0.5, math.sqrt(0.5) - 1, math.sqrt(2) - 1, 2.0 ** 24, 2.0 ** 53, 2.0 ** -20, 2.0 ** -29]
            inside = [rng.uniform(-1, -0.99, 100), -1 + np.exp(rng.uniform(-40, -1, 100))]
        else:
            inside = [np.exp(rng.uniform(math.log(tiny_sub), math.log(float(fi.tiny)), 200))]
    elif f == "erfc":
        with mp.workdps(60):
            sub_at = float(mp.findroot(lambda a: mp.log(mp.erfc(a)) - mp.log(fi.tiny), 26.5 if dtype is np.float64 else 9.2))
            zero_at = float(mp.findroot(lambda a: mp.log(mp.erfc(a)) - mp.log(mp.mpf(tiny_sub) / 2),
                                        27.2 if dtype is np.float64 else 10.0))
        edges = [0.5, 2.0, sub_at, zero_at, 27.3, 10.1, -0.5, -2.0]
        inside = [rng.uniform(sub_at, zero_at, 200), rng.uniform(zero_at, zero_at + 1, 20)]
    else:  # tanh
        edges = [19.06, 20.0, 10.0, 9.01, 0.55, tiny_sub, float(fi.tiny)]
        inside = [rng.uniform(18, 21, 100)]
    pts = np.concatenate([_neighbours(edges, dtype), -_neighbours(edges, dtype)] +
                         [np.asarray(v, dtype=dtype) for v in inside])
    return domain(f, pts)


def domain(f, x):
    """x without nan/inf and, for log and log1p, inside the real domain (the edges of the
    domain are special values, tested apart)"""
    x = x[np.isfinite(x)]
    if f == "log":
        return x[x > 0]
    if f == "log1p":
        return x[x > -1]
    return x


def dense(f, dtype, n):
    """Dense grids on each reduced range (several k), each erfc piece and the moderate range."""
    ln2 = math.log(2)
    if f in ("exp", "expm1"):
        parts = [np.linspace(-0.36, 0.36, n)] + [k * ln2 + np.linspace(-0.36, 0.36, n // 8)
                                               for k in (-1000, -700, -60, -1, 1, 2, 53, 60, 1000)]
        parts.append(np.linspace(-40, 40, n))
    elif f == "log":
        m = np.linspace(math.sqrt(0.5), math.sqrt(2), n)
        parts = [m] + [np.ldexp(m[:: 8], k) for k in (-1074, -1060, -1022, -1, 1, 100, 1023)]
    elif f == "log1p":
        parts = [np.linspace(math.sqrt(0.5) - 1, math.sqrt(2) - 1, n), np.linspace(-0.999, 10, n)]
    elif f == "erfc":
        parts = [np.linspace(-0.5, 0.5, n // 2), np.linspace(0.5, 2, n), np.linspace(2, 27.3, n),
                 np.linspace(-6, -0.5, n // 2)]
    else:
        parts = [np.linspace(-1, 1, n), np.linspace(-20, 20, n)]
    with np.errstate(over="ignore"):
        return domain(f, np.concatenate(parts).astype(dtype))


def magnitudes(f, dtype, n):
    """log-spaced magnitudes over the whole finite range (subnormals included), both signs"""
    fi = np.finfo(dtype)
    e = np.linspace(math.log10(float(fi.smallest_subnormal)), math.log10(float(fi.max)), n)
    with np.errstate(over="ignore"):
        x = (10.0 ** e).astype(dtype)
    return domain(f, np.concatenate([x, -x]))


def random_bits(f, dtype, n, seed=11):
    rng = np.random.default_rng(seed)
    u = np.uint64 if dtype is np.float64 else np.uint32
    x = rng.integers(0, np.iinfo(u).max, n, dtype=u, endpoint=True).view(dtype)
    return domain(f, x)


# --------------------------------------------------------------------------------------
# Accuracy
# --------------------------------------------------------------------------------------

SETS = {"dense": lambda f, d: dense(f, d, 1600), "magnitudes": lambda f, d: magnitudes(f, d, 600),
        "thresholds": thresholds, "random_bits": lambda f, d: random_bits(f, d, 1200)}


@needs_cc
@pytest.mark.parametrize("points", sorted(SETS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("f", FUNCS)
def test_within_bound(lib, f, dtype, points):
    x = SETS[points](f, dtype)
    assert x.size > 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_within(f, dtype, x, lib(f, x))


@needs_cc
@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("f", FUNCS)
def test_within_bound_many_points(lib, f, dtype):
    """Ten times the points of the fast sets, other random patterns."""
    x = np.concatenate([dense(f, dtype, 16000), magnitudes(f, dtype, 6000), random_bits(f, dtype, 12000, seed=5)])
    assert_within(f, dtype, x, lib(f, x))


def test_subnormal_results_are_measured(lib):
    """The threshold sets reach the subnormal results (where the scaling must round once)."""
    for f, dtype in (("exp", np.float64), ("exp", np.float32), ("erfc", np.float64), ("erfc", np.float32)):
        x = thresholds(f, dtype)
        y = lib(f, x)
        sub = (y != 0) & (np.abs(y) < np.finfo(dtype).tiny)
        assert sub.sum() >= 100, (f, dtype)
        assert_within(f, dtype, x[sub], y[sub])


#: (x, f(x)) for the special values, exactly (the C99 Annex F values); 1e300 and -1e300
#: stand for the largest magnitudes (inf in float32)
SPECIAL = {
    "exp": [(np.inf, np.inf), (-np.inf, 0.0), (0.0, 1.0), (-0.0, 1.0), (1e300, np.inf), (-1e300, 0.0)],
    "expm1": [(np.inf, np.inf), (-np.inf, -1.0), (0.0, 0.0), (-0.0, -0.0), (1e300, np.inf), (-1e300, -1.0)],
    "log": [(np.inf, np.inf), (-np.inf, np.nan), (0.0, -np.inf), (-0.0, -np.inf), (1.0, 0.0), (-1.0, np.nan),
            ("-tiny", np.nan)],
    "log1p": [(np.inf, np.inf), (-np.inf, np.nan), (0.0, 0.0), (-0.0, -0.0), (-1.0, -np.inf), (-2.0, np.nan),
              (-1e300, np.nan), ("-1-eps", np.nan)],
    "erfc": [(np.inf, 0.0), (-np.inf, 2.0), (0.0, 1.0), (-0.0, 1.0), (1e300, 0.0), (-1e300, 2.0)],
    "tanh": [(np.inf, 1.0), (-np.inf, -1.0), (0.0, 0.0), (-0.0, -0.0), (1e300, 1.0), (-1e300, -1.0)],
}


@needs_cc
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("f", FUNCS)
def test_special_values(lib, f, dtype):
    fi = np.finfo(dtype)
    named = {"-tiny": -fi.smallest_subnormal, "-1-eps": np.nextafter(dtype(-1), dtype(-2))}
    cases = [(named.get(a, a), b) for a, b in SPECIAL[f]] + [(np.nan, np.nan)]
    with np.errstate(over="ignore"):
        x = np.array([a for a, _ in cases], dtype=dtype)
        want = np.array([b for _, b in cases], dtype=dtype)
    got = lib(f, x)
    for xi, g, w in zip(x, got, want):
        if np.isnan(w):
            assert np.isnan(g), (f, xi, g)
        else:
            assert g == w and np.signbit(g) == np.signbit(w), (f, xi, g, w)


@needs_cc
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("f", ("expm1", "log1p", "tanh"))
def test_tiny_and_subnormal_inputs_are_returned(lib, f, dtype):
    """f(x) = x to within half an ulp for |x| below eps/4 (expm1, log1p: x -+ x^2/2) or
    sqrt(eps)/4 (tanh: x - x^3/3): the result is x itself."""
    fi = np.finfo(dtype)
    top = float(fi.eps) / 4 if f != "tanh" else math.sqrt(float(fi.eps)) / 4
    x = np.concatenate([np.array([fi.smallest_subnormal, fi.tiny, fi.tiny / 3], dtype=dtype),
                        np.exp(np.linspace(np.log(float(fi.smallest_subnormal)), np.log(top), 300)).astype(dtype)])
    x = np.concatenate([x, -x])
    np.testing.assert_array_equal(lib(f, x), x)


# --------------------------------------------------------------------------------------
# The f32x functions: double in and out, float's precision (float kernels computed in double)
# --------------------------------------------------------------------------------------

#: Relative error held by the f32x functions where the result is at least F32X_FLOOR (below,
#: exp flushes to 0: no float product of such a double is a nonzero float).  Measured maxima
#: over the fast and slow double point sets, both builds: exp 2^-43.7, expm1 2^-42.0, log
#: 2^-52.1, log1p 2^-52.0, erfc 2^-42.9, tanh 2^-42.1 (the float exp fit's 2^-43.7)
F32X_BOUND = 2.0 ** -40
F32X_FLOOR = 2.0 ** -1017
#: above this (the largest double plus half its ulp) the result is inf
_F64_OVER = mp.mpf(np.finfo(np.float64).max) * (1 + mp.mpf(2) ** -54)


def _relative_errors(f, x, y):
    """|y - f(x)| / |f(x)| at 60 digits where F32X_FLOOR <= |f(x)| <= the overflow threshold;
    above it y must be inf, below the floor |y| must be (0 where exp flushes)"""
    out = np.zeros(x.size)
    with mp.workdps(60):
        for i, (v, w) in enumerate(zip(x.tolist(), y.tolist())):
            r = MP[f](mp.mpf(v))
            if abs(r) > _F64_OVER:
                out[i] = 0.0 if abs(w) == math.inf and (w > 0) == (r > 0) else math.inf
            elif abs(r) >= F32X_FLOOR:
                out[i] = float(abs((mp.mpf(w) - r) / r)) if math.isfinite(w) else math.inf
            else:
                out[i] = 0.0 if abs(w) < 2 * F32X_FLOOR else math.inf
    return out


@needs_cc
@pytest.mark.parametrize("points", sorted(SETS))
@pytest.mark.parametrize("f", FUNCS)
def test_f32x_within_relative_bound(lib, f, points):
    """Over double's whole range (the arguments of a float kernel computed in double are
    products such as beta*x), including the overflow threshold and the subnormal inputs."""
    x = SETS[points](f, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = lib(f, x, tag="f32x")
    e = _relative_errors(f, x, y)
    worst = int(np.argmax(e))
    assert e[worst] <= F32X_BOUND, (f"{f} f32x: relative error 2^{math.log2(e[worst]) if e[worst] else -999:.1f} "
                                    f"at x = {x[worst]!r} (got {y[worst]!r})")


@needs_cc
@pytest.mark.parametrize("f", FUNCS)
def test_f32x_special_values(lib, f):
    """The f64 special values (C99 Annex F), exactly."""
    named = {"-tiny": -np.finfo(np.float64).smallest_subnormal, "-1-eps": np.nextafter(-1.0, -2.0)}
    cases = [(named.get(a, a), b) for a, b in SPECIAL[f]] + [(np.nan, np.nan)]
    x = np.array([a for a, _ in cases])
    got = lib(f, x, tag="f32x")
    for xi, g, (_, w) in zip(x, got, cases):
        if np.isnan(w):
            assert np.isnan(g), (f, xi, g)
        else:
            assert g == w and np.signbit(g) == np.signbit(w), (f, xi, g, w)


@needs_cc
@pytest.mark.parametrize("f", sorted(F32X_PARTIAL))
def test_f32x_partial_within_relative_bound(lib, f):
    """The f32x functions for part of the range (log1p of exp(-|u|) in [0, 1], expm1 of
    tanh's -2|x| in [-40, 0]) hold F32X_BOUND over it: its ends, a dense scan, every
    power of two in it and the subnormals (log1p_unit), and random points."""
    _, lo, hi = F32X_PARTIAL[f]
    rng = np.random.default_rng(7)
    pts = [lo, hi, np.nextafter(lo, hi), np.nextafter(hi, lo), 0.0, -0.0,
           *np.linspace(lo, hi, 2001), *rng.uniform(lo, hi, 2000)]
    top = math.floor(math.log2(max(abs(lo), abs(hi))))
    pts += [s * 2.0 ** k for k in range(-1074, top + 1) for s in (1.0, -1.0) if lo <= s * 2.0 ** k <= hi]
    pts += [s * 2.0 ** k * (1 + 2.0 ** -20) for k in range(-60, top) for s in (1.0, -1.0)
            if lo <= s * 2.0 ** k * (1 + 2.0 ** -20) <= hi]
    x = np.array(sorted(set(pts)))
    y = lib(f, x, tag="f32x")
    ref = {"log1p_unit": mp.log1p, "expm1_mid": mp.expm1}[f]
    with mp.workdps(60):
        e = np.array([0.0 if r == 0 and w == 0 else float(abs((mp.mpf(w) - r) / r))
                      for w, r in ((w, ref(mp.mpf(v))) for v, w in zip(x.tolist(), y.tolist()))])
    worst = int(np.argmax(e))
    assert e[worst] <= F32X_BOUND, (f, x[worst], y[worst], e[worst])


@needs_cc
def test_f32x_exp_dd_carries_the_low_part(lib):
    """exp(hi + lo) where exp(hi) alone is 2^-44 or more off (|hi| > 100)."""
    hi, lo = _dd_arguments(np.float64)
    lo = lo * 2.0 ** 20  # 2^19 ulps of hi: exp(hi) alone is off by |hi| 2^-33
    y = lib("exp_dd", hi, lo, tag="f32x")
    with mp.workdps(60):
        ref = [mp.exp(mp.mpf(h) + mp.mpf(v)) for h, v in zip(hi.tolist(), lo.tolist())]
    keep = np.array([abs(r) >= F32X_FLOOR for r in ref])
    e = np.array([float(abs((mp.mpf(w) - r) / r)) for w, r, k in zip(y.tolist(), ref, keep) if k])
    e_hi = np.array([float(abs((mp.mpf(w) - r) / r))
                     for w, r, k in zip(lib("exp", hi, tag="f32x").tolist(), ref, keep) if k])
    assert e.max() <= F32X_BOUND, e.max()
    assert e_hi.max() > 2.0 ** -36, "exp(hi) alone should be far off at these points"


# --------------------------------------------------------------------------------------
# exp of a double-word argument, exp as a double-word
# --------------------------------------------------------------------------------------

def _dd_arguments(dtype, n=1500, seed=3):
    """hi over the whole range, lo a random fraction of half an ulp of hi: the arguments of
    pitfall 17, whose low part exp must carry"""
    rng = np.random.default_rng(seed)
    top = 709.0 if dtype is np.float64 else 88.0
    bottom = -744.0 if dtype is np.float64 else -103.0
    hi = np.concatenate([rng.uniform(bottom, top, n), rng.uniform(-1, 1, n // 4)]).astype(dtype)
    lo = (rng.uniform(-0.5, 0.5, hi.size) * np.spacing(np.abs(hi))).astype(dtype)
    return hi, lo


def _exact_sum(f, hi, lo, fmt):
    return np.array([_exact_dd(f, float(h), float(l), fmt) for h, l in zip(hi.tolist(), lo.tolist())]).reshape(-1, 3)


@functools.lru_cache(maxsize=None)
def _exact_dd(f, h, l, fmt):
    with mp.workdps(60):
        return round_exact(MP[f](mp.mpf(h) + mp.mpf(l)), FORMATS[fmt])


@needs_cc
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_exp_dd_carries_the_low_part(lib, dtype):
    hi, lo = _dd_arguments(dtype)
    ref = _exact_sum("exp", hi, lo, np.dtype(dtype).name)
    e_dd = ulp_errors(lib("exp_dd", hi, lo), ref[:, 0], ref[:, 1], ref[:, 2])
    e_hi = ulp_errors(lib("exp", hi), ref[:, 0], ref[:, 1], ref[:, 2])
    assert e_dd.max() <= BOUND[dtype]["exp"], e_dd.max()
    assert e_hi.max() > (100 if dtype is np.float64 else 8), "exp(hi) alone should be far off at these points"


@needs_cc
def test_exp2dd_relative_error_below_2_to_minus_100(lib):
    hi, lo = _dd_arguments(np.float64, n=1200, seed=9)
    hi = np.concatenate([hi, np.linspace(-0.01, 0.01, 201)])
    lo = np.concatenate([lo, np.zeros(201)])
    yh, yl = lib("exp2dd", hi, lo)
    worst = mp.mpf(0)
    with mp.workdps(60):
        for h, l, a, b in zip(hi.tolist(), lo.tolist(), yh.tolist(), yl.tolist()):
            exact = mp.exp(mp.mpf(h) + mp.mpf(l))
            if exact < mp.mpf(2) ** -969:  # the low part would be subnormal
                continue
            worst = max(worst, abs((mp.mpf(a) + mp.mpf(b)) / exact - 1))
            assert abs(b) <= math.ulp(a) / 2, (h, a, b)  # normalised: hi is the rounded sum
    assert worst < mp.mpf(2) ** -100, float(mp.log(worst, 2))


@needs_cc
def test_exp2dd_special_values(lib):
    x = np.array([np.inf, -np.inf, np.nan, 710.0, -746.0, 1e300, -1e300, 0.0])
    yh, yl = lib("exp2dd", x, np.zeros_like(x))
    assert yh[0] == np.inf and yh[3] == np.inf and yh[5] == np.inf
    assert yh[1] == 0 and yh[4] == 0 and yh[6] == 0
    assert np.isnan(yh[2]) and yh[7] == 1.0
    assert np.all(yl[[0, 1, 3, 4, 5, 6, 7]] == 0)


# --------------------------------------------------------------------------------------
# The builds: vectorised, warning-free, the libm reference, sanitised
# --------------------------------------------------------------------------------------

#: How each compiler reports a vectorised loop (gcc: -fopt-info-vec-optimized, clang:
#: -Rpass=loop-vectorize), as a regular expression for the line number.
#: (-fno-ipa-icf: loop_erfc_f32x is loop_erfc_f64, which gcc would otherwise fold into one
#: function, reporting one loop)
VECTORISED = {"gcc": (["-fopt-info-vec-optimized", "-fno-ipa-icf"], r"elem\.c:(\d+):\d+: optimized: loop vectorized"),
              "clang": (["-Rpass=loop-vectorize"], r"elem\.c:(\d+):\d+: remark: vectorized loop")}


@pytest.mark.parametrize("compiler", sorted(VECTORISED))
def test_every_loop_is_vectorised(compiler, tmp_path):
    """gcc (and clang) -O3 -march=native report each loop of the driver as vectorised."""
    cc = required_compiler(compiler)
    flags, pattern = VECTORISED[compiler]
    src = tmp_path / "elem.c"
    text = driver_source()
    src.write_text(text)
    proc = subprocess.run([*cc, *STRICT, "-O3", "-march=native", *flags, "-c",
                           "-o", str(tmp_path / "elem.o"), str(src)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[:3000]
    vectorised = {int(m) for m in re.findall(pattern, proc.stderr)}
    lines = text.splitlines()
    loops = {}
    for k, line in enumerate(lines, 1):
        m = re.match(r"void (loop_\w+)\(.*\)$", line)
        if m:
            loops[m.group(1)] = next(j for j in range(k, k + 5) if "for (i = 0" in lines[j - 1])
    assert len(loops) == 3 * len(FUNCS) + 4 + len(F32X_PARTIAL)
    missed = sorted(name for name, at in loops.items() if at not in vectorised)
    assert not missed, f"not vectorised: {missed}"


@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_warning_free(compiler, tmp_path):
    cc = required_compiler(compiler)
    src = tmp_path / "elem.c"
    src.write_text(driver_source())
    for flags in (["-O0"], ["-O2"], ["-O3", "-march=native"], ["-O2", "-DSYMACT_USE_LIBM"],
                  ["-O3", "-march=native", "-DSYMACT_USE_LIBM"]):
        proc = subprocess.run([*cc, *STRICT, *flags, "-c", "-o", str(tmp_path / "e.o"), str(src)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"{compiler} {flags}:\n{proc.stderr[:3000]}"


@pytest.mark.skipif(shutil.which("nm") is None, reason="nm is not installed")
@pytest.mark.parametrize("compiler", ["gcc", "clang"])
def test_no_library_call(compiler, tmp_path):
    """The object refers to no external function (no libm, no software fma) at -O1, -O2 and
    -O3 -march=native; the libm build refers to libm (so the check can see one)."""
    cc = required_compiler(compiler)
    src = tmp_path / "elem.c"
    src.write_text(driver_source())
    for flags in (["-O1"], ["-O2"], ["-O3", "-march=native"], ["-O2", "-DSYMACT_USE_LIBM"]):
        obj = tmp_path / "e.o"
        subprocess.run([*cc, *STRICT, *flags, "-c", "-o", str(obj), str(src)], check=True, capture_output=True)
        undefined = set(subprocess.run(["nm", "-u", str(obj)], capture_output=True, text=True,
                                       check=True).stdout.split()) - {"U"}
        if "-DSYMACT_USE_LIBM" in flags:
            assert {"exp", "erfcf", "log1p"} <= undefined, undefined
        else:
            assert not undefined, (flags, undefined)


@needs_cc
def test_libm_build_is_libm(tmp_path):
    """With SYMACT_USE_LIBM every function is the C library's (bit for bit: Python's math
    module and ctypes' libm are the same library); the default build is not."""
    ref = Lib(build(_CC, ["-O2", "-DSYMACT_USE_LIBM"], tmp_path / "libm.so"))
    own = Lib(build(_CC, ["-O2"], tmp_path / "own.so"))
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-30, 30, 2000), rng.uniform(0, 3, 2000)])
    libm = ctypes.CDLL(ctypes.util.find_library("m"))
    differ = 0
    for f in FUNCS:
        fn = getattr(libm, f + "f")
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        x64 = x[x > 0] if f == "log" else x[x > -1] if f == "log1p" else x
        np.testing.assert_array_equal(ref(f, x64), np.array([getattr(math, f)(v) for v in x64]), err_msg=f)
        x32 = x64.astype(np.float32)
        np.testing.assert_array_equal(ref(f, x32), np.array([fn(float(v)) for v in x32], dtype=np.float32),
                                      err_msg=f + "f")
        differ += int(np.any(own(f, x64) != ref(f, x64)))
    assert differ >= 3


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_sanitised_run_over_random_bits(tmp_path):
    """Every function on 2^18 random bit patterns (and the special values) under
    -fsanitize=address,undefined: no out-of-range table index, shift or overflow."""
    main = """
#include <stdio.h>
int main(void)
{
    static double x[1 << 18], l[1 << 18], y[1 << 18], z[1 << 18];
    static float xf[1 << 18], lf[1 << 18], yf[1 << 18];
    uint64_t s = 88172645463325252ULL;
    size_t i, n = 1 << 18;
    double acc = 0;
    for (i = 0; i < n; ++i) {
        uint32_t w;
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        memcpy(&x[i], &s, sizeof x[i]);
        w = (uint32_t)(s >> 16);
        memcpy(&xf[i], &w, sizeof xf[i]);
        l[i] = x[i] * 0x1p-60;
        lf[i] = xf[i] * 0x1p-30F;
    }
    x[0] = HUGE_VAL; x[1] = -HUGE_VAL; x[2] = NAN; x[3] = 0.0; x[4] = -0.0;
""" + "".join(f"    loop_{f}_f64(n, x, y); acc += y[5];\n    loop_{f}_f32(n, xf, yf); acc += yf[5];\n"
              f"    loop_{f}_f32x(n, x, y); acc += y[5];\n" for f in FUNCS) + """
    loop_exp_dd_f64(n, x, l, y); loop_exp_dd_f32(n, xf, lf, yf); loop_exp2dd_f64(n, x, l, y, z);
    loop_exp_dd_f32x(n, x, l, y);
    printf("%g\\n", acc + y[7] + z[7] + yf[7]);
    return 0;
}
"""
    src = tmp_path / "san.c"
    src.write_text(driver_source() + main)
    exe = tmp_path / "san"
    proc = subprocess.run(["gcc", "-std=c99", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                           "-o", str(exe), str(src), "-lm"], capture_output=True, text=True)
    if proc.returncode != 0 and "sanitize" in proc.stderr and "cannot find" in proc.stderr:
        pytest.skip("sanitizer runtime not installed")
    assert proc.returncode == 0, proc.stderr[:3000]
    run = subprocess.run([str(exe)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[:3000]


# --------------------------------------------------------------------------------------
# The fits, against independent mpmath evaluations
# --------------------------------------------------------------------------------------

def _poly(c, v):
    return mp.polyval([mp.mpf(x) for x in c][::-1], v)


def test_fits_against_mpmath():
    """Each fit of the data file between its nodes, against mpmath's own functions (at 200
    digits where the definition cancels): the error left is what the runtimes' budgets
    assume.  Double: 2^-56 for the fits that are the result's factor (erf, J: leading
    coefficient as hi + lo), 2^-53 for Q and R, which enter multiplied by r^2/6 <= 0.021
    and z/3 <= 0.01.  Float (a double result within 2^-32): 2^-33, and 2^-28 for R."""
    from symact.emit import constants
    d = constants.load()
    half = mp.mpf(1) / 2
    with mp.workdps(200):
        cases = {
            "EL_EXPM1_Q": (lambda r: (mp.expm1(r) - r - r * r / 2) / r ** 3, lambda r: r, -0.35, 0.35, -53),
            "EL_EXPM1_F32": (lambda r: (mp.expm1(r) - r) / r ** 2, lambda r: r, -0.35, 0.35, -33),
            "EL_LOG_R": (lambda z: (2 * mp.atanh(mp.sqrt(z)) / mp.sqrt(z) - 2) / z, lambda z: z, 1e-6, 0.0297, -53),
            "EL_LOG_R_F32": (lambda z: (2 * mp.atanh(mp.sqrt(z)) / mp.sqrt(z) - 2) / z, lambda z: z, 1e-6, 0.0297, -28),
            "EL_ERF_SMALL": (lambda w: mp.erf(mp.sqrt(w)) / mp.sqrt(w), lambda w: w, 1e-6, 0.25, -56),
            "EL_ERF_SMALL_F32": (lambda w: mp.erf(mp.sqrt(w)) / mp.sqrt(w), lambda w: w, 1e-6, 0.25, -33),
            "EL_ERFC_NEAR": (lambda a: mp.erfc(a) * mp.exp(a * a) * (a + half),
                             lambda a: a - mp.mpf(d["EL_ERFC_NEAR_SHIFT"]["values"][0]), 0.5, 2.0, -56),
            "EL_ERFC_NEAR_F32": (lambda a: mp.erfc(a) * mp.exp(a * a) * (a + half),
                                 lambda a: a - mp.mpf(d["EL_ERFC_NEAR_SHIFT"]["values"][0]), 0.5, 2.0, -33),
            "EL_ERFC_FAR": (lambda a: mp.erfc(a) * mp.exp(a * a) * (a + half),
                            lambda a: mp.mpf(d["EL_ERFC_FAR_SHIFT"]["values"][0]) - 1 / (a + half), 2.0, 27.3, -56),
            "EL_ERFC_FAR_F32": (lambda a: mp.erfc(a) * mp.exp(a * a) * (a + half),
                                lambda a: mp.mpf(d["EL_ERFC_FAR_SHIFT_F32"]["values"][0]) - 1 / (a + half),
                                2.0, 10.1, -33),
        }
        for name, (f, var, lo, hi, log2_bound) in cases.items():
            c = [mp.mpf(v) for v in d[name]["values"]]
            c[0] += mp.mpf(d[name].get("lo", 0.0))
            worst = max(abs(_poly(c, var(x)) / f(x) - 1)
                        for x in (mp.mpf(lo) + (mp.mpf(hi) - mp.mpf(lo)) * (k + mp.mpf(1) / 7) / 150
                                  for k in range(150)))
            assert worst < mp.mpf(2) ** log2_bound, (name, float(mp.log(worst, 2)))


def test_generated_source_holds_the_runtime_and_its_fits(repo):
    text = (repo / "generated" / "symact.c").read_text()
    assert "Runtime: symact/emit/c/runtime/elementary.h" in text
    assert text.index("elementary.h") < text.index("Runtime: symact/emit/c/runtime/primitives.h")
    for name in ("EL_EXPM1_Q", "EL_LOG_R", "EL_ERFC_FAR", "EL_ERFC_NEAR_F32"):
        assert f"static const double symact__c_{name}[" in text


# --------------------------------------------------------------------------------------
# The benchmark command (its table, not its figures)
# --------------------------------------------------------------------------------------

def _benchmark(repo):
    import importlib.util
    spec = importlib.util.spec_from_file_location("bench_elementary", repo / "benchmarks" / "elementary.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_benchmark_prints_the_ratio_table(repo, capsys):
    bench = _benchmark(repo)
    assert bench.main(["--n", "2000", "--rounds", "1", "--flags=-O2"]) == 0
    out = capsys.readouterr().out
    rows = re.findall(r"^\| (\w+) \| (float\d+|f32x) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|$", out, re.M)
    assert len(rows) == len(bench.cases()) == 3 * len(FUNCS) + 4
    for _, _, own, ref, ratio in rows:
        assert float(own) > 0 and float(ref) > 0
        assert abs(float(ratio) - float(ref) / float(own)) < 0.02 * float(ratio) + 0.01
    assert "median libm/symact" in out


def test_benchmark_refuses_bad_input(repo, capsys):
    assert _benchmark(repo).main(["--n", "0"]) == 2
    assert "--n" in capsys.readouterr().err
