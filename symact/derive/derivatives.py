"""Derivatives by ``sympy.diff``, never typed in by hand.

For a scalar activation f(x; p):  ``grad`` is df/dx with the catalogue's kink
convention enforced at each non-smooth point, ``grad_param`` is df/dp.  For a
vector activation the gradient is taken with respect to ``x[k]`` (symbolic n)
or, for a concrete n, as the full gradient / Jacobian.
"""

from __future__ import annotations

from typing import Mapping

import sympy as sp

from symact.define.model import K, XV, X, ScalarActivation, VectorActivation, vector_symbols


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Fold nested Piecewise and drop branches that cannot be taken."""
    return sp.piecewise_fold(expr) if expr.has(sp.Piecewise) else expr


def grad(act: ScalarActivation, values: Mapping[str, object] | None = None,
         *, symbolic: bool = False) -> sp.Expr:
    """df/dx by ``sympy.diff``; at each declared kink the declared value.

    ``symbolic=True`` keeps the parameters as symbols; otherwise they are bound
    to ``values`` (catalogue defaults for those not given).
    """
    d = _tidy(sp.diff(act.expr, X))
    subs = {} if symbolic else act.param_subs(values)
    d = d.subs(subs)
    for point, value in act.kinks.items():
        point = sp.sympify(point).subs(subs)
        value = sp.sympify(value).subs(subs)
        at = d.subs(X, point)
        # Only where the derived value differs (or cannot be shown equal) is the
        # convention spelled out: a redundant Eq branch would cost every kernel a mask.
        if sp.simplify(at - value) != 0:
            d = sp.Piecewise((value, sp.Eq(X, point)), (d, True))
    return d


def grad_param(act: ScalarActivation, param: str,
               values: Mapping[str, object] | None = None, *, symbolic: bool = False) -> sp.Expr:
    """df/d(param) by ``sympy.diff``."""
    if param not in act.param_symbols:
        raise KeyError(f"{act.name} has no parameter {param!r}")
    d = _tidy(sp.diff(act.expr, act.param_symbols[param]))
    return d if symbolic else d.subs(act.param_subs(values))


def derivatives(act: ScalarActivation, values: Mapping[str, object] | None = None,
                *, symbolic: bool = False) -> dict[str, sp.Expr]:
    """``{"x": df/dx, "<param>": df/dparam, ...}`` in catalogue parameter order."""
    out = {"x": grad(act, values, symbolic=symbolic)}
    for p in act.params:
        out[p.name] = grad_param(act, p.name, values, symbolic=symbolic)
    return out


def vector_grad_symbolic(act: VectorActivation) -> sp.Expr:
    """d(act)/d x[k] for symbolic n (KroneckerDelta left for the reader/prover)."""
    return sp.diff(act.expr, XV[K])


def vector_jacobian(act: VectorActivation, n: int) -> sp.Matrix:
    """The Jacobian of the concrete length-n activation: rows = outputs, cols = x1..xn.

    For a scalar-valued activation (logsumexp) this is a 1 x n row, the gradient.
    """
    xs = vector_symbols(n)
    outs = act.instantiate(n)
    return sp.Matrix([[sp.diff(f, xk) for xk in xs] for f in outs])
