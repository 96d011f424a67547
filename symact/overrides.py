"""Hand-written stable forms, used only where the rewrite library fails.

Each entry maps ``(activation, kernel)`` — kernel ``"f"``, ``"x"`` or a parameter
name — to a form in stable primitives.  Like every rewrite it is proved equal to
what it replaces (the definition, or the derivative ``symact.derive`` takes)
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
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from . import primitives as P
from .model import X

x = X
_beta = sp.Symbol("beta", real=True)

@dataclass(frozen=True)
class Instance:
    """The override of ``(name, wrt)`` with x replaced by ``u``: proved by proving the
    derivative equal to that kernel's derivative at u (the base override is proved
    for every real x, so it holds at u too)."""

    name: str
    wrt: str
    u: sp.Expr


#: The root of 1 + u + e^u (where silu' = 0): u0 = -1 - W(1/e), and E0 = e^(u0).
SILU_GRAD_ROOT = -1 - sp.LambertW(sp.exp(-1))
_E0 = sp.exp(SILU_GRAD_ROOT)


def _silu_grad(u):
    """d/du [u*sigmoid(u)] without cancellation: see the module docstring."""
    d = P.shift(u, SILU_GRAD_ROOT)
    n = d + _E0 * P.expm1(d) + (1 + SILU_GRAD_ROOT + _E0)
    return sp.Piecewise((P.sigmoid(u) + P.mul_dsigmoid(u, u), u >= 0), (P.mul_dsigmoid(n, u), True))


OVERRIDES: dict[tuple[str, str], sp.Expr] = {
    ("silu", "x"): _silu_grad(x),
    ("swish", "x"): Instance("silu", "x", _beta * x),
    ("softplus", "beta"): sp.Piecewise(
        (-(P.mul_sigmoid(x / _beta, -_beta * x) + P.softplus(-_beta * x) / _beta ** 2), _beta * x > 0),
        (P.mul_sigmoid(x / _beta, _beta * x) - P.softplus(_beta * x) / _beta ** 2, True),
    ),
}


def get(name: str, kernel: str):
    """The override for ``name``'s ``kernel`` or ``None``."""
    return OVERRIDES.get((name, kernel))
