"""Property tests: a sample of generated kernels at arbitrary finite floats (hypothesis),
each within the budget of an independent high-precision value computed here with
mpmath from closed forms that do not cancel."""

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symact.emit import registry
from symact.verify import backends
from symact.verify.metric import FORMATS, round_exact, ulp_errors


def _sig(t):
    return 1 / (1 + mpmath.exp(-t)) if t >= 0 else mpmath.exp(t) / (1 + mpmath.exp(t))


def _softplus(t):
    return max(t, 0) + mpmath.log1p(mpmath.exp(-abs(t)))


EXACT = {
    "sigmoid": _sig,
    "softplus": _softplus,
    "log_sigmoid": lambda t: min(t, 0) - mpmath.log1p(mpmath.exp(-abs(t))),
    "tanh_grad": lambda t: mpmath.sech(t) ** 2,
    "elu": lambda t: t if t > 0 else mpmath.expm1(t),
    "softsign": lambda t: t / (1 + abs(t)),
    "silu": lambda t: t * _sig(t),
}


def _check(name, backend, dtype, x):
    f = FORMATS[dtype]
    reason = registry.get(backend).unavailable()
    if reason:  # as symact build: a backend that cannot run here is skipped with its reason
        pytest.skip(f"backend {backend}: {reason}")
    module = backends.load(backend)
    xs = np.array([x], dtype=f.dtype)
    with np.errstate(all="raise"):
        out = getattr(module, name)(xs)
    assert out.dtype == f.dtype
    with mpmath.workprec(3000):  # these forms lose no bits; 3000 covers subnormal results of e^-x
        want = EXACT[name](mpmath.mpf(float(xs[0])))
    hi, spacing, frac = round_exact(want, f)
    err = ulp_errors(out, np.array([hi]), spacing, frac)[0]
    assert err <= 4, f"{name} [{backend}/{dtype}] at x={float(xs[0])!r}: {err} ULP (got {out[0]!r}, want {hi!r})"


@pytest.mark.parametrize("backend", backends.BACKENDS)
@pytest.mark.parametrize("name", sorted(EXACT))
@settings(max_examples=25, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_float64_anywhere(name, backend, x):
    _check(name, backend, "float64", x)


@pytest.mark.parametrize("backend", backends.BACKENDS)
@pytest.mark.parametrize("name", sorted(EXACT))
@settings(max_examples=25, deadline=None)
@given(x=st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_float32_anywhere(name, backend, x):
    _check(name, backend, "float32", x)
