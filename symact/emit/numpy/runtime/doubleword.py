"""Double-word arithmetic in float64: exact sums and products, and pairs hi + lo.

A double-word number is an unevaluated sum hi + lo of two float64 with
|lo| <= ulp(hi)/2; it carries about 106 bits.  The error-free transformations
(Knuth's two-sum, Dekker's fast two-sum and product with Veltkamp's split;
NumPy has no fma) give the rounding error of one operation exactly, and the
pair operations (Dekker 1971; Joldes, Muller & Popescu 2017, "Tight and
rigorous error bounds for basic building blocks of double-word arithmetic")
keep about 2^-104 relative accuracy.  Every function takes arrays or scalars
and returns tuples (hi, lo).

The array-framework runtimes (symact/emit/tensor/runtime) hold these same functions
with their framework's _opaque in place of the one here: each rounded sum whose error
is recovered, and the split's product, pass through it.  Under jax.jit, XLA's
simplifier reassociates chains with two constants, (x + 1) - 1 -> x and
(x - c1) - c2 -> x - (c1 + c2), which would make every error-free transformation
with a constant operand return a zero error; its _opaque is an optimisation barrier.
"""

import numpy

def _opaque(x):
    """x itself (NumPy keeps every operation as written; see the module docstring)."""
    return x


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


def _horner(c, u):
    """c[0] + u*(c[1] + u*(c[2] + ...)) in float64, for an array u."""
    p = numpy.full_like(u, c[-1])
    for a in c[-2::-1]:
        p = p * u + a
    return p
