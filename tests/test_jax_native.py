"""symact_jax on the C library: ``use_c_library(symact.c_library(xla_ffi=True))``.

What it must do: on the CPU, float32 and float64 kernels with scalar parameters run the
compiled C kernels as XLA custom calls, eagerly, under jit, vmap and grad, and give
exactly the C library's values, subnormals included (XLA's threads flush them; the
handlers keep them for the call); array parameters take the printed kernels; bad
libraries are refused, and ``use_c_library(None)`` switches it off.  Skipped when jax or
a C compiler is missing.
"""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

if os.environ.get("CI"):  # CI installs the extras (.ci/run): there these tests must not skip
    import jax  # noqa: F401
jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402

import symact_jax as J  # noqa: E402
from symact.define import catalogue  # noqa: E402
from symact.derive.kernels import kernel_specs  # noqa: E402
from framework_checks import NATIVE_POINTS, native_values, same_bits  # noqa: E402

SPECS = kernel_specs(catalogue.ENTRIES)
SCALAR = [s for s in SPECS if not s.vector]
VECTOR = [s for s in SPECS if s.vector]

#: every kind of point (framework_checks.NATIVE_POINTS)
POINTS = NATIVE_POINTS
#: inputs whose results are subnormal in float32 (gelu, silu, sigmoid, elu' near -88 .. -14)
TAIL = np.linspace(-100.0, -10.0, 3001)


@pytest.fixture(scope="module")
def path(c_compiler):
    import symact
    return symact.c_library(xla_ffi=True)


@pytest.fixture
def native(path):
    with jax.enable_x64(True):
        J.use_c_library(path)
        yield path
        J.use_c_library(None)


def _points(dtype, finite=False):
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        x = np.concatenate([POINTS, TAIL]).astype(dtype)
    return x[np.isfinite(x)] if finite else x


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("spec", SCALAR, ids=lambda s: s.name)
def test_scalar_kernels_are_the_c_librarys(spec, dtype, native, c_library):
    params = native_values(spec)
    x = _points(dtype)
    fn = getattr(J, spec.name)
    want = getattr(c_library, spec.name)(x, **params)
    assert same_bits(fn(jnp.asarray(x), **params), want)
    assert same_bits(jax.jit(lambda v: fn(v, **params))(jnp.asarray(x)), want)


def test_the_c_path_is_taken_and_switched_off(native, c_library):
    # float64 sigmoid: the printed and the C kernels differ in the last bits of some entries
    x = np.linspace(-30, 30, 20001)
    want = c_library.sigmoid(x)
    assert same_bits(J.sigmoid(jnp.asarray(x)), want)
    J.use_c_library(None)
    assert not same_bits(J.sigmoid(jnp.asarray(x)), want)
    J.use_c_library(native)
    assert same_bits(J.sigmoid(jnp.asarray(x)), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "mish", "elu"])
def test_grad_is_the_c_derivative(name, dtype, native, c_library):
    spec = next(s for s in SCALAR if s.name == name)
    params = native_values(spec)
    x = _points(dtype, finite=True)
    g = np.asarray(jax.jit(jax.grad(lambda v: jnp.sum(getattr(J, name)(v, **params))))(jnp.asarray(x)))
    d = getattr(c_library, f"{name}_grad")(x, **params)
    # the tangent's product g*d is an XLA operation, which may flush a subnormal to 0 on the
    # CPU (as on the printed path; XLA drops a product by 1 in some graphs)
    sub = np.abs(d) < np.finfo(dtype).tiny
    assert same_bits(np.where(sub, d, g), d) and bool(np.all((g[sub] == d[sub]) | (g[sub] == 0)))


def test_vmap_over_a_parameter_takes_each_value(native, c_library):
    x = np.linspace(-20, 20, 41, dtype=np.float32)
    betas = np.array([0.3, 1.7, 2.5, 1.7], dtype=np.float32)
    got = jax.vmap(lambda b: J.swish(jnp.asarray(x), beta=b))(jnp.asarray(betas))
    assert same_bits(got, np.stack([c_library.swish(x, beta=float(b)) for b in betas]))
    grid = np.linspace(-8, 8, 60).reshape(4, 15)
    lo, hi = jnp.asarray([-1.0, -0.5, -2.0, -1.5]), jnp.asarray([1.0, 0.5, 2.5, 3.0])
    got = jax.vmap(lambda v, a, b: J.hardtanh(v, min_val=a, max_val=b))(jnp.asarray(grid), lo, hi)
    assert same_bits(got, np.stack([c_library.hardtanh(r, min_val=float(a), max_val=float(b))
                                for r, a, b in zip(grid, lo, hi)]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("spec", VECTOR, ids=lambda s: s.name)
def test_vector_kernels_are_the_c_librarys(spec, axis, dtype, native, c_library):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal((3, 5, 7)) * 30).astype(dtype)
    x[1, 2, 3], x[2, 0, 0], x[0, 4, :] = np.inf, -np.inf, -np.inf
    args = (x,) + ((rng.standard_normal(x.shape).astype(dtype),) if spec.takes_g else ())
    want = getattr(c_library, spec.name)(*args, axis=axis)
    assert same_bits(getattr(J, spec.name)(*map(jnp.asarray, args), axis=axis), want)
    assert same_bits(jax.jit(lambda *a: getattr(J, spec.name)(*a, axis=axis))(*map(jnp.asarray, args)), want)


@pytest.mark.parametrize("name,vjp", [("softmax", "softmax_vjp"), ("log_softmax", "log_softmax_vjp")])
def test_vector_grad_is_the_c_vjp(name, vjp, native, c_library):
    x = np.sin(np.arange(40.0).reshape(4, 10) * 0.73) * 9
    g = np.cos(np.arange(40.0).reshape(4, 10) * 1.7)
    got = jax.grad(lambda v: jnp.sum(getattr(J, name)(v, axis=0) * jnp.asarray(g)))(jnp.asarray(x))
    assert same_bits(got, getattr(c_library, vjp)(x, g, axis=0))
    rows = jax.vmap(lambda v: getattr(J, name)(v, axis=-1))(jnp.asarray(x.reshape(2, 2, 10)))
    assert same_bits(rows, getattr(c_library, name)(x.reshape(2, 2, 10), axis=-1))


def test_logsumexp_grad_is_g_times_the_c_gradient(native, c_library):
    x = (np.sin(np.arange(40.0).reshape(4, 10) * 0.73) * 9).astype(np.float32)
    g = np.array([0.5, -1.25, 2.0, 3.0], dtype=np.float32)
    got = jax.grad(lambda v: jnp.sum(J.logsumexp(v, axis=1) * jnp.asarray(g)))(jnp.asarray(x))
    assert same_bits(got, g[:, None] * c_library.logsumexp_grad(x, axis=1))


def test_large_arrays_and_scalars(native, c_library):
    x = np.linspace(-50, 50, 1 << 20)
    assert same_bits(jax.jit(lambda v: J.elu(v, alpha=1.37))(jnp.asarray(x)), c_library.elu(x, alpha=1.37))
    assert same_bits(J.gelu(jnp.asarray(1.5)), c_library.gelu(np.array(1.5)))
    assert same_bits(J.celu(jnp.float32(-2.5), alpha=0.7), c_library.celu(np.array(-2.5, dtype=np.float32), alpha=0.7))


def test_array_parameters_stay_printed(native):
    x = jnp.linspace(-20.0, 20.0, 401)
    alpha = jnp.full((401,), 1.37)
    J.use_c_library(None)
    printed = np.asarray(J.elu(x, alpha=alpha))
    J.use_c_library(native)
    assert same_bits(J.elu(x, alpha=alpha), printed)


def test_bad_libraries_are_refused(tmp_path, c_compiler):
    import symact
    with pytest.raises(OSError):
        J.use_c_library(tmp_path / "missing.so")
    with pytest.raises(ValueError, match=r"has no symact_xla_scalar \(compile it with symact.c_library\(xla_ffi=True\)\)"):
        J.use_c_library(symact.c_library())
    src = tmp_path / "other.c"
    src.write_text("int symact_xla_scalar(void) { return 0; }\nint symact_xla_rows(void) { return 0; }\n")
    lib = tmp_path / "other.so"
    subprocess.run([*c_compiler, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    with pytest.raises(ValueError, match="is not this module's C library: it has no symact_"):
        J.use_c_library(lib)
    assert J._C_LIB["lib"] is None


def test_readme_c_library_step_runs(repo, c_compiler, c_library):
    text = (repo / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    (step,) = [b for b in blocks if "use_c_library(" in b and "symact_jax" in b]
    try:
        exec(compile(step, "README.md", "exec"), {})
        assert J._C_LIB["lib"] is not None
        x = np.linspace(-5, 5, 11)
        with jax.enable_x64(True):
            assert same_bits(J.gelu(jnp.asarray(x)), c_library.gelu(x))
    finally:
        J.use_c_library(None)
