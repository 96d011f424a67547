"""Printers: SymPy's NumPyPrinter and C99CodePrinter, specialised for kernels.

- :mod:`.constants`: constants as the target dtype sees them (17 significant
  digits for float64, 9 with ``F`` for float32; rationals kept as divisions so
  ``(x + 3)/6`` is one correctly rounded operation);
- :mod:`.numpy_printer`: expressions over an ndarray of the kernel dtype;
  constants wrapped in ``_T(...)`` (the dtype's scalar type) so float32 stays
  float32; a Piecewise is split into masked branches by the template, never
  ``numpy.select``;
- :mod:`.c_printer`: C99 for ``double`` or ``float`` (``expf``, ``log1pf``, ...;
  no ``M_PI``-style macros); a Piecewise is a ``?:`` chain, so only the taken
  branch is evaluated.

Primitives print generically from their ``impl`` name: NumPy ``_<impl>(...)``,
C ``symact__<impl>_f64(...)`` / ``_f32``.
"""

from .c_printer import CPrinter
from .constants import prepare
from .numpy_printer import NumpyPrinter

__all__ = ["CPrinter", "NumpyPrinter", "prepare", "branches"]


def branches(expr):
    """``[(condition or None, expression), ...]``: a top-level Piecewise's branches
    (the last one's condition ``None`` when it is ``True``), or ``[(None, expr)]``."""
    import sympy as sp

    if not isinstance(expr, sp.Piecewise):
        return [(None, expr)]
    out = []
    for e, c in expr.args:
        out.append((None if c is sp.true else c, e))
        if c is sp.true:
            break
    return out
