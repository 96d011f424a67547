"""The array operations the shared runtime (symact/emit/tensor/runtime) is written in, in JAX.

One function per operation, the same names and meaning as the torch file
(symact/emit/torch/runtime/ops.py).  Arguments are float64 arrays (the kernels
compute in float64 with 64-bit types enabled around every call, see custom.py)
or Python numbers; nothing branches on a value (jax.jit traces it).  XLA's
float64 expm1, log1p and tanh are off by up to 3, 2 and 6 ULP on CPU, so the
JAX layer (custom.py) binds _expm1, _log1p and _tanh to the shared runtime's
accurate versions (accurate.py) instead of these.
"""

import math

import jax
import jax.numpy as jnp

_F64 = jnp.float64

_exp = jnp.exp
_expm1 = jnp.expm1
_log = jnp.log
_log1p = jnp.log1p
_sqrt = jnp.sqrt
_tanh = jnp.tanh
_abs = jnp.abs
_sign = jnp.sign
_isnan = jnp.isnan
_isinf = jnp.isinf
_isfinite = jnp.isfinite
_floor = jnp.floor
_rint = jnp.rint
_zeros_like = jnp.zeros_like
_ones_like = jnp.ones_like
_where = jnp.where
_maximum = jnp.maximum
_minimum = jnp.minimum
_clip = jnp.clip
_pow = jnp.power
_erf = jax.lax.erf
_erfc = jax.lax.erfc


def _opaque(x):
    """x, opaque to XLA's simplifier (an optimization barrier): it reassociates chains with
    two constants, (x + 1) - 1 -> x, which would undo the error-free transformations of
    tensor/runtime/doubleword.py under jax.jit."""
    if isinstance(x, (int, float)):
        return x
    return jax.lax.optimization_barrier(x)


def _full_like(x, v):
    """``v`` (a number or an array broadcastable with ``x``) in ``x``'s shape, float64."""
    if isinstance(v, (int, float)):
        return jnp.full(jnp.shape(x), v, dtype=_F64)
    return jnp.broadcast_to(v, jnp.broadcast_shapes(jnp.shape(v), jnp.shape(x))).astype(_F64)


def _full(shape, v, like):
    return jnp.full(shape, v, dtype=_F64)


def _signed_zero(a):
    """0 with the sign of ``a``."""
    return jnp.copysign(0.0, a)


def _frexp(x):
    """(m, e) with x = m*2^e, 0.5 <= |m| < 1, e as float64."""
    m, e = jnp.frexp(x)
    return m, e.astype(_F64)


def _pow2(e):
    """2^e for integral float64 e in [-1022, 1023], exactly (from the exponent bits)."""
    return jax.lax.bitcast_convert_type((e.astype(jnp.int64) + 1023) << 52, _F64)


def _ldexp(x, k):
    """x*2^k for integral float64 k: k is split so that the first factor is exact and only
    the second can round."""
    k = jnp.asarray(k, dtype=_F64)
    a = jnp.clip(k, -1000.0, 1000.0)
    b = jnp.clip(k - a, -1000.0, 1000.0)
    return (x * _pow2(a)) * _pow2(b)


def _nextafter(x, toward):
    return jnp.nextafter(x, jnp.full(jnp.shape(x), toward, dtype=_F64))


def _sum(t, axis, keepdims=False):
    return jnp.sum(t, axis=axis, keepdims=keepdims)


def _amax(t, axis):
    return jnp.max(t, axis=axis)


def _any(t, axis):
    return jnp.any(t, axis=axis)


def _argmax(t, axis):
    """The index of the first maximum along ``axis`` (the smallest index holding the max:
    jnp.argmax, traced inside jit with 64-bit types off outside, builds a float32 initial
    value for float64 operands and fails)."""
    n = t.shape[axis]
    index = jnp.arange(n).reshape([n if a == axis % t.ndim else 1 for a in range(t.ndim)])
    return jnp.min(jnp.where(t == jnp.max(t, axis=axis, keepdims=True), index, n), axis=axis)


def _arange(n, like):
    return jnp.arange(n)


def _cat(parts, axis):
    return jnp.concatenate(parts, axis=axis)


def _constant(values, like):
    """A tuple of floats as a 1-d float64 array."""
    return jnp.asarray(values, dtype=_F64)


def _reshape(x, shape):
    return jnp.reshape(x, shape)


def _lookup(values, index):
    """``values[index]`` for a tuple of floats and an integral float64 array."""
    return jnp.asarray(values, dtype=_F64)[index.astype(jnp.int32)]


def _shape_of(*params):
    """The broadcast shape of the array parameters (() when all are numbers)."""
    return jnp.broadcast_shapes(*[jnp.shape(p) for p in params if not isinstance(p, (int, float))])


_INF = math.inf
_MAX = float(jnp.finfo(_F64).max)
#: Whether a traced kernel evaluates the points +-MAX apart from x (api.py's _run): in
#: XLA, yes: it does not fuse the concatenation of x and them with the kernel's
#: operations (the forward of sigmoid, float32, 1e6 entries, took 31.9 ms so, 3.5 apart).
_ENDS_APART = True


def _eager(x):
    """Whether the kernels may look at values to skip work: never in JAX, which traces
    every call (jax.jit, custom_jvp), so the kernels stay branch-free and the helpers
    below (the torch file's, for its eager mode) are not called."""
    return False


def _all_finite(x):
    return math.isfinite(float(jnp.sum(x)))


def _none(c):
    return not bool(jnp.any(c))


def _positions(c):
    return jnp.flatnonzero(c)


def _take(x, index):
    return jnp.reshape(x, (-1,))[index]


def _fresh(x, v):
    return jnp.broadcast_to(jnp.asarray(v, dtype=_F64), jnp.shape(x))


def _put(y, index, v):
    return jnp.reshape(jnp.reshape(y, (-1,)).at[index].set(v), jnp.shape(y))


def _rows_redone(bad, out, kernel, *rows):
    """``out`` with the rows where ``bad`` replaced by ``kernel(*rows)`` (the torch file's):
    under jit a ``lax.cond`` runs ``kernel`` only when some row is bad (on every row then,
    selected; under vmap both sides run)."""
    def redo():
        return jnp.where(jnp.reshape(bad, bad.shape + (1,) * (out.ndim - 1)), kernel(*rows), out)
    return jax.lax.cond(jnp.any(bad), redo, lambda: out)
