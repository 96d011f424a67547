"""What the documents say about each scalar kernel, computed from the definitions.

For every scalar kernel (``NAME``, ``NAME_grad``, ``NAME_grad_<p>``) the exact
expression (the catalogue definition or its ``sympy.diff`` derivative with the
kink convention: :attr:`symact.stabilise.forms.Kernel.definition`, parameters
kept symbolic) and its special values as the contract states them
(docs/contract.md, "The special-value contract"): nan gives nan, +-inf give the
limits, +-0 the value at 0.

The limits are SymPy's (:func:`symact.proof.branches.branch_limit`, Gruntz on the
outermost branch), with each parameter given the sign its constraint states
(``beta > 0``: positive).  Where that does not give a plain expression (the
limit depends on the sign of an unconstrained parameter, or the branches of a
parametrised Piecewise cannot be ordered) the values are taken at the catalogue
defaults and said to be (``at_defaults``).  Results are memoised per kernel
definition: documents are rendered several times per process.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symact.define.model import X
from symact.proof.branches import branch_limit

#: The special inputs in the order documents list them.
SPECIAL_INPUTS = ("nan", "-inf", "+inf", "+-0")


@dataclass(frozen=True)
class Special:
    """``values``: ``((input, value as text), ...)`` in :data:`SPECIAL_INPUTS` order;
    ``at_defaults``: the values hold at the default parameters (not as formulas in them)."""

    values: tuple
    at_defaults: bool


_MEMO: dict = {}


def _assumed(constraints) -> dict:
    """Parameter symbols replaced by symbols carrying their constraint's sign."""
    subs = {}
    for c in constraints:
        lhs, rhs = getattr(c, "lhs", None), getattr(c, "rhs", None)
        if not (isinstance(lhs, sp.Symbol) and rhs == 0):
            continue
        if isinstance(c, sp.StrictGreaterThan):
            subs[lhs] = sp.Symbol(lhs.name, positive=True)
        elif isinstance(c, sp.GreaterThan):
            subs[lhs] = sp.Symbol(lhs.name, nonnegative=True)
    return subs


def _exact(v) -> sp.Expr:
    """A default as an exact number (a float by its shortest repr: 0.01 is 1/100)."""
    return sp.Rational(repr(v)) if isinstance(v, float) else sp.sympify(v)


def value_text(v) -> str:
    """A special value as text: ``nan``, ``inf``, ``-inf``, a float's repr for a number,
    SymPy's ``str`` for an expression in the parameters (``-alpha``)."""
    v = sp.sympify(v)
    if v is sp.nan:
        return "nan"
    if v is sp.oo:
        return "inf"
    if v is sp.S.NegativeInfinity:
        return "-inf"
    if v.is_Rational and len(str(v)) <= 12:
        return str(v)  # exact and short: 1, -1, 1/6
    if not v.free_symbols:
        return repr(float(sp.N(v, 30)))
    return str(v)


def _plain(v) -> bool:
    v = sp.sympify(v)
    return not (v.has(sp.Piecewise, sp.sign, sp.Limit, sp.AccumBounds) or v.has(sp.zoo) or v is sp.nan)


def _values(expr) -> tuple | None:
    out = [("nan", "nan")]
    try:
        for label, point in (("-inf", sp.S.NegativeInfinity), ("+inf", sp.oo)):
            lim = sp.sympify(branch_limit(expr, X, point))
            if not _plain(lim):
                return None
            out.append((label, lim))
        at0 = sp.sympify(expr.subs(X, 0))
        if not _plain(at0):
            return None
        out.append(("+-0", at0))
    except (ValueError, NotImplementedError, TypeError, ArithmeticError):
        return None
    return tuple(out)


def special_values(kernel, constraints=(), defaults=None) -> Special:
    """The special values of a scalar kernel (a :class:`symact.stabilise.forms.Kernel`)
    whose parameters obey ``constraints`` and default to ``defaults`` ({name: value})."""
    defaults = {k: _exact(v) for k, v in (defaults or {}).items()}
    key = (sp.srepr(kernel.definition), tuple(map(str, constraints)), tuple(sorted(map(str, defaults.items()))))
    if key in _MEMO:
        return _MEMO[key]
    subs = _assumed(constraints)
    back = {v: k for k, v in subs.items()}
    found = _values(kernel.definition.subs(subs))
    at_defaults = False
    if found is None and defaults:
        found = _values(kernel.definition.subs({sp.Symbol(k, real=True): v for k, v in defaults.items()}))
        at_defaults = True
    if found is None:
        raise ValueError(f"{kernel.name}: no special values (limits not found)")
    values = tuple((label, value_text(sp.sympify(v).subs(back))) for label, v in found)
    _MEMO[key] = Special(values, at_defaults)
    return _MEMO[key]
