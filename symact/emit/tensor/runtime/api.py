"""The scalar kernels' machinery: Piecewise as a where() chain, nan and the limits at +-inf.

Every scalar kernel of a generated module is ``_k_NAME(x, *params)``, the stable
form printed in the framework's operations, its Piecewise branches through
:func:`_pick`; the public functions evaluate it through :func:`_run` in float64
(the framework layer converts the dtype).
"""

import math

from symact.emit.tensor.runtime.ops import (_ENDS_APART, _INF, _MAX, _all_finite, _cat, _constant, _eager, _fresh,
                                            _full, _full_like, _isnan, _positions, _put, _reshape, _shape_of,
                                            _take, _where)


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


def _pick(x, params, branches):
    """A Piecewise: ``branches`` = ((condition or None, value, x0, cheap), ...), the first
    true condition's value; ``params`` the kernel's parameters (which the conditions and
    values hold).

    Traced (jax.jit, torch.compile) or differentiated through, each branch is evaluated on
    ``x`` where it applies and on its own point ``x0`` elsewhere (the "double where": a
    branch never sees an input outside its piece, so no inf or nan it would make there
    reaches a value or a gradient).  In torch's eager mode with number parameters
    (:func:`_pick_eager`) a costly branch runs only on the entries it applies to."""
    if _eager(x) and _shape_of(*params) == ():
        return _pick_eager(x, branches)
    conds = [_mask(c(x), x) for c, _, _, _ in branches[:-1]]
    rest = None
    for c in conds:
        rest = ~c if rest is None else rest & ~c
    _, fn, x0, _ = branches[-1]
    out = _full_like(x, fn(x if rest is None else _where(rest, x, x0)))
    for c, (_, fn, x0, _) in reversed(list(zip(conds, branches[:-1]))):
        out = _where(c, fn(_where(c, x, x0)), out)
    return out


def _pick_eager(x, branches):
    """The Piecewise of :func:`_pick` where values may decide the work (as the NumPy
    runtime's _select): the cheap branches (a few arithmetic operations, no call) form
    the where() chain on every entry; a costly one runs only on the entries that take it
    (its condition, and no earlier one), gathered by their flat positions and written
    back, and not at all where none does."""
    if len(branches) == 1:
        return _full_like(x, branches[0][1](x))
    conds = [_mask(c(x), x) for c, _, _, _ in branches[:-1]]
    takes, earlier = {}, None
    for i, (_, _, _, cheap) in enumerate(branches):
        c = conds[i] if i < len(conds) else None
        if not cheap:
            takes[i] = ~earlier if c is None else (c if earlier is None else c & ~earlier)
        if c is not None:
            earlier = c if earlier is None else earlier | c
    # the entries of a costly branch hold a later branch's value until written
    y, owned = (branches[-1][1](x) if branches[-1][3] else 0.0), False
    for i in reversed(range(len(conds))):
        if branches[i][3]:
            y, owned = _where(conds[i], branches[i][1](x), y), True
    for i, take in takes.items():
        index = _positions(take)
        if index.shape[0] == x.numel():
            return _full_like(x, branches[i][1](x))
        if index.shape[0] and not owned:       # a number, or a branch's value that may be x itself
            y, owned = _fresh(x, y), True
        y = _scatter(y, x, index, branches[i][1])
    return _full_like(x, y)


def _scatter(y, x, index, fn):
    """y (the caller's own tensor) with fn of the entries of x at flat ``index`` written
    there; y itself where ``index`` is empty (fn not evaluated)."""
    return y if index.shape[0] == 0 else _put(y, index, fn(_take(x, index)))


#: kernel -> its float form's kernel, for inputs narrower than float64; the generated
#: module defines it after its kernels (templates/tensor/kernels.py.j2)
_FLOAT_KERNELS = {}


def _kernel_for(kernel, wide):
    """The kernel a float64 (``wide``) or narrower input takes: float inputs the float
    form (float's windows, no pairs for rounded arguments) where it differs."""
    return kernel if wide else _FLOAT_KERNELS.get(kernel, kernel)


#: The largest finite float32: float inputs' kernels take their limits at +-inf there (as
#: the C float kernels do), which keeps the float-precision primitives' products finite.
_FLT_MAX = 3.4028234663852886e38


def _run(kernel, x, params, end=_MAX):
    """kernel(x, *params) on float64 ``x``: nan in gives nan out; at +-inf, where the stable
    form gives nan (inf - inf, 0*inf), the value at the largest finite number of that sign
    (``end``: float64's, or float's for the float forms), the limit (as the NumPy
    runtime's _run).  With number (or 0-d) parameters those two
    points are evaluated on a two-entry array apart from ``x`` in torch's eager mode (only
    when some entry of ``x`` is not finite) and where the framework fuses best so
    (``_ENDS_APART``: jax), else appended to ``x`` (one call); with array parameters on
    the parameters' shape."""
    numbers = _shape_of(*params) == ()
    if numbers and (_eager(x) or _ENDS_APART):
        y = _full_like(x, kernel(x, *params))
        if _eager(x) and _all_finite(x):
            return y
        ends = _constant((end, -end), x)
        ends = _full_like(ends, kernel(ends, *params))
        top, bottom = ends[0], ends[1]
    elif numbers:
        flat = _cat([_reshape(x, (-1,)), _constant((end, -end), x)], 0)
        ys = _full_like(flat, kernel(flat, *params))
        y, top, bottom = _reshape(ys[:-2], x.shape), ys[-2], ys[-1]
    else:
        big = _full(_shape_of(*params), end, x)
        y = _full_like(x, kernel(x, *params))
        top, bottom = kernel(big, *params), kernel(-big, *params)
    y = _where(_isnan(x), x, y)
    y = _where((x == _INF) & _isnan(y), top, y)
    return _where((x == -_INF) & _isnan(y), bottom, y)


def _run_as(kernel, x, params, wide):
    """:func:`_run` of the kernel a float64 (``wide``) or narrower input takes
    (:func:`_kernel_for`), with that form's limits: at +-float64's max, or at +-FLT_MAX."""
    return _run(_kernel_for(kernel, wide), x, params, _MAX if wide else _FLT_MAX)


def _c_open(path, extra=(), hint=""):
    """The C library at ``path`` for a framework layer's ``use_c_library`` (ctypes),
    checked to hold every kernel of the generated module (symact_NAME_f32 and _f64 for
    each of ``_C_NAMES``) and the functions ``extra`` (``hint`` added to their message).
    OSError if it cannot be loaded; ValueError naming the first function it lacks (a
    library generated from other definitions)."""
    import ctypes
    lib = ctypes.CDLL(str(path))
    for name in [*extra, *(f"{n}_{t}" for n in _C_NAMES for t in ("f32", "f64"))]:
        if not hasattr(lib, f"symact_{name}"):
            more = hint if name in extra else ""
            raise ValueError(f"{path} is not this module's C library: it has no symact_{name}{more}")
    return lib
