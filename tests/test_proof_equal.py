"""prove_equal: the stabilising rewrites are PROVED, perturbed ones never are."""

import mpmath
import pytest
import sympy as sp
from sympy import Abs, Heaviside, Max, Min, Piecewise, erf, erfc, exp, log, sqrt, tanh

from symact.proof.equal import prove_equal
from symact.proof.result import Status
from symact.proof.roots import real_roots

x, u, b, a, beta = (sp.Symbol(n, real=True) for n in ("x", "u", "b", "a", "beta"))

TRUE = [
    ("softplus-stable", log(1 + exp(u)), Max(u, 0) + log(1 + exp(-Abs(u))), sp.true),
    ("sigmoid-negative-branch", 1 / (1 + exp(-u)), exp(u) / (1 + exp(u)), sp.true),
    ("tanh-derivative", 1 - tanh(u) ** 2, 4 / ((1 + exp(-2 * u)) * (1 + exp(2 * u))), sp.true),
    ("erfc", 1 + erf(u), erfc(-u), sp.true),
    ("expm1-definition", exp(u) - 1, (exp(u) - 1), sp.true),
    ("squareplus-conjugate", sqrt(x**2 + b) - x, b / (sqrt(x**2 + b) + x), b > 0),
    ("relu-heaviside", Piecewise((x, x > 0), (0, True)), x * Heaviside(x), sp.true),
    ("softplus-beta", log(1 + exp(beta * x)) / beta,
     Max(x, 0) + log(1 + exp(-beta * Abs(x))) / beta, beta > 0),
    ("prelu-maxout", Piecewise((x, x > 0), (a * x, True)), Max(x, a * x), a <= 1),
    ("prelu-minout", Piecewise((x, x > 0), (a * x, True)), Min(x, a * x), a >= 1),
    ("log-sigmoid", log(1 / (1 + exp(-x))), Min(x, 0) - log(1 + exp(-Abs(x))), sp.true),
    ("abs-sign", Abs(x), x * sp.sign(x), sp.true),
]


@pytest.mark.parametrize("name,lhs,rhs,where", TRUE, ids=[t[0] for t in TRUE])
def test_true_identities_proved(name, lhs, rhs, where):
    res = prove_equal(lhs, rhs, where=where)
    assert res.status is Status.PROVED, res.detail
    assert res.seconds < 5


FALSE = [
    ("perturbed-1e-20", 1 / (1 + exp(-u)), exp(u) / (1 + exp(u)) + sp.Rational(1, 10**20), sp.true),
    ("wrong-sign", 1 / (1 + exp(-u)), 1 / (1 + exp(u)), sp.true),
    ("prelu-wrong-regime", Piecewise((x, x > 0), (a * x, True)), Max(x, a * x), a <= 2),
    ("softplus-stable-dropped-abs", log(1 + exp(u)), Max(u, 0) + log(1 + exp(-u)), sp.true),
]


@pytest.mark.parametrize("name,lhs,rhs,where", FALSE, ids=[t[0] for t in FALSE])
def test_false_identities_disproved(name, lhs, rhs, where):
    res = prove_equal(lhs, rhs, where=where)
    assert res.status is Status.DISPROVED
    point = {sp.Symbol(k, real=True): sp.Rational(v) for k, v in res.counterexample.items()}
    assert where.subs(point) is sp.true
    # independent re-check at 80 digits
    value = (lhs - rhs).subs(point).evalf(80)
    assert abs(value) > sp.Float(10) ** -30


def test_real_roots_silu_derivative():
    # silu'(x) = s(x)(1 + x(1 - s(x))); reference from mpmath directly
    roots = real_roots(sp.diff(x / (1 + exp(-x)), x), x, -10, 10)
    assert len(roots) == 1
    with mpmath.workdps(40):
        ref = mpmath.findroot(lambda t: 1 + t * (1 - 1 / (1 + mpmath.exp(-t))), -1.3)
        assert abs(roots[0] - ref) < mpmath.mpf(10) ** -25
