"""Which domain conditions hold wherever a statement is asserted, and which points they exclude.

``check_domain(conditions, where) -> Domain``: each
:class:`~symact.define.domain.Condition` (``g > 0``, ``g >= 0``, ``g != 0``
under its guard) is *implied* when it is proved for every real point with
``where`` and the guard true -- ``g > 0`` and ``g >= 0`` by
:func:`~symact.proof.inequality.prove_nonneg`, ``g != 0`` by proving ``g > 0``
or ``g < 0`` -- and *excluded* otherwise: the points where it fails are taken
out of the statement's domain, and named.  A certified point where it fails
(``prove_nonneg``'s counterexample, or an exact real root of ``g`` for
``g != 0``) is kept as evidence.

A statement proved on ``Domain.where`` (``where`` and every excluded
condition) is therefore proved exactly where both sides are defined, and the
report names what was excluded: soundness never depends on SymPy having
simplified ``x/x`` to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from symact.proof.inequality import prove_nonneg
from symact.proof.result import Status


@dataclass
class Excluded:
    """A condition not shown to hold everywhere; ``point`` a certified point where it fails."""

    condition: object
    point: dict | None = None

    def text(self) -> str:
        shown = self.condition.excluded_text()
        example = ", ".join(f"{k} = {v}" for k, v in (self.point or {}).items())
        if example and example != shown:
            shown += f" (e.g. {example})"
        return f"{shown}  [{self.condition.origin}]"


@dataclass
class Domain:
    """``implied``: conditions proved wherever ``where`` holds; ``excluded``: the rest;
    ``where``: the condition under which both sides are defined."""

    implied: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    where: sp.Basic = sp.true

    @property
    def whole(self) -> bool:
        """Defined at every point of the original ``where``."""
        return not self.excluded

    def as_dict(self) -> dict:
        return {"implied": [c.text() for c in self.implied],
                "excluded": [e.condition.excluded_text() for e in self.excluded],
                "excluded_because": [e.condition.origin for e in self.excluded]}


def _real_root(g):
    """An exact real root of ``g`` when it is a polynomial in one symbol, else None."""
    symbols = sorted(g.free_symbols, key=str)
    if len(symbols) != 1:
        return None
    s = symbols[0]
    try:
        poly = sp.Poly(g, s)
    except sp.PolynomialError:
        return None
    if poly.degree() > 4 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    roots = [r for r in sp.real_roots(poly)]
    return {str(s): str(roots[0])} if roots else None


def holds(condition, where=sp.true):
    """``(True, None)`` when ``condition`` is proved wherever ``where`` and its guard hold;
    ``(False, point)`` otherwise, ``point`` a certified failure or None."""
    w = sp.And(where, condition.guard)
    if w is sp.false:
        return True, None
    g = condition.expr
    if condition.op in (">", ">="):
        r = prove_nonneg(g, where=w, strict=condition.op == ">")
        return r.status is Status.PROVED, r.counterexample if r.status is Status.DISPROVED else None
    for side in (g, -g):
        r = prove_nonneg(side, where=w, strict=True)
        if r.status is Status.PROVED:
            return True, None
    return False, _real_root(g) if w is sp.true else None


def check_domain(conditions, where=sp.true) -> Domain:
    """Split ``conditions`` into implied and excluded under ``where`` (see the module docstring).

    Each condition is decided under ``where`` and the conditions excluded before
    it (``sqrt(x) > 0`` from ``log(sqrt(x))`` holds once ``x > 0`` from ``log(x)``
    is excluded), so the domain is ``where`` and the excluded conditions only:
    every implied one holds there.
    """
    out = Domain(where=where)
    for c in conditions:
        ok, point = holds(c, out.where)
        if ok:
            out.implied.append(c)
            continue
        out.excluded.append(Excluded(c, point if out.where == where else None))
        rel = c.relation()
        out.where = sp.And(out.where, rel if c.guard is sp.true else sp.Or(sp.Not(c.guard), rel))
    return out
