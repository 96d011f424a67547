"""Where a real expression is defined: the conditions its operations need.

A real expression is defined at a point when every operation in it is: a
quotient ``a/b`` needs ``b != 0``, ``log(u)`` needs ``u > 0``, ``sqrt(u)`` and
any ``u**(p/q)`` with q > 1 need ``u >= 0`` (``u > 0`` for a negative power),
``u**v`` with a symbolic exponent needs ``u > 0``.  Every other function the
parser admits (``exp erf erfc tanh Abs Max Min Heaviside``, polynomials) is
defined on the whole real line.  Inside a ``Piecewise`` a branch's conditions
count only where that branch is the one taken: each :class:`Condition` carries
that *guard*.

SymPy simplifies while it builds (``x/x`` becomes 1, ``exp(log(x))`` becomes
``x``), so the whitelist parser records the conditions of each operation as it
reads it, from the operands, before they are combined
(:mod:`symact.define.parse`); :func:`conditions_of` walks an expression that
already exists (a catalogue definition, a derivative by ``sympy.diff``).

These are the natural domain of a real expression: an activation maps reals to
reals (docs/contract.md), so a complex value (``log`` of a negative number) is
undefined, not a value.  Deciding whether the conditions hold is the prover's
job (:mod:`symact.proof.domain`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

#: The relations a condition can state about ``expr`` (always compared with 0).
OPS = (">", ">=", "!=")


@dataclass(frozen=True)
class Condition:
    """``expr op 0`` must hold wherever ``guard`` does; ``origin`` is the operation
    that needs it, as text (``"x/x"``, ``"log(x)"``)."""

    expr: sp.Expr
    op: str
    origin: str
    guard: sp.Basic = sp.true

    def relation(self) -> sp.Basic:
        """``expr op 0`` as a SymPy relational (unevaluated)."""
        rel = {">": sp.StrictGreaterThan, ">=": sp.GreaterThan, "!=": sp.Unequality}[self.op]
        return rel(self.expr, 0, evaluate=False)

    def truth(self):
        """True or False when SymPy's assumptions decide ``expr op 0`` (guard ignored), else None."""
        e = self.expr
        if self.op == ">":
            return e.is_positive if e.is_extended_real is not False else False
        if self.op == ">=":
            return e.is_nonnegative if e.is_extended_real is not False else False
        zero = e.is_zero
        return None if zero is None else not zero

    def xreplace(self, subs) -> "Condition":
        return Condition(self.expr.xreplace(subs), self.op, self.origin, self.guard.xreplace(subs))

    def text(self) -> str:
        """``x != 0`` (or ``x > 0 => x - 1 != 0`` under a guard)."""
        body = f"{self.expr} {self.op} 0"
        return body if self.guard is sp.true else f"{self.guard} => {body}"

    def excluded_text(self) -> str:
        """The points this condition excludes: ``x = 0``, ``x <= 0`` (guard first, if any)."""
        neg = {">": "<=", ">=": "<", "!=": "="}[self.op]
        body = f"{self.expr} {neg} 0"
        return body if self.guard is sp.true else f"{self.guard} and {body}"


def _needs_for_power(base, exp, origin):
    """The conditions of ``base**exp`` (the operation itself, not its operands)."""
    if exp.is_Integer:
        return [Condition(base, "!=", origin)] if exp.is_negative else []
    if exp.is_Rational:
        return [Condition(base, ">" if exp.is_negative else ">=", origin)]
    if base is sp.E:  # E**u is exp(u)
        return []
    return [Condition(base, ">", origin)]


def operation_conditions(kind: str, args, origin: str) -> list[Condition]:
    """What the operation ``kind`` (``"div" "pow" "log" "sqrt"``) needs of its operands ``args``."""
    if kind == "div":
        return [Condition(args[1], "!=", origin)]
    if kind == "pow":
        return _needs_for_power(args[0], args[1], origin)
    if kind == "log":
        return [Condition(args[0], ">", origin)]
    if kind == "sqrt":
        return [Condition(args[0], ">=", origin)]
    return []


def conditions_of(expr: sp.Basic, guard: sp.Basic = sp.true) -> list[Condition]:
    """The conditions under which ``expr`` (an existing SymPy expression) is defined."""
    out: list[Condition] = []
    _walk(expr, guard, out)
    return dedupe(out)


def _walk(e, guard, out):
    if e.is_Atom:
        return
    if isinstance(e, sp.Piecewise):
        earlier = []
        for value, cond in e.args:
            branch = sp.And(guard, cond, *[sp.Not(c) for c in earlier])
            if branch is not sp.false:
                _walk(value, branch, out)
            for rel in cond.atoms(sp.core.relational.Relational):
                for side in rel.args:
                    _walk(side, sp.And(guard, *[sp.Not(c) for c in earlier]), out)
            earlier.append(cond)
        return
    if isinstance(e, (sp.Derivative, sp.Integral, sp.Limit, sp.Subs, sp.Sum)):
        return  # unevaluated: nothing is computed here
    origin = str(e)
    if isinstance(e, sp.Pow):
        needs = _needs_for_power(e.base, e.exp, origin)
    elif isinstance(e, sp.log):
        needs = [Condition(e.args[0], ">", origin)]
    else:
        needs = []
    for c in needs:
        out.append(Condition(c.expr, c.op, c.origin, guard))
    for arg in e.args:
        if isinstance(arg, sp.Basic) and not isinstance(arg, sp.logic.boolalg.Boolean):
            _walk(arg, guard, out)


def kinks(expr: sp.Basic, var: sp.Symbol) -> list[Condition]:
    """``lhs - rhs != 0`` for each branch condition ``lhs op rhs`` of ``expr`` that involves
    ``var`` (``Abs``, ``Max``, ``Min``, ``Heaviside``, ``sign`` read as ``Piecewise``): a
    derivative in ``var`` is only taken away from the points where a branch may change.

    This excludes every such point, also one where the branches happen to join
    smoothly (``Piecewise((x**2, x > 0), (0, True))`` at 0): a claim on fewer points,
    never a false one."""
    from symact.proof.equal import relational_atoms, to_piecewise
    origin = f"d/d{var} of {expr}"
    out = []
    for rel in relational_atoms(to_piecewise(expr)):
        if rel.has(var):
            out.append(Condition(sp.expand(rel.lhs - rel.rhs), "!=", origin))
    return out


def dedupe(conditions) -> list[Condition]:
    """Drop repeats (same expression, relation and guard) and conditions SymPy's
    assumptions already show true; keep the first origin."""
    seen, out = set(), []
    for c in conditions:
        key = (c.expr, c.op, c.guard)
        if key in seen or c.guard is sp.false:
            continue
        seen.add(key)
        if c.truth() is True or c.relation() in sp.And.make_args(c.guard):
            continue  # true by assumptions, or the branch's own condition
        out.append(c)
    return out
