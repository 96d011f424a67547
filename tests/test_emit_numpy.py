"""The generated NumPy module: numpy-only import, dtypes, shapes, special values, no warnings.

Expected values are published constants or hand-derived limits, never the
output of the code under test.
"""

from __future__ import annotations

import ast
import inspect
import math
import re
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest

import symact_numpy as S
from symact.define import catalogue
from symact.derive.kernels import kernel_specs

SPECS = kernel_specs(catalogue.ENTRIES)
SCALAR = [k.name for k in SPECS if not k.vector]
VECTOR_API = [k.name for k in SPECS if k.vector]

SPECIAL64 = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 5e-324, -5e-324, 2.2250738585072014e-308,
                      1e-300, -1e-300, 36.8, -36.8, 709.8, -709.8, 745.2, -745.2, 800.0, -800.0,
                      1e154, -1e154, 1e200, -1e200, 1.7976931348623157e308, -1.7976931348623157e308])
with np.errstate(over="ignore"):  # huge float64 values become +-inf in float32
    SPECIAL32 = SPECIAL64.astype(np.float32)


def test_imports_with_numpy_alone():
    code = ("import sys, symact_numpy; "
            "bad = [m for m in ('sympy', 'symact', 'scipy', 'mpmath', 'jinja2') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
    tree = ast.parse(inspect.getsource(S))
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert roots <= {"numpy", "math"}, roots


def test_every_kernel_exists():
    missing = [n for n in SCALAR + list(VECTOR_API) if not callable(getattr(S, n, None))]
    assert not missing
    assert sorted(S.__all__) == sorted(SCALAR + list(VECTOR_API))


@pytest.mark.parametrize("name", SCALAR)
def test_signature(name):
    entry = catalogue.get(name.split("_grad")[0])
    params = inspect.signature(getattr(S, name)).parameters
    assert list(params) == ["x"] + [p.name for p in entry.params] + ["out"]
    for p in entry.params:
        assert params[p.name].kind is inspect.Parameter.KEYWORD_ONLY
        assert params[p.name].default == float(p.default)
    assert params["out"].kind is inspect.Parameter.KEYWORD_ONLY and params["out"].default is None


@pytest.mark.parametrize("name", SCALAR)
def test_dtype_shape_and_no_warnings(name):
    f = getattr(S, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y64 = f(SPECIAL64)
        y32 = f(SPECIAL32)
        assert y64.dtype == np.float64 and y64.shape == SPECIAL64.shape
        assert y32.dtype == np.float32 and y32.shape == SPECIAL64.shape
        assert f(np.float32(1.5)).dtype == np.float32
        z = f(np.array(2.0))
        assert z.shape == () and z.dtype == np.float64
        assert f(3).dtype == np.float64 and f([True, False]).dtype == np.float64
        assert f(np.ones((2, 3), dtype=np.float32)).shape == (2, 3)
        assert f(np.array([], dtype=np.float32)).dtype == np.float32
    # nan in -> nan out; everything else finite or the mathematical infinity
    assert np.isnan(y64[4]) and np.isnan(y32[4])
    finite_in = np.isfinite(SPECIAL64)
    assert not np.isnan(y64[~np.isnan(SPECIAL64)]).any(), name
    assert not np.isnan(y32[~np.isnan(SPECIAL64)]).any(), name
    del finite_in


# Hand-derived limits and values (docs/numerics.md special-value contract).
LN2 = math.log(2.0)
KNOWN = [
    ("softplus", -np.inf, 0.0), ("softplus", np.inf, np.inf), ("softplus", 0.0, LN2),
    ("softplus", 800.0, 800.0), ("softplus", -800.0, 0.0),
    ("silu", -np.inf, 0.0), ("silu", np.inf, np.inf), ("silu", 0.0, 0.0),
    ("sigmoid", 0.0, 0.5), ("sigmoid", np.inf, 1.0), ("sigmoid", -np.inf, 0.0),
    ("sigmoid_grad", np.inf, 0.0), ("sigmoid_grad", -np.inf, 0.0), ("sigmoid_grad", 0.0, 0.25),
    ("tanh_grad", 0.0, 1.0), ("tanh_grad", np.inf, 0.0), ("tanh_grad", -np.inf, 0.0),
    ("log_sigmoid", -np.inf, -np.inf), ("log_sigmoid", np.inf, 0.0), ("log_sigmoid", 0.0, -LN2),
    ("relu", np.inf, np.inf), ("relu", -np.inf, 0.0), ("relu_grad", 0.0, 0.0),
    ("leaky_relu_grad", 0.0, 0.01), ("elu", -np.inf, -1.0), ("elu_grad", 0.0, 1.0),
    ("selu", 1.0, 1.0507009873554805), ("selu", -np.inf, -1.7580993408473766),
    ("mish", -np.inf, 0.0), ("mish", np.inf, np.inf), ("swish_grad", -np.inf, 0.0),
    ("softsign", np.inf, 1.0), ("softsign", -np.inf, -1.0), ("softsign_grad", 0.0, 1.0),
    ("softsign_grad", np.inf, 0.0), ("squareplus", 0.0, 1.0), ("squareplus", -np.inf, 0.0),
    ("squareplus", np.inf, np.inf), ("squareplus_grad", np.inf, 1.0), ("squareplus_grad", -np.inf, 0.0),
    ("hardswish", 3.0, 3.0), ("hardswish", -3.0, 0.0), ("hardsigmoid", 0.0, 0.5),
    ("heaviside", 0.0, 0.5), ("relu6", 7.0, 6.0), ("hardtanh", -2.0, -1.0),
    ("srelu", -5.0, -1.0), ("celu", -np.inf, -1.0), ("softplus_grad_beta", 0.0, -LN2),
]


@pytest.mark.parametrize("name,x,expected", KNOWN, ids=[f"{n}({x})" for n, x, _ in KNOWN])
def test_known_values(name, x, expected):
    for dt in (np.float64, np.float32):
        got = getattr(S, name)(np.array([x], dtype=dt))[0]
        want = dt(expected)
        if np.isinf(want):
            assert got == want
        else:
            assert abs(float(got) - float(want)) <= 2 * float(np.spacing(np.abs(want))), (dt, got, want)


def test_minus_zero_gives_a_zero():
    for name in ("relu", "silu", "mish", "tanh", "softsign", "gelu_tanh", "swish", "hardswish"):
        assert getattr(S, name)(-0.0) == 0.0


@pytest.mark.parametrize("call,match", [
    (lambda: S.elu(1.0, alpha=-1.0), "alpha >= 0"),
    (lambda: S.softplus(1.0, beta=0.0), "beta > 0"),
    (lambda: S.softplus_grad_beta(1.0, beta=-2), "beta > 0"),
    (lambda: S.hardtanh(1.0, min_val=2.0, max_val=1.0), "max_val > min_val"),
    (lambda: S.squareplus(1.0, b=0.0), "b > 0"),
    (lambda: S.celu_grad(1.0, alpha=0.0), "alpha > 0"),
    (lambda: S.leaky_relu(1.0, negative_slope=float("nan")), "negative_slope"),
    (lambda: S.prelu(1.0, a="x"), "parameter a"),
])
def test_bad_parameter_raises_value_error_naming_it(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_parameters_are_used():
    assert S.leaky_relu(-2.0, negative_slope=0.5) == -1.0
    assert S.softplus(0.0, beta=2.0) == np.float64(LN2 / 2)
    assert S.hardtanh(5.0, min_val=-2.0, max_val=3.0) == 3.0


def test_float_inputs_take_the_float_forms():
    """float16/float32 inputs (computed in float64) take _k_NAME_float where one exists:
    float's windows (only around the roots) and no pairs for rounded arguments; the same
    values as the double form to within float's half ulp, and far fewer double-word
    branches (silu': the window is a few thousandths wide, around the root, instead of
    40)."""
    import inspect
    import symact_numpy as S
    src = inspect.getsource(S)
    for name in ("silu_grad", "swish_grad", "mish_grad", "softplus", "swish"):
        assert f"def _k_{name}_float(" in src and f"fn_float=_k_{name}_float" in src, name
    body = inspect.getsource(S._k_silu_grad_float)
    ends = re.search(r"\(x > (-[0-9.]+)\) & \(x < (-[0-9.]+)\)", body)
    assert ends and "-40" not in body, body
    lo, hi = float(ends.group(1)), float(ends.group(2))
    root = float(-1 - mpmath.lambertw(mpmath.e ** -1).real)  # silu'(root) = 0
    assert lo < root < hi and hi - lo <= 2.0 ** -8, (lo, hi)
    assert "_w_mul" not in inspect.getsource(S._k_softplus_float)  # beta*x needs no pair in float64
    x = np.linspace(-3, 1, 4001).astype(np.float32)
    for name, params in (("silu_grad", {}), ("swish_grad", {"beta": 1.703125}), ("softplus", {"beta": 0.296875})):
        f = getattr(S, name)
        got, ref = f(x, **params), f(x.astype(np.float64), **params)
        assert got.dtype == np.float32
        assert np.all(np.abs(got - ref) <= 0.5 * np.spacing(np.abs(ref).astype(np.float32)) * (1 + 2.0 ** -4)), name
