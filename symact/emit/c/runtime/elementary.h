/* Elementary functions the compiler can vectorise: exp, expm1, log, log1p, erfc, tanh,
 * exp of a double-word argument, and exp as a double-word, for double and float.
 *
 *   symact__elem_NAME_f64(double) and symact__elem_NAME_f32(float), NAME in exp, expm1,
 *   log, log1p, erfc, tanh;  symact__elem_exp_dd_f64(hi, lo) = exp(hi + lo) (hi + lo an
 *   unevaluated sum, so the rounding of an argument is not amplified: pitfall 17) and
 *   symact__elem_exp_dd_f32;  symact__dd symact__elem_exp2dd_f64(hi, lo): exp(hi + lo)
 *   as a double-word (relative error about 2^-100 while the low part is normal).
 *
 * Every function is straight-line code: no branches, no early returns, no calls that
 * block vectorisation (fma where it is an instruction, else Dekker's product), special
 * values folded in by selects; pitfall 19 in docs/numerics.md explains why.  Bit
 * patterns go through memcpy of a uint64_t, which compilers turn into register moves.
 * The polynomials are the data file's fits (symact/emit/constants/elementary.py).
 *
 * Method (SLEEF, glibc's libmvec and fdlibm build theirs the same way; this is our code):
 * - exp: x = k ln2 + r, |r| <= ln2/2, ln 2 split in two (Cody & Waite 1980) so the
 *   reduction is exact; e^r - 1 = r + r^2/2 + r^3 Q(r) with r + r^2/2 exact as a
 *   double-word; 2^k applied through the exponent bits, in two factors so that k up to
 *   1024 stays in range, and on the subnormal grid (1 + y rounds y there) so a subnormal
 *   result is rounded once.
 * - expm1: (2^k - 1) + 2^k (e^r - 1) summed as double-words; tanh|x| = -T/(2 + T),
 *   T = expm1(-2|x|) as a double-word, one division with its exact remainder.
 * - log: x = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), s = f/(2 + f),
 *   log(1 + f) = 2 atanh(s) = 2s + s R(s^2) (fdlibm's reduction) with s a double-word;
 *   log1p: 1 + x = u + c exactly (two-sum), c carried in the numerator of s.
 * - erfc: 1 - x P(x^2) for |x| < 1/2; else e^(-a^2) J(a)/(a + 1/2), a = |x|, a^2 exact, J
 *   a fit that varies by under 10% (its first two terms exact, so the error of the rest
 *   stays small), 2 - erfc(a) for x < 0.
 * - float: each function is evaluated in double with shorter fits and rounded once: a
 *   result within about 2^-32 of the exact value rounds to the correctly rounded float
 *   except in rare near-ties (at most 0.5 + 2^-8 ULP), the float range (overflow,
 *   subnormal results) lies inside double's so no scaling or subnormal path is needed,
 *   and reaching <= 1 ULP in float arithmetic would need float double-words, which cost
 *   as much as the conversions (glibc's expf and logf evaluate in double too).
 *
 * SYMACT_USE_LIBM defined maps every symact__elem_* function to the C library (a
 * reference build); the libm-free implementations (symact__el_*) are compiled either way.
 */
#ifndef SYMACT_RUNTIME_ELEMENTARY_H
#define SYMACT_RUNTIME_ELEMENTARY_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"

/* fma only where it is one instruction: a software fma is far slower than Dekker's
 * product and blocks vectorisation.  FP_FAST_FMA is C99's promise (gcc sets it); clang
 * says it with __FMA__ (x86) or __ARM_FEATURE_FMA only. */
#if defined(FP_FAST_FMA) || defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define SYMACT__EL_FMA 1
#endif

/* Adding it rounds |v| < 2^51 to an integer k, which the low bits of the sum then hold
 * as 2^51 + k (the bits of 0x1.8p52 plus k). */
#define SYMACT__EL_SHIFT 0x1.8p52
#define SYMACT__EL_SHIFT_BITS 0x4338000000000000ULL
/* Out of range the result is chosen by a select on the argument (the arithmetic there
 * is garbage, never undefined: the bit manipulations are on uint64_t).  The argument is
 * not clamped instead: a clamp to a constant lets the compiler fold the whole function
 * on that path (jump threading), and the branches it leaves are not if-converted, so the
 * loop is not vectorised.  exp(x) overflows above 709.78 and rounds to 0 below -745.13. */
#define SYMACT__EL_EXP_HI 710.0
#define SYMACT__EL_EXP_LO (-746.0)
/* expm1(x) = -1 + e^x rounds to -1 below -37.5; tanh(x) rounds to 1 above 19.1 */
#define SYMACT__EL_EXPM1_LO (-40.0)
#define SYMACT__EL_TANH_END 20.0
/* above this k the -1 of expm1 is below the last bit of 2^k and 2^k itself may overflow */
#define SYMACT__EL_EXPM1_BIG 1000.0
/* erfc(a) < 2^-1075 (double) and < 2^-150 (float) beyond these */
#define SYMACT__EL_ERFC_END 27.3
#define SYMACT__EL_ERFC_END_F32 10.1
/* The float bounds: exp(-104) < 2^-150 and exp(89) > FLT_MAX; expm1(-20) rounds to -1;
 * tanh(10) rounds to 1 in float. */
#define SYMACT__EL_EXP_HI_F32 89.0
#define SYMACT__EL_EXP_LO_F32 (-104.0)
#define SYMACT__EL_EXPM1_LO_F32 (-20.0)
#define SYMACT__EL_TANH_END_F32 10.0

/* --- bits, products, polynomials -------------------------------------------------- */

/* |x| and x with the sign of s, through the sign bit */
SYMACT__INLINE double symact__el_abs(double x)
{
    return symact__from_bits(symact__bits(x) & 0x7fffffffffffffffULL);
}

SYMACT__INLINE double symact__el_copysign(double x, double s)
{
    return symact__from_bits((symact__bits(x) & 0x7fffffffffffffffULL) |
                             (symact__bits(s) & 0x8000000000000000ULL));
}

/* kb (the bits of SHIFT + k, as in symact__el_red) where lo <= k <= hi, else the bits of
 * SHIFT + 0.  Every lane computes every path; a lane whose result is selected away must
 * not compute with subnormal numbers all the same, since on x86 each operation producing
 * one costs a microcode assist (about 100 cycles): the unused lanes scale by 2^0. */
SYMACT__INLINE uint64_t symact__el_kbits(double kd, uint64_t kb, double lo, double hi)
{
    return symact__sel_u64((kd >= lo) & (kd <= hi), kb, SYMACT__EL_SHIFT_BITS);
}

/* 2^e for a biased exponent 1 <= b <= 2046 (b = e + 1023) */
SYMACT__INLINE double symact__el_pow2(uint64_t b)
{
    return symact__from_bits(b << 52);
}

/* a*b + c, rounded once where fma is an instruction */
SYMACT__INLINE double symact__el_mla(double a, double b, double c)
{
#ifdef SYMACT__EL_FMA
    return fma(a, b, c);
#else
    return a * b + c;
#endif
}

/* c[0] + x*(c[1] + ... + x*c[n-1]).  The loop must be unrolled for the caller's loop to
 * be vectorised: gcc does that by itself only up to 16 iterations, clang unrolls it fully
 * by itself (and a pragma would defer its unrolling until after vectorisation). */
SYMACT__INLINE double symact__el_poly(const double *c, int n, double x)
{
    double p = c[n - 1];
    int i;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 32
#endif
    for (i = n - 2; i >= 0; --i)
        p = symact__el_mla(p, x, c[i]);
    return p;
}

/* the same with each coefficient chosen from a or b */
SYMACT__INLINE double symact__el_poly2(const double *a, const double *b, int n, int use_a, double x)
{
    double p = symact__sel(use_a, a[n - 1], b[n - 1]);
    int i;
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 32
#endif
    for (i = n - 2; i >= 0; --i)
        p = symact__el_mla(p, x, symact__sel(use_a, a[i], b[i]));
    return p;
}

/* (nh + nl)/(dh + dl) rounded once (to ~2^-100 before that rounding), one division: the
 * remainder of q = nh/dh is exact and corrects q (Markstein's scheme) */
SYMACT__INLINE double symact__el_div(double nh, double nl, double dh, double dl)
{
    double inv = 1.0 / dh, q = nh * inv;
    symact__dd p = symact__two_prod(q, dh);
    double r = ((nh - p.hi) - p.lo) + (nl - q * dl); /* nh - p.hi exact (Sterbenz) */
    return symact__el_mla(r, inv, q);
}

/* --- exp and expm1, double ------------------------------------------------------- */

/* x = k ln2 + r: kd = k (an integer), kb = the bits of SHIFT + k, r = rh + rl */
typedef struct {
    double kd, rh, rl;
    uint64_t kb;
} symact__el_red;

/* (xh + xl) - k ln2 for |xh| <= 746: k ln2_hi is exact (32-bit ln2_hi, |k| < 2^11) and
 * so is xh - k ln2_hi (Sterbenz); the rest is summed exactly */
SYMACT__INLINE symact__el_red symact__el_reduce(double xh, double xl)
{
    symact__el_red e;
    double t = symact__el_mla(xh, symact__c_INV_LN2, SYMACT__EL_SHIFT), a;
    symact__dd r;
    e.kd = t - SYMACT__EL_SHIFT;
    e.kb = symact__bits(t);
    a = symact__el_mla(-e.kd, symact__c_LN2_SPLIT[0], xh); /* the product is exact either way */
    r = symact__two_sum(a, symact__el_mla(-e.kd, symact__c_LN2_SPLIT[1], xl));
    e.rh = r.hi;
    e.rl = r.lo;
    return e;
}

/* e^r - 1 for r = rh + rl, |r| <= 0.35, as s.hi + s.lo with |s.lo| < 0.006 |s.hi| (not
 * normalised: the callers that need it normalise): r + r^2/2 exact, r^3 Q(r) and
 * rl (1 + r + r^2/2) (the first-order effect of rl) in double; relative error about 2^-60 */
SYMACT__INLINE symact__dd symact__el_expm1_core(double rh, double rl)
{
    symact__dd h = symact__two_prod(rh, 0.5 * rh);
    symact__dd s = symact__fast_two_sum(rh, h.hi); /* |rh| >= rh^2/2 */
    double q = (2.0 * h.hi) * rh * symact__el_poly(symact__c_EL_EXPM1_Q, SYMACT__LEN(symact__c_EL_EXPM1_Q), rh);
    s.lo += (h.lo + q) + symact__el_mla(rl, rh + h.hi, rl);
    return s;
}

/* 2^k (h + l) rounded once, h + l > 2^-60, |l| < h/8, -1076 <= k <= 1024 (k from kb as in
 * symact__el_red).
 * Normally (h + l) 2^k1 2^k2 with k1 + k2 = k, both in range: only the last product rounds
 * (or overflows).  A subnormal result is formed as ((1 + y) - 1) 2^-1022 with
 * y = (h + l) 2^(k + 1022) < 1: the sum 1 + y rounds y on the subnormal grid (2^-52 there
 * is 2^-1074 after the scaling), so it is rounded once, not twice (glibc's exp does the
 * same in its special case). */
SYMACT__INLINE double symact__el_scale(double h, double l, double kd, uint64_t kb)
{
    uint64_t kk = symact__el_kbits(kd, kb, -1076.0, 1024.0) - SYMACT__EL_SHIFT_BITS + 2046; /* k + 2046 */
    uint64_t b1 = kk >> 1;
    double v = h + l, yn = v * symact__el_pow2(b1) * symact__el_pow2(kk - b1);
    /* 2^(k + 1022) where k < -1000, else 2^60: there y >= 1 (no subnormal in ys, and the
     * normal result is chosen) for any h + l > 2^-60 */
    double sc = symact__el_pow2(symact__sel_u64(kd < -1000.0, kk - 1, 1023 + 60));
    double y = h * sc, one = 1.0 + y;
    double lo = ((1.0 - one) + y) + l * sc;              /* (1 - one) + y is exact */
    double ys = ((one + lo) - 1.0) * 0x1p-1022;
    return symact__sel(v * sc < 1.0, ys, yn);         /* (h + l) 2^(k + 1022) < 1 */
}

/* 2^k (1 + s) - 1 as a double-word for -60 <= k <= 1023: (2^k - 1) exact as a two-sum,
 * plus 2^k s (exact scaling of s.hi), summed once more exactly */
SYMACT__INLINE symact__dd symact__el_expm1_parts(symact__el_red e, symact__dd s)
{
    double t = symact__el_pow2(symact__el_kbits(e.kd, e.kb, -60.0, 1023.0) - SYMACT__EL_SHIFT_BITS + 1023);
    symact__dd c = symact__two_sum(t, -1.0);
    symact__dd m = symact__two_sum(c.hi, t * s.hi);
    return symact__fast_two_sum(m.hi, m.lo + (c.lo + t * s.lo));
}

/* expm1(x) as a double-word, -40 <= x <= 700 (tanh's T) */
SYMACT__INLINE symact__dd symact__el_expm1_dd(double x)
{
    symact__el_red e = symact__el_reduce(x, 0.0);
    return symact__el_expm1_parts(e, symact__el_expm1_core(e.rh, e.rl));
}

/* exp(xh + xl), |xl| small against xh (at most a few ulp of xh) */
SYMACT__INLINE double symact__el_exp_dd(double xh, double xl)
{
    symact__el_red e = symact__el_reduce(xh, xl);
    symact__dd s = symact__el_expm1_core(e.rh, e.rl);
    symact__dd u = symact__fast_two_sum(1.0, s.hi);
    double y = symact__el_scale(u.hi, u.lo + s.lo, e.kd, e.kb);
    y = symact__sel(xh > SYMACT__EL_EXP_HI, HUGE_VAL, y);
    return symact__sel(xh < SYMACT__EL_EXP_LO, 0.0, y);
}

SYMACT__INLINE double symact__el_exp(double x)
{
    return symact__el_exp_dd(x, 0.0);
}

SYMACT__INLINE double symact__el_expm1(double x)
{
    symact__el_red e = symact__el_reduce(x, 0.0);
    symact__dd s = symact__el_expm1_core(e.rh, e.rl);
    symact__dd m = symact__el_expm1_parts(e, s);
    symact__dd u = symact__fast_two_sum(1.0, s.hi);
    double big = symact__el_scale(u.hi, u.lo + s.lo, e.kd, e.kb);
    double y = symact__sel(e.kd > SYMACT__EL_EXPM1_BIG, big, m.hi + m.lo);
    y = symact__sel(x > SYMACT__EL_EXP_HI, HUGE_VAL, y);
    y = symact__sel(x < SYMACT__EL_EXPM1_LO, -1.0, y);
    return symact__sel(x == 0.0, x, y); /* expm1(-0) = -0 */
}

/* exp(hi + lo) as a double-word: hi + lo = (64k + j) ln2/64 + r, |r| <= ln2/128, the
 * three-part ln2/64 of the data file (the first part's product exact), then
 * 2^k 2^(j/64) (1 + r + r^2/2! + ... + r^10/10!): the terms from r^6 in double, the rest
 * in double-word, 2^(j/64) from the double-word table (Tang 1989).  Relative error about
 * 2^-100 while the result is above 2^-969 (below, the low part loses bits in the
 * subnormals); 0 below -746, inf above 709.78. */
SYMACT__INLINE symact__dd symact__el_exp2dd(double hi, double lo)
{
    double t, kd, q;
    uint64_t kb, kk, b1;
    symact__dd p, r, e, c, tab, y;
    int i;
    t = hi * symact__c_INV_LN2_64 + SYMACT__EL_SHIFT;
    kd = t - SYMACT__EL_SHIFT;
    kb = symact__bits(t);
    p = symact__two_prod(kd, symact__c_LN2_64_SPLIT[1]);
    r = symact__two_sum(hi - kd * symact__c_LN2_64_SPLIT[0], -p.hi); /* first part exact */
    e = symact__two_sum(r.hi, lo);
    r = symact__fast_two_sum(e.hi, (r.lo + e.lo) - (p.lo + kd * symact__c_LN2_64_SPLIT[2]));
    /* 1/6! + r/7! + ... + r^4/10! in double (INV_FACT[k] = 1/(k + 2)!) */
    q = symact__el_poly(symact__c_INV_FACT + 4, 5, r.hi);
    e = symact__dd_make(q, 0.0);
    for (i = 3; i >= 0; --i) { /* 1/(i + 2)! + r*e in double-word */
        e = symact__dd_mul(e, r);
        c = symact__fast_two_sum(symact__c_INV_FACT_DD_HI[i], e.hi);
        e = symact__fast_two_sum(c.hi, c.lo + (e.lo + symact__c_INV_FACT_DD_LO[i]));
    }
    e = symact__dd_mul(e, r);                        /* r/2! + ... */
    c = symact__fast_two_sum(1.0, e.hi);             /* 1 + r/2! + ... */
    e = symact__dd_mul(symact__fast_two_sum(c.hi, c.lo + e.lo), r); /* e^r - 1 */
    tab = symact__dd_make(symact__c_EXP2_64_HI[kb & 63], symact__c_EXP2_64_LO[kb & 63]);
    e = symact__dd_mul(tab, e);
    y = symact__fast_two_sum(tab.hi, e.hi);
    y = symact__fast_two_sum(y.hi, y.lo + (e.lo + tab.lo));
    /* 2^k in two factors, kk = k + 2046 with k = floor(kd/64) */
    kk = ((symact__el_kbits(kd, kb, -64.0 * 1077.0, 64.0 * 1025.0 - 1.0) - SYMACT__EL_SHIFT_BITS) + 64 * 2046) >> 6;
    b1 = kk >> 1;
    y.hi = y.hi * symact__el_pow2(b1) * symact__el_pow2(kk - b1);
    y.lo = y.lo * symact__el_pow2(b1) * symact__el_pow2(kk - b1);
    y.hi = symact__sel(hi > SYMACT__EL_EXP_HI, HUGE_VAL, y.hi);
    y.lo = symact__sel((y.hi == HUGE_VAL) | (hi > SYMACT__EL_EXP_HI) | (hi < SYMACT__EL_EXP_LO), 0.0, y.lo);
    y.hi = symact__sel(hi < SYMACT__EL_EXP_LO, 0.0, y.hi);
    return y;
}

/* --- log and log1p, double ------------------------------------------------------- */

/* k and 1 + f with u = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)), u > 0 normal; tz holds
 * k << 52, from which 2^-k follows */
typedef struct {
    double kd, f;
    uint64_t tz;
} symact__el_split;

SYMACT__INLINE symact__el_split symact__el_log_split(double u)
{
    symact__el_split o;
    uint64_t iu = symact__bits(u);
    uint64_t tmp = iu - 0x3fe6a09e667f3bcdULL; /* the bits of sqrt(1/2) */
    uint64_t q = (tmp + 0x8000000000000000ULL) >> 52; /* k + 2048 */
    o.tz = tmp & 0xfff0000000000000ULL;
    o.kd = symact__from_bits(0x4330000000000000ULL + q) - (0x1p52 + 2048.0); /* q as a double */
    o.f = symact__from_bits(iu - o.tz) - 1.0; /* exact (Sterbenz) */
    return o;
}

/* k ln2 + log(1 + n), n = f + fl, |fl| <= 2^-52 (or f = 0): log(1 + n) = 2 atanh(s) =
 * 2s + s R(s^2), s = n/(2 + n) as a double-word (n and 2 + n exact as double-words, the
 * remainder of the quotient exact: one division), so only s R (about 1% of the result)
 * and k ln2_lo carry rounding errors */
SYMACT__INLINE double symact__el_log_core(double kd, double f, double fl)
{
    symact__dd n = symact__fast_two_sum(f, fl);      /* |f| >= |fl| or f = 0 */
    symact__dd d = symact__fast_two_sum(2.0, n.hi);
    double inv = 1.0 / d.hi, s = n.hi * inv, z, r, lo;
    symact__dd p = symact__two_prod(s, d.hi), b;
    double sl = (((n.hi - p.hi) - p.lo) + (n.lo - s * (d.lo + n.lo))) * inv;   /* n.hi - p.hi exact */
    z = s * s;
    r = z * symact__el_poly(symact__c_EL_LOG_R, SYMACT__LEN(symact__c_EL_LOG_R), z);
    b = symact__fast_two_sum(kd * symact__c_LN2_SPLIT[0], 2.0 * s);             /* k = 0 or |k ln2| > |2s| */
    lo = 2.0 * sl + s * r + kd * symact__c_LN2_SPLIT[1];
    return b.hi + (b.lo + lo);
}

SYMACT__INLINE double symact__el_log(double x)
{
    int sub = x < DBL_MIN;
    double xs = symact__sel(sub, x * 0x1p54, x), y;
    symact__el_split o = symact__el_log_split(xs);
    y = symact__el_log_core(o.kd - symact__sel(sub, 54.0, 0.0), o.f, 0.0);
    y = symact__sel(x == HUGE_VAL, x, y);
    y = symact__sel(x == 0.0, -HUGE_VAL, y);
    y = symact__sel(x < 0.0, (double)NAN, y);
    return symact__sel(x != x, x, y);
}

SYMACT__INLINE double symact__el_log1p(double x)
{
    symact__dd u = symact__two_sum(1.0, x); /* 1 + x = u.hi + u.lo exactly */
    symact__el_split o = symact__el_log_split(u.hi);
    double two_mk = symact__from_bits(0x3ff0000000000000ULL - o.tz); /* 2^-k, k <= 1022 */
    double y = symact__el_log_core(o.kd, o.f, symact__sel(o.kd > SYMACT__EL_EXPM1_BIG, 0.0, u.lo * two_mk));
    y = symact__sel(x == HUGE_VAL, x, y);
    y = symact__sel(x == -1.0, -HUGE_VAL, y);
    y = symact__sel(x < -1.0, (double)NAN, y);
    y = symact__sel(symact__el_abs(x) < 0x1p-60, x, y); /* x - x^2/2 rounds to x; -0 kept */
    return symact__sel(x != x, x, y);
}

/* --- tanh and erfc, double -------------------------------------------------------- */

/* tanh|x| = -T/(2 + T), T = expm1(-2|x|) in (-1, 0] as a double-word */
SYMACT__INLINE double symact__el_tanh(double x)
{
    double a = symact__el_abs(x), y;
    symact__dd t = symact__el_expm1_dd(-2.0 * a);
    symact__dd d = symact__fast_two_sum(2.0, t.hi);
    y = symact__el_div(-t.hi, -t.lo, d.hi, d.lo + t.lo);
    return symact__el_copysign(symact__sel(a > SYMACT__EL_TANH_END, 1.0, y), x);
}

SYMACT__INLINE double symact__el_erfc(double x)
{
    double a = symact__el_abs(x), w = x * x, t, tl, c1, inv, ypos, tn, yneg, ysmall, w2;
    int near;
    symact__dd p, sq, s, u, den, j, m, one;
    symact__el_red e;
    /* |x| < 1/2: 1 - erf(x), erf(x) = x c0 + x^3 c1 + x^3 w P2(w), w = x^2: the first two
     * terms (up to 52% and 5% of erfc) as exact products, the rest (0.4%) in double */
    sq = symact__two_prod(x, x);
    p = symact__two_prod(x, sq.hi);                                   /* x^3 */
    p.lo += x * sq.lo;
    m = symact__two_prod(p.hi, symact__c_EL_ERF_SMALL[1]);            /* c1 x^3 */
    m.lo += p.lo * symact__c_EL_ERF_SMALL[1] +
            p.hi * (w * symact__el_poly(symact__c_EL_ERF_SMALL + 2, SYMACT__LEN(symact__c_EL_ERF_SMALL) - 2, w));
    p = symact__two_prod(x, symact__c_EL_ERF_SMALL[0]);               /* c0 x */
    p.lo += x * symact__c_EL_ERF_SMALL_LO;
    j = symact__fast_two_sum(p.hi, m.hi);                                /* |c0 x| > |c1 x^3| */
    one = symact__two_sum(1.0, -j.hi);
    ysmall = one.hi + (one.lo - (j.lo + (p.lo + m.lo)));
    /* a >= 1/2: e^(-a^2) J(a)/(a + 1/2) */
    sq = symact__two_prod(a, a);
    e = symact__el_reduce(-sq.hi, -sq.lo);
    s = symact__el_expm1_core(e.rh, e.rl);
    u = symact__fast_two_sum(1.0, s.hi);
    u.lo += s.lo;
    den = symact__fast_two_sum(a, 0.5);
    inv = 1.0 / den.hi;
    m = symact__two_prod(den.hi, inv);
    m.lo = (((1.0 - m.hi) - m.lo) - den.lo * inv) * inv; /* 1/(a + 1/2) = inv + m.lo */
    near = a < 2.0;
    /* the variable t: a - shift (exact) or shift - 1/(a + 1/2) as a double-word, since
     * J'(t) dt would otherwise add 0.1 ulp */
    j = symact__two_sum(symact__c_EL_ERFC_FAR_SHIFT, -inv);
    t = symact__sel(near, a - symact__c_EL_ERFC_NEAR_SHIFT, j.hi);
    tl = symact__sel(near, 0.0, j.lo - m.lo);
    /* J = c0 + t c1 + t^2 P2(t): c0 as hi + lo and t c1 exact, t^2 P2 (about 1% of J) in double */
    w2 = t * t * symact__el_poly2(symact__c_EL_ERFC_NEAR + 2, symact__c_EL_ERFC_FAR + 2,
                                  SYMACT__LEN(symact__c_EL_ERFC_NEAR) - 2, near, t);
    c1 = symact__sel(near, symact__c_EL_ERFC_NEAR[1], symact__c_EL_ERFC_FAR[1]);
    p = symact__two_prod(t, c1);
    p.lo += tl * c1;
    j = symact__fast_two_sum(symact__sel(near, symact__c_EL_ERFC_NEAR[0], symact__c_EL_ERFC_FAR[0]), p.hi);
    j = symact__fast_two_sum(j.hi, j.lo + ((symact__sel(near, symact__c_EL_ERFC_NEAR_LO, symact__c_EL_ERFC_FAR_LO) +
                                            p.lo) + w2));
    p = symact__two_prod(j.hi, inv);                  /* J/(a + 1/2) */
    p.lo += j.hi * m.lo + j.lo * inv;
    m = symact__two_prod(u.hi, p.hi);                 /* times e^r */
    m.lo += u.hi * p.lo + u.lo * p.hi;
    ypos = symact__el_scale(m.hi, m.lo, e.kd, e.kb);
    /* x <= -1/2: 2 - erfc(a), erfc(a) as a double-word 2^k m (k clamped: 2 - m 2^-100 = 2) */
    tn = symact__sel(e.kd < -100.0, -100.0, e.kd) + SYMACT__EL_SHIFT;
    tn = symact__el_pow2(symact__bits(tn) - SYMACT__EL_SHIFT_BITS + 1023);
    one = symact__two_sum(2.0, -m.hi * tn);
    yneg = one.hi + (one.lo - m.lo * tn);
    ypos = symact__sel(a > SYMACT__EL_ERFC_END, 0.0, ypos);
    yneg = symact__sel(a > SYMACT__EL_ERFC_END, 2.0, yneg);
    return symact__sel(a < 0.5, ysmall, symact__sel(x < 0.0, yneg, ypos));
}

/* --- float: evaluated in double, rounded once ---------------------------------------- */


/* e^r - 1 = r + r^2 P(r), P the float fit on |r| <= ln2/2 (the float functions and the
 * f32x ones share it) */
SYMACT__INLINE double symact__el_expm1_core_x(double r)
{
    return symact__el_mla(r * r, symact__el_poly(symact__c_EL_EXPM1_F32, SYMACT__LEN(symact__c_EL_EXPM1_F32), r), r);
}

/* x = k ln2 + r in double for |x| <= 160 (an error of k 2^-54 in r, harmless for float);
 * returns e^r - 1 and sets *t = 2^k */
SYMACT__INLINE double symact__el_expm1_lite(double x, double *t)
{
    double v = x * symact__c_INV_LN2 + SYMACT__EL_SHIFT, kd = v - SYMACT__EL_SHIFT;
    double r = x - kd * symact__c_LN2[0];
    *t = symact__el_pow2(symact__el_kbits(kd, symact__bits(v), -160.0, 160.0) - SYMACT__EL_SHIFT_BITS + 1023);
    return symact__el_expm1_core_x(r);
}

/* exp(x) in double for -104 <= x <= 89 (beyond, the callers select) */
SYMACT__INLINE double symact__el_exp_lite(double x)
{
    double t, s = symact__el_expm1_lite(x, &t);
    return symact__el_mla(t, s, t);
}

SYMACT__INLINE float symact__el_exp_range_f32(double x, double y)
{
    float f = (float)y; /* rounds to nearest, +-inf beyond FLT_MAX + ulp/2 (C99 F.3) */
    f = symact__sel_f32(x > SYMACT__EL_EXP_HI_F32, HUGE_VALF, f);
    return symact__sel_f32(x < SYMACT__EL_EXP_LO_F32, 0.0F, f);
}

SYMACT__INLINE float symact__el_exp_f32(float x)
{
    return symact__el_exp_range_f32((double)x, symact__el_exp_lite((double)x));
}

SYMACT__INLINE float symact__el_exp_dd_f32(float hi, float lo)
{
    double x = (double)hi + (double)lo;
    return symact__el_exp_range_f32(x, symact__el_exp_lite(x));
}

/* expm1(x) in double for -20 <= x <= 89 */
SYMACT__INLINE double symact__el_expm1_lite_f64(double x)
{
    double t, s = symact__el_expm1_lite(x, &t);
    return symact__el_mla(t, s, t - 1.0);
}

SYMACT__INLINE float symact__el_expm1_f32(float x)
{
    float y = (float)symact__el_expm1_lite_f64((double)x);
    y = symact__sel_f32(x > (float)SYMACT__EL_EXP_HI_F32, HUGE_VALF, y);
    y = symact__sel_f32(x < (float)SYMACT__EL_EXPM1_LO_F32, -1.0F, y);
    return symact__sel_f32(x == 0.0F, x, y);
}

/* log(u) for u > 0 normal in double (every positive float is): fdlibm's form,
 * f - (f^2/2 - s (f^2/2 + R)), in double */
SYMACT__INLINE double symact__el_log_lite(double u)
{
    symact__el_split o = symact__el_log_split(u);
    double s = o.f / (2.0 + o.f), z = s * s, h = 0.5 * o.f * o.f;
    double r = z * symact__el_poly(symact__c_EL_LOG_R_F32, SYMACT__LEN(symact__c_EL_LOG_R_F32), z);
    return o.kd * symact__c_LN2[0] + (o.f - (h - s * (h + r)));
}

SYMACT__INLINE float symact__el_log_f32(float x)
{
    float y = (float)symact__el_log_lite((double)x);
    y = symact__sel_f32(x == HUGE_VALF, x, y);
    y = symact__sel_f32(x == 0.0F, -HUGE_VALF, y);
    y = symact__sel_f32(x < 0.0F, NAN, y);
    return symact__sel_f32(x != x, x, y);
}

/* 1 + x in double is exact unless |x| < 2^-29; then c, its rounding error, is added
 * (c/u = c to within 2^-29 relative) */
SYMACT__INLINE float symact__el_log1p_f32(float x)
{
    double xd = (double)x, u = 1.0 + xd, c = xd - (u - 1.0);
    float y = (float)(symact__el_log_lite(u) + symact__sel(symact__el_abs(xd) < 0x1p-20, c, 0.0));
    y = symact__sel_f32(x == HUGE_VALF, x, y);
    y = symact__sel_f32(x == -1.0F, -HUGE_VALF, y);
    y = symact__sel_f32(x < -1.0F, NAN, y);
    y = symact__sel_f32(x == 0.0F, x, y);
    return symact__sel_f32(x != x, x, y);
}

SYMACT__INLINE float symact__el_tanh_f32(float x)
{
    double a = symact__el_abs((double)x), t = symact__el_expm1_lite_f64(-2.0 * a);
    return (float)symact__el_copysign(symact__sel(a > SYMACT__EL_TANH_END_F32, 1.0, -t / (2.0 + t)), (double)x);
}

SYMACT__INLINE float symact__el_erfc_f32(float x)
{
    double xd = (double)x, a = symact__el_abs(xd), w = xd * xd, inv, t, y;
    int near;
    double ysmall = 1.0 - xd * symact__el_poly(symact__c_EL_ERF_SMALL_F32, SYMACT__LEN(symact__c_EL_ERF_SMALL_F32), w);
    inv = 1.0 / (a + 0.5);
    near = a < 2.0;
    t = symact__sel(near, a - symact__c_EL_ERFC_NEAR_SHIFT, symact__c_EL_ERFC_FAR_SHIFT_F32 - inv);
    y = symact__el_exp_lite(-(a * a)) * symact__el_poly2(symact__c_EL_ERFC_NEAR_F32, symact__c_EL_ERFC_FAR_F32,
                                                         SYMACT__LEN(symact__c_EL_ERFC_NEAR_F32), near, t) * inv;
    y = symact__sel(a > SYMACT__EL_ERFC_END_F32, 0.0, y);
    y = symact__sel(xd < 0.0, 2.0 - y, y);
    return (float)symact__sel(a < 0.5, ysmall, y);
}

/* --- float precision over double's range: the f32x functions ----------------------- */

/* What float kernels computed in double call (directly and through the _f32x
 * primitives): double in, double out, over double's range (a float kernel's arguments
 * are products such as beta*x, and a*exp(u) is a normal float for u down to -193), with
 * relative error below 2^-40 (the float fits, held by the tests).  Plain double
 * arithmetic: no double-word parts, and results below 2^-1018 (exp of x < -707) are
 * flushed to 0, since such a double times any float is below float's smallest
 * subnormal.  A float result rounded once from these is within 0.5 + 2^-16 ULP; they
 * cost a half to a third of the f64 functions. */

/* Below this exp_x flushes to 0: k >= -1021 above it, so 2^(k - 1) is normal */
#define SYMACT__EL_EXP_X_LO (-707.0)

/* 2^k (1 + s) for -1021 <= k <= 1024 (kb the bits of SHIFT + k): one factor 2^(k - 1),
 * then the exact doubling.  k is not clamped: outside that range the callers select
 * another value (0, inf, -1), and a nan argument keeps s nan, so the factor built from
 * other bits is never seen; the clamp cost a compare and a blend per entry. */
SYMACT__INLINE double symact__el_scale_x(double s, uint64_t kb)
{
    return ((1.0 + s) * symact__el_pow2(kb - SYMACT__EL_SHIFT_BITS + 1022)) * 2.0;
}

/* exp of x = k ln2 + r: k ln2_hi exact, r = x - k ln2_hi - k ln2_lo (and + xl) */
SYMACT__INLINE double symact__el_exp_red_x(double xh, double r, uint64_t kb)
{
    double y = symact__el_scale_x(symact__el_expm1_core_x(r), kb);
    y = symact__sel(xh > SYMACT__EL_EXP_HI, HUGE_VAL, y);
    return symact__sel(xh < SYMACT__EL_EXP_X_LO, 0.0, y);
}

/* exp(xh + xl): the reduction of symact__el_reduce (k ln2_hi exact, xl added to r) */
SYMACT__INLINE double symact__el_exp_dd_x(double xh, double xl)
{
    double t = symact__el_mla(xh, symact__c_INV_LN2, SYMACT__EL_SHIFT), kd = t - SYMACT__EL_SHIFT;
    double r = symact__el_mla(-kd, symact__c_LN2_SPLIT[0], xh) + symact__el_mla(-kd, symact__c_LN2_SPLIT[1], xl);
    return symact__el_exp_red_x(xh, r, symact__bits(t));
}

/* x = k ln2 + r: sets *kd = k and *kb = the bits of SHIFT + k, returns r (k ln2_hi exact,
 * k ln2_lo subtracted by one fma) */
SYMACT__INLINE double symact__el_red_x(double x, double *kd, uint64_t *kb)
{
    double t = symact__el_mla(x, symact__c_INV_LN2, SYMACT__EL_SHIFT);
    *kd = t - SYMACT__EL_SHIFT;
    *kb = symact__bits(t);
    return symact__el_mla(-*kd, symact__c_LN2_SPLIT[1], symact__el_mla(-*kd, symact__c_LN2_SPLIT[0], x));
}

/* exp(x): as exp_dd_x with xl = 0, one fma fewer (-k ln2_lo + 0 is not folded away:
 * the compiler keeps the sign of a zero) */
SYMACT__INLINE double symact__el_exp_x(double x)
{
    double kd;
    uint64_t kb;
    double r = symact__el_red_x(x, &kd, &kb);
    return symact__el_exp_red_x(x, r, kb);
}

/* 2^k s + (2^k - 1), s = e^r - 1, for |k| <= 60 (kb the bits of SHIFT + k): 2^k - 1 is
 * exact there, and there is no cancellation beyond a factor 3 (k = 0 around x = 0) */
SYMACT__INLINE double symact__el_expm1_k_x(double s, uint64_t kb)
{
    double p = symact__el_pow2(kb - SYMACT__EL_SHIFT_BITS + 1023);
    return symact__el_mla(p, s, p - 1.0);
}

/* expm1(x) for -40 <= x <= 41 (|k| <= 60) without the selects of the other arguments:
 * for callers that keep x there (tanh's -2|x|) */
SYMACT__INLINE double symact__el_expm1_mid_x(double x)
{
    double kd;
    uint64_t kb;
    double r = symact__el_red_x(x, &kd, &kb);
    return symact__el_expm1_k_x(symact__el_expm1_core_x(r), kb);
}

/* expm1: as expm1_mid_x for |k| <= 60; exp(x) itself above */
SYMACT__INLINE double symact__el_expm1_x(double x)
{
    double kd;
    uint64_t kb;
    double r = symact__el_red_x(x, &kd, &kb), s = symact__el_expm1_core_x(r);
    double y = symact__sel(kd > 60.0, symact__el_scale_x(s, kb),
                           symact__el_expm1_k_x(s, symact__el_kbits(kd, kb, -60.0, 60.0)));
    y = symact__sel(x > SYMACT__EL_EXP_HI, HUGE_VAL, y);
    y = symact__sel(x < SYMACT__EL_EXPM1_LO, -1.0, y);
    return symact__sel(x == 0.0, x, y); /* expm1(-0) = -0 */
}

/* k ln2 + (f - (f^2/2 - s (f^2/2 + R))) with s = f/(2 + f) (fdlibm's form, the f64 fit
 * R) plus c 2/(2 + f) 2^-k: log(2^k (1 + f) + c) to first order in c, the rounding error
 * of a sum 1 + x (2/(2 + f) is 1/(1 + f) to within f/2, which only scales c) */
SYMACT__INLINE double symact__el_log_core_x(symact__el_split o, double kd, double c)
{
    double inv = 1.0 / (2.0 + o.f), s = o.f * inv, z = s * s, h = 0.5 * o.f * o.f;
    double r = z * symact__el_poly(symact__c_EL_LOG_R, SYMACT__LEN(symact__c_EL_LOG_R), z);
    double lo = kd * symact__c_LN2[1] + c * (2.0 * inv);
    return symact__el_mla(kd, symact__c_LN2[0], (o.f - (h - s * (h + r))) + lo);
}

/* subnormal inputs scaled by 2^54 first, as symact__el_log */
SYMACT__INLINE double symact__el_log_x(double x)
{
    int sub = x < DBL_MIN;
    symact__el_split o = symact__el_log_split(symact__sel(sub, x * 0x1p54, x));
    double y = symact__el_log_core_x(o, o.kd - symact__sel(sub, 54.0, 0.0), 0.0);
    y = symact__sel(x == HUGE_VAL, x, y);
    y = symact__sel(x == 0.0, -HUGE_VAL, y);
    y = symact__sel(x < 0.0, (double)NAN, y);
    return symact__sel(x != x, x, y);
}

/* log1p(h) for 0 <= h <= 1 (exp(-|u|) in softplus and log sigmoid): log(u + c), u + c =
 * 1 + h exactly (a fast two-sum, 1 >= h), c carried to first order; no special values */
SYMACT__INLINE double symact__el_log1p_unit_x(double h)
{
    symact__dd u = symact__fast_two_sum(1.0, h);
    symact__el_split o = symact__el_log_split(u.hi);
    double two_mk = symact__from_bits(0x3ff0000000000000ULL - o.tz); /* 2^-k, k <= 1 */
    return symact__el_log_core_x(o, o.kd, u.lo * two_mk);
}

/* log1p(x) = log(u + c), u + c = 1 + x exactly (two-sum); c carried to first order,
 * which is what keeps small x accurate */
SYMACT__INLINE double symact__el_log1p_x(double x)
{
    symact__dd u = symact__two_sum(1.0, x);
    symact__el_split o = symact__el_log_split(u.hi);
    double two_mk = symact__from_bits(0x3ff0000000000000ULL - o.tz); /* 2^-k, k <= 1022 */
    double y = symact__el_log_core_x(o, o.kd, symact__sel(o.kd > SYMACT__EL_EXPM1_BIG, 0.0, u.lo * two_mk));
    y = symact__sel(x == HUGE_VAL, x, y);
    y = symact__sel(x == -1.0, -HUGE_VAL, y);
    y = symact__sel(x < -1.0, (double)NAN, y);
    y = symact__sel(x == 0.0, x, y);
    return symact__sel(x != x, x, y);
}

/* tanh|x| = -T/(2 + T), T = expm1(-2|x|) */
SYMACT__INLINE double symact__el_tanh_x(double x)
{
    double a = symact__el_abs(x), t = symact__el_expm1_mid_x(-2.0 * symact__sel(a > SYMACT__EL_TANH_END, 0.0, a));
    return symact__el_copysign(symact__sel(a > SYMACT__EL_TANH_END, 1.0, -t / (2.0 + t)), x);
}

/* erfc: symact__el_erfc's pieces in plain double with the _X fits (float's precision,
 * 2^-44, over the float64 range: 16 terms where the f64 fits take 22): 1 - x P(x^2) for
 * |x| < 1/2, e^(-a^2) J(t)/(a + 1/2) beyond (a^2 rounded: its error times a^2 is 2^-43 at
 * a = 27.3, where erfc ends), 2 - erfc(a) for x < 0 */
SYMACT__INLINE double symact__el_erfc_x(double x)
{
    double a = symact__el_abs(x), inv = 1.0 / (a + 0.5), t, y;
    int near = a < 2.0;
    double ysmall = 1.0 - x * symact__el_poly(symact__c_EL_ERF_SMALL_X, SYMACT__LEN(symact__c_EL_ERF_SMALL_X), x * x);
    t = symact__sel(near, a - symact__c_EL_ERFC_NEAR_SHIFT, symact__c_EL_ERFC_FAR_SHIFT - inv);
    y = symact__el_exp_x(-(a * a)) * symact__el_poly2(symact__c_EL_ERFC_NEAR_X, symact__c_EL_ERFC_FAR_X,
                                                      SYMACT__LEN(symact__c_EL_ERFC_NEAR_X), near, t) * inv;
    y = symact__sel(a > SYMACT__EL_ERFC_END, 0.0, y);
    y = symact__sel(x < 0.0, 2.0 - y, y);
    return symact__sel(a < 0.5, ysmall, y);
}

/* --- the public names ---------------------------------------------------------------- */

/* SYMACT__ELEM(own, libm): the libm-free code, or the C library under SYMACT_USE_LIBM */
#ifdef SYMACT_USE_LIBM
#define SYMACT__ELEM(own, libm) (libm)
#else
#define SYMACT__ELEM(own, libm) (own)
#endif

SYMACT__INLINE double symact__elem_exp_f64(double x) { return SYMACT__ELEM(symact__el_exp(x), exp(x)); }
SYMACT__INLINE double symact__elem_expm1_f64(double x) { return SYMACT__ELEM(symact__el_expm1(x), expm1(x)); }
SYMACT__INLINE double symact__elem_log_f64(double x) { return SYMACT__ELEM(symact__el_log(x), log(x)); }
SYMACT__INLINE double symact__elem_log1p_f64(double x) { return SYMACT__ELEM(symact__el_log1p(x), log1p(x)); }
SYMACT__INLINE double symact__elem_erfc_f64(double x) { return SYMACT__ELEM(symact__el_erfc(x), erfc(x)); }
SYMACT__INLINE double symact__elem_tanh_f64(double x) { return SYMACT__ELEM(symact__el_tanh(x), tanh(x)); }
SYMACT__INLINE float symact__elem_exp_f32(float x) { return SYMACT__ELEM(symact__el_exp_f32(x), expf(x)); }
SYMACT__INLINE float symact__elem_expm1_f32(float x) { return SYMACT__ELEM(symact__el_expm1_f32(x), expm1f(x)); }
SYMACT__INLINE float symact__elem_log_f32(float x) { return SYMACT__ELEM(symact__el_log_f32(x), logf(x)); }
SYMACT__INLINE float symact__elem_log1p_f32(float x) { return SYMACT__ELEM(symact__el_log1p_f32(x), log1pf(x)); }
SYMACT__INLINE float symact__elem_erfc_f32(float x) { return SYMACT__ELEM(symact__el_erfc_f32(x), erfcf(x)); }
SYMACT__INLINE float symact__elem_tanh_f32(float x) { return SYMACT__ELEM(symact__el_tanh_f32(x), tanhf(x)); }
/* the f32x names: double in and out, accurate to float's precision */
SYMACT__INLINE double symact__elem_exp_f32x(double x) { return SYMACT__ELEM(symact__el_exp_x(x), exp(x)); }
SYMACT__INLINE double symact__elem_expm1_f32x(double x) { return SYMACT__ELEM(symact__el_expm1_x(x), expm1(x)); }
SYMACT__INLINE double symact__elem_log_f32x(double x) { return SYMACT__ELEM(symact__el_log_x(x), log(x)); }
SYMACT__INLINE double symact__elem_log1p_f32x(double x) { return SYMACT__ELEM(symact__el_log1p_x(x), log1p(x)); }
/* log1p(h) for 0 <= h <= 1 (the primitives' log1p(exp(-|u|))): the full log1p in double,
 * one without the special values' selects at float's precision */
SYMACT__INLINE double symact__elem_log1p_unit_f64(double h) { return symact__elem_log1p_f64(h); }
SYMACT__INLINE double symact__elem_log1p_unit_f32x(double h) { return SYMACT__ELEM(symact__el_log1p_unit_x(h), log1p(h)); }
SYMACT__INLINE double symact__elem_erfc_f32x(double x) { return SYMACT__ELEM(symact__el_erfc_x(x), erfc(x)); }
SYMACT__INLINE double symact__elem_tanh_f32x(double x) { return SYMACT__ELEM(symact__el_tanh_x(x), tanh(x)); }

/* The libm references of the double-word forms carry lo to first order, in 53 bits:
 * exp(hi) (1 + lo) */
SYMACT__INLINE double symact__elem_exp_dd_f64(double hi, double lo)
{
    return SYMACT__ELEM(symact__el_exp_dd(hi, lo), exp(hi) + exp(hi) * lo);
}

SYMACT__INLINE float symact__elem_exp_dd_f32(float hi, float lo)
{
    return SYMACT__ELEM(symact__el_exp_dd_f32(hi, lo), expf(hi) + expf(hi) * lo);
}

SYMACT__INLINE double symact__elem_exp_dd_f32x(double hi, double lo)
{
    return SYMACT__ELEM(symact__el_exp_dd_x(hi, lo), exp(hi) + exp(hi) * lo);
}

SYMACT__INLINE symact__dd symact__elem_exp2dd_f64(double hi, double lo)
{
    return SYMACT__ELEM(symact__el_exp2dd(hi, lo), symact__dd_make(exp(hi), exp(hi) * lo));
}

#endif /* SYMACT_RUNTIME_ELEMENTARY_H */
