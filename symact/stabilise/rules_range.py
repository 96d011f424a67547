"""Overflow and underflow of intermediates, by rewrites that follow the shape.

- :func:`exp_merge`: exp(a)*exp(b) -> exp(a + b): the product of an overflowing and
  an underflowing exponential is inf*0 = nan where the limit is finite (the
  derivative of x*exp(-exp(-x)) at x <= -710), and a product of an exponential
  in the subnormals with a large one amplifies the subnormal's rounding.
- :func:`sqrt_quad_rule`: sqrt(a*u^2 + c) -> sqrt_quad(a, u, c) (any coefficient a,
  a parameter too): u^2 overflows for |u| > 1.3e154 where the root is finite.
- :func:`balanced_ratio`: u^n/B^(n/2) with B = a*u^2 + c -> ratio(u, sqrt_quad(a, u, c))^n:
  x^3/(1 + a*x^2)^(3/2) is inf/inf for |x| > 5.6e102, the quotient is finite.
- :func:`exp_ratio`: a quotient of sums of exponentials, divided through by the
  dominant exponential on each side of 0 ((e^x - e^-x)/(e^x + e^-x) is inf/inf
  for |x| > 710; divided by e^|x| it is -expm1(-2|x|)/(1 + e^-2|x|)).
- :func:`log_quad`: log(a*u^2 + c) = 2*log(sqrt(a*u^2 + c)) for |u| > 1, the root
  without overflow (log(1 + x^2) is inf for |x| > 1.3e154).
- :func:`rational_scale`: a quotient of polynomials, for |x| > 1 numerator and
  denominator divided by x^d (d the denominator's degree): 2x/(1 + x^2) is 0 for
  |x| > 1.3e154 where it is 2/x, x^3/(1 + x^2) nan.
"""

from __future__ import annotations

import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.rule import Rule

x = X


def exp_merge(node):
    """Every exponential factor of a product, with x in it, as one exponential."""
    if not isinstance(node, sp.Mul):
        return None
    exps = [f for f in node.args if isinstance(f, sp.exp) and f.has(x)]
    if len(exps) < 2:
        return None
    rest = [f for f in node.args if f not in exps]
    return sp.Mul(*rest, sp.exp(sp.Add(*[f.args[0] for f in exps])))


def _quadratic(base):
    """``(a, u, c)`` when ``base`` is a*u^2 + c with a, c free of x and u a power-1 term in
    x (a symbol or a product with it), else None."""
    if not isinstance(base, sp.Add):
        return None
    c, rest = base.as_independent(x, as_Add=True)
    if rest.is_Add or c == 0:
        return None
    a, sq = rest.as_independent(x, as_Add=False)
    if not (sq.is_Pow and sq.exp == 2) or a == 1:
        return None
    return a, sq.base, c


def sqrt_quad_rule(node):
    """``sqrt(a*u^2 + c)**k -> sqrt_quad(a, u, c)**k`` for k = +-1 (a != 1: the case a = 1
    is sqrt_sq_plus's)."""
    if isinstance(node, sp.Pow) and abs(node.exp) == sp.S.Half:
        q = _quadratic(node.base)
        if q is not None:
            return P.sqrt_quad(*q) ** (2 * node.exp)
    return None


def balanced_ratio(node):
    """``u^n * B^(-n/2) -> ratio(u, sqrt_quad(a, u, c))^n`` for B = a*u^2 + c, n >= 1."""
    if not isinstance(node, sp.Mul):
        return None
    for f in node.args:
        if not (f.is_Pow and f.exp.is_Rational and f.exp.is_negative and f.exp.q == 2):
            continue
        q = _quadratic(f.base)
        if q is None and isinstance(f.base, sp.Add):
            c, rest = f.base.as_independent(x, as_Add=True)
            if rest.is_Pow and rest.exp == 2 and c != 0:
                q = (sp.S.One, rest.base, c)
        if q is None:
            continue
        n = int(-2 * f.exp)
        u = q[1]
        power = [g for g in node.args if g == u ** n or (n == 1 and g == u)]
        if not power:
            continue
        root = P.sqrt_quad(*q) if q[0] != 1 else P.sqrt_sq_plus(u, q[2])
        rest = [g for g in node.args if g is not f and g != power[0]]
        return sp.Mul(*rest, P.ratio(u, root) ** n)
    return None


def _exp_terms(add):
    """``[(c, a)]`` for a sum of terms c*exp(a*x) (a = 0: a constant), a and c numbers,
    or None."""
    out = []
    for t in sp.Add.make_args(add):
        c, rest = t.as_independent(x, as_Add=False)
        if not c.is_number:
            return None
        if rest == 1:
            out.append((c, sp.S.Zero))
            continue
        if not isinstance(rest, sp.exp):
            return None
        a = sp.simplify(rest.args[0] / x)
        if not a.is_number or a.has(x):
            return None
        out.append((c, a))
    return out


def exp_ratio(node):
    """A product N/D^k with D a sum of exponentials that grows on one side: for x > 0 both
    divided by exp(a_max*x)^k, for x < 0 by exp(a_min*x)^k."""
    if not isinstance(node, sp.Mul):
        return None
    for f in node.args:
        if not (f.is_Pow and f.exp.is_Integer and f.exp < 0 and isinstance(f.base, sp.Add)):
            continue
        terms = _exp_terms(f.base)
        if terms is None or len(terms) < 2 or all(a == 0 for _, a in terms):
            continue
        num = sp.Mul(*[g for g in node.args if g is not f])
        if not num.has(sp.exp):
            continue  # nothing overflows in the numerator: N/D -> 0 or N
        k = -f.exp
        out = []
        for a in (max(a for _, a in terms), min(a for _, a in terms)):
            scale = sp.exp(-a * x)
            n2 = sp.powsimp(sp.expand(num * scale ** k))
            d2 = sp.powsimp(sp.expand(f.base * scale))
            out.append(n2 * d2 ** (-k))
        if out[0] == node and out[1] == node:
            return None
        return sp.Piecewise((out[0], x > 0), (out[1], True))
    return None


def log_quad(node):
    """``log(a*u^2 + c) -> Piecewise((2*log(root), |u| > 1), (log(a*u^2 + c), True))``."""
    if not isinstance(node, sp.log):
        return None
    base = node.args[0]
    q = _quadratic(base)
    if q is None and isinstance(base, sp.Add):
        c, rest = base.as_independent(x, as_Add=True)
        if rest.is_Pow and rest.exp == 2 and c != 0:
            q = (sp.S.One, rest.base, c)
    if q is None:
        return None
    a, u, c = q
    root = P.sqrt_quad(a, u, c) if a != 1 else P.sqrt_sq_plus(u, c)
    return sp.Piecewise((2 * sp.log(root), sp.Abs(u) > 1), (node, True))


def _polynomial(e):
    try:
        return sp.Poly(e, x) if e.is_polynomial(x) else None
    except sp.PolynomialError:
        return None


def rational_scale(node):
    """N/D^k (polynomials in x, numeric coefficients, some x^2 or higher formed) ->
    Piecewise(((N/x^d)/(D/x^e)^k, |x| > 1), (N/D^k, True)), e = deg D, d = k*e."""
    if not isinstance(node, sp.Mul) or node.free_symbols != {x}:
        return None
    dens = [f for f in node.args if f.is_Pow and f.exp.is_Integer and f.exp < 0 and f.base.is_Add]
    if len(dens) != 1:
        return None
    den = dens[0]
    num = sp.Mul(*[f for f in node.args if f is not den])
    pn, pd = _polynomial(num), _polynomial(den.base)
    if pn is None or pd is None or pd.degree() < 1:
        return None
    k = int(-den.exp)
    d = k * pd.degree()
    if max(pn.degree(), d) < 2:
        return None
    scaled_den = sp.Add(*[t / x ** pd.degree() for t in sp.Add.make_args(sp.expand(den.base))])
    scaled_num = sp.Add(*[t / x ** d for t in sp.Add.make_args(sp.expand(num))])
    return sp.Piecewise((scaled_num * scaled_den ** (-k), sp.Abs(x) > 1), (node, True))


_a = sp.Symbol("a", real=True)

RANGE = [
    Rule("exp_merge", "exp(a)*exp(b) -> exp(a + b): no inf*0, one rounding into the subnormals "
         "(d/dx x*exp(-exp(-x)) = x*exp(-x)*exp(-exp(-x)) is nan for x <= -710)",
         exp_merge, example=(x * sp.exp(-x) * sp.exp(-sp.exp(-x)), x * sp.exp(-x - sp.exp(-x))),
         bad_at=-800.0),
    Rule("sqrt_quad", "sqrt(a*u^2 + c) -> sqrt_quad(a, u, c): no overflow of u^2 "
         "(x/sqrt(1 + a*x^2) is 0 for |x| > 1.3e154, the true value +-1/sqrt(a)) [10]",
         sqrt_quad_rule, example=(sp.sqrt(2 * x ** 2 + 1), P.sqrt_quad(2, x, 1)), bad_at=1e200),
    Rule("balanced_ratio", "u^n/(a*u^2 + c)^(n/2) -> (u/sqrt_quad(a, u, c))^n: numerator and "
         "denominator overflow together (x^3/(1 + a*x^2)^(3/2) is nan for |x| > 5.6e102)",
         balanced_ratio,
         example=(x ** 3 / (2 * x ** 2 + 1) ** sp.Rational(3, 2), P.ratio(x, P.sqrt_quad(2, x, 1)) ** 3),
         bad_at=1e200),
    Rule("log_quad", "log(a*u^2 + c) -> 2*log(sqrt(a*u^2 + c)) for |u| > 1: no overflow of u^2 "
         "(log(1 + x^2) is inf for |x| > 1.3e154, the true value 2 log|x|) [10]",
         log_quad, example=(sp.log(x ** 2 + 1),
                            sp.Piecewise((2 * sp.log(P.sqrt_sq_plus(x, 1)), sp.Abs(x) > 1),
                                         (sp.log(x ** 2 + 1), True))),
         bad_at=1e200),
    Rule("rational_scale", "N/D (polynomials) -> (N/x^d)/(D/x^d) for |x| > 1: no overflow of the "
         "powers (2x/(1 + x^2) is 0 for |x| > 1.3e154 where it is 2/x)",
         rational_scale,
         example=(2 * x / (x ** 2 + 1), sp.Piecewise((2 / x / (1 + x ** -2), sp.Abs(x) > 1),
                                                     (2 * x / (x ** 2 + 1), True))),
         bad_at=1e200),
    Rule("exp_ratio", "N/D with D a sum of exponentials: both divided by the dominant exponential "
         "on each side of 0 ((e^x - e^-x)/(e^x + e^-x) is inf/inf for |x| > 710)",
         exp_ratio,
         example=((sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x)),
                  sp.Piecewise(((1 - sp.exp(-2 * x)) / (1 + sp.exp(-2 * x)), x > 0),
                               ((sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1), True))),
         bad_at=800.0),
]
