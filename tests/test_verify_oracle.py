"""The oracle is right: published constants, independent forms at higher precision,
the cancellation cases it exists for, and the vector formulas vs SymPy's Jacobian.

Expected values come from the papers' digits or from independent mpmath
formulas written here (never from the code under test)."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from symact.define import catalogue
from symact import derive
from symact.define.model import vector_symbols
from symact.verify import oracle, vector_oracle
from symact.verify.measure import interior_roots
from symact.verify.metric import FORMATS, round_exact

F64, F32 = FORMATS["float64"], FORMATS["float32"]

# Klambauer et al. (2017), eqs. (14)-(15) as printed in the paper
with mpmath.workdps(50):
    SELU_LAMBDA_PAPER = mpmath.mpf("1.0507009873554804934193349852946")
    SELU_ALPHA_PAPER = mpmath.mpf("1.6732632423543772848170429916717")


def fwd(name, **p):
    return catalogue.get(name).instantiate(p)


def dx(name, **p):
    return derive.grad(catalogue.get(name), p)


def close(a, b, rel):
    with mpmath.workdps(60):
        return abs(a - b) <= rel * abs(b)


def test_selu_constants_from_the_paper():
    with mpmath.workdps(50):
        assert close(oracle.value_at(fwd("selu"), 1.0, F64), SELU_LAMBDA_PAPER, 1e-30)
        assert close(oracle.value_at(fwd("selu"), 2.0, F64), 2 * SELU_LAMBDA_PAPER, 1e-30)
        want = -SELU_LAMBDA_PAPER * SELU_ALPHA_PAPER
        assert close(oracle.limit_at_infinity(fwd("selu"), -1, F64), want, 1e-30)


def test_gelu_minimum():
    # independent: GELU(x) = x * Phi(x); GELU'(x) = Phi(x) + x phi(x) = 0
    with mpmath.workdps(40):
        x_star = mpmath.findroot(lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t), -0.75)
        assert abs(x_star - mpmath.mpf("-0.751791524693564")) < 1e-14
        roots = interior_roots(dx("gelu"))
        assert len(roots) == 1 and abs(roots[0] - float(x_star)) < 1e-14
        xf = float(x_star)
        got = oracle.value_at(fwd("gelu"), xf, F64)
        assert close(got, xf * mpmath.ncdf(xf), 1e-30)
        assert abs(got - mpmath.mpf("-0.169971208")) < 1e-9


def test_silu_minimum():
    # SiLU'(x) = 0 at x* = -1 - W(1/e), where SiLU(x*) = x* + 1 = -W(1/e) = -0.278464542761074
    with mpmath.workdps(40):
        w = mpmath.lambertw(mpmath.exp(-1)).real
        assert abs(w - mpmath.mpf("0.278464542761074")) < 1e-15
        roots = interior_roots(dx("silu"))
        assert len(roots) == 1 and abs(roots[0] - float(-1 - w)) < 1e-14
        xf = float(-1 - w)
        got = oracle.value_at(fwd("silu"), xf, F64)
        assert abs(got - mpmath.mpf("-0.278464542761074")) < 1e-15


def _erfc(u):
    # mpmath's erfc overflows for |u| ~ 1e299; beyond 40, erfc(u) < 1e-697 (or 2 - erfc(-u)),
    # which changes no product with |x| < 1e309 by anything a double can hold
    if u > 40:
        return mpmath.mpf(0)
    if u < -40:
        return mpmath.mpf(2)
    return mpmath.erfc(u)


def _indep(name):
    """Independent mpmath forms of catalogue functions (not the textbook definitions)."""
    sig = lambda t: mpmath.exp(-mpmath.log1p(mpmath.exp(-t))) if t >= 0 else mpmath.exp(t - mpmath.log1p(mpmath.exp(t)))  # noqa: E731
    return {
        "gelu": (fwd("gelu"), lambda t: t / 2 * _erfc(-t / mpmath.sqrt(2))),
        "gelu_grad": (dx("gelu"), lambda t: _erfc(-t / mpmath.sqrt(2)) / 2 + t * mpmath.npdf(t)),
        "softplus": (fwd("softplus"), lambda t: max(t, 0) + mpmath.log1p(mpmath.exp(-abs(t)))),
        "softplus_grad_beta": (derive.grad_param(catalogue.get("softplus"), "beta", {}),
                               lambda t: t * sig(t) - max(t, 0) - mpmath.log1p(mpmath.exp(-abs(t)))),
        "sigmoid_grad": (dx("sigmoid"), lambda t: 1 / (4 * mpmath.cosh(t / 2) ** 2)),
        "tanh_grad": (dx("tanh"), lambda t: mpmath.sech(t) ** 2),
        "log_sigmoid": (fwd("log_sigmoid"), lambda t: min(t, 0) - mpmath.log1p(mpmath.exp(-abs(t)))),
        "silu_grad": (dx("silu"), lambda t: sig(t) * (1 + t * sig(-t))),
        "elu": (fwd("elu"), lambda t: t if t > 0 else mpmath.expm1(t)),
        "squareplus": (fwd("squareplus"), lambda t: 2 / (mpmath.sqrt(t * t + 4) - t) if t < 0
                       else (t + mpmath.sqrt(t * t + 4)) / 2),
        "mish": (fwd("mish"), lambda t: t * mpmath.tanh(max(t, 0) + mpmath.log1p(mpmath.exp(-abs(t))))),
    }[name]


POINTS = (-1e300, -800.0, -745.0, -300.0, -38.0, -30.0, -5.5, -1.0, -1e-10, -1e-300, 0.0,
          5e-324, 1e-10, 0.5, 3.0, 30.0, 100.0, 700.0, 1e10, 1e300)


@pytest.mark.parametrize("name", ["gelu", "gelu_grad", "softplus", "softplus_grad_beta", "sigmoid_grad",
                                  "tanh_grad", "log_sigmoid", "silu_grad", "elu", "squareplus", "mish"])
def test_matches_an_independent_form(name):
    expr, indep = _indep(name)
    fn = oracle.compile_scalar(expr)
    for x in POINTS:
        got, status = oracle.evaluate(fn, mpmath.mpf(x), F64)
        assert status == oracle.OK, (name, x)
        with mpmath.workprec(6000):  # independent forms do not cancel: plenty
            want = indep(mpmath.mpf(x))
        # the oracle promises 53 + 16 bits, or an absolute error far below the
        # smallest subnormal; measured in ULPs of the double it rounds to
        _, spacing, _ = round_exact(want, F64)
        with mpmath.workprec(6000):
            assert abs(got - want) <= max(abs(want) * mpmath.ldexp(1, -66), mpmath.ldexp(1, -1080)), (name, x)
            assert abs(got - want) / spacing < 1e-3, (name, x, got, want)


def test_cancellation_one_plus_erf():
    # gelu(-30) = -15 erfc(30/sqrt 2) ~ -1.47e-196: 1 + erf(-21.2) cancels ~650 bits
    got = oracle.value_at(fwd("gelu"), -30.0, F64)
    with mpmath.workdps(60):
        want = -15 * mpmath.erfc(30 / mpmath.sqrt(2))
        assert close(got, want, 1e-18)
        assert mpmath.mpf("-1.4720141781445e-196") < got < mpmath.mpf("-1.4720141781444e-196")


def test_zero_only_accepted_at_subnormal_precision():
    # softplus(-745) = log(1 + e^-745) ~ 4.9e-324: the smallest subnormal, not 0
    hi, _, _ = round_exact(oracle.value_at(fwd("softplus"), -745.0, F64), F64)
    assert hi == 5e-324
    hi32, _, _ = round_exact(oracle.value_at(fwd("softplus"), -100.0, F32), F32)
    assert hi32 == float(np.float32(np.exp(np.float64(-100.0))))  # e^-100 = 3.72e-44, an f32 subnormal


def test_limits_at_infinity():
    assert oracle.limit_at_infinity(fwd("relu"), 1, F64) == mpmath.inf
    assert oracle.limit_at_infinity(fwd("gelu"), -1, F64) == 0
    assert oracle.limit_at_infinity(dx("sigmoid"), 1, F64) == 0
    # within 10**-400 of -1 and -2.5: they round to exactly that
    assert round_exact(oracle.limit_at_infinity(fwd("softsign"), -1, F64), F64)[0] == -1.0
    assert round_exact(oracle.limit_at_infinity(fwd("elu", alpha=2.5), -1, F32), F32)[0] == -2.5


def test_kink_convention_is_the_declared_one():
    assert oracle.value_at(dx("relu"), 0.0, F64) == 0
    assert round_exact(oracle.value_at(dx("leaky_relu"), 0.0, F64), F64)[0] == 0.01
    assert oracle.value_at(dx("hardswish"), 3.0, F64) == 1.5
    assert oracle.value_at(dx("hardswish"), -3.0, F64) == -0.5
    assert oracle.value_at(fwd("heaviside"), 0.0, F64) == 0.5


def test_vector_formulas_match_sympy_jacobian():
    n = 3
    x = [0.5, -1.25, 2.0]
    g = [1.0, -2.0, 0.75]
    subs = dict(zip(vector_symbols(n), [sp.Float(v, 30) for v in x]))
    with mpmath.workdps(30):
        vals = vector_oracle.row_values(x, g, 200)
    for name, out_name in (("softmax", "softmax_vjp"), ("log_softmax", "log_softmax_vjp")):
        jac = derive.vector_jacobian(catalogue.get(name), n)
        for k in range(n):
            want = sum(g[j] * jac[j, k].evalf(30, subs=subs) for j in range(n))
            assert abs(float(vals[out_name][k]) - float(want)) < 1e-14
        outs = catalogue.get(name).instantiate(n)
        for j in range(n):
            assert abs(float(vals[name][j]) - float(outs[j].evalf(30, subs=subs))) < 1e-14
    lse = catalogue.get("logsumexp")
    assert abs(float(vals["logsumexp"][0]) - float(lse.instantiate(n)[0].evalf(30, subs=subs))) < 1e-14
    grad = derive.vector_jacobian(lse, n)
    for k in range(n):
        assert abs(float(vals["logsumexp_grad"][k]) - float(grad[0, k].evalf(30, subs=subs))) < 1e-14


def test_vector_dominant_entry_log_softmax():
    # log_softmax of the dominant entry = -log1p(sum of the others): -3.7e-25 for [0, -56]
    ex = vector_oracle.vector_exact("log_softmax", [type("R", (), {"x": np.array([0.0, -56.0]),
                                                                 "g": np.array([1.0, 1.0])})()], F64,
                                    use_cache=False)[0]
    with mpmath.workdps(40):
        want = -mpmath.log1p(mpmath.exp(-56))
    assert ex.hi[0] == float(want) and ex.hi[0] < 0


# --- what users type ----------------------------------------------------------------------

def test_limits_of_unbounded_and_decaying_functions():
    x = sp.Symbol("x", real=True)
    assert oracle.limit_at_infinity(sp.exp(x), 1, F64) == mpmath.inf
    assert oracle.limit_at_infinity(sp.exp(x), -1, F64) == 0
    assert oracle.limit_at_infinity(sp.sqrt(x), 1, F64) == mpmath.inf   # 1e200 at x = 1e400
    assert oracle.limit_at_infinity(sp.log(x), 1, F64) == mpmath.inf    # 921 at x = 1e400
    assert oracle.limit_at_infinity(1 / sp.sqrt(x), 1, F64) == 0        # 1e-200 at x = 1e400
    assert round_exact(oracle.limit_at_infinity(x / sp.sqrt(1 + x ** 2), -1, F64), F64)[0] == -1.0
    assert mpmath.isnan(oracle.limit_at_infinity(sp.sqrt(x), -1, F64))  # outside the domain


def test_values_at_zero_of_poles():
    """IEEE gives 1/(+-0) = +-inf and log(+-0) = -inf: the contract's value at 0 from each
    side, or from the side where the function is defined."""
    x = sp.Symbol("x", real=True)
    assert oracle.value_at_zero(1 / x, 1, F64) == mpmath.inf
    assert oracle.value_at_zero(1 / x, -1, F64) == mpmath.ninf
    assert oracle.value_at_zero(sp.log(x), 1, F64) == mpmath.ninf
    assert oracle.value_at_zero(sp.log(x), -1, F64) == mpmath.ninf
    assert oracle.value_at_zero(1 / sp.sqrt(x), -1, F64) == mpmath.inf
    assert oracle.value_at_zero(sp.exp(x), -1, F64) == 1


def test_huge_intermediates_are_bounded():
    """x*exp(-exp(-x)) at x = -1e308 asked mpmath for exp(-exp(1e308)) (10**308 bits of ln 2:
    out of memory); the stand-in gives 0 (the same with either stand-in)."""
    x = sp.Symbol("x", real=True)
    fn = oracle.compile_scalar(x * sp.exp(-sp.exp(-x)))
    for v in (-1e308, -1e4, -800.0):
        value, status = oracle.evaluate(fn, mpmath.mpf(v), F64)
        assert status == oracle.OK and round_exact(value, F64)[0] == 0
    value, status = oracle.evaluate(oracle.compile_scalar(sp.exp(x)), mpmath.mpf(1e308), F64)
    assert status == oracle.OK and round_exact(value, F64)[0] == np.inf  # exp(x) overflowed the oracle
    # exp(a)*exp(-a) and exp(a)*exp(-2a) of a huge a come out right whatever the stand-in ...
    for expr, want in ((sp.exp(sp.exp(x)) * sp.exp(-sp.exp(x)), 1.0), (sp.exp(sp.exp(x) - 2 * sp.exp(x)), 0.0),
                       (sp.exp(sp.exp(x)) * sp.exp(-2 * sp.exp(x)), 0.0)):
        value, status = oracle.evaluate(oracle.compile_scalar(expr), mpmath.mpf(1e4), F64)
        assert status == oracle.OK and round_exact(value, F64)[0] == want, expr
    # ... a value that keeps its size is unresolved
    fn = oracle.compile_scalar(sp.log(1 + sp.exp(sp.exp(x))))
    assert oracle.evaluate(fn, mpmath.mpf(1e4), F64)[1] == oracle.HUGE


def test_erfc_and_exp_of_large_arguments():
    x = sp.Symbol("x", real=True)
    with mpmath.workprec(200):
        for z in (mpmath.mpf(2) ** 31, mpmath.mpf(-5e15), mpmath.mpf(3.3e9)):
            assert abs(oracle._exp(z) / mpmath.exp(z) - 1) < mpmath.ldexp(1, -190)
    value, status = oracle.evaluate(oracle.compile_scalar(sp.erfc(x)), mpmath.mpf(-1e300), F64)
    assert status == oracle.OK and value == 2
    value, status = oracle.evaluate(oracle.compile_scalar(x * sp.erfc(x)), mpmath.mpf(1e300), F64)
    assert status == oracle.OK and round_exact(value, F64)[0] == 0
    with mpmath.workprec(300):
        z = mpmath.mpf(2) ** 31
        assert abs(oracle._erfc(z) / mpmath.erfc(z) - 1) < mpmath.ldexp(1, -280)
