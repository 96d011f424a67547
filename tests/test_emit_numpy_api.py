"""The public API as NumPy users expect it, on both backends (the generated NumPy
module and ``symact.load_c()``): dtypes, shapes, scalars, ``out=`` (aliasing the
input included), strides and byte order, broadcasting parameters with elementwise
constraint errors, the vector kernels' axis forms, ``keepdims``, ``b=`` and
``return_sign``, the docstrings' examples (a doctest run), and bounded memory.

Expected values come from plain NumPy formulas where those are exact or
well-conditioned (``numpy.where(x > 0, x, a*x)``), from mpmath, or from the
same kernel on an input NumPy has already converted (a copy, a cast of the
input), never from the code path under test.
"""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest

import symact_numpy

SCALAR = [n for n in symact_numpy.__all__
          if n not in ("logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp",
                       "log_softmax_vjp")]
X = np.array([-800.0, -40.0, -3.0, -0.75, -1e-3, -0.0, 0.0, 2e-300, 0.3, 1.0, 2.5, 30.0, 710.0,
              np.inf, -np.inf, np.nan])


@pytest.fixture(scope="module", params=["numpy", "c"])
def S(request):
    if request.param == "numpy":
        return symact_numpy
    from symact.emit.c import loader
    if not loader.compiler_found():
        pytest.skip("no C compiler")
    return loader.load()


def same(a, b):
    """Equal as arrays, nan where nan, same dtype and shape."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


# --------------------------------------------------------------------------
# dtypes and scalars
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", SCALAR)
def test_dtype_in_is_dtype_out(S, name):
    f = getattr(S, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dt in ("<f2", ">f2", "<f4", ">f4", "<f8", ">f8"):
            y = f(X.astype(dt))
            assert y.dtype == np.dtype(dt).newbyteorder("="), (name, dt)
            assert y.dtype.isnative
        for v in ([1, 2, -3], [True, False], np.arange(3, dtype=np.uint8), np.arange(3, dtype=np.int64)):
            assert f(v).dtype == np.float64


def test_byte_order_gives_the_native_result(S):
    for name in ("softplus", "gelu", "mish", "celu_grad", "squareplus"):
        f = getattr(S, name)
        for dt in ("f4", "f8"):
            native = f(X.astype("=" + dt))
            assert same(f(X.astype(">" + dt)), native), (name, dt)
            assert same(f(X.astype("<" + dt)), native), (name, dt)


@pytest.mark.parametrize("dt", [np.longdouble, np.complex128, np.complex64, object, "U3", "M8[s]"])
def test_refused_dtypes_name_the_dtype(S, dt):
    if np.dtype(dt) == np.float64:
        pytest.skip("longdouble is float64 here")
    x = np.array([1, 2], dtype=dt) if dt != "M8[s]" else np.array(["2020-01-01"], dtype=dt)
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dt)))):
        S.silu(x)
    with pytest.raises(TypeError, match=re.escape(str(np.dtype(dt)))):
        S.softmax(x)


def test_float16_is_computed_wider_and_rounded_once(S):
    # every float16 in [-12, 12] at a stride: the float16 result must be the exact value
    # rounded to float16 (float16 arithmetic, or a float32 detour through NumPy's float32
    # exp, would miss it by an ulp here and there)
    h = np.arange(-12.0, 12.0, 0.0137).astype(np.float16)
    exact = {
        "sigmoid": lambda v: 1 / (1 + mpmath.exp(-v)),
        "softplus": lambda v: mpmath.log1p(mpmath.exp(v)),
        "silu": lambda v: v / (1 + mpmath.exp(-v)),
        "tanh_grad": lambda v: 1 / mpmath.cosh(v) ** 2,
    }
    with mpmath.workdps(40):
        for name, fn in exact.items():
            want = np.array([float(fn(mpmath.mpf(float(v)))) for v in h]).astype(np.float16)
            got = getattr(S, name)(h)
            assert got.dtype == np.float16
            assert np.array_equal(got, want), (name, h[got != want][:5])


def test_scalars_in_give_numpy_scalars_out(S):
    for f in (S.silu, S.elu_grad_alpha, S.hardswish):
        for v, dt in ((1.5, np.float64), (np.float64(1.5), np.float64), (np.float32(1.5), np.float32),
                      (np.float16(1.5), np.float16), (np.array(1.5), np.float64), (2, np.float64)):
            y = f(v)
            assert type(y) is dt, (f.__name__, v, type(y))
    assert type(S.logsumexp(np.array([1.0, 2.0]))) is np.float64
    assert type(S.softmax(np.float32(3.0))) is np.float32
    y = S.silu(np.array([0.5]))
    assert isinstance(y, np.ndarray) and y.shape == (1,)


def test_shapes_and_layouts(S):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 6, 5)) * 5
    for name in ("softplus", "gelu_tanh", "selu_grad", "hardtanh_grad_max_val"):
        f = getattr(S, name)
        ref = f(a.copy())
        assert ref.shape == a.shape
        assert same(f(np.asfortranarray(a)), ref)
        assert same(f(a.transpose(2, 0, 1)), ref.transpose(2, 0, 1))
        assert same(f(a[::2, ::-1, 1::2]), ref[::2, ::-1, 1::2])
        assert same(f(a.tolist()), ref)
        assert f(np.zeros((0, 3))).shape == (0, 3)
        big = rng.standard_normal(70001) * 30     # several blocks and a partial one
        assert same(f(big), np.concatenate([f(big[:40000]), f(big[40000:])]))


def test_clamps_run_in_the_input_dtype_exactly(S):
    # hardtanh, relu6, srelu are maximum/minimum in the input's dtype: the bounds rounded
    # to float32 give the float64 result rounded (no float32 lies between a bound and its
    # rounding)
    rng = np.random.default_rng(8)
    x = rng.uniform(-1, 1, 20000).astype(np.float32)
    near = np.float32([-0.1, 0.3, -0.7, 0.1])
    x = np.concatenate([x, near, np.nextafter(near, np.float32(1)), np.nextafter(near, np.float32(-1))])
    x64 = x.astype(np.float64)
    for lo, hi in ((-0.1, 0.3), (-0.7, 0.1), (-1 / 3, 2 / 3)):
        assert same(S.hardtanh(x, min_val=lo, max_val=hi), np.clip(x64, lo, hi).astype(np.float32))
        assert same(S.srelu(x, alpha=-lo), np.maximum(x64, lo).astype(np.float32))
        assert same(S.hardtanh(x.astype(np.float16), min_val=lo, max_val=hi),
                    np.clip(x.astype(np.float16).astype(np.float64), lo, hi).astype(np.float16))


# --------------------------------------------------------------------------
# out=
# --------------------------------------------------------------------------
def test_out_is_written_and_returned(S):
    x = np.linspace(-5, 5, 11)
    for name in ("softplus", "relu", "mish_grad"):
        f = getattr(S, name)
        ref = f(x)
        o = np.full_like(x, 7.0)
        assert f(x, out=o) is o and same(o, ref)
        o = np.empty(11, dtype=np.float32)                         # same_kind: f64 -> f32
        f(x, out=o)
        assert same(o, ref.astype(np.float32))
        o = np.empty((2, 11))                                      # x broadcasts into out
        f(x, out=o)
        assert same(o, np.stack([ref, ref]))
        o = np.empty(11, dtype=np.complex128)
        f(x, out=(o,))
        assert np.array_equal(o.real, ref)
        o0 = np.empty(())
        assert f(1.0, out=o0) is o0 and o0[()] == f(1.0)


def test_out_aliasing_the_input(S):
    rng = np.random.default_rng(1)
    for name in ("softplus", "gelu", "silu_grad", "hardswish", "celu"):
        f = getattr(S, name)
        x = rng.standard_normal(50000) * 20
        ref = f(x.copy())
        y = x.copy()
        assert f(y, out=y) is y and same(y, ref)                  # in place
        y = x.copy()
        f(y[:-1], out=y[1:])                                       # shifted overlap
        assert same(y[1:], ref[:-1])
        y = x.copy()
        f(y[::-1], out=y)                                          # reversed overlap
        assert same(y, ref[::-1])
        y32 = x.astype(np.float32)
        ref32 = f(y32.copy())
        f(y32, out=y32)
        assert same(y32, ref32)


@pytest.mark.parametrize("bad,err", [
    (np.empty(4, dtype=np.int64), TypeError),     # float results do not cast to int (same_kind)
    (np.empty(4, dtype=bool), TypeError),
    (np.empty(3), ValueError),                    # wrong shape
    (np.empty((4, 1)), ValueError),               # the result does not broadcast into it
    ([0.0] * 4, TypeError),                       # not an ndarray
])
def test_bad_out_is_refused(S, bad, err):
    with pytest.raises(err):
        S.elu(np.zeros(4), out=bad)


def test_read_only_out_and_nothing_half_written(S):
    o = np.zeros(4)
    o.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        S.elu(np.ones(4), out=o)
    o = np.full(4, 3.0)
    with pytest.raises(ValueError, match="alpha >= 0"):
        S.elu(np.ones(4), alpha=np.array([1.0, 1.0, -1.0, 1.0]), out=o)
    assert np.array_equal(o, np.full(4, 3.0))
    with pytest.raises(ValueError):
        S.softmax(np.ones((2, 3)), out=np.empty((3, 2)))


# --------------------------------------------------------------------------
# Parameters that broadcast
# --------------------------------------------------------------------------
def test_per_channel_prelu(S):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 4, 5))
    a = np.array([0.1, -0.2, 0.35]).reshape(3, 1, 1)
    assert same(S.prelu(x, a=a), np.where(x > 0, x, a * x))
    a = np.array([0.125, -0.25, 0.375]).reshape(3, 1, 1)     # exact in float32 (the C kernel's)
    assert same(S.prelu_grad(x, a=a), np.where(x > 0, 1.0, np.broadcast_to(a, x.shape)))
    assert same(S.prelu_grad_a(x, a=a), np.where(x > 0, 0.0, x))
    y = S.prelu(x.astype(np.float32), a=a)
    assert y.dtype == np.float32 and same(y, np.where(x > 0, x, a * x.astype(np.float32)).astype(np.float32))


def test_parameter_arrays_broadcast_like_ufunc_arguments(S):
    x = np.linspace(-4, 4, 9)
    alpha = np.array([[0.5], [1.0], [2.0]])
    y = S.elu(x, alpha=alpha)
    assert y.shape == (3, 9)
    np.testing.assert_array_max_ulp(y, np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))), maxulp=2)
    y = S.hardtanh(x, min_val=np.array([-1.0, -2.0, -3.0])[:, None], max_val=2.5)
    assert same(y, np.clip(x, np.array([-1.0, -2.0, -3.0])[:, None], 2.5))
    # an array parameter on a 0-d x: the result takes the parameter's shape
    assert same(S.leaky_relu(-2.0, negative_slope=np.array([0.1, 0.5])), np.array([-0.2, -1.0]))
    # every entry of x with its own parameter
    betas = np.linspace(0.5, 3.0, 9)
    got = S.softplus(x, beta=betas)
    assert same(got, np.array([S.softplus(v, beta=b) for v, b in zip(x, betas)]))


@pytest.mark.parametrize("call,match", [
    (lambda S: S.elu(np.ones(3), alpha=np.array([1.0, -2.0, 3.0])), r"alpha >= 0 is violated \(alpha=-2.0 at index \(1,\)\)"),
    (lambda S: S.softplus(np.ones((2, 2)), beta=np.array([[1.0], [0.0]])), r"beta > 0 is violated \(beta=0.0 at index \(1, 0\)\)"),
    (lambda S: S.hardtanh(np.ones(3), min_val=np.array([0.0, 1.0, 3.0]), max_val=2.0), r"max_val > min_val .*min_val=3.0, max_val=2.0 at index \(2,\)"),
    (lambda S: S.celu(1.0, alpha=np.array([1.0, np.inf])), r"alpha must be finite, got inf at index \(1,\)"),
    (lambda S: S.prelu(np.ones((2, 3)), a=np.ones(4)), r"do not broadcast"),
    (lambda S: S.prelu(np.ones(3), a=np.array(["a"])), r"parameter a must be a real number"),
    (lambda S: S.prelu(np.ones(3), a=np.array([1j])), r"parameter a must be a real number"),
])
def test_elementwise_constraint_errors(S, call, match):
    with pytest.raises(ValueError, match=match):
        call(S)


# --------------------------------------------------------------------------
# Vector kernels
# --------------------------------------------------------------------------
VECTOR = ("logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp", "log_softmax_vjp")


def _vcall(S, name, x, g, **kw):
    f = getattr(S, name)
    return f(x, g, **kw) if name.endswith("vjp") else f(x, **kw)


@pytest.mark.parametrize("name", VECTOR)
def test_axis_none_and_tuples(S, name):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5)) * 4
    g = rng.standard_normal((3, 4, 5))
    reduces = name == "logsumexp"
    flat = _vcall(S, name, x.reshape(-1), g.reshape(-1))
    got = _vcall(S, name, x, g, axis=None)
    assert same(got, flat if reduces else flat.reshape(x.shape))
    # axes (0, 2) together: the same rows as moving them last and merging them
    moved = np.moveaxis(x, (0, 2), (1, 2)).reshape(4, 15)
    gm = np.moveaxis(g, (0, 2), (1, 2)).reshape(4, 15)
    ref = _vcall(S, name, moved, gm)
    got = _vcall(S, name, x, g, axis=(2, 0))
    if reduces:
        assert same(got, ref)
    else:
        assert same(np.moveaxis(got, (0, 2), (1, 2)).reshape(4, 15), ref)
    assert same(_vcall(S, name, x, g, axis=(-1,)), _vcall(S, name, x, g, axis=-1))
    with pytest.raises(ValueError):
        _vcall(S, name, x, g, axis=(0, 0))
    with pytest.raises(ValueError):
        _vcall(S, name, x, g, axis=3)
    with pytest.raises(ValueError):
        _vcall(S, name, x, g, axis=1.0)


def test_vector_against_the_naive_formula_on_tame_rows(S):
    rng = np.random.default_rng(5)
    x = rng.uniform(-3, 3, (6, 7, 8))
    for axis in (None, (0, 1), (1, 2), 0):
        m = np.max(x, axis=axis, keepdims=True)
        e = np.exp(x - m)
        s = e.sum(axis=axis, keepdims=True)
        np.testing.assert_allclose(S.softmax(x, axis=axis), e / s, rtol=1e-14)
        np.testing.assert_allclose(S.log_softmax(x, axis=axis), x - m - np.log(s), rtol=1e-13)
        np.testing.assert_allclose(S.logsumexp(x, axis=axis, keepdims=True), m + np.log(s), rtol=1e-14)


def test_zero_d_and_one_entry_inputs(S):
    for v, want_sm, want_lse in ((1.0, 1.0, 1.0), (-np.inf, 0.0, -np.inf), (np.inf, 1.0, np.inf)):
        assert S.softmax(np.float64(v)) == want_sm
        assert S.logsumexp(np.float64(v)) == want_lse
        assert S.logsumexp_grad(v) == want_sm
        assert np.array_equal(S.softmax(np.array([v])), [want_sm])
        assert S.logsumexp(np.array([[v]]), keepdims=True).shape == (1, 1)
    assert S.log_softmax(2.5) == 0.0
    assert np.isnan(S.softmax(np.nan))
    assert S.softmax_vjp(3.0, 2.0) == 0.0
    assert S.log_softmax_vjp(3.0, 2.0) == 0.0
    assert S.softmax(np.float64(1.0), axis=None) == 1.0


def test_keepdims_and_out_for_vector_kernels(S):
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    lse = S.logsumexp(x, axis=1)
    assert S.logsumexp(x, axis=1, keepdims=True).shape == (2, 1, 4)
    assert same(S.logsumexp(x, axis=1, keepdims=True)[:, 0, :], lse)
    assert S.logsumexp(x, axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    assert S.logsumexp(x, axis=None, keepdims=True).shape == (1, 1, 1)
    o = np.empty((2, 4))
    assert S.logsumexp(x, axis=1, out=o) is o and same(o, lse)
    sm = S.softmax(x, axis=1)
    y = x.copy()
    assert S.softmax(y, axis=1, out=y) is y and same(y, sm)          # in place
    o32 = np.empty(x.shape, np.float32)
    S.softmax(x, axis=1, out=o32)
    assert same(o32, sm.astype(np.float32))
    with pytest.raises(TypeError):
        S.softmax(x, out=np.empty(x.shape, np.int32))
    with pytest.raises(ValueError):
        S.logsumexp(x, axis=1, out=np.empty((2, 3)))


def test_vector_dtypes(S):
    x = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    for dt in ("<f2", ">f4", ">f8"):
        xd = x.astype(dt)
        native = np.dtype(dt).newbyteorder("=")
        for k in VECTOR:
            y = _vcall(S, k, xd, xd)
            assert y.dtype == native, (k, dt)
    h = S.softmax(x.astype(np.float16))
    assert np.array_equal(h, S.softmax(x).astype(np.float16))  # float64 work, one rounding


def test_float32_rows_agree_with_the_float64_kernels(S):
    # NumPy: float32 rows of softmax, log_softmax, logsumexp run in plain float64, the
    # float64 ones in double-double; both round to within an ulp of float32
    rng = np.random.default_rng(9)
    for scale in (1e-3, 1.0, 30.0, 300.0):
        x = (rng.standard_normal((40, 33)) * scale).astype(np.float32)
        for k in ("softmax", "log_softmax", "logsumexp", "logsumexp_grad"):
            got = getattr(S, k)(x)
            ref = getattr(S, k)(x.astype(np.float64)).astype(np.float32)
            assert got.dtype == np.float32
            np.testing.assert_array_max_ulp(got, ref, maxulp=1)


def test_float32_logsumexp_near_zero(S):
    # ties at -log n: m + log1p(R) cancels to ~1e-8; the exact value from mpmath
    worst = 0.0
    for n in range(2, 400):
        v = np.float32(-np.log(n))
        got = S.logsumexp(np.full(n, v))
        with mpmath.workdps(50):
            exact = mpmath.mpf(float(v)) + mpmath.log(n)
        worst = max(worst, abs(float(got) - float(exact)) / float(np.spacing(np.float32(abs(float(exact))))))
    assert worst <= 0.5 + 1e-3, worst


def _lse_b_exact(x, b):
    with mpmath.workdps(60):
        s = mpmath.fsum(mpmath.mpf(float(bi)) * mpmath.exp(mpmath.mpf(float(xi)))
                        for xi, bi in zip(x, b) if bi != 0)
        if s == 0:
            return -np.inf, 0.0
        return float(mpmath.log(abs(s))), float(mpmath.sign(s))


def test_logsumexp_b_weights_against_mpmath(S):
    rng = np.random.default_rng(6)
    worst = 0.0
    for _ in range(300):
        n = int(rng.integers(1, 12))
        x = rng.uniform(-50, 50, n) * rng.choice([1e-3, 1.0, 20.0])
        b = rng.uniform(0.0, 3.0, n) * 10.0 ** rng.integers(-300, 300)
        b[rng.random(n) < 0.2] = 0.0
        got = S.logsumexp(x, b=b)
        want, sign = _lse_b_exact(x, b)
        if np.isinf(want):
            assert got == want
            continue
        worst = max(worst, abs(got - want) / np.spacing(abs(want)))
    assert worst <= 1.0, worst


def test_logsumexp_b_signs_and_special_values(S):
    x = np.array([0.0, 1.0, 2.0])
    lse, sign = S.logsumexp(x, b=np.array([1.0, -3.0, 0.5]), return_sign=True)
    want, wsign = _lse_b_exact(x, [1.0, -3.0, 0.5])
    assert sign == wsign == -1.0
    assert abs(lse - want) <= 2 * np.spacing(want)
    assert np.isnan(S.logsumexp(x, b=np.array([1.0, -3.0, 0.5])))            # log of a negative sum
    assert S.logsumexp(np.array([0.5, 0.5, 2.0]), b=np.array([1.0, -1.0, 0.0]),
                       return_sign=True) == (-np.inf, 0.0)         # the terms cancel exactly
    # b = 0 entries drop out, even +inf and nan ones (SciPy's rule)
    assert S.logsumexp(np.array([np.inf, 0.0, np.nan]), b=np.array([0.0, 1.0, 0.0])) == 0.0
    assert S.logsumexp(np.array([np.inf, 0.0]), b=np.array([-2.0, 1.0]), return_sign=True) == (np.inf, -1.0)
    assert np.isnan(S.logsumexp(np.array([np.inf, np.inf]), b=np.array([-2.0, 1.0])))
    assert np.isnan(S.logsumexp(np.array([1.0, np.nan]), b=np.array([1.0, 1.0])))
    # weights broadcast against x; keepdims and axis as without weights
    xs = np.arange(6.0).reshape(2, 3)
    got = S.logsumexp(xs, axis=0, b=np.array([[1.0], [2.0]]), keepdims=True)
    assert got.shape == (1, 3)
    np.testing.assert_allclose(got[0], np.log(np.exp(xs[0]) + 2 * np.exp(xs[1])), rtol=1e-15)
    # b = 1 is the unweighted kernel to within its accuracy
    r = np.random.default_rng(7).standard_normal((50, 9)) * 30
    np.testing.assert_array_max_ulp(S.logsumexp(r, b=np.ones(9)), S.logsumexp(r), maxulp=1)
    assert same(S.logsumexp(r, return_sign=True)[1], np.ones(50))
    with pytest.raises(ValueError):
        S.logsumexp(r, b=np.ones(8))


# --------------------------------------------------------------------------
# Docstrings and memory
# --------------------------------------------------------------------------
def test_docstring_examples_run_under_doctest():
    result = doctest.testmod(symact_numpy, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0
    assert result.attempted >= len(symact_numpy.__all__)
    for name in symact_numpy.__all__:
        doc = getattr(symact_numpy, name).__doc__
        for section in ("Parameters", "References", "Examples", ">>> "):
            assert section in doc, (name, section)


def test_docstrings_name_parameters_constraints_and_reference(entries):
    by_name = {e.name: e for e in entries}
    for name in ("softplus", "elu_grad_alpha", "hardtanh", "celu_grad"):
        entry = by_name[name.split("_grad")[0]]
        doc = getattr(symact_numpy, name).__doc__
        assert entry.reference in doc
        for p in entry.params:
            assert f"{p.name} : float or array_like, default {float(p.default)!r}" in doc
        for c in entry.constraints:
            assert f"requires {c}" in doc


PEAK = """
import sys, tracemalloc, numpy as np, symact_numpy as S
x = np.random.default_rng(0).uniform(-10, 10, (1000, 1000))
tracemalloc.start()
getattr(S, sys.argv[1])(x)
print(tracemalloc.get_traced_memory()[1] / x.nbytes)
"""


@pytest.mark.parametrize("name", ["mish", "gelu", "mish_grad", "softplus_grad_beta", "silu_grad", "softmax"])
def test_peak_memory_is_a_few_input_sizes(name):
    # tracemalloc sees NumPy's allocations; the output itself is one input size (the
    # vector kernels work on blocks of whole rows: here 32 rows of 1000)
    run = subprocess.run([sys.executable, "-c", PEAK, name], capture_output=True, text=True, check=True)
    assert float(run.stdout) < 3.0, (name, run.stdout)
