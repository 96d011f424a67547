"""Exact values for the vector kernels, from the definitions' sums in mpmath.

Instantiating the SymPy definition for a row of 1000 entries (and
differentiating it) would take minutes per row; the sums are instead evaluated
exactly as written, at adaptive precision, which is the same function:

    logsumexp(x)        = log(S),            S = sum_i exp(x_i)      (catalogue, no max shift)
    softmax(x)_j        = exp(x_j) / S
    log_softmax(x)_j    = x_j - log(S)
    logsumexp_grad(x)_k = d logsumexp / d x_k = exp(x_k) / S
    softmax_vjp(x, g)_k = sum_j g_j d softmax_j / d x_k = y_k (g_k - sum_j g_j y_j)
    log_softmax_vjp(x, g)_k = sum_j g_j (delta_jk - y_k) = g_k - y_k sum_j g_j

(the Jacobians d softmax_j / d x_k = y_j (delta_jk - y_k) are those of
:func:`symact.derive.derivatives.vector_jacobian`; ``tests/test_oracle.py`` checks these
formulas against it for small n).  mpmath has no overflow or underflow, so
exp(1e300) is an ordinary number here; entries so far below the max that their
terms are beyond any working precision are left out (:data:`NEGLIGIBLE`).  Precision is raised per
row until every output element passes :func:`symact.verify.oracle.judge`.

Rows with +inf or nan entries, and all -inf rows, are fixed by the contract
(:mod:`symact.verify.contract`), not by this module.
"""

from __future__ import annotations

import mpmath
import numpy as np

from symact.verify import cache
from symact.verify.metric import Format
from symact.verify.oracle import ORACLE_VERSION, Exact, _exact_arrays, judge, start_precision, zero_precision

FUNCTIONS = ("logsumexp", "softmax", "log_softmax", "logsumexp_grad", "softmax_vjp", "log_softmax_vjp")


#: Entries more than 2**20 below the row's max contribute less than exp(-10**6)
#: to S relative to its largest term: below 2**-MAX_PREC, so they are left out of
#: S and their softmax value (< exp(-10**6), which rounds to 0 in every dtype) is
#: taken as 0.  This only saves computing exp(-1e300) to thousands of bits.
NEGLIGIBLE = 2.0 ** 20


def row_values(x, g, prec: int) -> dict:
    """All six outputs for one row at ``prec`` bits (lists of mpf)."""
    finite = [float(v) for v in x if np.isfinite(v)]
    cut = max(finite) - NEGLIGIBLE if finite else np.inf
    with mpmath.workprec(prec):
        xs = [mpmath.mpf(float(v)) for v in x]
        gs = [mpmath.mpf(float(v)) for v in g]
        e = [mpmath.exp(v) if float(v) >= cut else mpmath.mpf(0) for v in xs]
        s = mpmath.fsum(e)
        lse = mpmath.log(s)
        y = [v / s for v in e]
        gy = mpmath.fsum(a * b for a, b in zip(gs, y))
        gsum = mpmath.fsum(gs)
        return {
            "logsumexp": [lse],
            "softmax": y,
            "log_softmax": [v - lse for v in xs],
            "logsumexp_grad": y,
            "softmax_vjp": [yk * (gk - gy) for yk, gk in zip(y, gs)],
            "log_softmax_vjp": [gk - yk * gsum for yk, gk in zip(y, gs)],
        }


def row_exact(x, g, f: Format) -> dict:
    """``{function: [(mpf, status), ...]}`` for one finite-or--inf row."""
    finite = [abs(float(v)) for v in x if np.isfinite(v) and v != 0]
    log2_mag = float(np.log2(max(finite))) if finite else 0.0
    p_zero = zero_precision(f, log2_mag + np.log2(len(x)) + 1, power=1)
    p = start_precision(f) + int(np.log2(len(x))) + 1
    a = row_values(x, g, p)
    done = {k: [None] * len(v) for k, v in a.items()}
    while True:
        b = row_values(x, g, p + 32)
        need = 0
        for k, vals in b.items():
            for i, bv in enumerate(vals):
                if done[k][i] is not None:
                    continue
                status, nxt = judge(a[k][i], bv, p, f, p_zero, log2_mag)
                if status is not None:
                    done[k][i] = (bv, status)
                else:
                    need = max(need, nxt)
        if need == 0:
            return done
        p, a = need, row_values(x, g, need)


def rows_key(rows, f: Format) -> str:
    """The cache key of the oracle table for ``rows`` (all six functions)."""
    parts = [ORACLE_VERSION, "vector", f.name]
    for r in rows:
        parts += [r.x.astype(np.float64), r.g.astype(np.float64)]
    return cache.key(*parts)


def vector_exact(function: str, rows, f: Format, *, use_cache: bool = True) -> list[Exact]:
    """Per row, the exact outputs of ``function`` rounded for ``f`` (cached per row set)."""
    if function not in FUNCTIONS:
        raise KeyError(function)
    key = rows_key(rows, f)
    table = cache.load(key) if use_cache else None
    if table is None:
        table = {}
        for i, r in enumerate(rows):
            vals = row_exact(r.x, r.g, f)
            for name in FUNCTIONS:
                ex = _exact_arrays(vals[name], f)
                for field, arr in ex.as_arrays().items():
                    table[f"{name}/{i}/{field}"] = arr
        if use_cache:
            cache.store(key, table)
    return [Exact(**{fld: table[f"{function}/{i}/{fld}"] for fld in ("hi", "spacing", "frac", "status")})
            for i in range(len(rows))]
