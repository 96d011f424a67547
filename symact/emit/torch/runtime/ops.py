"""The array operations the shared runtime (symact/emit/tensor/runtime) is written in, in torch.

One function per operation, the same names and meaning as the JAX file
(symact/emit/jax/runtime/ops.py): the shared runtime and the printed kernels call
only these, so every primitive is written once for both frameworks.  Arguments
are float64 tensors (the kernels compute in float64, see api.py) or Python
numbers; nothing branches on a tensor's value (torch.compile traces it into one
graph).  torch's float64 exp, expm1, log1p and tanh are within 1 ULP on CPU
(SLEEF's 1.0-ULP variants or libm), so they are used as they are; its eager sqrt is
not correctly rounded (see :func:`_sqrt`).
"""

import math

import torch

_F64 = torch.float64

_exp = torch.exp
_expm1 = torch.expm1
_log = torch.log
_log1p = torch.log1p
_tanh = torch.tanh
_abs = torch.abs
_sign = torch.sign
_isnan = torch.isnan
_isinf = torch.isinf
_isfinite = torch.isfinite
_floor = torch.floor
# torch.round rounds half to even, as numpy.rint
_rint = torch.round
_zeros_like = torch.zeros_like
_ones_like = torch.ones_like


# Veltkamp's splitter for float64 (as tensor/runtime/doubleword.py, which builds on
# this file and so cannot serve it)
_SQRT_SPLITTER = 2.0 ** 27 + 1


def _sqrt(x):
    """sqrt(x) correctly rounded.  torch's eager float64 sqrt on the CPU is not: 0.68% of
    uniform inputs in [0, 1e6] come out 1 ULP off (torch 2.13, AVX-512; torch.compile's
    is exact), which costs squareplus' 4.02 ULP.  From s = torch.sqrt(x), one Newton
    step s + (x - s^2)/(2s) with s^2 - fl(s^2) exact (Dekker's product) rounds to the
    correct result wherever sqrt(x) is not within about 2^-50 ULP of a midpoint between
    two doubles (none in 2.1 million random inputs; sqrt of the largest double is one,
    off by 1 ULP); x is first scaled by 2^(+-200) (exactly, and s back by 2^(-+100)) so
    that s^2 and its error are normal; 0, inf and nan keep torch's s."""
    small, big = x < 2.0 ** -800, x > 2.0 ** 800
    xs = x * _where(small, 2.0 ** 200, _where(big, 2.0 ** -200, 1.0))
    s = torch.sqrt(xs)
    t = s * _SQRT_SPLITTER
    hi = t - (t - s)
    lo = s - hi
    p = s * s
    e = ((hi * hi - p) + 2 * hi * lo) + lo * lo
    ok = (x > 0) & (x < math.inf)
    r = s + ((xs - p) - e) / (2 * torch.where(ok, s, 1.0))
    return torch.where(ok, r * _where(small, 2.0 ** -100, _where(big, 2.0 ** 100, 1.0)), torch.sqrt(x))


def _tensor(v, like):
    """``v`` as a float64 tensor on ``like``'s device (a tensor ``v`` as it is)."""
    if isinstance(v, torch.Tensor):
        return v
    return torch.tensor(v, dtype=_F64, device=like.device)


def _where(c, a, b):
    """a where c, else b; with two Python numbers the result is float64 (not torch's
    default dtype)."""
    if not isinstance(a, torch.Tensor) and not isinstance(b, torch.Tensor):
        a = _tensor(a, c)
    return torch.where(c, a, b)


def _opaque(x):
    """x itself: torch (eager and torch.compile) keeps floating-point operations as written;
    the JAX file puts an optimization barrier here (see tensor/runtime/doubleword.py)."""
    return x


def _full_like(x, v):
    """``v`` (a number or a tensor broadcastable with ``x``) in ``x``'s shape, float64."""
    if isinstance(v, torch.Tensor):
        return torch.broadcast_tensors(v, x)[0].to(_F64)
    return torch.full_like(x, v, dtype=_F64)


def _full(shape, v, like):
    return torch.full(shape, v, dtype=_F64, device=like.device)


def _maximum(a, b):
    return torch.maximum(_tensor(a, b), _tensor(b, a))


def _minimum(a, b):
    return torch.minimum(_tensor(a, b), _tensor(b, a))


def _clip(x, lo, hi):
    return torch.clamp(x, lo, hi)


def _signed_zero(a):
    """0 with the sign of ``a``."""
    return torch.copysign(torch.zeros_like(a), a)


def _pow(a, b):
    return torch.pow(a, b)


def _erf(x):
    return torch.special.erf(x)


def _erfc(x):
    return torch.special.erfc(x)


def _frexp(x):
    """(m, e) with x = m*2^e, 0.5 <= |m| < 1, e as float64."""
    m, e = torch.frexp(x)
    return m, e.to(_F64)


def _pow2(e):
    """2^e for integral float64 e in [-1022, 1023], exactly (from the exponent bits)."""
    return ((e.to(torch.int64) + 1023) << 52).view(_F64)


def _ldexp(x, k):
    """x*2^k for integral float64 k, rounded once: k is split so that the first factor
    is exact and only the second can round (into the subnormals)."""
    k = _tensor(k, x)
    a = torch.clamp(k, -1000.0, 1000.0)
    b = torch.clamp(k - a, -1000.0, 1000.0)
    return (x * _pow2(a)) * _pow2(b)


def _nextafter(x, toward):
    return torch.nextafter(x, _tensor(toward, x).expand_as(x))


def _sum(t, axis, keepdims=False):
    return torch.sum(t, dim=axis, keepdim=keepdims)


def _amax(t, axis):
    return torch.amax(t, dim=axis)


def _any(t, axis):
    return torch.any(t, dim=axis)


def _argmax(t, axis):
    """The index of the first maximum along ``axis``."""
    return torch.argmax(t, dim=axis)


def _arange(n, like):
    return torch.arange(n, device=like.device)


def _cat(parts, axis):
    return torch.cat(parts, dim=axis)


def _constant(values, like):
    """A tuple of floats as a 1-d float64 tensor on ``like``'s device."""
    return torch.tensor(values, dtype=_F64, device=like.device)


def _reshape(x, shape):
    return torch.reshape(x, shape)


def _lookup(values, index):
    """``values[index]`` for a tuple of floats and an integral float64 tensor."""
    return torch.tensor(values, dtype=_F64, device=index.device)[index.to(torch.int64)]


def _shape_of(*params):
    """The broadcast shape of the tensor parameters (() when all are numbers)."""
    return torch.broadcast_shapes(*[p.shape for p in params if isinstance(p, torch.Tensor)])


_INF = math.inf
_MAX = torch.finfo(_F64).max
#: Whether a traced kernel evaluates the points +-MAX apart from x (api.py's _run): not
#: under torch.compile, where inductor fuses x with them appended and would spend minutes
#: and gigabytes constant-folding a second copy of the kernel on them.
_ENDS_APART = False


# --- eager evaluation: values may decide what is computed --------------------------
#
# Each eager torch operation is a pass over memory, and torch.where costs several
# times an arithmetic pass (it branches per entry: 3.9 ms on 1e6 float64 entries with a
# random mask against 0.6 for a product, one thread), so in eager mode a Piecewise
# evaluates each costly branch only on the entries it applies to, and the checks for
# nan and infinities run only when an entry is not finite (api.py).  Under
# torch.compile (a traced graph, where the selects fuse into one loop) and where
# autograd records the kernel's own operations (a derivative kernel called with
# requires_grad, double backward), everything stays branch-free.

def _eager(x):
    """Whether the kernels may look at the values of ``x`` to skip work."""
    return not torch.compiler.is_compiling() and not (torch.is_grad_enabled() and x.requires_grad)


def _all_finite(x):
    """True only if every entry of ``x`` is finite: the sum is finite (a nan or an infinity
    makes it nan or infinite; a sum that overflows only sends the caller the long way)."""
    return math.isfinite(float(torch.sum(x)))


def _none(c):
    """Whether no entry of the boolean tensor ``c`` is true."""
    return not bool(torch.any(c))


def _positions(c):
    """The flat indices of the true entries of the boolean tensor ``c``."""
    return torch.nonzero(c.reshape(-1)).squeeze(1)


def _take(x, index):
    """The entries of ``x`` at flat ``index``."""
    return x.reshape(-1).index_select(0, index)


def _fresh(x, v):
    """A new contiguous float64 tensor in ``x``'s shape holding ``v`` (broadcast)."""
    return torch.empty(x.shape, dtype=_F64, device=x.device).copy_(v)


def _put(y, index, v):
    """y with the entries at flat ``index`` set to ``v`` (broadcast): in place where y is
    contiguous (the caller's own tensor), else on a contiguous copy."""
    y = y.contiguous()
    y.view(-1).index_copy_(0, index, _tensor(v, y).expand(index.shape).to(_F64))
    return y


def _rows_redone(bad, out, kernel, *rows):
    """``out`` (one result row, or one value, per row of ``rows``) with the rows where the
    boolean ``bad`` holds replaced by ``kernel(*rows)`` of those rows: in eager mode
    ``kernel`` runs on them alone, gathered, and not at all where no row is bad; traced
    (torch.compile) on every row, selected."""
    if _eager(out):
        if _none(bad):
            return out
        index = _positions(bad)
        return out.index_copy(0, index, kernel(*[r.index_select(0, index) for r in rows]))
    return torch.where(bad.reshape(bad.shape + (1,) * (out.dim() - 1)), kernel(*rows), out)
