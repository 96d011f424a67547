"""What the torch and JAX backend tests share: the ULP error of one value against mpmath,
and the check that a generated framework module imports its framework and the standard
library only."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import mpmath
import numpy as np


def ulps(got: float, exact, dtype=np.float64) -> float:
    """|got - exact| in ULPs of the exact value rounded to ``dtype`` (mpmath ``exact``)."""
    want = dtype(float(exact))
    if want == 0:
        return abs(got) / float(np.finfo(dtype).smallest_subnormal)
    return float(abs(mpmath.mpf(float(got)) - exact) / float(np.spacing(np.abs(want))))


def assert_imports_only(module, framework: str, absent=("sympy", "symact", "mpmath", "jinja2")):
    """Importing ``module`` (a generated module) in a fresh interpreter loads none of
    ``absent`` nor the other framework, and its source imports ``framework`` and modules of
    the standard library only."""
    other = {"torch": "jax", "jax": "torch"}[framework]
    names = ", ".join(repr(m) for m in (*absent, other))
    code = (f"import sys, {module.__name__}; "
            f"bad = [m for m in ({names}) if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-I", "-c", code], check=True)
    tree = ast.parse(inspect.getsource(module))
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert framework in roots and roots - {framework} <= set(sys.stdlib_module_names), roots


#: Points of every kind for the C library under the frameworks (test_torch_native.py,
#: test_jax_native.py): both tails, the windows' roots, kinks, signed zeros, a subnormal,
#: the non-finite values (folded in after the C loop), off-grid values.
NATIVE_POINTS = np.array([-np.inf, -1e300, -800.0, -745.5, -104.3, -88.7, -40.0, -17.3, -9.85, -3.0,
                          -1.2784645427610738, -1.192, -1.0, -0.6, -1e-9, -1e-310, -0.0, 0.0, 1e-300,
                          3e-8, 0.5, 1.0, 2.7, 6.0, 19.1, 37.4, 88.7, 710.0, 1e300, np.inf, np.nan])


def native_values(spec) -> dict:
    """Parameter values off the powers of two (the defaults where constraints bind)."""
    return {p.name: float(p.default) * 1.37 + 0.11 if not spec.constraints else float(p.default)
            for p in spec.params}


def same_bits(a, b) -> bool:
    """Whether the array ``a`` (NumPy-convertible) is ``b`` to the bit, nan for nan."""
    a = np.asarray(a)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
