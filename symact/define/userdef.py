"""A user-defined scalar activation from command-line text (``symact new``).

``user_activation(name, text, params) -> ScalarActivation`` checks the name,
the parameter names and defaults, and parses ``text`` with the whitelist parser
(:func:`symact.define.parse.parse_expression`; ``x`` is the input, the declared
parameters are real symbols).  Anything refused raises :class:`UserDefinitionError`
with a message saying what and why.

The entry is deliberately plain: reference "user-defined (symact new)", the
expression text as summary, no parameter constraints and no declared kinks, so
d/dx is exactly what ``sympy.diff`` gives everywhere (at a non-smooth point of
``Abs`` or ``Max`` that is SymPy's value there, e.g. ``sign(0) = 0``).

Names become identifiers in the generated NumPy module (``NAME``,
``NAME_grad_<param>``, keyword arguments) and in C (``symact_NAME_f64`` and
function parameters beside libm calls), so besides being snake_case they must
not be a catalogue name, a Python or C keyword, a Python builtin, a libm
function or a name the generated code itself uses.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re

import sympy as sp

from symact.define import catalogue
from symact.define.model import ParameterError, Param, ScalarActivation, X, _as_exact
from symact.define.parse import ParseError, parse_expression

REFERENCE = "user-defined (symact new)"

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_NAME = 48

_C_KEYWORDS = frozenset("""
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while bool true false complex imaginary
""".split())

# libm names (C99 math.h) and what the generated code names itself: a parameter
# called ``exp`` would shadow exp() inside a generated C function.
_LIBM = frozenset(name for name in dir(math) if not name.startswith("_")) | frozenset("""
expm1 log1p log2 log10 exp2 fabs fmax fmin fma ldexp frexp copysign nextafter isfinite
isnan isinf signbit erf erfc tanh sinh cosh atanh sqrt cbrt pow hypot floor ceil round
trunc rint nearbyint lgamma tgamma scalbn ilogb logb modf fmod remainder fpclassify
""".split())
_GENERATED = frozenset("x y n i numpy math symact size_t".split())

#: Names an activation or a parameter may not take.
RESERVED = (frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
            | _C_KEYWORDS | _LIBM | _GENERATED
            | frozenset("oo pi E exp log sqrt erf erfc tanh Max Min Abs Heaviside Piecewise "
                        "diff limit".split()))


class UserDefinitionError(ValueError):
    """A name, parameter or expression of ``symact new`` that is refused."""


def check_name(name: str) -> str:
    """``name`` if it can be a new activation's name; else :class:`UserDefinitionError`."""
    if not _SNAKE.match(name or ""):
        raise UserDefinitionError(
            f"activation name {name!r} is not snake_case (lowercase letters, digits and single "
            "underscores, starting with a letter), e.g. my_act")
    if len(name) > MAX_NAME:
        raise UserDefinitionError(f"activation name longer than {MAX_NAME} characters")
    if name in catalogue.names():
        raise UserDefinitionError(
            f"{name!r} is a catalogue activation; choose another name (see `symact list`)")
    if name in RESERVED:
        raise UserDefinitionError(f"activation name {name!r} is reserved (keyword, builtin or "
                                  "libm name); choose another")
    return name


def check_params(values: dict[str, str]) -> dict[str, sp.Expr]:
    """``{"a": "0.5"}`` -> ``{"a": Rational(1, 2)}``: names checked, defaults exact and finite."""
    out = {}
    for key, value in values.items():
        if key == "x":
            raise UserDefinitionError("--param x: x is the input, not a parameter")
        if not _SNAKE.match(key):
            raise UserDefinitionError(f"--param {key}: parameter names are snake_case identifiers "
                                      "(lowercase letters, digits, single underscores)")
        if key in RESERVED:
            raise UserDefinitionError(f"--param {key}: {key!r} is reserved (keyword, builtin, "
                                      "libm or parser name); choose another")
        try:
            out[key] = _as_exact(value)
        except ParameterError as err:
            raise UserDefinitionError(f"--param {key}: {err} (defaults are finite numbers)") from None
    return out


def user_activation(name: str, text: str, params: dict[str, str] | None = None) -> ScalarActivation:
    """The :class:`ScalarActivation` ``name`` with ``f(x; params) = text``.

    ``params`` maps each parameter name to its default (text or number).
    """
    check_name(name)
    defaults = check_params(dict(params or {}))
    try:
        expr = parse_expression(text, {k: None for k in defaults})
    except ParseError as err:
        hint = " (declare parameters with --param K=V)" if str(err).startswith("unknown name") else ""
        raise UserDefinitionError(f"expression refused: {err}{hint}") from None
    symbols = {s for s in expr.free_symbols}
    allowed = {X} | {sp.Symbol(k, real=True) for k in defaults}
    extra = sorted(str(s) for s in symbols - allowed)
    if extra:  # the parser refuses unknown names; this guards what functions bring in
        raise UserDefinitionError(f"expression uses undeclared symbol(s) {', '.join(extra)} "
                                  "(declare parameters with --param K=V)")
    if X not in symbols:
        raise UserDefinitionError("expression does not depend on x")
    if expr.has(sp.Derivative, sp.Limit, sp.Integral, sp.Subs):
        raise UserDefinitionError("expression has an unevaluated derivative or limit")
    unused = sorted(k for k in defaults if sp.Symbol(k, real=True) not in symbols)
    if unused:
        raise UserDefinitionError(f"--param {', '.join(unused)}: not used in the expression")
    return ScalarActivation(
        name=name,
        params=tuple(Param(k, v, "user parameter") for k, v in defaults.items()),
        constraints=(),
        reference=REFERENCE,
        summary=" ".join(text.split()),
        expr=expr,
    )
