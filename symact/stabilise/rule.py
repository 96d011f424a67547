"""The rewrite rule: one numerically better form of an expression, kept as data.

A :class:`Rule` looks at one node of an expression tree and either declines
(returns ``None``) or returns the node's replacement.  Rules never decide
whether they are *right*: the stabiliser proves every application,

    prove_equal(expand(old), expand(new), where=<branch condition & parameter constraints>)

(``symact.proof.equal.prove_equal``, primitives expanded to their definitions by
``symact.stabilise.primitives.expand``), and drops an application that is not PROVED.
So a rule may be written optimistically (e.g. ``sqrt(u**2) -> u``): where it is
wrong, or only right on some branch, the proof fails there and the node is kept.

Two ways to write a rule (model: ``sympy.codegen.rewriting.ReplaceOptim``):

- :meth:`Rule.pattern`: a SymPy pattern with ``Wild`` symbols and a replacement
  written in the same wilds, optionally guarded by a predicate on the match;
- :class:`Rule` directly, with ``rewrite(node) -> new node | None``, for shapes a
  single pattern cannot express (e.g. a sum containing ``1 + erf(u)`` among other
  terms).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import sympy as sp

Rewriter = Callable[[sp.Expr], Optional[sp.Expr]]


@dataclass(frozen=True)
class Rule:
    """A named rewrite ``old -> new`` with its proof obligation ``old == new``.

    ``name``: short snake_case identifier (test ids, ``show`` output).
    ``description``: the formula and why it is better, with a reference.
    ``rewrite``: ``node -> replacement`` or ``None`` when the rule does not apply.
    ``example``: optional ``(old, new)`` pair in ``x`` for the rule's own tests
    (the unstable form and what it becomes), or ``(old, new, where)`` when the
    rewrite needs a parameter constraint.
    ``bad_at``: optional float where ``old`` fails in float64 and ``new`` holds
    (e.g. overflow at x = 800), for the tests that show the rule is needed.
    """

    name: str
    description: str
    rewrite: Rewriter
    example: Optional[tuple] = None
    bad_at: Optional[float] = None

    def apply(self, node: sp.Expr) -> Optional[sp.Expr]:
        """The replacement of ``node``, or ``None``; a no-op result counts as ``None``."""
        new = self.rewrite(node)
        if new is None or new == node:
            return None
        return new

    @classmethod
    def pattern(cls, name: str, description: str, pattern: sp.Expr, replacement,
                *, when: Callable[[Mapping], bool] | None = None,
                example: Optional[tuple] = None, bad_at: Optional[float] = None) -> "Rule":
        """A rule from a SymPy pattern in ``Wild`` symbols.

        ``replacement`` is an expression in the same wilds, or a function of the
        match dict returning the new node.  ``when(match)`` may veto a match.
        """

        def rewrite(node):
            m = node.match(pattern)
            if m is None:
                return None
            if any(w not in m for w in pattern.atoms(sp.Wild)):
                return None
            if when is not None and not when(m):
                return None
            if callable(replacement) and not isinstance(replacement, sp.Basic):
                return replacement(m)
            return replacement.xreplace(m)

        return cls(name, description, rewrite, example, bad_at)


@dataclass(frozen=True)
class Application:
    """One proved use of a rule: where, what, and the proof's strategy."""

    rule: str
    old: sp.Expr
    new: sp.Expr
    where: sp.Basic = sp.true
    strategy: str = ""
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)
