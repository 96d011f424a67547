"""A whitelist parser for expressions typed on the command line.

The text is parsed by Python's ``ast`` module and the tree is walked node by
node; only these are accepted (docs/contract.md):

- numbers (int, float; taken exactly: ``0.1`` is 1/10), the names ``x``,
  declared parameters, the constants ``oo``, ``pi``, ``E``, and (when
  ``free_symbols=True``, as in ``symact check``) any other plain name as a real
  symbol;
- ``+ - * / **``, unary ``-``/``+``; in conditions comparisons (chains too) and
  ``and``/``or``;
- calls of ``exp log sqrt erf erfc tanh Max Min Abs Heaviside Piecewise diff
  limit`` and of the catalogue's scalar activations by name with their parameters
  positional (``elu(x, alpha)``, ``softplus(x)``).

Everything else — attributes, subscripts, lambdas, strings, keywords, starred
arguments, comprehensions, unknown functions, dunder names, oversized input —
is refused with :class:`ParseError` naming what was refused.  The raw text is
never passed to ``eval``, ``sympify`` or ``parse_expr``.
"""

from __future__ import annotations

import ast
import re
from typing import Mapping

import sympy as sp

from symact.define.model import X

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 600
MAX_EXPONENT = 64
MAX_LITERAL_DIGITS = 40


class ParseError(ValueError):
    """Input refused by the whitelist parser; the message says what and where."""


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_CONSTANTS = {"oo": sp.oo, "pi": sp.pi, "E": sp.E}
_UNARY = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "erf": sp.erf, "erfc": sp.erfc,
          "tanh": sp.tanh, "Abs": sp.Abs}
_FUNCTIONS = set(_UNARY) | {"Max", "Min", "Heaviside", "Piecewise", "diff", "limit"}
_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq,
            ast.NotEq: sp.Ne}


def _describe(node) -> str:
    kinds = {ast.Attribute: "attribute access", ast.Subscript: "subscript", ast.Lambda: "lambda",
             ast.Starred: "starred argument", ast.Dict: "dict", ast.Set: "set", ast.List: "list",
             ast.ListComp: "comprehension", ast.GeneratorExp: "generator", ast.SetComp: "comprehension",
             ast.DictComp: "comprehension", ast.IfExp: "conditional expression",
             ast.NamedExpr: "assignment expression", ast.JoinedStr: "f-string", ast.Await: "await",
             ast.Yield: "yield", ast.Slice: "slice"}
    for kind, text in kinds.items():
        if isinstance(node, kind):
            return text
    return type(node).__name__


class _Builder:
    def __init__(self, params, free_symbols, allow_conditions):
        self.params = params
        self.free_symbols = free_symbols
        self.allow_conditions = allow_conditions
        self.symbols = {}

    # --- leaves -------------------------------------------------------------------
    def name(self, node: ast.Name):
        ident = node.id
        if ident.startswith("_") or not _NAME.match(ident):
            raise ParseError(f"name {ident!r} refused (names start with a letter; no underscores first)")
        if ident == "x":
            return X
        if ident in _CONSTANTS:
            return _CONSTANTS[ident]
        if ident in self.params:
            return self.params[ident]
        if ident in _FUNCTIONS or ident in _activations():
            raise ParseError(f"function {ident!r} used without arguments")
        if not self.free_symbols:
            allowed = ", ".join(["x", *self.params]) or "x"
            raise ParseError(f"unknown name {ident!r} (allowed: {allowed}, oo, pi, E)")
        return self.symbols.setdefault(ident, sp.Symbol(ident, real=True))

    def constant(self, node: ast.Constant, condition=False):
        value = node.value
        if isinstance(value, bool) and condition:
            return sp.true if value else sp.false
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParseError(f"literal {value!r} refused: only numbers are allowed")
        if isinstance(value, int):
            if len(str(abs(value))) > MAX_LITERAL_DIGITS:
                raise ParseError(f"integer literal with more than {MAX_LITERAL_DIGITS} digits refused")
            return sp.Integer(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ParseError("non-finite float literal refused (use oo)")
        return sp.Rational(repr(value))

    # --- tree ---------------------------------------------------------------------
    def build(self, node, depth=0, condition=False):
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nested deeper than {MAX_DEPTH} levels")
        b = lambda n, cond=False: self.build(n, depth + 1, cond)  # noqa: E731
        if isinstance(node, ast.Expression):
            return b(node.body, condition)
        if isinstance(node, ast.Constant):
            return self.constant(node, condition)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return -self._expr(b(node.operand))
            if isinstance(node.op, ast.UAdd):
                return self._expr(b(node.operand))
            raise ParseError(f"operator {type(node.op).__name__} refused")
        if isinstance(node, ast.BinOp):
            left, right = self._expr(b(node.left)), self._expr(b(node.right))
            if isinstance(node.op, ast.Pow):
                if right.is_Number and abs(right) > MAX_EXPONENT:
                    raise ParseError(f"exponent {right} refused (larger than {MAX_EXPONENT})")
                if right.is_Number and left.is_Number and left.is_Integer and abs(left) > 10**6:
                    raise ParseError("power of a large integer refused")
                return left ** right
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise ParseError(f"operator {type(node.op).__name__} refused (allowed: + - * / **)")
            return op(left, right)
        if isinstance(node, ast.Compare):
            if not condition:
                raise ParseError("comparison refused here (only in conditions: --where, Piecewise)")
            parts = []
            left = self._expr(b(node.left))
            for op, comp in zip(node.ops, node.comparators):
                rel = _COMPARE.get(type(op))
                if rel is None:
                    raise ParseError(f"comparison {type(op).__name__} refused")
                right = self._expr(b(comp))
                parts.append(rel(left, right))
                left = right
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            if not condition:
                raise ParseError("and/or refused outside a condition")
            values = [b(v, True) for v in node.values]
            return sp.And(*values) if isinstance(node.op, ast.And) else sp.Or(*values)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        raise ParseError(f"{_describe(node)} refused")

    @staticmethod
    def _expr(value):
        if isinstance(value, sp.logic.boolalg.Boolean) and not isinstance(value, sp.Expr):
            raise ParseError("a condition is not allowed where a number is expected")
        return value

    def call(self, node: ast.Call, depth):
        if not isinstance(node.func, ast.Name):
            raise ParseError(f"call of {_describe(node.func)} refused (only named functions)")
        fname = node.func.id
        if fname.startswith("_") or not _NAME.match(fname):
            raise ParseError(f"function {fname!r} refused")
        if fname not in _FUNCTIONS and fname not in _activations():
            raise ParseError(f"unknown function {fname!r}")
        if node.keywords:
            raise ParseError(f"keyword arguments refused in {fname}(...)")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise ParseError(f"starred argument refused in {fname}(...)")
        b = lambda n, cond=False: self.build(n, depth + 1, cond)  # noqa: E731
        if fname == "Piecewise":
            pairs = []
            for arg in node.args:
                if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                    raise ParseError("Piecewise takes (expression, condition) pairs")
                value = self._expr(b(arg.elts[0]))
                cond = b(arg.elts[1], True)
                if isinstance(cond, sp.Expr) and cond not in (sp.true, sp.false):
                    raise ParseError("Piecewise condition must be a comparison")
                pairs.append((value, cond))
            if not pairs:
                raise ParseError("Piecewise needs at least one pair")
            return sp.Piecewise(*pairs)
        if fname == "Heaviside" and len(node.args) == 2:
            return sp.Heaviside(self._expr(b(node.args[0])), self._expr(b(node.args[1])))
        if any(isinstance(a, ast.Tuple) for a in node.args):
            raise ParseError(f"tuple argument refused in {fname}(...)")
        args = [self._expr(b(a)) for a in node.args]
        if fname in _UNARY or fname == "Heaviside":
            if len(args) != 1:
                raise ParseError(f"{fname} takes one argument, got {len(args)}")
            return (_UNARY.get(fname) or sp.Heaviside)(args[0])
        if fname in ("Max", "Min"):
            if len(args) < 2:
                raise ParseError(f"{fname} takes at least two arguments")
            return (sp.Max if fname == "Max" else sp.Min)(*args)
        if fname == "diff":
            if len(args) not in (2, 3) or not isinstance(args[1], sp.Symbol):
                raise ParseError("diff(expr, symbol[, order]) expected")
            order = args[2] if len(args) == 3 else sp.Integer(1)
            if not (order.is_Integer and 1 <= order <= 10):
                raise ParseError("diff order must be an integer from 1 to 10")
            return sp.diff(args[0], args[1], int(order))
        if fname == "limit":
            if len(args) != 3 or not isinstance(args[1], sp.Symbol):
                raise ParseError("limit(expr, symbol, point) expected")
            from symact.proof.branches import branch_limit
            return branch_limit(args[0], args[1], args[2])
        entries = _activations()
        if fname in entries:
            entry = entries[fname]
            if entry.vector:
                raise ParseError(f"{fname} is a vector activation; only scalar activations can be used here")
            if not args or len(args) > 1 + len(entry.params):
                raise ParseError(f"{fname} takes x and up to {len(entry.params)} parameter(s) "
                                 f"({', '.join(p.name for p in entry.params) or 'none'}), got {len(args)}")
            # parameters not given take their catalogue defaults
            subs = {X: args[0]}
            for k, param in enumerate(entry.params):
                subs[param.symbol] = args[k + 1] if k + 1 < len(args) else param.default
            return entry.expr.xreplace(subs)
        raise ParseError(f"unknown function {fname!r}")


def _activations():
    from symact.define.catalogue import ENTRIES
    return {e.name: e for e in ENTRIES}


def _tree(text: str):
    if not isinstance(text, str):
        raise ParseError("expression must be text")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression longer than {MAX_LENGTH} characters refused")
    if not text.strip():
        raise ParseError("empty expression")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ParseError(f"syntax error: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ParseError("expression could not be parsed (too deep or invalid)") from None
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ParseError(f"expression with more than {MAX_NODES} parts refused")
    return tree


def _params(params) -> dict:
    """Names to SymPy values: numbers exactly, None (or a non-number) as a real symbol."""
    from symact.define.model import ParameterError, _as_exact
    out = {}
    for key, value in dict(params or {}).items():
        if not _NAME.match(key):
            raise ParseError(f"parameter name {key!r} refused")
        if isinstance(value, sp.Basic):
            out[key] = value
        elif value is None:
            out[key] = sp.Symbol(key, real=True)
        else:
            try:
                out[key] = _as_exact(value)
            except ParameterError:
                out[key] = sp.Symbol(key, real=True)
    return out


def parse_expression(text: str, params: Mapping | None = None, *, free_symbols: bool = False) -> sp.Expr:
    """The SymPy expression for ``text``; :class:`ParseError` if anything is refused.

    ``params`` maps parameter names to values (numbers are taken exactly, SymPy
    objects as they are, None as a real symbol of that name); ``free_symbols=True`` turns any other
    plain name into a real symbol (``symact check``), otherwise it is refused.
    """
    builder = _Builder(_params(params), free_symbols, False)
    try:
        out = builder.build(_tree(text))
    except RecursionError:
        raise ParseError("expression too deep") from None
    if not isinstance(out, sp.Expr):
        raise ParseError("a condition was given where an expression is expected")
    return out


def parse_condition(text: str, params: Mapping | None = None, *, free_symbols: bool = True):
    """A SymPy boolean (comparisons joined by and/or) for ``--where``."""
    builder = _Builder(_params(params), free_symbols, True)
    try:
        out = builder.build(_tree(text), condition=True)
    except RecursionError:
        raise ParseError("condition too deep") from None
    if isinstance(out, sp.Expr) and out not in (sp.true, sp.false):
        raise ParseError("condition expected (a comparison such as x > 0)")
    return out
