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

    @classmethod
    def definition(cls, *args) -> sp.Expr:  # pragma: no cover - abstract
        raise NotImplementedError

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


# --- the basic set (docs/numerics.md pitfall 1-4, 9) --------------------------------------

class softplus(Primitive):
    """softplus(u) = log(1 + exp(u)), evaluated as max(u, 0) + log1p(exp(-|u|))."""

    impl = "softplus"
    formula = "log(1 + exp(u))"

    @classmethod
    def definition(cls, u):
        return sp.log(1 + sp.exp(u))


class sigmoid(Primitive):
    """sigmoid(u) = 1/(1 + exp(-u)), branch on the sign of u so exp never overflows."""

    impl = "sigmoid"
    formula = "1/(1 + exp(-u))"

    @classmethod
    def definition(cls, u):
        return 1 / (1 + sp.exp(-u))


class log_sigmoid(Primitive):
    """log_sigmoid(u) = -log(1 + exp(-u)), evaluated as min(u, 0) - log1p(exp(-|u|))."""

    impl = "log_sigmoid"
    formula = "-log(1 + exp(-u))"

    @classmethod
    def definition(cls, u):
        return -sp.log(1 + sp.exp(-u))


class expm1(Primitive):
    """expm1(u) = exp(u) - 1 without cancellation near 0."""

    impl = "expm1"
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
    formula = "exp(-u)/(1 + exp(-u))^2"

    @classmethod
    def definition(cls, u):
        return sp.exp(-u) / (1 + sp.exp(-u)) ** 2


class sech2(Primitive):
    """sech(u)^2 = 1 - tanh(u)^2 = 4 e/(1 + e)^2 with e = exp(-2|u|): no cancellation."""

    impl = "sech2"
    formula = "1 - tanh(u)^2"

    @classmethod
    def definition(cls, u):
        return 1 - sp.tanh(u) ** 2


class mul_sigmoid(Primitive):
    """a*sigmoid(u), scaled in the subnormal tail; 0 when sigmoid(u) is exactly 0."""

    impl = "mul_sigmoid"
    formula = "a/(1 + exp(-u))"

    @classmethod
    def definition(cls, a, u):
        return a / (1 + sp.exp(-u))


class mul_dsigmoid(Primitive):
    """a*sigmoid(u)*sigmoid(-u), scaled in the subnormal tail."""

    impl = "mul_dsigmoid"
    formula = "a*exp(-u)/(1 + exp(-u))^2"

    @classmethod
    def definition(cls, a, u):
        return a * sp.exp(-u) / (1 + sp.exp(-u)) ** 2


class mul_tanh_softplus(Primitive):
    """a*tanh(softplus(u)) = a*e*(2 + e)/(2 + 2e + e^2), e = exp(u), scaled in the tail (mish)."""

    impl = "mul_tanh_softplus"
    formula = "a*tanh(log(1 + exp(u)))"

    @classmethod
    def definition(cls, a, u):
        return a * sp.tanh(sp.log(1 + sp.exp(u)))


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
    formula = "a*exp(u)"

    @classmethod
    def definition(cls, a, u):
        return a * sp.exp(u)


class expm1_sub_uexp(Primitive):
    """expm1(u) - u*exp(u) = -exp(u)*(exp(-u) - 1 + u): for v = -u in [0, 2] the positive
    series exp(-v)*sum_{k>=2} v^k/k! (the regularised incomplete gamma P(2, v)), no
    cancellation near u = 0; (1 - u)*exp(u) - 1 elsewhere (CELU d/dalpha)."""

    impl = "expm1_sub_uexp"
    formula = "exp(u) - 1 - u*exp(u)"

    @classmethod
    def definition(cls, u):
        return sp.exp(u) - 1 - u * sp.exp(u)


class exp_div(Primitive):
    """exp(u/c) with the quotient carried exactly: q = fl(u/c), r = (u - q*c)/c (u - q*c is
    exact: fma in C, Dekker's product in NumPy), exp(u/c) = exp(q)*(1 + r) to within r^2/2.
    exp(fl(u/c)) alone amplifies the rounding of u/c by |u/c| (CELU': 171 ULP at u/c = -708);
    where exp(q) is subnormal the product is formed as (exp(q/2)*(1 + r))*exp(q/2), one
    rounding into the subnormals."""

    impl = "exp_div"
    formula = "exp(u/c)"

    @classmethod
    def definition(cls, u, c):
        return sp.exp(u / c)


class mul_exp_div_sq_tsp(Primitive):
    """a*e/(2 + e(2 + e))^2, e = exp(u): a*exp(u)*((1 - tanh(softplus(u)))/2)^2, mish' for
    u < 0 with a = L(u).  Rounding 2 + e(2 + e) (in (2, 5], the bottom of its binade),
    squaring it, dividing and multiplying by e cost up to 5 half-ULPs; the templates carry
    a*e, 2 + e, e(2 + e), the sum and its square as double-word pairs (two-sum, fma/Dekker
    products) so that beyond exp(u) one rounding remains, the quotient's.  Below
    ln(smallest normal) e is split as exp(u/2)^2 (one rounding into the subnormals)."""

    impl = "mul_exp_div_sq_tsp"
    formula = "a*exp(u)/(2 + exp(u)*(2 + exp(u)))^2"

    @classmethod
    def definition(cls, a, u):
        e = sp.exp(u)
        return a * e / (e * (2 + e) + 2) ** 2


class expm1_sub_uexp_div(Primitive):
    """expm1_sub_uexp(u/c) with u/c = q + r carried exactly (as in :class:`exp_div`):
    f(q) + f'(q)*r, f'(q) = -q*exp(q).  Near u/c = 0 the value is -(u/c)^2/2, which
    doubles the relative rounding of fl(u/c) (CELU d/dalpha, alpha = 3: 3.9 ULP)."""

    impl = "expm1_sub_uexp_div"
    formula = "exp(u/c) - 1 - (u/c)*exp(u/c)"

    @classmethod
    def definition(cls, u, c):
        return sp.exp(u / c) - 1 - u / c * sp.exp(u / c)
