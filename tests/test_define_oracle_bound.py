"""The oracle pre-check of ``symact new``: what it refuses, and that the catalogue passes it."""

import pytest
import sympy as sp

from symact.define.model import X
from symact.define.oracle_bound import EXP_ARG_LOG2, OracleBoundError, check, probe_points
from symact.define.parse import parse_expression

x = X


@pytest.mark.parametrize("text, fragment", [
    ("exp(exp(exp(exp(x))))", f"2^{EXP_ARG_LOG2}"),    # the input: no answer in 300 s
    ("exp(exp(x))", f"2^{EXP_ARG_LOG2}"),
    ("exp(x**4)", f"2^{EXP_ARG_LOG2}"),
    ("2**(x**4)", f"2^{EXP_ARG_LOG2}"),                # a symbolic power is an exponential
    ("x*exp(-exp(x)) + exp(exp(-x))", f"2^{EXP_ARG_LOG2}"),
])
def test_refused_with_the_bound_named(text, fragment):
    with pytest.raises(OracleBoundError, match=r"oracle_bound") as err:
        check([parse_expression(text)], x)
    assert fragment in str(err.value) and "at x = " in str(err.value)


@pytest.mark.parametrize("text", [
    "x*tanh(x)", "exp(-x**2/2)", "exp(-3*x**2)", "softplus(x)", "mish(x)", "log(1 + exp(x))",
    "x*erfc(x)", "x**64", "sqrt(x**2 + 1)", "Piecewise((exp(x), x < 0), (x, True))",
    # a hugely negative exponent underflows whichever stand-in the oracle takes, and a
    # huge value keeps its exponent (rounds to inf)
    "x*exp(-exp(-x))", "exp(-x**4)", "2**(-x**4)", "x*exp(x)", "exp(x)", "(1 + x**2)**x",
])
def test_within_the_bounds(text):
    check([parse_expression(text)], x)


def test_probe_covers_the_oracle_range():
    points = probe_points()
    assert max(points) == 1.7976931348623157e308 and min(points) == -1.7976931348623157e308
    assert min(abs(p) for p in points if p != 0) == sp.Float(2) ** -1074 and 0 in points


def test_every_catalogue_kernel_passes():
    """The bounds are set by what the catalogue's oracle already does (GELU's exp(-x^2/2)):
    every scalar kernel's oracle expression, at its defaults, is within them."""
    from symact.define.catalogue import ENTRIES
    from symact.verify.kernels import kernels_for
    kernels = [k for e in ENTRIES if not e.vector for k in kernels_for(e, ({},))]
    assert len(kernels) > 50
    check([k.expr({}) for k in kernels], x)
