/* Primitives whose accuracy needs double-word arithmetic (doubleword.h), written in
 * double; the float versions evaluate the double one and round once (float
 * arithmetic would need a float double-word library for no gain in accuracy).
 * Needs the double primitives (primitives.h for double) before it.  Pitfall numbers
 * in brackets refer to docs/numerics.md. */
#ifndef SYMACT_RUNTIME_PRIMITIVES_DW_H
#define SYMACT_RUNTIME_PRIMITIVES_DW_H

#include <math.h>

#include "common.h"
#include "doubleword.h"

/* Below this, products are small enough that their double-word corrections would be
 * subnormal: the plain quotient is already within an ulp there. */
#define SYMACT__DW_TINY 0x1p-960
/* Below this u, exp(u) is subnormal (ln of the smallest normal double is -708.396). */
#define SYMACT__DW_TAIL (-708.0)

/* (a*n)/b with n = nh + nl and b = bh + bl double-words: q + residual/bh, the product a*n
 * and the remainder of the quotient exact (fma), so one rounding remains, the quotient's;
 * where q*bh overflows or a*nh is tiny the plain quotient is returned. */
SYMACT__INLINE double symact__mul_dd_div(double a, symact__dd n, symact__dd b)
{
    double ph = a * n.hi, q = ph / b.hi;
    if (isfinite(q * b.hi) && fabs(ph) > SYMACT__DW_TINY)
        q = q + ((fma(-q, b.hi, ph) + (fma(a, n.hi, -ph) + a * n.lo)) - q * b.lo) / b.hi;
    return q;
}

/* a*n/(n + 2), n = e(2 + e), 0 <= e <= 1: n and n + 2 (in (2, 5], the bottom of its
 * binade) as double-words, the quotient rounded once; plain a*(n/(n + 2)) rounds five
 * times (mish: 3.7 ULP). */
SYMACT__INLINE double symact__mul_n_over_n2_f64(double a, double e)
{
    symact__dd t = symact__fast_two_sum(2.0, e); /* 2 >= e */
    symact__dd n = symact__dd_mul(symact__dd_make(e, 0.0), t);
    return symact__mul_dd_div(a, n, symact__dd_add(symact__dd_make(2.0, 0.0), n));
}

/* a*tanh(log(1 + exp(u))); for u < 0 with e = exp(u), n = e(2 + e):
 * tanh(log(1 + e)) = n/(n + 2), no cancellation; the tail scaled [8] */
SYMACT__INLINE double symact__mul_tanh_softplus_f64(double a, double u)
{
    if (u >= 0)
        return a * tanh(symact__softplus_f64(u));
    if (u < SYMACT__DW_TAIL)
        return symact__scaled_tail_f64(a, u);
    return symact__mul_n_over_n2_f64(a, exp(u));
}

SYMACT__INLINE float symact__mul_tanh_softplus_f32(float a, float u)
{
    return (float)symact__mul_tanh_softplus_f64(a, u);
}

#endif /* SYMACT_RUNTIME_PRIMITIVES_DW_H */
