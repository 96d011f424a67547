"""The rewrite library: every rule is proved, needed, and reaches the stable forms.

For each rule: its example rewrite is what the rule produces and is PROVED equal
by the proof engine; at its ``bad_at`` point the unstable form evaluated in
float64 fails (non-finite, or far off the mpmath value) where the stable form is
within a few ULP.  Expected values come from mpmath at 50 digits of the
*definition* (primitives expanded), never from the code under test.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

import symact_numpy
from symact.define import catalogue
from symact import derive
from symact.stabilise import primitives as P
from symact.define.model import X
from symact.emit.literals import prepare
from symact.emit.numpy.printer import NumpyPrinter
from symact.stabilise import Stabiliser, prove_rewrite, stabilise
from symact.stabilise.rules import RULES

x = X


def _eval64(expr, value: float) -> float:
    """``expr`` at x = value in float64 through the NumPy printer and the generated primitives."""
    if isinstance(expr, sp.Piecewise):  # the branch the kernels' masks would select
        for e, c in expr.args:
            if c.subs(x, value) == sp.true:
                return _eval64(e, value)
    code = NumpyPrinter().doprint(prepare(expr))
    ns = {name: getattr(symact_numpy, name) for name in dir(symact_numpy) if name.startswith("_")}
    ns.update(numpy=np, _T=np.float64, x=np.array([value], dtype=np.float64),
              _erf=np.vectorize(math.erf), _erfc=np.vectorize(math.erfc))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return float(np.asarray(eval(code, ns)).reshape(-1)[0])  # noqa: S307 - test-only


def _exact(expr, value: float) -> mpmath.mpf:
    """The definition at ``value`` with 1000 digits of working precision (log(1 + e^-740)
    needs more than 330), rounded to 50."""
    f = sp.lambdify(x, P.expand(expr), modules="mpmath")
    with mpmath.workdps(1000):
        v = f(mpmath.mpf(value))
    with mpmath.workdps(50):
        return +v


def _ulps(got: float, exact) -> float:
    if not math.isfinite(got):
        return math.inf
    ref = float(exact)
    spacing = math.ulp(ref) if ref != 0 else math.ulp(0.0)
    return float(abs(mpmath.mpf(got) - exact) / spacing)


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_example_is_produced_and_proved(rule):
    old, new, *where = rule.example
    got = rule.apply(old)
    assert got is not None, f"{rule.name} does not apply to its own example {old}"
    assert sp.simplify(P.expand(got) - P.expand(new)) == 0 or got == new
    result = prove_rewrite(old, got, *where)
    assert str(result.status) == "PROVED", result


@pytest.mark.parametrize("rule", [r for r in RULES if r.bad_at is not None],
                         ids=[r.name for r in RULES if r.bad_at is not None])
def test_unstable_form_fails_where_stable_holds(rule):
    old = rule.example[0]
    new = rule.apply(old)  # (the example's own `new` may be re-evaluated by SymPy)
    exact = _exact(old, rule.bad_at)
    assert _ulps(_eval64(new, rule.bad_at), exact) <= 4
    # "fails": far outside the 4-ULP budget (or not finite)
    assert _ulps(_eval64(old, rule.bad_at), exact) > 16


def test_unproved_rewrite_is_not_used():
    wrong = Rule_lying()
    s = Stabiliser()
    from symact.stabilise import rules as lib
    saved = lib.STAGES
    try:
        lib_stages = (("stable", [wrong]),)
        import symact.stabilise as eng
        eng_stages = eng.STAGES
        eng.STAGES = lib_stages
        out = s.run(sp.exp(x) - 1)
    finally:
        eng.STAGES = eng_stages
        lib.STAGES = saved
    assert out == sp.exp(x) - 1
    assert s.rejected and s.rejected[0].rule == "lying"


def Rule_lying():
    from symact.stabilise.rule import Rule
    return Rule("lying", "exp(u) - 1 -> expm1(2u): wrong on purpose",
                lambda e: P.expm1(2 * x) if e == sp.exp(x) - 1 else None)


def test_rule_in_a_branch_is_proved_under_the_branch_condition():
    pw = sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True))
    s = Stabiliser()
    out = s.run(pw)
    assert out == sp.Piecewise((x, x > 0), (P.expm1(x), True))
    assert any(a.rule == "expm1" and a.where != sp.true for a in s.applied)


_beta = sp.Symbol("beta", real=True)

EXPECTED = {
    ("softplus", "f"): sp.Piecewise((x + P.mul_softplus(1 / _beta, P.dw(-_beta * x)), _beta * x > 0),
                                    (P.mul_softplus(1 / _beta, P.dw(_beta * x)), True)),
    ("softplus", "beta"): sp.Piecewise(
        (P.mul_sigmoid(-x / _beta, P.dw(-_beta * x)) + P.mul_softplus(-1 / _beta ** 2, P.dw(-_beta * x)),
         _beta * x > 0),
        (P.mul_sigmoid(x / _beta, P.dw(_beta * x)) + P.mul_softplus(-1 / _beta ** 2, P.dw(_beta * x)), True)),
    ("swish", "f"): P.mul_sigmoid(x, P.dw(_beta * x)),
    ("sigmoid", "f"): P.sigmoid(x),
    ("sigmoid", "x"): P.dsigmoid(x),
    ("log_sigmoid", "f"): P.log_sigmoid(x),
    ("log_sigmoid", "x"): P.sigmoid(-x),
    ("tanh", "x"): P.sech2(x),
    ("silu", "f"): P.mul_sigmoid(x, x),
    ("mish", "f"): P.mul_tanh_softplus(x, x),
    ("softsign", "x"): P.inv_sq(sp.Abs(x) + 1),
}


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=lambda k: f"{k[0]}-{k[1]}")
def test_catalogue_reaches_the_stable_forms(key):
    name, wrt = key
    entry = catalogue.get(name)
    expr = entry.expr if wrt == "f" else derive.derivatives(entry, symbolic=True)[wrt]
    assert stabilise(expr, where=sp.And(*entry.constraints)) == EXPECTED[key]


def test_elu_uses_expm1_on_its_branch():
    entry = catalogue.get("elu")
    alpha = sp.Symbol("alpha", real=True)
    assert stabilise(entry.expr, where=sp.And(*entry.constraints)) == \
        sp.Piecewise((x, x > 0), (alpha * P.expm1(x), True))


def test_squareplus_branches_do_not_cancel():
    entry = catalogue.get("squareplus")
    out = stabilise(entry.expr, where=sp.And(*entry.constraints))
    assert isinstance(out, sp.Piecewise)
    assert out.has(P.sqrt_sq_plus)
    # the x < 0 branch is a quotient, not the cancelling sum x + sqrt(x^2 + b)
    neg = out.args[-1][0]
    assert not (isinstance(neg, sp.Add) and neg.has(x))


def test_no_hand_written_forms_remain():
    """Every kernel's form comes from the rules (and windows), none from a hand override."""
    import importlib.util
    from symact.stabilise import forms
    assert importlib.util.find_spec("symact.stabilise.overrides") is None
    for name in ("silu", "swish", "mish", "softplus"):
        for k in forms.kernels(catalogue.get(name)):
            assert k.source in ("rules", "rules+windows"), k


def test_silu_grad_near_its_root():
    """1 + u + e^u vanishes at u0 = -1 - W(1/e); the double-word window keeps full accuracy
    there (the plain form is 5e4 ULP off at the root's neighbours)."""
    u0 = -1 - mpmath.lambertw(mpmath.e ** -1).real
    f = lambda t: mpmath.exp(t) / (1 + mpmath.exp(t)) ** 2 * (1 + t + mpmath.exp(t))  # noqa: E731
    with mpmath.workdps(60):
        for rel in (1e-3, 1e-5, 1e-6, -1e-5):
            xv = float(u0 * (1 + rel))
            exact = f(mpmath.mpf(xv))
            got = float(symact_numpy.silu_grad(xv))
            assert abs(got - exact) / math.ulp(float(exact)) <= 4, (xv, got, exact)


def test_softplus_scaled_needed_for_large_beta():
    """softplus(beta*x)/beta overflows in beta*x (beta = 64, x = 1e307) where the result is x."""
    from symact.stabilise.rules import RULES as lib
    rule = next(r for r in lib if r.name == "softplus_scaled")
    beta = sp.Symbol("beta", real=True)
    old = rule.example[0]
    new = rule.apply(old)
    assert _eval64(old.subs(beta, 64), 1e307) == math.inf
    assert _eval64(new.subs(beta, 64), 1e307) == 1e307


def test_rules_without_a_failure_point_are_exact_normalisations():
    # the only rules with no `bad_at` are exact algebra whose input is not unstable by itself
    # (dw_argument, mul_softplus and reflect need a parameter value, dw_power's plain form
    # is a few ULP over the budget rather than far: tested below; tanh_softplus_terms trades
    # three elementary functions for one; sigmoid_dsigmoid narrows the double-word window
    # that keeps its input within the budget, from x < 0 to the root's neighbourhood:
    # tests/test_stabilise_exact.py)
    assert sorted(r.name for r in RULES if r.bad_at is None) == ["abs_sign", "dw_argument", "dw_power",
                                                                   "mul_softplus", "reflect", "sigmoid_dsigmoid",
                                                                   "sigmoid_pair", "softplus_scaled",
                                                                   "tanh_softplus_terms"]


@pytest.mark.parametrize("old, value, at, before", [
    (sp.exp(x / sp.Symbol("alpha", real=True)), {"alpha": 3}, -2125.19, 100),     # CELU' alpha = 3
    (P.softplus(_beta * x), {"beta": 1.703125}, -354.1982, 100),                   # softplus, pitfall 17
    (P.sigmoid(_beta * x), {"beta": 1.5}, -472.3, 100),
    (sp.exp(-sp.exp(-x)), {}, -6.5, 100),                                          # a function value
])
def test_dw_argument_carries_the_rounding(old, value, at, before):
    """exp-like functions of a rounded argument: the plain form is far off, the argument
    carried as hi + lo is within an ULP."""
    from symact.stabilise.rules_exact import EXACT
    new = EXACT[0].apply(old)
    assert new is not None and new.has(P.dw)
    subs = {sp.Symbol(k, real=True): sp.Rational(v) for k, v in value.items()}
    exact = _exact(old.subs(subs), at)
    assert _ulps(_eval64(old.subs(subs), at), exact) > before
    assert _ulps(_eval64(new.subs(subs), at), exact) <= 1


def test_mul_softplus_scales_the_tail():
    """softplus(u)/beta^2 with beta = 0.01171875 at x = -63584.7 (u = -745.1): softplus(u) is
    the smallest subnormals, rounded to 100%, times 1/beta^2 = 7282."""
    rule = next(r for r in RULES if r.name == "mul_softplus")
    old = P.softplus(_beta * x) / _beta ** 2
    new = rule.apply(old)
    b = {_beta: sp.Rational(3, 256)}
    exact = _exact(old.subs(b), -63584.701363365646)
    assert _ulps(_eval64(old.subs(b), -63584.701363365646), exact) > 1000
    assert _ulps(_eval64(new.subs(b), -63584.701363365646), exact) <= 1


def test_reflect_cancels_the_linear_parts():
    """softplus d/dbeta for bx > 0: x*sigmoid(bx)/b - softplus(bx)/b^2 cancels completely
    (the value is about -(x + 1/b) e^-bx/b); the reflected terms have one sign."""
    rule = next(r for r in RULES if r.name == "reflect")
    old, _, where = rule.example
    new = rule.apply(old)
    assert str(prove_rewrite(old, new, where).status) == "PROVED"
    b = {_beta: sp.Rational(1)}
    exact = _exact(old.subs(b), 60.0)
    assert _ulps(_eval64(old.subs(b), 60.0), exact) > 1e6
    assert _ulps(_eval64(new.subs(b), 60.0), exact) <= 2
    # no cancellation to remove: left alone
    assert rule.apply(P.softplus(x) + P.softplus(2 * x)) is None


def test_dw_power_rounds_once():
    """-(x/sqrt(1 + x^2))^3/2 (d/da of x/sqrt(1 + a*x^2)): the base's rounding counted three
    times is 5.3 ULP at x = 16.8; in pairs, one rounding."""
    rule = next(r for r in RULES if r.name == "dw_power")
    old = P.ratio(x, P.sqrt_sq_plus(x, 1)) ** 3
    new = rule.apply(old)
    assert isinstance(new, P.dw_eval)
    worst_old = worst_new = 0.0
    for v in np.linspace(1.0, 30.0, 400):
        exact = _exact(old, float(v))
        worst_old = max(worst_old, _ulps(_eval64(old, float(v)), exact))
        worst_new = max(worst_new, _ulps(_eval64(new, float(v)), exact))
    assert worst_old > 2 and worst_new <= 0.5 + 1e-3
    # the quotient is kept whole: (x/S)^3 is 1 at x = 1e300, where x^3 and S^3 overflow
    assert _eval64(new, 1e300) == 1.0
