"""The special-value contract (docs/numerics.md, "symact's special-value contract").

Scalar kernels, for every function and derivative:

- nan in gives nan out;
- +-inf give the mathematical limits, taken by the oracle
  (:func:`symact.verify.oracle.limit_at_infinity`);
- +-0 give the value at 0, and a zero when that value is 0 (either sign).

How a result is judged against an expected exact value ``v``: nan must be nan,
an infinity must be that infinity, a value that rounds to 0 must be a zero
(no subnormal noise), any other value must be within the ULP budget.

Vector kernels: a row with a nan is nan everywhere; a row with k >= 1 entries
+inf (and no nan) has logsumexp = +inf, softmax = logsumexp_grad = 1/k on the
+inf entries and 0 elsewhere, log_softmax = -log k there and -inf elsewhere,
and the VJPs are their limits y_k (g_k - sum_j g_j y_j) and g_k - y_k sum_j g_j
with that y; an all -inf row has logsumexp = -inf, softmax = 0, log_softmax =
-inf and a zero gradient and VJPs ("masked rows contribute nothing").
log_softmax of an all -inf row (log of a zero softmax) and of the finite
entries of a +inf row are symact's reading of the contract, which does not
spell them out.
"""

from __future__ import annotations

import mpmath
import numpy as np

from symact.verify.metric import BUDGET_ULP, Format, round_exact, ulp_errors


def judge(computed: float, exact, f: Format) -> tuple[bool, str, float]:
    """``(ok, expected as text, ulp error or nan)`` for one special-value result."""
    c = float(computed)
    if mpmath.isnan(exact):
        return (np.isnan(c), "nan", float("nan"))
    if mpmath.isinf(exact):
        want = float(exact)
        return (c == want, repr(want), float("nan"))
    hi, spacing, frac = round_exact(exact, f)
    if hi == 0:
        return (c == 0, "0 (a zero)", float("nan"))
    if not np.isfinite(hi):
        return (c == hi, repr(hi), float("nan"))
    err = float(ulp_errors(np.array([c]), np.array([hi]), spacing, frac)[0])
    return (err <= BUDGET_ULP, repr(hi), err)


def vector_expected(function: str, x: np.ndarray, g: np.ndarray) -> list:
    """Exact expected outputs (mpf) of a vector kernel for a contract row."""
    x = np.asarray(x, dtype=np.float64)
    g = [mpmath.mpf(float(v)) for v in g]
    n = len(x)
    nan = mpmath.mpf("nan")
    if np.isnan(x).any():
        return [nan] * (1 if function == "logsumexp" else n)
    posinf = np.isposinf(x)
    if posinf.any():
        k = int(posinf.sum())
        with mpmath.workprec(200):
            y = [mpmath.mpf(1) / k if p else mpmath.mpf(0) for p in posinf]
            gy = mpmath.fsum(a * b for a, b in zip(g, y))
            gsum = mpmath.fsum(g)
            table = {
                "logsumexp": [mpmath.inf],
                "softmax": y, "logsumexp_grad": y,
                "log_softmax": [-mpmath.log(k) if p else mpmath.ninf for p in posinf],
                "softmax_vjp": [yk * (gk - gy) for yk, gk in zip(y, g)],
                "log_softmax_vjp": [gk - yk * gsum for yk, gk in zip(y, g)],
            }
        return table[function]
    if np.isneginf(x).all():
        zero = mpmath.mpf(0)
        table = {"logsumexp": [mpmath.ninf], "log_softmax": [mpmath.ninf] * n}
        return table.get(function, [zero] * n)
    raise ValueError("not a contract row")
