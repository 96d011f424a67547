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
"""

from __future__ import annotations

import sympy as sp

from . import primitives as P
from .model import X

x = X
_beta = sp.Symbol("beta", real=True)

OVERRIDES: dict[tuple[str, str], sp.Expr] = {
    ("softplus", "beta"): sp.Piecewise(
        (-(P.mul_sigmoid(x / _beta, -_beta * x) + P.softplus(-_beta * x) / _beta ** 2), _beta * x > 0),
        (P.mul_sigmoid(x / _beta, _beta * x) - P.softplus(_beta * x) / _beta ** 2, True),
    ),
}


def get(name: str, kernel: str):
    """The override for ``name``'s ``kernel`` or ``None``."""
    return OVERRIDES.get((name, kernel))
