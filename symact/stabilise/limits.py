"""The values at x = +-inf of stable forms that grow without bound through inf - inf.

The contract wants the limits at +-inf.  The generated kernels evaluate the stable form
there, and where that gives nan (inf/inf, inf - inf) its value at the largest finite
number, which is the limit for every function that saturates or overflows there.  A
form that grows without bound but slower than x does neither: x + x^2/(2(sqrt(x^2 + 1)
+ 1)) (= x + (sqrt(x^2 + 1) - 1)/2) is nan at -inf and -max/2 at -max, while the limit
is -inf.  :func:`add_limits` finds such forms (algebraic definitions whose stable form
is nan at an infinity, at the parameters' defaults: exponentials saturate or overflow
at the largest float, so their value there is the limit), asks SymPy for the limit of
the definition there (Gruntz's algorithm), and, when it is +-oo, wraps the branch
active there in ``at_infinity`` with that limit.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.windows import _numeric

x = X

#: Functions whose presence makes the value at the largest float the limit.
TRANSCENDENTAL = (sp.exp, sp.log, sp.erf, sp.erfc, sp.tanh, P.Primitive)


def _branch_at(stable, params, value: float) -> int:
    """The index of the top-level branch active at x = ``value``."""
    if not isinstance(stable, sp.Piecewise):
        return 0
    for i, (_, c) in enumerate(stable.args):
        if c is sp.true:
            return i
        f = sp.lambdify(x, c.subs(params), modules="numpy")
        with np.errstate(all="ignore"):
            if bool(np.asarray(f(np.array([value])))[0]):
                return i
    return len(stable.args) - 1


def add_limits(stable: sp.Expr, definition: sp.Expr, params: dict) -> sp.Expr:
    """``stable`` with the infinite limits made explicit where needed (module docstring)."""
    if definition.has(*TRANSCENDENTAL) or definition.has(sp.Piecewise):
        return stable
    at_inf = _numeric(stable, params)(np.array([-np.inf, np.inf]))
    found = {}
    for i, side in enumerate((-1, 1)):
        if np.isnan(at_inf[i]):
            limit = sp.limit(definition, x, side * sp.oo)
            if limit in (sp.oo, -sp.oo):
                found[side] = limit
    if not found:
        return stable
    branches = list(stable.args) if isinstance(stable, sp.Piecewise) else [(stable, sp.true)]
    for side, limit in found.items():
        i = _branch_at(stable, params, side * np.inf)
        e, c = branches[i]
        lpos, lneg = (e.args[1], e.args[2]) if isinstance(e, P.at_infinity) else (sp.nan, sp.nan)
        if isinstance(e, P.at_infinity):
            e = e.args[0]
        lpos, lneg = (limit, lneg) if side > 0 else (lpos, limit)
        branches[i] = (P.at_infinity(e, lpos, lneg), c)
    if isinstance(stable, sp.Piecewise):
        return sp.Piecewise(*branches, evaluate=False)
    return branches[0][0]
