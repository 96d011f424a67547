"""The scalar kernels' machinery: Piecewise as a where() chain, nan and the limits at +-inf.

Every scalar kernel of a generated module is ``_k_NAME(x, *params)``, the stable
form printed in the framework's operations, its Piecewise branches through
:func:`_pick`; the public functions evaluate it through :func:`_run` in float64
(the framework layer converts the dtype).
"""

import math

from symact.emit.tensor.runtime.ops import (_INF, _MAX, _cat, _constant, _full, _full_like, _isnan, _reshape,
                                            _shape_of, _where)


def _number(kernel, name, value):
    """A parameter given as a number: a finite Python float, else ValueError naming it
    (the framework layers pass their tensors through as they are)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{kernel}: parameter {name} must be a real number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{kernel}: parameter {name} must be finite, got {value!r}")
    return v


def _is_number(value):
    """Whether a (converted) parameter is a number, the only kind whose constraints are checked."""
    return isinstance(value, float)


def _mask(c, x):
    """A condition as a boolean array (a parameter-only condition is a Python bool)."""
    if isinstance(c, bool):
        return _full_like(x, 1.0 if c else 0.0) > 0
    return c


def _pick(x, branches):
    """A Piecewise: ``branches`` = ((condition or None, value, x0), ...), the first true
    condition's value.  Each branch is evaluated on ``x`` where it applies and on its
    own point ``x0`` elsewhere (the "double where": a branch never sees an input outside
    its piece, so no inf or nan it would make there reaches a value or a gradient)."""
    conds = [_mask(c(x), x) for c, _, _ in branches[:-1]]
    rest = None
    for c in conds:
        rest = ~c if rest is None else rest & ~c
    _, fn, x0 = branches[-1]
    out = _full_like(x, fn(x if rest is None else _where(rest, x, x0)))
    for c, (_, fn, x0) in reversed(list(zip(conds, branches[:-1]))):
        out = _where(c, fn(_where(c, x, x0)), out)
    return out


def _run(kernel, x, params):
    """kernel(x, *params) on float64 ``x``: nan in gives nan out; at +-inf, where the stable
    form gives nan (inf - inf, 0*inf), the value at the largest finite number of that sign,
    the limit (as the NumPy runtime's _run).  Those two points are evaluated with ``x``
    (one call) when the parameters are numbers or 0-d, else on the parameters' shape."""
    if _shape_of(*params) == ():
        flat = _cat([_reshape(x, (-1,)), _constant((_MAX, -_MAX), x)], 0)
        ys = _full_like(flat, kernel(flat, *params))
        y, top, bottom = _reshape(ys[:-2], x.shape), ys[-2], ys[-1]
    else:
        big = _full(_shape_of(*params), _MAX, x)
        y = _full_like(x, kernel(x, *params))
        top, bottom = kernel(big, *params), kernel(-big, *params)
    y = _where(_isnan(x), x, y)
    y = _where((x == _INF) & _isnan(y), top, y)
    return _where((x == -_INF) & _isnan(y), bottom, y)
