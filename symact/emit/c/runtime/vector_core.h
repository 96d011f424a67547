/* Vector activations, row-major over the last axis: the double-precision core.
 * logsumexp, softmax, log_softmax, logsumexp_grad, softmax_vjp,
 * log_softmax_vjp, float64 and float32.
 *
 * Per row x[0..n-1]: m = max(x), d_i = x_i - m carried exactly as a
 * double-double (two-sum), e_i = exp(d_i) evaluated in double-double
 * (table-driven, Tang 1989), S = sum e_i = 1 + R with R compensated over
 * every entry but the first argmax, L = log S = log1p(R) in double-double.
 * Then logsumexp = m + L, log_softmax_i = d_i - L, softmax_i = exp(d_i - L),
 * and the VJPs use the cancellation-free forms
 *   softmax:     dx_i = y_i * sum_j e_j (g_i - g_j) / S
 *   log_softmax: dx_i = (g_i S - e_i sum_j g_j) / S
 * in double-double, so every output element is within about 1 ULP
 * (docs/numerics.md pitfalls 12 and 13). The float32 kernels read float, work in
 * double (so float results are rounded once) and write float: the same
 * algorithm and accuracy as the NumPy backend, which promotes float32 for
 * the same reason (NumPy's float32 exp is a ~2 ULP SIMD approximation).
 * Special values (the special-value contract, docs/contract.md): nan in a row -> nan row; +inf in a
 * row -> the limit (uniform over the +inf entries); an all -inf row ->
 * logsumexp -inf, softmax 0, log_softmax -inf, gradient and VJPs 0.
 * Two-products use fma(), exact whatever the target's contraction setting.
 */

#ifndef SYMACT_RUNTIME_VECTOR_CORE_H
#define SYMACT_RUNTIME_VECTOR_CORE_H

#include <float.h>
#include <math.h>
#include <stddef.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"

/* exp(x) for x below this is < 2^-1076: it rounds to 0 and adds nothing. */
#define SYMACT__VEC_EXP_FLOOR (-746.0)
/* The VJPs keep exp(d) as 2^k (h + l) down to d = -2000: times a cotangent
 * (scaled to 2^900) it can matter though exp(d) alone is out of range. */
#define SYMACT__VEC_VJP_FLOOR (-2000.0)

/* exp(h + l) for -746 <= h <= 0 as 2^k * (e.hi + e.lo), relative error about
 * 2^-104: h + l = n ln2/64 + r, exp = 2^(n>>6) * 2^((n&63)/64) * exp(r),
 * exp(r) - 1 by Horner (degree 12, double-double up to degree 5). */
SYMACT__INLINE symact__dd symact__vec_exp2(double h, double l, int *k)
{
    double n = nearbyint(h * symact__c_INV_LN2_64);
    int ni = (int)n, i;
    double rh = h - n * symact__c_LN2_64_SPLIT[0];          /* exact (Sterbenz) */
    symact__dd p = symact__two_prod(n, symact__c_LN2_64_SPLIT[1]);
    symact__dd r = symact__two_sum(rh, -p.hi), q, c, t, lo;
    double ph = symact__c_INV_FACT_DD_HI[10];
    lo.hi = l;
    lo.lo = -(p.lo + n * symact__c_LN2_64_SPLIT[2]);
    r = symact__dd_add(r, lo);
    for (i = 9; i >= 4; --i)
        ph = ph * r.hi + symact__c_INV_FACT_DD_HI[i];
    q.hi = ph;
    q.lo = 0.0;
    for (i = 3; i >= 0; --i) {
        c.hi = symact__c_INV_FACT_DD_HI[i];
        c.lo = symact__c_INV_FACT_DD_LO[i];
        q = symact__dd_add(symact__dd_mul(q, r), c);
    }
    c.hi = 1.0;
    c.lo = 0.0;
    q = symact__dd_mul(symact__dd_add(symact__dd_mul(q, r), c), r);
    t.hi = symact__c_EXP2_64_HI[ni & 63];
    t.lo = symact__c_EXP2_64_LO[ni & 63];
    *k = (ni - (ni & 63)) / 64;
    return symact__dd_add(t, symact__dd_mul(t, q));
}

/* log(1 + R) for R = r.hi + r.lo >= 0 in double-double: 1 + R = 2^k f with
 * f in [sqrt(1/2), sqrt(2)), log = k ln2 + 2 atanh(s), s = (f-1)/(f+1),
 * |s| <= 0.1716, atanh(s) = s + s^3 sum_i s^(2i)/(2i+3) (22 terms,
 * Abramowitz & Stegun 4.1.27). */
SYMACT__INLINE symact__dd symact__vec_log1p2(symact__dd r)
{
    symact__dd s = symact__two_sum(1.0, r.hi), num, den, q, w, p, c, kl;
    double mant, qh;
    int e, k, i;
    s = symact__two_sum(s.hi, s.lo + r.lo);
    mant = frexp(s.hi, &e);
    k = mant < symact__c_SQRT_HALF ? e - 1 : e;
    s.hi = ldexp(s.hi, -k);
    s.lo = ldexp(s.lo, -k);
    num = symact__two_sum(s.hi - 1.0, s.lo);           /* s.hi - 1 exact */
    den = symact__two_sum(s.hi, 1.0);
    den = symact__fast_two_sum(den.hi, den.lo + s.lo);
    qh = num.hi / den.hi;
    p = symact__two_prod(qh, den.hi);
    q = symact__fast_two_sum(qh, ((num.hi - p.hi) - p.lo + num.lo - qh * den.lo) / den.hi);
    w = symact__dd_mul(q, q);
    p.hi = symact__c_INV_ODD_DD_HI[21];
    p.lo = symact__c_INV_ODD_DD_LO[21];
    for (i = 20; i >= 0; --i) {
        c.hi = symact__c_INV_ODD_DD_HI[i];
        c.lo = symact__c_INV_ODD_DD_LO[i];
        p = symact__dd_add(symact__dd_mul(p, w), c);
    }
    p = symact__dd_add(q, symact__dd_mul(symact__dd_mul(p, w), q));
    kl = symact__two_prod((double)k, symact__c_LN2[0]);
    kl = symact__fast_two_sum(kl.hi, kl.lo + (double)k * symact__c_LN2[1]);
    p.hi *= 2.0;
    p.lo *= 2.0;
    return symact__dd_add(kl, p);
}

/* (h + l) 2^k rounded once, also when the result is subnormal (where
 * ldexp(h + l, k) would round twice): the exact residual of rounding h, plus
 * l, decides whether to step one subnormal ulp. */
SYMACT__INLINE double symact__vec_ldexp2(double h, double l, int k)
{
    double v = ldexp(h + l, k), w, r, half;
    if (!(fabs(v) < DBL_MIN) || !isfinite(h))
        return v;
    w = ldexp(h, k);
    r = (h - ldexp(w, -k)) + l;                    /* h - ldexp(w, -k) is exact */
    half = ldexp(0.5, -1074 - k);                  /* half a subnormal ulp */
    if (r > half)
        return nextafter(w, HUGE_VAL);
    if (r < -half)
        return nextafter(w, -HUGE_VAL);
    return w;
}

/* What a row is: its kind, max, first argmax, +inf count, S and L. */
enum { SYMACT__VEC_FINITE, SYMACT__VEC_NAN, SYMACT__VEC_PINF, SYMACT__VEC_NINF };
typedef struct {
    int kind;
    double m, cnt;
    size_t k;
    symact__dd s, lg;
} symact__vec_row;

/* d = x - m exactly as a double-double; e = exp(d) in double-double, scaled
 * (0 below the exp floor, which covers x = -inf). */
SYMACT__INLINE symact__dd symact__vec_shift(double x, double m)
{
    symact__dd d = symact__two_sum(x, -m);
    if (!isfinite(d.hi))
        d.lo = 0.0;
    return d;
}

/* exp(d) = 2^k (e.hi + e.lo), or 0 with k = 0 below the VJP floor. */
SYMACT__INLINE symact__dd symact__vec_exp_parts(symact__dd d, int *k)
{
    symact__dd e;
    if (!(d.hi >= SYMACT__VEC_VJP_FLOOR)) {
        e.hi = 0.0;
        e.lo = 0.0;
        *k = 0;
        return e;
    }
    return symact__vec_exp2(d.hi, d.lo, k);
}

/* softmax_i = exp(d_i - L) = 2^k (h + l), or 0 below ``floor``. */
SYMACT__INLINE symact__dd symact__vec_softmax_parts(double x, const symact__vec_row *w, double floor, int *k)
{
    symact__dd d = symact__vec_shift(x, w->m);
    symact__dd h;
    *k = 0;
    h.hi = 0.0;
    h.lo = 0.0;
    if (!(d.hi >= floor))
        return h;
    h = symact__two_sum(d.hi, -w->lg.hi);
    h.lo += d.lo - w->lg.lo;
    if (!(h.hi >= floor)) {
        h.hi = 0.0;
        h.lo = 0.0;
        return h;
    }
    return symact__vec_exp2(h.hi, h.lo, k);
}

/* softmax_i rounded once (also into the subnormals). */
SYMACT__INLINE double symact__vec_softmax_at(double x, const symact__vec_row *w)
{
    int k;
    symact__dd y = symact__vec_softmax_parts(x, w, SYMACT__VEC_EXP_FLOOR, &k);
    return symact__vec_ldexp2(y.hi, y.lo, k);
}

/* The exponent k that scales a row of g to max |g 2^-k| in [2^899, 2^900)
 * (0 for an all-zero row): the VJPs are linear in g, and the power-of-2
 * scale keeps double-double products and sums in range for any finite g. */
SYMACT__INLINE int symact__vec_gscale(double gmax)
{
    int e;
    if (!(gmax > 0.0) || !isfinite(gmax))
        return 0;
    (void)frexp(gmax, &e);
    return e - 900;
}

SYMACT__INLINE double symact__vec_log_softmax_at(double x, const symact__vec_row *w)
{
    symact__dd d = symact__vec_shift(x, w->m);
    symact__dd h;
    if (!isfinite(d.hi))
        return d.hi;
    h = symact__two_sum(d.hi, -w->lg.hi);
    return h.hi + (h.lo + (d.lo - w->lg.lo));
}

/* Accumulates t into the double-double (s, c) (Neumaier-style two-sum). */
SYMACT__INLINE void symact__vec_acc(symact__dd *a, double t)
{
    symact__dd z = symact__two_sum(a->hi, t);
    a->hi = z.hi;
    a->lo += z.lo;
}

SYMACT__INLINE float symact__vec_out_f32(double v)
{
    /* Beyond FLT_MAX + half an ulp the correctly rounded float is infinite. */
    if (v >= 0x1.ffffffp127)
        return HUGE_VALF;
    if (v <= -0x1.ffffffp127)
        return -HUGE_VALF;
    return (float)v;
}

SYMACT__INLINE double symact__vec_out_f64(double v)
{
    return v;
}

#endif /* SYMACT_RUNTIME_VECTOR_CORE_H */
