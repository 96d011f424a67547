"""Vector kernels (logsumexp, softmax, log_softmax, logsumexp_grad, softmax_vjp,
log_softmax_vjp): every output element against an mpmath oracle, in ULPs.

The oracle is written here, independently of the kernels: exp of the exact
shifts x_i - max(x) at 200 bits, then the sums and the VJP numerators
g_i S - sum_j e_j g_j and g_i S - e_i sum_j g_j at 4000 bits, where the
products of those 200-bit exponentials with the 53-bit g are exact, so the
cancellation of y_k (g_k - sum g y) to 1e-300 is resolved; then rounded. Both backends (NumPy and C) and both dtypes are checked; the C tests
skip only when no C compiler exists. The kernels under test are the generated
ones when ``generated/`` has them, else the runtime sources themselves (the
NumPy runtime's ``vector.py`` imported, the C runtime's vector files compiled
with ``cc -O2 -std=c99``), so the runtime is what is tested either way.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import shutil
import subprocess
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest

from symact.verify.grid import cotangent_at_mean

REPO = Path(__file__).resolve().parents[1]
CC = shutil.which("cc") or shutil.which("gcc")
KERNELS = ("logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp",
           "log_softmax_vjp")
DTYPES = (np.float64, np.float32)
MAX_ULP = 4.0


# --------------------------------------------------------------------------
# Oracle (independent of the kernels)
# --------------------------------------------------------------------------
_FLOOR = -3000  # exp(-3000) * 2**1024 is far below the smallest subnormal of float64


@functools.lru_cache(maxsize=None)
def _oracle(xb: bytes, gb: bytes | None):
    """Exact outputs for one float64 row x (and cotangent g) as mpmath numbers."""
    x = np.frombuffer(xb, dtype=np.float64)
    with mp.workprec(200):
        m = mp.mpf(float(x.max()))
        d = [mp.mpf(float(v)) - m for v in x]
        e = [mp.exp(v) if v > _FLOOR else mp.mpf(0) for v in d]
    with mp.workprec(4000):
        s = mp.fsum(e)
    out = {}
    with mp.workprec(200):
        lse = m + mp.log(s)
        out["logsumexp"] = [lse]
        out["log_softmax"] = [v - mp.log(s) for v in d]
        out["softmax"] = [mp.exp(v) if v > _FLOOR else mp.mpf(0) for v in out["log_softmax"]]
        out["logsumexp_grad"] = out["softmax"]
    if gb is not None:
        g = [mp.mpf(float(v)) for v in np.frombuffer(gb, dtype=np.float64)]
        with mp.workprec(4000):             # products of 200- and 53-bit numbers: exact
            h = mp.fsum([a * b for a, b in zip(e, g)])
            gs = mp.fsum(g)
            dnum = [gi * s - h for gi in g]          # S * (g_i - sum g y) * S
            lnum = [gi * s - ei * gs for gi, ei in zip(g, e)]
        with mp.workprec(200):
            out["softmax_vjp"] = [ei * di / (s * s) for ei, di in zip(e, dnum)]
            out["log_softmax_vjp"] = [v / s for v in lnum]
    return out


def oracle(x, g=None):
    x = np.ascontiguousarray(x, dtype=np.float64)
    gb = None if g is None else np.ascontiguousarray(g, dtype=np.float64).tobytes()
    return _oracle(x.tobytes(), gb)


def ulps(computed, exact, dtype) -> float:
    """|computed - exact| / ulp(exact rounded to dtype); inf for a non-finite miss."""
    c = float(computed)
    with np.errstate(over="ignore"):
        r = dtype(float(exact))             # float() of a huge mpf is inf
    if not np.isfinite(r):
        return 0.0 if c == float(r) else float("inf")
    if not np.isfinite(c):
        return float("inf")
    u = float(np.spacing(abs(r))) if r != 0 else float(np.spacing(dtype(0)))
    return float(abs(mp.mpf(c) - exact) / u)


def max_ulps(values, exact, dtype):
    worst, where = 0.0, None
    for i, (c, e) in enumerate(zip(np.ravel(values), exact)):
        err = ulps(c, e, dtype)
        if err > worst:
            worst, where = err, i
    return worst, where


# --------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------
def _generated_numpy():
    """The generated module when it already has the vector kernels, else None."""
    try:
        import symact_numpy
    except ImportError:
        return None
    return symact_numpy if all(hasattr(symact_numpy, k) for k in KERNELS) else None


@functools.lru_cache(maxsize=None)
def _standalone_dir() -> Path:
    import tempfile
    return Path(tempfile.mkdtemp(prefix="symact_vector_"))


def _standalone_numpy():
    """The NumPy runtime's vector module itself (symact/emit/numpy/runtime/vector.py)."""
    from symact.emit.numpy.runtime import vector
    return vector


def standalone_c_source(directory: Path) -> Path:
    """The C runtime's vector files (with what they need) as one C file under ``directory``."""
    from symact.emit.c import BACKEND
    src = directory / "vector_standalone.c"
    src.write_text(BACKEND.standalone(["doubleword.h", "elementary.h", "vector_core.h", "vector_exact.h",
                                       "vector_fast.h", "vector.h"]))
    return src


class _CVector:
    """ctypes calls of the standalone C kernels with symact_numpy's vector API."""

    def __init__(self, lib_path: Path):
        self.lib = ctypes.CDLL(str(lib_path))
        for k in KERNELS:
            for tag in ("f64", "f32"):
                fn = getattr(self.lib, f"symact_{k}_{tag}")
                fn.restype = ctypes.c_int
                fn.argtypes = [ctypes.c_size_t, ctypes.c_size_t] + [ctypes.c_void_p] * (
                    3 if k.endswith("vjp") else 2)

    def raw(self, name, dtype):
        return getattr(self.lib, f"symact_{name}_{'f64' if dtype == np.float64 else 'f32'}")

    def _call(self, name, x, g=None, axis=-1):
        a = np.asarray(x)
        if a.dtype not in (np.float32, np.float64):
            a = a.astype(np.float64)
        c = np.ascontiguousarray(np.moveaxis(a, axis, -1))
        cols = c.shape[-1]
        rows = int(np.prod(c.shape[:-1], dtype=np.int64))
        out = np.empty(c.shape[:-1] if name == "logsumexp" else c.shape, dtype=c.dtype)
        args = [c.ctypes.data]
        if g is not None:
            gg = np.ascontiguousarray(np.moveaxis(np.asarray(g, dtype=c.dtype), axis, -1))
            assert gg.shape == c.shape
            args.append(gg.ctypes.data)
        rc = self.raw(name, c.dtype)(rows, cols, *args, out.ctypes.data)
        assert rc == 0
        return out if name == "logsumexp" else np.moveaxis(out, -1, axis)

    def __getattr__(self, name):
        if name not in KERNELS:
            raise AttributeError(name)
        if name.endswith("vjp"):
            return lambda x, g, axis=-1: self._call(name, x, g, axis)
        return lambda x, axis=-1: self._call(name, x, None, axis)


@functools.lru_cache(maxsize=None)
def _standalone_c() -> _CVector:
    d = _standalone_dir()
    src = standalone_c_source(d)
    lib = d / "libvector_standalone.so"
    subprocess.run([CC, "-O2", "-std=c99", "-fPIC", "-shared", "-o", str(lib), str(src), "-lm"],
                   check=True, capture_output=True, text=True)
    return _CVector(lib)


def _generated_c():
    """symact.emit.c.loader.load() when the generated C already has the vector kernels."""
    try:
        from symact.emit.c import loader as cbuild
        from symact.emit.resources import generated_dir
    except ImportError:
        return None
    header = generated_dir() / "symact.h"
    if not header.is_file() or "symact_softmax_vjp_f64" not in header.read_text():
        return None
    mod = cbuild.load()
    return mod if all(hasattr(mod, k) for k in KERNELS) else None


@pytest.fixture(scope="module", params=["numpy", "c"])
def backend(request):
    if request.param == "numpy":
        return _generated_numpy() or _standalone_numpy()
    if CC is None:
        pytest.skip("no C compiler")
    return _generated_c() or _standalone_c()


@pytest.fixture(scope="module")
def clib():
    """The standalone-compiled C templates, for raw calls (in place, cols == 0)."""
    if CC is None:
        pytest.skip("no C compiler")
    return _standalone_c()


# --------------------------------------------------------------------------
# Rows: lengths 1..1000, scales up to 1e300, far below the max, dominant, ties
# --------------------------------------------------------------------------
def accuracy_rows(dtype):
    rng = np.random.default_rng(20261129)
    big = 1e300 if dtype == np.float64 else 1e37
    far = (500.0, 745.0) if dtype == np.float64 else (60.0, 104.0)
    rows = []
    for n in (1, 2, 3, 5, 10, 31, 100, 317, 1000):
        for scale in (1.0, 20.0, 1e3, 1e10, big):
            rows.append(rng.standard_normal(n) * scale)
    for n in (1, 4, 60):
        rows.append(np.concatenate([[0.25], 0.25 - rng.uniform(*far, n)]))    # far below
        rows.append(np.concatenate([[-3.0], -3.0 - rng.uniform(30, 60, n)]))   # dominant
        rows.append(np.concatenate([[1.5, 1.5], 1.5 - rng.uniform(0, 4, n)]))  # tie at the max
    rows.append(rng.uniform(-1e-8, 1e-8, 50))                                 # near-uniform
    rows.append(np.full(7, 2.5))                                              # all tied
    rows.append(np.full(3, -np.log(3.0)))                                     # lse near 0
    rows.append(np.array([-0.5526473234, -0.7847803553]))                     # lse near 0
    rows.append(np.array([0.0, 1e-10]))
    rows.append(np.array([-1e300, 3.0, -7.5]) if dtype == np.float64 else np.array([-3e38, 3.0]))
    rows.append(np.array([1.7e308, -1.7e308, 1e308]) if dtype == np.float64
                else np.array([3.3e38, -3.3e38, 1e38]))
    return [np.asarray(r, dtype=dtype) for r in rows]


def cotangent(x, k):
    rng = np.random.default_rng(k)
    return rng.standard_normal(x.size).astype(x.dtype)


def _worst(backend, kernel, dtype):
    worst = (0.0, None)
    for k, x in enumerate(accuracy_rows(dtype)):
        g = cotangent(x, k) if kernel.endswith("vjp") else None
        exact = oracle(x.astype(np.float64), None if g is None else g.astype(np.float64))[kernel]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = getattr(backend, kernel)(x) if g is None else getattr(backend, kernel)(x, g)
        assert np.asarray(got).dtype == dtype
        err, i = max_ulps(np.atleast_1d(got), exact, dtype)
        if err > worst[0]:
            worst = (err, (k, x.size, i))
    return worst


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kernel", KERNELS)
def test_every_element_within_budget(backend, kernel, dtype):
    err, where = _worst(backend, kernel, dtype)
    assert err <= MAX_ULP, f"{kernel} {dtype.__name__}: {err:.2f} ULP at (row, n, index) {where}"


@pytest.mark.parametrize("gscale", [1e-300, 1e-20, 1e20, 1e300, 1.7e308])
def test_vjp_cotangent_of_any_scale(backend, gscale):
    # Products exp(x_j - m) * g_j are representable though exp(x_j - m) is not
    # (x_j 800 below the max, g ~ 1e300): they must not be lost or overflow.
    rng = np.random.default_rng(5)
    rows = [np.array([0.0, -800.0, -900.0]), np.array([0.0, -1.0, -2.0, -1000.0]),
            np.concatenate([[2.0], 2.0 - rng.uniform(0, 760, 40)])]
    for x in rows:
        g = rng.uniform(-1, 1, x.size) * gscale
        exact = oracle(x, g)
        for k in ("softmax_vjp", "log_softmax_vjp"):
            err, i = max_ulps(getattr(backend, k)(x, g), exact[k], np.float64)
            assert err <= MAX_ULP, (k, x.size, i, err)


def _cancellation(x, g, kernel):
    """|L(g)| / sum_j |c_j g_j| for the linear form L of symact.verify.grid.cotangent_at_mean,
    computed here on its own."""
    with mp.workprec(200):
        e = [mp.exp(mp.mpf(float(v)) - mp.mpf(float(x.max()))) for v in x]
        y = [v / mp.fsum(e) for v in e]
        c = [(1 if j == 0 else 0) - (y[j] if kernel == "softmax_vjp" else y[0]) for j in range(x.size)]
        terms = [cj * mp.mpf(float(gj)) for cj, gj in zip(c, g)]
        return float(abs(mp.fsum(terms)) / mp.fsum([abs(t) for t in terms]))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kernel", ["softmax_vjp", "log_softmax_vjp"])
def test_vjp_of_a_cotangent_at_the_weighted_mean(backend, kernel, dtype):
    # dx_0 = y_0 (g_0 - sum g y) cancels by 2^-30 or more: plain double would lose about
    # 2^-22 of it (8 million float ulps) and the C fast path's double-word 2^-75 more than
    # float64's ulp, so the fast path must see that the entry is not certified and take
    # the exact path (docs/numerics.md pitfall 13)
    _check_cotangent_at_the_weighted_mean(backend, kernel, dtype)


def _check_cotangent_at_the_weighted_mean(backend, kernel, dtype):
    rng = np.random.default_rng(17)
    for n in (3, 5, 40, 700):
        for trial in range(4):
            x = rng.uniform(-4, 4, n).astype(dtype)
            g = cotangent_at_mean(x, kernel, dtype, rng)
            ratio = _cancellation(x, g, kernel)
            assert ratio < 2.0 ** -30, (n, trial, ratio)
            exact = oracle(x.astype(np.float64), g.astype(np.float64))[kernel]
            got = getattr(backend, kernel)(x, g)
            err = ulps(got[0], exact[0], dtype)
            assert err <= 1.0, (n, trial, ratio, err)


def _lse_near_zero_rows(dtype):
    """Rows [a, b] whose logsumexp cancels to 2^-32 of |max| or more.  float32: the pairs
    near -ln 2 that cancel most (a search over 2^22 of them, about 2^-34); plain float64
    (2^-53 of the terms) is then 10 to 100 float ulps off.  float64: b = log(1 - e^a)
    rounded, then k ulps away, so the cancellation runs from 2^-46 to 2^-33: the C fast
    path's double-word sums (2^-75) lose up to 2^24 ulps there.  (Below 2^-50 even the
    double-double kernels, 2^-104 of the terms, reach an ulp.)"""
    if dtype == np.float32:
        steps = np.arange(-1024, 1024, dtype=np.int32)
        a = (np.float32(-np.log(2.0)).view(np.int32) + steps).view(np.float32).astype(np.float64)
        m = np.maximum(a[:, None], a[None, :])
        lse = np.abs(m + np.log1p(np.exp(-np.abs(a[:, None] - a[None, :]))))
        best = np.argsort(lse, axis=None)[:6:2]     # (i, j) and (j, i) come in pairs
        return [np.array([a[i], a[j]], dtype=np.float32) for i, j in zip(*np.unravel_index(best, lse.shape))]
    rows = []
    for a in (-0.6, -0.05, -1.7):
        with mp.workprec(200):
            b = float(mp.log(1 - mp.exp(mp.mpf(a))))
        for k in (1000, -30000, 300000):
            rows.append(np.array([a, (np.float64(b).view(np.int64) + k).view(np.float64)]))
    return rows


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_logsumexp_that_cancels_to_near_zero(backend, dtype):
    # m + log S is exact in the fast arithmetic unless it cancels: the fast paths (the C
    # kernels' and the frameworks' float kernels) must hand such rows to the exact path
    _check_logsumexp_near_zero(backend, dtype)


def _check_logsumexp_near_zero(backend, dtype):
    for x in _lse_near_zero_rows(dtype):
        exact = oracle(x.astype(np.float64), None)["logsumexp"][0]
        assert abs(float(exact)) < 2.0 ** -32 * abs(float(x.max())), (x, float(exact))
        for row in (x, x[::-1], np.concatenate([x, [dtype(-200.0)]])):
            got = backend.logsumexp(row)
            assert ulps(float(got), exact, dtype) <= 1.0, (row, float(got), float(exact))


# The torch and JAX backends (their loaders give symact_numpy's API): float rows take the
# float-precision kernels with a certificate (symact/emit/tensor/runtime/vector.py), which
# these rows must send to the double-double kernels.
@pytest.fixture(scope="module", params=["torch", "jax"])
def framework(request):
    pytest.importorskip(request.param)
    return importlib.import_module(f"symact.emit.{request.param}.loader").load()


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("kernel", ["softmax_vjp", "log_softmax_vjp"])
def test_framework_vjp_of_a_cotangent_at_the_weighted_mean(framework, kernel, dtype):
    _check_cotangent_at_the_weighted_mean(framework, kernel, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_framework_logsumexp_that_cancels_to_near_zero(framework, dtype):
    _check_logsumexp_near_zero(framework, dtype)


@pytest.mark.parametrize("kernel", KERNELS)
def test_framework_float32_rows_within_budget(framework, kernel):
    err, where = _worst(framework, kernel, np.float32)
    assert err <= 1.0, f"{kernel}: {err:.2f} ULP at (row, n, index) {where}"


def test_gradient_of_constant_cotangent_is_exactly_zero(backend):
    # sum_i softmax_i == 1, so the VJP of g = 1 is exactly 0 for every x.
    for x in accuracy_rows(np.float64)[:40]:
        dx = backend.softmax_vjp(x, np.ones_like(x))
        assert np.all(dx == 0.0), x


# --------------------------------------------------------------------------
# Special values: the the special-value contract, docs/contract.md, exactly
# --------------------------------------------------------------------------
INF, NAN = np.inf, np.nan


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_special_rows(backend, dtype):
    x = np.array([[1.0, INF, 2.0, INF],          # +inf: uniform over the +inf entries
                  [-INF, -INF, -INF, -INF],      # all -inf: masked
                  [0.0, NAN, 1.0, 2.0],          # nan: nan row
                  [NAN, INF, -INF, 0.0],         # nan wins over inf
                  [0.0, -INF, -INF, 3.0]],       # -inf entries in a finite row
                 dtype=dtype)
    g = np.array([[1.0, 2.0, 3.0, 4.0]] * 5, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lse = backend.logsumexp(x)
        sm = backend.softmax(x)
        ls = backend.log_softmax(x)
        gr = backend.logsumexp_grad(x)
        sv = backend.softmax_vjp(x, g)
        lv = backend.log_softmax_vjp(x, g)
    for out in (lse, sm, ls, gr, sv, lv):
        assert out.dtype == dtype
    assert lse[0] == INF and lse[1] == -INF and np.isnan(lse[2]) and np.isnan(lse[3])
    assert np.array_equal(sm[0], [0, 0.5, 0, 0.5])
    assert np.array_equal(ls[0], np.array([-INF, -np.log(2.0), -INF, -np.log(2.0)], dtype=dtype))
    assert np.array_equal(sv[0], [0, 0.5 * (2 - 3), 0, 0.5 * (4 - 3)])
    assert np.array_equal(lv[0], [1, 2 - 0.5 * 10, 3, 4 - 0.5 * 10])
    assert np.array_equal(sm[1], np.zeros(4)) and np.array_equal(gr[1], np.zeros(4))
    assert np.array_equal(ls[1], np.full(4, -INF))
    assert np.array_equal(sv[1], np.zeros(4)) and np.array_equal(lv[1], np.zeros(4))
    for out in (sm, ls, gr, sv, lv):
        assert np.all(np.isnan(out[2])) and np.all(np.isnan(out[3]))
    row4 = oracle(x[4].astype(np.float64), g[4].astype(np.float64))
    for k, out in (("softmax", sm), ("log_softmax", ls), ("softmax_vjp", sv),
                   ("log_softmax_vjp", lv)):
        assert max_ulps(out[4], row4[k], dtype)[0] <= 1, k
    assert ls[4][1] == -INF and ls[4][2] == -INF and np.isfinite(ls[4][0])
    assert np.all(np.isfinite(sv[4])) and np.all(np.isfinite(lv[4]))
    assert np.array_equal(gr, sm, equal_nan=True)


def test_single_inf_row_log_softmax_is_zero(backend):
    ls = backend.log_softmax(np.array([3.0, INF, -1.0]))
    assert np.array_equal(ls, [-INF, 0.0, -INF])


def test_length_one_rows(backend):
    x = np.array([[-1e300], [0.0], [5.0], [-INF], [INF]])
    assert np.array_equal(backend.softmax(x), [[1.0], [1.0], [1.0], [0.0], [1.0]])
    assert np.array_equal(backend.log_softmax(x)[:3], np.zeros((3, 1)))
    assert np.array_equal(backend.logsumexp(x), [-1e300, 0.0, 5.0, -INF, INF])


def test_empty_axis(backend):
    assert np.array_equal(backend.logsumexp(np.zeros((3, 0))), np.full(3, -INF))
    for k in ("softmax", "log_softmax", "logsumexp_grad"):
        assert getattr(backend, k)(np.zeros((3, 0))).shape == (3, 0)
    assert backend.softmax_vjp(np.zeros((2, 0)), np.zeros((2, 0))).shape == (2, 0)
    assert backend.softmax(np.zeros((0, 4))).shape == (0, 4)


def test_dtypes_axis_and_shapes(backend):
    x32 = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]], dtype=np.float32)
    for k in KERNELS:
        f = getattr(backend, k)
        out = f(x32, x32) if k.endswith("vjp") else f(x32)
        assert out.dtype == np.float32, k
    assert backend.softmax(np.array([[1, 2], [3, 5]])).dtype == np.float64
    xi = np.arange(12.0).reshape(3, 4) / 3
    assert np.array_equal(backend.softmax(xi, axis=0), backend.softmax(xi.T).T)
    assert np.array_equal(backend.logsumexp(xi, axis=0), backend.logsumexp(xi.T))
    assert np.array_equal(backend.softmax_vjp(xi, xi[::-1], axis=0),
                          backend.softmax_vjp(xi.T, xi[::-1].T).T)
    x3 = np.random.default_rng(3).standard_normal((2, 3, 4))
    assert backend.log_softmax(x3, axis=1).shape == (2, 3, 4)
    assert backend.logsumexp(x3, axis=1).shape == (2, 4)
    with pytest.raises(ValueError):
        backend.softmax_vjp(np.zeros(3), np.zeros(4))
    assert backend.softmax(np.float64(2.0)) == 1.0          # a 0-d input is one entry


def test_no_warnings_for_any_input(backend):
    rng = np.random.default_rng(7)
    pool = np.array([0.0, -0.0, INF, -INF, NAN, 1e308, -1e308, 5e-324, 1.0, -745.2, 709.9])
    x = rng.choice(pool, size=(200, 5))
    g = rng.choice(pool, size=(200, 5))
    for dt in DTYPES:
        with np.errstate(all="ignore"):               # 1e308 -> inf in float32
            xd, gd = x.astype(dt), g.astype(dt)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for k in KERNELS:
                f = getattr(backend, k)
                out = f(xd, gd) if k.endswith("vjp") else f(xd)
                assert out.dtype == dt


# --------------------------------------------------------------------------
# Naive forms fail where these kernels hold (named inputs)
# --------------------------------------------------------------------------
def _naive_softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


NAIVE_CASES = {
    # exp amplifies the rounding of x_i - m: |x_i - m| ~ 700
    "softmax far below the max": (
        "softmax", np.array([0.1, -700.3, -650.77]), None,
        lambda x, g: _naive_softmax(x)),
    # log(softmax) of the dominant entry is log(1) = 0; the value is -1.9e-22
    "log_softmax dominant entry (log of softmax)": (
        "log_softmax", np.array([0.0, -50.0]), None,
        lambda x, g: np.log(_naive_softmax(x))),
    "log_softmax dominant entry (x - m - log sum)": (
        "log_softmax", np.array([0.0, -50.0]), None,
        lambda x, g: x - x.max() - np.log(np.exp(x - x.max()).sum())),
    # y_k (g_k - sum g y) cancels to 0; the value is y_k y_j (g_k - g_j) ~ 2e-18
    "softmax_vjp dominant entry": (
        "softmax_vjp", np.array([0.0, -40.0]), np.array([1.0, 0.5]),
        lambda x, g: _naive_softmax(x) * (g - (g * _naive_softmax(x)).sum())),
    # g_k - y_k sum(g) = 1 - y_k cancels to 0; the value is y_j ~ 1.9e-22
    "log_softmax_vjp dominant entry": (
        "log_softmax_vjp", np.array([0.0, -50.0]), np.array([1.0, 0.0]),
        lambda x, g: g - _naive_softmax(x) * g.sum()),
    # m + log(sum) with ties at -log 3: m + fl(log 3) = 0; the value is ~5e-17
    "logsumexp near zero": (
        "logsumexp", np.full(3, -np.log(3.0)), None,
        lambda x, g: np.array([x.max() + np.log(np.exp(x - x.max()).sum())])),
}


@pytest.mark.parametrize("case", sorted(NAIVE_CASES))
def test_naive_form_fails_where_kernel_holds(backend, case):
    kernel, x, g, naive = NAIVE_CASES[case]
    exact = oracle(x, g)[kernel]
    with np.errstate(all="ignore"):
        naive_err = max_ulps(np.atleast_1d(naive(x, g)), exact, np.float64)[0]
    got = getattr(backend, kernel)(x) if g is None else getattr(backend, kernel)(x, g)
    ours = max_ulps(np.atleast_1d(got), exact, np.float64)[0]
    assert naive_err > 16, f"{case}: the naive form is only {naive_err} ULP off"
    assert ours <= 1.0, f"{case}: {ours} ULP"


class _NaiveBackend:
    """The textbook max-shifted forms (what NumPy/SciPy/PyTorch users write)."""

    @staticmethod
    def logsumexp(x):
        m = x.max(-1, keepdims=True)
        return (m + np.log(np.exp(x - m).sum(-1, keepdims=True)))[..., 0]

    @staticmethod
    def softmax(x):
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    logsumexp_grad = softmax

    @staticmethod
    def log_softmax(x):
        m = x.max(-1, keepdims=True)
        return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))

    @staticmethod
    def softmax_vjp(x, g):
        y = _NaiveBackend.softmax(x)
        return y * (g - (g * y).sum(-1, keepdims=True))

    @staticmethod
    def log_softmax_vjp(x, g):
        return g - _NaiveBackend.softmax(x) * g.sum(-1, keepdims=True)


@pytest.mark.parametrize("kernel", KERNELS)
def test_accuracy_rows_catch_the_naive_form(kernel):
    # The same rows and budget as test_every_element_within_budget: they must
    # fail the textbook form of every kernel (measured: 400 ULP to 1e16 ULP).
    with np.errstate(all="ignore"):
        err, _ = _worst(_NaiveBackend, kernel, np.float64)
    assert err > 16 * MAX_ULP


# --------------------------------------------------------------------------
# C specifics: in place, cols == 0, warnings-clean and sanitizer-clean builds
# --------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_c_in_place(clib, dtype):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((4, 9)) * 30).astype(dtype)
    x[1, 3] = INF
    x[2, :] = -INF
    g = rng.standard_normal((4, 9)).astype(dtype)
    for name in ("softmax", "log_softmax", "logsumexp_grad"):
        want = getattr(clib, name)(x)
        buf = x.copy()
        assert clib.raw(name, dtype)(4, 9, buf.ctypes.data, buf.ctypes.data) == 0
        assert np.array_equal(buf, want, equal_nan=True), name
    for name in ("softmax_vjp", "log_softmax_vjp"):
        want = getattr(clib, name)(x, g)
        for alias in ("x", "g"):
            xb, gb = x.copy(), g.copy()
            out = xb if alias == "x" else gb
            assert clib.raw(name, dtype)(4, 9, xb.ctypes.data, gb.ctypes.data,
                                         out.ctypes.data) == 0
            assert np.array_equal(out, want, equal_nan=True), (name, alias)
    want = clib.logsumexp(x)
    buf = x.copy()
    assert clib.raw("logsumexp", dtype)(4, 9, buf.ctypes.data, buf.ctypes.data) == 0
    assert np.array_equal(buf.ravel()[:4], want)


def test_c_zero_sizes_write_nothing(clib):
    sentinel = np.full(6, 7.0)
    for name in ("softmax", "log_softmax", "logsumexp_grad"):
        for rows, cols in ((0, 3), (3, 0)):
            assert clib.raw(name, np.float64)(rows, cols, sentinel.ctypes.data,
                                              sentinel.ctypes.data) == 0
    assert clib.raw("logsumexp", np.float64)(0, 3, sentinel.ctypes.data, sentinel.ctypes.data) == 0
    assert np.all(sentinel == 7.0)
    out = np.full(3, 7.0)
    assert clib.raw("logsumexp", np.float64)(3, 0, sentinel.ctypes.data, out.ctypes.data) == 0
    assert np.array_equal(out, np.full(3, -INF))


DRIVER = r"""
#include <stdio.h>
int main(void)
{
    double x[16] = {1.0, 2.0, -1e300, 0.5, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL, -HUGE_VAL,
                    0.0, HUGE_VAL, 3.0, HUGE_VAL, 1.0, 0.0, 0.0, 0.0};
    double g[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, y[16], d[16];
    float xf[16], gf[16], yf[16];
    int i, rc = 0;
    x[13] = NAN;
    for (i = 0; i < 16; ++i) { xf[i] = (float)x[i]; gf[i] = (float)g[i]; }
    xf[2] = -3e38f;
    rc |= symact_logsumexp_f64(4, 4, x, y);
    rc |= symact_softmax_f64(4, 4, x, y);
    rc |= symact_log_softmax_f64(4, 4, x, y);
    rc |= symact_logsumexp_grad_f64(4, 4, x, y);
    rc |= symact_softmax_vjp_f64(4, 4, x, g, d);
    rc |= symact_log_softmax_vjp_f64(4, 4, x, g, d);
    rc |= symact_logsumexp_f32(4, 4, xf, yf);
    rc |= symact_softmax_f32(4, 4, xf, yf);
    rc |= symact_log_softmax_f32(4, 4, xf, yf);
    rc |= symact_logsumexp_grad_f32(4, 4, xf, yf);
    rc |= symact_softmax_vjp_f32(4, 4, xf, gf, yf);
    rc |= symact_log_softmax_vjp_f32(4, 4, xf, gf, yf);
    /* in place and zero sizes */
    rc |= symact_softmax_f64(4, 4, x, x);
    rc |= symact_softmax_vjp_f64(4, 4, g, x, x);
    rc |= symact_log_softmax_vjp_f32(4, 4, xf, gf, gf);
    rc |= symact_softmax_f64(0, 4, NULL, NULL);
    rc |= symact_softmax_vjp_f64(4, 0, NULL, NULL, NULL);
    rc |= symact_logsumexp_f64(2, 0, NULL, y);
    printf("%d %g\n", rc, y[0]);
    return rc;
}
"""


def test_c_strict_and_sanitized(tmp_path):
    if shutil.which("gcc") is None:
        pytest.skip("no gcc")
    src = standalone_c_source(tmp_path)
    (tmp_path / "driver.c").write_text(src.read_text() + DRIVER)
    strict = ["gcc", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-O2"]
    proc = subprocess.run(strict + ["-c", str(src), "-o", str(tmp_path / "v.o")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    exe = tmp_path / "driver"
    proc = subprocess.run(strict[:-1] + ["-O1", "-g", "-fsanitize=address,undefined",
                                         "-fno-sanitize-recover=all", "-o", str(exe),
                                         str(tmp_path / "driver.c"), "-lm"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    run = subprocess.run([str(exe)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[0] == "0" and float(run.stdout.split()[1]) == -INF
