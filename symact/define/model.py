"""The data model of an activation: a SymPy definition plus its parameters.

A :class:`ScalarActivation` maps a real ``x`` to a real value; a
:class:`VectorActivation` maps a vector ``x[1..n]`` (symbolic length ``n``) to a
scalar (``logsumexp``) or to a vector (``softmax``).  Entries are pure data: the
machinery that derives, proves, stabilises, prints and verifies them lives in
other modules and works on any entry, the user's own included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

import sympy as sp

#: The one input symbol of every scalar activation.
X = sp.Symbol("x", real=True)

#: Vector activations: the input vector, its symbolic length and index symbols.
XV = sp.IndexedBase("x", real=True)
N = sp.Symbol("n", integer=True, positive=True)
I = sp.Symbol("i", integer=True, positive=True)
J = sp.Symbol("j", integer=True, positive=True)
K = sp.Symbol("k", integer=True, positive=True)

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


class ParameterError(ValueError):
    """A parameter that is unknown, not a finite number, or breaks its constraint."""


@dataclass(frozen=True)
class Param:
    """A named real parameter with its catalogue default (an exact SymPy number)."""

    name: str
    default: sp.Expr
    doc: str = ""

    @property
    def symbol(self) -> sp.Symbol:
        return sp.Symbol(self.name, real=True)


def _as_exact(value) -> sp.Expr:
    """A float or string as an exact SymPy number (floats by their shortest repr)."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise ParameterError(f"{value!r} is not a number")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParameterError(f"{value!r} is not a finite number")
        return sp.Rational(repr(value))
    text = str(value).strip()
    try:
        as_float = float(text)
    except ValueError:
        raise ParameterError(f"{text!r} is not a number") from None
    if as_float != as_float or as_float in (float("inf"), float("-inf")):
        raise ParameterError(f"{text!r} is not a finite number")
    return sp.Rational(text)


@dataclass(frozen=True)
class _Entry:
    name: str
    params: tuple[Param, ...]
    #: Constraints on the parameters, as SymPy relationals in the parameter symbols.
    constraints: tuple[sp.Basic, ...]
    reference: str
    summary: str

    def __post_init__(self):
        if not _SNAKE.match(self.name):
            raise ValueError(f"activation name {self.name!r} is not snake_case")

    @property
    def param_symbols(self) -> dict[str, sp.Symbol]:
        return {p.name: p.symbol for p in self.params}

    @property
    def defaults(self) -> dict[str, sp.Expr]:
        return {p.name: p.default for p in self.params}

    def bind(self, values: Mapping[str, object] | None = None) -> dict[str, sp.Expr]:
        """Catalogue defaults overridden by ``values``, each checked; exact numbers.

        Raises :class:`ParameterError` for an unknown name, a non-finite or
        non-numeric value, or a value that breaks a constraint (the message names
        the constraint).
        """
        values = dict(values or {})
        known = {p.name for p in self.params}
        for key in values:
            if key not in known:
                allowed = ", ".join(sorted(known)) or "none"
                raise ParameterError(
                    f"{self.name} has no parameter {key!r} (parameters: {allowed})"
                )
        bound = self.defaults
        for key, value in values.items():
            try:
                bound[key] = _as_exact(value)
            except ParameterError as err:
                raise ParameterError(f"parameter {key}: {err}") from None
        subs = {self.param_symbols[k]: v for k, v in bound.items()}
        for constraint in self.constraints:
            if constraint.subs(subs) is not sp.true:
                shown = ", ".join(f"{k}={v}" for k, v in bound.items())
                raise ParameterError(
                    f"{self.name}: constraint {constraint} is violated ({shown})"
                )
        return bound

    def param_subs(self, values: Mapping[str, object] | None = None) -> dict:
        """``{parameter symbol: exact value}`` for substitution, checked by :meth:`bind`."""
        return {self.param_symbols[k]: v for k, v in self.bind(values).items()}


@dataclass(frozen=True)
class ScalarActivation(_Entry):
    """f(x; params) = ``expr``, applied elementwise.

    ``kinks`` maps each non-smooth point (an expression in the parameters) to the
    value the x-derivative takes there by convention (PyTorch's unless noted).
    The derivative itself is always derived from ``expr``; the declared values
    are checked against it, and enforced by :func:`symact.derive.derivatives.grad`.
    """

    expr: sp.Expr = sp.S.Zero
    kinks: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)
    aliases: Mapping[str, object] = field(default_factory=dict)
    vector: bool = False

    def instantiate(self, values: Mapping[str, object] | None = None) -> sp.Expr:
        """The definition with parameters replaced by exact numbers."""
        return self.expr.subs(self.param_subs(values))


@dataclass(frozen=True)
class VectorActivation(_Entry):
    """A function of the vector x[1..n], written with IndexedBase and Sum.

    ``expr`` is in terms of ``XV[...]``, ``N`` and (for vector-valued
    activations) the output index ``J``; ``output`` is ``"scalar"`` or
    ``"vector"``.
    """

    expr: sp.Expr = sp.S.Zero
    output: str = "scalar"
    vector: bool = True

    def instantiate(self, n: int) -> list[sp.Expr]:
        """The concrete activation for length ``n``, in symbols ``x1..xn``.

        Returns one expression for a scalar-valued activation, a list of ``n``
        expressions (entry j = 1..n) for a vector-valued one.
        """
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"vector length must be a positive integer, not {n!r}")
        xs = vector_symbols(n)
        def concrete(expr):
            expr = expr.subs(N, n).doit()
            return expr.replace(lambda e: isinstance(e, sp.Indexed) and e.base == XV,
                                lambda e: xs[int(e.indices[0]) - 1])
        if self.output == "scalar":
            return [concrete(self.expr)]
        return [concrete(self.expr.subs(J, j)) for j in range(1, n + 1)]


def vector_symbols(n: int) -> list[sp.Symbol]:
    """The real symbols x1..xn a concrete vector activation is written in."""
    return [sp.Symbol(f"x{k}", real=True) for k in range(1, n + 1)]


Activation = ScalarActivation | VectorActivation
