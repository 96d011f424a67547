"""Double-word arithmetic in float64 for the array frameworks: the NumPy runtime's
doubleword.py (read it for the method: Knuth's two-sum, Dekker's fast two-sum and
product with Veltkamp's split, the pair operations of Joldes, Muller & Popescu 2017)
with each rounded sum, and the split's product, passed through _opaque.

Why not that file as it is: XLA's algebraic simplifier reassociates chains with two
constants, (x + 1) - 1 -> x and (x - c1) - c2 -> x - (c1 + c2) (measured under
jax.jit), which turns the error of two_sum(1, x) into 0 and undoes every
error-free transformation with a constant operand.  _opaque is
jax.lax.optimization_barrier in JAX (XLA cannot see through it) and the identity
in torch (eager and torch.compile keep the operations as written).
"""

from symact.emit.tensor.runtime.ops import _full_like, _opaque

# Veltkamp's splitter for float64, 2^27 + 1: a = hi + lo with 26-bit halves, whose
# products are exact.
_SPLITTER = 2.0 ** 27 + 1


def _two_sum(a, b):
    """(s, e) with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = _opaque(a + b)
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fast_two_sum(a, b):
    """(s, e) with s + e = a + b exactly, for |a| >= |b| (Dekker)."""
    s = _opaque(a + b)
    return s, b - (s - a)


def _split(a):
    """a = hi + lo with hi, lo of 26 significant bits (|a| < 2^996)."""
    t = _opaque(a * _SPLITTER)
    hi = t - (t - a)
    return hi, a - hi


def _mul_err(a, b, p):
    """a*b - p exactly, for p = fl(a*b) (Dekker's product; |a|, |b| < 2^996)."""
    ah, al = _split(a)
    bh, bl = _split(b)
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _two_prod(a, b):
    """(p, e) with p = fl(a*b) and p + e = a*b exactly."""
    p = a * b
    return p, _mul_err(a, b, p)


def _dd_add(ah, al, bh, bl):
    """(ah + al) + (bh + bl) as a double-word."""
    s, e = _two_sum(ah, bh)
    return _fast_two_sum(s, e + (al + bl))


def _dd_mul(ah, al, bh, bl):
    """(ah + al)*(bh + bl) as a double-word."""
    p, e = _two_prod(ah, bh)
    return _fast_two_sum(p, e + (ah * bl + al * bh))


def _dd_div(ah, al, bh, bl):
    """(ah + al)/(bh + bl) as a double-word, from the exact remainder of the first quotient."""
    q = ah / bh
    p, e = _two_prod(q, bh)
    return _fast_two_sum(q, (((ah - p) - e) + al - q * bl) / bh)


def _shift(u, hi, lo):
    """u - c for c = hi + lo: (u - hi) - lo, the first difference exact near u = c
    (Sterbenz); the shift primitive of symact/stabilise/primitives.py."""
    return _opaque(u - hi) - lo


def _horner(c, u):
    """c[0] + u*(c[1] + u*(c[2] + ...)) in float64."""
    p = _full_like(u, c[-1])
    for a in c[-2::-1]:
        p = p * u + a
    return p
