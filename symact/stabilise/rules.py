"""The basic rewrite library: numerically better forms, as data.

Each :class:`~symact.stabilise.rule.Rule` below replaces one unstable shape by
stable primitives (:mod:`symact.stabilise.primitives`); the stabiliser proves every
application equal to what it replaces, so the rules themselves only need to be
*useful*.  References: docs/numerics.md (pitfall numbers in brackets) and
``sympy.codegen.rewriting`` (``optims_c99``), the model for a library as data.

The library runs in :data:`STAGES`, each a full bottom-up pass:

1. ``ALGEBRAIC``: exact algebra that removes cancellation before anything is
   lowered (``x*sign(x) -> |x|``, common denominators of algebraic sums, affine
   terms in root form);
2. ``STABLE``: transcendental shapes to stable primitives (softplus, sigmoid,
   expm1, log1p, erfc, sech^2, sqrt(u^2 + c));
3. ``LOWER``: branch forms and scaled products that depend on the earlier
   stages having named the primitives (``u + sqrt(u^2 + c)`` split by sign,
   ``a*sigmoid(u) -> mul_sigmoid(a, u)``, ``1/u^2 -> inv_sq(u)``);
4. ``EXACT``: rounded arguments of exp-like functions carried as hi + lo
   (:mod:`symact.stabilise.rules_exact`).
"""

from __future__ import annotations

import sympy as sp

from symact.stabilise import primitives as P
from symact.stabilise import rules_cancel, rules_exact, rules_range
from symact.define.model import X
from symact.stabilise.rule import Rule

x = X


# --- helpers: shapes ------------------------------------------------------------------

def _exp_arg(e):
    """``v`` when ``e`` is ``exp(v)``, else ``None``."""
    return e.args[0] if isinstance(e, sp.exp) else None


def _one_plus_exp(e):
    """``v`` when ``e`` is ``1 + exp(v)``, else ``None``."""
    if isinstance(e, sp.Add) and len(e.args) == 2 and sp.S.One in e.args:
        other = e.args[0] if e.args[1] == 1 else e.args[1]
        return _exp_arg(other)
    return None


def _is_const(e) -> bool:
    return not e.has(x)


def _split_coeff(term):
    """``(c, rest)`` with ``term = c*rest`` and ``c`` a number."""
    return term.as_coeff_Mul()


def _replace_terms(add, drop, extra):
    """``add`` without the terms in ``drop`` (by position), plus ``extra``."""
    keep = [t for i, t in enumerate(add.args) if i not in drop]
    return sp.Add(*keep, extra)


def _pair_in_add(add, first, second):
    """Find terms i, j of ``add`` with ``first(t_i) -> key`` and ``second(t_j, key) -> new``.

    Returns the rewritten sum or ``None``.
    """
    if not isinstance(add, sp.Add):
        return None
    for i, ti in enumerate(add.args):
        key = first(ti)
        if key is None:
            continue
        for j, tj in enumerate(add.args):
            if j == i:
                continue
            new = second(tj, key)
            if new is not None:
                return _replace_terms(add, {i, j}, new)
    return None


def _factors(mul):
    return list(mul.args) if isinstance(mul, sp.Mul) else [mul]


# --- stage 1: algebra -------------------------------------------------------------------

def _abs_sign(node):
    if not isinstance(node, sp.Mul):
        return None
    fs = _factors(node)
    for i, f in enumerate(fs):
        if isinstance(f, sp.sign):
            u = f.args[0]
            for j, g in enumerate(fs):
                if j != i and g == u:
                    rest = [h for k, h in enumerate(fs) if k not in (i, j)]
                    return sp.Mul(*rest, sp.Abs(u))
    return None


_TRANSCENDENTAL = (sp.exp, sp.log, sp.tanh, sp.erf, sp.erfc, P.Primitive)


def _cancel_fractions(node):
    if not isinstance(node, sp.Add) or node.has(*_TRANSCENDENTAL) or node.has(sp.Piecewise):
        return None
    if not any(t.is_Mul and any(f.is_Pow and f.exp.is_negative for f in t.args) for t in node.args):
        return None
    new = sp.factor(sp.together(node))
    if sp.count_ops(new) < sp.count_ops(node):
        return new
    # A common denominator that turns a sum of fractions into one is kept even at
    # equal cost when it makes a cancellation visible (e.g. (x + sqrt(x^2 + b))/(2 s)).
    # Only on the side where the sum cancels: u + sqrt(u^2 + c) for u < 0 (and the
    # mirror); elsewhere the sum of fractions is kept (its terms have one sign and
    # the common numerator could overflow).
    together = sp.together(node)
    num, _ = sp.fraction(together)
    shape = _sqrt_plus_shape(num)
    if shape is not None:
        _, u, _, sign = shape
        safe = u >= 0 if sign > 0 else u < 0
        return sp.Piecewise((node, safe), (together, True))
    return None


def _affine_root_form(node):
    """``a*u + c -> a*(u + c/a)``: exact near the root u = -c/a when c/a is dyadic."""
    if not isinstance(node, sp.Add) or len(node.args) != 2:
        return None
    c, term = node.args if node.args[0].is_Number else node.args[::-1]
    if not c.is_Rational or c == 0:
        return None
    a, u = _split_coeff(term)
    if not a.is_Rational or a in (0, 1) or _is_const(u) or u.is_Add:
        return None
    shift = c / a
    if not shift.is_Rational or shift.q & (shift.q - 1):  # denominator not a power of two
        return None
    return sp.Mul(a, sp.Add(u, shift), evaluate=False)


# --- stage 2: stable primitives ---------------------------------------------------------------

def _log1pexp(node):
    if isinstance(node, sp.log):
        v = _one_plus_exp(node.args[0])
        if v is not None:
            return P.softplus(v)
    return None


def _sigmoid_recip(node):
    """``(1 + exp(v))**(-k) -> sigmoid(-v)**k``."""
    if isinstance(node, sp.Pow) and node.exp.is_Integer and node.exp < 0:
        v = _one_plus_exp(node.base)
        if v is not None:
            return P.sigmoid(-v) ** (-node.exp)
    return None


def _sigmoid_power(f):
    """``(v, k)`` when ``f`` is ``sigmoid(v)**k``."""
    if isinstance(f, P.sigmoid):
        return f.args[0], 1
    if isinstance(f, sp.Pow) and isinstance(f.base, P.sigmoid) and f.exp.is_Integer and f.exp > 0:
        return f.base.args[0], int(f.exp)
    return None


def _exp_times_sigmoid(node):
    """``exp(-v)*sigmoid(v) -> sigmoid(-v)``; ``exp(-v)*sigmoid(v)**2 -> dsigmoid(v)``."""
    if not isinstance(node, sp.Mul):
        return None
    fs = _factors(node)
    for i, f in enumerate(fs):
        w = _exp_arg(f)
        if w is None:
            continue
        for j, g in enumerate(fs):
            sp_k = _sigmoid_power(g) if j != i else None
            if sp_k is None:
                continue
            v, k = sp_k
            if sp.expand(w + v) != 0 or k > 2:
                continue
            rest = [h for m, h in enumerate(fs) if m not in (i, j)]
            new = P.sigmoid(-v) if k == 1 else P.dsigmoid(v)
            return sp.Mul(*rest, new)
    return None


def _sigmoid_pair(node):
    """``sigmoid(u)*sigmoid(-u) -> dsigmoid(u)``."""
    if not isinstance(node, sp.Mul):
        return None
    fs = _factors(node)
    for i, f in enumerate(fs):
        if not isinstance(f, P.sigmoid):
            continue
        for j, g in enumerate(fs):
            if j != i and isinstance(g, P.sigmoid) and sp.expand(f.args[0] + g.args[0]) == 0:
                rest = [h for m, h in enumerate(fs) if m not in (i, j)]
                return sp.Mul(*rest, P.dsigmoid(f.args[0]))
    return None


def _one_minus_sigmoid(node):
    def first(t):
        c, rest = _split_coeff(t)
        return (c, rest.args[0]) if isinstance(rest, P.sigmoid) else None

    def second(t, key):
        c, u = key  # c*sigmoid(u) - c = -c*(1 - sigmoid(u))
        return -c * P.sigmoid(-u) if t == -c else None

    return _pair_in_add(node, first, second)


def _log_of_sigmoid(node):
    if isinstance(node, sp.log) and isinstance(node.args[0], P.sigmoid):
        return P.log_sigmoid(node.args[0].args[0])
    return None


def _expm1(node):
    """``c*exp(u) - c -> c*expm1(u)``."""
    def first(t):
        c, rest = _split_coeff(t)
        u = _exp_arg(rest)
        return (c, u) if u is not None else None

    def second(t, key):
        c, u = key
        return c * P.expm1(u) if t == -c else None

    return _pair_in_add(node, first, second)


def _log1p(node):
    if isinstance(node, sp.log) and isinstance(node.args[0], sp.Add):
        arg = node.args[0]
        if sp.S.One in arg.args and _one_plus_exp(arg) is None:
            u = arg - 1
            if not _is_const(u):
                return P.log1p(u)
    return None


def _erfc(node):
    """``c + c*erf(u) -> c*erfc(-u)``; ``c - c*erf(u) -> c*erfc(u)``."""
    def first(t):
        c, rest = _split_coeff(t)
        return (c, rest.args[0]) if isinstance(rest, sp.erf) else None

    def second(t, key):
        c, u = key
        # evaluate=False: SymPy would turn erfc(-u) back into 2 - erfc(u)
        if t == c:
            return c * sp.erfc(-u, evaluate=False)
        if t == -c:
            return -c * sp.erfc(u, evaluate=False)
        return None

    return _pair_in_add(node, first, second)


def _tanh_sigmoid(node):
    """``c + c*tanh(u) -> 2c*sigmoid(2u)``; ``c - c*tanh(u) -> 2c*sigmoid(-2u)``."""
    def first(t):
        c, rest = _split_coeff(t)
        return (c, rest.args[0]) if isinstance(rest, sp.tanh) else None

    def second(t, key):
        c, u = key
        if t == c:
            return 2 * c * P.sigmoid(2 * u)
        if t == -c:
            return -2 * c * P.sigmoid(-2 * u)
        return None

    return _pair_in_add(node, first, second)


def _sech2(node):
    """``c - c*tanh(u)**2 -> c*sech2(u)``."""
    def first(t):
        c, rest = _split_coeff(t)
        if isinstance(rest, sp.Pow) and rest.exp == 2 and isinstance(rest.base, sp.tanh):
            return c, rest.base.args[0]
        return None

    def second(t, key):
        c, u = key
        return -c * P.sech2(u) if t == -c else None

    return _pair_in_add(node, first, second)


def _sqrt_sq_plus(node):
    """``sqrt(u**2 + c)**k -> sqrt_sq_plus(u, c)**k`` for k = +-1 (c free of x)."""
    if isinstance(node, sp.Pow) and abs(node.exp) == sp.S.Half and isinstance(node.base, sp.Add):
        c, rest = node.base.as_independent(x, as_Add=True)
        if c != 0 and isinstance(rest, sp.Pow) and rest.exp == 2:
            return P.sqrt_sq_plus(rest.base, c) ** (2 * node.exp)
    return None


# --- stage 3: branch forms and scaled products ---------------------------------------------

def _sqrt_plus_shape(add):
    """``(k, u, c, sign)`` when ``add`` is ``k*u + k*S`` (sign +1) or ``k*S - k*u`` (sign -1),
    S = sqrt_sq_plus(u, c) or sqrt(u**2 + c)."""
    if not isinstance(add, sp.Add) or len(add.args) != 2:
        return None
    for s_term, u_term in (add.args, add.args[::-1]):
        k, s = _split_coeff(s_term)
        if isinstance(s, P.sqrt_sq_plus):
            u, c = s.args
        elif isinstance(s, sp.Pow) and s.exp == sp.S.Half and isinstance(s.base, sp.Add):
            c, rest = s.base.as_independent(x, as_Add=True)
            if not (isinstance(rest, sp.Pow) and rest.exp == 2):
                continue
            u = rest.base
        else:
            continue
        if sp.expand(u_term - k * u) == 0:
            return k, u, c, 1
        if sp.expand(u_term + k * u) == 0:
            return k, u, c, -1
    return None


def _sqrt_plus(node):
    """``u + sqrt(u^2 + c)``: as written for u >= 0, ``c/(sqrt(u^2 + c) - u)`` for u < 0;
    ``sqrt(u^2 + c) - u`` mirrored.  Both branches then add numbers of one sign [10]."""
    shape = _sqrt_plus_shape(node)
    if shape is None:
        return None
    k, u, c, sign = shape
    s = P.sqrt_sq_plus(u, c)
    # halves in the denominator: s - u overflows for u near -max where c/(s - u) is finite
    half = sp.Rational(1, 2)
    if sign > 0:
        return k * sp.Piecewise((u + s, u >= 0), (c * half / (s * half - u * half), True))
    return k * sp.Piecewise((c * half / (s * half + u * half), u >= 0), (s - u, True))


def _scaled_product(kind, cls, parameters=False):
    """``a*kind(u) -> cls(a, u)`` for a factor ``a`` depending on x (or, with
    ``parameters``, on a parameter: 1/beta^2 may be large)."""
    def rewrite(node):
        if not isinstance(node, sp.Mul):
            return None
        fs = _factors(node)
        for i, f in enumerate(fs):
            if isinstance(f, kind):
                rest = sp.Mul(*[h for m, h in enumerate(fs) if m != i])
                if not (rest.free_symbols if parameters else rest.has(x)):
                    return None
                return cls(rest, *f.args)
        return None
    return rewrite


def _tanh_softplus_product(node):
    if not isinstance(node, sp.Mul):
        return None
    fs = _factors(node)
    for i, f in enumerate(fs):
        if isinstance(f, sp.tanh) and isinstance(f.args[0], P.softplus):
            rest = sp.Mul(*[h for m, h in enumerate(fs) if m != i])
            if not _is_const(rest):
                return P.mul_tanh_softplus(rest, f.args[0].args[0])
    return None


def _tanh_softplus_terms(node):
    """``c*tanh(softplus(u)) -> mul_tanh_softplus(c, u)`` for a term of a sum whose factor
    c is free of x (those with a factor in x are ``_tanh_softplus_product``'s, which has
    seen them first, bottom-up): one exponential and a quotient rounded once instead of
    softplus's exp and log1p and then tanh's exponential (mish')."""
    if not isinstance(node, sp.Add):
        return None
    terms, changed = [], False
    for t in node.args:
        c, rest = t.as_independent(x, as_Add=False)
        if isinstance(rest, sp.tanh) and isinstance(rest.args[0], P.softplus):
            terms.append(P.mul_tanh_softplus(c, rest.args[0].args[0]))
            changed = True
        else:
            terms.append(t)
    return sp.Add(*terms) if changed else None


def _sech2_softplus(node):
    """``sech2(softplus(u)) -> sech2_softplus(u)`` [9]."""
    if isinstance(node, P.sech2) and isinstance(node.args[0], P.softplus):
        return P.sech2_softplus(node.args[0].args[0])
    return None


def _softplus_scaled(node):
    """``softplus(c*u)/c -> u + softplus(-c*u)/c`` where c*u > 0: no overflow of c*u [1]."""
    if not isinstance(node, sp.Mul):
        return None
    fs = _factors(node)
    for i, f in enumerate(fs):
        if not isinstance(f, P.softplus):
            continue
        rest = sp.Mul(*[h for m, h in enumerate(fs) if m != i])
        if not (rest.is_Pow and rest.exp == -1 and rest.base.is_Symbol):
            continue
        c, v = rest.base, f.args[0]
        u = sp.cancel(v / c)
        if u.has(c) or _is_const(u):
            continue
        return sp.Piecewise((u + P.softplus(-v) / c, v > 0), (P.softplus(v) / c, True))
    return None


def _expm1_sub_uexp(node):
    """``c*expm1(u) - c*u*exp(u) -> c*expm1_sub_uexp(u)``: the two cancel near u = 0."""
    def first(t):
        c, rest = _split_coeff(t)
        return (c, rest.args[0]) if isinstance(rest, P.expm1) else None

    def second(t, key):
        c, u = key
        if sp.expand(t + c * u * sp.exp(u)) == 0:
            return c * P.expm1_sub_uexp(u)
        return None

    return _pair_in_add(node, first, second)


def _inv_sq(node):
    if isinstance(node, sp.Pow) and node.exp == -2 and not _is_const(node.base):
        return P.inv_sq(node.base)
    return None


# --- the library ------------------------------------------------------------------------------

ALGEBRAIC = [
    Rule("abs_sign", "u*sign(u) -> |u| (exact; lets the sum below cancel symbolically)",
         _abs_sign, example=(x * sp.sign(x), sp.Abs(x))),
    Rule("cancel_fractions",
         "a sum of algebraic fractions over one denominator, when that removes terms "
         "(softsign': 1/(1+|x|) - |x|/(1+|x|)^2 -> 1/(1+|x|)^2, no cancellation) [11]",
         _cancel_fractions,
         example=(1 / (1 + sp.Abs(x)) - sp.Abs(x) / (1 + sp.Abs(x)) ** 2, (1 + sp.Abs(x)) ** -2),
         bad_at=1e8),
    Rule("affine_root_form",
         "a*u + c -> a*(u + c/a) with c/a dyadic: u + c/a is exact near the root u = -c/a "
         "(Sterbenz), so one rounding remains (hardsigmoid x/6 + 1/2 -> (x + 3)/6)",
         _affine_root_form, example=(x / 6 + sp.Rational(1, 2), (x + 3) / 6),
         bad_at=-3.0000000000000004),
]

STABLE = [
    Rule("log1pexp", "log(1 + exp(u)) -> softplus(u) = max(u,0) + log1p(exp(-|u|)) [1]",
         _log1pexp, example=(sp.log(1 + sp.exp(x)), P.softplus(x)), bad_at=800.0),
    Rule("sigmoid_recip", "(1 + exp(v))^-k -> sigmoid(-v)^k, evaluated by the sign of v [2]",
         _sigmoid_recip, example=(1 / (1 + sp.exp(-x)), P.sigmoid(x)), bad_at=-720.0),
    Rule("exp_times_sigmoid",
         "exp(-v)*sigmoid(v) -> sigmoid(-v); exp(-v)*sigmoid(v)^2 -> sigmoid(v)*sigmoid(-v) [2]",
         _exp_times_sigmoid, example=(sp.exp(x) * P.sigmoid(-x), P.sigmoid(x)), bad_at=800.0),
    Rule("sigmoid_pair", "sigmoid(u)*sigmoid(-u) -> dsigmoid(u) (one exp, no cancellation) [2]",
         _sigmoid_pair, example=(P.sigmoid(x) * P.sigmoid(-x), P.dsigmoid(x))),
    Rule("one_minus_sigmoid", "1 - sigmoid(u) -> sigmoid(-u): 0 for u > 36.7 otherwise [2]",
         _one_minus_sigmoid, example=(1 - P.sigmoid(x), P.sigmoid(-x)), bad_at=40.0),
    Rule("log_of_sigmoid", "log(sigmoid(u)) -> log_sigmoid(u) = min(u,0) - log1p(exp(-|u|)) [3]",
         _log_of_sigmoid, example=(sp.log(P.sigmoid(x)), P.log_sigmoid(x)), bad_at=-800.0),
    Rule("expm1", "c*exp(u) - c -> c*expm1(u): no cancellation near u = 0 [4]",
         _expm1, example=(sp.exp(x) - 1, P.expm1(x)), bad_at=1e-10),
    Rule("log1p", "log(1 + u) -> log1p(u): no cancellation near u = 0",
         _log1p, example=(sp.log(1 + x), P.log1p(x)), bad_at=1e-10),
    Rule("erfc", "c + c*erf(u) -> c*erfc(-u); c - c*erf(u) -> c*erfc(u): no cancellation "
         "in the tail where erf(u) -> -1 [5]",
         _erfc, example=(1 + sp.erf(x), sp.erfc(-x)), bad_at=-6.0),
    Rule("tanh_sigmoid", "c + c*tanh(u) -> 2c*sigmoid(2u): no cancellation where tanh(u) -> -1 [6]",
         _tanh_sigmoid, example=(1 + sp.tanh(x), 2 * P.sigmoid(2 * x)), bad_at=-20.0),
    Rule("sech2", "c - c*tanh(u)^2 -> c*sech2(u), sech2(u) = 4e/(1+e)^2, e = exp(-2|u|) [9]",
         _sech2, example=(1 - sp.tanh(x) ** 2, P.sech2(x)), bad_at=20.0),
    Rule("sqrt_sq_plus", "sqrt(u^2 + c) -> sqrt_sq_plus(u, c): no overflow of u^2 [10]",
         _sqrt_sq_plus, example=(sp.sqrt(x ** 2 + 4), P.sqrt_sq_plus(x, 4)), bad_at=1e200),
]

LOWER = [
    Rule("sqrt_plus", "u + sqrt(u^2 + c) -> c/(sqrt(u^2 + c) - u) for u < 0 (and mirrored): "
         "both branches add numbers of one sign [10]",
         _sqrt_plus,
         example=(x + P.sqrt_sq_plus(x, 4),
                  sp.Piecewise((x + P.sqrt_sq_plus(x, 4), x >= 0),
                               (2 / (P.sqrt_sq_plus(x, 4) / 2 - x / 2), True))),
         bad_at=-1e9),
    Rule("mul_sigmoid", "a*sigmoid(u) -> mul_sigmoid(a, u): scaled where sigmoid(u) is subnormal [7]",
         _scaled_product(P.sigmoid, P.mul_sigmoid),
         example=(x * P.sigmoid(x), P.mul_sigmoid(x, x)), bad_at=-740.0),
    Rule("mul_dsigmoid", "a*dsigmoid(u) -> mul_dsigmoid(a, u): scaled in the subnormal tail [7]",
         _scaled_product(P.dsigmoid, P.mul_dsigmoid),
         example=(x * P.dsigmoid(x), P.mul_dsigmoid(x, x)), bad_at=-740.0),
    Rule("mul_tanh_softplus",
         "a*tanh(softplus(u)) -> mul_tanh_softplus(a, u): scaled in the subnormal tail [8]",
         _tanh_softplus_product,
         example=(x * sp.tanh(P.softplus(x)), P.mul_tanh_softplus(x, x)), bad_at=-740.0),
    Rule("tanh_softplus_terms",
         "c*tanh(softplus(u)) -> mul_tanh_softplus(c, u) for c free of x: one exponential, "
         "one rounding [8]",
         _tanh_softplus_terms,
         example=(sp.tanh(P.softplus(x)) + x, P.mul_tanh_softplus(1, x) + x)),
    Rule("sech2_softplus",
         "sech2(softplus(u)) -> sech2_softplus(u) = 4(1 + e)^2/(e^2 + 2e + 2)^2, e = exp(u): "
         "the sech^2 of a rounded softplus amplifies its rounding by 2 softplus(u) [9]",
         _sech2_softplus,
         example=(P.sech2(P.softplus(x)), P.sech2_softplus(x)), bad_at=33.3125),
    Rule("softplus_scaled",
         "softplus(c*u)/c -> u + softplus(-c*u)/c where c*u > 0: c*u may overflow where the "
         "result (about u) is finite, e.g. beta = 64, x = 1e307 [1]",
         _softplus_scaled,
         example=(P.softplus(sp.Symbol("beta", real=True) * x) / sp.Symbol("beta", real=True),
                  sp.Piecewise((x + P.softplus(-sp.Symbol("beta", real=True) * x) / sp.Symbol("beta", real=True),
                                sp.Symbol("beta", real=True) * x > 0),
                               (P.softplus(sp.Symbol("beta", real=True) * x) / sp.Symbol("beta", real=True), True)),
                  sp.Symbol("beta", real=True) > 0)),
    Rule("mul_softplus",
         "a*softplus(u) -> mul_softplus(a, u): scaled where softplus(u) = exp(u) is subnormal "
         "(softplus d/dbeta, beta = 0.01171875: softplus(bx)/b^2 rounded after the underflow is "
         "3640 ULP off at x = -63585) [1]",
         _scaled_product(P.softplus, P.mul_softplus, parameters=True),
         example=(P.softplus(x) / sp.Symbol("beta", real=True) ** 2,
                  P.mul_softplus(sp.Symbol("beta", real=True) ** -2, x)),
         bad_at=None),
    Rule("expm1_sub_uexp",
         "expm1(u) - u*exp(u) -> expm1_sub_uexp(u) = -exp(u)*sum_{k>=2} (-u)^k/k! for -2 <= u <= 0: "
         "the terms cancel to -u^2/2 near 0 (CELU d/dalpha)",
         _expm1_sub_uexp, example=(P.expm1(x) - x * sp.exp(x), P.expm1_sub_uexp(x)), bad_at=-1e-9),
    Rule("inv_sq", "u^-2 -> inv_sq(u) = (1/u)*(1/u): u^2 overflows where 1/u^2 is finite [11]",
         _inv_sq, example=(1 / (1 + sp.Abs(x)) ** 2, P.inv_sq(1 + sp.Abs(x))), bad_at=1e160),
]

#: Last (:mod:`symact.stabilise.rules_exact`), so that the shapes the earlier stages
#: match (``expm1(u) - u*exp(u)``) see the arguments and the exponentials as they are.
EXACT = rules_exact.EXACT + [
    Rule("mul_exp", "a*exp(u) -> mul_exp(a, u): scaled where exp(u) is subnormal, and no "
         "inf*0 where a overflows as exp(u) underflows (x*exp(-x^2/2): 26 ULP at x = -37.8; "
         "d/dx x*erf(x) nan at x = -max)",
         _scaled_product(sp.exp, P.mul_exp, parameters=True),
         example=(x * sp.exp(x), P.mul_exp(x, x)), bad_at=-740.0),
]

#: Overflow of intermediates and sums that cancel (:mod:`symact.stabilise.rules_range`,
#: :mod:`symact.stabilise.rules_cancel`): after the primitives are named; the exponentials
#: merged and divided through first (the shapes the other rules look for appear then).
STABLE = rules_range.RANGE + STABLE + rules_cancel.CANCEL

#: The passes of the stabiliser, in order.
STAGES = (("algebraic", ALGEBRAIC), ("stable", STABLE), ("lower", LOWER), ("exact", EXACT))

#: Every rule of the basic library.
RULES = [r for _, stage in STAGES for r in stage]
