"""The public kernels' machinery: dtypes, parameters, ``out=`` and blocked evaluation.

Every public scalar kernel of the generated module is
``NAME(x, *, params, out=None) -> _run("NAME", _k_NAME, x, out, params, _CHECK_NAME)``,
where ``_k_NAME(x, *params)`` evaluates the stable form on a float64 block (its
Piecewise branches through :func:`_select`) and ``_CHECK_NAME`` lists the
parameter constraints as ``(text, test)`` pairs.  The C backend's loader
(symact/emit/c/loader.py) uses the same front end (:func:`_prepare`,
:func:`_elementwise`) around its compiled kernels, so both offer one API.

The rules are NumPy's, as a ufunc applies them:

- dtypes: float16, float32 and float64 keep their dtype (also in non-native byte
  order), integers and bools become float64; longdouble, complex and anything else
  raise TypeError naming the dtype.  The NumPy kernels compute in float64 and round
  once to the result dtype: NumPy's float32 exp and log are SIMD approximations of
  2-3 ULP, and float16 has no math functions of its own.
- parameters are Python numbers or arrays that broadcast against x like a ufunc
  argument (a per-channel PReLU slope); each constraint is checked elementwise
  and a violation raises ValueError naming it and the first offending entry.
- ``out``: an ndarray of the broadcast shape (or one it broadcasts to) into which
  the result casts under the ``same_kind`` rule (what ``out[...] = NAME(x)`` would
  store); it may be x itself.  Nothing is written when an argument is refused.
- a 0-d result without ``out`` comes back as a NumPy scalar, as from a ufunc.

Evaluation runs over blocks of :data:`_BLOCK` elements (``numpy.nditer``, which
also converts dtypes and byte orders, follows strides and broadcasts): each
temporary of a stable form then lives in cache instead of costing an
input-sized allocation, and peak memory stays at the output plus a few blocks.
"""

import math

import numpy

# Elements per block: 16384 float64 temporaries (128 KiB each) stay in the L2
# cache; larger blocks spill, smaller ones pay NumPy's per-call overhead more often.
_BLOCK = 16384
# Elements per chunk of a kernel that writes straight into its output (one ufunc per
# chunk, no temporaries): chunks only bound the buffers of a conversion.
_BLOCK_DIRECT = 1 << 18
# The largest finite float64, where a stable form that gives nan at +-inf is evaluated
# instead (its value there is the limit to float64 precision).
_FMAX = float(numpy.finfo(numpy.float64).max)
_F64 = numpy.dtype(numpy.float64)


def _result_dtype(name, a):
    """The dtype ``NAME`` returns for the array ``a``: its own for float16/32/64 (native
    byte order), float64 for integers and bools; TypeError naming anything else."""
    dt = a.dtype
    if dt.kind == "f" and dt.char != "g" and dt.itemsize in (2, 4, 8):
        return dt if dt.isnative else dt.newbyteorder("=")
    if dt.kind in "biu":
        return _F64
    if dt.kind == "f":
        raise TypeError(f"{name}: longdouble input (dtype {dt}) is not supported: the kernels "
                        "are float16, float32 and float64 (convert with .astype(numpy.float64))")
    if dt.kind == "c":
        raise TypeError(f"{name}: complex input (dtype {dt}) is not supported: the kernels are real")
    raise TypeError(f"{name}: expected real numbers, got an array of dtype {dt}")


def _asfloat(x, name="symact"):
    """array_like -> (ndarray, result dtype); see :func:`_result_dtype`."""
    a = numpy.asarray(x)
    return a, _result_dtype(name, a)


def _param(kernel, name, value):
    """A parameter: a Python float, or a float64 array when ``value`` has dimensions
    (it then broadcasts against x); finite, or ValueError naming it."""
    if type(value) is float and math.isfinite(value):
        return value
    try:
        a = numpy.asarray(value)
        if a.dtype.kind not in "biuf" or a.dtype.char == "g":
            raise TypeError
        v = float(a) if a.ndim == 0 else a.astype(numpy.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{kernel}: parameter {name} must be a real number or an array of them, "
                         f"got {value!r}") from None
    if numpy.ndim(v) == 0:
        if not math.isfinite(v):
            raise ValueError(f"{kernel}: parameter {name} must be finite, got {value!r}")
    elif not numpy.isfinite(v).all():
        i = _first(numpy.isfinite(v))
        raise ValueError(f"{kernel}: parameter {name} must be finite, got {float(v[i])!r} at index {i}")
    return v


def _first(ok):
    """The index (a tuple of ints) of the first False entry of the boolean array ``ok``."""
    return tuple(int(j) for j in numpy.unravel_index(numpy.argmin(ok), ok.shape))


def _check(kernel, names, values, checks):
    """ValueError naming the first constraint in ``checks`` ((text, test) pairs) that
    some entry of the parameters breaks, with that entry's values."""
    for text, test in checks:
        ok = numpy.asarray(test(*values))
        if ok.all():
            continue
        if ok.ndim == 0:
            shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, values))
        else:
            i = _first(ok)
            vals = numpy.broadcast_arrays(*[numpy.asarray(v) for v in values])
            shown = ", ".join(f"{n}={float(v[i])!r}" for n, v in zip(names, vals)) + f" at index {i}"
        raise ValueError(f"{kernel}: parameter constraint {text} is violated ({shown})")


def _shape(kernel, a, names, values):
    """The broadcast shape of x and the array parameters, or ValueError naming them."""
    arrays = [(n, v) for n, v in zip(names, values) if isinstance(v, numpy.ndarray)]
    if not arrays:
        return a.shape
    try:
        return numpy.broadcast_shapes(a.shape, *[v.shape for _, v in arrays])
    except ValueError:
        shown = ", ".join(f"{n} of shape {v.shape}" for n, v in arrays)
        raise ValueError(f"{kernel}: x of shape {a.shape} and parameter(s) {shown} do not "
                         "broadcast together") from None


def _out(kernel, out, shape, dtype, like=None):
    """The array to write: ``out`` checked (an ndarray, or a tuple holding one, whose
    shape ``shape`` broadcasts to, as for a ufunc; writeable; ``dtype`` casting to it
    under same_kind), or a new array of ``shape`` and ``dtype`` (laid out like ``like``
    when the shapes agree)."""
    if out is None:
        if like is not None and like.shape == shape:
            return numpy.empty_like(like, dtype=dtype)
        return numpy.empty(shape, dtype=dtype)
    if isinstance(out, tuple) and len(out) == 1:
        out = out[0]
    if not isinstance(out, numpy.ndarray):
        raise TypeError(f"{kernel}: out must be a numpy.ndarray, got {type(out).__name__}")
    try:
        fits = numpy.broadcast_shapes(shape, out.shape) == out.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{kernel}: out has shape {out.shape}, into which the result's shape "
                         f"{tuple(shape)} does not broadcast")
    if not numpy.can_cast(dtype, out.dtype, "same_kind"):
        raise TypeError(f"{kernel}: cannot store {dtype} results in out of dtype {out.dtype} "
                        "(casting rule 'same_kind')")
    if not out.flags.writeable:
        raise ValueError(f"{kernel}: out is read-only")
    return out


def _prepare(kernel, x, out, params, checks):
    """Every check before anything is computed or written: ``(x as an ndarray, result
    dtype, parameter values, the array to write, whether out was given)``."""
    a, dtype = _asfloat(x, kernel)
    names = tuple(n for n, _ in params)
    values = tuple(_param(kernel, n, v) for n, v in params)
    if checks:
        _check(kernel, names, values, checks)
    shape = _shape(kernel, a, names, values)
    return a, dtype, values, _out(kernel, out, shape, dtype, like=a), out is not None


def _elementwise(block, a, values, out, work, dtype, direct=False):
    """``out[...] = block(x, *params)`` over blocks of at most :data:`_BLOCK` elements.

    x and the array parameters reach ``block`` as 1-d arrays of dtype ``work``
    (scalar parameters as they are); its result, one value per element, is
    rounded to the result dtype ``dtype`` and then cast to out's, as
    ``out[...] = result`` would.  ``direct``: ``block(x, *params, out)`` writes into
    its ``out`` (ufuncs), on whole chunks (no temporaries to keep in cache).
    ``numpy.nditer`` converts, broadcasts and follows strides (buffering what needs
    it) and copies an input that overlaps ``out`` other than elementwise, so ``out``
    may be x itself; one contiguous x and out skip it (plain slices).
    """
    arrays = [v for v in values if isinstance(v, numpy.ndarray)]
    if not arrays and _flat(a, out, dtype):
        # the usual call, one contiguous array in and out: plain slices (nditer's setup
        # costs more than a small input's whole evaluation)
        xf, yf = a.reshape(-1), out.reshape(-1)
        step = max(xf.shape[0], 1) if direct else _BLOCK
        with numpy.errstate(all="ignore"):
            for lo in range(0, xf.shape[0], step):
                xs = xf[lo:lo + step].astype(work, copy=False)
                if direct:
                    block(xs, *values, yf[lo:lo + step])
                else:
                    yf[lo:lo + step] = block(xs, *values)
        return
    ops = [a] + arrays + [out]
    read = ["readonly", "overlap_assume_elementwise"]
    it = numpy.nditer(ops, flags=["external_loop", "buffered", "zerosize_ok", "copy_if_overlap"],
                      op_flags=[read] * (len(ops) - 1) + [["writeonly", "no_broadcast",
                                                           "overlap_assume_elementwise"]],
                      op_dtypes=[work] * (len(ops) - 1) + [dtype],
                      casting="same_kind", buffersize=_BLOCK_DIRECT if direct else _BLOCK)
    with numpy.errstate(all="ignore"), it:
        for chunk in it:
            xs, ys = chunk[0], chunk[-1]
            step = xs.shape[0] if direct else _BLOCK
            for lo in range(0, xs.shape[0], step):
                s = slice(lo, lo + step)
                k = 1
                pv = []
                for v in values:
                    if isinstance(v, numpy.ndarray):
                        pv.append(chunk[k][s])
                        k += 1
                    else:
                        pv.append(v)
                if direct:
                    block(xs[s], *pv, ys[s])
                else:
                    ys[s] = block(xs[s], *pv)


def _run(kernel, fn, x, out, params=(), checks=(), fn_float=None):
    """Apply the elementwise kernel ``fn`` (``_k_NAME``) to x: see the module docstring.
    ``fn_float``: the kernel for float16 and float32 results (the form with float's
    windows), where one exists."""
    a, dtype, values, dest, given = _prepare(kernel, x, out, params, checks)
    if fn_float is not None and dtype != _F64:
        fn = fn_float
    _elementwise(lambda xb, *pb: _finish(fn, xb, pb), a, values, dest, _F64, dtype)
    return dest if given or dest.ndim else dest[()]


def _flat(a, out, dtype):
    """Whether x and out are one contiguous block each, in the same order, out of the
    result dtype, and either the same memory or apart (then slices of them suffice)."""
    if not (a.flags.c_contiguous and out.flags.c_contiguous and a.shape == out.shape
            and a.dtype.isnative and out.dtype == dtype):
        return False
    return not numpy.may_share_memory(a, out) or (
        a.__array_interface__["data"][0] == out.__array_interface__["data"][0] and a.itemsize == out.itemsize)


def _run_direct(kernel, fn, x, out, wide, params=(), checks=()):
    """Apply a kernel that writes straight into its output (``fn(x, *params, out)``: a
    clamp by NumPy's maximum and minimum, or one ufunc such as tanh) and whose nan and
    +-inf results are already the contract's.  ``wide``: compute in float64 (and round
    once), else in the input's dtype, where a clamp is exact."""
    a, dtype, values, dest, given = _prepare(kernel, x, out, params, checks)
    _elementwise(fn, a, values, dest, _F64 if wide else dtype, dtype, direct=True)
    return dest if given or dest.ndim else dest[()]


def _take(p, idx):
    """A parameter's entries at ``idx`` (a scalar parameter as it is)."""
    return p[idx] if isinstance(p, numpy.ndarray) else p


def _finish(fn, x, params):
    """``fn(x, *params)`` on a float64 block with the contract at the non-finite
    entries: nan in gives nan out, and at +-inf, where the stable form gives nan,
    its value at the largest finite float64 of that sign (the limit)."""
    y = fn(x, *params)
    fin = numpy.isfinite(x)
    if not fin.all():
        idx = numpy.flatnonzero(~fin)
        xb = x[idx]
        yb = y[idx]
        limit = numpy.isinf(xb) & numpy.isnan(yb)
        if limit.any():
            li = idx[limit]
            y[li] = fn(numpy.copysign(_FMAX, x[li]), *[_take(p, li) for p in params])
        nan = numpy.isnan(xb)
        y[idx[nan]] = xb[nan]
    return y


def _full(v, n, x):
    """A branch's value as a float64 array of n entries that may be written to (a
    constant broadcast; never x itself)."""
    if isinstance(v, numpy.ndarray) and v.shape == (n,) and v.dtype == _F64 and not numpy.may_share_memory(v, x):
        return v
    return numpy.array(numpy.broadcast_to(numpy.asarray(v, dtype=numpy.float64), (n,)))


def _select(x, params, branches):
    """Evaluate a Piecewise on a block: ``branches`` are ``(condition or None, value,
    cheap)``, the first condition that holds choosing the value.

    A value that is not cheap runs only on the entries it applies to, gathered and
    scattered through index arrays (``numpy.flatnonzero``, ``take``): it cannot
    overflow or warn elsewhere and no work is spent on the others.  A cheap value (a
    few arithmetic operations, no call: ``x``, ``alpha*x``, a constant) is computed on
    the whole block and picked by a table lookup (``take``), which costs less than
    gathering.  Boolean-mask indexing and ``numpy.where`` branch per element: several
    times slower on a mask without long runs.
    """
    n = x.shape[0]
    if len(branches) == 1:
        return _full(branches[0][1](x, *params), n, x)
    # k[i]: the branch of entry i, from the last condition back: ~c * (1 + k)
    k = None
    for cond, _, _ in branches[-2::-1]:
        c = cond(x, *params)
        if not isinstance(c, numpy.ndarray) or c.shape != (n,):   # a condition on the parameters only
            c = numpy.broadcast_to(c, (n,))
        nc = numpy.logical_not(c).view(numpy.uint8)
        k = nc if k is None else numpy.multiply(nc, k + numpy.uint8(1), dtype=numpy.uint8)
    cheap = [i for i, b in enumerate(branches) if b[2]]
    if len(cheap) == 1:
        y = _full(branches[cheap[0]][1](x, *params), n, x)
    elif cheap:
        values = [numpy.asarray(branches[i][1](x, *params), dtype=_F64) if b[2] else 0.0
                  for i, b in enumerate(branches)]
        if all(v.ndim == 0 for v in values if isinstance(v, numpy.ndarray)):
            y = numpy.array([float(v) for v in values]).take(k)
        else:
            rows = numpy.empty((len(branches), n))
            for i, v in enumerate(values):
                rows[i] = v
            y = rows.reshape(-1).take(k * numpy.intp(n) + numpy.arange(n))
    else:
        y = numpy.empty(n)
    for i, (_, fn, ch) in enumerate(branches):
        if ch:
            continue
        j = (k == i).nonzero()[0]
        if j.size == n:
            y[:] = fn(x, *params)
        elif j.size:
            y[j] = fn(x.take(j), *[p.take(j) if isinstance(p, numpy.ndarray) else p for p in params])
    return y
