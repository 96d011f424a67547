"""Double-word windows: where a stable form's terms still cancel, evaluate it in pairs.

A kernel with an interior root r (silu', swish', mish', the derivative of any
non-monotone activation) is a sum whose terms cancel there: evaluated in float64 its
relative error grows like 1/|x - r| (docs/numerics.md, pitfall 18), and where the
terms are a few primitives of a couple of ULP each, even a mild cancellation (silu'
at x = -9.85, terms in the ratio 1 : 10 of opposite signs) takes it over the budget.
No rewrite removes that in general; evaluating the same proved form in double-word
arithmetic (``dw_eval``: about 2^-100, so 2^-53 survives a cancellation of 47 bits,
and one rounding at the end) does.  This module finds the windows by error analysis
and adds them as Piecewise branches:

- the cancellation ratio rho(x) = T(x)/|S(x)| of the stable form S (:func:`magnitude`:
  T is S with every sum taken over the absolute values of its terms, exact terms
  counting as 0; the rounding errors of a float64 evaluation of S are a few ulp of T,
  so rho is the factor by which cancellation amplifies them) is scanned on
  [-40, 40] at the parameters' defaults; each certified root of S is a pole of rho;
- every maximal interval where rho exceeds :data:`RATIO` (:data:`RATIO_FLOAT` for the
  float kernels computed in double, whose terms are accurate to 2^-40 only but whose
  results need 2^-24: the windows shrink to the roots) becomes a window, widened by
  one scan step and rounded outwards to multiples of 1/16 (beyond the scan the
  terms of the catalogue's kernels keep one sign to within 1 + 2/|x|, and a
  double-word evaluation of a subnormal tail would round twice);
- a float window is a few thousandths wide, narrower than the scan's step: it is
  found again on a scan of step :data:`FINE_STEP` over the coarse one and rounded
  outwards to multiples of :data:`FINE_GRAIN` (the coarse window of silu', 1/16 wide,
  took 1.6% of the entries of uniform(-10, 10), each at 30-50 times the plain form's
  cost: 0.9 ns of the 2 a float silu' took);
- a parametrised kernel is windowed only where the windows follow the parameter:
  rho(x; p) the same for every p (windows in x), or rho(x; p) = R(p*x) (swish':
  windows in u = p*x, found at the default and checked at another value);
  elsewhere it is left alone and :data:`SKIPPED` says why.

The new form, Piecewise((dw_eval(B), window and C), (B, C), ...) with B the branch of
S active there under condition C, is proved equal to S (dw_eval(e) is e by
definition) before it is used.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P

x = X

#: Above this cancellation ratio the form is evaluated in pairs (any cancellation).
RATIO = 1.05
#: The same for float kernels computed in double (the C backend's f32x): their terms
#: carry relative errors below 2^-40 (the f32x elementary functions, rounded once or
#: twice more), a sum whose ratio is rho carries rho 2^-40 of its value, and a result
#: rounded to float stays within 0.5 + 2^-4 ULP while rho 2^-40 <= 2^-28: above 2^12
#: only, which happens within about 10^-3 of the roots.
RATIO_FLOAT = 2.0 ** 12
#: A sign change of S between two scan points brackets a root, a pole of rho that the
#: scan may step over when the hot region is narrower than a step (RATIO_FLOAT): it is
#: taken as hot when rho exceeds this at one of the two points (a primitive that holds
#: its root itself, gelu's, has rho = 1 there).
BRACKET = 2.0
#: The scan: SCAN_N points on [-SCAN_LIM, SCAN_LIM].
SCAN_LIM = 40.0
SCAN_N = 6401
#: Window ends are rounded outwards to multiples of this; windows closer than MERGE
#: are one window.
GRAIN = 1 / 16
MERGE = 1.0
#: Float windows (limits above RATIO) are refined on this step and rounded outwards to
#: this grain (binary fractions: the window ends are exact in every dtype).
FINE_STEP = 2.0 ** -16
FINE_GRAIN = 2.0 ** -10
#: Relative agreement required when comparing rho at two parameter values.
SAME = 1e-6

#: Kernels left without windows and why: {kernel name: reason}.
SKIPPED: dict[str, str] = {}

_FACTOR_PRIMITIVES = (P.mul_sigmoid, P.mul_dsigmoid, P.mul_exp, P.mul_tanh_softplus, P.mul_softplus)


def is_exact(e) -> bool:
    """Whether ``e`` is computed without rounding: a symbol, a dyadic constant of at most
    53 bits, a power-of-two multiple of an exact value."""
    if e.is_Symbol:
        return True
    if e.is_Rational:
        q = int(e.q)
        return q & (q - 1) == 0 and abs(int(e.p)).bit_length() <= 53
    if e.is_Mul:
        c, rest = e.as_coeff_Mul()
        p = abs(int(c.p)) if c.is_Rational else 0
        return c != 1 and is_exact(c) and p & (p - 1) == 0 and not rest.is_Mul and is_exact(rest)
    return False


def magnitude(e: sp.Expr) -> sp.Expr:
    """T(e): the scale of the rounding errors a float64 evaluation of ``e`` carries, so
    that T/|e| is the factor by which cancellation amplifies them.  A sum: its terms' T
    (an exact term, x or 3, carries none: x + 3 near -3 is exact); a product or power:
    the product of its factors' magnitudes max(|f|, T(f)) (exact: 0); a function's
    value (and a*Q(u) primitives: T(a)*|Q(u)|) as it is."""
    if isinstance(e, sp.Piecewise):
        return sp.Piecewise(*[(magnitude(b), c) for b, c in e.args])
    if is_exact(e):
        return sp.S.Zero
    if e.is_Add:
        return sp.Add(*[magnitude(t) for t in e.args])
    if e.is_Mul:
        return sp.Mul(*[sp.Max(sp.Abs(f), magnitude(f)) for f in e.args])
    if e.is_Pow and e.exp.is_Integer and e.exp > 0:
        return sp.Max(sp.Abs(e.base), magnitude(e.base)) ** e.exp
    if isinstance(e, _FACTOR_PRIMITIVES):
        a, *rest = e.args
        return sp.Max(sp.Abs(a), magnitude(a)) * sp.Abs(e.func(sp.S.One, *rest))
    return sp.Abs(e)


#: NumPy has no erf: the C library's, elementwise; log1p and expm1 stay what they are.
_LIBM = {"erf": np.frompyfunc(math.erf, 1, 1), "erfc": np.frompyfunc(math.erfc, 1, 1),
         "log1p": np.log1p, "expm1": np.expm1}
_KEEP = (P.log1p, P.expm1)


def _numeric(expr: sp.Expr, values: dict):
    """A float64 NumPy callable of ``expr`` at ``values`` (primitives by their stable pair
    forms, so that nothing overflows in the scan)."""
    e = expr.subs(values)
    for _ in range(4):  # pair forms are written in other primitives (sigmoid in log1p)
        e = e.replace(lambda t: isinstance(t, P.Primitive) and not isinstance(t, _KEEP),
                      lambda t: type(t).pair_form(*t.args))
    fn = sp.lambdify(x, e, modules=[_LIBM, "numpy"])

    def f(xs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = fn(xs)
        return np.broadcast_to(np.asarray(out, dtype=np.float64), xs.shape)
    return f


def ratio(stable: sp.Expr, values: dict, xs: np.ndarray) -> np.ndarray:
    """rho = T/|S| at ``xs`` for the parameter ``values`` (nan where either is not finite)."""
    return _values(stable, values, xs)[1]


def _values(stable: sp.Expr, values: dict, xs: np.ndarray):
    """(S, rho) at ``xs``: the form's values and its cancellation ratio (see :func:`ratio`)."""
    s = _numeric(stable, values)(xs)
    t = _numeric(magnitude(stable), values)(xs)
    with np.errstate(all="ignore"):
        r = t / np.abs(s)
    return s, np.where(np.isfinite(s) & np.isfinite(t), r, np.nan)


def _hot(stable: sp.Expr, params: dict, xs: np.ndarray, limit: float):
    """(S, rho, hot) at ``xs``: hot where rho exceeds ``limit`` or S changes sign
    between neighbours with rho above BRACKET at one of them (a root the scan steps
    over)."""
    s, rho = _values(stable, params, xs)
    hot = np.nan_to_num(rho, nan=0.0) > limit
    with np.errstate(invalid="ignore"):
        change = (np.sign(s[:-1]) * np.sign(s[1:]) < 0) & \
            (np.fmax(np.nan_to_num(rho[:-1]), np.nan_to_num(rho[1:])) > BRACKET)
    hot[:-1] |= change
    hot[1:] |= change
    return s, rho, hot


def _intervals(xs: np.ndarray, hot: np.ndarray, grain: float = GRAIN) -> list[tuple[float, float]]:
    """The maximal runs of ``hot``, each widened by one step of ``xs`` and rounded
    outwards to multiples of ``grain``; runs closer than MERGE joined."""
    out, start = [], None
    step = xs[1] - xs[0]
    for i, h in enumerate(hot):
        if h and start is None:
            start = i
        if start is not None and (not h or i == hot.size - 1):
            end = i if h else i - 1
            lo = np.floor((xs[start] - step) / grain) * grain
            hi = np.ceil((xs[end] + step) / grain) * grain
            out.append((float(lo), float(hi)))
            start = None
    merged = []
    for lo, hi in out:
        if merged and lo <= merged[-1][1] + MERGE:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def _variable(stable, params: dict, xs, rho0):
    """The variable windows are expressed in: ``x`` (rho does not depend on the
    parameters), ``p*x`` (rho is a function of p*x for one parameter p), or None with a
    reason."""
    scaled = None
    fine = np.isfinite(rho0) & (rho0 < 1e6)
    for sym, p0 in params.items():
        p1 = p0 * sp.Rational(137, 100)
        other = dict(params)
        other[sym] = p1
        same = ratio(stable, other, xs)
        if np.allclose(same[fine], rho0[fine], rtol=SAME, equal_nan=True):
            continue
        if p0 != 0 and scaled is None:
            moved = ratio(stable, other, xs * float(p0 / p1))
            if np.allclose(moved[fine], rho0[fine], rtol=SAME, equal_nan=True):
                scaled = sym
                continue
        return None, f"where it cancels depends on {sym}, in neither x nor {sym}*x"
    return scaled, ""


def windows_of(stable: sp.Expr, params: dict, name: str = "", limit: float = RATIO) -> list:
    """The windows of ``stable`` as (lo, hi, variable) in the variable (x or p*x, at any
    parameter values) where rho exceeds ``limit``, or [] (see the module docstring)."""
    xs = np.linspace(-SCAN_LIM, SCAN_LIM, SCAN_N)
    s, rho, hot = _hot(stable, params, xs, limit)
    if not hot.any():
        return []
    var, why = _variable(stable, params, xs, rho)
    if why:
        if limit == RATIO:
            SKIPPED[name] = why
        return []
    p0 = params[var] if var is not None else sp.S.One
    coarse = _intervals(xs, hot)
    if limit > RATIO:
        coarse = [w for lo, hi in coarse for w in _refined(stable, params, lo, hi, limit)]
    out = []
    for lo, hi in coarse:
        lo, hi = sp.Rational(max(lo, -SCAN_LIM)) * p0, sp.Rational(min(hi, SCAN_LIM)) * p0
        if p0 < 0:
            lo, hi = -hi, -lo
        out.append((lo, hi, var * x if var is not None else x))
    return out


def _refined(stable: sp.Expr, params: dict, lo: float, hi: float, limit: float) -> list:
    """The windows inside the coarse window (lo, hi), found on a scan of step FINE_STEP
    and rounded to FINE_GRAIN (the coarse window's ends are one coarse step beyond
    its hot points, so the fine scan reaches beyond the hot region on both sides)."""
    xs = np.linspace(lo, hi, int(round((hi - lo) / FINE_STEP)) + 1)
    _, _, hot = _hot(stable, params, xs, limit)
    return _intervals(xs, hot, FINE_GRAIN)


def add_windows(stable: sp.Expr, params: dict, name: str = "", limit: float = RATIO):
    """``stable`` with double-word windows where it cancels beyond ``limit`` (RATIO, or
    RATIO_FLOAT for float kernels computed in double; see the module docstring);
    ``params`` maps each parameter symbol to its default.  Returns the new form (the
    same object when no window applies)."""
    found = windows_of(stable, params, name, limit)
    if not found:
        return stable
    branches = list(stable.args) if isinstance(stable, sp.Piecewise) else [(stable, sp.true)]
    conds = [c for _, c in branches]
    extra = {}
    for lo, hi, u in found:
        host = _host(conds, params, (lo + hi) / 2 / (u / x).subs(params))
        if host is None:
            continue
        extra.setdefault(host, []).append((lo, hi, u))
    if not extra:
        return stable
    pieces = []
    for i, (b, c) in enumerate(branches):
        if i in extra:
            inside = sp.Or(*[sp.And(u > lo, u < hi) for lo, hi, u in extra[i]])
            pieces.append((P.dw_eval(_signed(b, extra[i])), sp.And(inside, c)))
        pieces.append((b, c))
    return sp.Piecewise(*pieces, evaluate=False)


def _signed(b: sp.Expr, found: list) -> sp.Expr:
    """What a window evaluates in pairs: ``b`` in pair forms, simplified with the sign its
    windows give their variable (all below 0, or all above): the pair forms take |u| so
    that they never overflow, and inside a window |u| is -u or u, so that exp(-|u|) and
    exp(u/2 - |u|/2) are one exponential, exp(u), evaluated once (the values are those
    of the pair forms: |u| = -u exactly there).  ``b`` itself where the sign is not one,
    or does not decide every |.| of the pair form."""
    variables = {u for _, _, u in found}
    if len(variables) != 1:
        return b
    (u,) = variables
    if all(hi <= 0 for _, hi, _ in found):
        sign = sp.Q.negative(u)
    elif all(lo >= 0 for lo, _, _ in found):
        sign = sp.Q.positive(u)
    else:
        return b
    out = sp.refine(P.in_pair_forms(b), sign)
    # only where the sign decides every |.|: a form left with some (mish', whose
    # |softplus| the sign of x does not decide) was measured slower refined than not
    return b if out.has(sp.Abs) else out


def _host(conds, params, at: float):
    """The index of the branch active at x = ``at`` (parameters at their defaults)."""
    subs = dict(params)
    subs[x] = sp.nsimplify(at)
    for i, c in enumerate(conds):
        v = c.subs(subs) if c is not sp.true else sp.true
        if v is sp.true:
            return i
        if v is not sp.false:
            return None
    return None
