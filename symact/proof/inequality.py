"""Prove ``g >= 0`` (or ``g > 0``) for all real values of the free symbols under ``where``.

Proof by cases (the regions of :func:`symact.proof.equal.regions`), then on each
region, with the symbols replaced by sign-restricted ones:

1. SymPy's assumption system decides the sign (``is_nonnegative``/``is_positive``)
   of the expression, of a normalised form (common denominator, exp rewrite), or
   of each factor / each term;
2. **monotone in one variable**: if the region's expression depends on one
   sign-restricted t in [0, oo) and its derivative has a sign decided as in 1,
   the bound follows from the value at t = 0 (substitution) and the limit
   t -> oo (Gruntz's algorithm on a Piecewise-free formula).

A certified counterexample (a point where g < 0, or where g is exactly 0 for
strict, by SymPy's exact evaluation) gives DISPROVED: from a fixed set of
candidate points first, and, when the proof by cases fails for g in one
symbol, near the smallest value of a scan.  Nothing is concluded from samples.
"""

from __future__ import annotations

import time

import mpmath
import sympy as sp

from symact.proof.equal import RegionError, _realify, apply_chain, prepare, regions
from symact.proof.numeric import certify
from symact.proof.result import Result, Status


def _forms(h):
    yield h
    if h.has(sp.tanh):
        h = h.rewrite(sp.exp)
        yield h
    t = sp.together(h)
    if t != h:
        yield t
        n, d = sp.fraction(t)
        yield sp.factor(n) / sp.factor(d)
    s = sp.simplify(h)
    if s != h:
        yield s


def decide(h, strict: bool) -> bool:
    """h > 0 (strict) or h >= 0 by assumptions, or as a difference of two nonnegatives."""
    return sign_decided(h, strict) or _split_difference(h, strict) or _log_rule(h, strict)


def _log_rule(h, strict: bool) -> bool:
    """h = c*log(P) + r with P > 0, c = +-1, r log-free: h > 0 iff P**c * exp(r) > 1."""
    if not h.is_Add:
        return False
    logs = [t for t in h.args if t.has(sp.log)]
    if len(logs) != 1:
        return False
    term = logs[0]
    coeff, core = term.as_coeff_Mul()
    if not (isinstance(core, sp.log) and coeff in (1, -1) and core.args[0].is_positive):
        return False
    rest = h - term
    q = sp.expand(core.args[0] ** coeff * sp.exp(rest), power_exp=True)
    q = sp.powsimp(q)
    g = q - 1
    return bool(sign_decided(g, strict))


def sign_decided(h, strict: bool) -> bool:
    """True when SymPy's assumptions show h > 0 (strict) or h >= 0."""
    for form in _forms(h):
        if form.is_Add and len(form.args) == 2 and form is not h and _split_difference(form, strict):
            return True
        if (form.is_positive if strict else form.is_nonnegative):
            return True
        if form.is_Mul:
            factors = form.args
            signs = []
            for f in factors:
                if f.is_positive or (f.is_Add and _split_difference(f, True)):
                    signs.append(1)
                elif f.is_negative or (f.is_Add and _split_difference(-f, True)):
                    signs.append(-1)
                elif not strict and f.is_nonnegative:
                    signs.append(0)
                elif not strict and f.is_nonpositive:
                    signs.append(-0.0)
                else:
                    break
            else:
                negatives = sum(1 for s in signs if s == -1 or (s == 0 and str(s) == "-0.0"))
                if negatives % 2 == 0:
                    return True
        if form.is_Add and all(sign_decided(term, False) for term in form.args):
            if not strict or any(sign_decided(term, True) for term in form.args):
                return True
    return False


def _split_difference(h, strict):
    """p - q with p, q > 0: decide via log p - log q (log is increasing)."""
    if not (h.is_Add and len(h.args) == 2):
        return False
    a, b = h.args
    p, q = (a, -b) if (-b).is_nonnegative else (b, -a)
    if not (p.is_positive and q.is_nonnegative):
        return False
    # p - q = (p^2 - q^2)/(p + q) with p + q > 0
    squares = sp.expand(p**2 - q**2)
    if squares.is_positive if strict else squares.is_nonnegative:
        return True
    if not q.is_positive:
        return False
    from symact.proof.equal import _split_logs
    d = sp.expand(_split_logs(sp.log(p)) - _split_logs(sp.log(q)))
    return bool(d.is_positive if strict else d.is_nonnegative)


def nonneg(h, strict: bool, lengths: dict, depth: int = 2):
    """A reason why h >= 0 (h > 0), or None.  See the module docstring."""
    if decide(h, strict):
        return "sign"
    if depth == 0:
        return None
    symbols = [s for s in h.free_symbols if s.is_nonnegative]
    if len(symbols) != 1:
        return None
    (t,) = symbols
    others = h.free_symbols - {t}
    if any(o.is_positive is None and o.is_negative is None for o in others):
        return None
    dh = sp.diff(h, t)
    length = lengths.get(t)

    def value_at(point):
        if point is sp.oo:
            return sp.limit(h, t, sp.oo)
        v = h.subs(t, point)
        if v.has(sp.nan, sp.zoo):
            v = sp.limit(h, t, point, "+" if point == 0 else "-")
        return v

    # nondecreasing from t = 0: h >= h(0); strictly increasing and t > 0 gives h > h(0)
    up = nonneg(dh, False, lengths, depth - 1)
    if up:
        h0 = value_at(0)
        if strict:
            if nonneg(h0, True, lengths, 0) or (t.is_positive and nonneg(dh, True, lengths, depth - 1)
                                                 and nonneg(h0, False, lengths, 0)):
                return f"increasing in t from {h0}"
        elif nonneg(h0, False, lengths, 0):
            return f"increasing in t from {h0}"
    down = nonneg(-dh, False, lengths, depth - 1)
    if down:
        end = length if length is not None else sp.oo
        h1 = value_at(end)
        if nonneg(h1, strict, lengths, 0):
            return f"decreasing in t towards {h1}"
        if strict and end is sp.oo and nonneg(h1, False, lengths, 0) and nonneg(-dh, True, lengths, depth - 1):
            return f"strictly decreasing in t towards {h1}"
    return None


def _counterexample(g, where, strict):
    """A certified point where g < 0 (g <= 0 for strict), from the candidate points:
    screened at 60 digits with mpmath, then certified (:func:`certify`)."""
    from symact.proof.numeric import _points, _screen
    symbols = sorted(g.free_symbols | where.free_symbols, key=str)
    try:
        fn = sp.lambdify(symbols, g, modules="mpmath")
    except (TypeError, ValueError, SyntaxError, NameError, KeyError):
        fn = None
    for k, point in enumerate(_points(symbols, where)):
        if k > 80:
            break
        if fn is not None:
            v = _screen(fn, [point[s] for s in symbols])
            if v is None or v > 0:
                continue
        v = certify(g, point)
        if v is not None and v < 0:
            return {str(s): str(point[s]) for s in symbols}, v
        if strict and v is None and _exactly_zero(g, point):
            return {str(s): str(point[s]) for s in symbols}, sp.S.Zero
    return None


def _minimum_counterexample(g, where, strict):
    """For g in one symbol: a certified point where g < 0 near the smallest value on a
    scan (linear on [-20, 20], log-spaced magnitudes to 1e6), refined by golden-section
    search; the point is an exact rational, certified like every counterexample
    (:func:`certify`), so the search itself need not be right."""
    from symact.proof.numeric import _screen
    symbols = sorted(g.free_symbols | where.free_symbols, key=str)
    if len(symbols) != 1:
        return None
    (s,) = symbols
    try:
        fn = sp.lambdify(s, g, modules="mpmath")
    except (TypeError, ValueError, SyntaxError, NameError, KeyError):
        return None
    scan = [sp.Rational(k, 20) for k in range(-400, 401)] + \
        [sign * sp.Rational(10) ** sp.Rational(k, 4) for k in range(-8, 25) for sign in (1, -1)]

    def value(p):
        v = _screen(fn, [p])
        return v if v is not None and mpmath.isfinite(v) else None

    def admissible(p):
        return where is sp.true or where.subs(s, p) is sp.true

    found = [(v, p) for p in scan if admissible(p) and (v := value(p)) is not None]
    if not found:
        return None
    _, best = min(found, key=lambda t: t[0])
    lo, hi = best - sp.Rational(1, 20), best + sp.Rational(1, 20)
    ratio = (mpmath.sqrt(5) - 1) / 2
    a, b = mpmath.mpf(lo.p) / lo.q, mpmath.mpf(hi.p) / hi.q
    with mpmath.workdps(40):
        for _ in range(60):
            c, d = b - ratio * (b - a), a + ratio * (b - a)
            fc, fd = fn(c), fn(d)
            if not (mpmath.isfinite(fc) and mpmath.isfinite(fd)):
                break
            if fc < fd:
                b = d
            else:
                a = c
    # the shortest decimals near the minimum first, so the point reads well
    middle = (a + b) / 2
    candidates = [sp.Rational(int(mpmath.nint(middle * 10**k)), 10**k) for k in range(1, 16)] + [best]
    for p in candidates:
        if not admissible(p):
            continue
        v = certify(g, {s: p})
        if v is not None and v < 0:
            return {str(s): str(p)}, v
        if strict and v is None and _exactly_zero(g, {s: p}):
            return {str(s): str(p)}, sp.S.Zero
    return None


def _exactly_zero(g, point) -> bool:
    """g is 0 at the exact ``point`` by SymPy's exact evaluation (a counterexample to g > 0)."""
    try:
        at = g.subs(point)
        if at.has(sp.Piecewise):
            at = sp.piecewise_fold(at)
        return not at.free_symbols and at.is_zero is True
    except (TypeError, ValueError, ZeroDivisionError, RecursionError):
        return False


def _sign_split(h, constraints, strict):
    """Retry with each sign-unrestricted symbol split into s > 0, s = 0, s < 0."""
    free = [s for s in h.free_symbols if s.is_positive is None and s.is_negative is None]
    if len(free) != 1:
        return False
    (s,) = free
    pos = sp.Dummy(s.name, positive=True)
    for sub in (pos, -pos):
        part = h.subs(s, sub)
        if not nonneg(part, strict, {}):
            return False
    at0 = sp.simplify(h.subs(s, 0))
    return bool(nonneg(at0, strict, {}, depth=0)) or bool(at0.is_positive if strict else at0.is_nonnegative)


def prove_nonneg(g, *, where=sp.true, strict: bool = False, label: str = "value") -> Result:
    """Decide ``g > 0`` (strict) or ``g >= 0`` for all real free symbols with ``where`` true;
    ``label`` names g in the detail of a counterexample (``"rhs - lhs"``)."""
    start = time.perf_counter()

    def done(status, strategy, detail="", ce=None):
        return Result(Status(status), strategy, detail, ce, time.perf_counter() - start)

    try:
        return _prove_nonneg(g, where, strict, done, label)
    except (RecursionError, sp.PolynomialError, TypeError, ValueError, NotImplementedError,
            AttributeError) as err:
        return done("UNDECIDED", "cases", f"symbolic step failed: {type(err).__name__}: {err}")


def _prove_nonneg(g, where, strict, done, label) -> Result:
    g, where = sp.sympify(g), sp.sympify(where)
    (g,), where = _realify([g], where)
    g = prepare(g)
    if where is sp.false:
        return done("PROVED", "vacuous", "the condition is never true")
    def disproved(ce, strategy="counterexample"):
        how = "exactly 0 (exact evaluation)" if ce[1] == 0 else f"{sp.Float(ce[1], 15)} (certified, 30 digits)"
        return done("DISPROVED", strategy, f"{label} = {how} at {ce[0]}", ce[0])

    ce = _counterexample(g, where, strict)
    if ce is not None:
        return disproved(ce)
    result = _by_cases(g, where, strict, done)
    if result.status is Status.UNDECIDED:
        ce = _minimum_counterexample(g, where, strict)
        if ce is not None:
            return disproved(ce, "counterexample:local-minimum")
    return result


def _by_cases(g, where, strict, done) -> Result:
    how = []
    try:
        for branch, constraints, chain in regions(g, where):
            h = apply_chain(branch, chain)
            if h.has(sp.Piecewise):
                return done("UNDECIDED", "cases", f"unresolved Piecewise on {constraints}")
            lengths = {e[1]: e[2] for e in chain if len(e) == 3}
            reason = nonneg(h, strict, lengths)
            if reason:
                how.append("sign" if reason == "sign" else "monotone")
                continue
            split = _sign_split(h, constraints, strict)
            if split:
                how.append("sign-split")
                continue
            region = " and ".join(map(str, constraints)) or "all reals"
            return done("UNDECIDED", "cases", f"sign of {h} not decided on {region}")
    except RegionError as err:
        return done("UNDECIDED", "cases", str(err))
    return done("PROVED", "cases:" + "+".join(sorted(set(how))), f"{len(how)} region(s)")
