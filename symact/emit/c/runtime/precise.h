/* Precise primitives for the GELU families, one per class in
 * symact/stabilise/precise.py:
 *   symact__xndtr_*(u)          = u*Phi(u)                     (gelu, erf form)
 *   symact__xndtr_grad_*(u)     = Phi(u) + u*phi(u)            (its derivative)
 *   symact__xsigcubic_*(u)      = u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u^3)
 *   symact__xsigcubic_grad_*(u) = sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v)
 * Phi, phi: the standard normal CDF and density.  Within 1 ULP in double over
 * the whole range (float kernels compute in double and round once: float
 * arithmetic cannot reach a few ULP near the derivatives' roots, u = -0.7518,
 * where Phi(u) and u*phi(u) cancel to any depth).
 *
 * How (docs/numerics.md pitfalls 5 and 6): nothing is formed as 1 + erf or 1 + tanh.
 * With t = |u| and the Mills ratio m(t) = (1 - Phi(t))/phi(t),
 *   u*Phi(u) = -phi(t)*g(t) (u < 0),  u - phi(t)*g(t) (u > 0),  g(t) = t*m(t),
 *   Phi(u) + u*phi(u) = -+phi(t)*(t - m(t)) (+1 for u > 0),
 * where phi(t) = exp(-t^2/2 - ln sqrt(2 pi)) is evaluated from the exact square
 * (fma) as 2^k*(mh + ml) and the final rounding happens once, in ldexp, so
 * results in the subnormals are not amplified.  g is fitted (Chebyshev
 * interpolation at 50 digits, mpmath) on [0.75, 2] in t - 1.375 and on [2, 40]
 * in (t - 4)/(t + 4); |u| < 0.75 uses Phi(u) = 1/2 + u*P(u^2).  Near the root
 * of the derivative (u = -0.7518; -0.7525 for the tanh form)
 * f'(u) = (u - root)*h(u), h fitted on [-1.3, -0.75] and [-0.75, -0.3], so
 * there is no cancellation.  For the tanh form v = u*(K1 + K3*u^2) is formed
 * in double-double (its rounding would be amplified |v| times by exp) and
 * exp(-|v|) = 2^k*(mh + ml) likewise.  The coefficients are the data file's
 * (symact/emit/constants), as in the NumPy runtime's precise.py; leading ones carry a
 * low part.
 */
#ifndef SYMACT_RUNTIME_PRECISE_H
#define SYMACT_RUNTIME_PRECISE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common.h"
#include "constants.h"
#include "doubleword.h"
#include "elementary.h"
#include "primitives.h"

/* Branch-free, like the primitives: every region's formula is evaluated (on an
 * argument clamped into its domain) and the region chosen by select, so that the
 * kernel loops vectorise.  Callers pass non-nan arguments. */

/* exp(hi + lo) = 2^k*(m.hi + m.lo), m.hi in [0.7, 1.42]: the reduced argument
 * r = rh + rl is exact to 2^-100 (ln 2 split as in fdlibm, k*LN2_HI exact),
 * e^r = 1 + r + r^2*T(r) with 1 + rh summed exactly; |hi| <= 1500 (else hi is taken as
 * 0: the caller's select discards that lane) */
SYMACT__INLINE symact__dd symact__pr_exp(double hi, double lo, int *k)
{
    int in = (hi >= -1500.0) & (hi <= 1500.0);
    double h = symact__sel(in, hi, 0), l = symact__sel(in, lo, 0);
    double kd = symact__round_f64(h * symact__c_INV_LN2);
    double rh = h - kd * symact__c_LN2_SPLIT[0];
    double rl = l - kd * symact__c_LN2_SPLIT[1];
    double r = rh + rl;
    double tail = (r * r) * (symact__c_INV_FACT[0] + r * symact__horner(symact__c_INV_FACT + 1, SYMACT__LEN(symact__c_INV_FACT) - 1, r));
    symact__dd a = symact__two_sum(1.0, rh);
    *k = (int)kd;
    return symact__fast_two_sum(a.hi, a.lo + (rl + tail));
}

/* phi(t) = exp(-t^2/2 - ln sqrt(2 pi)) = 2^k*m, t^2 exact; 0 <= t <= 40 */
SYMACT__INLINE symact__dd symact__pr_npdf(double t, int *k)
{
    symact__dd p = symact__two_prod(t, t);
    symact__dd s = symact__two_sum(-0.5 * p.hi, -symact__c_LN_SQRT_2PI[0]);
    return symact__pr_exp(s.hi, s.lo - 0.5 * p.lo - symact__c_LN_SQRT_2PI[1], k);
}

/* g(t) = t*(1 - Phi(t))/phi(t), 0.75 <= t <= 40: the fit in t - 1.375 below 2, in
 * (t - 4)/(t + 4) above */
SYMACT__INLINE symact__dd symact__pr_mills_g(double t)
{
    double un = t - 1.375, uf = (t - 4.0) / (t + 4.0);
    symact__dd near = symact__two_sum(symact__c_GELU_G_NEAR[0], un * symact__horner(symact__c_GELU_G_NEAR + 1, SYMACT__LEN(symact__c_GELU_G_NEAR) - 1, un) + symact__c_GELU_G_NEAR_LO);
    symact__dd far = symact__two_sum(symact__c_GELU_G_FAR[0], uf * symact__horner(symact__c_GELU_G_FAR + 1, SYMACT__LEN(symact__c_GELU_G_FAR) - 1, uf) + symact__c_GELU_G_FAR_LO);
    return symact__dd_sel(t < 2.0, near, far);
}

/* 1/2 + u*(c0 + w*c1 + w^2*c2 + ...), w = u^2 */
SYMACT__INLINE symact__dd symact__pr_half_plus(double u, const double *c, int n, double c0lo)
{
    double w = u * u;
    symact__dd p = symact__two_prod(u, c[0]);
    symact__dd s = symact__two_sum(0.5, p.hi);
    return symact__fast_two_sum(s.hi, s.lo + (p.lo + u * (c0lo + w * symact__horner(c + 1, n - 1, w))));
}

/* h(v) = c[0] + v*(c[1] + v*(...)) with the last two Horner steps in double-double */
SYMACT__INLINE symact__dd symact__pr_window_poly(double v, const double *c, int n, double c0lo)
{
    double q = symact__horner(c + 2, n - 2, v);
    symact__dd e = symact__two_prod(v, q);
    symact__dd s = symact__two_sum(c[1], e.hi);
    symact__dd p = symact__two_prod(v, s.hi);
    symact__dd h = symact__two_sum(c[0], p.hi);
    h.lo += p.lo + v * (s.lo + e.lo) + c0lo;
    return h;
}

/* f'(u) = (u - root)*h(u) for -1.3 <= u <= -0.3, h fitted in u + 1.025 (left of -0.75)
 * and u + 0.525 (right): u - root_hi is exact (Sterbenz), so there is no cancellation */
SYMACT__INLINE double symact__pr_root_window(double u, double root_hi, double root_lo,
                                             const double *left, int nl, double left_lo,
                                             const double *right, int nr, double right_lo)
{
    symact__dd hl = symact__pr_window_poly(u + 1.025, left, nl, left_lo);
    symact__dd hr = symact__pr_window_poly(u + 0.525, right, nr, right_lo);
    symact__dd p = symact__dd_mul(symact__dd_make(u - root_hi, -root_lo), symact__dd_sel(u < -0.75, hl, hr));
    return p.hi + p.lo;
}

/* The same in plain double, for the float-precision derivatives: h's fits by Horner's rule
 * (u - root_hi - root_lo keeps the distance to the root exact where it is small) */
SYMACT__INLINE double symact__pr_root_window_x(double u, double root_hi, double root_lo,
                                               const double *left, int nl, const double *right, int nr)
{
    double h = symact__sel(u < -0.75, symact__el_poly(left, nl, u + 1.025), symact__el_poly(right, nr, u + 0.525));
    return ((u - root_hi) - root_lo) * h;
}

/* u*Phi(u) = u*erfc(-u/sqrt(2))/2 (GELU, erf form); beyond [-40, 9] the tail is below
 * 2^-1100 resp. 2^-60 of the result */
SYMACT__INLINE double symact__xndtr_f64(double u)
{
    double t = fabs(u);
    double tc = symact__sel(t < 0.75, 0.75, symact__sel(t > 40.0, 40.0, t));
    int k;
    symact__dd s = symact__pr_half_plus(u, symact__c_GELU_PHI_SMALL, SYMACT__LEN(symact__c_GELU_PHI_SMALL), symact__c_GELU_PHI_SMALL_LO);
    symact__dd small = symact__dd_mul(symact__dd_make(u, 0.0), s);
    symact__dd m = symact__pr_npdf(tc, &k);
    symact__dd p = symact__dd_mul(m, symact__pr_mills_g(tc));
    double tail = symact__ldexp_f64(p.hi + p.lo, k); /* phi(t)*g(t) = t*(1 - Phi(t)) */
    double r = symact__sel(t < 0.75, small.hi + small.lo, symact__sel(u > 0, u - tail, -tail));
    return symact__sel(u > 9.0, u, symact__sel(u < -40.0, -0.0, r));
}

/* Phi(u) + u*phi(u), the derivative of u*Phi(u) */
SYMACT__INLINE double symact__xndtr_grad_f64(double u)
{
    double t = fabs(u);
    double tc = symact__sel(t < 0.75, 0.75, symact__sel(t > 40.0, 40.0, t));
    double root = symact__pr_root_window(u, symact__c_GELU_ROOT[0], symact__c_GELU_ROOT[1],
                                         symact__c_GELU_ROOT_LEFT, SYMACT__LEN(symact__c_GELU_ROOT_LEFT), symact__c_GELU_ROOT_LEFT_LO,
                                         symact__c_GELU_ROOT_RIGHT, SYMACT__LEN(symact__c_GELU_ROOT_RIGHT), symact__c_GELU_ROOT_RIGHT_LO);
    symact__dd small = symact__pr_half_plus(u, symact__c_GELU_DPHI_SMALL, SYMACT__LEN(symact__c_GELU_DPHI_SMALL), symact__c_GELU_DPHI_SMALL_LO);
    int k;
    symact__dd m = symact__pr_npdf(tc, &k);
    symact__dd g = symact__pr_mills_g(tc);
    double q = g.hi / tc; /* m(t) = g/t as q + ql */
    symact__dd e = symact__two_prod(q, tc);
    symact__dd b = symact__two_sum(tc, -q);
    symact__dd p;
    double tail, r;
    b.lo -= (((g.hi - e.hi) - e.lo) + g.lo) / tc;
    p = symact__dd_mul(m, b);
    tail = symact__ldexp_f64(p.hi + p.lo, k); /* phi(t)*(t - m(t)) */
    r = symact__sel(t < 0.75, small.hi + small.lo, symact__sel(u > 0, 1.0 + tail, -tail));
    r = symact__sel((u >= -1.3) & (u <= -0.3), root, r);
    return symact__sel(u > 9.0, 1.0, symact__sel(u < -40.0, -0.0, r));
}

/* x*(K1 + k3*x^2) as hi + lo, K1 = 2 sqrt(2/pi): v (k3 = K3 = K1*0.044715) or
 * x*v' (k3 = 3*K3); |x| <= 40 */
SYMACT__INLINE symact__dd symact__pr_cubic(double x, double k3hi, double k3lo)
{
    symact__dd p = symact__two_prod(x, x);
    symact__dd a = symact__two_prod(k3hi, p.hi);
    symact__dd b = symact__two_sum(symact__c_GELU_K1[0], a.hi);
    symact__dd v;
    a.lo += k3hi * p.lo + k3lo * p.hi;
    b.lo += a.lo + symact__c_GELU_K1[1];
    v = symact__two_prod(x, b.hi);
    return symact__fast_two_sum(v.hi, v.lo + x * b.lo);
}

/* E = exp(-|v|) = 2^k*m (m returned), e = E unscaled, o = 1 + E; returns v < 0 */
SYMACT__INLINE int symact__pr_sigparts(double x, symact__dd *m, int *k, symact__dd *e,
                                       symact__dd *o)
{
    symact__dd v = symact__pr_cubic(x, symact__c_GELU_K3[0], symact__c_GELU_K3[1]);
    int neg = v.hi < 0;
    *m = symact__pr_exp(symact__sel(neg, v.hi, -v.hi), symact__sel(neg, v.lo, -v.lo), k);
    e->hi = symact__ldexp_f64(m->hi, *k);
    e->lo = symact__ldexp_f64(m->lo, *k);
    *o = symact__two_sum(1.0, e->hi);
    *o = symact__fast_two_sum(o->hi, o->lo + e->lo);
    return neg;
}

/* u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u^3) (GELU, tanh form); beyond [-22, 9]
 * e^-|v| is below 2^-1100 resp. 2^-80 */
SYMACT__INLINE double symact__xsigcubic_f64(double u)
{
    double uc = symact__sel(u < -22.0, -22.0, symact__sel(u > 9.0, 9.0, u));
    symact__dd m, e, o, q, n, qp;
    int k;
    int neg = symact__pr_sigparts(uc, &m, &k, &e, &o);
    /* v < 0: u*e^v/(1 + e^v), scaled by 2^k; v >= 0: u/(1 + e^-v) */
    q = symact__dd_div(m, o);
    n = symact__two_prod(uc, q.hi);
    qp = symact__dd_div(symact__dd_make(uc, 0.0), o);
    double r = symact__sel(neg, symact__ldexp_f64(n.hi + (n.lo + uc * q.lo), k), qp.hi + qp.lo);
    return symact__sel(u > 9.0, u, symact__sel(u < -22.0, -0.0, r));
}

/* sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v), the derivative of u*sigmoid(v) */
SYMACT__INLINE double symact__xsigcubic_grad_f64(double u)
{
    double uc = symact__sel(u < -22.0, -22.0, symact__sel(u > 9.0, 9.0, u));
    double root = symact__pr_root_window(u, symact__c_GELU_TANH_ROOT[0], symact__c_GELU_TANH_ROOT[1],
                                         symact__c_GELU_TANH_ROOT_LEFT, SYMACT__LEN(symact__c_GELU_TANH_ROOT_LEFT), symact__c_GELU_TANH_ROOT_LEFT_LO,
                                         symact__c_GELU_TANH_ROOT_RIGHT, SYMACT__LEN(symact__c_GELU_TANH_ROOT_RIGHT), symact__c_GELU_TANH_ROOT_RIGHT_LO);
    symact__dd m, e, o, d, den, qn, qp, rn;
    int k;
    int neg = symact__pr_sigparts(uc, &m, &k, &e, &o);
    double r;
    d = symact__pr_cubic(uc, symact__c_GELU_K3X3[0], symact__c_GELU_K3X3[1]); /* u*v' */
    den = symact__dd_mul(o, o);
    /* v < 0: E*(1 + E + u v')/(1 + E)^2, E = e^v scaled by 2^k */
    qn = symact__dd_div(symact__dd_add(o, d), den);
    rn = symact__dd_mul(qn, m);
    /* v >= 0: (1 + E + u v' E)/(1 + E)^2, E = e^-v */
    qp = symact__dd_div(symact__dd_add(o, symact__dd_mul(d, e)), den);
    r = symact__sel(neg, symact__ldexp_f64(rn.hi + rn.lo, k), qp.hi + qp.lo);
    r = symact__sel((u >= -1.3) & (u <= -0.3), root, r);
    return symact__sel(u > 9.0, 1.0, symact__sel(u < -22.0, -0.0, r));
}

/* Float-precision versions, for the float kernels (computed in double and rounded once
 * to float): the textbook forms in double, with the f32x functions (2^-40), are accurate
 * to far below float's half ulp where their terms do not cancel: everywhere for the
 * forward ones, and outside [-1.3, -0.3] for the derivatives (cancellation ratio at most
 * 2.5 there); inside, the derivatives are the root windows' (u - root) h(u) in plain
 * double, as in double.
 * The tail amplification that the double versions carry the arguments in hi + lo for
 * (erfc's 2z^2 on the rounding of u/sqrt(2), exp's u^2/2 on that of u^2) is below
 * 2^-45 where float results are nonzero (|u| < 14). */
SYMACT__INLINE double symact__xndtr_f32x(double u)
{
    double r = 0.5 * u * symact__elem_erfc_f32x(-u * symact__c_SQRT_HALF);
    return symact__sel(u < -40.0, -0.0, r); /* the limit at -inf, not inf*0 */
}

SYMACT__INLINE double symact__xndtr_grad_f32x(double u)
{
    /* phi(u) = exp(-a^2)/sqrt(2 pi), a = |u|/sqrt(2): the exponential erfc's e^(-a^2)
     * J(a)/(a + 1/2) takes, which the compiler then evaluates once (a^2 carries two
     * roundings, which exp amplifies by a^2 <= 100 where the result is a normal float:
     * 2^-45) */
    double z = -u * symact__c_SQRT_HALF, a = symact__el_abs(z);
    double r = 0.5 * symact__elem_erfc_f32x(z) + u * (symact__c_INV_SQRT_2PI * symact__elem_exp_f32x(-(a * a)));
    double root = symact__pr_root_window_x(u, symact__c_GELU_ROOT[0], symact__c_GELU_ROOT[1],
                                           symact__c_GELU_ROOT_LEFT, SYMACT__LEN(symact__c_GELU_ROOT_LEFT),
                                           symact__c_GELU_ROOT_RIGHT, SYMACT__LEN(symact__c_GELU_ROOT_RIGHT));
    r = symact__sel((u >= -1.3) & (u <= -0.3), root, r);
    return symact__sel(u > 40.0, 1.0, symact__sel(u < -40.0, -0.0, r));
}

/* u*sigmoid(v), v = u*(K1 + K3 u^2) = 2*sqrt(2/pi)*(u + 0.044715 u^3) */
SYMACT__INLINE double symact__xsigcubic_f32x(double u)
{
    return symact__mul_sigmoid_f32x(u, u * (symact__c_GELU_K1[0] + symact__c_GELU_K3[0] * (u * u)));
}

/* sigmoid(v) + u v' sigmoid(v) sigmoid(-v), v' = K1 + 3 K3 u^2 */
SYMACT__INLINE double symact__xsigcubic_grad_f32x(double u)
{
    double w = u * u;
    double v = u * (symact__c_GELU_K1[0] + symact__c_GELU_K3[0] * w);
    double vp = symact__c_GELU_K1[0] + symact__c_GELU_K3X3[0] * w;
    double root = symact__pr_root_window_x(u, symact__c_GELU_TANH_ROOT[0], symact__c_GELU_TANH_ROOT[1],
                                           symact__c_GELU_TANH_ROOT_LEFT, SYMACT__LEN(symact__c_GELU_TANH_ROOT_LEFT),
                                           symact__c_GELU_TANH_ROOT_RIGHT, SYMACT__LEN(symact__c_GELU_TANH_ROOT_RIGHT));
    double r = symact__sigmoid_f32x(v) + symact__mul_dsigmoid_f32x(u * vp, v);
    return symact__sel((u >= -1.3) & (u <= -0.3), root, r);
}

#endif /* SYMACT_RUNTIME_PRECISE_H */
