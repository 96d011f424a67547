/* Double-word arithmetic in double: exact sums and products, and pairs hi + lo.
 *
 * A double-word number is an unevaluated sum hi + lo of two doubles with
 * |lo| <= ulp(hi)/2 (about 106 bits).  The error-free transformations give the
 * rounding error of one operation exactly: Knuth's two-sum, Dekker's fast
 * two-sum, and the product's error: from fma() where the target has a fast one
 * (C99's FP_FAST_FMA, which gcc defines; clang says it with __FMA__ or
 * __ARM_FEATURE_FMA; exact whatever the compiler's contraction setting), else by
 * Veltkamp's split and Dekker's product, so that a build without FMA (plain -O2)
 * neither calls a slow software fma nor loses the exactness.  The pair operations keep about 2^-104 relative
 * accuracy (Dekker 1971; Joldes, Muller & Popescu 2017, "Tight and rigorous
 * error bounds for basic building blocks of double-word arithmetic").  The
 * NumPy runtime's doubleword.py is the same library. */
#ifndef SYMACT_RUNTIME_DOUBLEWORD_H
#define SYMACT_RUNTIME_DOUBLEWORD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common.h"

typedef struct { double hi, lo; } symact__dd;

SYMACT__INLINE symact__dd symact__dd_make(double hi, double lo)
{
    symact__dd r;
    r.hi = hi;
    r.lo = lo;
    return r;
}

/* c ? a : b for double-words, a select per component */
SYMACT__INLINE symact__dd symact__dd_sel(int c, symact__dd a, symact__dd b)
{
    return symact__dd_make(symact__sel(c, a.hi, b.hi), symact__sel(c, a.lo, b.lo));
}

/* hi = fl(a + b), hi + lo = a + b exactly (Knuth) */
SYMACT__INLINE symact__dd symact__two_sum(double a, double b)
{
    symact__dd r;
    double bb;
    r.hi = a + b;
    bb = r.hi - a;
    r.lo = (a - (r.hi - bb)) + (b - bb);
    return r;
}

/* hi + lo = a + b exactly, for |a| >= |b| (Dekker) */
SYMACT__INLINE symact__dd symact__fast_two_sum(double a, double b)
{
    symact__dd r;
    r.hi = a + b;
    r.lo = b - (r.hi - a);
    return r;
}

/* a*b - p exactly, for p = fl(a*b) (without FMA: |a|, |b| < 2^996, so the split cannot
 * overflow) */
SYMACT__INLINE double symact__mul_err(double a, double b, double p)
{
#if defined(FP_FAST_FMA) || defined(__FMA__) || defined(__ARM_FEATURE_FMA)
    return fma(a, b, -p);
#else
    const double split = 0x1p27 + 1; /* Veltkamp: halves of 26 bits */
    double ta = a * split, tb = b * split;
    double ah = ta - (ta - a), al = a - ah;
    double bh = tb - (tb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/* hi = fl(a*b), hi + lo = a*b exactly */
SYMACT__INLINE symact__dd symact__two_prod(double a, double b)
{
    symact__dd r;
    r.hi = a * b;
    r.lo = symact__mul_err(a, b, r.hi);
    return r;
}

SYMACT__INLINE symact__dd symact__dd_add(symact__dd a, symact__dd b)
{
    symact__dd s = symact__two_sum(a.hi, b.hi);
    return symact__fast_two_sum(s.hi, s.lo + (a.lo + b.lo));
}

SYMACT__INLINE symact__dd symact__dd_mul(symact__dd a, symact__dd b)
{
    symact__dd p = symact__two_prod(a.hi, b.hi);
    return symact__fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

/* a/b from the exact remainder of the first quotient */
SYMACT__INLINE symact__dd symact__dd_div(symact__dd a, symact__dd b)
{
    double q = a.hi / b.hi;
    symact__dd p = symact__two_prod(q, b.hi);
    return symact__fast_two_sum(q, (((a.hi - p.hi) - p.lo) + a.lo - q * b.lo) / b.hi);
}

/* x rounded to an integer, for |x| < 2^51: adding and removing 1.5*2^52 rounds to
 * nearest in the current mode, without a call to rint (which plain x86-64 -O2 does not
 * inline) */
SYMACT__INLINE double symact__round_f64(double x)
{
    return (x + 0x1.8p52) - 0x1.8p52;
}

/* 2^k for -1022 <= k <= 1023, from its bits */
SYMACT__INLINE double symact__pow2_f64(int k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* v*2^k for -2044 <= k <= 2046, rounded once: the first factor keeps v*2^(k/2) normal
 * (|v| near 1), so only the second product rounds, also into the subnormals */
SYMACT__INLINE double symact__ldexp_f64(double v, int k)
{
    int k1 = k / 2;
    return v * symact__pow2_f64(k1) * symact__pow2_f64(k - k1);
}

/* c[0] + u*(c[1] + ... + u*c[n-1]) in double */
SYMACT__INLINE double symact__horner(const double *c, int n, double u)
{
    double p = c[n - 1];
    int i;
    SYMACT__UNROLL
    for (i = n - 2; i >= 0; --i)
        p = p * u + c[i];
    return p;
}

#endif /* SYMACT_RUNTIME_DOUBLEWORD_H */
