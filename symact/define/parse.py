"""A whitelist parser for expressions typed on the command line.

The text is parsed by Python's ``ast`` module and the tree is walked node by
node; only these are accepted (docs/contract.md):

- numbers, taken exactly from their text: ``0.1`` is 1/10 and
  ``1.00000000000000000001`` is 100000000000000000001/10**20 (never through a
  float64); integers up to 40 digits, decimals up to 80 significant digits, and a
  literal outside the float64 range (``1e400`` overflows, ``1e-400`` underflows
  to 0) is refused with its text;
- the names ``x``, declared parameters, the constants ``oo``, ``pi``, ``E``, and
  (when ``free_symbols=True``, as in ``symact check``) any other plain name as a
  real symbol;
- ``+ - * / **``, unary ``-``/``+``; in conditions comparisons (chains too) and
  ``and``/``or``;
- calls of ``exp log sqrt erf erfc tanh Max Min Abs Heaviside Piecewise diff
  limit`` and of the catalogue's scalar activations by name with their parameters
  positional (``elu(x, alpha)``, ``softplus(x)``).

Everything else — attributes, subscripts, lambdas, strings, keywords, starred
arguments, comprehensions, unknown functions, dunder names, oversized input —
is refused with :class:`ParseError` naming what was refused.  The raw text is
never passed to ``eval``, ``sympify`` or ``parse_expr``.

Where the expression is defined (:mod:`symact.define.domain`): each quotient,
``log``, ``sqrt`` and fractional or symbolic power records the condition it
needs *as it is read*, before SymPy simplifies (``x/x`` would become 1 and lose
``x != 0``); ``diff(f, s)`` is not taken where a branch condition of f in s
changes (``diff(relu(x), x)`` needs ``x != 0``, where relu has no derivative).  :func:`parse_defined` returns the expression with these
conditions.  An operation that is undefined for every value (``x/0``,
``sqrt(-1)``, ``log(0)``, ``oo - oo``) is refused outright.
"""

from __future__ import annotations

import ast
import decimal
import re
from dataclasses import dataclass
from typing import Mapping

import sympy as sp

from symact.define import domain
from symact.define.model import X

MAX_LENGTH = 2000
MAX_DEPTH = 40
MAX_NODES = 600
MAX_EXPONENT = 64
MAX_LITERAL_DIGITS = 40
MAX_DECIMAL_DIGITS = 80
#: float64's largest finite number and smallest subnormal, the range a literal must lie in.
FLOAT64_MAX = 1.7976931348623157e308
FLOAT64_TINY = 5e-324


class ParseError(ValueError):
    """Input refused by the whitelist parser; the message says what and where."""


@dataclass(frozen=True)
class Parsed:
    """An expression (or, from :func:`parse_condition_defined`, a condition) and the
    conditions under which it is defined."""

    expr: sp.Basic
    conditions: tuple = ()


#: Why an operation is refused when what it needs (``expr op 0``) is false outright.
_UNDEFINED = {"!=": "division by zero",
              ">": "log or power of a number that is not positive (not real)",
              ">=": "square root or fractional power of a negative number (not real)"}


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
    def __init__(self, params, free_symbols, allow_conditions, source=""):
        self.params = params
        self.free_symbols = free_symbols
        self.allow_conditions = allow_conditions
        self.symbols = {}
        self.source = source
        #: the domain conditions recorded so far, and the guard of the branch being read
        self.conditions: list = []
        self.guard = sp.true

    def text(self, node) -> str:
        """The source text of ``node`` (for messages and condition origins)."""
        return ast.get_source_segment(self.source, node) or ast.unparse(node)

    def need(self, kind, args, node, extra=()):
        """Record what operation ``kind`` on ``args`` needs; refuse it when that is false
        for every value (outside any Piecewise branch)."""
        origin = self.text(node)
        found = list(domain.operation_conditions(kind, args, origin)) + list(extra)
        for c in found:
            inner = c.origin
            c = domain.Condition(c.expr, c.op, origin, sp.And(self.guard, c.guard))
            if c.guard is sp.false:
                continue
            truth = c.truth()
            if truth is True:
                continue
            if truth is False and c.guard is sp.true:
                where = f" (at {inner})" if inner != origin else ""
                raise ParseError(f"{_UNDEFINED[c.op]} in {origin!r}{where}")
            self.conditions.append(c)

    def checked(self, value, node):
        """``value`` unless it is undefined (nan, zoo) or a complex number."""
        if isinstance(value, sp.Basic) and not isinstance(value, sp.logic.boolalg.Boolean):
            if value.has(sp.nan, sp.zoo):
                raise ParseError(f"{self.text(node)!r} is undefined (SymPy gives {value})")
            if value.is_number and value.is_extended_real is False:
                raise ParseError(f"{self.text(node)!r} is not a real number ({value})")
        return value

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
        return exact_decimal(self.text(node))

    # --- tree ---------------------------------------------------------------------
    def build(self, node, depth=0, condition=False):
        if depth > MAX_DEPTH:
            raise ParseError(f"expression nested deeper than {MAX_DEPTH} levels")
        return self.checked(self._build(node, depth, condition), node)

    def _build(self, node, depth, condition):
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
                self.need("pow", (left, right), node)
                return left ** right
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise ParseError(f"operator {type(node.op).__name__} refused (allowed: + - * / **)")
            if isinstance(node.op, ast.Div):
                self.need("div", (left, right), node)
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
            # a branch's value need only be defined where that branch is taken; a
            # condition only where the earlier ones are false
            pairs = []
            outer = self.guard
            try:
                for arg in node.args:
                    if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                        raise ParseError("Piecewise takes (expression, condition) pairs")
                    earlier = [sp.Not(c) for _, c in pairs]
                    self.guard = sp.And(outer, *earlier)
                    cond = b(arg.elts[1], True)
                    if isinstance(cond, sp.Expr) and cond not in (sp.true, sp.false):
                        raise ParseError("Piecewise condition must be a comparison")
                    self.guard = sp.And(outer, cond, *earlier)
                    value = self._expr(b(arg.elts[0]))
                    pairs.append((value, cond))
            finally:
                self.guard = outer
            if not pairs:
                raise ParseError("Piecewise needs at least one pair")
            return sp.Piecewise(*pairs)
        if fname == "Heaviside" and len(node.args) == 2:
            return sp.Heaviside(self._expr(b(node.args[0])), self._expr(b(node.args[1])))
        if any(isinstance(a, ast.Tuple) for a in node.args):
            raise ParseError(f"tuple argument refused in {fname}(...)")
        start = len(self.conditions)
        args = [self._expr(b(a)) for a in node.args]
        if fname in _UNARY or fname == "Heaviside":
            if len(args) != 1:
                raise ParseError(f"{fname} takes one argument, got {len(args)}")
            if fname in ("log", "sqrt"):
                self.need(fname, args, node)
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
            result = sp.diff(args[0], args[1], int(order))
            # the derivative is taken where the function is defined (its conditions
            # stay), brings its own quotients and powers, and is not taken at a kink
            self.need("derivative", (), node, domain.conditions_of(result) + domain.kinks(args[0], args[1]))
            return result
        if fname == "limit":
            if len(args) != 3 or not isinstance(args[1], sp.Symbol):
                raise ParseError("limit(expr, symbol, point) expected")
            from symact.proof.branches import branch_limit
            # conditions on the limit variable are about the approach, not the value
            var = args[1]
            self.conditions[start:] = [c for c in self.conditions[start:]
                                       if not (c.expr.has(var) or c.guard.has(var))]
            result = branch_limit(args[0], var, args[2])
            self.need("limit", (), node, domain.conditions_of(result))
            return result
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
            inner = [c.xreplace(subs) for c in domain.conditions_of(entry.expr)]
            self.need("activation", (), node, inner)
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


def exact_decimal(text: str) -> sp.Rational:
    """The exact rational a decimal literal's text denotes (``"1e-20"`` -> 1/10**20).

    Refused: more than :data:`MAX_DECIMAL_DIGITS` significant digits, and values
    outside float64's range (above its largest finite number, or nonzero below
    half its smallest subnormal, which would round to 0): such a literal cannot
    mean a number any generated kernel or its oracle could see.
    """
    try:
        value = decimal.Decimal(text.replace("_", ""))
    except decimal.InvalidOperation:
        raise ParseError(f"literal {text!r} is not a number") from None
    if not value.is_finite():
        raise ParseError(f"literal {text!r} is not finite (use oo)")
    if len(value.as_tuple().digits) > MAX_DECIMAL_DIGITS:
        raise ParseError(f"literal {text!r} has more than {MAX_DECIMAL_DIGITS} significant digits")
    as_float = float(value)
    if as_float in (float("inf"), float("-inf")):
        raise ParseError(f"literal {text!r} overflows the float range (largest finite float64 "
                         f"{FLOAT64_MAX:.17g})")
    if as_float == 0 and value != 0:
        raise ParseError(f"literal {text!r} underflows the float range (it rounds to 0; smallest "
                         f"float64 {FLOAT64_TINY:g})")
    return sp.Rational(*value.as_integer_ratio())


def _run(text, params, free_symbols, condition) -> Parsed:
    tree = _tree(text)
    builder = _Builder(_params(params), free_symbols, condition, text.strip())
    try:
        out = builder.build(tree, condition=condition)
    except RecursionError:
        raise ParseError("expression too deep") from None
    if condition:
        if isinstance(out, sp.Expr) and out not in (sp.true, sp.false):
            raise ParseError("condition expected (a comparison such as x > 0)")
    elif not isinstance(out, sp.Expr):
        raise ParseError("a condition was given where an expression is expected")
    return Parsed(out, tuple(domain.dedupe(builder.conditions)))


def parse_defined(text: str, params: Mapping | None = None, *, free_symbols: bool = False) -> Parsed:
    """:func:`parse_expression` with the conditions under which the expression is
    defined (:class:`Parsed`)."""
    return _run(text, params, free_symbols, False)


def parse_expression(text: str, params: Mapping | None = None, *, free_symbols: bool = False) -> sp.Expr:
    """The SymPy expression for ``text``; :class:`ParseError` if anything is refused.

    ``params`` maps parameter names to values (numbers are taken exactly, SymPy
    objects as they are, None as a real symbol of that name); ``free_symbols=True`` turns any other
    plain name into a real symbol (``symact check``), otherwise it is refused.
    """
    return parse_defined(text, params, free_symbols=free_symbols).expr


def parse_condition_defined(text: str, params: Mapping | None = None, *, free_symbols: bool = True) -> Parsed:
    """:func:`parse_condition` with the conditions under which its sides are defined."""
    return _run(text, params, free_symbols, True)


def parse_condition(text: str, params: Mapping | None = None, *, free_symbols: bool = True):
    """A SymPy boolean (comparisons joined by and/or) for ``--where``."""
    return parse_condition_defined(text, params, free_symbols=free_symbols).expr


#: The relations a statement may assert between its two sides (``symact check``).
RELATIONS = ("==", "<=", "<", ">=", ">")
_RELATION_OF = {ast.Eq: "==", ast.LtE: "<=", ast.Lt: "<", ast.GtE: ">=", ast.Gt: ">"}


@dataclass(frozen=True)
class Statement:
    """``lhs op rhs``, each side with its domain conditions."""

    lhs: Parsed
    op: str
    rhs: Parsed


def split_statement(text: str):
    """``(lhs_text, op, rhs_text)`` for a text with exactly one top-level comparison
    (``"mish(x) <= x"``), or None when it has none."""
    tree = _tree(text)
    body = tree.body
    if not isinstance(body, ast.Compare):
        return None
    if len(body.ops) != 1:
        raise ParseError("a statement compares two sides once (a chain such as a < b < c is refused)")
    op = _RELATION_OF.get(type(body.ops[0]))
    if op is None:
        raise ParseError(f"relation {type(body.ops[0]).__name__} refused (allowed: {' '.join(RELATIONS)})")
    source = text.strip()
    return (ast.get_source_segment(source, body.left), op,
            ast.get_source_segment(source, body.comparators[0]))


def parse_statement(lhs: str, op: str, rhs: str, params: Mapping | None = None, *,
                    free_symbols: bool = True) -> Statement:
    """Both sides of ``lhs op rhs`` (``op`` one of :data:`RELATIONS`)."""
    if op not in RELATIONS:
        raise ParseError(f"relation {op!r} refused (allowed: {' '.join(RELATIONS)})")
    return Statement(parse_defined(lhs, params, free_symbols=free_symbols), op,
                     parse_defined(rhs, params, free_symbols=free_symbols))
