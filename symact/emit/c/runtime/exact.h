/* Error-free transformations in the kernels: double-word ("pair") evaluation and the
 * primitives that take a rounded argument as hi + lo, one per class of
 * symact/stabilise/primitives.py that symact/stabilise/rules_exact.py introduces
 * (docs/numerics.md, pitfalls 17 and 18).  Written in double: the float kernels
 * evaluate their stable form in double and round once, where these are not needed.
 * The NumPy runtime's exact.py is the same method (its reduced log takes the step
 * y0 + (f exp(-y0) - 1) from y0 = log(f); here both logs share the step in expm1).
 *
 * Pairs (symact__dd, doubleword.h: about 2^-104 relative): the stabiliser marks an
 * argument dw(u) where its rounding would be amplified, and wraps an expression in
 * dw_eval(e) inside a window where its terms cancel; the printers evaluate u (or e)
 * with the symact__w_* functions: sums, products, quotients with exact residuals
 * (fma), exp, expm1, log, log1p, sqrt, tanh of pairs to about 2^-100.  Where the pair
 * arithmetic meets inf or nan they return the plain double with a zero low part.
 *
 * Rounded arguments: P(h + l) = P(h) + P'(h)*l to within P''*l^2/2, written as
 * P(h)*(1 + L(h)*l), L = P'/P, or with 1 + L(h)*l folded into the factor a of an
 * a*P(u) primitive (the subnormal tails keep their scaling).  Needs the double
 * primitives (primitives.h for double) before it.
 *
 * Branch-free, as the rest of the runtime (pitfall 19): the kernel loops that call these
 * must vectorise, so every region is computed for every input and chosen by a select
 * (symact__sel, symact__dd_sel), on arguments kept finite where a region is not taken;
 * loops have fixed trip counts (a pair power or remainder of order k up to a bound, its
 * selects folded where k is a constant); the plain values come from elementary.h's
 * symact__elem_* functions, never from libm calls (which do not vectorise), and scaling
 * by 2^k from doubleword.h's symact__ldexp_f64. */
#ifndef SYMACT_RUNTIME_EXACT_H
#define SYMACT_RUNTIME_EXACT_H

#include <float.h>
#include <math.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"
#include "elementary.h"

/* The pair functions of a value are pure: a compiler evaluates a repeated call (exp(-|u|)
 * in sigmoid(u) and dsigmoid(u) inside one window) once.  Where it optimises they are
 * always inlined, like every runtime function (a call left in a kernel loop stops its
 * vectorisation); unoptimised (-O0, where nothing vectorises and nothing is merged) they
 * stay calls, since inlining each of the dozens of exp calls of a window with all it
 * calls makes that build take minutes (with sanitizers, over ten). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__OPTIMIZE__)
#define SYMACT__PAIR static inline __attribute__((always_inline, unused, pure))
#elif defined(__GNUC__) || defined(__clang__)
#define SYMACT__PAIR static inline __attribute__((unused, pure))
#else
#define SYMACT__PAIR SYMACT__INLINE
#endif

/* exp's reduced argument is scaled by 2^-4 before its series (degree 12: the next term
 * is below 2^-110) and squared back four times. */
#define SYMACT__W_SQUARINGS 4
/* Beyond this |u|, tanh(u) = +-(1 - 2 exp(-2|u|)). */
#define SYMACT__W_TANH_BIG 40.0
/* Below this |u|, E_k(u) is its series sum_{j>=k} u^j/j! (30 terms: 2^30/30! < 2^-80). */
#define SYMACT__W_REM_SERIES 2.0
#define SYMACT__W_REM_TERMS 30
/* The largest order k of E_k and of a pair power a^n (|n|) the fixed loops reach: the
 * stabiliser writes E_k for k <= 4 (symact/stabilise/rules_cancel.py) and squares. */
#define SYMACT__W_REM_KMAX 8
#define SYMACT__W_POWI_BITS 6
/* sqrt(a u^2 + c) is scaled beyond this |u|. */
#define SYMACT__W_QUAD_BIG 0x1p500

/* --- pairs ------------------------------------------------------------------------ */

/* x finite (x - x is nan for +-inf and nan), without a call to isfinite */
SYMACT__INLINE int symact__w_finite(double x)
{
    return x - x == 0;
}

/* r, or the plain double with a zero low part where r is not finite */
SYMACT__INLINE symact__dd symact__w_fix(double plain, symact__dd r)
{
    return symact__dd_sel(symact__w_finite(r.hi) & symact__w_finite(r.lo), r, symact__dd_make(plain, 0.0));
}

SYMACT__INLINE symact__dd symact__w_add(symact__dd a, symact__dd b)
{
    return symact__w_fix(a.hi + b.hi, symact__dd_add(a, b));
}

SYMACT__INLINE symact__dd symact__w_neg(symact__dd a)
{
    return symact__dd_make(-a.hi, -a.lo);
}

SYMACT__INLINE symact__dd symact__w_sub(symact__dd a, symact__dd b)
{
    return symact__w_add(a, symact__w_neg(b));
}

SYMACT__INLINE symact__dd symact__w_mul(symact__dd a, symact__dd b)
{
    return symact__w_fix(a.hi * b.hi, symact__dd_mul(a, b));
}

SYMACT__INLINE symact__dd symact__w_div(symact__dd a, symact__dd b)
{
    return symact__w_fix(a.hi / b.hi, symact__dd_div(a, b));
}

SYMACT__INLINE symact__dd symact__w_abs(symact__dd a)
{
    return symact__dd_sel(a.hi < 0, symact__w_neg(a), a);
}

/* sign of a pair (exact): its high part's, a normalised pair being 0 only when both are */
SYMACT__INLINE symact__dd symact__w_sign(symact__dd a)
{
    return symact__dd_make(symact__sel(a.hi > 0, 1.0, symact__sel(a.hi < 0, -1.0, a.hi)), 0.0);
}

/* a*c for a power of two c (exact) */
SYMACT__INLINE symact__dd symact__w_scale(symact__dd a, double c)
{
    return symact__dd_make(a.hi * c, a.lo * c);
}

SYMACT__INLINE double symact__w_val(symact__dd a)
{
    return a.hi + a.lo;
}

SYMACT__INLINE double symact__w_lo(symact__dd a)
{
    return symact__sel(symact__w_finite(a.lo), a.lo, 0.0);
}

/* a^n for an integer |n| < 2^SYMACT__W_POWI_BITS: binary powering in pairs over a fixed
 * number of bits, each factor taken by a select (folded where n is a constant) */
SYMACT__PAIR symact__dd symact__w_powi(symact__dd a, int n)
{
    symact__dd one = symact__dd_make(1.0, 0.0), out = one, base = a;
    int m = n * (1 - 2 * (n < 0)), i;
    SYMACT__UNROLL
    for (i = 0; i < SYMACT__W_POWI_BITS; ++i) {
        out = symact__dd_sel((m >> i) & 1, symact__w_mul(out, base), out);
        base = symact__w_mul(base, base);
    }
    return symact__dd_sel(n < 0, symact__w_div(one, out), out);
}

/* exp(h + l) = 2^k (1 + E), E = expm1(r), r = h + l - k ln2 in pairs (|r| <= ln2/2,
 * k = 0 for |h| < ln2/2, where E is expm1(h + l) itself): E = expm1(r 2^-4) by its
 * Taylor series (degrees 7 to 12, below 2^-52 of the sum, in double, the rest in pairs),
 * then expm1(2s) = expm1(s)(2 + expm1(s)) four times.  ln2 in three parts: 64 times the
 * data file's ln(2)/64 (k*part1 exact).  h is clamped to [-1100, 1100] (nan to 0: the
 * callers select the plain result for a non-finite h), so |k| <= 1587. */
typedef struct {
    symact__dd e;
    double k;
} symact__w_red;

SYMACT__INLINE symact__w_red symact__w_exp_parts(symact__dd a)
{
    symact__w_red out;
    double h = symact__sel(a.hi > 1100.0, 1100.0, symact__sel(a.hi < -1100.0, -1100.0, a.hi));
    double kf, q, c1 = 64.0 * symact__c_LN2_64_SPLIT[0], c2 = 64.0 * symact__c_LN2_64_SPLIT[1];
    double c3 = 64.0 * symact__c_LN2_64_SPLIT[2], scale = 1.0 / (double)(1 << SYMACT__W_SQUARINGS);
    symact__dd p, r, e, c;
    int i;
    h = symact__sel(h == h, h, 0.0);
    kf = symact__round_f64(h * symact__c_INV_LN2);
    p = symact__two_prod(kf, c2);
    r = symact__two_sum(h - kf * c1, -p.hi);
    r = symact__dd_add(r, symact__dd_make(symact__w_lo(a), -(p.lo + kf * c3)));
    r.hi *= scale;
    r.lo *= scale;
    q = symact__c_INV_FACT_DD_HI[10];                  /* 1/12!, down to 1/7! in double */
    SYMACT__UNROLL
    for (i = 9; i >= 5; --i)
        q = q * r.hi + symact__c_INV_FACT_DD_HI[i];
    e = symact__dd_make(q, 0.0);
    SYMACT__UNROLL
    for (i = 4; i >= 0; --i) {                         /* 1/6! .. 1/2! in pairs */
        c = symact__dd_make(symact__c_INV_FACT_DD_HI[i], symact__c_INV_FACT_DD_LO[i]);
        e = symact__dd_add(symact__dd_mul(e, r), c);
    }
    e = symact__dd_mul(symact__dd_add(symact__dd_mul(e, r), symact__dd_make(1.0, 0.0)), r);
    SYMACT__UNROLL
    for (i = 0; i < SYMACT__W_SQUARINGS; ++i)
        e = symact__dd_mul(e, symact__dd_add(symact__dd_make(2.0, 0.0), e));
    out.e = e;
    out.k = kf;
    return out;
}

/* 2^k (1 + E) from the parts of a; the plain exp where a.hi or the pair is not finite */
SYMACT__INLINE symact__dd symact__w_exp_of(symact__dd a, symact__w_red p)
{
    symact__dd m = symact__fast_two_sum(1.0, p.e.hi);
    double plain = symact__elem_exp_f64(a.hi);
    int k = (int)p.k;
    m.lo += p.e.lo;
    m = symact__dd_make(symact__ldexp_f64(m.hi, k), symact__ldexp_f64(m.lo, k));
    return symact__dd_sel(symact__w_finite(a.hi), symact__w_fix(plain, m), symact__dd_make(plain, 0.0));
}

SYMACT__PAIR symact__dd symact__w_exp(symact__dd a)
{
    return symact__w_exp_of(a, symact__w_exp_parts(a));
}

/* expm1: E itself where k = 0, exp - 1 elsewhere (|result| > 0.29 there); a + a^2/2 below
 * 2^-60 (the scaled series would lose a low part in the subnormals); the plain expm1
 * where a.hi or the pair is not finite */
SYMACT__PAIR symact__dd symact__w_expm1(symact__dd a)
{
    symact__w_red p = symact__w_exp_parts(a);
    double plain = symact__elem_expm1_f64(a.hi);
    symact__dd e = symact__dd_sel(p.k != 0, symact__w_add(symact__w_exp_of(a, p), symact__dd_make(-1.0, 0.0)), p.e);
    symact__dd tiny = symact__w_add(a, symact__dd_make(a.hi * a.hi / 2, 0.0));
    e = symact__dd_sel(symact__w_finite(a.hi), symact__w_fix(plain, e), symact__dd_make(plain, 0.0));
    return symact__dd_sel(fabs(a.hi) < 0x1p-60, tiny, e);
}

/* m ln2 + log(1 + d) for a normalised pair d, -1/2 <= d.hi < 1: y0 = log1p(d.hi), one
 * Newton step y0 + (d + (1 + d) expm1(-y0)) (= y0 + ((1 + d) exp(-y0) - 1)) */
SYMACT__INLINE symact__dd symact__w_log_step(symact__dd d, double m)
{
    double y0 = symact__elem_log1p_f64(d.hi);
    symact__dd s = symact__w_add(symact__dd_make(1.0, 0.0), d);
    symact__dd t = symact__w_add(d, symact__w_mul(s, symact__w_expm1(symact__dd_make(-y0, 0.0))));
    return symact__w_add(symact__w_mul(symact__dd_make(m, 0.0), symact__dd_make(symact__c_LN2[0], symact__c_LN2[1])),
                         symact__w_add(symact__dd_make(y0, 0.0), t));
}

/* a = 2^m (1 + d) for a positive finite pair (h, l): 1 + d.hi in [1/2, 1) (frexp's
 * fraction, from the bits; a subnormal h scaled by 2^54 first), d.hi = f - 1 exact, l
 * scaled by 2^-m into d.lo */
typedef struct {
    symact__dd d;
    double m;
} symact__w_split;

SYMACT__INLINE symact__w_split symact__w_log_split(double h, double l)
{
    symact__w_split out;
    int sub = h < DBL_MIN;
    uint64_t b = symact__bits(symact__sel(sub, h * 0x1p54, h));
    int m = (int)((b >> 52) & 0x7ff) - 1022 - 54 * sub;
    double f = symact__from_bits((b & 0x800fffffffffffffULL) | 0x3fe0000000000000ULL);
    out.d = symact__two_sum(f - 1.0, symact__ldexp_f64(l, -m));
    out.m = (double)m;
    return out;
}

/* log: log1p(a - 1) for a in (1/2, 2) (a - 1 exact: the relative accuracy of a small log),
 * the reduced form elsewhere; the plain log where a is not positive and finite */
SYMACT__PAIR symact__dd symact__w_log(symact__dd a)
{
    int ok = (a.hi > 0) & symact__w_finite(a.hi);
    double h = symact__sel(ok, a.hi, 1.0), l = symact__sel(ok, symact__w_lo(a), 0.0);
    int near = (h > 0.5) & (h < 2.0);
    symact__w_split s = symact__w_log_split(h, l);
    symact__dd d = symact__dd_sel(near, symact__two_sum(h - 1.0, l), s.d);
    symact__dd y = symact__w_log_step(d, symact__sel(near, 0.0, s.m));
    return symact__dd_sel(ok, y, symact__dd_make(symact__elem_log_f64(a.hi), 0.0));
}

/* log(1 + a): the Newton step near 0 (-1/2 < a < 1, a normalised first: y0 must start
 * from all of a), the reduced form of 1 + a elsewhere; the plain log1p where 1 + a is
 * not positive and finite */
SYMACT__PAIR symact__dd symact__w_log1p(symact__dd a)
{
    int small = (a.hi > -0.5) & (a.hi < 1.0);
    symact__dd x = symact__w_add(symact__dd_make(1.0, 0.0), a);
    int ok = (x.hi > 0) & symact__w_finite(x.hi);
    double h = symact__sel(ok, x.hi, 1.0), l = symact__sel(ok, symact__w_lo(x), 0.0);
    symact__w_split s = symact__w_log_split(h, l);
    symact__dd d = symact__dd_sel(small, symact__two_sum(symact__sel(small, a.hi, 0.0), symact__sel(small, symact__w_lo(a), 0.0)), s.d);
    symact__dd y = symact__w_log_step(d, symact__sel(small, 0.0, s.m));
    return symact__dd_sel(small | ok, y, symact__dd_make(symact__elem_log1p_f64(a.hi), 0.0));
}

/* sqrt: a scaled by an even power of two 2^-k into [1/2, 2) (exactly), s = sqrt(h),
 * s + (a - s^2)/(2s) with s^2 exact, scaled back by 2^(k/2); the plain sqrt where a is not
 * positive and finite */
SYMACT__PAIR symact__dd symact__w_sqrt(symact__dd a)
{
    int ok = (a.hi > 0) & symact__w_finite(a.hi);
    double h = symact__sel(ok, a.hi, 1.0), l = symact__sel(ok, symact__w_lo(a), 0.0);
    int sub = h < DBL_MIN;
    uint64_t b = symact__bits(symact__sel(sub, h * 0x1p54, h));
    int k = ((int)((b >> 52) & 0x7ff) - 1022 - 54 * sub) & ~1; /* frexp's exponent, down to even */
    double hs = symact__ldexp_f64(h, -k), ls = symact__ldexp_f64(l, -k), s = sqrt(hs), r;
    symact__dd p = symact__two_prod(s, s), q;
    r = ((hs - p.hi) - p.lo + ls) / (2 * s);
    q = symact__fast_two_sum(s, r);
    q = symact__dd_make(symact__ldexp_f64(q.hi, k / 2), symact__ldexp_f64(q.lo, k / 2));
    return symact__dd_sel(ok, q, symact__dd_make(sqrt(a.hi), 0.0));
}

/* tanh: sign(u) E/(E + 2), E = expm1(2|u|); +-(1 - 2 exp(-2|u|)) beyond |u| = 40 (E
 * computed from 0 there) */
SYMACT__PAIR symact__dd symact__w_tanh(symact__dd a)
{
    symact__dd u = symact__w_abs(a), e, t;
    int big = u.hi > SYMACT__W_TANH_BIG;
    e = symact__w_expm1(symact__dd_sel(big, symact__dd_make(0.0, 0.0), symact__dd_make(2 * u.hi, 2 * u.lo)));
    t = symact__dd_sel(big, symact__dd_make(1.0, -2 * symact__elem_exp_f64(-2 * u.hi)),
                       symact__w_div(e, symact__w_add(e, symact__dd_make(2.0, 0.0))));
    return symact__dd_sel(a.hi < 0, symact__w_neg(t), t);
}

/* sqrt(a u^2 + c) of pairs: |u| sqrt(a + (c/u)/u) beyond |u| = 2^500, sqrt(a) |u| where
 * c = 0 (no overflow or underflow of u^2): one square root of the radicand chosen, the
 * unused radicands computed from 1 and 0 */
SYMACT__PAIR symact__dd symact__w_sqrt_quad(symact__dd a, symact__dd u, symact__dd c)
{
    symact__dd zero = symact__dd_make(0.0, 0.0), one = symact__dd_make(1.0, 0.0), m = symact__w_abs(u), rad;
    int big = m.hi > SYMACT__W_QUAD_BIG, scaled = big | ((c.hi == 0) & (c.lo == 0));
    symact__dd mb = symact__dd_sel(big, m, one), ms = symact__dd_sel(scaled, zero, m);
    rad = symact__dd_sel(big, symact__w_add(a, symact__w_div(symact__w_div(c, mb), mb)),
                         symact__dd_sel(scaled, a, symact__w_add(symact__w_mul(a, symact__w_mul(ms, ms)), c)));
    return symact__w_mul(symact__dd_sel(scaled, m, one), symact__w_sqrt(rad));
}

/* --- primitives of a rounded argument u = h + l -------------------------------------- */

/* y*(1 + c) as y + y*c; y itself where c is 0 (y = inf stays inf) */
SYMACT__INLINE double symact__dw_times(double y, double c)
{
    return symact__sel(c == 0, y, y + y * c);
}

SYMACT__INLINE double symact__exp_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__elem_exp_f64(u.hi), symact__w_lo(u));
}

SYMACT__INLINE double symact__expm1_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), y = symact__elem_expm1_f64(u.hi);
    return symact__sel(lo == 0, y, y + symact__elem_exp_f64(u.hi) * lo);
}

/* erfc amplifies u's rounding by about 2u^2 (pitfall 5); erfc'(u) = -2 exp(-u^2 - ln sqrt(pi)),
 * ln sqrt(pi) = ln sqrt(2 pi) - ln(2)/2 */
SYMACT__INLINE double symact__erfc_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), lnsqrtpi = symact__c_LN_SQRT_2PI[0] - 0.5 * symact__c_LN2[0];
    double y = symact__elem_erfc_f64(u.hi);
    return symact__sel(lo == 0, y, y - 2 * symact__elem_exp_f64(-u.hi * u.hi - lnsqrtpi) * lo);
}

SYMACT__INLINE double symact__softplus_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), y = symact__softplus_f64(u.hi);
    return symact__sel(lo == 0, y, y + symact__sigmoid_f64(u.hi) * lo);
}

SYMACT__INLINE double symact__sigmoid_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__sigmoid_f64(u.hi), symact__sigmoid_f64(-u.hi) * symact__w_lo(u));
}

SYMACT__INLINE double symact__log_sigmoid_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), y = symact__log_sigmoid_f64(u.hi);
    return symact__sel(lo == 0, y, y + symact__sigmoid_f64(-u.hi) * lo);
}

SYMACT__INLINE double symact__dsigmoid_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__dsigmoid_f64(u.hi), -symact__elem_tanh_f64(u.hi / 2) * symact__w_lo(u));
}

SYMACT__INLINE double symact__sech2_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__sech2_f64(u.hi), -2 * symact__elem_tanh_f64(u.hi) * symact__w_lo(u));
}

/* sech2_softplus(h + l) = sech2_softplus(h)*(1 - 2 tanh(softplus(h)) sigmoid(h) l) */
SYMACT__INLINE double symact__sech2_softplus_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__sech2_softplus_f64(u.hi),
                            -2 * symact__mul_tanh_softplus_f64(symact__sigmoid_f64(u.hi), u.hi) * symact__w_lo(u));
}

SYMACT__INLINE double symact__mul_sigmoid_dw_f64(double a, symact__dd u)
{
    return symact__mul_sigmoid_f64(symact__dw_times(a, symact__sigmoid_f64(-u.hi) * symact__w_lo(u)), u.hi);
}

SYMACT__INLINE double symact__mul_dsigmoid_dw_f64(double a, symact__dd u)
{
    return symact__mul_dsigmoid_f64(symact__dw_times(a, -symact__elem_tanh_f64(u.hi / 2) * symact__w_lo(u)), u.hi);
}

SYMACT__INLINE double symact__mul_exp_dw_f64(double a, symact__dd u)
{
    return symact__mul_exp_f64(symact__dw_times(a, symact__w_lo(u)), u.hi);
}

/* d/du log tanh(softplus(u)) = 4(1 + e)/((2 + e)(2 + 2e + e^2)), e = exp(u), for u <= 0;
 * for u > 0 in w = exp(-u): 4w^2(1 + w)/((1 + 2w)(1 + 2w + 2w^2)); both from
 * w = exp(-|u|) in [0, 1] */
SYMACT__INLINE double symact__tsp_log_derivative(double u)
{
    double w = symact__elem_exp_f64(-fabs(u));
    return symact__sel(u <= 0, 4 * (1 + w) / ((2 + w) * (2 + 2 * w + w * w)),
                       4 * w * w * (1 + w) / ((1 + 2 * w) * (1 + 2 * w + 2 * w * w)));
}

SYMACT__INLINE double symact__mul_tanh_softplus_dw_f64(double a, symact__dd u)
{
    return symact__mul_tanh_softplus_f64(symact__dw_times(a, symact__tsp_log_derivative(u.hi) * symact__w_lo(u)),
                                         u.hi);
}

/* f(h + l), f(w) = expm1(w) - w exp(w): f(h) - h exp(h) l */
SYMACT__INLINE double symact__expm1_sub_uexp_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), y = symact__expm1_sub_uexp_f64(u.hi);
    return symact__sel(lo == 0, y, y - (u.hi * symact__elem_exp_f64(u.hi)) * lo);
}

/* a*softplus(h + l) = a' softplus(h), a' = a (1 + l sigmoid(h)/softplus(h)) (sigmoid/softplus
 * the logarithmic derivative of softplus: 1 in the tail, where both are exp(h), and where
 * softplus underflows to 0), from the one exponential of symact__softplus_h */
SYMACT__INLINE double symact__mul_softplus_dw_f64(double a, symact__dd u)
{
    double h, sp = symact__softplus_h_f64(u.hi, &h);
    int tail = u.hi < SYMACT__TAIL;
    double ratio = symact__sel(tail | !(sp > 0), 1.0, symact__sigmoid_of_f64(u.hi, h) / symact__sel(sp > 0, sp, 1.0));
    double a2 = symact__dw_times(a, ratio * symact__w_lo(u));
    return symact__sel(tail, symact__scaled_tail_f64(a2, h), a2 * sp);
}

/* E_k(u) = exp(u) - sum_{j<k} u^j/j! of a pair, 1 <= k <= SYMACT__W_REM_KMAX: for
 * |u| <= 2 its series u^k/k! (1 + u/(k+1) (1 + u/(k+2) (...))) in pairs (30 terms); elsewhere
 * exp(u) minus the polynomial in pairs.  Both from arguments chosen so that each stays
 * finite (0 for the series, 1 for the far form where the other is taken); the loops run
 * to the bound, the terms beyond k selected away (folded where k is a constant). */
SYMACT__PAIR symact__dd symact__w_exp_rem(symact__dd u, int k)
{
    symact__dd one = symact__dd_make(1.0, 0.0), t = one, poly = symact__dd_make(0.0, 0.0), us, ub, series, far;
    double fact = 1.0, fj = 1.0;
    int small = fabs(u.hi) <= SYMACT__W_REM_SERIES, i;
    us = symact__dd_sel(small, u, symact__dd_make(0.0, 0.0));
    ub = symact__dd_sel(small, one, u);
    SYMACT__UNROLL
    for (i = 0; i < SYMACT__W_REM_TERMS; ++i)          /* j = k + 30 down to k + 1 */
        t = symact__w_add(one, symact__w_div(symact__w_mul(us, t),
                                             symact__dd_make((double)(k + SYMACT__W_REM_TERMS - i), 0.0)));
    SYMACT__UNROLL
    for (i = 2; i <= SYMACT__W_REM_KMAX; ++i)          /* k! */
        fact *= symact__sel(i <= k, (double)i, 1.0);
    series = symact__w_div(symact__w_mul(symact__w_powi(us, k), t), symact__dd_make(fact, 0.0));
    SYMACT__UNROLL
    for (i = SYMACT__W_REM_KMAX - 1; i >= 0; --i) {    /* sum_{j<k} u^j/j!, j = i */
        fj = 1.0;
        {
            int j;
            SYMACT__UNROLL
            for (j = 2; j <= SYMACT__W_REM_KMAX; ++j)
                fj *= symact__sel(j <= i, (double)j, 1.0);
        }
        poly = symact__dd_sel(i < k, symact__w_add(symact__w_div(one, symact__dd_make(fj, 0.0)), symact__w_mul(poly, ub)),
                              poly);
    }
    far = symact__w_sub(symact__w_exp(ub), poly);
    return symact__dd_sel(small, series, far);
}

SYMACT__INLINE double symact__exp_rem_f64(double u, double k)
{
    return symact__w_val(symact__w_exp_rem(symact__dd_make(u, 0.0), (int)k));
}

SYMACT__INLINE double symact__exp_rem_dw_f64(double k, symact__dd u)
{
    return symact__w_val(symact__w_exp_rem(u, (int)k));
}

/* sqrt(a u^2 + c) without overflow of u^2: |u| sqrt(a + (c/u)/u) beyond 2^500, and
 * sqrt(a) |u| where c = 0 and u*u underflows; one square root of the radicand chosen */
SYMACT__INLINE double symact__sqrt_quad_f64(double a, double u, double c)
{
    double m = fabs(u);
    int big = m > SYMACT__W_QUAD_BIG, tiny = (c == 0) & (m < 1 / SYMACT__W_QUAD_BIG);
    double mb = symact__sel(big, m, 1.0), ms = symact__sel(big, 0.0, m);
    double rad = symact__sel(big, a + (c / mb) / mb, symact__sel(tiny, a, a * (ms * ms) + c));
    return symact__sel(big | tiny, m, 1.0) * sqrt(rad);
}

/* y, with the limits at x = +inf and x = -inf (nan: y itself there) */
SYMACT__INLINE double symact__at_infinity_f64(double x, double y, double lpos, double lneg)
{
    double limit = symact__sel(x > 0, lpos, lneg);
    return symact__sel((fabs(x) == HUGE_VAL) & (limit == limit), limit, y);
}

#endif /* SYMACT_RUNTIME_EXACT_H */
