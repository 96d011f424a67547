"""NumPy printer: expressions over a float64 ndarray ``x`` (a block of the input).

The kernels compute in float64 whatever the input dtype (symact/emit/numpy/runtime/api.py),
so constants print as float literals of 17 significant digits, each the float64
nearest to the exact constant; integers print bare.
A Piecewise reaching this printer (one not at the top of a kernel) is refused:
the templates evaluate top-level branches under masks, never ``numpy.select``.
"""

from __future__ import annotations

from sympy.printing.numpy import NumPyPrinter

from symact.emit.printing import KernelPrinterMixin, PythonPrinterMixin


class NumpyPrinter(PythonPrinterMixin, KernelPrinterMixin, NumPyPrinter):
    language = "NumPy"
    _FUNCS = dict(KernelPrinterMixin._FUNCS, Abs="abs", erf="_erf", erfc="_erfc")
    _NUMPY = {"exp", "log", "tanh", "abs", "sqrt", "sign", "pow"}

    def __init__(self, settings=None):
        super().__init__(dict({"fully_qualified_modules": True}, **(settings or {})))
        self.dtype = "float64"  # the kernels' working dtype: every literal is a float64

    def _const(self, text):
        return text

    def _int(self, n):
        return str(n)

    def _inf(self, sign):
        return "numpy.inf" if sign > 0 else "(-numpy.inf)"

    def _nan(self):
        return "numpy.nan"

    def _call(self, name, args):
        if name == "pow":
            return f"numpy.power({args[0]}, {args[1]})"
        prefix = "numpy." if name in self._NUMPY else ""
        return f"{prefix}{name}({', '.join(args)})"

    def _prim(self, impl):
        return f"_{impl}"

    def _print_Piecewise(self, expr):
        raise ValueError(f"a Piecewise inside an expression cannot be masked: {expr}")
