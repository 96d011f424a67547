"""C99 printer for ``double`` (f64) or ``float`` (f32) kernels.

No ``M_PI``-style macros (``math_macros={}``): constants print as literals,
17 significant digits for double, 9 with an ``F`` suffix for float, rounded
once from the exact value.  f32 code calls the float functions (``expf``,
``log1pf``, ...); in double the elementary functions call the runtime's
vectorisable ``symact__elem_*_f64``.  The C backend prints float kernels that call
transcendental functions with a double printer whose ``exact`` is off and whose
``prim_tag`` is ``f32x`` (evaluated in double to float's precision, rounded once: the
runtime's ``symact__elem_*_f32x`` and ``_f32x`` primitives).  A Piecewise prints as a chain of selects (see
``_print_Piecewise``), which evaluates every branch: the kernels keep the unused ones
finite.  Primitives call ``symact__<impl>_f64`` / ``_f32``.
"""

from __future__ import annotations

from sympy.printing.c import C99CodePrinter

from symact.emit.printing import KernelPrinterMixin


class CPrinter(KernelPrinterMixin, C99CodePrinter):
    language = "C"

    def __init__(self, dtype="float64", settings=None, prim_tag=None, exact=None):
        super().__init__(dict({"math_macros": {}}, **(settings or {})))
        if dtype not in ("float64", "float32"):
            raise ValueError(f"unknown dtype {dtype!r}")
        self.dtype = dtype
        # pairs (symact__dd, the runtime's exact.h) exist in double only
        self.exact = dtype == "float64" if exact is None else exact
        self.windows = dtype == "float64"
        self.suffix = "f" if dtype == "float32" else ""
        self.tag = "f32" if dtype == "float32" else "f64"
        #: the suffix of the primitives called (``f32x``: float kernels computed in double
        #: call primitives accurate to float's precision, which can be cheaper)
        self.prim_tag = prim_tag or self.tag
        #: a Piecewise is a chain of selects (every branch evaluated): a primitive that
        #: each branch calls once is called once, on selected arguments
        self.hoist = True

    def _const(self, text):
        return text + ("F" if self.dtype == "float32" else "")

    def _int(self, n):
        return self._const(f"{n}.0")

    def _inf(self, sign):
        return "HUGE_VALF" if self.dtype == "float32" and sign > 0 else (
            "(-HUGE_VALF)" if self.dtype == "float32" else ("HUGE_VAL" if sign > 0 else "(-HUGE_VAL)"))

    #: Functions with a vectorisable implementation in the runtime (elementary.h), called
    #: instead of libm's in double (a loop over libm calls does not vectorise).
    _ELEMENTARY = {"exp", "log", "tanh", "erfc", "expm1", "log1p"}

    def _nan(self):
        return "NAN"

    def _call(self, name, args):
        if self.dtype == "float64" and name in self._ELEMENTARY:
            return f"symact__elem_{name}_{self.prim_tag}({', '.join(args)})"
        if name == "sign":
            a = args[0]
            return f"(({a}) > 0 ? {self._int(1)} : (({a}) < 0 ? {self._int(-1)} : ({a})))"
        return f"{name}{self.suffix}({', '.join(args)})"

    def _prim(self, impl):
        return f"symact__{impl}_{self.prim_tag}"

    # pairs: symact__dd values, the symact__w_* functions of the runtime's exact.h
    def _pair_call(self, name, args):
        return f"symact__w_{name}({', '.join(args)})"

    def _pair_const(self, hi, lo):
        return f"symact__dd_make({hi}, {lo})"

    def _pair_of(self, text):
        return f"symact__dd_make({text}, 0.0)"

    def _pair_val(self, pair):
        return f"symact__w_val({pair})"

    def _pair_select(self, branches):
        out = branches[-1][1]
        for c, pair in reversed(branches[:-1]):
            out = f"symact__dd_sel({c}, {pair}, {out})"
        return out

    def _dw_call(self, impl, args, pair):
        return f"symact__{impl}_dw_f64({', '.join([*args, pair])})"


    # Conditions combine with the bitwise operators: every operand is a comparison (0 or
    # 1) without side effects, and && / || would put a branch into the kernel loop.
    def _print_And(self, expr):
        return "(" + " & ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_Not(self, expr):
        return f"!{self._print(expr.args[0])}"

    def _print_BooleanTrue(self, expr):
        return "1"

    def _print_Piecewise(self, expr):
        """Branches as selects: in double ``symact__sel(c, a, b)``, a blend of bit
        patterns, since gcc's jump threading turns chains of ?: over transcendental
        branches back into control flow, which stops the kernel loop's vectorisation
        (both branches are evaluated either way in vectorised code; the kernels keep
        the unused one finite); in float, where the kernels are arithmetic, ?:."""
        out = None
        for e, c in reversed(expr.args):
            if out is None:
                if c is not True and str(c) != "True":
                    out = self._select(self._print(c), self._print(e), "NAN")
                else:
                    out = f"({self._print(e)})"
                continue
            out = self._select(self._print(c), self._print(e), out)
        return out

    def _select(self, cond, a, b):
        if self.dtype == "float64":
            return f"symact__sel({cond}, {a}, {b})"
        return f"({cond} ? ({a}) : {b})"
