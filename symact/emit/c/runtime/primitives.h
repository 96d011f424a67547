/* Stable primitives, one per class of symact/stabilise/primitives.py, in double (float
 * kernels that call them compute in double and round once).
 *
 * Written once for two precisions: the generated source includes this file twice, with
 * SYMACT_FN(name) defined as name##_f64 (double kernels: the f64 elementary functions,
 * within about half an ulp of double) and as name##_f32x (float kernels computed in
 * double: the f32x elementary functions, accurate to float's precision and about half
 * the cost, with SYMACT_FLOAT_PRECISION defined).  The same code serves both because
 * every formula here is exact or rounded once apart from its elementary function, whose
 * error it passes on unamplified.  Where that one rounding costs corrections (exact
 * remainders of quotients, double-word denominators, the subnormal tails), the float
 * precision takes the plain double arithmetic instead, under #ifdef
 * SYMACT_FLOAT_PRECISION: a few roundings of 2^-53 stay far below the 2^-40 its results
 * are held to, and each such place says so.
 *
 * Branch-free: every function is straight-line code whose regions are chosen by
 * selects (symact__sel, on values computed for every input), so that the kernel loops calling
 * them vectorise; each evaluates its exponential once, on an argument chosen by
 * select, instead of one exponential per region.  Callers pass non-nan arguments (the
 * kernel loops fold nan and +-inf in by selects).  Pitfall numbers in brackets refer
 * to docs/numerics.md. */
#include <math.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"
#include "elementary.h"

/* Below this u, exp(u) is subnormal (ln of the smallest normal double is -708.396):
 * a*exp(u) is then formed as (a*exp(u/2))*exp(u/2), so the subnormal's rounding is not
 * amplified by |a| (u/2 is exact). */
#define SYMACT__TAIL (-708.0)
/* Below this e, 1/(1 + e) = 1 - e and 1/(1 + e)^2 = 1 - 2e to within e^2 (under 1/128
 * ULP): one rounding instead of rounding 1 + e and dividing. */
#define SYMACT__SMALL 0x1p-30
/* Above this |u|, exp(-2|u|) < 2^-60 and sech(u)^2 = 4 exp(-2|u|) to within 2^-59. */
#define SYMACT__SECH2_TAIL 21.0
/* Above this u, exp(-u) < 2^-60 and sech(softplus(u))^2 = 4 exp(-2u) to within 2^-59. */
#define SYMACT__SECH2_SOFTPLUS_TAIL 42.0
/* Above this |u|, u*u overflows: sqrt(u^2 + c) = |u|*sqrt(1 + (c/u)/u). */
#define SYMACT__SQRT_BIG 0x1p500
/* exp(q) is 0 below this. */
#define SYMACT__QLO (-1500.0)
/* Below this, products are small enough that their double-word corrections would be
 * subnormal: the plain quotient is already within an ulp there; above BIG Dekker's
 * split (no FMA) could overflow. */
#define SYMACT__DW_TINY 0x1p-960
#define SYMACT__DW_BIG 0x1p990

/* Whether a*exp(u) is formed in the tail as (a*exp(u/2))*exp(u/2) (u below TAIL), and
 * whether 1/(1 + e) is taken as 1 - e (e below SMALL).  At float's precision neither:
 * the f32x exp flushes to 0 below -707, where a product with a factor of float's range
 * is below float's subnormals anyway, and the plain quotients there are within 2^-51
 * for every e, so both would only cost selects (constants here: the compiler drops
 * the branches they choose). */
SYMACT__INLINE int SYMACT_FN(symact__in_tail)(double u)
{
#ifdef SYMACT_FLOAT_PRECISION
    (void)u;
    return 0;
#else
    return u < SYMACT__TAIL;
#endif
}

/* Where the tail's value, SYMACT__scaled_tail(a, h), replaces a product q of a and h for
 * u < 0: in the tail; at float's precision where h underflowed to 0, which gives a zero
 * of a's sign there, as the double versions do, where q would be inf*0 = nan for an
 * infinite a (a direct argument: the kernel loops pass none, their limits are taken at
 * +-FLT_MAX) */
SYMACT__INLINE int SYMACT_FN(symact__use_tail)(int tail, double h)
{
#ifdef SYMACT_FLOAT_PRECISION
    (void)tail;
    return h == 0;
#else
    (void)h;
    return tail;
#endif
}

SYMACT__INLINE int SYMACT_FN(symact__is_small)(double e)
{
#ifdef SYMACT_FLOAT_PRECISION
    (void)e;
    return 0;
#else
    return e < SYMACT__SMALL;
#endif
}

/* expm1 and log1p are primitives of their own (the stabiliser's expm1 and log1p rules
 * produce them): the elementary functions */
SYMACT__INLINE double SYMACT_FN(symact__expm1)(double u)
{
    return SYMACT_FN(symact__elem_expm1)(u);
}

SYMACT__INLINE double SYMACT_FN(symact__log1p)(double u)
{
    return SYMACT_FN(symact__elem_log1p)(u);
}

/* log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) [1] */
SYMACT__INLINE double SYMACT_FN(symact__softplus)(double u)
{
    return symact__sel(u > 0, u, 0) + SYMACT_FN(symact__elem_log1p_unit)(SYMACT_FN(symact__elem_exp)(-fabs(u)));
}

/* -log(1 + exp(-u)) = min(u, 0) - log1p(exp(-|u|)) [3] */
SYMACT__INLINE double SYMACT_FN(symact__log_sigmoid)(double u)
{
    return symact__sel(u < 0, u, 0) - SYMACT_FN(symact__elem_log1p_unit)(SYMACT_FN(symact__elem_exp)(-fabs(u)));
}

/* 1/(1 + exp(-u)) from e = exp(-|u|) (given), by the sign of u, so exp never overflows
 * [2]: 1/(1 + e) or e/(1 + e), the numerator chosen before the one division. */
SYMACT__INLINE double SYMACT_FN(symact__sigmoid_of)(double u, double e)
{
    int pos = u >= 0;
#ifdef SYMACT_FLOAT_PRECISION
    /* the plain quotient (2^-52, where float's precision needs 2^-40), without the small-e
     * branch: the corrections below cost 0.6 ns of the 2 a float sigmoid took */
    return symact__sel(pos, 1, e) / (1.0 + e);
#else
    symact__dd t = symact__fast_two_sum(1.0, e); /* 1 + e exactly: 1 >= e */
    /* n/(t.hi + t.lo) rounded once (the remainder of the quotient corrects it) */
    double q = symact__el_div(symact__sel(pos, 1, e), 0.0, t.hi, t.lo);
    return symact__sel(e < SYMACT__SMALL, symact__sel(pos, 1 - e, e - e * e), q);
#endif
}

SYMACT__INLINE double SYMACT_FN(symact__sigmoid)(double u)
{
    return SYMACT_FN(symact__sigmoid_of)(u, SYMACT_FN(symact__elem_exp)(-fabs(u)));
}

/* n/(1 + e)^2 for 0 <= e <= 1, rounded once: 1 + e = t.hi + t.lo exactly, its square
 * p.hi + (p.lo + 2 t.hi t.lo) (t.lo^2, below 2^-104 of it, left out), and the quotient of
 * the double-words (symact__el_div) */
SYMACT__INLINE double SYMACT_FN(symact__over_one_plus_sq)(double n, double e)
{
#ifdef SYMACT_FLOAT_PRECISION
    double t = 1.0 + e; /* three roundings of 2^-53: float's precision needs 2^-40 */
    return n / (t * t);
#else
    symact__dd t = symact__fast_two_sum(1.0, e);
    symact__dd p = symact__two_prod(t.hi, t.hi);
    return symact__el_div(n, 0.0, p.hi, p.lo + 2 * t.hi * t.lo);
#endif
}

/* sigmoid(u)*sigmoid(-u) = e/(1 + e)^2, e = exp(-|u|) [2] */
SYMACT__INLINE double SYMACT_FN(symact__dsigmoid)(double u)
{
    double e = SYMACT_FN(symact__elem_exp)(-fabs(u));
    return symact__sel(SYMACT_FN(symact__is_small)(e), e - 2 * e * e, SYMACT_FN(symact__over_one_plus_sq)(e, e));
}

/* exp(ln 4 - 2a) where tail, with ln 4 - 2a carried as hi + lo so that it is rounded
 * once also in the subnormals, else exp(v): the tails of sech2 and sech2_softplus,
 * 4 exp(-2a) */
SYMACT__INLINE double SYMACT_FN(symact__exp_ln4_or)(double a, int tail, double v)
{
    symact__dd s = symact__two_sum(symact__c_LN4[0], -2 * a);
    return SYMACT_FN(symact__elem_exp_dd)(symact__sel(tail, s.hi, v), symact__sel(tail, s.lo + symact__c_LN4[1], 0));
}

/* 1 - tanh(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|) [9]; in the tail 4e itself, as
 * exp(ln 4 - 2|u|) with ln 4 - 2|u| carried as hi + lo, so the result is rounded once
 * also in the subnormals. */
SYMACT__INLINE double SYMACT_FN(symact__sech2)(double u)
{
#ifdef SYMACT_FLOAT_PRECISION
    /* no tail: 4 exp(-2|u|) rounded twice is within 2^-52 down to float's subnormals */
    double e = SYMACT_FN(symact__elem_exp)(-2 * fabs(u));
    return SYMACT_FN(symact__over_one_plus_sq)(4 * e, e);
#else
    double a = symact__sel(fabs(u) < 800, fabs(u), 800); /* sech2 = 0 beyond 373: keep lo finite */
    int tail = a > SYMACT__SECH2_TAIL;
    double e = SYMACT_FN(symact__exp_ln4_or)(a, tail, -2 * a);
    double body = symact__sel(e < SYMACT__SMALL, 4 * (e - 2 * e * e), SYMACT_FN(symact__over_one_plus_sq)(4 * e, e));
    return symact__sel(tail, e, body);
#endif
}

/* (a*(n.hi + n.lo))/(b.hi + b.lo): q + residual/b.hi with a*n.hi and the remainder of the
 * quotient exact, so one rounding remains, the quotient's; the plain quotient where the
 * products overflow or fall in the subnormals (the correction is below an ulp there).
 * At float's precision the plain double quotient (2^-52, one division instead of two:
 * a division costs a dozen additions in vectorised code). */
SYMACT__INLINE double SYMACT_FN(symact__mul_dd_div)(double a, symact__dd n, symact__dd b)
{
#ifdef SYMACT_FLOAT_PRECISION
    return (a * (n.hi + n.lo)) / (b.hi + b.lo);
#else
    double ph = a * n.hi, q = ph / b.hi;
    double qb = q * b.hi;
    int fine = (fabs(qb) != HUGE_VAL) & (fabs(ph) > SYMACT__DW_TINY) & (fabs(a) < SYMACT__DW_BIG);
    double corr = (((ph - qb) - symact__mul_err(q, b.hi, qb)) + (symact__mul_err(a, n.hi, ph) + a * n.lo)
                   - q * b.lo) / b.hi;
    return symact__sel(fine, q + corr, q);
#endif
}

/* a*h*h for h = exp(u/2) (u in the tail): one rounding into the subnormals; a zero of a's
 * sign once h underflows */
SYMACT__INLINE double SYMACT_FN(symact__scaled_tail)(double a, double h)
{
#ifdef SYMACT_FLOAT_PRECISION
    (void)h; /* taken only where h is 0 (symact__use_tail) */
    return copysign(0, a);
#else
    return symact__sel(h == 0, copysign(0, a), (a * h) * h);
#endif
}

/* a*sigmoid(u), the tail scaled [7]: with m = -|u| and h = exp(m) (exp(m/2) in the tail),
 * a/(1 + e^-u) for u >= 0, a e^u/(1 + e^u) for u < 0. */
SYMACT__INLINE double SYMACT_FN(symact__mul_sigmoid)(double a, double u)
{
    double m = -fabs(u);
    int tail = SYMACT_FN(symact__in_tail)(m);
    double h = SYMACT_FN(symact__elem_exp)(symact__sel(tail, 0.5 * m, m));
    double e = symact__sel(tail, h * h, h);
    int pos = u >= 0;
    /* a/(1 + e) or a e/(1 + e), 1 + e exact as a double-word: one rounding */
    double q = SYMACT_FN(symact__mul_dd_div)(a, symact__dd_make(symact__sel(pos, 1.0, e), 0.0),
                                      symact__fast_two_sum(1.0, e));
    return symact__sel(pos | !SYMACT_FN(symact__use_tail)(tail, h), q, SYMACT_FN(symact__scaled_tail)(a, h));
}

/* a*sigmoid(u)*sigmoid(-u) = a*e/(1 + e)^2, e = exp(-|u|), the tail scaled [7] */
SYMACT__INLINE double SYMACT_FN(symact__mul_dsigmoid)(double a, double u)
{
    double m = -fabs(u);
    int tail = SYMACT_FN(symact__in_tail)(m);
    double h = SYMACT_FN(symact__elem_exp)(symact__sel(tail, 0.5 * m, m));
#ifdef SYMACT_FLOAT_PRECISION
    double t = 1.0 + h, q = (a * h) / (t * t); /* 2^-51 at most */
#else
    /* a h/(1 + h)^2 with (1 + h)^2 as a double-word (see symact__over_one_plus_sq): one
     * rounding, which silu' needs (it sums this against a near-equal term) */
    symact__dd t = symact__fast_two_sum(1.0, h);
    symact__dd p = symact__two_prod(t.hi, t.hi);
    double q = SYMACT_FN(symact__mul_dd_div)(a, symact__dd_make(h, 0.0), symact__dd_make(p.hi, p.lo + 2 * t.hi * t.lo));
#endif
    return symact__sel(SYMACT_FN(symact__use_tail)(tail, h), SYMACT_FN(symact__scaled_tail)(a, h), q);
}

/* n = e(2 + e) for 0 <= e <= 1 as a double-word (2 + e exact: 2 >= e): tanh(softplus(u))
 * = n/(n + 2) and sech(softplus(u))^2 = 4(1 + e)^2/(n + 2)^2 for u < 0, e = exp(u) */
SYMACT__INLINE symact__dd SYMACT_FN(symact__n_of)(double e)
{
    return symact__dd_mul(symact__dd_make(e, 0.0), symact__fast_two_sum(2.0, e));
}

/* sech(softplus(u))^2 = 1 - tanh(log(1 + exp(u)))^2 from e = exp(-|u|) [9]: (n/d)^2 with
 * n = 2(1 + e), d = 2 + e(2 + e) for u < 0, and the same divided by exp(2u), n = 2e(1 + e),
 * d = 1 + n, for u >= 0: sums of positive terms, no overflow, and never the sech^2 of a
 * rounded softplus (which amplifies its rounding by 2 softplus(u)).  n^2 and d^2 as
 * double-words and their quotient rounded once; in the tail 4 exp(-2u) itself, as
 * exp(ln 4 - 2u) with ln 4 - 2u carried as hi + lo, rounded once also in the subnormals. */
SYMACT__INLINE double SYMACT_FN(symact__sech2_softplus)(double u)
{
    int pos = u >= 0;
#ifdef SYMACT_FLOAT_PRECISION
    /* a few roundings of 2^-53, no tail: float's precision needs 2^-40 */
    double e = SYMACT_FN(symact__elem_exp)(-fabs(u)), s = 1 + e;
    double n = symact__sel(pos, 2 * e * s, 2 * s);
    double q = n / symact__sel(pos, 1 + n, 2 + e * (2 + e));
    return q * q;
#else
    double a = symact__sel(u < 800, u, 800); /* the result is 0 beyond 373: keep lo finite */
    int tail = a > SYMACT__SECH2_SOFTPLUS_TAIL;
    double e = SYMACT_FN(symact__exp_ln4_or)(a, tail, -fabs(u));
    symact__dd s = symact__fast_two_sum(1.0, e); /* 1 + e, exact: 1 >= e */
    symact__dd n_pos = symact__dd_mul(symact__dd_make(2 * e, 0.0), s);
    symact__dd n = symact__dd_sel(pos, n_pos, symact__dd_make(2 * s.hi, 2 * s.lo));
    symact__dd d = symact__dd_sel(pos, symact__dd_add(symact__dd_make(1.0, 0.0), n_pos),
                                  symact__dd_add(symact__dd_make(2.0, 0.0), SYMACT_FN(symact__n_of)(e)));
    double q = SYMACT_FN(symact__mul_dd_div)(1.0, symact__dd_mul(n, n), symact__dd_mul(d, d));
    return symact__sel(tail, e, q);
#endif
}

/* sqrt(u^2 + c), c >= 0, without overflow of u^2 [10] */
SYMACT__INLINE double SYMACT_FN(symact__sqrt_sq_plus)(double u, double c)
{
    double a = fabs(u);
    int big = a > SYMACT__SQRT_BIG;
    double r = sqrt(symact__sel(big, 1 + (c / a) / a, a * a + c));
    return symact__sel(big, a * r, r);
}

/* 1/u^2 as (1/u)*(1/u): u*u overflows long before 1/u^2 underflows [11] */
SYMACT__INLINE double SYMACT_FN(symact__inv_sq)(double u)
{
    double r = 1 / u;
    return r * r;
}

/* a*exp(u), the tail scaled */
SYMACT__INLINE double SYMACT_FN(symact__mul_exp)(double a, double u)
{
    int tail = SYMACT_FN(symact__in_tail)(u);
    double h = SYMACT_FN(symact__elem_exp)(symact__sel(tail, 0.5 * u, u));
    return symact__sel(SYMACT_FN(symact__use_tail)(tail, h), SYMACT_FN(symact__scaled_tail)(a, h), a * h);
}

/* softplus(u) = max(u, 0) + log1p(h), h = exp(-|u|), returned with h; in the tail (u below
 * TAIL) h = exp(u/2) instead, and what is returned is not used */
SYMACT__INLINE double SYMACT_FN(symact__softplus_h)(double u, double *h)
{
    *h = SYMACT_FN(symact__elem_exp)(symact__sel(SYMACT_FN(symact__in_tail)(u), 0.5 * u, -fabs(u)));
    return symact__sel(u > 0, u, 0) + SYMACT_FN(symact__elem_log1p_unit)(*h);
}

/* a*softplus(u); below the tail softplus(u) = exp(u) to within exp(2u)/2 and the product
 * is (a exp(u/2)) exp(u/2), one rounding into the subnormals: one exponential for both */
SYMACT__INLINE double SYMACT_FN(symact__mul_softplus)(double a, double u)
{
    double h, sp = SYMACT_FN(symact__softplus_h)(u, &h);
    return symact__sel(SYMACT_FN(symact__use_tail)(SYMACT_FN(symact__in_tail)(u), h) & (u < 0),
                       SYMACT_FN(symact__scaled_tail)(a, h), a * sp);
}

/* expm1(u) - u*exp(u), given eu = exp(u): for v = -u in [0, 2] the positive series
 * -exp(-v) (v^2/2) sum_j 2 v^j/(j + 2)! (no cancellation near u = 0; coefficients from
 * the data file), (1 - u)*exp(u) - 1 elsewhere, -1 below QLO (0*inf at u = -inf) */
SYMACT__INLINE double SYMACT_FN(symact__esu)(double u, double eu)
{
    double v = -u;
    int series = (v >= 0) & (v <= 2);
    double w = symact__sel(series, v, 0);
    double t = symact__horner(symact__c_EXPM1_SUB_UEXP_SERIES, SYMACT__LEN(symact__c_EXPM1_SUB_UEXP_SERIES), w);
    double other = symact__sel(u < SYMACT__QLO, -1, (1 - u) * eu - 1);
    return symact__sel(series, -(eu * (w * w / 2 * t)), other);
}

SYMACT__INLINE double SYMACT_FN(symact__expm1_sub_uexp)(double u)
{
    return SYMACT_FN(symact__esu)(u, SYMACT_FN(symact__elem_exp)(u));
}

/* a*tanh(log(1 + exp(u))), from e = exp(-|u|): for u < 0, n/(n + 2) with n = e(2 + e);
 * for u >= 0, (1 + 2e)/(1 + 2e + 2e^2) (the same fraction divided by exp(2u)); numerator
 * and denominator as double-words and the quotient rounded once: no cancellation, no
 * overflow, no tanh [8]; below TAIL a*exp(u), scaled. */
SYMACT__INLINE double SYMACT_FN(symact__mul_tanh_softplus)(double a, double u)
{
    int tail = SYMACT_FN(symact__in_tail)(u), pos = u >= 0;
    double e = SYMACT_FN(symact__elem_exp)(symact__sel(tail, 0.5 * u, -fabs(u)));
    symact__dd n_neg = SYMACT_FN(symact__n_of)(e), d_neg = symact__dd_add(symact__dd_make(2.0, 0.0), n_neg);
    symact__dd n_pos = symact__two_sum(1.0, 2 * e);
    symact__dd d_pos = symact__dd_add(n_pos, symact__two_prod(2 * e, e));
    double q = SYMACT_FN(symact__mul_dd_div)(a, symact__dd_sel(pos, n_pos, n_neg), symact__dd_sel(pos, d_pos, d_neg));
    return symact__sel(SYMACT_FN(symact__use_tail)(tail, e) & !pos, SYMACT_FN(symact__scaled_tail)(a, e), q);
}

