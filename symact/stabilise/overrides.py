"""Hand-written stable forms, used only where the rewrite library fails.

Each entry maps ``(activation, kernel)`` — kernel ``"f"``, ``"x"`` or a parameter
name — to a form in stable primitives.  Like every rewrite it is proved equal to
what it replaces (the definition, or the derivative ``symact.derive.derivatives`` takes)
before use, under the activation's parameter constraints; an override that
cannot be proved makes generation fail.

Why each exists:

- ``softplus`` d/dbeta = x*sigmoid(bx)/b - softplus(bx)/b^2: for bx > 0 the two
  terms are both about x/b and cancel completely (the true value is about
  -(x + 1/b) e^(-bx)/b).  With softplus(u) = u + softplus(-u) and
  sigmoid(u) = 1 - sigmoid(-u) on u > 0 the sum becomes
  -(x*sigmoid(-bx)/b + softplus(-bx)/b^2), two terms of one sign.  The library
  has no rule that splits by sign *and* cancels the linear parts symbolically.
- ``silu`` and ``swish`` d/dx = s(u) + u s(u) s(-u), u = beta*x: for u < 0 this is
  dsigmoid(u)*(1 + u + e^u), and 1 + u + e^u vanishes at u0 = -1 - W(1/e)
  = -1.27846...: the two terms cancel there (50 000 ULP at the root's
  neighbours).  Writing d = u - u0 (u0 carried as hi + lo by the ``shift``
  primitive, exact near u0) and E0 = e^(u0),
  1 + u + e^u = d + E0*expm1(d) + (1 + u0 + E0), whose last term is 0 and whose
  first two have the sign of d: no cancellation anywhere.  Finding a root and
  re-expanding around it is beyond the rewrite library.
- ``mish`` d/dx: with e = e^x and n = e(2 + e) (so tanh(softplus(x)) = n/(n + 2) and
  n + 1 = (1 + e)^2), mish'(x) = e*L/(n + 2)^2 with
  L = 4(1 + x) + e(6 + 4x) + 4e^2 + e^3, which vanishes at x0 = -1.19243...
  (sympy's form cancels there: 500 ULP).  Around x0, with d = x - x0,
  m = expm1(d) and E0 = e^(x0):
  L = 4d + E0(6 + 4x0)m + 4E0 d(1 + m) + 4E0^2 m(2 + m) + E0^3 m(3 + 3m + m^2) + L(x0),
  every term with the sign of d.  Used for x < 0; x >= 0 keeps the library's form
  (all terms positive).  
  The factor e/(n + 2)^2 is the ``mul_exp_div_sq_tsp`` primitive: n + 2 lies in (2, 5],
  at the bottom of its binade, and rounding it, its square, the quotient and the
  product with e cost up to 5 half-ULPs (mish' was 5.7 ULP at x = -10.59); the
  primitive carries them as double-word pairs (one rounding after exp).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.stabilise import primitives as P
from symact.define.model import X

x = X
_beta = sp.Symbol("beta", real=True)

@dataclass(frozen=True)
class Instance:
    """An override ``base`` (a stable form in x, proved equal to ``definition`` for every
    real x) used at x = ``u``: a kernel equal to ``definition`` at u then has the stable
    form ``base`` at u.  The proof obligation is the plain identity kernel ==
    definition(u), which the proof engine decides where the stable form at u is beyond it."""

    base: sp.Expr
    definition: sp.Expr
    u: sp.Expr


#: The root of 1 + u + e^u (where silu' = 0): u0 = -1 - W(1/e), and E0 = e^(u0).
SILU_GRAD_ROOT = -1 - sp.LambertW(sp.exp(-1))
_E0 = sp.exp(SILU_GRAD_ROOT)


def _silu_grad(u):
    """d/du [u*sigmoid(u)] without cancellation: see the module docstring."""
    d = P.shift(u, SILU_GRAD_ROOT)
    n = d + _E0 * P.expm1(d) + (1 + SILU_GRAD_ROOT + _E0)
    return sp.Piecewise((P.sigmoid(u) + P.mul_dsigmoid(u, u), u >= 0), (P.mul_dsigmoid(n, u), True))


#: The root of L(x) = 4(1 + x) + e^x(6 + 4x) + 4e^(2x) + e^(3x) (where mish' = 0), 50 digits
#: (mpmath.findroot); any value works in the identity below, the root makes it cancellation-free.
MISH_GRAD_ROOT = sp.Rational("-1.1924312145154952121375883404207394056006864093225")


def _mish_grad():
    a = MISH_GRAD_ROOT
    e0 = sp.exp(a)
    d = P.shift(x, a)
    m = P.expm1(d)
    at_root = 4 * (1 + a) + e0 * (6 + 4 * a) + 4 * e0 ** 2 + e0 ** 3
    big_l = (4 * d + e0 * (6 + 4 * a) * m + 4 * e0 * d * (1 + m) + 4 * e0 ** 2 * m * (2 + m)
             + e0 ** 3 * m * (3 + 3 * m + m ** 2) + at_root)
    positive = P.mul_sigmoid(x * P.sech2(P.softplus(x)), x) + sp.tanh(P.softplus(x))
    return sp.Piecewise((positive, x >= 0), (P.mul_exp_div_sq_tsp(big_l, x), True))


OVERRIDES: dict[tuple[str, str], sp.Expr] = {
    ("mish", "x"): _mish_grad(),
    ("silu", "x"): _silu_grad(x),
    # swish'(x) = silu'(beta*x), silu'(u) = d/du [u*sigmoid(u)]
    ("swish", "x"): Instance(_silu_grad(x), sp.diff(x / (1 + sp.exp(-x)), x), _beta * x),
    ("softplus", "beta"): sp.Piecewise(
        (-(P.mul_sigmoid(x / _beta, -_beta * x) + P.softplus(-_beta * x) / _beta ** 2), _beta * x > 0),
        (P.mul_sigmoid(x / _beta, _beta * x) - P.softplus(_beta * x) / _beta ** 2, True),
    ),
}


def get(name: str, kernel: str):
    """The override for ``name``'s ``kernel`` or ``None``."""
    return OVERRIDES.get((name, kernel))
