"""Decide a typed statement ``lhs op rhs`` (op one of ``== <= < >= >``) where both sides are defined.

``decide(lhs, op, rhs, where, conditions) -> Decision``:

1. the domain: :func:`symact.proof.domain.check_domain` splits the sides'
   definedness conditions into those implied by ``where`` and those that exclude
   points; the statement is decided on ``where`` and every excluded condition;
2. ``==`` by :func:`~symact.proof.equal.prove_equal`; ``a <= b`` (``a < b``) as
   ``b - a >= 0`` (``> 0``) and ``a >= b`` (``a > b``) as ``a - b >= 0`` (``> 0``)
   by :func:`~symact.proof.inequality.prove_nonneg`: proof by cases with
   sign-restricted symbols, a certified counterexample for DISPROVED;
3. a side that is ``oo`` or ``-oo`` is compared by the order of the extended
   reals (every real is below ``oo``);
4. a proof that excluded points is kept only if the remaining domain is shown
   nonempty by an exact point satisfying it (else UNDECIDED: a statement about
   no point at all would be vacuously "proved");
5. a Float (SELU's constants are 50-digit Floats) is a number known to its
   precision only, so when the sides differ below it the answer is UNDECIDED,
   and the detail says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sympy as sp

from symact.proof.domain import Domain, check_domain
from symact.proof.result import Result, Status

_REL = {"==": sp.Eq, "<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt}
_INFINITE = (sp.oo, sp.S.NegativeInfinity)


@dataclass
class Decision:
    result: Result
    domain: Domain


def _a_point(where, symbols):
    """An exact point satisfying ``where`` (the prover's candidate points), or None."""
    from symact.proof.numeric import _points
    return next(iter(_points(sorted(symbols, key=str), where)), None)


def _with_infinity(lhs, op, rhs, where, start) -> Result:
    """``lhs op rhs`` when a side is +-oo: every real lies strictly between -oo and oo."""
    def done(status, detail, ce=None):
        return Result(Status(status), "extended-reals", detail, ce, time.perf_counter() - start)
    if not (lhs.free_symbols or rhs.free_symbols):
        truth = _REL[op](lhs, rhs)
        return done("PROVED" if truth is sp.true else "DISPROVED", f"{lhs} {op} {rhs} is {truth}",
                    None if truth is sp.true else {})
    # one side infinite, the other real wherever defined: the infinite side decides
    # (f < oo and f > -oo everywhere), so any real stands in for the finite side
    def stand_in(e):
        return e if e in _INFINITE else sp.S.Zero
    truth = _REL[op](stand_in(lhs), stand_in(rhs))
    if truth is sp.true:
        return done("PROVED", "a real value compared with an infinity")
    point = _a_point(where, lhs.free_symbols | rhs.free_symbols)
    if point is None:
        return done("UNDECIDED", "no point of the domain found to exhibit")
    return done("DISPROVED", "a real value compared with an infinity",
                {str(k): str(v) for k, v in point.items()})


def decide(lhs, op: str, rhs, where=sp.true, conditions=()) -> Decision:
    """``lhs op rhs`` for every real point where ``where`` holds and both sides are defined."""
    from symact.proof.equal import prove_equal
    from symact.proof.inequality import prove_nonneg

    start = time.perf_counter()
    from symact.define.domain import dedupe

    lhs, rhs, where = sp.sympify(lhs), sp.sympify(rhs), sp.sympify(where)
    domain = check_domain(dedupe(conditions), where)
    w = domain.where
    if op == "==":
        result = prove_equal(lhs, rhs, where=w)
    elif lhs in _INFINITE or rhs in _INFINITE:
        result = _with_infinity(lhs, op, rhs, w, start)
    elif op in ("<=", "<"):
        result = prove_nonneg(rhs - lhs, where=w, strict=op == "<", label="rhs - lhs")
    elif op in (">=", ">"):
        result = prove_nonneg(lhs - rhs, where=w, strict=op == ">", label="lhs - rhs")
    else:
        raise ValueError(f"relation {op!r} (allowed: {' '.join(_REL)})")
    if result.status is Status.PROVED and domain.excluded:
        symbols = lhs.free_symbols | rhs.free_symbols | w.free_symbols
        if symbols and _a_point(w, symbols) is None:
            result = Result(Status.UNDECIDED, result.strategy,
                            "proved on the points where both sides are defined, but no such point "
                            "was found: the statement may be about nothing")
    if result.status is Status.UNDECIDED and (lhs.has(sp.Float) or rhs.has(sp.Float)):
        result.detail += ("; a side has Floats (e.g. SELU's 50-digit constants), known only to "
                          "their precision: a difference below it cannot be decided")
    result.seconds = time.perf_counter() - start
    return Decision(result, domain)
