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
