"""Stable primitives: the small vocabulary stable forms are written in.

Each primitive is a SymPy ``Function`` subclass with

- ``definition(*args)``: the same function in standard SymPy functions, used by the
  proof engine (every rewrite into primitives is proved equal after expansion)
  and by anyone who wants to evaluate it symbolically;
- ``impl``: the name of its implementation in the templates, one per backend and
  dtype (NumPy ``_<impl>(...)``; C ``symact__<impl>_f64(...)`` / ``_f32``).

Printers print any primitive generically from ``impl``; templates implement it
once per backend.  Register new primitives by subclassing :class:`Primitive`;
:func:`registry` lists them all.
"""

from __future__ import annotations

from typing import ClassVar

import sympy as sp


class Primitive(sp.Function):
    """Base class: a stable primitive with a definition and a template implementation."""

    impl: ClassVar[str] = ""
    #: One-line formula, for docs and generated comments.
    formula: ClassVar[str] = ""
    #: The argument a rounded value may be passed in as hi + lo (``dw``), by position
    #: (see :mod:`symact.stabilise.rules_exact`); None where none may.
    argument: ClassVar[int | None] = None

    @classmethod
    def definition(cls, *args) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def pair_form(cls, *args) -> sp.Expr:
        """The same function in the functions pairs implement (+, *, /, powers, exp, log,
        log1p, expm1, sqrt, tanh, Abs), free of overflow where the value is finite: what a
        double-word evaluation (``dw_eval``) computes.  The definition unless a class
        says otherwise; tests/test_stabilise.py proves each equal to the definition."""
        return cls.definition(*args)

    def expanded(self) -> sp.Expr:
        """This call with its definition substituted (arguments expanded too)."""
        return type(self).definition(*(expand(a) for a in self.args))

    def _eval_is_extended_real(self):
        return all(a.is_extended_real for a in self.args) or None

    def _eval_evalf(self, prec):
        return self.expanded()._eval_evalf(prec)

    def fdiff(self, argindex=1):
        u = sp.Dummy("u", real=True)
        args = list(self.args)
        args[argindex - 1] = u
        d = sp.diff(type(self).definition(*args), u)
        return d.subs(u, self.args[argindex - 1])


def expand(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every primitive replaced by its definition, recursively."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(lambda e: isinstance(e, Primitive), lambda e: e.expanded())


def registry() -> dict[str, type[Primitive]]:
    """All primitive classes defined so far, by implementation name."""
    out = {}
    stack = list(Primitive.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.impl:
            out[cls.impl] = cls
    return dict(sorted(out.items()))


def _exp_min_max(u):
    """(exp(min(u, 0)), exp(-max(u, 0))), written with |u|."""
    return sp.exp((u - sp.Abs(u)) / 2), sp.exp(-(u + sp.Abs(u)) / 2)


# --- the basic set (docs/numerics.md pitfall 1-4, 9) --------------------------------------

class softplus(Primitive):
    """softplus(u) = log(1 + exp(u)), evaluated as max(u, 0) + log1p(exp(-|u|))."""

    impl = "softplus"
    argument = -1
    formula = "log(1 + exp(u))"

    @classmethod
    def definition(cls, u):
        return sp.log(1 + sp.exp(u))

    @classmethod
    def pair_form(cls, u):
        return (u + sp.Abs(u)) / 2 + log1p(sp.exp(-sp.Abs(u)))


class sigmoid(Primitive):
    """sigmoid(u) = 1/(1 + exp(-u)), branch on the sign of u so exp never overflows."""

    impl = "sigmoid"
    argument = -1
    formula = "1/(1 + exp(-u))"

    @classmethod
    def definition(cls, u):
        return 1 / (1 + sp.exp(-u))

    @classmethod
    def pair_form(cls, u):
        # exp(min(u, 0))/(1 + exp(-|u|)): no log, the denominator shared with dsigmoid(u)
        return _exp_min_max(u)[0] / (1 + sp.exp(-sp.Abs(u)))


class log_sigmoid(Primitive):
    """log_sigmoid(u) = -log(1 + exp(-u)), evaluated as min(u, 0) - log1p(exp(-|u|))."""

    impl = "log_sigmoid"
    argument = -1
    formula = "-log(1 + exp(-u))"

    @classmethod
    def definition(cls, u):
        return -sp.log(1 + sp.exp(-u))

    @classmethod
    def pair_form(cls, u):
        return (u - sp.Abs(u)) / 2 - log1p(sp.exp(-sp.Abs(u)))


class expm1(Primitive):
    """expm1(u) = exp(u) - 1 without cancellation near 0."""

    impl = "expm1"
    argument = -1
    formula = "exp(u) - 1"

    @classmethod
    def definition(cls, u):
        return sp.exp(u) - 1


class log1p(Primitive):
    """log1p(u) = log(1 + u) without cancellation near 0."""

    impl = "log1p"
    formula = "log(1 + u)"

    @classmethod
    def definition(cls, u):
        return sp.log(1 + u)


# --- products and derivatives (docs/numerics.md pitfall 2, 7, 9, 10, 11) ----------------------
#
# The ``mul_*`` primitives take the factor ``a`` inside so that the implementation
# can scale: where sigmoid(u) lies in the subnormals, ``a * sigmoid(u)`` rounded
# after the underflow would amplify the subnormal's rounding by |a|; the
# templates compute ``(a*exp(u/2))*exp(u/2)`` there instead (u/2 is exact).

class dsigmoid(Primitive):
    """sigmoid'(u) = sigmoid(u)*sigmoid(-u) = exp(-|u|)/(1 + exp(-|u|))^2, never s*(1-s)."""

    impl = "dsigmoid"
    argument = -1
    formula = "exp(-u)/(1 + exp(-u))^2"

    @classmethod
    def definition(cls, u):
        return sp.exp(-u) / (1 + sp.exp(-u)) ** 2

    @classmethod
    def pair_form(cls, u):
        return sp.exp(-sp.Abs(u)) / (1 + sp.exp(-sp.Abs(u))) ** 2


class sech2(Primitive):
    """sech(u)^2 = 1 - tanh(u)^2 = 4 e/(1 + e)^2 with e = exp(-2|u|): no cancellation."""

    impl = "sech2"
    argument = -1
    formula = "1 - tanh(u)^2"

    @classmethod
    def definition(cls, u):
        return 1 - sp.tanh(u) ** 2

    @classmethod
    def pair_form(cls, u):
        return 4 * sp.exp(-2 * sp.Abs(u)) / (1 + sp.exp(-2 * sp.Abs(u))) ** 2


class mul_sigmoid(Primitive):
    """a*sigmoid(u), scaled in the subnormal tail; 0 when sigmoid(u) is exactly 0."""

    impl = "mul_sigmoid"
    argument = -1
    formula = "a/(1 + exp(-u))"

    @classmethod
    def definition(cls, a, u):
        return a / (1 + sp.exp(-u))

    @classmethod
    def pair_form(cls, a, u):
        return a * sigmoid.pair_form(u)


class mul_dsigmoid(Primitive):
    """a*sigmoid(u)*sigmoid(-u), scaled in the subnormal tail."""

    impl = "mul_dsigmoid"
    argument = -1
    formula = "a*exp(-u)/(1 + exp(-u))^2"

    @classmethod
    def definition(cls, a, u):
        return a * sp.exp(-u) / (1 + sp.exp(-u)) ** 2

    @classmethod
    def pair_form(cls, a, u):
        return a * dsigmoid.pair_form(u)


class mul_tanh_softplus(Primitive):
    """a*tanh(softplus(u)) = a*e*(2 + e)/(2 + 2e + e^2), e = exp(u), scaled in the tail (mish)."""

    impl = "mul_tanh_softplus"
    argument = -1
    formula = "a*tanh(log(1 + exp(u)))"

    @classmethod
    def definition(cls, a, u):
        return a * sp.tanh(sp.log(1 + sp.exp(u)))

    @classmethod
    def pair_form(cls, a, u):
        # with p = exp(min(u, 0)) and q = exp(-max(u, 0)) (each in (0, 1], one of them 1):
        # tanh(log(1 + e^u)) = (p^2 + 2pq)/(p^2 + 2pq + 2q^2), the e(2 + e)/(e^2 + 2e + 2)
        # of e = e^u divided through by exp(2 max(u, 0)): sums of positive terms, no
        # overflow, no tanh or log (the exponentials are sigmoid's and sech2_softplus's)
        p, q = _exp_min_max(u)
        n = p ** 2 + 2 * p * q
        return a * n / (n + 2 * q ** 2)


class sech2_softplus(Primitive):
    """sech(softplus(u))^2 = 4(1 + e)^2/(e^2 + 2e + 2)^2, e = exp(u): a ratio of sums of
    positive terms (for u > 0 divided through by exp(4u), in exp(-u)), never the sech^2
    of a rounded softplus, whose rounding it would amplify by 2 softplus(u) (mish')."""

    impl = "sech2_softplus"
    argument = -1
    formula = "1 - tanh(log(1 + exp(u)))^2"

    @classmethod
    def definition(cls, u):
        return 1 - sp.tanh(sp.log(1 + sp.exp(u))) ** 2

    @classmethod
    def pair_form(cls, u):
        p, q = _exp_min_max(u)
        return 4 * ((p + q) * q / (p ** 2 + 2 * p * q + 2 * q ** 2)) ** 2


class sqrt_sq_plus(Primitive):
    """sqrt(u^2 + c) for c >= 0 without overflow of u^2 (hypot-style scaling)."""

    impl = "sqrt_sq_plus"
    formula = "sqrt(u^2 + c)"

    @classmethod
    def definition(cls, u, c):
        return sp.sqrt(u ** 2 + c)


class inv_sq(Primitive):
    """1/u^2 computed as (1/u)*(1/u): u^2 overflows long before 1/u^2 underflows."""

    impl = "inv_sq"
    formula = "1/u^2"

    @classmethod
    def definition(cls, u):
        return 1 / u ** 2


class shift(Primitive):
    """u - c for an exact constant c, with c carried as hi + lo: ``(u - c_hi) - c_lo``.

    Near u = c the first subtraction is exact (Sterbenz), so the difference keeps
    full relative accuracy where ``u - float(c)`` would be off by the rounding of c.
    Printed inline by the printers (no template function).
    """

    impl = "shift"
    formula = "u - c"

    @classmethod
    def definition(cls, u, c):
        return u - c


class mul_exp(Primitive):
    """a*exp(u), formed as (a*exp(u/2))*exp(u/2) where exp(u) is subnormal."""

    impl = "mul_exp"
    argument = -1
    formula = "a*exp(u)"

    @classmethod
    def definition(cls, a, u):
        return a * sp.exp(u)


class expm1_sub_uexp(Primitive):
    """expm1(u) - u*exp(u) = -exp(u)*(exp(-u) - 1 + u): for v = -u in [0, 2] the positive
    series exp(-v)*sum_{k>=2} v^k/k! (the regularised incomplete gamma P(2, v)), no
    cancellation near u = 0; (1 - u)*exp(u) - 1 elsewhere (CELU d/dalpha).

    Why a primitive of its own: the sum vanishes to second order at 0, and the general
    re-expansion in Taylor remainders (rules_cancel.py) leaves E_2(u) - u*E_1(u), whose
    two terms still cancel in the ratio 3 : 1 there; a double-word window would hold
    down to |u| ~ 2^-26 only.  This series has one sign throughout."""

    impl = "expm1_sub_uexp"
    argument = -1
    formula = "exp(u) - 1 - u*exp(u)"

    @classmethod
    def definition(cls, u):
        return sp.exp(u) - 1 - u * sp.exp(u)


# --- error-free transformations and general scalings (pitfalls 10, 17, 18) -----------
#
# Implemented in the runtimes' exact.py / exact.h.

class dw(Primitive):
    """u carried as an unevaluated pair hi + lo: the rounding error of each operation
    that forms u is kept (two-sum, fma or Dekker's product, the exact remainder of a
    quotient, constants split hi + lo), so that a primitive amplifying its argument's
    rounding (exp(u): a relative error of |u|*2^-53) is evaluated at hi + lo.  Only
    ever the ``argument`` of another primitive (or of exp, erfc); the printers print
    that call's ``_dw`` variant with u's pair."""

    impl = "dw"
    formula = "u"

    @classmethod
    def definition(cls, u):
        return u


class dw_eval(Primitive):
    """e evaluated entirely in double-word arithmetic (exp, log, sqrt, tanh of pairs to
    about 2^-100; primitives by their definitions) and rounded once: used inside a
    window where the terms of e cancel (around an interior root), where the relative
    error of a plain evaluation grows like 1/|x - root|."""

    impl = "dw_eval"
    formula = "e"

    @classmethod
    def definition(cls, e):
        return e


class exp_rem(Primitive):
    """E_k(u) = exp(u) - sum_{j<k} u^j/j!, the Taylor remainder of exp after k terms
    (E_0 = exp, E_1 = expm1): about u^k/k! near u = 0, with no cancellation.  A sum of
    exponentials that vanishes to order k at a point is rewritten in these (the
    polynomial parts cancel symbolically, :mod:`symact.stabilise.rules_exact`)."""

    impl = "exp_rem"
    formula = "exp(u) - sum_{j<k} u^j/j!"
    argument = 0

    @classmethod
    def definition(cls, u, k):
        return sp.exp(u) - sum(u ** j / sp.factorial(j) for j in range(int(k)))


class mul_softplus(Primitive):
    """a*softplus(u), scaled where softplus(u) = exp(u) is subnormal (a*softplus(u)
    rounded after the underflow would amplify the subnormal's rounding by |a|)."""

    impl = "mul_softplus"
    formula = "a*log(1 + exp(u))"
    argument = -1

    @classmethod
    def definition(cls, a, u):
        return a * sp.log(1 + sp.exp(u))


class sqrt_quad(Primitive):
    """sqrt(a*u^2 + c) without overflow or underflow of u^2 (|u|*sqrt(a + (c/u)/u) for
    huge u), whatever the signs of a and c (nan where the radicand is negative)."""

    impl = "sqrt_quad"
    formula = "sqrt(a*u^2 + c)"

    @classmethod
    def definition(cls, a, u, c):
        return sp.sqrt(a * u ** 2 + c)


class at_infinity(Primitive):
    """e, with its limits at x = +inf and x = -inf given (lpos, lneg; nan: e itself there):
    a stable form that tends to inf - inf or inf/inf (x + x^2/(2(sqrt(x^2 + 1) + 1)) at
    x = -inf) has no floating-point value at the infinities, and its value at the
    largest finite number is not its limit when it grows without bound.  The limits are
    SymPy's (:mod:`symact.stabilise.limits`); for real x it is e by definition."""

    impl = "at_infinity"
    formula = "e"

    @classmethod
    def definition(cls, e, lpos, lneg):
        return e


class ratio(Primitive):
    """u/v kept as one quotient (SymPy would distribute (u/v)**3 into u**3/v**3, which
    overflows where the quotient is moderate: x^3/(1 + a*x^2)^(3/2))."""

    impl = "ratio"
    formula = "u/v"

    @classmethod
    def definition(cls, u, v):
        return u / v


#: Primitives that the runtimes evaluate in pairs by pair functions of their own: a
#: double-word evaluation keeps them whole (the others become their pair forms).
PAIR_FUNCTIONS = (exp_rem, sqrt_quad, sqrt_sq_plus, log1p, expm1, ratio)


def in_pair_forms(e: sp.Expr) -> sp.Expr:
    """``e`` as a double-word evaluation (``dw_eval``) computes it: every primitive but
    :data:`PAIR_FUNCTIONS` (and the ``dw`` marker, which stands for its argument) replaced
    by its pair form, repeatedly, since pair forms are written in other primitives."""
    for _ in range(4):
        e = e.replace(lambda t: isinstance(t, Primitive) and not isinstance(t, PAIR_FUNCTIONS)
                      and not isinstance(t, dw), lambda t: type(t).pair_form(*t.args))
    return e.replace(lambda t: isinstance(t, dw), lambda t: t.args[0])
