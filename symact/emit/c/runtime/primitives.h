/* Stable primitives, one per class of symact/stabilise/primitives.py: written once for
 * both dtypes.  The generated symact.c includes this file twice, once per dtype, with
 *   SYMACT_T          the floating type (double, float),
 *   SYMACT_FN(name)   name##_f64 or name##_f32 (the generated names),
 *   SYMACT_LM(fn)     the libm function for SYMACT_T (exp, expf, ...),
 * and the dtype's thresholds SYMACT_TAIL, SYMACT_SMALL, ... (the C backend's DType
 * settings, where each is explained) defined; callers pass non-nan arguments.
 * Pitfall numbers in brackets refer to docs/numerics.md. */
#include <math.h>

#include "common.h"

/* log(1 + exp(u)) = max(u, 0) + log1p(exp(-|u|)) [1] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__softplus)(SYMACT_T u)
{
    return (u > 0 ? u : 0) + SYMACT_LM(log1p)(SYMACT_LM(exp)(-SYMACT_LM(fabs)(u)));
}

/* -log(1 + exp(-u)) = min(u, 0) - log1p(exp(-|u|)) [3] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__log_sigmoid)(SYMACT_T u)
{
    return (u < 0 ? u : 0) - SYMACT_LM(log1p)(SYMACT_LM(exp)(-SYMACT_LM(fabs)(u)));
}

/* 1/(1 + exp(-u)) by the sign of u, so exp never overflows [2].  Where e = exp(-|u|) is
 * below SMALL, 1/(1 + e) = 1 - e to within e^2 (under 1/128 ULP): one rounding instead of
 * the rounding of 1 + e followed by a division. */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__sigmoid)(SYMACT_T u)
{
    SYMACT_T e = SYMACT_LM(exp)(-SYMACT_LM(fabs)(u));
    if (e < SYMACT_SMALL)
        return u >= 0 ? 1 - e : e - e * e;
    return u >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/* sigmoid(u)*sigmoid(-u) = e/(1 + e)^2, e = exp(-|u|) [2] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__dsigmoid)(SYMACT_T u)
{
    SYMACT_T e = SYMACT_LM(exp)(-SYMACT_LM(fabs)(u));
    SYMACT_T t = 1 + e;
    if (e < SYMACT_SMALL)
        return e - 2 * e * e;
    return e / t / t;
}

/* 1 - tanh(u)^2 = 4e/(1 + e)^2, e = exp(-2|u|); (2h)^2, h = exp(-|u|), in the tail [9] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__sech2)(SYMACT_T u)
{
    SYMACT_T a = SYMACT_LM(fabs)(u);
    SYMACT_T e = SYMACT_LM(exp)(-2 * a);
    SYMACT_T t;
    if (e < SYMACT_SECH2_TAIL) {
        SYMACT_T h = 2 * SYMACT_LM(exp)(-a);
        return h * h;
    }
    if (e < SYMACT_SMALL)
        return 4 * (e - 2 * e * e);
    t = 1 + e;
    return 4 * e / t / t;
}

/* a*exp(u) for u below ln(smallest normal): (a*exp(u/2))*exp(u/2), u/2 exact, so the
 * subnormal's rounding is not amplified by |a|; a zero of a's sign once it underflows */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__scaled_tail)(SYMACT_T a, SYMACT_T u)
{
    SYMACT_T h = SYMACT_LM(exp)(u / 2);
    if (h == 0)
        return SYMACT_LM(copysign)(0, a);
    return (a * h) * h;
}

/* a*sigmoid(u), the tail scaled [7] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__mul_sigmoid)(SYMACT_T a, SYMACT_T u)
{
    SYMACT_T e, p;
    if (u >= 0) {
        e = SYMACT_LM(exp)(-u);
        /* (a - a*e would be inf - inf for a = inf, e = 0) */
        return e < SYMACT_SMALL && e > 0 ? a - a * e : a / (1 + e);
    }
    if (u < SYMACT_TAIL)
        return SYMACT_FN(symact__scaled_tail)(a, u);
    e = SYMACT_LM(exp)(u);
    p = a * e;
    return e < SYMACT_SMALL && !isinf(p) ? p - p * e : p / (1 + e);
}

/* a*sigmoid(u)*sigmoid(-u) = a*e/(1 + e)^2, e = exp(-|u|), the tail scaled [7] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__mul_dsigmoid)(SYMACT_T a, SYMACT_T u)
{
    SYMACT_T m = -SYMACT_LM(fabs)(u);
    SYMACT_T e, t, p;
    if (m < SYMACT_TAIL)
        return SYMACT_FN(symact__scaled_tail)(a, m);
    e = SYMACT_LM(exp)(m);
    p = a * e;
    if (e < SYMACT_SMALL && !isinf(p))
        return p - 2 * p * e;
    t = 1 + e;
    return p / t / t;
}



/* sqrt(u^2 + c), c >= 0, without overflow of u^2 [10] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__sqrt_sq_plus)(SYMACT_T u, SYMACT_T c)
{
    SYMACT_T a = SYMACT_LM(fabs)(u);
    if (a > SYMACT_SQRT_BIG)
        return a * SYMACT_LM(sqrt)(1 + (c / a) / a);
    return SYMACT_LM(sqrt)(a * a + c);
}

/* 1/u^2 as (1/u)*(1/u): u*u overflows long before 1/u^2 underflows [11] */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__inv_sq)(SYMACT_T u)
{
    SYMACT_T r = 1 / u;
    return r * r;
}

/* a*exp(u), the tail scaled */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__mul_exp)(SYMACT_T a, SYMACT_T u)
{
    if (u < SYMACT_TAIL)
        return SYMACT_FN(symact__scaled_tail)(a, u);
    return a * SYMACT_LM(exp)(u);
}

/* expm1(u) - u*exp(u); for v = -u in [0, 2]: -exp(-v) * sum_{k>=2} v^k/k!, summed by
 * Horner as (v^2/2)(1 + (v/3)(1 + (v/4)(1 + ...))), all terms positive */
SYMACT__INLINE SYMACT_T SYMACT_FN(symact__expm1_sub_uexp)(SYMACT_T u)
{
    SYMACT_T v = -u, t = 1;
    int k;
    if (v >= 0 && v <= 2) {
        for (k = SYMACT_NSERIES; k >= 3; --k)
            t = 1 + v * t / k;
        return -(SYMACT_LM(exp)(u) * (v * v / 2 * t));
    }
    if (u < SYMACT_QLO) /* (1 - u)*exp(u) is 0 (0*inf at u = -inf): the limit -1 */
        return -1;
    return (1 - u) * SYMACT_LM(exp)(u) - 1;
}

SYMACT__INLINE SYMACT_T SYMACT_FN(symact__expm1)(SYMACT_T u)
{
    return SYMACT_LM(expm1)(u);
}

SYMACT__INLINE SYMACT_T SYMACT_FN(symact__log1p)(SYMACT_T u)
{
    return SYMACT_LM(log1p)(u);
}
