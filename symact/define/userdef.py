"""A user-defined scalar activation from command-line text (``symact new``).

``user_definition(name, text, params) -> UserDefinition`` checks the name, the
parameter names and defaults, and parses ``text`` with the whitelist parser
(:func:`symact.define.parse.parse_defined`; ``x`` is the input, the declared
parameters are real symbols); the result carries the entry and the conditions
under which the expression is defined (:mod:`symact.define.domain`), which
``symact new`` proves at the defaults before generating anything.
``user_activation`` returns the entry only.  Anything refused raises
:class:`UserDefinitionError` with a one-line message saying what and why.

The entry is deliberately plain: reference "user-defined (symact new)", the
expression text as summary, no parameter constraints and no declared kinks, so
d/dx is exactly what ``sympy.diff`` gives everywhere (at a non-smooth point of
``Abs`` or ``Max`` that is SymPy's value there, e.g. ``sign(0) = 0``).

Names become identifiers in the generated NumPy module (``def NAME``,
``NAME_grad_<param>``, keyword arguments, beside the module's own names) and
in C (``symact_NAME_f64`` and function parameters beside libm calls and the
macros of the headers it includes; the header is includable from C++).  So an
activation name, each of its kernel names and each parameter name must not be:
a Python keyword or builtin, a C or C++ keyword, a name from the C headers the
generated code includes (``math.h``, with every function's ``f``/``l`` variant,
``stddef.h``, ``stdint.h``, ``string.h``; lowercase macros such as
``math_errhandling`` and ``isnan``), a name of the generated NumPy module, a
parser name, or (for the activation and its kernels) a kernel of the catalogue
(``logsumexp_grad``, ``softmax_vjp``, ``elu_grad``): the user's files are meant
to sit beside the catalogue's, linked into one program.

Defaults are exact numbers that every generated dtype represents faithfully: 0
or a magnitude within float32's normal range [2**-126, 3.4e38], since the
float32 kernels take the parameter as a float.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import math
import re
from dataclasses import dataclass

import sympy as sp

from symact.define import catalogue
from symact.define.model import ParameterError, Param, ScalarActivation, X, _as_exact
from symact.define.parse import ParseError, parse_defined

REFERENCE = "user-defined (symact new)"

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
MAX_NAME = 48

#: float32's smallest normal and largest finite number: the range of a nonzero default.
FLOAT32_TINY = 2.0 ** -126
FLOAT32_MAX = 3.4028234663852886e38

_C_KEYWORDS = frozenset("""
auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef
union unsigned void volatile while bool true false complex imaginary
""".split())

# the header is includable from C++: a parameter called ``class`` breaks its prototypes
_CXX_KEYWORDS = frozenset("""
alignas alignof and and_eq asm bitand bitor catch char8_t char16_t char32_t class compl
concept consteval constexpr constinit const_cast co_await co_return co_yield decltype delete
dynamic_cast explicit export final friend mutable namespace new noexcept not not_eq nullptr
operator or or_eq override private protected public reinterpret_cast requires static_assert
static_cast template this thread_local throw try typeid typename using virtual wchar_t xor
xor_eq
""".split())

# C99 7.12 math.h functions; each is reserved with an f and an l suffix as well
_MATH_FUNCTIONS = frozenset("""
acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp ilogb
ldexp log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc lgamma
tgamma ceil floor nearbyint rint lrint llrint round lround llround trunc fmod remainder remquo
copysign nan nextafter nexttoward fdim fmax fmin fma
""".split())

# the lowercase macros and types of the headers the generated C includes
# (math.h, stddef.h, stdint.h, string.h, float.h has uppercase names only)
_C_HEADER_NAMES = frozenset("""
fpclassify isfinite isinf isnan isnormal signbit isgreater isgreaterequal isless islessequal
islessgreater isunordered math_errhandling float_t double_t
size_t ptrdiff_t wchar_t offsetof max_align_t
int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t int_least8_t int_least16_t
int_least32_t int_least64_t uint_least8_t uint_least16_t uint_least32_t uint_least64_t
int_fast8_t int_fast16_t int_fast32_t int_fast64_t uint_fast8_t uint_fast16_t uint_fast32_t
uint_fast64_t intptr_t uintptr_t intmax_t uintmax_t
memcpy memmove memset memcmp memchr strcpy strncpy strcat strncat strcmp strncmp strcoll
strxfrm strchr strrchr strspn strcspn strpbrk strstr strtok strerror strlen
""".split())

_LIBM = (frozenset(name for name in dir(math) if not name.startswith("_")) | _MATH_FUNCTIONS
         | frozenset(f + s for f in _MATH_FUNCTIONS for s in ("f", "l")))
_GENERATED = frozenset("x y n i numpy math symact size_t".split())

#: Names an activation, a kernel or a parameter may not take.
RESERVED = (frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
            | _C_KEYWORDS | _CXX_KEYWORDS | _LIBM | _C_HEADER_NAMES | _GENERATED
            | frozenset("oo pi E exp log sqrt erf erfc tanh Max Min Abs Heaviside Piecewise "
                        "diff limit".split()))


@functools.lru_cache(maxsize=1)
def generated_names() -> frozenset:
    """The module-level public names of the generated NumPy module (its imports, its
    runtime) and the catalogue's kernel names: what a user's module shares a namespace
    with, and what its C shares a program with."""
    from symact.derive.kernels import kernel_specs
    from symact.emit.resources import generated_dir

    names = {k.name for k in kernel_specs(catalogue.ENTRIES)}
    try:
        tree = ast.parse((generated_dir() / "symact_numpy.py").read_text())
    except (OSError, SyntaxError):
        return frozenset(names)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return frozenset(n for n in names if not n.startswith("_"))


class UserDefinitionError(ValueError):
    """A name, parameter or expression of ``symact new`` that is refused."""


def _taken(name: str) -> str | None:
    """Why ``name`` cannot be an identifier of the user's code, or None."""
    if name in catalogue.names():
        return "a catalogue activation (see `symact list`)"
    if name in RESERVED:
        return "reserved (a Python or C/C++ keyword, builtin, libm or C header name, or parser name)"
    if name in generated_names():
        return "a kernel of the catalogue or a name of the generated module"
    return None


def check_name(name: str) -> str:
    """``name`` if it can be a new activation's name; else :class:`UserDefinitionError`."""
    if not _SNAKE.match(name or ""):
        raise UserDefinitionError(
            f"activation name {name!r} is not snake_case (lowercase letters, digits and single "
            "underscores, starting with a letter), e.g. my_act")
    if len(name) > MAX_NAME:
        raise UserDefinitionError(f"activation name longer than {MAX_NAME} characters")
    why = _taken(name)
    if why:
        raise UserDefinitionError(f"activation name {name!r} is {why}; choose another")
    return name


def _check_default(key: str, text, value: sp.Expr) -> None:
    """A default every dtype's kernels represent: 0, or |value| in float32's normal range."""
    if value == 0:
        return
    magnitude = abs(float(value))
    if not (FLOAT32_TINY <= magnitude <= FLOAT32_MAX):
        raise UserDefinitionError(
            f"--param {key}={text}: a default must be 0 or have magnitude between {FLOAT32_TINY:.3g} "
            f"and {FLOAT32_MAX:.3g} (float32's normal range: the float32 kernels take it as a float)")


def check_params(values: dict[str, str]) -> dict[str, sp.Expr]:
    """``{"a": "0.5"}`` -> ``{"a": Rational(1, 2)}``: names checked, defaults exact and in range."""
    out = {}
    for key, value in values.items():
        if key == "x":
            raise UserDefinitionError("--param x: x is the input, not a parameter")
        if not _SNAKE.match(key):
            raise UserDefinitionError(f"--param {key}: parameter names are snake_case identifiers "
                                      "(lowercase letters, digits, single underscores)")
        why = _taken(key)
        if why:
            raise UserDefinitionError(f"--param {key}: {key!r} is {why}; choose another")
        try:
            exact = _as_exact(value)
        except (ParameterError, ValueError, TypeError) as err:
            raise UserDefinitionError(f"--param {key}: {err} (defaults are finite numbers)") from None
        if not (exact.is_Rational or exact.is_Integer):
            raise UserDefinitionError(f"--param {key}: {value!r} is not a finite number")
        _check_default(key, value, exact)
        out[key] = exact
    return out


@dataclass(frozen=True)
class UserDefinition:
    """The entry and the conditions under which its expression is defined."""

    entry: ScalarActivation
    conditions: tuple = ()


def user_definition(name: str, text: str, params: dict[str, str] | None = None) -> UserDefinition:
    """The activation ``name`` with ``f(x; params) = text``, and where ``text`` is defined.

    ``params`` maps each parameter name to its default (text or number).
    """
    check_name(name)
    defaults = check_params(dict(params or {}))
    try:
        parsed = parse_defined(text, {k: None for k in defaults})
    except ParseError as err:
        hint = " (declare parameters with --param K=V)" if str(err).startswith("unknown name") else ""
        raise UserDefinitionError(f"expression refused: {err}{hint}") from None
    expr = parsed.expr
    if expr.has(sp.oo, sp.S.NegativeInfinity, sp.zoo, sp.nan):
        raise UserDefinitionError(f"expression {expr} is not finite: a definition may not use oo")
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
    at_defaults = expr.xreplace({sp.Symbol(k, real=True): v for k, v in defaults.items()})
    if X not in at_defaults.free_symbols:
        shown = ", ".join(f"{k}={v}" for k, v in defaults.items())
        raise UserDefinitionError(f"degenerate: at the defaults ({shown}) the expression is "
                                  f"{at_defaults}, which does not depend on x")
    entry = ScalarActivation(
        name=name,
        params=tuple(Param(k, v, "user parameter") for k, v in defaults.items()),
        constraints=(),
        reference=REFERENCE,
        summary=" ".join(text.split()),
        expr=expr,
    )
    from symact.derive.kernels import kernel_specs
    for spec in kernel_specs([entry]):
        why = _taken(spec.name) if spec.name != name else None
        if why:
            raise UserDefinitionError(f"kernel name {spec.name!r} (of {name}) is {why}; "
                                      "choose another activation or parameter name")
    return UserDefinition(entry, parsed.conditions)


def user_activation(name: str, text: str, params: dict[str, str] | None = None) -> ScalarActivation:
    """The :class:`ScalarActivation` ``name`` with ``f(x; params) = text`` (see :func:`user_definition`)."""
    return user_definition(name, text, params).entry
