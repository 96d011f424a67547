"""Decide ``lhs == rhs`` for all real values of the free symbols satisfying ``where``.

``prove_equal(lhs, rhs, where=sympy.true) -> Result``:

1. **Counterexample search** (:mod:`symact.proof.numeric`): the difference is
   screened at 50 digits on a fixed set of points (both signs, small and large
   magnitudes) satisfying ``where``; a candidate is *certified* by SymPy's
   ``evalf(strict=True)`` on the exact point (adaptive precision with error
   tracking), and re-evaluated at twice the precision.  A certified nonzero
   difference gives ``DISPROVED`` with the point.
2. **Symbolic proof by cases.**  ``Abs``, ``Max``, ``Min``, ``Heaviside`` and
   ``sign`` are rewritten as ``Piecewise``; every truth assignment of the
   relational atoms (Piecewise conditions and ``where``) is a region.  Each region
   is turned into sign-restricted symbols (``x > c`` becomes ``x = c + t`` with
   ``t`` positive, ``alpha >= 0`` a nonnegative symbol, ``Eq`` a substitution);
   infeasible regions are dropped; a condition through exp, tanh or erf
   (``exp(x) >= 1``) is first solved for the argument
   (:mod:`symact.proof.conditions`).  On each region the difference, with the
   Piecewise resolved, must reduce to 0 by one of the normalisations in
   :func:`is_zero` (expansion, positivity-safe log splitting, exponential
   substitution, common denominator, ``simplify``).  This never evaluates a
   one-sided limit of a Piecewise (wrong at breakpoints in SymPy 1.14).

Sampling is only ever used to *disprove*.
"""

from __future__ import annotations

import itertools
import time

import sympy as sp

from symact.proof.conditions import monotone_normal
from symact.proof.numeric import find_counterexample
from symact.proof.result import Result, Status

_MAX_ATOMS = 9


# --- normalisation ------------------------------------------------------------------

def _realify(exprs, where):
    """Replace every free symbol lacking ``real=True`` by a real symbol of the same name."""
    symbols = set()
    for e in exprs:
        symbols |= e.free_symbols
    symbols |= where.free_symbols
    subs = {s: sp.Symbol(s.name, real=True) for s in symbols
            if isinstance(s, sp.Symbol) and not s.is_real}
    if not subs:
        return exprs, where
    return [e.xreplace(subs) for e in exprs], where.xreplace(subs)


def to_piecewise(expr: sp.Expr) -> sp.Expr:
    """``Abs``, ``Max``, ``Min``, ``Heaviside``, ``sign`` as ``Piecewise`` (bottom-up)."""
    kinds = (sp.Abs, sp.Max, sp.Min, sp.Heaviside, sp.sign)
    if not expr.has(*kinds):
        return expr

    def rewrite(e):
        if isinstance(e, sp.Heaviside):
            arg = e.args[0]
            h0 = e.args[1] if len(e.args) > 1 else sp.Rational(1, 2)
            return sp.Piecewise((0, arg < 0), (h0, sp.Eq(arg, 0)), (1, True))
        return e.rewrite(sp.Piecewise)

    return expr.replace(lambda e: isinstance(e, kinds), rewrite)


def prepare(expr: sp.Expr) -> sp.Expr:
    """Primitives expanded, special functions in the forms the prover works with."""
    expr = sp.sympify(expr)
    if any(type(f).__module__.startswith("symact.") for f in expr.atoms(sp.Function)):
        # stable primitives (a rewrite being proved) by their definitions; imported only
        # then, so that `symact check` does not load the rule library at start-up
        from symact.stabilise.primitives import expand as expand_primitives
        expr = expand_primitives(expr)
    expr = expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit())
    expr = to_piecewise(expr)
    return expr


def relational_atoms(expr: sp.Basic) -> list:
    """The distinct relationals in the Piecewise conditions of ``expr``."""
    atoms = []
    for pw in expr.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                if rel not in atoms:
                    atoms.append(rel)
    return atoms


# --- zero test ----------------------------------------------------------------------

def _split_logs(expr: sp.Expr) -> sp.Expr:
    """log(a*b/c) -> log a + log b - log c, only where every factor is provably positive."""
    def split(e):
        arg = sp.together(e.args[0])
        num, den = sp.fraction(arg)
        factors = list(sp.Mul.make_args(sp.factor_terms(num))) + \
            [1 / f for f in sp.Mul.make_args(sp.factor_terms(den))]
        if len(factors) < 2 or not all(f.is_positive for f in factors):
            return e
        return sp.Add(*[sp.log(f) for f in factors])
    return expr.replace(lambda e: isinstance(e, sp.log), split)


def _exp_substitute(expr: sp.Expr) -> sp.Expr:
    """exp(c*s + d) -> z_s**c * exp(d) for each symbol s (z_s positive): rational in z_s."""
    expr = sp.expand(expr, power_exp=True, mul=False, multinomial=False, log=False)
    for s in sorted(expr.free_symbols, key=str):
        if not expr.has(sp.exp):
            break
        if not any(sp.exp(s) in (e, 1 / e) or e.args[0].has(s) for e in expr.atoms(sp.exp)):
            continue
        z = sp.Dummy(f"e_{s}", positive=True)
        expr = expr.subs(sp.exp(s), z)
        # exp(s/2), exp(c*s) with rational c: through a rational power of z
        expr = expr.replace(
            lambda e: isinstance(e, sp.exp) and e.args[0].is_Mul and e.args[0].as_coeff_Mul()[1] == s
            and e.args[0].as_coeff_Mul()[0].is_Rational,
            lambda e: z ** e.args[0].as_coeff_Mul()[0])
    return expr


def _numerator_zero(expr: sp.Expr) -> bool:
    num, _ = sp.fraction(sp.together(expr))
    return sp.expand(num) == 0


def is_zero(expr: sp.Expr) -> str | None:
    """The name of a normalisation that reduces ``expr`` to 0, or None.

    Every step is an identity valid for real values of the (assumption-carrying)
    symbols: log splitting requires positivity of every factor, exponential
    substitution introduces a positive symbol for exp(s).
    """
    if expr == 0:
        return "syntactic"
    e = expr.rewrite(sp.exp) if expr.has(sp.tanh, sp.sinh, sp.cosh) else expr
    if e.has(sp.erfc):
        e = e.replace(lambda t: isinstance(t, sp.erfc), lambda t: 1 - sp.erf(t.args[0]))
    if sp.expand(e) == 0:
        return "expand"
    if e.has(sp.log):
        e2 = _split_logs(e)
        if sp.expand(e2) == 0:
            return "log-split"
        e = e2
    if _numerator_zero(e):
        return "common-denominator"
    if e.has(sp.exp):
        try:
            ez = _exp_substitute(e)
            if e.has(sp.log):
                ez = _split_logs(ez)
            if sp.cancel(sp.together(ez)) == 0 or _numerator_zero(ez):
                return "exp-substitution"
        except (sp.PolynomialError, TypeError, ValueError):
            pass
    if any(t.exp == sp.S.Half for t in e.atoms(sp.Pow)):
        # sqrt of a perfect square: sqrt((b + 1)**2) is b + 1 once b + 1 >= 0 is known
        e3 = e.replace(lambda t: t.is_Pow and t.exp == sp.S.Half, lambda t: sp.sqrt(sp.factor(t.base)))
        if e3 != e and (sp.expand(e3) == 0 or _numerator_zero(e3)):
            return "factor-radicand"
    try:
        s = sp.simplify(e)
    except (TypeError, ValueError, RecursionError):
        return None
    if s == 0:
        return "simplify"
    if s.has(sp.log):
        s2 = _split_logs(sp.expand_log(s))
        if sp.simplify(s2) == 0:
            return "simplify+log-split"
    return None


# --- regions ------------------------------------------------------------------------

class _Unknown(Exception):
    """A region whose shape could not be determined (bounds not comparable)."""


def _is_main(sym: sp.Symbol) -> bool:
    name = sym.name
    return name == "x" or (name.startswith("x") and name[1:].isdigit()) or name in ("u", "t", "y")


def _order(symbols) -> list:
    """Processing order: parameters first, then the main variables (x, x1..xn)."""
    return sorted(symbols, key=lambda s: (_is_main(s), s.name))


def _solve_for(rel, order):
    """``rel`` as (symbol, op, bound) for the latest symbol in ``order`` it is linear in."""
    g = sp.expand(rel.lhs - rel.rhs)
    op = rel.rel_op
    for s in reversed(order):
        if not g.has(s):
            continue
        k = sp.diff(g, s)
        if k.has(s):
            continue
        if k.is_positive:
            flip = False
        elif k.is_negative:
            flip = True
        else:
            continue
        bound = sp.simplify(-(g - k * s) / k)
        if flip:
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        return s, op, bound
    return None


def _compare(a, b):
    """Sign of a - b: -1, 0, 1, or None if unknown."""
    d = sp.simplify(a - b)
    if d.is_zero:
        return 0
    if d.is_positive:
        return 1
    if d.is_negative:
        return -1
    return None


def _truth(rel):
    """sympy.true/false for a relational whose truth is decidable, else the relational."""
    if rel in (sp.true, sp.false):
        return rel
    d = sp.simplify(rel.lhs - rel.rhs)
    op = rel.rel_op
    checks = {
        "==": (d.is_zero, d.is_nonzero), "!=": (d.is_nonzero, d.is_zero),
        ">": (d.is_positive, d.is_nonpositive), ">=": (d.is_nonnegative, d.is_negative),
        "<": (d.is_negative, d.is_nonnegative), "<=": (d.is_nonpositive, d.is_positive),
    }[op]
    if checks[0]:
        return sp.true
    if checks[1]:
        return sp.false
    return rel


def region_substitution(constraints, symbols):
    """Sign-restricted substitutions realising the conjunction ``constraints``.

    Symbols are processed in :func:`_order` (parameters, then main variables); a
    constraint is used for the last symbol in that order it contains, once the
    earlier ones are substituted.  Returns a list of ``(symbol, expression)``
    pairs to apply in order, or None when the region is empty.  Raises
    :class:`_Unknown` when the shape cannot be determined.  A constraint whose
    truth cannot be decided after substitution is dropped: the region only grows,
    which can cost a proof but never makes a false one.
    """
    order = _order(symbols)
    chain = []
    pending = list(constraints)
    for idx, s in enumerate(order):
        later = set(order[idx + 1:])
        rest, mine = [], []
        for c in pending:
            c = c.subs([e for e in chain if len(e) == 2]) if chain else c
            c = monotone_normal(sp.sympify(c))
            if c.free_symbols & later:
                rest.append(c)
                continue
            if c in (sp.true, sp.false) or not c.has(s):
                t = _truth(c) if c not in (sp.true, sp.false) else c
                if t is sp.false:
                    return None
                continue
            if not isinstance(c, sp.core.relational.Relational):
                raise _Unknown(f"condition {c}")
            solved = _solve_for(c, [s])
            if solved is None:
                raise _Unknown(f"condition {c} is not linear in {s} with a coefficient of known sign")
            mine.append(solved)
        pending = rest
        eqs = [b for _, op, b in mine if op == "=="]
        if eqs:
            value = eqs[0]
            chain.append((s, value))
            for _, op, b in mine:
                rel = {"==": sp.Eq, "!=": sp.Ne, "<": sp.Lt, "<=": sp.Le,
                       ">": sp.Gt, ">=": sp.Ge}[op](value, b)
                if _truth(rel) is sp.false:
                    return None
            continue
        lowers = [(b, op == ">") for _, op, b in mine if op in (">", ">=")]
        uppers = [(b, op == "<") for _, op, b in mine if op in ("<", "<=")]
        nes = [b for _, op, b in mine if op == "!="]

        def tightest(bounds, sign):
            best = None
            for b, strict in bounds:
                if best is None:
                    best = (b, strict)
                    continue
                c = _compare(b, best[0])
                if c is None:
                    raise _Unknown(f"bounds {b} and {best[0]} on {s} are not comparable")
                if c * sign > 0:
                    best = (b, strict)
                elif c == 0:
                    best = (b, strict or best[1])
            return best

        lo = tightest(lowers, 1)
        hi = tightest(uppers, -1)
        if lo and hi:
            c = _compare(hi[0], lo[0])
            if c is None:
                raise _Unknown(f"bounds {lo[0]} and {hi[0]} on {s} are not comparable")
            if c < 0 or (c == 0 and (lo[1] or hi[1])):
                return None
            if c == 0:
                if any(_compare(lo[0], b) == 0 for b in nes):
                    return None
                chain.append((s, lo[0]))
                continue
            # from the closed end (upper if both are), t in [0, hi - lo]: the length
            # travels as a marker entry ("length", t, L) that apply_chain skips
            if hi[1] and not lo[1]:
                t = sp.Dummy(f"t_{s}", nonnegative=True)
                chain.append((s, lo[0] + t))
            else:
                t = sp.Dummy(f"t_{s}", nonnegative=True)
                chain.append((s, hi[0] - t))
            chain.append(("length", t, sp.simplify(hi[0] - lo[0])))
        elif lo:
            t = sp.Dummy(f"t_{s}", positive=True) if lo[1] else sp.Dummy(f"t_{s}", nonnegative=True)
            chain.append((s, lo[0] + t))
        elif hi:
            t = sp.Dummy(f"t_{s}", positive=True) if hi[1] else sp.Dummy(f"t_{s}", nonnegative=True)
            chain.append((s, hi[0] - t))
    return chain


def _where_cases(where):
    """``where`` in disjunctive normal form: a list of lists of relationals."""
    if where is sp.true:
        return [[]]
    if where is sp.false:
        return []
    # conditions through monotone functions first (x**2 > 0 is x != 0: two cases below)
    where = where.xreplace({r: monotone_normal(r) for r in where.atoms(sp.core.relational.Relational)})
    if where in (sp.true, sp.false):
        return [[]] if where is sp.true else []
    dnf = sp.to_dnf(where, simplify=False)
    terms = dnf.args if isinstance(dnf, sp.Or) else (dnf,)
    cases = []
    for term in terms:
        parts = term.args if isinstance(term, sp.And) else (term,)
        case = []
        choices = []
        for p in parts:
            if isinstance(p, sp.Not):
                p = p.args[0].negated if hasattr(p.args[0], "negated") else p
            # a != b is the union of a < b and a > b: two cases
            choices.append((sp.Lt(p.lhs, p.rhs), sp.Gt(p.lhs, p.rhs)) if isinstance(p, sp.Ne) else (p,))
        cases.extend(list(c) for c in itertools.product(*choices))
    # a closed bound a <= c is split into a < c and a = c, so that a coefficient
    # (c - a) built from it is positive or zero rather than merely nonnegative
    split = []
    for case in cases:
        options = []
        for rel in case:
            if isinstance(rel, (sp.Le, sp.Ge)) and rel.free_symbols and len(options) < 4:
                strict = sp.Lt(rel.lhs, rel.rhs) if isinstance(rel, sp.Le) else sp.Gt(rel.lhs, rel.rhs)
                options.append((strict, sp.Eq(rel.lhs, rel.rhs)))
            else:
                options.append((rel,))
        split.extend(list(choice) for choice in itertools.product(*options))
    return split


def _resolve(expr, truth: dict):
    """Substitute truth values for relational atoms and collapse the Piecewise."""
    if not truth:
        return expr
    return expr.xreplace({a: (sp.true if v else sp.false) for a, v in truth.items()})


class RegionError(Exception):
    """The case split could not be carried out (too many atoms, undetermined region)."""


def regions(expr, where=sp.true):
    """Yield ``(branch, constraints, chain)`` for every nonempty region of the case split.

    ``branch`` is ``expr`` with the Piecewise conditions resolved for the region,
    ``constraints`` the conjunction describing it, ``chain`` the substitutions
    (see :func:`region_substitution`) that realise it with sign-restricted symbols.
    """
    atoms = relational_atoms(expr)
    if len(atoms) > _MAX_ATOMS:
        raise RegionError(f"too many case atoms ({len(atoms)})")
    symbols = sorted(expr.free_symbols | where.free_symbols, key=str)
    for case in _where_cases(where):
        for values in itertools.product((True, False), repeat=len(atoms)):
            truth = dict(zip(atoms, values))
            constraints = [a if v else a.negated for a, v in truth.items()] + list(case)
            branch = _resolve(expr, truth)
            try:
                chain = region_substitution(constraints, symbols)
            except _Unknown as err:
                # a closed bound gives a merely nonnegative coefficient: split a <= b
                # into a < b and a = b and try the pieces
                pieces = []
                for part in split_closed(constraints):
                    try:
                        pieces.append((part, region_substitution(part, symbols)))
                    except _Unknown:
                        raise RegionError(f"region not determined: {err}") from None
                for part, sub in pieces:
                    if sub is not None:
                        yield branch, part, sub
                continue
            if chain is None:
                continue
            yield branch, constraints, chain


def split_closed(constraints) -> list:
    """Every combination of a <= b as a < b or a = b (non-strict constraints only)."""
    options = []
    for rel in constraints:
        if isinstance(rel, (sp.Le, sp.Ge)):
            strict = sp.Lt(rel.lhs, rel.rhs) if isinstance(rel, sp.Le) else sp.Gt(rel.lhs, rel.rhs)
            options.append((strict, sp.Eq(rel.lhs, rel.rhs)))
        else:
            options.append((rel,))
    return [list(c) for c in itertools.product(*options)]


def apply_chain(expr, chain):
    """``expr`` with the region's substitutions applied in order."""
    for entry in chain:
        if len(entry) == 2:
            expr = expr.subs(*entry)
    if expr.has(sp.Piecewise):
        expr = sp.piecewise_fold(expr)
    return expr


def _prove_by_cases(diff, where):
    """Every region of the case split must reduce to 0; the strategies used, or None."""
    used = set()
    count = 0
    try:
        for branch, constraints, chain in regions(diff, where):
            count += 1
            d = apply_chain(branch, chain)
            how = None if d.has(sp.Piecewise) else is_zero(d)
            if how is None and not d.free_symbols and all(
                    not sp.sympify(e[1]).free_symbols for e in chain if len(e) == 2) and \
                    {e[0] for e in chain if len(e) == 2} >= (diff.free_symbols | where.free_symbols):
                # a region that is a single point: its value decides
                from symact.proof.numeric import certify
                value = certify(d, {})
                if value is not None:
                    point = {str(e[0]): str(e[1]) for e in chain if len(e) == 2}
                    return "disproved", (point, sp.Float(value, 15))
            if how is None:
                region = " and ".join(str(c) for c in constraints) or "all reals"
                return None, f"could not reduce the difference to 0 on {region}"
            used.add(how)
    except RegionError as err:
        return None, str(err)
    return sorted(used), f"{count} region(s)"


def prove_equal(lhs, rhs, *, where=sp.true) -> Result:
    """Decide ``lhs == rhs`` for all real values of the free symbols with ``where`` true."""
    start = time.perf_counter()
    lhs, rhs, where = sp.sympify(lhs), sp.sympify(rhs), sp.sympify(where)
    (lhs, rhs), where = _realify([lhs, rhs], where)

    def done(status, strategy, detail="", counterexample=None):
        return Result(Status(status), strategy, detail, counterexample,
                      time.perf_counter() - start)

    try:
        lhs, rhs = prepare(lhs), prepare(rhs)
    except (TypeError, ValueError) as err:
        return done("UNDECIDED", "prepare", f"could not normalise: {err}")
    if where is sp.false:
        return done("PROVED", "vacuous", "the condition is never true")
    infinities = (sp.oo, sp.S.NegativeInfinity, sp.zoo, sp.nan)
    if lhs in infinities or rhs in infinities:
        if lhs == rhs and lhs is not sp.nan:
            return done("PROVED", "syntactic", f"both sides are {lhs}")
        if lhs in infinities and rhs in infinities:
            return done("DISPROVED", "syntactic", f"{lhs} != {rhs}", {})
        finite = rhs if lhs in infinities else lhs
        if not finite.has(sp.oo, sp.S.NegativeInfinity, sp.zoo, sp.nan) and finite.is_finite is not False:
            if finite.is_extended_real or not finite.free_symbols:
                return done("DISPROVED", "infinity", f"one side is {lhs if lhs in infinities else rhs}, "
                            f"the other finite ({finite})", {})
        return done("UNDECIDED", "infinity", "infinite value compared with an expression")
    diff = lhs - rhs
    if diff == 0:
        return done("PROVED", "syntactic")
    ce = find_counterexample(lhs, rhs, where)
    if ce is not None:
        point, value = ce
        return done("DISPROVED", "counterexample",
                    f"lhs - rhs = {value} at {point} (certified by evalf(strict) at 30 digits)",
                    point)
    try:
        used, detail = _prove_by_cases(diff, where)
    except (RecursionError, sp.PolynomialError, TypeError, ValueError, NotImplementedError) as err:
        return done("UNDECIDED", "cases", f"symbolic step failed: {type(err).__name__}: {err}")
    if used == "disproved":
        point, value = detail
        return done("DISPROVED", "cases:point-region",
                    f"lhs - rhs = {value} at {point} (a one-point region of the case split;"
                    f" certified by evalf(strict) at 30 digits)", point)
    if used is not None:
        return done("PROVED", "cases:" + "+".join(used) if len(used) else "cases:empty", detail)
    return done("UNDECIDED", "cases", detail + "; no counterexample found either")
