"""Sums whose terms cancel, rewritten by rules that generalise over the shape.

- :func:`reflect`: softplus(v) = v + softplus(-v), sigmoid(v) = 1 - sigmoid(-v) and
  log_sigmoid(v) = v + log_sigmoid(-v) on the side where the primitive is large (v > 0,
  v < 0 for log_sigmoid).  In a sum of such terms (softplus d/dbeta =
  x*sigmoid(bx)/b - softplus(bx)/b^2, differences of softplus) the linear parts then
  cancel symbolically, and what remains adds numbers of one sign.
- :func:`log_of_sum`: log(S) (plus a constant) with S a sum of exponentials: for large
  |x| the dominant exponential taken out (a*x + log(c) + log1p(rest), no overflow);
  near 0, where the log vanishes (S(0) = 1: log((e^x + e^-x)/2), softplus(x) - log 2),
  log1p(S - 1) with S - 1 re-expanded in Taylor remainders E_k(a*x) = exp(a*x) -
  sum_{j<k} (a*x)^j/j!: the polynomial parts cancel symbolically to the order of the
  zero, and what remains has no cancellation (about x^k).
- :func:`sqrt_rationalise`: k*sqrt(A) - k*B -> k*(A - B^2)/(sqrt(A) + B) where A - B^2
  loses the leading terms (sqrt(x^2 + 1) - 1 -> x^2/(sqrt(x^2 + 1) + 1): 0 at 1e-300
  otherwise).
- :func:`softplus_difference`, :func:`sigmoid_difference`: differences of softplus or
  sigmoid at arguments a constant c apart, softplus(a) - softplus(b) =
  log1p(sigmoid(b)*expm1(c)) and sigmoid(a) - sigmoid(b) = -sigmoid(a)*sigmoid(-b)*
  expm1(-c): products of one sign, where the two terms (both about e^x for x -> -oo)
  cancel; :func:`sigmoid_half`: c*sigmoid(u) - c/2 = (c/2)*tanh(u/2), no cancellation
  at u = 0.
"""

from __future__ import annotations

import sympy as sp

from symact.define.model import X
from symact.stabilise import primitives as P
from symact.stabilise.rule import Rule

x = X

#: primitive -> (its value in terms of the reflected argument, the side where it is large)
_REFLECTIONS = {
    P.softplus: (lambda v: v + P.softplus(-v), 1),
    P.sigmoid: (lambda v: 1 - P.sigmoid(-v), 1),
    P.log_sigmoid: (lambda v: v + P.log_sigmoid(-v), -1),
}


def _reflectable(term):
    """The (primitive call, side) factors of ``term`` that reflection applies to."""
    out = []
    for f in sp.Mul.make_args(term):
        if type(f) in _REFLECTIONS and f.args[0].has(x):
            out.append((f, _REFLECTIONS[type(f)][1]))
    return out


def _without(expr, calls) -> sp.Expr:
    """The terms of a sum that contain none of ``calls``."""
    return sp.Add(*[t for t in sp.Add.make_args(expr) if not any(t.has(c) for c in calls)])


def reflect(node):
    """A sum with softplus/sigmoid/log_sigmoid terms, reflected on the side where every
    such argument is large, when the parts without primitives then cancel to a constant
    (0 for softplus d/dbeta); Piecewise((reflected, side), (node, True))."""
    if not isinstance(node, sp.Add):
        return None
    calls, sides = {}, {}
    for t in node.args:
        for f, side in _reflectable(t):
            v = f.args[0]
            if sides.setdefault(v, side) != side:
                return None
            calls[f] = _REFLECTIONS[type(f)][0](v)
    if not calls:
        return None
    reflected = sp.expand(node.xreplace(calls))
    mirrored = [type(f)(-f.args[0]) for f in calls]
    rest = _without(reflected, mirrored)
    if rest.has(x):
        return None
    cond = sp.And(*[(v > 0) if side > 0 else (v < 0) for v, side in sides.items()])
    return sp.Piecewise((reflected, cond), (node, True))


def _exp_terms(add):
    """``[(c, a)]`` for a sum of terms c*exp(a*x) and constants (a = 0), c and a numbers
    (softplus(v) read as log(1 + exp(v)) by the caller), or None."""
    from symact.stabilise.rules_range import _exp_terms as terms
    return terms(add)


#: Beyond |a*x| = DOMINANT the exponential of largest |a| is factored out of a sum.
DOMINANT = 40


def _remainders(terms, c0):
    """sum c_i exp(a_i x) + c0 (vanishing at 0) as sum c_i E_k(a_i x), k the order of the
    zero (the first k with sum c_i a_i^k != 0), or None."""
    for k in range(1, 5):
        if sp.simplify(sum(c * a ** k for c, a in terms)) != 0:
            return sp.Add(*[c * (P.exp_rem(a * x, k) if k > 1 else P.expm1(a * x)) for c, a in terms])
    return None


def _log_parts(node):
    """``(S, c)`` for node = log(S) + c (c a number, S a sum; softplus(v) = log(1 + exp(v))),
    else None."""
    c, rest = node.as_independent(x, as_Add=True) if isinstance(node, sp.Add) else (sp.S.Zero, node)
    if isinstance(rest, P.softplus):
        rest = sp.log(1 + sp.exp(rest.args[0]))
    if not isinstance(rest, sp.log) or not c.is_number:
        return None
    return rest.args[0], c


def log_of_sum(node):
    """log(S) + c for a sum of exponentials S: Piecewise of the dominant-term forms for
    |a x| > DOMINANT and, in between, log1p of the remainders where S*e^c = 1 at 0 (else
    log(S*e^c) as it is)."""
    parts = _log_parts(node)
    if parts is None:
        return None
    s, c = parts
    s = sp.expand(s * sp.exp(c))
    if node.has(P.softplus) and sp.simplify(s.subs(x, 0) - 1) != 0:
        return None  # softplus(v) + c with no zero at 0: softplus is stable as it is
    terms = _exp_terms(s)
    if terms is None or len(terms) < 2 or all(a == 0 for _, a in terms):
        return None
    if any(not (t.is_positive) for t, _ in terms):
        return None
    growing = [(cc, a) for cc, a in terms if a != 0]
    c0 = sum((cc for cc, a in terms if a == 0), sp.S.Zero)
    near = sp.log(s)
    if sp.simplify(s.subs(x, 0) - 1) == 0:
        rem = _remainders(growing, c0 - 1)
        if rem is None:
            return None
        near = P.log1p(rem)
    pieces = []
    for pick, side in ((max, 1), (min, -1)):
        cm, am = pick(terms, key=lambda t: t[1])
        if am * side <= 0:
            continue
        inner = sp.Add(*[(cc / cm) * sp.exp((a - am) * x) for cc, a in terms if (cc, a) != (cm, am)])
        pieces.append((am * x + sp.log(cm) + P.log1p(inner), am * x > DOMINANT))
    if not pieces and near == sp.log(s):
        return None
    return sp.Piecewise(*pieces, (near, True))


def _sqrt_terms(add):
    """``(k, r, A, others)`` for the first term k*r of a sum with r = sqrt(A) (or the
    primitives sqrt_sq_plus, sqrt_quad of A)."""
    for i, t in enumerate(add.args):
        k, r = t.as_coeff_Mul()
        if r.is_Pow and r.exp == sp.S.Half and r.base.has(x):
            a = r.base
        elif isinstance(r, P.sqrt_sq_plus):
            a = r.args[0] ** 2 + r.args[1]
        elif isinstance(r, P.sqrt_quad):
            a = r.args[0] * r.args[1] ** 2 + r.args[2]
        else:
            continue
        return k, r, a, [o for j, o in enumerate(add.args) if j != i]
    return None


def sqrt_rationalise(node):
    """k*sqrt(A) + R with R's constant part -k*B: k*(A - B^2)/(sqrt(A) + B) + (R + k*B), B > 0,
    when A - B^2 has fewer terms than A (its leading terms cancelled)."""
    if not isinstance(node, sp.Add):
        return None
    found = _sqrt_terms(node)
    if found is None:
        return None
    k, r, a, others = found
    const = sp.Add(*[t for t in others if not t.has(x)])
    b = -const / k
    if not (b.is_number and b.is_positive):
        return None
    diff = sp.expand(a - b ** 2)
    if len(sp.Add.make_args(diff)) >= len(sp.Add.make_args(sp.expand(a))):
        return None
    rest = sp.Add(*[t for t in others if t.has(x)])
    return k * diff / (r + b) + rest


def _pairs_of(add, kind):
    """``(i, j, a, b, k)``: terms k*kind(a) and -k*kind(b) of a sum with a - b free of x."""
    terms = list(add.args)
    for i, ti in enumerate(terms):
        ki, fi = ti.as_coeff_Mul()
        if not isinstance(fi, kind):
            continue
        for j, tj in enumerate(terms):
            kj, fj = tj.as_coeff_Mul()
            if j != i and isinstance(fj, kind) and kj == -ki and ki > 0:
                a, b = fi.args[0], fj.args[0]
                if a.has(x) and not sp.simplify(a - b).has(x):
                    return i, j, a, b, ki
    return None


def _replace_pair(add, i, j, new):
    return sp.Add(*[t for m, t in enumerate(add.args) if m not in (i, j)], new)


def _difference(kind, form):
    """``k*kind(a) - k*kind(b) -> k*form(a, b)`` for a - b free of x."""
    def rewrite(node):
        if not isinstance(node, sp.Add):
            return None
        found = _pairs_of(node, kind)
        if found is None:
            return None
        i, j, a, b, k = found
        return _replace_pair(node, i, j, k * form(a, b))
    return rewrite


#: softplus(a) - softplus(b) = log1p(sigmoid(b)*expm1(a - b))
softplus_difference = _difference(P.softplus, lambda a, b: P.log1p(P.sigmoid(b) * P.expm1(sp.simplify(a - b))))
#: sigmoid(a) - sigmoid(b) = -sigmoid(a)*sigmoid(-b)*expm1(b - a)
sigmoid_difference = _difference(P.sigmoid,
                                 lambda a, b: -P.sigmoid(a) * P.sigmoid(-b) * P.expm1(sp.simplify(b - a)))


def sigmoid_half(node):
    """``c*sigmoid(u) - c/2 -> (c/2)*tanh(u/2)``."""
    if not isinstance(node, sp.Add):
        return None
    for i, t in enumerate(node.args):
        c, f = t.as_coeff_Mul()
        if isinstance(f, P.sigmoid) and f.args[0].has(x):
            for j, d in enumerate(node.args):
                if j != i and d == -c / 2:
                    return _replace_pair(node, i, j, c / 2 * sp.tanh(f.args[0] / 2))
    return None


def sigmoid_dsigmoid(node):
    """``k*sigmoid(u) + c*u*dsigmoid(u) -> dsigmoid(u)*(k + c*u + k*exp(-|u|))`` for u < 0,
    with k > 0 and c > 0 constants (the derivative of u*sigmoid(u): silu', swish'):
    sigmoid(u) = dsigmoid(u)*(1 + exp(u)), and exp(u) <= 1 there.  The two terms have
    opposite signs for u < 0 and cancel, about 1 : |u| apart in size, everywhere there;
    in the new form k + c*u is exact near the root (Sterbenz), so the sum cancels only
    there, where exp(u) is about -(k + c*u)/k.  Only for u = b*x with b > 0 a number: the
    branch condition is then x < 0, in which the windows added after it (the root's) are
    proved; with a parameter, swish's beta*x < 0, the prover cannot place them (its sign
    is not known), and the kernel would have no window at its root."""
    if not isinstance(node, sp.Add):
        return None
    for i, ti in enumerate(node.args):
        k, f = ti.as_coeff_Mul()
        if not (isinstance(f, P.sigmoid) and k.is_positive and f.args[0].has(x)):
            continue
        u = f.args[0]
        b = sp.simplify(u / x)
        if not (b.is_number and b.is_positive):
            continue
        for j, tj in enumerate(node.args):
            ds = [g for g in sp.Mul.make_args(tj) if isinstance(g, P.dsigmoid) and g.args[0] == u]
            if j == i or len(ds) != 1:
                continue
            a = tj / ds[0]
            c = sp.simplify(a / u)
            if c.has(x) or not c.is_positive:
                continue
            # exp(-|u|), which is exp(u) there: the exponential the primitives evaluate,
            # so that a compiler evaluates one where both branches are (selects)
            new = P.dsigmoid(u) * (k + a + k * sp.exp(-sp.Abs(u)))
            return sp.Piecewise((_replace_pair(node, i, j, new), u < 0), (node, True))
    return None


_beta = sp.Symbol("beta", real=True)

CANCEL = [
    Rule("softplus_difference",
         "softplus(a) - softplus(b) -> log1p(sigmoid(b)*expm1(a - b)) for a - b free of x: the two "
         "are both about e^x for x -> -oo and cancel [1]",
         softplus_difference,
         example=(P.softplus(x) - P.softplus(x - sp.Rational(1, 1024)),
                  P.log1p(P.sigmoid(x - sp.Rational(1, 1024)) * P.expm1(sp.Rational(1, 1024)))), bad_at=0.5),
    Rule("sigmoid_difference",
         "sigmoid(a) - sigmoid(b) -> -sigmoid(a)*sigmoid(-b)*expm1(b - a) for b - a free of x: both "
         "about e^x for x -> -oo, both about 1 for x -> oo [2]",
         sigmoid_difference,
         example=(P.sigmoid(x + 1) - P.sigmoid(x),
                  -P.sigmoid(x + 1) * P.sigmoid(-x) * P.expm1(-1)), bad_at=40.0),
    Rule("sigmoid_dsigmoid",
         "k*sigmoid(u) + c*u*dsigmoid(u) -> dsigmoid(u)*(k + c*u + k*exp(u)) for u = b*x < 0 (k, c, b > 0): "
         "the terms cancel on the whole of u < 0 (silu' at x = -10: 1 : 10), the new sum only "
         "near its root, where k + c*u is exact [2]",
         sigmoid_dsigmoid,
         example=(P.sigmoid(x) + x * P.dsigmoid(x),
                  sp.Piecewise((P.dsigmoid(x) * (1 + x + sp.exp(-sp.Abs(x))), x < 0),
                               (P.sigmoid(x) + x * P.dsigmoid(x), True)))),
    Rule("sigmoid_half", "c*sigmoid(u) - c/2 -> (c/2)*tanh(u/2): no cancellation at u = 0 [2]",
         sigmoid_half, example=(2 * P.sigmoid(x) - 1, sp.tanh(x / 2)), bad_at=1e-20),
    Rule("reflect",
         "softplus(v) = v + softplus(-v), sigmoid(v) = 1 - sigmoid(-v) (v > 0) in a sum whose "
         "linear parts then cancel: softplus d/dbeta = x*sigmoid(bx)/b - softplus(bx)/b^2 -> "
         "-(x*sigmoid(-bx)/b + softplus(-bx)/b^2) for bx > 0 (the terms are both about x/b there "
         "and cancel completely) [1, 2]",
         reflect,
         example=(x * P.sigmoid(_beta * x) / _beta - P.softplus(_beta * x) / _beta ** 2,
                  sp.Piecewise((-x * P.sigmoid(-_beta * x) / _beta - P.softplus(-_beta * x) / _beta ** 2,
                                _beta * x > 0),
                               (x * P.sigmoid(_beta * x) / _beta - P.softplus(_beta * x) / _beta ** 2, True)),
                  _beta > 0)),
    Rule("log_of_sum",
         "log(sum of exponentials): the dominant exponential factored out for |a x| > 40 (no "
         "overflow), log1p of Taylor remainders near a zero at 0 (log((e^x + e^-x)/2) = "
         "log1p((E2(x) + E2(-x))/2): 0 for |x| < 1e-8 and inf for |x| > 710 otherwise)",
         log_of_sum,
         example=(sp.log(sp.exp(x) / 2 + sp.Rational(1, 2)),
                  sp.Piecewise((x - sp.log(2) + P.log1p(sp.exp(-x)), x > DOMINANT),
                               (P.log1p(P.expm1(x) / 2), True))),
         bad_at=1e-10),
    Rule("sqrt_rationalise",
         "k*sqrt(A) - k*B -> k*(A - B^2)/(sqrt(A) + B) where A - B^2 loses A's leading terms "
         "(sqrt(x^2 + 1) - 1 = x^2/(sqrt(x^2 + 1) + 1): no cancellation at 0) [10]",
         sqrt_rationalise,
         example=(sp.sqrt(x ** 2 + 1) - 1, x ** 2 / (sp.sqrt(x ** 2 + 1) + 1)), bad_at=1e-9),

]
