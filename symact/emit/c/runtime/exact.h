/* Error-free transformations in the kernels: double-word ("pair") evaluation and the
 * primitives that take a rounded argument as hi + lo, one per class of
 * symact/stabilise/primitives.py that symact/stabilise/rules_exact.py introduces
 * (docs/numerics.md, pitfalls 17 and 18).  Written in double: the float kernels
 * evaluate their stable form in double and round once, where these are not needed.
 * The NumPy runtime's exact.py is the same code.
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
 * primitives (primitives.h for double) before it. */
#ifndef SYMACT_RUNTIME_EXACT_H
#define SYMACT_RUNTIME_EXACT_H

#include <math.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"

/* The pair functions of a value are pure: marked so, a compiler evaluates a repeated call
 * (exp(-|u|) in sigmoid(u) and dsigmoid(u) inside one window) once. */
#if defined(__GNUC__) || defined(__clang__)
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
/* sqrt(a u^2 + c) is scaled beyond this |u|. */
#define SYMACT__W_QUAD_BIG 0x1p500
/* Below this u, exp(u) is subnormal (ln of the smallest normal double is -708.396). */
#define SYMACT__W_TAIL (-708.0)

/* --- pairs ------------------------------------------------------------------------ */

SYMACT__INLINE symact__dd symact__w_fix(double plain, symact__dd r)
{
    if (!isfinite(r.hi) || !isfinite(r.lo))
        return symact__dd_make(plain, 0.0);
    return r;
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
    return a.hi < 0 ? symact__w_neg(a) : a;
}

/* sign of a pair (exact): its high part's, a normalised pair being 0 only when both are */
SYMACT__INLINE symact__dd symact__w_sign(symact__dd a)
{
    return symact__dd_make(a.hi > 0 ? 1.0 : (a.hi < 0 ? -1.0 : a.hi), 0.0);
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
    return isfinite(a.lo) ? a.lo : 0.0;
}

/* a^n for an integer n (binary powering in pairs) */
SYMACT__PAIR symact__dd symact__w_powi(symact__dd a, int n)
{
    symact__dd out = symact__dd_make(1.0, 0.0), base = a;
    int m = n < 0 ? -n : n;
    while (m) {
        if (m & 1)
            out = symact__w_mul(out, base);
        m >>= 1;
        if (m)
            base = symact__w_mul(base, base);
    }
    return n < 0 ? symact__w_div(symact__dd_make(1.0, 0.0), out) : out;
}

/* exp(h + l) = 2^k (1 + E), E = expm1(r), r = h + l - k ln2 in pairs (|r| <= ln2/2,
 * k = 0 for |h| < ln2/2, where E is expm1(h + l) itself): E = expm1(r 2^-4) by its
 * Taylor series (degrees 7 to 12, below 2^-52 of the sum, in double, the rest in pairs),
 * then expm1(2s) = expm1(s)(2 + expm1(s)) four times.  ln2 in three parts: 64 times the
 * data file's ln(2)/64 (k*part1 exact). */
SYMACT__INLINE symact__dd symact__w_exp_parts(symact__dd a, int *k)
{
    double h = a.hi > 1100.0 ? 1100.0 : (a.hi < -1100.0 ? -1100.0 : a.hi);
    double kf = nearbyint(h * symact__c_INV_LN2);
    double c1 = 64.0 * symact__c_LN2_64_SPLIT[0], c2 = 64.0 * symact__c_LN2_64_SPLIT[1];
    double c3 = 64.0 * symact__c_LN2_64_SPLIT[2], scale = ldexp(1.0, -SYMACT__W_SQUARINGS), q;
    symact__dd p = symact__two_prod(kf, c2), r = symact__two_sum(h - kf * c1, -p.hi), e, c;
    int i;
    r = symact__dd_add(r, symact__dd_make(isfinite(a.lo) ? a.lo : 0.0, -(p.lo + kf * c3)));
    r.hi *= scale;
    r.lo *= scale;
    q = symact__c_INV_FACT_DD_HI[10];                  /* 1/12!, down to 1/7! in double */
    for (i = 9; i >= 5; --i)
        q = q * r.hi + symact__c_INV_FACT_DD_HI[i];
    e = symact__dd_make(q, 0.0);
    for (i = 4; i >= 0; --i) {                         /* 1/6! .. 1/2! in pairs */
        c = symact__dd_make(symact__c_INV_FACT_DD_HI[i], symact__c_INV_FACT_DD_LO[i]);
        e = symact__dd_add(symact__dd_mul(e, r), c);
    }
    e = symact__dd_mul(symact__dd_add(symact__dd_mul(e, r), symact__dd_make(1.0, 0.0)), r);
    for (i = 0; i < SYMACT__W_SQUARINGS; ++i)
        e = symact__dd_mul(e, symact__dd_add(symact__dd_make(2.0, 0.0), e));
    *k = isnan(kf) ? 0 : (int)kf;
    return e;
}

SYMACT__PAIR symact__dd symact__w_exp(symact__dd a)
{
    int k;
    symact__dd e = symact__w_exp_parts(a, &k), m = symact__fast_two_sum(1.0, e.hi);
    m.lo += e.lo;
    return symact__w_fix(exp(a.hi), symact__dd_make(ldexp(m.hi, k), ldexp(m.lo, k)));
}

/* expm1: E itself where k = 0, exp - 1 elsewhere (|result| > 0.29 there); a + a^2/2 below
 * 2^-60 (the scaled series would lose a low part in the subnormals) */
SYMACT__PAIR symact__dd symact__w_expm1(symact__dd a)
{
    int k;
    symact__dd e;
    if (fabs(a.hi) < 0x1p-60)
        return symact__w_add(a, symact__dd_make(a.hi * a.hi / 2, 0.0));
    e = symact__w_exp_parts(a, &k);
    if (k != 0)
        e = symact__w_add(symact__w_exp(a), symact__dd_make(-1.0, 0.0));
    return symact__w_fix(expm1(a.hi), e);
}

/* log of a positive pair: a = f 2^m, y0 = log(f), one Newton step y0 + (f exp(-y0) - 1),
 * plus m ln2 */
SYMACT__PAIR symact__dd symact__w_log_reduced(symact__dd a)
{
    int m;
    double f, y0;
    symact__dd t, y;
    if (!(a.hi > 0) || !isfinite(a.hi))
        return symact__dd_make(log(a.hi), 0.0);
    f = frexp(a.hi, &m);
    y0 = log(f);
    t = symact__w_mul(symact__dd_make(f, ldexp(symact__w_lo(a), -m)), symact__w_exp(symact__dd_make(-y0, 0.0)));
    y = symact__w_add(symact__dd_make(y0, 0.0), symact__w_add(t, symact__dd_make(-1.0, 0.0)));
    return symact__w_add(symact__w_mul(symact__dd_make((double)m, 0.0),
                                       symact__dd_make(symact__c_LN2[0], symact__c_LN2[1])), y);
}

/* log(1 + a) for -1/2 < a < 1: y0 = log1p(a), the step y0 + (a + (1 + a) expm1(-y0)); a
 * normalised first (y0 must start from all of a: a - 1 may be 0 + lo) */
SYMACT__PAIR symact__dd symact__w_log1p_small(symact__dd a)
{
    double y0;
    symact__dd s;
    a = symact__two_sum(a.hi, symact__w_lo(a));
    y0 = log1p(a.hi);
    s = symact__w_add(symact__dd_make(1.0, 0.0), a);
    symact__dd t = symact__w_add(a, symact__w_mul(s, symact__w_expm1(symact__dd_make(-y0, 0.0))));
    return symact__w_add(symact__dd_make(y0, 0.0), t);
}

/* log: log1p(a - 1) for a in (1/2, 2) (a - 1 exact: the relative accuracy of a small log),
 * the reduced form elsewhere */
SYMACT__PAIR symact__dd symact__w_log(symact__dd a)
{
    if (a.hi > 0.5 && a.hi < 2.0)
        return symact__w_log1p_small(symact__dd_make(a.hi - 1.0, symact__w_lo(a)));
    return symact__w_log_reduced(a);
}

/* log(1 + a): the Newton step near 0 (-1/2 < a < 1), the reduced form of 1 + a elsewhere */
SYMACT__PAIR symact__dd symact__w_log1p(symact__dd a)
{
    if (a.hi > -0.5 && a.hi < 1.0)
        return symact__w_log1p_small(a);
    return symact__w_log_reduced(symact__w_add(symact__dd_make(1.0, 0.0), a));
}

/* sqrt: a scaled by an even power of two into [1/2, 2) (exactly), s = sqrt(h),
 * s + (a - s^2)/(2s) with s^2 exact, scaled back */
SYMACT__PAIR symact__dd symact__w_sqrt(symact__dd a)
{
    double s, r, hs, ls;
    int e, k;
    symact__dd p, q;
    if (!(a.hi > 0) || !isfinite(a.hi))
        return symact__dd_make(sqrt(a.hi), 0.0);
    (void)frexp(a.hi, &e);
    k = e - (e % 2 + 2) % 2;
    hs = ldexp(a.hi, -k);
    ls = ldexp(symact__w_lo(a), -k);
    s = sqrt(hs);
    p = symact__two_prod(s, s);
    r = ((hs - p.hi) - p.lo + ls) / (2 * s);
    q = symact__fast_two_sum(s, r);
    return symact__dd_make(ldexp(q.hi, k / 2), ldexp(q.lo, k / 2));
}

/* tanh: sign(u) E/(E + 2), E = expm1(2|u|); +-(1 - 2 exp(-2|u|)) beyond |u| = 40 */
SYMACT__PAIR symact__dd symact__w_tanh(symact__dd a)
{
    symact__dd u = symact__w_abs(a), e, t;
    if (u.hi > SYMACT__W_TANH_BIG)
        t = symact__dd_make(1.0, -2 * exp(-2 * u.hi));
    else {
        e = symact__w_expm1(symact__dd_make(2 * u.hi, 2 * u.lo));
        t = symact__w_div(e, symact__w_add(e, symact__dd_make(2.0, 0.0)));
    }
    return a.hi < 0 ? symact__w_neg(t) : t;
}

/* sqrt(a u^2 + c) of pairs: |u| sqrt(a + (c/u)/u) beyond |u| = 2^500, sqrt(a) |u| where
 * c = 0 (no overflow or underflow of u^2) */
SYMACT__PAIR symact__dd symact__w_sqrt_quad(symact__dd a, symact__dd u, symact__dd c)
{
    symact__dd m = symact__w_abs(u);
    if (m.hi > SYMACT__W_QUAD_BIG)
        return symact__w_mul(m, symact__w_sqrt(symact__w_add(a, symact__w_div(symact__w_div(c, m), m))));
    if (c.hi == 0 && c.lo == 0)
        return symact__w_mul(symact__w_sqrt(a), m);
    return symact__w_sqrt(symact__w_add(symact__w_mul(a, symact__w_mul(m, m)), c));
}

/* --- primitives of a rounded argument u = h + l -------------------------------------- */

/* y*(1 + c) as y + y*c; y itself where c is 0 (y = inf stays inf) */
SYMACT__INLINE double symact__dw_times(double y, double c)
{
    return c == 0 ? y : y + y * c;
}

SYMACT__INLINE double symact__exp_dw_f64(symact__dd u)
{
    return symact__dw_times(exp(u.hi), symact__w_lo(u));
}

SYMACT__INLINE double symact__expm1_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u);
    return lo == 0 ? expm1(u.hi) : expm1(u.hi) + exp(u.hi) * lo;
}

/* erfc amplifies u's rounding by about 2u^2 (pitfall 5); erfc'(u) = -2 exp(-u^2 - ln sqrt(pi)),
 * ln sqrt(pi) = ln sqrt(2 pi) - ln(2)/2 */
SYMACT__INLINE double symact__erfc_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u), lnsqrtpi = symact__c_LN_SQRT_2PI[0] - 0.5 * symact__c_LN2[0];
    return lo == 0 ? erfc(u.hi) : erfc(u.hi) - 2 * exp(-u.hi * u.hi - lnsqrtpi) * lo;
}

SYMACT__INLINE double symact__softplus_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u);
    return lo == 0 ? symact__softplus_f64(u.hi) : symact__softplus_f64(u.hi) + symact__sigmoid_f64(u.hi) * lo;
}

SYMACT__INLINE double symact__sigmoid_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__sigmoid_f64(u.hi), symact__sigmoid_f64(-u.hi) * symact__w_lo(u));
}

SYMACT__INLINE double symact__log_sigmoid_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u);
    return lo == 0 ? symact__log_sigmoid_f64(u.hi)
                   : symact__log_sigmoid_f64(u.hi) + symact__sigmoid_f64(-u.hi) * lo;
}

SYMACT__INLINE double symact__dsigmoid_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__dsigmoid_f64(u.hi), -tanh(u.hi / 2) * symact__w_lo(u));
}

SYMACT__INLINE double symact__sech2_dw_f64(symact__dd u)
{
    return symact__dw_times(symact__sech2_f64(u.hi), -2 * tanh(u.hi) * symact__w_lo(u));
}

SYMACT__INLINE double symact__mul_sigmoid_dw_f64(double a, symact__dd u)
{
    return symact__mul_sigmoid_f64(symact__dw_times(a, symact__sigmoid_f64(-u.hi) * symact__w_lo(u)), u.hi);
}

SYMACT__INLINE double symact__mul_dsigmoid_dw_f64(double a, symact__dd u)
{
    return symact__mul_dsigmoid_f64(symact__dw_times(a, -tanh(u.hi / 2) * symact__w_lo(u)), u.hi);
}

SYMACT__INLINE double symact__mul_exp_dw_f64(double a, symact__dd u)
{
    return symact__mul_exp_f64(symact__dw_times(a, symact__w_lo(u)), u.hi);
}

/* d/du log tanh(softplus(u)) = 4(1 + e)/((2 + e)(2 + 2e + e^2)), e = exp(u); for u > 0 in
 * w = exp(-u): 4w^2(1 + w)/((1 + 2w)(1 + 2w + 2w^2)) */
SYMACT__INLINE double symact__tsp_log_derivative(double u)
{
    double e, w;
    if (u <= 0) {
        e = exp(u);
        return 4 * (1 + e) / ((2 + e) * (2 + 2 * e + e * e));
    }
    w = exp(-u);
    return 4 * w * w * (1 + w) / ((1 + 2 * w) * (1 + 2 * w + 2 * w * w));
}

SYMACT__INLINE double symact__mul_tanh_softplus_dw_f64(double a, symact__dd u)
{
    return symact__mul_tanh_softplus_f64(symact__dw_times(a, symact__tsp_log_derivative(u.hi) * symact__w_lo(u)),
                                         u.hi);
}

/* f(h + l), f(w) = expm1(w) - w exp(w): f(h) - h exp(h) l */
SYMACT__INLINE double symact__expm1_sub_uexp_dw_f64(symact__dd u)
{
    double lo = symact__w_lo(u);
    if (lo == 0)
        return symact__expm1_sub_uexp_f64(u.hi);
    return symact__expm1_sub_uexp_f64(u.hi) - (u.hi * exp(u.hi)) * lo;
}

/* a*softplus(u); below the tail softplus(u) = exp(u) to within exp(2u)/2 and the product
 * is (a exp(u/2)) exp(u/2), one rounding into the subnormals */
SYMACT__INLINE double symact__mul_softplus_f64(double a, double u)
{
    return symact__sel(u < SYMACT__W_TAIL, symact__mul_exp_f64(a, u), a * symact__softplus_f64(u));
}

/* sigmoid(u)/softplus(u), the logarithmic derivative of softplus */
SYMACT__INLINE double symact__softplus_over_sigmoid(double u)
{
    double sp = symact__softplus_f64(u);
    return sp > 0 ? symact__sigmoid_f64(u) / sp : 1.0;
}

SYMACT__INLINE double symact__mul_softplus_dw_f64(double a, symact__dd u)
{
    return symact__mul_softplus_f64(symact__dw_times(a, symact__softplus_over_sigmoid(u.hi) * symact__w_lo(u)),
                                    u.hi);
}

/* E_k(u) = exp(u) - sum_{j<k} u^j/j! of a pair: for |u| <= 2 its series
 * u^k/k! (1 + u/(k+1) (1 + u/(k+2) (...))) in pairs; elsewhere exp(u) minus the
 * polynomial in pairs */
SYMACT__PAIR symact__dd symact__w_exp_rem(symact__dd u, int k)
{
    symact__dd t = symact__dd_make(1.0, 0.0), poly = symact__dd_make(0.0, 0.0), one = t;
    double fact = 1.0;
    int j;
    if (fabs(u.hi) <= SYMACT__W_REM_SERIES) {
        for (j = k + SYMACT__W_REM_TERMS; j > k; --j)
            t = symact__w_add(one, symact__w_div(symact__w_mul(u, t), symact__dd_make((double)j, 0.0)));
        for (j = 2; j <= k; ++j)
            fact *= j;
        return symact__w_div(symact__w_mul(symact__w_powi(u, k), t), symact__dd_make(fact, 0.0));
    }
    for (j = k - 1; j >= 0; --j) {
        int i;
        fact = 1.0;
        for (i = 2; i <= j; ++i)
            fact *= i;
        poly = symact__w_add(symact__w_div(one, symact__dd_make(fact, 0.0)), symact__w_mul(poly, u));
    }
    return symact__w_sub(symact__w_exp(u), poly);
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
 * sqrt(a) |u| where c = 0 and u*u underflows */
SYMACT__INLINE double symact__sqrt_quad_f64(double a, double u, double c)
{
    double m = fabs(u);
    if (m > SYMACT__W_QUAD_BIG)
        return m * sqrt(a + (c / m) / m);
    if (c == 0 && m < 1 / SYMACT__W_QUAD_BIG)
        return sqrt(a) * m;
    return sqrt(a * (m * m) + c);
}

/* y, with the limits at x = +inf and x = -inf (nan: y itself there) */
SYMACT__INLINE double symact__at_infinity_f64(double x, double y, double lpos, double lneg)
{
    if (isinf(x)) {
        double limit = x > 0 ? lpos : lneg;
        return isnan(limit) ? y : limit;
    }
    return y;
}

#endif /* SYMACT_RUNTIME_EXACT_H */
