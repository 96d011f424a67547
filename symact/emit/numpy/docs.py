"""The generated NumPy module's docstrings: formula, parameters, reference, example.

Everything comes from the kernel's :class:`~symact.derive.kernels.KernelSpec`
(the catalogue's summary, reference, parameters and constraints) and its
definition; the example's expected output is the mpmath oracle's value of the
definition (:mod:`symact.verify.oracle`, :mod:`symact.verify.vector_oracle`)
rounded to float64 and shown as NumPy prints it, so a doctest of the generated
module compares the kernels with exact values, never with their own output.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from symact.emit.printing import safe_comment

#: The example inputs: scalar kernels, and vector kernels (rows; cotangents for VJPs).
SCALAR_POINTS = (-2.0, -0.5, 1.5)
VECTOR_ROWS = ((0.0, 1.0, 2.0), (-1.0, 0.0, 50.0))
VECTOR_G = ((1.0, -2.0, 0.5), (0.25, 1.0, -1.0))


def _array_text(values) -> str:
    with np.errstate(all="ignore"):
        return repr(np.array(values, dtype=np.float64))


def _exact_float(v) -> float:
    import mpmath
    return float("nan") if mpmath.isnan(v) else float(v)


def scalar_example(spec, definition) -> dict:
    """``{"call": ..., "output": ...}``: the kernel at :data:`SCALAR_POINTS`, default
    parameters, with the oracle's values of ``definition``."""
    from symact.verify.metric import fmt
    from symact.verify.oracle import value_at
    subs = {sp.Symbol(p.name, real=True): sp.Rational(p.default) for p in spec.params}
    expr = sp.sympify(definition).subs(subs)
    f64 = fmt(np.float64)
    values = [_exact_float(value_at(expr, x, f64)) for x in SCALAR_POINTS]
    args = ", ".join(repr(x) for x in SCALAR_POINTS)
    return {"call": f"{spec.name}(numpy.array([{args}]))", "output": _array_text(values)}


def vector_example(spec) -> dict:
    """The vector kernel on the rows :data:`VECTOR_ROWS` (cotangents :data:`VECTOR_G`)."""
    from symact.verify.metric import fmt
    from symact.verify.vector_oracle import row_exact
    f64 = fmt(np.float64)
    values = []
    for x, g in zip(VECTOR_ROWS, VECTOR_G):
        exact = row_exact(np.array(x), np.array(g), f64)[spec.name]
        row = [_exact_float(v) for v, _ in exact]
        values.append(row[0] if spec.reduces else row)
    rows = "[" + ", ".join("[" + ", ".join(repr(v) for v in r) + "]" for r in VECTOR_ROWS) + "]"
    call = f"numpy.array({rows})"
    if spec.takes_g:
        gs = "[" + ", ".join("[" + ", ".join(repr(v) for v in r) + "]" for r in VECTOR_G) + "]"
        call += f", numpy.array({gs})"
    return {"call": f"{spec.name}({call})", "output": _array_text(values)}


def param_docs(spec) -> list[dict]:
    """Per parameter: name, default, what it does, and the constraints that name it."""
    out = []
    for p in spec.params:
        cons = [str(c) for c in spec.constraints if p.name in {s.name for s in c.free_symbols}]
        out.append({"name": p.name, "default": repr(p.default), "doc": safe_comment(p.doc or p.name),
                    "constraint": " and ".join(cons)})
    return out


def title(spec) -> str:
    """The docstring's first line."""
    return safe_comment(spec.description)


def formula(definition) -> str:
    """The definition as SymPy prints it (one line)."""
    return safe_comment(sp.sstr(definition))
