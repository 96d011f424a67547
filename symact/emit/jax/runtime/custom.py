"""The JAX layer: dtypes, parameters and custom derivatives around the kernels.

Every kernel computes in float64 and rounds once to the input's dtype (float32
stays float32, float64 float64; without ``jax_enable_x64`` float64 arrays do not
exist, so each call enables 64-bit types for its own trace, ``jax.enable_x64``,
and returns the input's dtype; on the CPU, where XLA flushes subnormal operands and
results to zero, float32 subnormals are carried in and out by their bits, see
_widen and _narrow).  Scalar activations are ``jax.custom_jvp``
functions: the JVP is the derived derivative kernels (d/dx, d/dparam) times the
tangents, formed in float64 and rounded once; reverse mode transposes that
product, so ``jax.grad`` gets the same derivative kernels.  Vector activations
are ``jax.custom_vjp`` functions whose backward is the derived vector-Jacobian
product (softmax, log_softmax) or gradient (logsumexp): symact derives VJPs for
them, and JAX can only transpose a JVP written in linear operations, which
would not be the accurate kernel (so ``jax.jvp`` of a vector activation is not
available).  Nothing branches on a value: everything works under jit and vmap.
Parameters are numbers (checked: finite, and the constraints) or arrays
(differentiable, unchecked).
"""

import contextlib
import math
import threading

import jax
import jax.numpy as jnp

from symact.emit.tensor.runtime.accurate import _acc_expm1, _acc_log1p, _acc_tanh
from symact.emit.tensor.runtime.api import _is_number, _number, _run_as
from symact.emit.tensor.runtime.vector import _VEC_FLOAT
from symact.emit.jax.runtime.native import _c_rows, _c_scalar

#: Whether the kernel being traced (or run) is a float32 input's, set by _eval64 for the
#: length of the call; per thread, since JAX may trace in several.
_PRECISION = threading.local()


@contextlib.contextmanager
def _float_precision(on):
    """The elementary functions below at float's precision while ``on``: a float32
    input's kernel computes in float64 and rounds once, so XLA's own functions (off by a
    few float64 ULP, about 2^-50) are far more accurate than its result needs, and than
    the 2^-40 that float's double-word windows assume; the double-double versions cost
    ten to fifty times as much on the CPU (their exp's table lookups)."""
    before = getattr(_PRECISION, "float", False)
    _PRECISION.float = on
    try:
        yield
    finally:
        _PRECISION.float = before


# XLA's own are off by up to 3, 2 and 6 ULP (see accurate.py), too much for float64
# results: every kernel of this module calls these names at run time, so defining them
# here replaces them everywhere; read at trace time, so a jitted function holds the one
# its input's dtype chose.
def _expm1(x):
    return jnp.expm1(x) if getattr(_PRECISION, "float", False) else _acc_expm1(x)


def _log1p(x):
    return jnp.log1p(x) if getattr(_PRECISION, "float", False) else _acc_log1p(x)


def _tanh(x):
    return jnp.tanh(x) if getattr(_PRECISION, "float", False) else _acc_tanh(x)

_F64 = jnp.float64
_F32 = jnp.float32


def _x64():
    """64-bit types enabled for the trace of one call."""
    return jax.enable_x64(True)


def _floating(x):
    """``x`` as a floating array: integers and bools become float64 (float32 without 64-bit
    types enabled by the caller, as JAX does)."""
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(jnp.result_type(float))


def _param(kernel, name, value):
    """A parameter: an array as it is, a number as a finite Python float, else ValueError."""
    if isinstance(value, jax.Array):
        return value
    if hasattr(value, "__array__") and jnp.ndim(value) > 0:
        return jnp.asarray(value)
    return _number(kernel, name, value)


def _widen(x):
    """x in float64.  XLA on CPU treats subnormal operands as 0 (DAZ), a float32 subnormal
    too when it is converted: its value is rebuilt from its bits, m*2^-149 (normal in
    float64)."""
    if x.dtype != _F32:
        return x.astype(_F64)
    bits = jax.lax.bitcast_convert_type(x, jnp.int32)
    mant = bits & 0x7FFFFF
    value = mant.astype(_F64) * 2.0 ** -149
    sub = ((bits >> 23) & 0xFF == 0) & (mant != 0)
    return jnp.where(sub, jnp.where(bits < 0, -value, value), x.astype(_F64))


def _narrow(y, dtype):
    """y rounded to ``dtype``.  XLA on CPU flushes subnormal results to 0 (FTZ), also in the
    conversion to float32: a float32 subnormal result is built from its bits, the
    integer round(|y|*2^149)."""
    if dtype != _F32:
        return y.astype(dtype)
    a = jnp.abs(y)
    n = jnp.rint(jnp.minimum(a, 2.0 ** -126) * 2.0 ** 149).astype(jnp.int32)
    bits = jnp.where(jnp.signbit(y), n | jnp.int32(-2 ** 31), n)
    sub = jax.lax.bitcast_convert_type(bits, _F32)
    return jnp.where((a > 0) & (a < 2.0 ** -126), sub, y.astype(_F32))


def _compute(params):
    return tuple(_widen(jnp.asarray(p)) for p in params)


def _eval64(kernel, x, params):
    """kernel(x, *params) in float64, unrounded (64-bit types enabled by the caller);
    float32 ``x`` takes the kernel's float form (float's windows, no pairs for rounded
    arguments) and XLA's own expm1, log1p and tanh (_float_precision)."""
    wide = x.dtype == _F64
    with _float_precision(not wide):
        return _run_as(kernel, _widen(x), _compute(params), wide)


def _apply(kernel, x, params):
    """kernel(x, *params), rounded once to x's dtype (by the C library where one is bound
    and applies: native.py)."""
    with _x64():
        x = _floating(x)
        c = _c_scalar(kernel, x, params)
        return _narrow(_eval64(kernel, x, params), x.dtype) if c is None else c


def _function(name, kernel, derivatives):
    """The custom_jvp function of a scalar activation f(x, *params): tangent
    derivatives[0]*tx + sum_i derivatives[i]*tp_i."""

    @jax.custom_jvp
    def f(x, *params):
        return _apply(kernel, x, params)

    def jvp(primals, tangents):
        with _x64():
            x, *params = primals
            y = f(x, *params)
            t = jnp.zeros(jnp.shape(y), _F64)
            for derivative, dt in zip(derivatives, tangents):
                if not isinstance(dt, jax.custom_derivatives.SymbolicZero):
                    c = _c_scalar(derivative, x, params)
                    d = _eval64(derivative, x, params) if c is None else _widen(c)
                    t = t + d * jnp.asarray(dt).astype(_F64)
            # linear in the tangents (reverse mode transposes it): plain conversions, so a
            # float32 tangent below 2^-126 is flushed on the CPU
            return y, t.astype(y.dtype)

    f.defjvp(jvp, symbolic_zeros=True)
    f.__name__ = name
    return f


def _call(fn, x, params):
    """An activation's custom_jvp function on x: numbers become float64 arrays (exactly)."""
    with _x64():
        x = _floating(x)
        return fn(x, *(jnp.asarray(p, dtype=_F64) if _is_number(p) else p for p in params))


def _rows_of(x, axis):
    x = _floating(x)
    if x.ndim == 0:
        raise ValueError("vector activations need at least one axis (got a 0-d input)")
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"axis must be an integer, got {axis!r}")
    return x, jnp.moveaxis(_widen(x), axis, -1)


def _vector_eval64(kernel, x, axis, g=None, reduces=False):
    """A row kernel of the shared vector runtime along ``axis`` in float64, unrounded."""
    x, moved = _rows_of(x, axis)
    shape = moved.shape
    if shape[-1] == 0:
        return jnp.full(shape[:-1], -math.inf, dtype=_F64) if reduces else moved
    rows = moved.reshape(-1, shape[-1])
    # float rows take the float-precision row kernel where there is one (vector.py): every
    # caller rounds the result to x's dtype
    kernel = kernel if x.dtype == _F64 else _VEC_FLOAT.get(kernel, kernel)
    if g is None:
        out = kernel(rows)
    else:
        g = _floating(g)
        if g.shape != x.shape:
            raise ValueError(f"x and g must have the same shape, got {x.shape} and {g.shape}")
        out = kernel(rows, jnp.moveaxis(_widen(g), axis, -1).reshape(-1, shape[-1]))
    if reduces:
        return out.reshape(shape[:-1])
    return jnp.moveaxis(out.reshape(shape), -1, axis)


def _vector_apply(kernel, x, axis, g=None, reduces=False):
    """A row kernel along ``axis``, rounded once to x's dtype (by the C library where one
    is bound and applies: native.py)."""
    with _x64():
        x = _floating(x)
        c = _c_rows(kernel, x, axis, g, reduces)
        return _narrow(_vector_eval64(kernel, x, axis, g, reduces), x.dtype) if c is None else c


def _vector_function(name, kernel, derivative, reduces):
    """The custom_vjp function of a vector activation along ``axis`` (static)."""

    def primal(x, axis):
        return _vector_apply(kernel, x, axis, reduces=reduces)

    f = jax.custom_vjp(primal, nondiff_argnums=(1,))

    def fwd(x, axis):
        return primal(x, axis), x

    def bwd(axis, x, g):
        with _x64():
            c = _c_rows(derivative, x, axis, None if reduces else g, False)
            if c is not None:
                return ((jnp.expand_dims(g, axis).astype(x.dtype) * c) if reduces else c,)
            if reduces:
                dx = jnp.expand_dims(_widen(g), axis) * _vector_eval64(derivative, x, axis)
            else:
                dx = _vector_eval64(derivative, x, axis, g)
            return (_narrow(dx, x.dtype),)

    f.defvjp(fwd, bwd)
    f.__name__ = name
    return f


def _call_vector(fn, x, axis):
    """A vector activation's custom_vjp function on x along axis."""
    with _x64():
        return fn(_floating(x), axis)
