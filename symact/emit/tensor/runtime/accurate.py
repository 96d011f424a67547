"""expm1, log1p and tanh to about half an ULP from exp, log and double-word arithmetic,
for a framework whose own are less accurate (XLA's float64 expm1, log1p and tanh are
off by up to 3, 2 and 6 ULP on CPU, measured against mpmath; a kernel built on them
would not keep its budget).  Arguments are float64 arrays.
  _acc_expm1(x) = exp(x) - 1: exp(x) = 2^k (mh + ml) in double-double (_pr_exp, the
      GELU kernels' exp, about 2^-100 relative), minus 1 by a two-sum, rounded once;
      x + x^2/2 for |x| < 2^-40.
  _acc_log1p(x) = log(1 + x): w + e = 1 + x exactly (two-sum), log(1 + x) = log(w) +
      log1p(e/w) = log(w) + e/w to within (e/w)^2/2 < 2^-107 relative.
  _acc_tanh(x) = (1 - E)/(1 + E), E = exp(-2|x|) in double-double, the quotient in
      double-double (no cancellation: 1 - E is exact from the pair), the sign of x;
      x itself for |x| < 2^-27, 1 beyond |x| = 40.
"""

from symact.emit.tensor.runtime.doubleword import _dd_div, _fast_two_sum, _two_sum
from symact.emit.tensor.runtime.ops import _INF, _abs, _clip, _isfinite, _isnan, _ldexp, _log, _signed_zero, _where
from symact.emit.tensor.runtime.precise import _pr_exp


def _acc_expm1(x):
    """exp(x) - 1 to about 0.5 ULP."""
    xc = _clip(x, -800.0, 710.0)
    mh, ml, k = _pr_exp(xc, 0.0)
    eh = _ldexp(mh, k)
    s, t = _two_sum(eh, -1.0)
    y = s + (t + _ldexp(ml, k))
    y = _where(_isfinite(eh), y, eh)
    y = _where(_abs(x) < 2.0 ** -40, x + 0.5 * x * x, y)
    return _where(_isnan(x), x, y)


def _acc_log1p(x):
    """log(1 + x) to about 0.5 ULP (x >= -1; nan below)."""
    w, e = _two_sum(1.0, x)
    ws = _where((w > 0) & _isfinite(w), w, 1.0)
    y = _log(ws) + _where(_isfinite(w), e, 0.0) / ws
    y = _where(w == 0, -_INF, _where(x == _INF, _INF, y))
    return _where((x < -1) | _isnan(x), _INF - _INF, y)


def _acc_tanh(x):
    """tanh(x) to about 0.5 ULP."""
    a = _clip(_abs(x), 0.0, 40.0)
    mh, ml, k = _pr_exp(-2 * a, 0.0)
    eh, el = _ldexp(mh, k), _ldexp(ml, k)
    nh, nt = _two_sum(1.0, -eh)
    nh, nl = _fast_two_sum(nh, nt - el)
    dh, dt = _two_sum(1.0, eh)
    dh, dl = _fast_two_sum(dh, dt + el)
    qh, ql = _dd_div(nh, nl, dh, dl)
    y = _where(a < 2.0 ** -27, a, qh + ql)
    y = _where(x < 0, -y, _where(x == 0, _signed_zero(x), y))
    return _where(_isnan(x), x, y)
