/* Vector activations, row-major over the last axis: the public kernels, written once
 * for both dtypes.  Each row takes the fast path (vector_fast.h: a few vectorised
 * passes) unless it holds a nan or +inf, is all -inf, spreads further than the fast
 * path keeps normal, or (the VJPs) has a cotangent outside its range; those rows take
 * the exact path (vector_exact.h).  The generated source includes this file twice,
 * with SYMACT_T (double, float), SYMACT_FN(name) (name##_f64, name##_f32),
 * SYMACT_VF_TERM (the exponential of a shift: a double-word for double, a double for
 * float, whose results round once to float) and SYMACT_VF_FLOAT (1 for float, whose
 * softmax and log_softmax need no double-word at all) defined. */
#include <float.h>
#include <math.h>
#include <stddef.h>

#include "common.h"
#include "vector_exact.h"
#include "vector_fast.h"

/* Pass 1: the row's max (returned); whether it holds a nan or +inf, or is all -inf, or
 * has a finite entry more than SPREAD below the max (*slow). */
SYMACT__INLINE double SYMACT_FN(symact__vf_scan)(size_t n, const SYMACT_T *x, int *slow)
{
    double mx[SYMACT__VL], mn[SYMACT__VL], fl[SYMACT__VL];
    double m = -HUGE_VAL, low = HUGE_VAL, f = 0.0;
    size_t j, nb = n - n % SYMACT__VL;
    int l;
    for (l = 0; l < SYMACT__VL; ++l) {
        mx[l] = -HUGE_VAL;
        mn[l] = HUGE_VAL;
        fl[l] = 0.0;
    }
    for (j = 0; j < nb; j += SYMACT__VL) {
        SYMACT__LANES
        for (l = 0; l < SYMACT__VL; ++l) {
            double v = (double)x[j + l];
            mx[l] = v > mx[l] ? v : mx[l];
            mn[l] = v < mn[l] && v != -HUGE_VAL ? v : mn[l];
            fl[l] = ((v != v) | (v == HUGE_VAL)) ? 1.0 : fl[l];
        }
    }
    for (j = nb; j < n; ++j) {
        double v = (double)x[j];
        l = (int)(j - nb);
        mx[l] = v > mx[l] ? v : mx[l];
        mn[l] = v < mn[l] && v != -HUGE_VAL ? v : mn[l];
        fl[l] = ((v != v) | (v == HUGE_VAL)) ? 1.0 : fl[l];
    }
    for (l = 0; l < SYMACT__VL; ++l) {
        m = mx[l] > m ? mx[l] : m;
        low = mn[l] < low ? mn[l] : low;
        f = fl[l] > f ? fl[l] : f;
    }
    *slow = f != 0.0 || m == -HUGE_VAL || low < m - SYMACT__VF_SPREAD;
    return m;
}

#if SYMACT_VF_FLOAT
/* (float rows: symact__vf_rest and, for the VJPs, symact__vf_psums) */
#else
/* Pass 2: R = S - 1 = sum over the entries below the max of exp(x_j - m), plus the
 * number of ties of the max less one, as a double-word; also *gsum = G = sum_j e_j (g_j - c)
 * (mode 1, the softmax VJP) or sum_j g_j (mode 2, the log_softmax VJP), and *gabs the sum
 * of its terms' magnitudes (for the certificate, SYMACT__VF_CERT).  A block at a
 * time: the terms by an elementwise loop into buffers, then summed on the lanes. */
SYMACT__INLINE symact__dd SYMACT_FN(symact__vf_sums)(size_t n, const SYMACT_T *x, double m,
                                                     const SYMACT_T *g, double c, int mode,
                                                     symact__dd *gsum, double *gabs)
{
    double th[SYMACT__BLOCK], tl[SYMACT__BLOCK], tie[SYMACT__BLOCK], ph[SYMACT__BLOCK], pl[SYMACT__BLOCK];
    double rh[SYMACT__VL], rl[SYMACT__VL], tc[SYMACT__VL], gh[SYMACT__VL], gl[SYMACT__VL], ga[SYMACT__VL];
    symact__dd r = symact__dd_make(0.0, 0.0), gs = symact__dd_make(0.0, 0.0);
    double ties = 0.0, lo = 0.0, glo = 0.0, gab = 0.0;
    size_t j0, j, b;
    int l;
    for (l = 0; l < SYMACT__VL; ++l) {
        rh[l] = rl[l] = tc[l] = gh[l] = gl[l] = ga[l] = 0.0;
    }
    for (j0 = 0; j0 < n; j0 += SYMACT__BLOCK) {
        size_t len = n - j0 < SYMACT__BLOCK ? n - j0 : SYMACT__BLOCK;
        size_t nb = len - len % SYMACT__VL;
        SYMACT__LOOP
        for (j = 0; j < len; ++j) {
            double v = (double)x[j0 + j];
            symact__dd d = symact__vf_shift(v, m);
            symact__dd e = SYMACT_VF_TERM(d);
            int top = v == m;
            /* selects, not ?: (with the latter gcc vectorises this loop at one call
             * site of five) */
            th[j] = symact__sel(top, 0.0, e.hi);
            tl[j] = symact__sel(top, 0.0, e.lo);
            tie[j] = symact__sel(top, 1.0, 0.0);
            if (mode == 1) {
                symact__dd a = symact__two_sum((double)g[j0 + j], -c);
                symact__dd p = symact__two_prod(e.hi, a.hi);
                ph[j] = p.hi;
                pl[j] = p.lo + (e.hi * a.lo + e.lo * a.hi);
            } else if (mode == 2) {
                ph[j] = (double)g[j0 + j];
                pl[j] = 0.0;
            }
        }
        for (b = 0; b < nb; b += SYMACT__VL) {
            SYMACT__LANES
            for (l = 0; l < SYMACT__VL; ++l) {
                symact__dd t = symact__two_sum(rh[l], th[b + l]);
                rh[l] = t.hi;
                rl[l] += t.lo + tl[b + l];
                tc[l] += tie[b + l];
            }
#if SYMACT_VF_FLOAT
            /* the float VJPs sum in symact__vf_psums: float calls this with mode 0 only */
#else
            if (mode == 1 || mode == 2) {
                SYMACT__LANES
                for (l = 0; l < SYMACT__VL; ++l) {
                    symact__dd t = symact__two_sum(gh[l], ph[b + l]);
                    gh[l] = t.hi;
                    gl[l] += t.lo + pl[b + l];
                    ga[l] += fabs(ph[b + l]);
                }
            }
#endif
        }
        for (b = nb; b < len; ++b) {
            r = symact__dd_add(r, symact__dd_make(th[b], tl[b]));
            ties += tie[b];
            if (mode == 1 || mode == 2) {
                gs = symact__dd_add(gs, symact__dd_make(ph[b], pl[b]));
                gab += fabs(ph[b]);
            }
        }
    }
    for (l = 0; l < SYMACT__VL; ++l) {
        symact__dd t = symact__two_sum(r.hi, rh[l]);
        symact__dd u = symact__two_sum(gs.hi, gh[l]);
        r.hi = t.hi;
        lo += t.lo + rl[l];
        gs.hi = u.hi;
        glo += u.lo + gl[l];
        gab += ga[l];
        ties += tc[l];
    }
    *gabs = gab;
    r = symact__fast_two_sum(r.hi, r.lo + lo);
    *gsum = symact__fast_two_sum(gs.hi, gs.lo + glo);
    /* ties - 1 is an integer: exact */
    return symact__dd_add(r, symact__dd_make(ties - 1.0, 0.0));
}
#endif

/* The VJPs' c: g at an entry equal to the max (any: the dominant entry's D = -G then
 * carries no rounding of a g - c term, docs/numerics.md pitfall 13; it still cancels
 * where G does, which the certificate, SYMACT__VF_CERT, sees). */
SYMACT__INLINE double SYMACT_FN(symact__vf_pick)(size_t n, const SYMACT_T *x, const SYMACT_T *g, double m)
{
    double cg[SYMACT__VL], c = 0.0;
    size_t j, nb = n - n % SYMACT__VL;
    int l;
    for (l = 0; l < SYMACT__VL; ++l)
        cg[l] = (double)NAN;
    for (j = 0; j < nb; j += SYMACT__VL) {
        SYMACT__LANES
        for (l = 0; l < SYMACT__VL; ++l)
            cg[l] = symact__sel((double)x[j + l] == m, (double)g[j + l], cg[l]);
    }
    for (j = nb; j < n; ++j)
        if ((double)x[j] == m)
            c = (double)g[j];
    for (l = 0; l < SYMACT__VL; ++l)
        c = cg[l] == cg[l] ? cg[l] : c;
    return c;
}

/* The VJPs' certificate.  An output's numerator D = a S - P (softmax: a = g - c,
 * P = sum e_j a_j) or g S - e P (log_softmax: P = sum g_j) cancels where g_i is near the
 * weighted mean of g, without bound: its error is a fixed fraction of B = |a| S + A
 * (resp. |g| S + e A), A the sum of the magnitudes of P's terms, and |D| can be any
 * fraction of B.  The fast path computes D on its own accuracy only where |D| >= cert B
 * for every entry of the row; a row with one entry below takes the exact path
 * (vector_exact.h, double-double throughout), which is rare (an entry within
 * cert of the mean: about 1 row in 1000 of random rows of 1000).  The test uses D and
 * B in plain double from S, P and A, which is enough: it is off by 2^-52 B.  Where the
 * cotangent is constant, every a_j and so P, A and D are exactly 0: certified.
 * - Double rows: e_j to 2^-75 (symact__vf_expdd) and the sums in double-word carry
 *   about 2^-74 B; with cert = SYMACT__VF_CERT_DW = 2^-18 that is 2^-56 of D, an
 *   eighth of an ulp at most.
 * - Float rows, in plain double: e_j = exp(x_j - m) of the exact shift to 2^-52
 *   (symact__vf_exp_double), the softmax VJP's products e_j a_j round once more, and the
 *   lane sums S = sum e_j, P = sum p_j are compensated (two-sum), so that S carries 2^-51
 *   of itself and P 2^-51 of A, whatever n: D by one fused multiply-add carries at most
 *   2^-50 B, and with cert = SYMACT__VF_CERT = 2^-20 at most 2^-30 of D; the products by
 *   e_j and 1/S add a few 2^-53, so the output, rounded once to float, stays within
 *   0.5 + 2^-5 ulp. */
#define SYMACT__VF_CERT 0x1p-20
#define SYMACT__VF_CERT_DW 0x1p-18

#if SYMACT_VF_FLOAT
/* (float cotangents: see symact_softmax_vjp) */
#else
/* Whether a cotangent row suits the fast path: finite, max |g| within [G_MIN, G_MAX]
 * (or all zero), so products with exp(x - m) stay normal. */
SYMACT__INLINE int SYMACT_FN(symact__vf_g_ok)(size_t n, const SYMACT_T *g)
{
    double gmax[SYMACT__VL], gm = 0.0;
    size_t j, nb = n - n % SYMACT__VL;
    int l;
    for (l = 0; l < SYMACT__VL; ++l)
        gmax[l] = 0.0;
    for (j = 0; j < nb; j += SYMACT__VL) {
        SYMACT__LANES
        for (l = 0; l < SYMACT__VL; ++l) {
            double a = fabs((double)g[j + l]);
            gmax[l] = !(a <= gmax[l]) ? a : gmax[l]; /* nan propagates */
        }
    }
    for (l = 0; l < SYMACT__VL; ++l)
        gm = !(gmax[l] <= gm) ? gmax[l] : gm;
    for (j = nb; j < n; ++j) {
        double a = fabs((double)g[j]);
        gm = !(a <= gm) ? a : gm;
    }
    return gm == 0.0 || (gm >= SYMACT__VF_G_MIN && gm <= SYMACT__VF_G_MAX);
}

#endif

#if SYMACT_VF_FLOAT
/* Float rows of softmax and log_softmax: R = S - 1 (the entries below the max, plus the
 * ties less one) in plain double, with e_j = exp(x_j - m) at float's precision
 * (symact__vf_exp_float), also into keep[j] unless keep is NULL.  Enough: x_j - m of
 * two floats rounds by at most 2^-53 |x_j - m| (2^-43 relative in e_j on the fast
 * path's spread), and their outputs carry the relative error of S, or for the dominant
 * entry's -log1p(R) that of R, about 2^-39 in all, far below float's half ulp (the lane
 * sums of positive terms add n 2^-56).  A block at a time: the terms by an elementwise
 * loop, then summed on the lanes. */
SYMACT__INLINE double SYMACT_FN(symact__vf_rest)(size_t n, const SYMACT_T *x, double m, double *keep)
{
    double ev[SYMACT__BLOCK], te[SYMACT__BLOCK], tt[SYMACT__BLOCK], rs[SYMACT__VL], tc[SYMACT__VL];
    double r = 0.0, ties = 0.0;
    size_t j0, j, b;
    int l;
    for (l = 0; l < SYMACT__VL; ++l)
        rs[l] = tc[l] = 0.0;
    for (j0 = 0; j0 < n; j0 += SYMACT__BLOCK) {
        size_t len = n - j0 < SYMACT__BLOCK ? n - j0 : SYMACT__BLOCK;
        size_t nb = len - len % SYMACT__VL;
        SYMACT__LOOP
        for (j = 0; j < len; ++j) {
            double d = (double)x[j0 + j] - m;
            double e = symact__vf_exp_float(d);
            /* selects, not ?: (as in symact__vf_sums) */
            ev[j] = e;
            te[j] = symact__sel(d < 0.0, e, 0.0);
            tt[j] = symact__sel(d < 0.0, 0.0, 1.0);
        }
        if (keep)
            memcpy(keep + j0, ev, len * sizeof(double));
        for (b = 0; b < nb; b += SYMACT__VL) {
            SYMACT__LANES
            for (l = 0; l < SYMACT__VL; ++l) {
                rs[l] += te[b + l];
                tc[l] += tt[b + l];
            }
        }
        for (b = nb; b < len; ++b) {
            r += te[b];
            ties += tt[b];
        }
    }
    for (l = 0; l < SYMACT__VL; ++l) {
        r += rs[l];
        ties += tc[l];
    }
    /* ties - 1 is an integer: exact */
    return r + (ties - 1.0);
}


/* Pass 2 of the float VJPs: S, P (as compensated lane sums) and A; e_j into keep[j]
 * unless keep is NULL.  p_j = e_j (g_j - c) where mode is 1, g_j where it is 2.  A is
 * finite exactly when every g_j is (e_j <= 1, and e_j = 0 gives 0 inf = nan). */
SYMACT__INLINE void SYMACT_FN(symact__vf_psums)(size_t n, const SYMACT_T *x, double m, const SYMACT_T *g,
                                                double c, int mode, double *keep, double out[3])
{
    double ev[SYMACT__BLOCK], pv[SYMACT__BLOCK];
    double sh[SYMACT__VL], sl[SYMACT__VL], ph[SYMACT__VL], pl[SYMACT__VL], ab[SYMACT__VL];
    double s = 0.0, slo = 0.0, p = 0.0, plo = 0.0, a = 0.0;
    size_t j0, j, b;
    int l;
    for (l = 0; l < SYMACT__VL; ++l)
        sh[l] = sl[l] = ph[l] = pl[l] = ab[l] = 0.0;
    for (j0 = 0; j0 < n; j0 += SYMACT__BLOCK) {
        size_t len = n - j0 < SYMACT__BLOCK ? n - j0 : SYMACT__BLOCK;
        SYMACT__LOOP
        for (j = 0; j < len; ++j) {
            double e = symact__vf_exp_double(symact__vf_shift((double)x[j0 + j], m));
            ev[j] = e;
            pv[j] = mode == 1 ? e * ((double)g[j0 + j] - c) : (double)g[j0 + j];
        }
        if (keep)
            memcpy(keep + j0, ev, len * sizeof(double));
        /* the tail (len mod VL) on the first lanes: the same order on every target */
        for (b = 0; b < len; b += SYMACT__VL) {
            int w = len - b < SYMACT__VL ? (int)(len - b) : SYMACT__VL;
            SYMACT__LANES
            for (l = 0; l < w; ++l) {
                symact__dd t = symact__two_sum(sh[l], ev[b + l]);
                symact__dd u = symact__two_sum(ph[l], pv[b + l]);
                sh[l] = t.hi;
                sl[l] += t.lo;
                ph[l] = u.hi;
                pl[l] += u.lo;
                ab[l] += fabs(pv[b + l]);
            }
        }
    }
    for (l = 0; l < SYMACT__VL; ++l) {
        symact__dd t = symact__two_sum(s, sh[l]);
        symact__dd u = symact__two_sum(p, ph[l]);
        s = t.hi;
        slo += t.lo + sl[l];
        p = u.hi;
        plo += u.lo + pl[l];
        a += ab[l];
    }
    out[0] = s + slo;
    out[1] = p + plo;
    out[2] = a;
}

#endif

/* Whether every entry of a softmax VJP row is certified: |a_j S - P| >= cert (|a_j| S + A)
 * (see SYMACT__VF_CERT; sp = S, P, A). */
SYMACT__INLINE int SYMACT_FN(symact__vf_cert_softmax)(size_t n, const SYMACT_T *g, double c, const double sp[3],
                                                       double cert)
{
    size_t j, nbad = 0;
    /* an integer count: gcc vectorises the reduction without reassociating doubles */
    SYMACT__LANES
    for (j = 0; j < n; ++j) {
        double a = (double)g[j] - c, d = symact__el_mla(a, sp[0], -sp[1]);
        nbad += fabs(d) < cert * (fabs(a) * sp[0] + sp[2]);
    }
    return nbad == 0;
}

/* Whether every entry of a log_softmax VJP row is certified: |g_j S - e_j P| >=
 * cert (|g_j| S + e_j A) (see SYMACT__VF_CERT); e_j from keep, or computed again where
 * keep is NULL, to 2^-40 (symact__vf_exp_float): that moves the test by 2^-40 B, far
 * below cert. */
SYMACT__INLINE int SYMACT_FN(symact__vf_cert_log_softmax)(size_t n, const SYMACT_T *x, double m, const SYMACT_T *g,
                                                          const double *keep, const double sp[3], double cert)
{
    size_t j, nbad = 0;
    (void)keep; /* double rows keep no exponentials */
    /* an integer count: gcc vectorises the reduction without reassociating doubles */
#if SYMACT_VF_FLOAT
    if (keep) {
        SYMACT__LANES
        for (j = 0; j < n; ++j) {
            double gj = (double)g[j], d = symact__el_mla(gj, sp[0], -(keep[j] * sp[1]));
            nbad += fabs(d) < cert * (fabs(gj) * sp[0] + keep[j] * sp[2]);
        }
        return nbad == 0;
    }
#endif
    SYMACT__LANES
    for (j = 0; j < n; ++j) {
        double e = symact__vf_exp_float((double)x[j] - m);
        double gj = (double)g[j], d = symact__el_mla(gj, sp[0], -(e * sp[1]));
        nbad += fabs(d) < cert * (fabs(gj) * sp[0] + e * sp[2]);
    }
    return nbad == 0;
}
/* logsumexp = m + log1p(R); cols == 0 gives -inf (the empty sum).  m + L cancels where
 * the row's sum of exponentials is near 1 (lse near 0; m = -log n for n ties), without
 * bound: L carries the error of R, so a row stands only where |m + L| >= cert (|m| + L),
 * and otherwise takes the exact path, whose L carries 2^-104.  Double rows: R in
 * double-word, 2^-74 of L, cert SYMACT__VF_CERT_DW (2^-56 of the result).  Float rows: R
 * in plain double at float's precision (symact__vf_rest, as log_softmax's: 2^-40 of L,
 * a quarter of the double-word sums' cost), cert SYMACT__VF_CERT_LSE = 2^-9 (2^-31 of
 * the result: within 0.5 + 2^-7 ulp once rounded to float; random rows are far from
 * it, their lse is about m + log n). */
#define SYMACT__VF_CERT_LSE 0x1p-9
int SYMACT_FN(symact_logsumexp)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        int slow;
        double m;
#if SYMACT_VF_FLOAT
        double lg, r;
#else
        symact__dd lg, r, unused;
        double unused_abs;
#endif
        if (cols == 0) {
            y[i] = (SYMACT_T)-HUGE_VAL;
            continue;
        }
        m = SYMACT_FN(symact__vf_scan)(cols, xr, &slow);
        if (slow) {
            SYMACT_FN(symact__vx_logsumexp)(1, cols, xr, y + i);
            continue;
        }
#if SYMACT_VF_FLOAT
        lg = symact__elem_log1p_f64(SYMACT_FN(symact__vf_rest)(cols, xr, m, NULL));
        r = m + lg;
        if (!(fabs(r) >= SYMACT__VF_CERT_LSE * (fabs(m) + lg))) {
            SYMACT_FN(symact__vx_logsumexp)(1, cols, xr, y + i);
            continue;
        }
        y[i] = (SYMACT_T)r;
#else
        lg = symact__vec_log1p2(SYMACT_FN(symact__vf_sums)(cols, xr, m, NULL, 0.0, 0, &unused, &unused_abs));
        r = symact__two_sum(m, lg.hi);
        if (!(fabs(r.hi) >= SYMACT__VF_CERT_DW * (fabs(m) + lg.hi))) {
            SYMACT_FN(symact__vx_logsumexp)(1, cols, xr, y + i);
            continue;
        }
        y[i] = (SYMACT_T)(r.hi + (r.lo + lg.lo));
#endif
    }
    return 0;
}

/* softmax_j = exp((x_j - m) - log S): one double-word exponential of a hi + lo argument
 * per entry, rounded once (normal: rows on the fast path lie within the spread). */
int SYMACT_FN(symact_softmax)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        SYMACT_T *yr = y + i * cols;
        int slow;
        double m = SYMACT_FN(symact__vf_scan)(cols, xr, &slow);
#if SYMACT_VF_FLOAT
        double inv, keep[SYMACT__VF_KEEP];
#else
        symact__dd lg, unused;
        double unused_abs;
#endif
        if (slow) {
            SYMACT_FN(symact__vx_softmax)(1, cols, xr, yr);
            continue;
        }
#if SYMACT_VF_FLOAT
        /* float: e_j / S in double, rounded once to float (2^-39, see symact__vf_rest);
         * e_j kept from the sum where the row fits the buffer, else computed again */
        inv = 1.0 / (1.0 + SYMACT_FN(symact__vf_rest)(cols, xr, m, cols <= SYMACT__VF_KEEP ? keep : NULL));
        if (cols <= SYMACT__VF_KEEP) {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j)
                yr[j] = (SYMACT_T)(keep[j] * inv);
        } else {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j)
                yr[j] = (SYMACT_T)(symact__vf_exp_float((double)xr[j] - m) * inv);
        }
#else
        lg = symact__vec_log1p2(SYMACT_FN(symact__vf_sums)(cols, xr, m, NULL, 0.0, 0, &unused, &unused_abs));
        SYMACT__LOOP
        for (j = 0; j < cols; ++j) {
            symact__dd e = symact__vf_term(symact__vf_minus_log(symact__vf_shift((double)xr[j], m), lg));
            yr[j] = (SYMACT_T)(e.hi + e.lo);
        }
#endif
    }
    return 0;
}

/* The gradient of logsumexp is the softmax (0 for all -inf rows). */
int SYMACT_FN(symact_logsumexp_grad)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    return SYMACT_FN(symact_softmax)(rows, cols, x, y);
}

/* log_softmax_j = (x_j - m) - log S in double-word, rounded once. */
int SYMACT_FN(symact_log_softmax)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        SYMACT_T *yr = y + i * cols;
        int slow;
        double m = SYMACT_FN(symact__vf_scan)(cols, xr, &slow);
#if SYMACT_VF_FLOAT
        double lf;
#else
        symact__dd lg, unused;
        double unused_abs;
#endif
        if (slow) {
            SYMACT_FN(symact__vx_log_softmax)(1, cols, xr, yr);
            continue;
        }
#if SYMACT_VF_FLOAT
        /* float: (x_j - m) - log1p(R) in double (same signs: no cancellation), rounded
         * once to float */
        lf = symact__elem_log1p_f64(SYMACT_FN(symact__vf_rest)(cols, xr, m, NULL));
        SYMACT__LOOP
        for (j = 0; j < cols; ++j)
            yr[j] = (SYMACT_T)(((double)xr[j] - m) - lf);
#else
        lg = symact__vec_log1p2(SYMACT_FN(symact__vf_sums)(cols, xr, m, NULL, 0.0, 0, &unused, &unused_abs));
        SYMACT__LOOP
        for (j = 0; j < cols; ++j) {
            symact__dd t = symact__vf_minus_log(symact__vf_shift((double)xr[j], m), lg);
            yr[j] = (SYMACT_T)(t.hi + t.lo);
        }
#endif
    }
    return 0;
}

/* dx = y*(g - sum(g y)) as dx_i = y_i*D_i/S, D_i = (g_i - c) S - G, G = sum_j e_j (g_j - c),
 * c = g at a max entry (so that a constant cotangent gives exactly 0; docs/numerics.md
 * pitfall 13).  Double: y_i and D_i/S as double-words, their product rounded once; float:
 * in plain double.  Either only where the row is certified (SYMACT__VF_CERT): D_i
 * cancels, the dominant entry's -G too, where g_i is near the weighted mean of g. */
int SYMACT_FN(symact_softmax_vjp)(size_t rows, size_t cols, const SYMACT_T *x, const SYMACT_T *g, SYMACT_T *dx)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        const SYMACT_T *gr = g + i * cols;
        SYMACT_T *dr = dx + i * cols;
        int slow;
        double m = SYMACT_FN(symact__vf_scan)(cols, xr, &slow), c;
        double sp[3];
#if SYMACT_VF_FLOAT
        double keep[SYMACT__VF_KEEP], fi;
#else
        symact__dd r, s, inv, gs, lg;
#endif
        /* a float cotangent is within G_MIN..G_MAX if finite, which the float path
         * reads from A (symact__vf_psums) */
#if SYMACT_VF_FLOAT
        if (slow) {
#else
        if (slow || !SYMACT_FN(symact__vf_g_ok)(cols, gr)) {
#endif
            SYMACT_FN(symact__vx_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
        c = SYMACT_FN(symact__vf_pick)(cols, xr, gr, m);
#if SYMACT_VF_FLOAT
        /* float: in plain double where the row is certified (SYMACT__VF_CERT), e_j kept
         * from the sums where the row fits the buffer; nothing is written before the
         * certificate, so dx may be x or g */
        SYMACT_FN(symact__vf_psums)(cols, xr, m, gr, c, 1, cols <= SYMACT__VF_KEEP ? keep : NULL, sp);
        /* A is not finite where a cotangent is nan or +-inf */
        if (!(sp[2] <= DBL_MAX) || !SYMACT_FN(symact__vf_cert_softmax)(cols, gr, c, sp, SYMACT__VF_CERT)) {
            SYMACT_FN(symact__vx_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
        fi = 1.0 / sp[0];
        if (cols <= SYMACT__VF_KEEP) {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j)
                dr[j] = (SYMACT_T)((keep[j] * fi) * (symact__el_mla((double)gr[j] - c, sp[0], -sp[1]) * fi));
        } else {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j) {
                double e = symact__vf_exp_double(symact__vf_shift((double)xr[j], m));
                dr[j] = (SYMACT_T)((e * fi) * (symact__el_mla((double)gr[j] - c, sp[0], -sp[1]) * fi));
            }
        }
#else
        r = SYMACT_FN(symact__vf_sums)(cols, xr, m, gr, c, 1, &gs, &sp[2]);
        s = symact__vf_one_plus(r);
        sp[0] = s.hi;
        sp[1] = gs.hi;
        if (!SYMACT_FN(symact__vf_cert_softmax)(cols, gr, c, sp, SYMACT__VF_CERT_DW)) {
            SYMACT_FN(symact__vx_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
        /* 1/S once per row: a product per entry instead of two divisions */
        inv = symact__dd_div(symact__dd_make(1.0, 0.0), s);
        lg = symact__vec_log1p2(r);
        SYMACT__LOOP
        for (j = 0; j < cols; ++j) {
            symact__dd t = symact__vf_minus_log(symact__vf_shift((double)xr[j], m), lg);
            symact__dd y = SYMACT_VF_TERM(t);
            symact__dd a = symact__two_sum((double)gr[j], -c);
            symact__dd q = symact__two_prod(a.hi, s.hi), dd, p;
            dd = symact__two_sum(q.hi, -gs.hi);
            dd.lo += q.lo + a.hi * s.lo + a.lo * s.hi - gs.lo;
            q = symact__dd_mul(dd, inv);
            p = symact__two_prod(y.hi, q.hi);
            /* where x_j = -inf, y = 0 exactly */
            dr[j] = (SYMACT_T)symact__sel(t.hi == -HUGE_VAL, 0.0, p.hi + (p.lo + (y.hi * q.lo + y.lo * q.hi)));
        }
#endif
    }
    return 0;
}

/* dx = g - softmax(x)*sum(g) as dx_i = (g_i S - e_i G)/S, G = sum g, in double-word
 * (double) or plain double (float), where the row is certified (SYMACT__VF_CERT). */
int SYMACT_FN(symact_log_softmax_vjp)(size_t rows, size_t cols, const SYMACT_T *x, const SYMACT_T *g, SYMACT_T *dx)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        const SYMACT_T *gr = g + i * cols;
        SYMACT_T *dr = dx + i * cols;
        int slow;
        double m = SYMACT_FN(symact__vf_scan)(cols, xr, &slow);
        double sp[3];
#if SYMACT_VF_FLOAT
        double keep[SYMACT__VF_KEEP], fi;
#else
        symact__dd s, inv, gs;
#endif
        /* a float cotangent is within G_MIN..G_MAX if finite, which the float path
         * reads from A (symact__vf_psums) */
#if SYMACT_VF_FLOAT
        if (slow) {
#else
        if (slow || !SYMACT_FN(symact__vf_g_ok)(cols, gr)) {
#endif
            SYMACT_FN(symact__vx_log_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
#if SYMACT_VF_FLOAT
        /* float: in plain double where the row is certified (SYMACT__VF_CERT), as for the
         * softmax VJP; where x_j = -inf, e_j = 0 and g_j S/S rounds to g_j in float */
        SYMACT_FN(symact__vf_psums)(cols, xr, m, gr, 0.0, 2, cols <= SYMACT__VF_KEEP ? keep : NULL, sp);
        if (!(sp[2] <= DBL_MAX) ||
            !SYMACT_FN(symact__vf_cert_log_softmax)(cols, xr, m, gr, cols <= SYMACT__VF_KEEP ? keep : NULL, sp,
                                                    SYMACT__VF_CERT)) {
            SYMACT_FN(symact__vx_log_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
        fi = 1.0 / sp[0];
        if (cols <= SYMACT__VF_KEEP) {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j)
                dr[j] = (SYMACT_T)(symact__el_mla((double)gr[j], sp[0], -(keep[j] * sp[1])) * fi);
        } else {
            SYMACT__LOOP
            for (j = 0; j < cols; ++j) {
                double e = symact__vf_exp_double(symact__vf_shift((double)xr[j], m));
                dr[j] = (SYMACT_T)(symact__el_mla((double)gr[j], sp[0], -(e * sp[1])) * fi);
            }
        }
#else
        s = symact__vf_one_plus(SYMACT_FN(symact__vf_sums)(cols, xr, m, gr, 0.0, 2, &gs, &sp[2]));
        sp[0] = s.hi;
        sp[1] = gs.hi;
        if (!SYMACT_FN(symact__vf_cert_log_softmax)(cols, xr, m, gr, NULL, sp, SYMACT__VF_CERT_DW)) {
            SYMACT_FN(symact__vx_log_softmax_vjp)(1, cols, xr, gr, dr);
            continue;
        }
        /* 1/S once per row: a product per entry instead of two divisions */
        inv = symact__dd_div(symact__dd_make(1.0, 0.0), s);
        SYMACT__LOOP
        for (j = 0; j < cols; ++j) {
            double gj = (double)gr[j];
            symact__dd d = symact__vf_shift((double)xr[j], m);
            symact__dd e = SYMACT_VF_TERM(d);
            symact__dd p1 = symact__two_prod(gj, s.hi);
            symact__dd p2 = symact__two_prod(e.hi, gs.hi);
            symact__dd n = symact__two_sum(p1.hi, -p2.hi);
            n.lo += (p1.lo + gj * s.lo) - (p2.lo + (e.hi * gs.lo + e.lo * gs.hi));
            n = symact__dd_mul(n, inv);
            /* where x_j = -inf, e = 0 exactly: dx = g */
            dr[j] = (SYMACT_T)symact__sel(d.hi == -HUGE_VAL, gj, n.hi + n.lo);
        }
#endif
    }
    return 0;
}
