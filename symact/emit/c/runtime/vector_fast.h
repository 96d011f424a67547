/* Vector activations, row-major over the last axis: the fast path's double core.
 *
 * A row costs three passes: its max m (and first argmax k), the sums S = sum_j e_j
 * (e_j = exp(x_j - m)) and, for the VJPs, G = sum_j e_j (g_j - c), then the outputs.
 * What keeps every output within an ulp, cheaply:
 * - x_j - m exactly, as hi + lo (two-sum): exp amplifies the rounding of x_j - m by
 *   |x_j - m| (docs/numerics.md pitfall 13);
 * - e_j as a double-word (symact__vf_expdd, about 2^-75 relative) wherever it enters
 *   a sum, and sums compensated per lane (two-sum), so log S = log1p(R) (double-word,
 *   once per row) neither adds half an ulp to every output nor loses the dominant
 *   entry's log_softmax, -log1p(R);
 * - softmax_j = exp((x_j - m) - log S) by one exponential of a hi + lo argument, rounded
 *   once, also into the subnormals; log_softmax_j = (x_j - m) - log S in double-word.
 * - S = 1 + R with R over the entries below the max plus (ties - 1), so no argmax is
 *   needed and R keeps its relative accuracy however small it is.
 * Float's softmax and log_softmax need none of the double-word parts: plain double
 * carries 29 bits beyond float's (vector.h, symact__vf_rest).
 * The reductions run on SYMACT__VL lanes (lane l takes the entries j = l mod VL, then
 * the lanes are combined in a fixed order; see SYMACT__LANES): the compiler vectorises
 * them without reassociating floating-point sums, and the result does not depend on
 * the target. */
#ifndef SYMACT_RUNTIME_VECTOR_FAST_H
#define SYMACT_RUNTIME_VECTOR_FAST_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"
#include "elementary.h"

/* Lanes of the blocked reductions. */
#define SYMACT__VL 8
/* The fast path keeps every exp(x - m) and exp(x - m - log S) normal (R's smallest
 * terms count when R itself is small): rows whose finite entries lie within this of
 * the max take it (and for the VJPs, cotangents within 2^-300..2^300). */
#define SYMACT__VF_SPREAD 690.0
#define SYMACT__VF_G_MIN 0x1p-300
#define SYMACT__VF_G_MAX 0x1p300
/* Float softmax rows up to this long keep their exponentials from the sum (a buffer of
 * doubles on the stack, 16 KiB) instead of computing them twice. */
#define SYMACT__VF_KEEP 2048

/* exp(h + l) as a double-word, for -SPREAD - 10 <= h <= 0 (normal results):
 * h + l = n ln2/64 + r with n = round(64 h/ln 2) and r = r1 + r2 carried as a
 * double-word (Cody & Waite's three-part ln2/64, the first part's products exact,
 * the second's error by two-prod), 2^(n/64) = 2^(n >> 6) T[n & 63] from the table as
 * hi + lo (Tang 1989), and exp(r) = 1 + r1 + r1^2 P(r1) + r2 (1 + r1) with
 * P(r1) = 1/2 + r1/6 + ... + r1^5/5040 in double and r1^2 P as a double-word
 * (|r1| <= ln2/128, so the terms left out are below 2^-75 of the result and P's rounding
 * counts times r1^2 <= 2^-15).  About 2^-75 relative: the VJPs' weighted means
 * sum e_j g_j / S cancel against g_i, which multiplies e_j's error. */
SYMACT__INLINE symact__dd symact__vf_expdd(double h, double l)
{
    double hc = symact__sel(h < -1400.0, -1400.0, symact__sel(h > 0.0, 0.0, h));
    double n = symact__round_f64(hc * symact__c_INV_LN2_64);
    int ni = (int)n, j = ni & 63;
    symact__dd b = symact__two_prod(n, symact__c_LN2_64_SPLIT[1]);
    symact__dd r = symact__two_sum(hc - n * symact__c_LN2_64_SPLIT[0], -b.hi);
    double r2 = r.lo + ((l - b.lo) - n * symact__c_LN2_64_SPLIT[2]);
    double r1 = r.hi;
    double pp = symact__c_INV_FACT[0] + r1 * (symact__c_INV_FACT[1] + r1 * (symact__c_INV_FACT[2]
                + r1 * (symact__c_INV_FACT[3] + r1 * (symact__c_INV_FACT[4] + r1 * symact__c_INV_FACT[5]))));
    symact__dd sq = symact__two_prod(r1, r1);
    symact__dd q = symact__two_prod(sq.hi, pp);
    symact__dd one = symact__fast_two_sum(1.0, r1);
    symact__dd e;
    double sc;
    q.lo += sq.lo * pp;
    one = symact__fast_two_sum(one.hi, one.lo + (q.hi + (q.lo + r2 * (1.0 + r1))));
    e = symact__dd_mul(symact__dd_make(symact__c_EXP2_64_HI[j], symact__c_EXP2_64_LO[j]), one);
    sc = symact__pow2_f64((ni - j) / 64);
    return symact__dd_make(e.hi * sc, e.lo * sc);
}

/* (x - m) as hi + lo; lo = 0 where x = -inf (the shift is -inf, e = 0) */
SYMACT__INLINE symact__dd symact__vf_shift(double x, double m)
{
    symact__dd d = symact__two_sum(x, -m);
    d.lo = symact__sel(fabs(d.hi) != HUGE_VAL, d.lo, 0.0);
    return d;
}

/* e = exp(d) as a double-word, 0 for d = -inf (rows on the fast path lie within the
 * spread, so d is -inf or above -SPREAD): every term counts, since R can be carried by
 * its smallest terms and G = sum e_j (g_j - c) by a small e_j times a large cotangent */
SYMACT__INLINE symact__dd symact__vf_term(symact__dd d)
{
    symact__dd e = symact__vf_expdd(d.hi, d.lo);
    int in = d.hi != -HUGE_VAL;
    return symact__dd_sel(in, e, symact__dd_make(0.0, 0.0));
}

/* The float kernels' e = exp(d): in double, rounded once to float at the end, so no
 * double-word is needed (the sums of doubles carry 2^-53 n, far below float's 2^-24): the
 * double-word exponential rounded to double (the table-driven one, which the fast
 * path's rows keep normal, costs less than exp with its subnormal path) */
SYMACT__INLINE symact__dd symact__vf_term_plain(symact__dd d)
{
    symact__dd e = symact__vf_term(d);
    return symact__dd_make(e.hi + e.lo, 0.0);
}

/* Float rows' e = exp(d) in double at float's precision (2^-40: the f32x exp's
 * polynomial), for d = -inf or -SPREAD <= d <= 0, the fast path's shifts: 2^k is
 * normal, so one power of two scales e^r, with none of exp's range checks (k ln2 in
 * one part: an error of |k| 2^-55 in r, 2^-45 at most, and without FMA the rounding of
 * k ln2, 2^-43). */
SYMACT__INLINE double symact__vf_exp_float_own(double d)
{
    double v = symact__el_mla(d, symact__c_INV_LN2, SYMACT__EL_SHIFT), kd = v - SYMACT__EL_SHIFT;
    double r = symact__el_mla(-kd, symact__c_LN2[0], d);
    double p = symact__el_pow2(symact__bits(v) - SYMACT__EL_SHIFT_BITS + 1023);
    return symact__sel(d < -SYMACT__VF_SPREAD, 0.0, symact__el_mla(p, symact__el_expm1_core_x(r), p));
}

SYMACT__INLINE double symact__vf_exp_float(double d)
{
    return SYMACT__ELEM(symact__vf_exp_float_own(d), exp(d));
}

/* The float VJPs' e = exp(d) for d = dh + dl, -inf or -SPREAD <= dh <= 0: to 2^-52 (the
 * reduction and e^r - 1 of symact__el_exp_dd, 2^-60, then 2^k (1 + s) by one fused
 * multiply-add, the rounding of s.hi + s.lo counting times |s| < 0.42), with none of
 * exp's range checks: 2^k is normal on the fast path's spread. */
SYMACT__INLINE double symact__vf_exp_double_own(symact__dd d)
{
    symact__el_red e = symact__el_reduce(d.hi, d.lo);
    symact__dd s = symact__el_expm1_core(e.rh, e.rl);
    double p = symact__el_pow2(e.kb - SYMACT__EL_SHIFT_BITS + 1023);
    return symact__sel(d.hi == -HUGE_VAL, 0.0, symact__el_mla(p, s.hi + s.lo, p));
}

SYMACT__INLINE double symact__vf_exp_double(symact__dd d)
{
    return SYMACT__ELEM(symact__vf_exp_double_own(d), exp(d.hi) + exp(d.hi) * d.lo);
}

/* S = 1 + R as a double-word */
SYMACT__INLINE symact__dd symact__vf_one_plus(symact__dd r)
{
    symact__dd s = symact__two_sum(1.0, r.hi);
    return symact__fast_two_sum(s.hi, s.lo + r.lo);
}

/* (x - m) - L as hi + lo; -inf where x = -inf */
SYMACT__INLINE symact__dd symact__vf_minus_log(symact__dd d, symact__dd lg)
{
    symact__dd t = symact__two_sum(d.hi, -lg.hi);
    t.lo = symact__sel(fabs(t.hi) != HUGE_VAL, t.lo + (d.lo - lg.lo), 0.0);
    return t;
}

#endif /* SYMACT_RUNTIME_VECTOR_FAST_H */
