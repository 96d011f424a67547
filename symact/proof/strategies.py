"""Proof strategies: one procedure per kind of theorem statement.

Each ``strategy(theorem) -> Result``.  All of them reduce the statement to
:func:`~symact.proof.equal.prove_equal` / :func:`~symact.proof.inequality.prove_nonneg`
obligations on Piecewise-free branches, plus SymPy's Gruntz ``limit`` on
Piecewise-free formulas and ``integrate``/``diff``; none concludes from samples.
"""

from __future__ import annotations

import time

import sympy as sp

from symact.define.model import K, N, vector_symbols
from symact.proof.branches import BranchError, branches, piece_at_infinity
from symact.proof.equal import RegionError, apply_chain, prepare, prove_equal, regions
from symact.proof.inequality import nonneg, prove_nonneg
from symact.proof.result import Result, Status


def _combine(results, strategy, detail=""):
    """PROVED if every obligation is; else the worst status, with the first failure."""
    order = [Status.DISPROVED, Status.UNDECIDED, Status.NUMERIC, Status.PROVED]
    worst = min((r.status for r in results), key=order.index) if results else Status.UNDECIDED
    failed = [r for r in results if r.status is worst and worst is not Status.PROVED]
    if failed:
        detail = (detail + "; " if detail else "") + failed[0].detail
    ce = next((r.counterexample for r in results if r.counterexample), None)
    return Result(worst, strategy, detail, ce)


def _doit_derivatives(expr):
    """Derivatives by ``diff`` and integrals by ``integrate`` (both symbolic)."""
    return expr.replace(lambda e: isinstance(e, (sp.Derivative, sp.Integral)), lambda e: e.doit())


def identity(th) -> Result:
    """``lhs == rhs`` under ``where`` by :func:`prove_equal` (entrywise for matrices)."""
    st = th.statement
    lhs, rhs = _doit_derivatives(st.lhs), _doit_derivatives(st.rhs)
    if isinstance(lhs, sp.MatrixBase):
        results = [prove_equal(a, b, where=th.where) for a, b in zip(lhs, rhs)]
        return _combine(results, "identity", f"{len(results)} entries")
    r = prove_equal(lhs, rhs, where=th.where)
    r.strategy = "identity/" + r.strategy
    return r


def vector_gradient(th) -> Result:
    """The gradient of the concrete LSE, by ``diff``, equals softmax entry by entry."""
    return identity(th)


def _approach_symbol(var, point, direction):
    if point is sp.oo:
        return sp.Dummy(var.name, positive=True), "positive"
    if point is sp.S.NegativeInfinity:
        return sp.Dummy(var.name, negative=True), "negative"
    return sp.Dummy(var.name, real=True), "real"


def limit(th) -> Result:
    """Limit of a Piecewise-free formula by Gruntz, on every region of the other symbols.

    A Piecewise in the limit variable is first reduced to the branch that holds
    near the limit point (:mod:`symact.proof.branches`), never limited directly.
    """
    lim, value = th.statement.lhs, th.statement.rhs
    expr, var, point, direction = lim.args[0], lim.args[1], lim.args[2], str(lim.args[3])
    expr = prepare(expr)
    try:
        if expr.has(sp.Piecewise) and any(a.has(var) for a in expr.atoms(sp.Piecewise)):
            if point in (sp.oo, sp.S.NegativeInfinity):
                expr = piece_at_infinity(expr, var, 1 if point is sp.oo else -1)
            else:
                pieces = [q for q in branches(expr, var) if not q.is_point]
                side = [q for q in pieces if (q.hi == point if direction == "-" else q.lo == point)]
                expr = side[0].formula
    except BranchError as err:
        return Result(Status.UNDECIDED, "limit", str(err))
    v, _ = _approach_symbol(var, point, direction)
    expr = expr.subs(var, v)
    where = th.where
    if where is not sp.true:
        parts = sp.And.make_args(where)
        where = sp.And(*[c for c in parts if not c.has(var)])
    results = []
    try:
        for branch, constraints, chain in regions(sp.Tuple(expr, prepare(value)), where):
            h, target = apply_chain(branch, chain)
            got = sp.limit(h, v, point, direction if point not in (sp.oo, sp.S.NegativeInfinity) else "+")
            results.append(prove_equal(got, target))
    except RegionError as err:
        return Result(Status.UNDECIDED, "limit", str(err))
    return _combine(results, "limit/gruntz-on-branch", f"{len(results)} region(s)")


def _relations(statement):
    parts = sp.And.make_args(statement)
    out = []
    for rel in parts:
        strict = isinstance(rel, (sp.StrictLessThan, sp.StrictGreaterThan))
        if isinstance(rel, (sp.LessThan, sp.StrictLessThan)):
            out.append((rel.rhs - rel.lhs, strict))
        else:
            out.append((rel.lhs - rel.rhs, strict))
    return out


def inequality(th) -> Result:
    """Each relation ``a <= b`` (``a < b``) as ``b - a >= 0`` (``> 0``) by cases."""
    results = [prove_nonneg(g, where=th.where, strict=strict) for g, strict in _relations(th.statement)]
    return _combine(results, "inequality/cases+monotone", f"{len(results)} relation(s)")


def _sides_at(expr, x, point):
    pieces = branches(expr, x)
    left = next(q for q in pieces if not q.is_point and q.hi == point)
    right = next(q for q in pieces if not q.is_point and q.lo == point)
    at = next(q for q in pieces if q.is_point and q.lo == point)
    return left.formula, at.formula, right.formula


def _expr_and_var(th):
    st = th.statement
    if isinstance(st, sp.Equivalent):
        st = st.args[0] if isinstance(st.args[0], sp.Eq) and isinstance(st.args[0].lhs, sp.Limit) else st.args[1]
    lim = st.lhs
    inner = lim.args[0]
    var = lim.args[1]
    while isinstance(inner, sp.Derivative):
        inner = inner.expr
    return inner, var


def continuity(th) -> Result:
    """C^k at a breakpoint: value and derivatives 1..k of the left and right branch
    formulas agree there (substitution into Piecewise-free formulas), for every
    parameter value allowed by ``where``."""
    f, x = _expr_and_var(th)
    point, order = th.option("point"), th.option("order")
    try:
        left, at, right = _sides_at(f, x, point)
    except (BranchError, StopIteration) as err:
        return Result(Status.UNDECIDED, "continuity", f"no breakpoint at {point}: {err}")
    results = [prove_equal(left.subs(x, point), at.subs(x, point), where=th.where),
               prove_equal(right.subs(x, point), at.subs(x, point), where=th.where)]
    for k in range(1, order + 1):
        results.append(prove_equal(sp.diff(left, x, k).subs(x, point), sp.diff(right, x, k).subs(x, point),
                                   where=th.where))
    return _combine(results, "continuity/branchwise", f"orders 0..{order} at {x} = {point}")


def continuity_iff(th) -> Result:
    """Orders below k agree for every parameter; order k agrees exactly on ``values``."""
    f, x = _expr_and_var(th)
    point, order, param, values = (th.option(k) for k in ("point", "order", "param", "values"))
    try:
        left, at, right = _sides_at(f, x, point)
    except (BranchError, StopIteration) as err:
        return Result(Status.UNDECIDED, "continuity", str(err))
    results = [prove_equal(left.subs(x, point), at.subs(x, point), where=th.where),
               prove_equal(right.subs(x, point), at.subs(x, point), where=th.where)]
    for k in range(1, order):
        results.append(prove_equal(sp.diff(left, x, k).subs(x, point), sp.diff(right, x, k).subs(x, point),
                                   where=th.where))
    gap = sp.simplify(sp.diff(left, x, order).subs(x, point) - sp.diff(right, x, order).subs(x, point))
    domain = th.where.as_set() if th.where is not sp.true else sp.S.Reals
    solutions = sp.solveset(gap, param, domain)
    ok = solutions == values
    results.append(Result(Status.PROVED if ok else Status.DISPROVED, "solveset",
                          f"derivative gap {gap} vanishes exactly for {param} in {solutions}"))
    r = _combine(results, "continuity/branchwise+solveset", f"gap of order {order}: {gap} = 0 iff {param} in {solutions}")
    return r


def lse_bounds(th) -> Result:
    """max(x) <= LSE(x) <= max(x) + log n: for each k, on the region where x_k is a
    maximum (x_j = x_k - t_j, t_j >= 0, which covers R^n as k varies), log is
    increasing so the claims are sum_j e^{x_j} - e^{x_k} >= 0 and
    n e^{x_k} - sum_j e^{x_j} >= 0; both follow from the signs of their partial
    derivatives in the t_j and the value at t = 0."""
    n = th.option("n")
    xs = vector_symbols(n)
    results = []
    for k in range(n):
        ts = {xs[j]: xs[k] - sp.Dummy(f"t{j + 1}", nonnegative=True) for j in range(n) if j != k}
        m = sp.Max(*xs).subs(ts)
        total = sp.Add(*[sp.exp(xj) for xj in xs]).subs(ts)
        ok_max = m == xs[k]
        lower = sp.expand(total - sp.exp(xs[k]))
        upper = sp.expand(n * sp.exp(xs[k]) - total)
        ok_lower = bool(nonneg(lower, False, {}))
        ok_upper = _orthant_monotone(upper)
        status = Status.PROVED if (ok_max and ok_lower and ok_upper) else Status.UNDECIDED
        results.append(Result(status, "argmax-cases",
                              f"x{k + 1} maximal: max reduces: {ok_max}, lower: {ok_lower}, upper: {ok_upper}"))
    return _combine(results, "lse_bounds/argmax-cases+monotone", f"{n} argmax regions")


def _orthant_monotone(h) -> bool:
    """h >= 0 on t >= 0 (t the nonnegative symbols): every partial is >= 0 and h(0) >= 0."""
    ts = [s for s in h.free_symbols if s.is_nonnegative]
    if not ts:
        return bool(nonneg(h, False, {}))
    for t in ts:
        if not nonneg(sp.diff(h, t), False, {}, depth=0):
            return False
    at0 = sp.simplify(h.subs({t: 0 for t in ts}))
    return bool(nonneg(at0, False, {}, depth=0)) or at0 == 0


_INDEX = sp.Dummy("i", integer=True, positive=True)


def _canonical_sums(expr):
    """Rename every summation index to one dummy, so equal sums compare equal."""
    d = _INDEX
    return expr.replace(lambda e: isinstance(e, sp.Sum) and len(e.limits) == 1,
                        lambda e: sp.Sum(e.function.subs(e.limits[0][0], d), (d,) + tuple(e.limits[0][1:])))


def symbolic_n_gradient(th) -> Result:
    """d/dx[k] of the symbolic-n LSE by ``diff``; Sum of KroneckerDelta by ``doit``;
    with 1 <= k <= n written as n = k + m (m >= 0) the Piecewise resolves."""
    m = sp.Symbol("m", integer=True, nonnegative=True)
    lhs = th.statement.lhs.doit().subs(N, K + m).doit()
    rhs = th.statement.rhs.subs(N, K + m)
    diff = _zero(lhs, rhs)
    ok = diff == 0
    return Result(Status.PROVED if ok else Status.UNDECIDED, "symbolic_n/diff+kronecker",
                  "difference simplifies to 0" if ok else f"difference {diff}")


def symbolic_n_sum(th) -> Result:
    """sum_j softmax_j: the j-independent denominator factors out (``factor_sum``)."""
    from sympy.simplify.simplify import factor_sum
    lhs = factor_sum(th.statement.lhs)
    diff = _zero(lhs, th.statement.rhs)
    ok = diff == 0
    return Result(Status.PROVED if ok else Status.UNDECIDED, "symbolic_n/factor_sum",
                  "sum reduces to 1" if ok else f"difference {diff}")


def symbolic_n_shift(th) -> Result:
    """exp(c + x_i) = e^c e^{x_i}; e^c leaves the sum; log of a product of positives splits."""
    from sympy.simplify.simplify import factor_sum
    lhs = th.statement.lhs
    lhs = lhs.replace(lambda e: isinstance(e, sp.Sum),
                      lambda e: factor_sum(sp.Sum(sp.expand(e.function, power_exp=True), *e.limits)))
    # log(e^c * S) with S a sum of exponentials (positive) and e^c positive
    lhs = lhs.replace(lambda e: isinstance(e, sp.log),
                      lambda e: sp.Add(*[sp.log(f) for f in sp.Mul.make_args(e.args[0])])
                      if all(f.is_positive or (isinstance(f, sp.Sum) and f.function.is_positive)
                             for f in sp.Mul.make_args(e.args[0])) else e)
    diff = _zero(lhs, th.statement.rhs)
    ok = diff == 0
    return Result(Status.PROVED if ok else Status.UNDECIDED, "symbolic_n/factor_sum+log-split",
                  "difference simplifies to 0" if ok else f"difference {diff}")


def _zero(lhs, rhs):
    diff = _canonical_sums(lhs) - _canonical_sums(rhs)
    if diff == 0:
        return diff
    diff = sp.cancel(sp.together(diff))
    return diff


def symbolic_n_identity(th) -> Result:
    diff = _zero(th.statement.lhs, th.statement.rhs)
    ok = diff == 0
    return Result(Status.PROVED if ok else Status.UNDECIDED, "symbolic_n/simplify",
                  "difference simplifies to 0" if ok else f"difference {diff}")


def selu_fixed_point(th) -> Result:
    """E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1) with the paper's exact
    constants: the Gaussian integrals by ``integrate`` branch by branch (z < 0, z > 0)
    with the constants as positive symbols, then the exact closed forms
    (``options["constants"]``) substituted and :func:`prove_equal` on the result.
    The catalogue's 50-digit floats are checked against the exact constants."""
    from symact.define import catalogue
    constants = dict(th.option("constants"))
    results = []
    for eq in sp.And.make_args(th.statement):
        integral = eq.lhs
        integrand, (z, lo, hi) = integral.function, integral.limits[0]
        total = 0
        for piece in branches(prepare(integrand), z):
            if piece.is_point:
                continue
            total += sp.integrate(piece.formula, (z, piece.lo, piece.hi))
        results.append(prove_equal(total.subs(constants), eq.rhs))
    gaps = [abs((catalogue.SELU_ALPHA - catalogue.SELU_ALPHA_EXACT).evalf(70)),
            abs((catalogue.SELU_LAMBDA - catalogue.SELU_LAMBDA_EXACT).evalf(70))]
    bound = sp.Float(10) ** -48
    floats_ok = all(g < bound for g in gaps)
    results.append(Result(Status.PROVED if floats_ok else Status.DISPROVED, "evalf",
                          f"|catalogue - exact| = {[sp.Float(g, 3) for g in gaps]}"))
    return _combine(results, "selu/integrate-branchwise+identity",
                    f"closed-form moments equal 0 and 1; catalogue constants within 1e-48 of exact")


STRATEGIES = {
    "identity": identity,
    "vector_gradient": vector_gradient,
    "limit": limit,
    "inequality": inequality,
    "continuity": continuity,
    "continuity_iff": continuity_iff,
    "lse_bounds": lse_bounds,
    "symbolic_n_gradient": symbolic_n_gradient,
    "symbolic_n_sum": symbolic_n_sum,
    "symbolic_n_shift": symbolic_n_shift,
    "symbolic_n_identity": symbolic_n_identity,
    "selu_fixed_point": selu_fixed_point,
}


def run(th) -> Result:
    start = time.perf_counter()
    try:
        r = STRATEGIES[th.strategy](th)
    except Exception as err:  # noqa: BLE001 - any failure of a strategy is "not proved"
        r = Result(Status.UNDECIDED, th.strategy, f"{type(err).__name__}: {err}")
    r.name = th.name
    r.seconds = time.perf_counter() - start
    return r


def identity_with_constants(th) -> Result:
    """An identity after substituting named constants (``options["constants"]``)."""
    constants = dict(th.option("constants"))
    lhs, rhs = th.statement.lhs.subs(constants), th.statement.rhs.subs(constants)
    r = prove_equal(lhs, rhs, where=th.where)
    r.strategy = "identity/" + r.strategy
    return r


STRATEGIES["identity_with_constants"] = identity_with_constants
