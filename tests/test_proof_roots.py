"""real_roots: sorted roots certified by a sign change, references computed independently."""

import mpmath
import pytest
import sympy as sp

from symact.proof.roots import real_roots

x = sp.Symbol("x", real=True)


def test_polynomial_roots_exact_reference():
    roots = real_roots((x - sp.Rational(1, 3)) * (x + 2) * (x - 5), x, -10, 10)
    assert len(roots) == 3
    with mpmath.workdps(50):
        for got, want in zip(roots, [-2, mpmath.mpf(1) / 3, 5]):
            assert abs(got - want) < mpmath.mpf(10) ** -28


def test_gelu_derivative_root_to_30_digits():
    d = sp.diff(x / 2 * (1 + sp.erf(x / sp.sqrt(2))), x)
    (r,) = real_roots(d, x, -5, 5, digits=30)
    with mpmath.workdps(50):
        ref = mpmath.findroot(lambda t: mpmath.ncdf(t) + t * mpmath.npdf(t), -0.75)
        assert abs(r - ref) < mpmath.mpf(10) ** -29


def test_double_root_without_sign_change_not_reported():
    assert real_roots((x - 1) ** 2 + 0, x, -3, 3) == []


def test_no_roots_and_bad_input():
    assert real_roots(sp.exp(x), x, -5, 5) == []
    with pytest.raises(ValueError):
        real_roots(x + sp.Symbol("a"), x, -1, 1)
    with pytest.raises(ValueError):
        real_roots(x, x, 1, -1)
