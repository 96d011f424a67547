"""Printing shared by both backends: products as divisions, small powers as products.

Products print numerator first, then one division per denominator factor
(``b/2/(S - x)/S``): no denominator product that can overflow where the
quotient is finite, and rational coefficients stay exact divisions.
Integer powers 2 and 3 print as products (correctly rounded, no ``pow`` call).
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence

from symact.stabilise.primitives import Primitive, shift
from symact.emit.literals import float_literal, split_constant


class KernelPrinterMixin:
    """Needs ``dtype`` ("float64"/"float32"), ``_const(text) -> str``, ``_int(n) -> str``,
    ``_call(name, args) -> str`` and ``_prim(impl) -> str`` from the backend."""

    dtype = "float64"

    #: shared subexpression -> the name of the local variable that holds it (see
    #: :meth:`doprint_shared`); empty outside it
    _shared: dict = {}

    def _print(self, expr, **kwargs):
        name = self._shared.get(expr) if isinstance(expr, sp.Basic) else None
        return name if name is not None else super()._print(expr, **kwargs)

    def doprint_shared(self, expr, prefix="cse"):
        """``(lets, text)``: ``expr`` printed with every function call that occurs more
        than once in it (:func:`shared_calls`) evaluated once, into a local variable:
        ``lets`` is ``[(name, printed value), ...]`` in dependency order, and ``text``
        refers to the names.  The expression tree itself is not rebuilt (which would
        re-evaluate the unevaluated sums that carry exact constants as hi + lo)."""
        lets = []
        try:
            self._shared = {}
            for i, node in enumerate(shared_calls(expr)):
                lets.append((f"{prefix}{i}", self.doprint(node)))
                self._shared[node] = f"{prefix}{i}"
            return lets, self.doprint(expr)
        finally:
            self._shared = {}

    # --- numbers ------------------------------------------------------------------------
    def _print_Integer(self, expr):
        return self._int(int(expr))

    _print_Zero = _print_One = _print_NegativeOne = _print_Integer

    def _print_Rational(self, expr):
        return self._const(float_literal(expr, self.dtype))

    _print_Half = _print_Rational

    def _print_Float(self, expr):
        return self._const(float_literal(expr, self.dtype))

    def _print_NumberSymbol(self, expr):
        return self._const(float_literal(expr.evalf(40), self.dtype))

    _print_Pi = _print_Exp1 = _print_EulerGamma = _print_NumberSymbol

    def _print_Infinity(self, expr):
        return self._inf(1)

    def _print_NegativeInfinity(self, expr):
        return self._inf(-1)

    # --- products and powers ----------------------------------------------------------------
    def _factor(self, e):
        return self.parenthesize(e, PRECEDENCE["Mul"], strict=False)

    def _divisor(self, e):
        if e.is_Atom or isinstance(e, sp.Function):
            return self._print(e)
        return f"({self._print(e)})"

    def _print_Mul(self, expr):
        coeff, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest) if rest != 1 else ()
        num, den = [], []
        for f in factors:
            if f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False))
            else:
                num.append(f)
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        q = 1
        parts = []
        if coeff.is_Rational:
            p, q = int(coeff.p), int(coeff.q)
            if p != 1 or not num:
                parts.append(self._int(p))
        else:
            parts.append(self._print(coeff))
        parts += [self._factor(f) for f in num]
        text = "*".join(parts)
        for d in den:
            text += "/" + self._divisor(d)
        if q != 1:
            text += "/" + self._int(q)
        return sign + text

    def _print_Pow(self, expr, rational=False):
        base, e = expr.base, expr.exp
        b = self.parenthesize(base, PRECEDENCE["Mul"], strict=True) if not (
            base.is_Atom or isinstance(base, sp.Function)) else self._print(base)
        if e == 2:
            return f"{b}*{b}"
        if e == 3:
            return f"{b}*{b}*{b}"
        if e == sp.S.Half:
            return self._call("sqrt", [self._print(base)])
        if e == -sp.S.Half:
            return f"{self._int(1)}/{self._call('sqrt', [self._print(base)])}"
        if e == -1:
            return f"{self._int(1)}/{b}"
        if e.is_Integer and e < 0:
            return f"{self._int(1)}/({self._print(sp.Pow(base, -e, evaluate=False))})"
        return self._call("pow", [self._print(base), self._print(e)])

    # --- functions -------------------------------------------------------------------------------
    _FUNCS = {"exp": "exp", "log": "log", "tanh": "tanh", "Abs": "fabs", "erf": "erf",
              "erfc": "erfc", "sign": "sign"}

    def _print_Function(self, expr):
        if isinstance(expr, shift):
            u, c = expr.args
            hi, lo = split_constant(c, self.dtype)
            op_hi, hi = ("+", hi[1:]) if hi.startswith("-") else ("-", hi)
            op_lo, lo = ("+", lo[1:]) if lo.startswith("-") else ("-", lo)
            return f"(({self._print(u)} {op_hi} {self._const(hi)}) {op_lo} {self._const(lo)})"
        if isinstance(expr, Primitive):
            return f"{self._prim(expr.impl)}({', '.join(self._print(a) for a in expr.args)})"
        name = type(expr).__name__
        if name not in self._FUNCS:
            raise ValueError(f"no {self.language} implementation for the function {name}")
        return self._call(self._FUNCS[name], [self._print(a) for a in expr.args])

    # SymPy's printers have _print_expm1/_print_log1p for sympy.codegen's functions of
    # those names; dispatch is by class name, so route the primitives back here.
    _print_exp = _print_log = _print_tanh = _print_Abs = _print_erf = _print_erfc = \
        _print_sign = _print_expm1 = _print_log1p = _print_Function

    def _print_Primitive(self, expr):
        return self._print_Function(expr)

    # --- relations --------------------------------------------------------------------------------
    _REL = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

    def _print_Relational(self, expr):
        lhs = self.parenthesize(expr.lhs, PRECEDENCE["Relational"], strict=True)
        rhs = self.parenthesize(expr.rhs, PRECEDENCE["Relational"], strict=True)
        return f"({lhs} {self._REL[expr.rel_op]} {rhs})"

    def _print_Symbol(self, expr):
        return expr.name

    _print_Dummy = _print_Symbol


def shared_calls(expr) -> list:
    """The function calls (elementary functions, primitives, non-integer powers) that
    occur more than once in ``expr``, smallest first, so that each one's value only
    refers to calls listed before it.  Printed kernels evaluate every branch (selects),
    so a call shared by two branches is evaluated once either way."""
    counts: dict = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) or (isinstance(node, sp.Pow) and not node.exp.is_Integer):
            counts[node] = counts.get(node, 0) + 1
    repeated = [n for n, c in counts.items() if c > 1]
    return sorted(repeated, key=lambda n: (sum(1 for _ in sp.preorder_traversal(n)), sp.default_sort_key(n)))


def needs_parens(expr) -> bool:  # pragma: no cover - helper kept for templates' docs
    return precedence(expr) < PRECEDENCE["Mul"]


def branches(expr):
    """``[(condition or None, expression), ...]``: a top-level Piecewise's branches
    (the last one's condition ``None`` when it is ``True``), or ``[(None, expr)]``."""
    if not isinstance(expr, sp.Piecewise):
        return [(None, expr)]
    out = []
    for e, c in expr.args:
        out.append((None if c is sp.true else c, e))
        if c is sp.true:
            break
    return out


def safe_comment(text: str) -> str:
    """``text`` safe inside a C comment and a Python docstring (no ``*/``, ``\"\"\"`` or
    backslashes)."""
    return text.replace("*/", "* /").replace('"""', "'''").replace("\\", "/")
