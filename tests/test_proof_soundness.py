"""Soundness: false statements of many kinds are never PROVED; most are DISPROVED
with a counterexample, which is re-checked here at 80 digits independently."""

import pytest
import sympy as sp
from sympy import Abs, Eq, Limit, Max, Min, erf, exp, log, oo, sqrt, tanh

from symact.define.catalogue import SELU_LAMBDA_EXACT, get
from symact.define.model import X as x
from symact.define.model import vector_symbols
from symact.proof import strategies
from symact.proof.equal import prove_equal
from symact.proof.inequality import prove_nonneg
from symact.proof.result import Status
from symact.proof.theorems import Theorem

a, alpha, b, c = (sp.Symbol(n, real=True) for n in ("a", "alpha", "b", "c"))
sig = lambda u: 1 / (1 + exp(-u))  # noqa: E731
softplus = lambda u: log(1 + exp(u))  # noqa: E731
relu = get("relu").expr
elu = get("elu").expr.subs(get("elu").param_symbols["alpha"], alpha)
x1, x2, x3 = vector_symbols(3)
lse3 = get("logsumexp").instantiate(3)[0]
sm3 = get("softmax").instantiate(3)
TINY = sp.Rational(1, 10**20)
C = sp.Rational(44715, 10**6)
u = sqrt(2 / sp.pi) * (x + C * x**3)

# (id, lhs, rhs, where): claims lhs == rhs, all false
FALSE_EQUALITIES = [
    ("wrong-derivative-softplus", sp.diff(softplus(x), x), sig(-x), sp.true),
    ("wrong-derivative-sigmoid", sp.diff(sig(x), x), sig(x) * (1 + sig(x)), sp.true),
    ("wrong-derivative-tanh", sp.diff(tanh(x), x), 1 + tanh(x) ** 2, sp.true),
    ("wrong-derivative-elu-branch", sp.diff(elu, x), elu - alpha, (x < 0) & (alpha > 0)),
    ("dropped-factor-gelu", get("gelu").expr, x * (1 + erf(x / sqrt(2))), sp.true),
    ("dropped-factor-silu-derivative", sp.diff(x * sig(x), x), sig(x) * (1 + (1 - sig(x))), sp.true),
    ("dropped-factor-softplus-beta", log(1 + exp(b * x)) / b, log(1 + exp(b * x)), b > 0),
    ("wrong-regime-prelu-maxout", get("prelu").expr.subs(get("prelu").param_symbols["a"], a), Max(x, a * x), a <= 2),
    ("wrong-regime-prelu-minout", get("prelu").expr.subs(get("prelu").param_symbols["a"], a), Min(x, a * x), a <= 1),
    ("wrong-regime-relu-scaling", relu.subs(x, a * x), a * relu, sp.true),
    ("wrong-regime-elu-c1", alpha, 1, alpha >= 0),
    ("perturbed-sigmoid-symmetry", sig(-x), 1 - sig(x) + TINY, sp.true),
    ("perturbed-softplus-odd-part", softplus(x) - softplus(-x), x + TINY * x, sp.true),
    ("perturbed-tanh-sigmoid", tanh(x), 2 * sig(2 * x) - 1 + TINY * exp(-x**2), sp.true),
    ("perturbed-selu-lambda", SELU_LAMBDA_EXACT, SELU_LAMBDA_EXACT * (1 + TINY), sp.true),
    ("wrong-sign-softplus-odd-part", softplus(x) - softplus(-x), -x, sp.true),
    ("wrong-sign-log-sigmoid", log(sig(x)), softplus(-x), sp.true),
    ("wrong-shift-lse", lse3.subs({x1: x1 + c, x2: x2 + c, x3: x3 + c}, simultaneous=True), lse3 + 2 * c, sp.true),
    ("wrong-index-lse-gradient", sp.diff(lse3, x1), sm3[1], sp.true),
    ("dropped-term-softmax-sum", sm3[0] + sm3[1], 1, sp.true),
    ("mish-squared", x * tanh(softplus(x)), x * tanh(softplus(x)) ** 2, sp.true),
    ("gelu-tanh-coefficient", x / 2 * (1 + tanh(u)), x * sig(2 * sqrt(2 / sp.pi) * (x + sp.Rational(447, 10**4) * x**3)), sp.true),
    ("softplus-stable-missing-abs", softplus(x), Max(x, 0) + log(1 + exp(-x)), sp.true),
    ("squareplus-conjugate-sign", (x + sqrt(x**2 + b)) / 2, b / (2 * (sqrt(x**2 + b) + x)), b > 0),
    ("abs-as-x", Abs(x), x, sp.true),
    ("one-point-perturbation", relu, relu + sp.Piecewise((TINY, Eq(x, sp.Rational(1, 3))), (0, True)), sp.true),
    ("heaviside-value-at-zero", sp.Heaviside(x), sp.Heaviside(x, 1), sp.true),
]


def _recheck(lhs, rhs, where, ce):
    point = {s: sp.Rational(ce[s.name]) for s in (lhs - rhs).free_symbols | where.free_symbols}
    assert where.subs(point) is sp.true
    value = (lhs - rhs).subs(point)
    value = sp.piecewise_fold(value).evalf(80) if value.has(sp.Piecewise) else value.evalf(80)
    assert value.is_Number and abs(value) > sp.Float(10) ** -40


@pytest.mark.parametrize("case", FALSE_EQUALITIES, ids=[c[0] for c in FALSE_EQUALITIES])
def test_false_equalities_are_disproved(case):
    _, lhs, rhs, where = case
    r = prove_equal(lhs, rhs, where=where)
    assert r.status is not Status.PROVED
    assert r.status is Status.DISPROVED, r.detail
    _recheck(lhs, rhs, where, r.counterexample)


FALSE_INEQUALITIES = [  # (id, g, strict, where): claims g >= 0 (> 0)
    ("softplus-gap-halved", log(2) / 2 - (softplus(x) - relu), False, sp.true),
    ("softplus-below-relu", relu - softplus(x), False, sp.true),
    ("elu2-above-srelu1", get("elu").instantiate({"alpha": 2}) - get("srelu").instantiate({"alpha": 1}), False, sp.true),
    ("squareplus-close-to-relu", relu + sqrt(b) / 4 - (x + sqrt(x**2 + b)) / 2, False, b > 0),
    ("sigmoid-strictly-above-half", sig(x) - sp.Rational(1, 2), True, sp.true),
    # strict claims that fail at exactly one point (0): once PROVED by the sign split,
    # which checked the value at 0 as nonnegative whatever the strictness
    ("square-strictly-positive", x**2, True, sp.true),
    ("exp-strictly-above-tangent", exp(x) - x - 1, True, sp.true),
    ("abs-strictly-positive", Abs(x), True, sp.true),
]


@pytest.mark.parametrize("case", FALSE_INEQUALITIES, ids=[c[0] for c in FALSE_INEQUALITIES])
def test_false_inequalities_are_disproved(case):
    _, g, strict, where = case
    r = prove_nonneg(g, where=where, strict=strict)
    assert r.status is Status.DISPROVED, r.detail
    point = {s: sp.Rational(r.counterexample[s.name]) for s in g.free_symbols}
    value = g.subs(point)
    value = (sp.piecewise_fold(value) if value.has(sp.Piecewise) else value).evalf(80)
    assert value < 0 or (strict and value <= 0)


def _theorem(statement, strategy, where=sp.true, options=()):
    return Theorem("false", statement, (), "test", strategy, where, options)


FALSE_THEOREMS = [
    ("limit-wrong-infinity-softplus", _theorem(Eq(Limit(softplus(x), x, oo), 0, evaluate=False), "limit")),
    ("limit-wrong-infinity-elu", _theorem(Eq(Limit(elu, x, oo), -alpha, evaluate=False), "limit", alpha >= 0)),
    ("limit-sigmoid-wrong-side", _theorem(Eq(Limit(sig(x), x, -oo), 1, evaluate=False), "limit")),
    ("celu-c2", _theorem(Eq(Limit(get("celu").expr, x, 0, "-"), Limit(get("celu").expr, x, 0, "+"), evaluate=False),
                         "continuity", get("celu").param_symbols["alpha"] > 0, (("point", 0), ("order", 2)))),
    ("elu-c1-every-alpha", _theorem(Eq(Limit(elu, x, 0, "-"), Limit(elu, x, 0, "+"), evaluate=False),
                                    "continuity", alpha >= 0, (("point", 0), ("order", 1)))),
    ("heaviside-continuous", _theorem(Eq(Limit(get("heaviside").instantiate(), x, 0, "-"),
                                         Limit(get("heaviside").instantiate(), x, 0, "+"), evaluate=False),
                                      "continuity", sp.true, (("point", 0), ("order", 0)))),
    ("softplus-exceeds-relu-by-log3", _theorem(sp.And(0 < softplus(x) - relu, softplus(x) - relu <= log(2) / 3),
                                               "inequality")),
]


@pytest.mark.parametrize("case", FALSE_THEOREMS, ids=[c[0] for c in FALSE_THEOREMS])
def test_false_theorems_not_proved(case):
    r = strategies.run(case[1])
    assert r.status is not Status.PROVED
    assert r.status is Status.DISPROVED, r.detail


def test_never_proved_from_samples_only():
    # equal at every candidate point used for counterexamples (a product of sin-like
    # zeros is unavailable; use a function that vanishes on the integers and halves)
    bump = sp.Rational(1, 10**30) * exp(-1 / (x**2 + 1)) * (x**2 - 2)
    r = prove_equal(x + bump, x)
    assert r.status is not Status.PROVED


def test_counterexamples_respect_symbol_assumptions():
    # true for b > 0; a point with b < 0 would be a false "counterexample"
    bp = sp.Symbol("b", positive=True)
    r = prove_equal(sqrt(bp**2 + 2 * bp + 1), bp + 1)
    assert r.status is Status.PROVED, r.detail
    r = prove_equal(sqrt(b**2 + 2 * b + 1), b + 1)
    assert r.status is Status.DISPROVED and sp.Rational(r.counterexample["b"]) < -1


def test_count():
    assert len(FALSE_EQUALITIES) + len(FALSE_INEQUALITIES) + len(FALSE_THEOREMS) >= 20
