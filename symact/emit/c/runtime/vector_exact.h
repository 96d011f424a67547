/* Vector activations, row-major over the last axis: the exact path, written once for
 * both dtypes (vector_core.h does the work in double-double, every entry within half
 * an ulp).  vector.h's kernels take it for the rows the fast path does not serve
 * (nan or +inf entries, all -inf rows, cotangents out of the fast path's range).  The
 * generated source includes this file twice, with SYMACT_T (double, float) and
 * SYMACT_FN(name) (name##_f64, name##_f32) defined. */
#include <math.h>
#include <stddef.h>

#include "common.h"
#include "vector_core.h"

/* Scans a row: nan anywhere -> NAN; +inf present -> PINF (k = first +inf);
 * max -inf -> NINF; otherwise FINITE with m, the first argmax k, S = 1 + R
 * and L = log1p(R) in double-double. */
SYMACT__INLINE symact__vec_row SYMACT_FN(symact__vec_scan)(size_t n, const SYMACT_T *x)
{
    symact__vec_row w;
    symact__dd r, e;
    size_t j, kinf = 0;
    w.kind = SYMACT__VEC_FINITE;
    w.m = -HUGE_VAL;
    w.cnt = 0.0;
    w.k = 0;
    w.s = symact__dd_make(1.0, 0.0);
    w.lg = symact__dd_make(0.0, 0.0);
    for (j = 0; j < n; ++j) {
        double v = (double)x[j];
        if (isnan(v)) {
            w.kind = SYMACT__VEC_NAN;
            return w;
        }
        if (v == HUGE_VAL) {
            if (w.cnt == 0.0)
                kinf = j;
            w.cnt += 1.0;
        } else if (v > w.m) {
            w.m = v;
            w.k = j;
        }
    }
    if (w.cnt > 0.0) {
        w.kind = SYMACT__VEC_PINF;
        w.k = kinf;
        return w;
    }
    if (w.m == -HUGE_VAL) {
        w.kind = SYMACT__VEC_NINF;
        return w;
    }
    r.hi = 0.0;
    r.lo = 0.0;
    for (j = 0; j < n; ++j) {
        if (j == w.k)
            continue;      /* e = 1 exactly: kept out of R = S - 1 */
        int k;
        e = symact__vec_exp_parts(symact__vec_shift((double)x[j], w.m), &k);
        symact__vec_acc(&r, ldexp(e.hi, k));       /* underflow is harmless: S >= 1 */
        r.lo += ldexp(e.lo, k);
    }
    r = symact__two_sum(r.hi, r.lo);
    w.s = symact__two_sum(1.0, r.hi);
    w.s = symact__two_sum(w.s.hi, w.s.lo + r.lo);
    w.lg = symact__vec_log1p2(r);
    return w;
}

/* logsumexp = m + log1p(R); cols == 0 gives -inf (the empty sum). */
SYMACT__COLD int SYMACT_FN(symact__vx_logsumexp)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i;
    for (i = 0; i < rows; ++i) {
        symact__vec_row w;
        symact__dd s;
        double v;
        if (cols == 0) {
            y[i] = (SYMACT_T)-HUGE_VAL;
            continue;
        }
        w = SYMACT_FN(symact__vec_scan)(cols, x + i * cols);
        switch (w.kind) {
        case SYMACT__VEC_NAN: v = (double)NAN; break;
        case SYMACT__VEC_PINF: v = HUGE_VAL; break;
        case SYMACT__VEC_NINF: v = -HUGE_VAL; break;
        default:
            s = symact__two_sum(w.m, w.lg.hi);
            v = s.hi + (s.lo + w.lg.lo);
        }
        y[i] = SYMACT_FN(symact__vec_out)(v);
    }
    return 0;
}

/* softmax_j = exp((x_j - m) - log1p(R)); +inf rows: 1/count on the +inf
 * entries; all -inf rows: 0. */
SYMACT__COLD int SYMACT_FN(symact__vx_softmax)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        SYMACT_T *yr = y + i * cols;
        symact__vec_row w = SYMACT_FN(symact__vec_scan)(cols, xr);
        for (j = 0; j < cols; ++j) {
            double v;
            switch (w.kind) {
            case SYMACT__VEC_NAN: v = (double)NAN; break;
            case SYMACT__VEC_NINF: v = 0.0; break;
            case SYMACT__VEC_PINF: v = (double)xr[j] == HUGE_VAL ? 1.0 / w.cnt : 0.0; break;
            default: v = symact__vec_softmax_at((double)xr[j], &w);
            }
            yr[j] = SYMACT_FN(symact__vec_out)(v);
        }
    }
    return 0;
}

/* The gradient of logsumexp is the softmax (0 for all -inf rows). */
SYMACT__COLD int SYMACT_FN(symact__vx_logsumexp_grad)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    return SYMACT_FN(symact__vx_softmax)(rows, cols, x, y);
}

/* log_softmax_j = (x_j - m) - log1p(R); +inf rows: -log(count) on the +inf
 * entries, -inf elsewhere; all -inf rows: -inf. */
SYMACT__COLD int SYMACT_FN(symact__vx_log_softmax)(size_t rows, size_t cols, const SYMACT_T *x, SYMACT_T *y)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        SYMACT_T *yr = y + i * cols;
        symact__vec_row w = SYMACT_FN(symact__vec_scan)(cols, xr);
        for (j = 0; j < cols; ++j) {
            double v;
            switch (w.kind) {
            case SYMACT__VEC_NAN: v = (double)NAN; break;
            case SYMACT__VEC_NINF: v = -HUGE_VAL; break;
            case SYMACT__VEC_PINF: v = (double)xr[j] == HUGE_VAL ? 0.0 - log(w.cnt) : -HUGE_VAL; break;
            default: v = symact__vec_log_softmax_at((double)xr[j], &w);
            }
            yr[j] = SYMACT_FN(symact__vec_out)(v);
        }
    }
    return 0;
}

/* The cotangent row's scale exponent (see symact__vec_gscale). */
SYMACT__INLINE int SYMACT_FN(symact__vec_gexp)(size_t n, const SYMACT_T *g)
{
    double gmax = 0.0;
    size_t j;
    for (j = 0; j < n; ++j) {
        double a = fabs((double)g[j]);
        if (a > gmax && isfinite(a))
            gmax = a;
    }
    return symact__vec_gscale(gmax);
}

/* dx = y * (g - sum(g y)) as dx_i = y_i * D_i / S, D_i = (g_i - c) S -
 * sum_j e_j (g_j - c), c = g at the first argmax, in double-double. */
SYMACT__COLD int SYMACT_FN(symact__vx_softmax_vjp)(size_t rows, size_t cols, const SYMACT_T *x, const SYMACT_T *g, SYMACT_T *dx)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        const SYMACT_T *gr = g + i * cols;
        SYMACT_T *dr = dx + i * cols;
        symact__vec_row w = SYMACT_FN(symact__vec_scan)(cols, xr);
        double c, yi, s;
        int gk, k;
        symact__dd gp, a, e, p, q, dd;
        if (w.kind == SYMACT__VEC_NAN || w.kind == SYMACT__VEC_NINF) {
            for (j = 0; j < cols; ++j)
                dr[j] = (SYMACT_T)(w.kind == SYMACT__VEC_NAN ? (double)NAN : 0.0);
            continue;
        }
        gk = SYMACT_FN(symact__vec_gexp)(cols, gr);
        c = ldexp((double)gr[w.k], -gk);
        if (w.kind == SYMACT__VEC_PINF) {
            yi = 1.0 / w.cnt;
            s = 0.0;
            for (j = 0; j < cols; ++j)
                if ((double)xr[j] == HUGE_VAL)
                    s += yi * (ldexp((double)gr[j], -gk) - c);
            for (j = 0; j < cols; ++j) {
                double y = (double)xr[j] == HUGE_VAL ? yi : 0.0;
                dr[j] = SYMACT_FN(symact__vec_out)(ldexp(y * ((ldexp((double)gr[j], -gk) - c) - s), gk));
            }
            continue;
        }
        gp.hi = 0.0;
        gp.lo = 0.0;
        for (j = 0; j < cols; ++j) {
            e = symact__vec_exp_parts(symact__vec_shift((double)xr[j], w.m), &k);
            a = symact__two_sum(ldexp((double)gr[j], -gk), -c);
            if (!isfinite(a.hi))
                a.lo = 0.0;
            p = symact__two_prod(e.hi, a.hi);
            symact__vec_acc(&gp, ldexp(p.hi, k));
            gp.lo += ldexp(p.lo + (e.hi * a.lo + e.lo * a.hi), k);
        }
        gp = symact__two_sum(gp.hi, gp.lo);
        for (j = 0; j < cols; ++j) {
            symact__dd y = symact__vec_softmax_parts((double)xr[j], &w, SYMACT__VEC_VJP_FLOOR, &k);
            a = symact__two_sum(ldexp((double)gr[j], -gk), -c);
            if (!isfinite(a.hi))
                a.lo = 0.0;
            q = symact__two_prod(a.hi, w.s.hi);
            dd = symact__two_sum(q.hi, -gp.hi);
            dd.lo += q.lo + a.hi * w.s.lo + a.lo * w.s.hi - gp.lo;
            q = symact__dd_div(dd, w.s);
            /* y * Q rounded once, in the final ldexp */
            p = symact__two_prod(y.hi, q.hi);
            p.lo += y.hi * q.lo + y.lo * q.hi;
            dr[j] = SYMACT_FN(symact__vec_out)(symact__vec_ldexp2(p.hi, p.lo, k + gk));
        }
    }
    return 0;
}

/* dx = g - softmax(x) * sum(g) as dx_i = (g_i S - e_i G) / S, G = sum g,
 * in double-double. */
SYMACT__COLD int SYMACT_FN(symact__vx_log_softmax_vjp)(size_t rows, size_t cols, const SYMACT_T *x, const SYMACT_T *g, SYMACT_T *dx)
{
    size_t i, j;
    if (cols == 0)
        return 0;
    for (i = 0; i < rows; ++i) {
        const SYMACT_T *xr = x + i * cols;
        const SYMACT_T *gr = g + i * cols;
        SYMACT_T *dr = dx + i * cols;
        symact__vec_row w = SYMACT_FN(symact__vec_scan)(cols, xr);
        symact__dd gs, e, p1, p2, n;
        int gk, k;
        if (w.kind == SYMACT__VEC_NAN || w.kind == SYMACT__VEC_NINF) {
            for (j = 0; j < cols; ++j)
                dr[j] = (SYMACT_T)(w.kind == SYMACT__VEC_NAN ? (double)NAN : 0.0);
            continue;
        }
        gk = SYMACT_FN(symact__vec_gexp)(cols, gr);
        gs.hi = 0.0;
        gs.lo = 0.0;
        for (j = 0; j < cols; ++j)
            symact__vec_acc(&gs, ldexp((double)gr[j], -gk));
        if (w.kind == SYMACT__VEC_PINF) {
            double yi = 1.0 / w.cnt, sg = gs.hi + gs.lo;
            for (j = 0; j < cols; ++j) {
                double y = (double)xr[j] == HUGE_VAL ? yi : 0.0;
                dr[j] = SYMACT_FN(symact__vec_out)(ldexp(ldexp((double)gr[j], -gk) - y * sg, gk));
            }
            continue;
        }
        gs = symact__two_sum(gs.hi, gs.lo);
        for (j = 0; j < cols; ++j) {
            double gj = ldexp((double)gr[j], -gk);
            e = symact__vec_exp_parts(symact__vec_shift((double)xr[j], w.m), &k);
            p1 = symact__two_prod(gj, w.s.hi);
            p2 = symact__two_prod(e.hi, gs.hi);
            n = symact__two_sum(p1.hi, -ldexp(p2.hi, k));
            n.lo += (p1.lo + gj * w.s.lo) - ldexp(p2.lo + (e.hi * gs.lo + e.lo * gs.hi), k);
            n = symact__dd_div(n, w.s);
            dr[j] = SYMACT_FN(symact__vec_out)(symact__vec_ldexp2(n.hi, n.lo, gk));
        }
    }
    return 0;
}
