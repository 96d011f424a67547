"""The NumPy runtime's machinery (symact/emit/numpy/runtime/api.py) and the speed
rewrites of its primitives, tested on the runtime sources themselves.

- ``_select``: the first condition that holds picks the branch; a branch that is
  not cheap runs only on its own entries (a recording branch checks it), with
  array parameters taken at those entries; nan entries fall to the last branch.
- the primitives that avoid ``numpy.where`` on random masks give, bit for bit, the
  one-formula-per-case definitions written out here with ``numpy.where``.
- blocks: a result does not depend on where the block boundaries fall.
"""

from __future__ import annotations

import numpy as np
import pytest

from symact.emit.numpy.runtime import api, primitives as P

SMALL = 2.0 ** -30
TAIL = -708.0


def _pool(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    mag = np.concatenate([np.logspace(-320, 308, 2000), rng.uniform(0, 40, n), rng.uniform(0, 800, 2000),
                          [0.0, 5e-324, 1.0, 20.79, 20.8, 36.7, 708.0, 708.5, 745.0, 1e300, np.inf, np.nan]])
    return np.concatenate([mag, -mag])


def same_bits(a, b):
    """Bit for bit equal (any nan equal to any nan)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return bool(np.all((a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))))


# --------------------------------------------------------------------------
# _select
# --------------------------------------------------------------------------
def test_select_first_true_condition_and_own_entries_only():
    x = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 5.0, np.nan, -np.inf, np.inf])
    seen = {}

    def record(name, cond):
        def fn(v, a):
            seen[name] = v.copy()
            assert np.all(cond(v, a)), name          # only where the branch applies
            return v * 10 + a
        return fn

    a = np.arange(x.size, dtype=np.float64)           # a parameter with one entry per x
    branches = (
        (lambda v, a: v < -2, lambda v, a: -100.0, True),                      # cheap constant
        (lambda v, a: v <= 0, record("mid", lambda v, a: (v <= 0) & ~(v < -2)), False),
        (lambda v, a: v < 3, lambda v, a: v + a, True),                        # cheap, per entry
        (None, record("rest", lambda v, a: ~(v < 3) | np.isnan(v)), False),
    )
    with np.errstate(all="ignore"):
        y = api._select(x, (a,), branches)
    want = [-100.0, -1.0 * 10 + 1, 0.0 + 2, 0.5 + 3, 2.0 + 4, 5.0 * 10 + 5, np.nan, -100.0, np.inf]
    assert np.array_equal(y, want, equal_nan=True)
    assert np.array_equal(seen["mid"], [-1.0, 0.0])
    assert np.array_equal(seen["rest"], [5.0, np.nan, np.inf], equal_nan=True)


def test_select_all_in_one_branch_and_constant_tables():
    x = np.linspace(1, 2, 7)
    calls = []
    branches = ((lambda v: v > 0, lambda v: calls.append(v.size) or v * 2, False), (None, lambda v: 1 / 0, False))
    assert np.array_equal(api._select(x, (), branches), x * 2) and calls == [7]
    steps = ((lambda v: v < 1.5, lambda v: 1, True), (lambda v: v == 1.5, lambda v: 0.5, True), (None, lambda v: 0, True))
    assert np.array_equal(api._select(np.array([1.0, 1.5, 2.0, np.nan]), (), steps), [1.0, 0.5, 0.0, 0.0])


def test_select_never_returns_the_input_itself():
    x = np.array([1.0, -2.0])
    y = api._select(x, (), ((None, lambda v: v, True),))
    y[0] = 7.0
    assert x[0] == 1.0


def test_blocks_do_not_change_results(monkeypatch):
    import symact_numpy as S
    x = np.random.default_rng(3).standard_normal(10007) * 30
    ref = {n: getattr(S, n)(x) for n in ("mish", "gelu", "softplus_grad_beta", "celu_grad_alpha", "hardswish")}
    monkeypatch.setattr(S, "_BLOCK", 97)
    for n, want in ref.items():
        assert same_bits(getattr(S, n)(x), want), n


# --------------------------------------------------------------------------
# Primitives: the where-free forms against the per-case definitions
# --------------------------------------------------------------------------
def _ref_sigmoid(u):
    e = np.exp(-np.abs(u))
    small = e < SMALL
    return np.where(u >= 0, np.where(small, 1 - e, 1 / (1 + e)), np.where(small, e - e * e, e / (1 + e)))


def _ref_dsigmoid(u):
    e = np.exp(-np.abs(u))
    t = 1 + e
    return np.where(e < SMALL, e - 2 * e * e, e / t / t)


def _ref_sech2(u):
    a = np.abs(u)
    e = np.exp(-2 * a)
    t = 1 + e
    y = np.where(e < SMALL, 4 * (e - 2 * e * e), 4 * e / t / t)
    h = 2 * np.exp(-a)
    return np.where(e < 2.0 ** -1000, h * h, y)


def _ref_tail(a, u, y):
    h = np.exp(u / 2)
    return np.where(u < TAIL, np.where(h == 0, np.copysign(0.0, a), (a * h) * h), y)


def _ref_mul_sigmoid(a, u):
    e = np.exp(-np.abs(u))
    p = a * e
    small = (e < SMALL) & (e > 0) & np.isfinite(p)
    y = np.where(u >= 0, np.where(small, a - p, a / (1 + e)), np.where(small, p - p * e, p / (1 + e)))
    return _ref_tail(a, u, y)


def _ref_expm1_sub_uexp(u):
    v = -u
    small = (v >= 0) & (v <= 2)
    vs = np.where(small, v, 0)
    t = np.ones_like(vs)
    for k in range(25, 2, -1):
        t = 1 + vs * t / k
    series = -(np.exp(-vs) * (vs * vs / 2 * t))
    ub = np.where(small, 0, np.maximum(u, -1500.0))
    return np.where(small, series, (1 - ub) * np.exp(ub) - 1)


def _ref_sqrt_sq_plus(u, c):
    a = np.abs(u)
    big = a > 2.0 ** 500
    small = np.where(big, 0, a)
    large = np.where(big, a, 1)
    return np.where(big, large * np.sqrt(1 + (c / large) / large), np.sqrt(small * small + c))


@pytest.mark.parametrize("name,ref", [
    ("_sigmoid", _ref_sigmoid), ("_dsigmoid", _ref_dsigmoid), ("_sech2", _ref_sech2),
    ("_expm1_sub_uexp", _ref_expm1_sub_uexp),
])
def test_unary_primitives_equal_their_per_case_forms(name, ref):
    u = _pool()
    with np.errstate(all="ignore"):
        assert same_bits(getattr(P, name)(u), ref(u)), name
        assert same_bits(getattr(P, name)(np.abs(u[np.isfinite(u)]) + 1), ref(np.abs(u[np.isfinite(u)]) + 1))


@pytest.mark.parametrize("name,ref", [("_mul_sigmoid", _ref_mul_sigmoid)])
def test_products_equal_their_per_case_forms(name, ref):
    u = _pool(5000, 1)
    rng = np.random.default_rng(2)
    for a in (u, rng.choice([1e-310, -3.0, 1e300, -np.inf, 0.0, -0.0], u.size), np.float64(2.5)):
        with np.errstate(all="ignore"):
            aa, uu = np.broadcast_arrays(np.asarray(a, dtype=np.float64), u)
            assert same_bits(getattr(P, name)(a, u), ref(aa, uu)), name


def test_mul_dsigmoid_rounds_once():
    """a*e/(1 + e)^2, e = exp(-|u|): within 0.5 + 2^-20 ULP of the exact quotient of the
    same e wherever the result is normal and |a| < 2^990 (a*e/t/t rounded four times: up
    to 2 ULP; beyond 2^990 the corrections' products would overflow and the plain
    quotient of the double-words stays, within 2 ULP), the scaled tail's values (and
    its zeros of a's sign) below TAIL, nan for nan."""
    import mpmath
    u = _pool(3000, 1)
    rng = np.random.default_rng(2)
    for a in (u, rng.choice([1e-310, -3.0, 1e300, -np.inf, 0.0, -0.0], u.size), np.float64(-2.5)):
        with np.errstate(all="ignore"):
            aa, uu = np.broadcast_arrays(np.asarray(a, dtype=np.float64), u)
            got = P._mul_dsigmoid(a, u)
            tail = uu != uu
            tail |= -np.abs(uu) < TAIL
            assert same_bits(got[tail & ~np.isnan(uu)], _ref_tail(aa, -np.abs(uu), got)[tail & ~np.isnan(uu)])
            assert np.isnan(got[np.isnan(uu)]).all()
            e = np.exp(-np.abs(uu))
            body = ~tail & np.isfinite(aa)
            worst = 0.0
            with mpmath.workprec(200):
                for ai, ei, gi in zip(aa[body], e[body], got[body]):
                    exact = mpmath.mpf(ai) * mpmath.mpf(ei) / (1 + mpmath.mpf(ei)) ** 2
                    if not 2.0 ** -1022 <= abs(exact) <= 1.7e308:
                        continue
                    err = float(abs(mpmath.mpf(gi) - exact)) / np.spacing(abs(float(exact)))
                    assert err <= (0.5 + 2.0 ** -20 if abs(ai) < 2.0 ** 990 else 2.0), (ai, ei, err)
                    worst = max(worst, err)
            assert worst > 0.4, worst  # the exact quotient was compared


def test_sqrt_sq_plus_and_mul_exp_tails():
    u = _pool(5000, 4)
    with np.errstate(all="ignore"):
        for c in (4.0, 0.3, 1e-300):
            assert same_bits(P._sqrt_sq_plus(u, c), _ref_sqrt_sq_plus(u, c))
        a = np.full(u.shape, -3.5)
        ref = _ref_tail(a, u, a * np.exp(np.where(u < TAIL, 0, u)))
        assert same_bits(P._mul_exp(a, u), ref)
        fin = u[np.isfinite(u) & (u > -700)]
        assert same_bits(P._mul_exp(2.0, fin), 2.0 * np.exp(fin))
