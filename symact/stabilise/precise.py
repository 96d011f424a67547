"""Precise primitives for the GELU families: the erf form and the tanh form, with derivatives.

Each is a whole textbook expression in one argument ``u`` (the stabiliser
rewrites the catalogue's definitions and their ``sympy.diff`` derivatives into
them, proving every rewrite), implemented once per backend in
the NumPy runtime's ``precise.py`` and the C runtime's ``precise.h`` to within
about 1 ULP over the whole float range:

========================  ====================================================
``xndtr(u)``              u*Phi(u) = u*(1 + erf(u/sqrt(2)))/2     (gelu)
``xndtr_grad(u)``         Phi(u) + u*phi(u)                       (gelu')
``xsigcubic(u)``          u*(1 + tanh(sqrt(2/pi)*(u + c*u^3)))/2  (gelu_tanh)
``xsigcubic_grad(u)``     its derivative                          (gelu_tanh')
========================  ====================================================

Phi and phi are the standard normal CDF and density, c = 0.044715
(Hendrycks & Gimpel 2016, arXiv:1606.08415).

Why fused primitives rather than erfc, exp and sigmoid: the accuracy bar (a few
ULP everywhere, docs/numerics.md pitfall 5 and 6) needs what a composition of
separately rounded functions cannot give:

- the argument of erfc, x/sqrt(2), and of exp, x^2/2 or 2u, carried in extra
  precision (erfc and exp amplify their argument's rounding by about 2z^2 and
  |2u|, up to ~1500x in the far tail);
- one final rounding for results in the subnormals (``x*erfc(..)`` rounded
  after the underflow is off by up to |x|/2 subnormal units);
- no cancellation at the derivatives' roots (u = -0.75179... for gelu',
  -0.75246... for gelu_tanh'), where Phi(u) and u*phi(u) cancel to any depth:
  the implementations evaluate (u - root)*h(u) there.

Each ``definition`` is the textbook formula itself, so that the proof of a
rewrite is a comparison with the catalogue's own expression.

Why these remain beside the general mechanisms (rounded arguments carried as hi + lo,
double-word windows): those would give x*erfc(dw(-x/sqrt(2)))/2 with libm's erfc
(within a few ULP, not 1) and a window around the derivative's root, and nothing
general reaches erfc's far tail in one rounding into the subnormals; the fitted Mills
ratio does, for the two most used activations (the within-1-ULP count depends on it).
The rules reach these primitives from any expression equal to the GELU forms
(``symact new "x*(1 + erf(x/sqrt(2)))/2"`` gets them too).
"""

from __future__ import annotations

import sympy as sp

from symact.stabilise.primitives import Primitive

_SQRT2 = sp.sqrt(2)
#: The cubic coefficient of the tanh form (Hendrycks & Gimpel 2016): the primitive is that
#: formula, so a rule rewrites an expression into it only where the proof engine shows
#: the expression equal to it (another coefficient is another function).
GELU_TANH_C = sp.Rational(44715, 1000000)


def _gelu_erf(u):
    return u * (1 + sp.erf(u / _SQRT2)) / 2


def _gelu_tanh(u):
    return u * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (u + GELU_TANH_C * u ** 3))) / 2


def _d(f, u):
    """d/du f(u) by sympy.diff, at the expression ``u``."""
    s = sp.Dummy("s", real=True)
    return sp.diff(f(s), s).subs(s, u)


class xndtr(Primitive):
    """u*Phi(u) = u*erfc(-u/sqrt(2))/2: the erf-form GELU, without 1 + erf."""

    impl = "xndtr"
    formula = "u*(1 + erf(u/sqrt(2)))/2"

    @classmethod
    def definition(cls, u):
        return _gelu_erf(u)

    def fdiff(self, argindex=1):
        # xndtr_grad's definition is sympy.diff of this one, so this is exact
        return xndtr_grad(self.args[0])


class xndtr_grad(Primitive):
    """Phi(u) + u*phi(u), the derivative of u*Phi(u); no cancellation at its root."""

    impl = "xndtr_grad"
    formula = "(1 + erf(u/sqrt(2)))/2 + u*exp(-u^2/2)/sqrt(2*pi)"

    @classmethod
    def definition(cls, u):
        return _d(_gelu_erf, u)


class xsigcubic(Primitive):
    """u*sigmoid(v), v = 2*sqrt(2/pi)*(u + 0.044715*u^3): the tanh-form GELU, v in double-double."""

    impl = "xsigcubic"
    formula = "u*(1 + tanh(sqrt(2/pi)*(u + 0.044715*u^3)))/2"

    @classmethod
    def definition(cls, u):
        return _gelu_tanh(u)

    def fdiff(self, argindex=1):
        return xsigcubic_grad(self.args[0])


class xsigcubic_grad(Primitive):
    """sigmoid(v) + u*v'*sigmoid(v)*sigmoid(-v), the derivative of the tanh-form GELU."""

    impl = "xsigcubic_grad"
    formula = "d/du [u*(1 + tanh(sqrt(2/pi)*(u + 0.044715*u^3)))/2]"

    @classmethod
    def definition(cls, u):
        return _d(_gelu_tanh, u)


#: The precise primitives, in the order the rules try them.
PRECISE = (xndtr, xndtr_grad, xsigcubic, xsigcubic_grad)
