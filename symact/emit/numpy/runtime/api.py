"""The scalar kernels' machinery: input conversion, parameter checks, masked branches.

Every public scalar kernel of the generated module is
``NAME(x, *, params) -> _run(x, _k_NAME, params)``, where ``_k_NAME(x, _T, params)``
evaluates the stable form (its Piecewise branches through :func:`_select`).
"""

import math

import numpy


def _asfloat(x):
    """array_like -> ndarray: float32 and float64 stay, ints and bools become float64."""
    a = numpy.asarray(x)
    if a.dtype == numpy.float32 or a.dtype == numpy.float64:
        return a
    if a.dtype.kind in "biuf":
        return a.astype(numpy.float64)
    raise TypeError(f"expected real numbers, got an array of dtype {a.dtype}")


def _param(kernel, name, value):
    """A parameter as a finite Python float, or ValueError naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{kernel}: parameter {name} must be a real number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{kernel}: parameter {name} must be finite, got {value!r}")
    return v


def _select(x, branches):
    """Evaluate a Piecewise: each branch only on the entries its condition selects
    (never on the others, so an unused branch cannot overflow or warn)."""
    if len(branches) == 1:
        return numpy.array(numpy.broadcast_to(branches[0][1](x), x.shape), dtype=numpy.float64)
    y = numpy.empty(x.shape, dtype=numpy.float64)
    todo = numpy.ones(x.shape, dtype=bool)
    for cond, fn in branches:
        m = todo if cond is None else todo & cond(x)
        if numpy.any(m):
            y[m] = fn(x[m])
        todo &= ~m
    return y


def _run(x, kernel, *params):
    """Apply an elementwise kernel: float64 work, nan passed through, the limits
    at +-inf (where the stable form gives nan there, the value at the largest
    finite number of that sign), the input's dtype and shape restored."""
    x = _asfloat(x)
    flat = x.reshape(-1).astype(numpy.float64)
    _T = numpy.float64
    with numpy.errstate(all="ignore"):
        y = kernel(flat, _T, *params)
        nan = numpy.isnan(flat)
        if numpy.any(nan):
            y[nan] = flat[nan]
        limit = numpy.isinf(flat) & numpy.isnan(y)
        if numpy.any(limit):
            y[limit] = kernel(numpy.copysign(numpy.finfo(numpy.float64).max, flat[limit]), _T, *params)
        out = y.astype(x.dtype)
    return out.reshape(x.shape)
