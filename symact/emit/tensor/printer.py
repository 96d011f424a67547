"""Printer for the array-framework backends: expressions over a float64 array ``x``.

Every function and primitive prints as a call of the runtime's name for it
(``_exp``, ``_softplus``, ...), which the framework's ops.py and the shared runtime
define, so one printer serves torch and jax (each backend's printer names its
framework in messages).  The kernels compute in float64, so constants print as
17-digit Python floats (exact float64) and integers bare; infinities as
``math.inf``; the shift primitive u - c as ``_shift(u, c_hi, c_lo)``.  A Piecewise reaching this printer (one not at the top of a kernel)
is refused: top-level branches go through the runtime's where() chain.
"""

from __future__ import annotations

from sympy.printing.pycode import PythonCodePrinter

from symact.emit.literals import split_constant
from symact.emit.printing import KernelPrinterMixin, PythonPrinterMixin
from symact.stabilise.primitives import shift


class TensorPrinter(PythonPrinterMixin, KernelPrinterMixin, PythonCodePrinter):
    language = "array framework"
    _FUNCS = dict(KernelPrinterMixin._FUNCS, Abs="abs")

    #: primitives printed as their float-precision version ``_NAME_x`` (the float forms'
    #: printer sets it; see TensorBackend.context)
    float_prims = frozenset()

    def __init__(self, settings=None):
        super().__init__(dict({"fully_qualified_modules": False}, **(settings or {})))
        self.dtype = "float64"

    def _const(self, text):
        return text

    def _int(self, n):
        return str(n)

    def _inf(self, sign):
        return "math.inf" if sign > 0 else "(-math.inf)"

    def _nan(self):
        return "math.nan"

    def _call(self, name, args):
        return f"_{name}({', '.join(args)})"

    def _prim(self, impl):
        return f"_{impl}_x" if impl in self.float_prims else f"_{impl}"

    def _print_Function(self, expr):
        # u - c as the runtime's _shift(u, c_hi, c_lo): XLA would fold (u - c_hi) - c_lo
        # into u - (c_hi + c_lo) (see tensor/runtime/doubleword.py)
        if isinstance(expr, shift):
            u, c = expr.args
            hi, lo = split_constant(c, self.dtype)
            return f"_shift({self._print(u)}, {hi}, {lo})"
        return super()._print_Function(expr)

    _print_exp = _print_log = _print_tanh = _print_Abs = _print_erf = _print_erfc = \
        _print_sign = _print_expm1 = _print_log1p = _print_Primitive = _print_Function

    def _print_Piecewise(self, expr):
        raise ValueError(f"a Piecewise inside an expression cannot be printed as a where() chain: {expr}")
