"""Properties of a scalar activation, derived from its definition (never typed in).

``properties(entry, values) -> dict`` in the ``show --json`` shape (docs/contract.md):
``range`` (lower/upper, each closed or open), ``continuity`` (k of C^k, -1 for a
jump, "inf" analytic), ``monotonic``, ``derivative_monotonic``,
``identity_near_origin``; plus ``status`` and ``detail`` per property.

How each is decided, on the branches of :mod:`symact.proof.branches`:

- continuity: on each open piece the formula is analytic (arguments of log/sqrt
  shown positive, denominators nonzero); at each breakpoint the left and right
  formulas and their derivatives are compared by :func:`prove_equal` (constants),
  order by order;
- monotonic / derivative_monotonic: the sign of f' (f'') on each piece by
  :func:`prove_nonneg` in both directions plus the direction of jumps at
  breakpoints.  A certified point with f' > 0 and one with f' < 0 prove "not
  monotonic";
- range: per piece, limits at the ends (Gruntz on Piecewise-free formulas) or
  values at breakpoints, plus values at interior critical points — roots of f'
  located by :func:`symact.proof.roots.real_roots` (certified by a sign change) in a
  window.  Without interior critical points every piece is monotone (proved) and
  the range is PROVED; with them it is NUMERIC: the critical point is certified
  to ``digits`` digits and its value evaluated at that precision, while its
  being *global* rests on the critical-point search window (stated in detail);
- identity_near_origin: f(0) = 0, f'(0-) = f'(0+) = 1 (hence f' continuous at 0).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from symact.define.model import X
from symact.proof.roots import real_roots
from symact.proof.branches import BranchError, Piece, branches
from symact.proof.equal import prove_equal
from symact.proof.inequality import prove_nonneg
from symact.proof.result import Status

WINDOW = 60
MAX_ORDER = 4
DIGITS = 30


def _interval(piece: Piece, x=X):
    parts = []
    if piece.lo is not sp.S.NegativeInfinity:
        parts.append(x > piece.lo)
    if piece.hi is not sp.oo:
        parts.append(x < piece.hi)
    return sp.And(*parts) if parts else sp.true


def _num(v):
    v = sp.sympify(v)
    if v is sp.oo:
        return "inf"
    if v is sp.S.NegativeInfinity:
        return "-inf"
    return float(v.evalf(30))


def _analytic(formula, piece, x=X) -> bool:
    """Every log/sqrt argument positive and every denominator nonzero on the piece."""
    t = sp.Dummy("t", positive=True)
    if piece.lo is sp.S.NegativeInfinity and piece.hi is sp.oo:
        sub = formula
    elif piece.lo is sp.S.NegativeInfinity:
        sub = formula.subs(x, piece.hi - t)
    elif piece.hi is sp.oo:
        sub = formula.subs(x, piece.lo + t)
    else:
        # a bounded interval lies in either half-line: analytic on one of them suffices
        return (_analytic(formula, Piece(piece.lo, sp.oo, formula), x)
                or _analytic(formula, Piece(sp.S.NegativeInfinity, piece.hi, formula), x))
    from symact.proof.inequality import decide
    for e in sub.atoms(sp.log):
        if not decide(e.args[0], True):
            return False
    for e in sub.atoms(sp.Pow):
        base, exp_ = e.args
        if exp_.is_Integer and exp_ > 0:
            continue
        if exp_.is_Integer and exp_ < 0:
            if not (decide(base, True) or decide(-base, True)):
                return False
        elif not decide(base, True):
            return False
    return not sub.has(sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.floor, sp.ceiling)


def _same(a, b) -> Status:
    return prove_equal(a, b).status


def continuity(pieces, x=X):
    """(order, status, detail)."""
    open_pieces = [q for q in pieces if not q.is_point]
    for q in open_pieces:
        if not _analytic(q.formula, q, x):
            return None, Status.UNDECIDED, f"formula {q.formula} not shown analytic on ({q.lo}, {q.hi})"
    orders = []
    notes = []
    for k, q in enumerate(pieces):
        if not q.is_point:
            continue
        c = q.lo
        left, right = pieces[k - 1].formula, pieces[k + 1].formula
        if prove_equal(left, right).status is Status.PROVED and _same(left.subs(x, c), q.formula.subs(x, c)) is Status.PROVED:
            continue  # not a real breakpoint: both sides are one analytic formula
        lv, rv, pv = left.subs(x, c), right.subs(x, c), q.formula.subs(x, c)
        s1, s2 = _same(lv, pv), _same(rv, pv)
        if Status.UNDECIDED in (s1, s2):
            return None, Status.UNDECIDED, f"values at {c} not decided"
        if Status.DISPROVED in (s1, s2):
            orders.append(-1)
            notes.append(f"jump at {c}: {lv}, {pv}, {rv}")
            continue
        order = 0
        for n in range(1, MAX_ORDER + 1):
            s = _same(sp.diff(left, x, n).subs(x, c), sp.diff(right, x, n).subs(x, c))
            if s is Status.UNDECIDED:
                return None, Status.UNDECIDED, f"derivative {n} at {c} not decided"
            if s is Status.DISPROVED:
                break
            order = n
        else:
            return MAX_ORDER, Status.UNDECIDED, f"derivatives agree at {c} up to order {MAX_ORDER}"
        orders.append(order)
        notes.append(f"C^{order} at {c}")
    if not orders:
        return "inf", Status.PROVED, "analytic formula on the whole line"
    return min(orders), Status.PROVED, "; ".join(notes)


def _direction(formulas_pieces, jumps, x=X):
    """Monotonicity of a piecewise function from the signs of its derivative.

    ``formulas_pieces``: [(derivative formula, piece)]; ``jumps``: [(left, right)]
    limits at breakpoints.  Returns (value, status, detail)."""
    up_all, down_all = True, True
    evidence = set()
    notes = []
    for d, piece in formulas_pieces:
        where = _interval(piece, x)
        up = prove_nonneg(d, where=where)
        down = prove_nonneg(-d, where=where)
        if up.status is Status.DISPROVED:
            evidence.add(-1)
            notes.append(f"f' < 0 at {up.counterexample}")
        if down.status is Status.DISPROVED:
            evidence.add(1)
            notes.append(f"f' > 0 at {down.counterexample}")
        if up.status is not Status.PROVED:
            up_all = False
        if down.status is not Status.PROVED:
            down_all = False
        if up.status is Status.PROVED and down.status is not Status.PROVED and not d.is_zero:
            evidence.add(1) if down.status is Status.DISPROVED else None
    for left, right in jumps:
        gap = sp.sympify(right - left)
        s = _same(left, right)
        if s is Status.PROVED:
            continue
        g = gap.evalf(30)
        if s is Status.DISPROVED and g.is_Number:
            if g > 0:
                down_all = False
                evidence.add(1)
            else:
                up_all = False
                evidence.add(-1)
            notes.append(f"jump {float(g):+.6g} at a breakpoint")
        else:
            return None, Status.UNDECIDED, "jump direction not decided"
    if up_all or down_all:
        return True, Status.PROVED, "nondecreasing" if up_all else "nonincreasing"
    if evidence == {1, -1}:
        return False, Status.PROVED, "; ".join(notes[:2])
    return None, Status.UNDECIDED, "; ".join(notes) or "signs of the derivative not decided"


def _monotonic(pieces, x=X):
    open_pieces = [q for q in pieces if not q.is_point]
    derivs = [(sp.diff(q.formula, x), q) for q in open_pieces]
    jumps = []
    for k, q in enumerate(pieces):
        if q.is_point:
            left, right = pieces[k - 1].formula.subs(x, q.lo), pieces[k + 1].formula.subs(x, q.lo)
            mid = q.formula.subs(x, q.lo)
            jumps += [(left, mid), (mid, right)]
    return _direction(derivs, jumps, x)


def _derivative_monotonic(pieces, x=X):
    open_pieces = [q for q in pieces if not q.is_point]
    second = [(sp.diff(q.formula, x, 2), q) for q in open_pieces]
    jumps = []
    for k, q in enumerate(pieces):
        if q.is_point:
            left = sp.diff(pieces[k - 1].formula, x).subs(x, q.lo)
            right = sp.diff(pieces[k + 1].formula, x).subs(x, q.lo)
            jumps.append((left, right))
    return _direction(second, jumps, x)


def _identity_near_origin(pieces, x=X):
    zero = sp.S.Zero
    notes = []
    at = next((q for q in pieces if q.is_point and q.lo == 0), None)
    if at is not None:
        k = pieces.index(at)
        value = at.formula.subs(x, 0)
        slopes = [sp.diff(pieces[k - 1].formula, x).subs(x, 0), sp.diff(pieces[k + 1].formula, x).subs(x, 0)]
    else:
        q = next(q for q in pieces if not q.is_point and (q.lo < 0 or q.lo is sp.S.NegativeInfinity)
                 and (q.hi > 0 or q.hi is sp.oo))
        value = q.formula.subs(x, 0)
        slopes = [sp.diff(q.formula, x).subs(x, 0)]
    checks = [_same(value, zero)] + [_same(s, 1) for s in slopes]
    if Status.UNDECIDED in checks:
        return None, Status.UNDECIDED, "value or slope at 0 not decided"
    ok = all(c is Status.PROVED for c in checks)
    notes.append(f"f(0) = {sp.nsimplify(value)}, f'(0-/+) = {', '.join(str(s) for s in slopes)}")
    return ok, Status.PROVED, "; ".join(notes)


def _evalf(e):
    return sp.sympify(e).evalf(DIGITS)


def _critical_points(d, piece, x=X):
    """([(point, exact?)], exact) roots of f' inside the piece: exact by solveset for a
    polynomial f', else :func:`real_roots` in the window (certified by a sign change)."""
    interval = sp.Interval.open(piece.lo, piece.hi)
    if d.is_polynomial(x) or d.is_rational_function(x):
        sols = sp.solveset(sp.numer(sp.together(d)), x, interval)
        if isinstance(sols, sp.FiniteSet):
            return [p for p in sols if d.subs(x, p) == 0 or sp.simplify(d.subs(x, p)) == 0], True
    lo = max(float(piece.lo), -WINDOW) if piece.lo is not sp.S.NegativeInfinity else -WINDOW
    hi = min(float(piece.hi), WINDOW) if piece.hi is not sp.oo else WINDOW
    out = []
    for r in real_roots(d, x, lo, hi, digits=DIGITS):
        with mpmath.workdps(DIGITS + 20):
            out.append(sp.Float(mpmath.nstr(r, DIGITS + 15), DIGITS + 15))
    return out, False


def _range(pieces, x=X):
    """(dict, status, detail): bounds from end limits, breakpoint values, critical points."""
    candidates = []  # (value, attained, description, critical point or None)
    numeric = False
    for q in pieces:
        g = q.formula
        if q.is_point:
            candidates.append((g.subs(x, q.lo), True, f"x = {q.lo}", None))
            continue
        if not g.has(x):
            candidates.append((g, True, f"constant on ({q.lo}, {q.hi})", None))
            continue
        for end, side in ((q.lo, "+"), (q.hi, "-")):
            if end in (sp.oo, sp.S.NegativeInfinity):
                # Gruntz is about twice as fast on tanh written in exp
                v = sp.limit(g.rewrite(sp.exp) if g.has(sp.tanh) else g, x, end)
            else:
                v = g.subs(x, end)
                if v.has(sp.nan, sp.zoo):
                    v = sp.limit(g, x, end, side)
            candidates.append((v, False, f"x -> {end}", None))
        d = sp.diff(g, x)
        where = _interval(q, x)
        mono = prove_nonneg(d, where=where).status is Status.PROVED or \
            prove_nonneg(-d, where=where).status is Status.PROVED
        if mono:
            continue
        points, exact = _critical_points(d, q, x)
        numeric = numeric or not exact
        for point in points:
            value = g.subs(x, point) if exact else g.subs(x, point).evalf(DIGITS + 5)
            candidates.append((value, True, f"critical point x = {sp.Float(point, 20)}", point))
    infinite = {sp.oo, sp.S.NegativeInfinity}

    def best(sign):
        pool = [c for c in candidates if c[0] == sign * sp.oo]
        if pool:
            return pool[0]
        finite = [c for c in candidates if c[0] not in infinite]
        top = max(finite, key=lambda c: float(_evalf(c[0])) * sign)
        ref = _evalf(top[0])
        ties = [c for c in finite if abs(_evalf(c[0]) - ref) <= sp.Float(10) ** -25 * (1 + abs(ref))]
        attained = [c for c in ties if c[1]]
        return (attained or ties)[0]

    lo_c, hi_c = best(-1), best(1)
    out = {"lower": _num(lo_c[0]), "upper": _num(hi_c[0]), "lower_closed": bool(lo_c[1]),
           "upper_closed": bool(hi_c[1])}
    for key, c in (("minimum", lo_c), ("maximum", hi_c)):
        if c[3] is not None:
            out[f"{key}_at"] = float(c[3])
            out[f"{key}_value"] = str(sp.Float(_evalf(c[0]), 25))
    interior = [c for c in (lo_c, hi_c) if c[3] is not None]
    status = Status.NUMERIC if (numeric and interior) else Status.PROVED
    detail = f"lower from {lo_c[2]}, upper from {hi_c[2]}"
    if status is Status.NUMERIC:
        detail += (f"; critical points of f' located by real_roots on [-{WINDOW}, {WINDOW}] and certified"
                   f" by a sign change within 1e-{DIGITS}, values at {DIGITS} digits; global among the"
                   f" critical points found in that window")
    return out, status, detail


VECTOR_N = (2, 3)


def _vector_range(f, xs):
    """Bounds of f over R^n: candidates from limits along rays, then proved as bounds."""
    t = sp.Dummy("t", real=True)
    n = len(xs)
    rays = [[t] + [0] * (n - 1), [t] * n, [0] + [t] * (n - 1)]
    limits = []
    for ray in rays:
        g = f.subs(dict(zip(xs, ray)), simultaneous=True)
        for end in (sp.oo, sp.S.NegativeInfinity):
            limits.append(sp.limit(g, t, end))
    lo = min(limits, key=lambda v: -sp.oo if v is sp.S.NegativeInfinity else (sp.oo if v is sp.oo else v))
    hi = max(limits, key=lambda v: -sp.oo if v is sp.S.NegativeInfinity else (sp.oo if v is sp.oo else v))
    out = {"lower": _num(lo), "upper": _num(hi), "lower_closed": False, "upper_closed": False}
    ok = True
    for bound, g in ((lo, f - lo), (hi, hi - f)):
        if bound in (sp.oo, sp.S.NegativeInfinity):
            continue  # reached along a ray: unbounded that way
        if prove_nonneg(g, strict=True).status is not Status.PROVED:
            ok = False
    return out, ok


def vector_properties(entry) -> dict:
    """Properties of the first output entry of a vector activation (all entries are
    alike by symmetry), proved for each concrete n in :data:`VECTOR_N`: range (bounds
    from limits along rays, proved strict), continuity ("inf": analytic), and
    monotonicity in the inputs (signs of the partial derivatives)."""
    from symact.define.model import vector_symbols
    found = []
    for n in VECTOR_N:
        xs = vector_symbols(n)
        f = entry.instantiate(n)[0]
        rng, rng_ok = _vector_range(f, xs)
        cont = "inf" if _analytic(f, Piece(sp.S.NegativeInfinity, sp.oo, f), xs[0]) else None
        partials = [(sp.diff(f, xk), Piece(sp.S.NegativeInfinity, sp.oo, f)) for xk in xs]
        mono, mono_status, mono_detail = _direction_multi(partials)
        found.append((rng, rng_ok, cont, mono, mono_status, mono_detail))
    first = found[0]
    same = all(f[0] == first[0] and f[2] == first[2] and f[3] == first[3] for f in found)
    status = {
        "range": str(Status.PROVED if same and all(f[1] for f in found) else Status.UNDECIDED),
        "continuity": str(Status.PROVED if same and first[2] == "inf" else Status.UNDECIDED),
        "monotonic": str(first[4] if same else Status.UNDECIDED),
    }
    ns = ", ".join(map(str, VECTOR_N))
    return {
        "range": first[0], "continuity": first[2], "monotonic": first[3],
        "n": list(VECTOR_N), "status": status,
        "detail": {
            "range": f"output entry 1, proved for n = {ns}: bounds are limits along rays, proved strict",
            "continuity": "composition of exp and log of a sum of exponentials (positive)",
            "monotonic": f"in every input, for n = {ns}: {first[5]}",
        },
    }


def _direction_multi(partials):
    """Same direction in every input: signs of all partial derivatives."""
    ups, downs, evidence = [], [], set()
    for d, _ in partials:
        up, down = prove_nonneg(d), prove_nonneg(-d)
        ups.append(up.status is Status.PROVED)
        downs.append(down.status is Status.PROVED)
        if up.status is Status.DISPROVED:
            evidence.add(-1)
        if down.status is Status.DISPROVED:
            evidence.add(1)
    if all(ups) or all(downs):
        return True, Status.PROVED, "nondecreasing in each input" if all(ups) else "nonincreasing in each input"
    if evidence == {1, -1}:
        return False, Status.PROVED, "increasing in some input and decreasing in another (certified points)"
    return None, Status.UNDECIDED, "signs of the partial derivatives not decided"


def properties(entry, values=None) -> dict:
    """The ``show --json`` "properties" object for ``entry`` with parameters ``values``."""
    if entry.vector:
        return vector_properties(entry)
    f = entry.instantiate(values)
    try:
        pieces = branches(f, X)
    except BranchError as err:
        return {"status": {"all": str(Status.UNDECIDED)}, "detail": {"all": str(err)}}
    out, status, detail = {}, {}, {}
    rng, s, d = _range(pieces)
    out["range"], status["range"], detail["range"] = rng, str(s), d
    for key, fn in (("continuity", continuity), ("monotonic", _monotonic),
                    ("derivative_monotonic", _derivative_monotonic),
                    ("identity_near_origin", _identity_near_origin)):
        value, s, d = fn(pieces)
        out[key], status[key], detail[key] = value, str(s), d
    out["status"], out["detail"] = status, detail
    return out
