"""Stabilise: rewrite an expression into stable primitives, proving every step.

``stabilise(expr, x=X, where=true) -> expr``: the rule library
(:mod:`symact.stabilise.rules`, plus ``PRECISE_RULES`` from
:mod:`symact.stabilise.rules_precise`, tried first in the stable and lower
stages) is applied bottom-up, stage by stage.  Each application ``old -> new``
is proved with

    symact.proof.equal.prove_equal(expand(old), expand(new), where=ctx)

where ``ctx`` is ``where`` (parameter constraints) and the condition of the
Piecewise branch the node sits in (earlier branches negated).  Only ``PROVED``
applications are used; anything else leaves the node as it was and is
recorded in :data:`REJECTED` for ``show``/tests.  The result is
``piecewise_fold``-ed so that every Piecewise is at the top (the printers
evaluate branches under masks).
"""

from __future__ import annotations

import time
from typing import Callable, Iterable

import sympy as sp

from symact.define.model import X
from symact.stabilise.primitives import expand
from symact.stabilise.rule import Application, Rule
from symact.stabilise.rules import STAGES

try:  # the precise engineer's rules for the GELU families
    from symact.stabilise.rules_precise import PRECISE_RULES
except ImportError:  # pragma: no cover - only while that module is being written
    PRECISE_RULES = []

__all__ = ["stabilise", "stages", "Rule", "Application", "prove_rewrite", "Stabiliser",
           "UnsupportedExpression"]

_MAX_STEPS = 40


def stages() -> list[tuple[str, list[Rule]]]:
    """The passes in order, with the precise rules first in the stable and lower stages."""
    out = []
    for name, rules in STAGES:
        extra = list(PRECISE_RULES) if name in ("stable", "lower") else []
        out.append((name, extra + list(rules)))
    return out


_PROOFS: dict = {}


def prove_rewrite(old: sp.Expr, new: sp.Expr, where=sp.true):
    """The proof result for ``old == new`` under ``where`` (memoised per process).

    A Piecewise ``new`` whose every branch is ``old`` for all values (the branches of
    log_of_sum: identities that hold everywhere, used where they are stable) is proved
    branch by branch without the branch conditions when the case split cannot decide it
    (substituting x = 40 + t hides the identity log(e^x/2 + e^-x/2) = x - log 2 +
    log1p(e^-2x) from the normalisations)."""
    key = (old, new, where)
    hit = _PROOFS.get(key)
    if hit is None:
        from symact.proof.equal import prove_equal
        hit = prove_equal(expand(old), expand(new), where=where)
        if str(hit.status) == "UNDECIDED" and isinstance(new, sp.Piecewise):
            hit = _prove_branches(old, new, where) or hit
        _PROOFS[key] = hit
    return hit


def _prove_branches(old, new, where):
    """PROVED when each branch of ``new`` equals ``old`` wherever ``where`` holds (then so
    does the Piecewise, whichever branch applies), else None."""
    from symact.proof.equal import prove_equal
    from symact.proof.result import Result, Status
    start = time.perf_counter()
    strategies = []
    for branch, _ in new.args:
        r = prove_equal(expand(old), expand(branch), where=where)
        if str(r.status) != "PROVED":
            return None
        strategies.append(r.strategy)
    return Result(Status.PROVED, "branches:" + "+".join(dict.fromkeys(strategies)),
                  f"each of {len(new.args)} branches equal for all values",
                  seconds=time.perf_counter() - start)


class UnsupportedExpression(ValueError):
    """An expression no stable form can be given for (a distribution, say)."""


class Stabiliser:
    """One run of the library over one expression; ``applied``/``rejected`` record the steps."""

    def __init__(self, where=sp.true, x: sp.Symbol = X, prover: Callable = prove_rewrite):
        self.where = where
        self.x = x
        self.prover = prover
        self.applied: list[Application] = []
        self.rejected: list[Application] = []
        self._steps = 0

    def run(self, expr: sp.Expr) -> sp.Expr:
        expr = sp.sympify(expr)
        if expr.has(sp.DiracDelta):
            raise UnsupportedExpression(
                f"the expression has DiracDelta (the derivative of Heaviside, a distribution), "
                f"which no kernel can evaluate: {expr}")
        expr = self._piecewise(expr)
        if expr.has(sp.Piecewise):
            expr = sp.piecewise_fold(expr)
        for _, rules in stages():
            expr = self._walk(expr, self.where, rules)
        if expr.has(sp.Piecewise):
            expr = sp.piecewise_fold(expr)
        return expr

    def _piecewise(self, expr):
        """Max, Min and Heaviside (user input, SymPy's derivatives of Max) as Piecewise, so
        that every backend evaluates their branches under masks; proved like a rule."""
        kinds = (sp.Max, sp.Min, sp.Heaviside)
        if not expr.has(*kinds):
            return expr

        def rewrite(e):
            if isinstance(e, sp.Heaviside):
                h0 = e.args[1] if len(e.args) > 1 else sp.S.Half
                return sp.Piecewise((0, e.args[0] < 0), (h0, sp.Eq(e.args[0], 0)), (1, True))
            return e.rewrite(sp.Piecewise)

        new = expr.replace(lambda e: isinstance(e, kinds), rewrite)
        start = time.perf_counter()
        result = self.prover(expr, new, self.where)
        record = Application("max_min_heaviside", expr, new, self.where, getattr(result, "strategy", ""),
                             time.perf_counter() - start)
        if str(getattr(result, "status", "")) != "PROVED":
            self.rejected.append(record)
            return expr
        self.applied.append(record)
        return new

    def _walk(self, node: sp.Basic, ctx, rules: Iterable[Rule]) -> sp.Basic:
        if not isinstance(node, sp.Basic) or node.is_Atom or not node.args:
            return node
        if isinstance(node, sp.Piecewise):
            pieces, before = [], sp.false
            for e, c in node.args:
                branch = sp.And(ctx, c, sp.Not(before))
                pieces.append((self._walk(e, branch, rules), c))
                before = sp.Or(before, c)
            return sp.Piecewise(*pieces)
        if isinstance(node, sp.Expr):
            args = [self._walk(a, ctx, rules) for a in node.args]
            if args != list(node.args):
                node = node.func(*args)
        return self._at(node, ctx, rules)

    def _at(self, node, ctx, rules):
        for rule in rules:
            new = rule.apply(node)
            if new is None:
                continue
            start = time.perf_counter()
            result = self.prover(node, new, ctx)
            record = Application(rule.name, node, new, ctx, getattr(result, "strategy", ""),
                                 time.perf_counter() - start)
            if str(getattr(result, "status", "")) != "PROVED":
                self.rejected.append(record)
                continue
            self.applied.append(record)
            self._steps += 1
            if self._steps > _MAX_STEPS:
                raise RuntimeError(f"stabiliser did not terminate on {node}")
            # the replacement may expose new shapes below and at the top; the rule
            # itself is not re-applied to its own output (a branch form such as
            # u + sqrt(u^2 + c) for u >= 0 keeps the shape it started from)
            return self._walk(new, ctx, [r for r in rules if r is not rule])
        return node


def stabilise(expr: sp.Expr, x: sp.Symbol = X, *, where=sp.true) -> sp.Expr:
    """``expr`` rewritten into stable primitives, every rewrite proved (see module doc)."""
    return Stabiliser(where, x).run(expr)
