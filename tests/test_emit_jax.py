"""The JAX backend: generated/symact_jax.py and its loader.

What it must do (issue 12): every kernel in jax operations, custom_jvp functions
whose JVP is the derived derivative kernels (checked by jax.test_util.check_grads),
custom_vjp for the vector activations, jit and vmap without Python branching on
values (and the same bits under jit as eagerly: XLA's simplifier must not undo the
double-word arithmetic), the peers' failure points right (checked against mpmath
here), float32 and float64.  On the CPU XLA flushes subnormals to zero, so the
backend's unavailable() says so and verify skips it there; the slow tests below
measure it with verify's own grids, oracle and metric instead: float32 in full,
float64 everywhere but at subnormal inputs and results.  Skipped when jax is not
installed.
"""

from __future__ import annotations

import math
import os

import mpmath
import numpy as np
import pytest

if os.environ.get("CI"):  # CI installs the extras (.ci/run): there these tests must not skip
    import jax  # noqa: F401
jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

import symact_jax as J  # noqa: E402
from symact.define import catalogue  # noqa: E402
from symact.derive.kernels import kernel_specs  # noqa: E402
from symact.emit import registry  # noqa: E402
from framework_checks import assert_imports_only, ulps  # noqa: E402

SPECS = kernel_specs(catalogue.ENTRIES)
SCALAR = [e for e in catalogue.ENTRIES if not e.vector]
VECTOR = [e for e in catalogue.ENTRIES if e.vector]
#: Where XLA's flushing reaches on the CPU in float64: subnormal inputs and results, and
#: those within 2^22 of them, whose computation passes through a subnormal (exp(x) in
#: 2.5*exp(x) at x = -708.4, x/alpha in alpha*expm1(x/alpha) at x = -2.2e-308).
FTZ_BAND = 2.0 ** -1000


@pytest.fixture
def x64():
    with jax.enable_x64(True):
        yield


def test_module_imports_only_jax_and_the_standard_library():
    assert_imports_only(J, "jax")


def test_every_kernel_is_public():
    assert sorted(J.__all__) == sorted([k.name for k in SPECS] + ["use_c_library"])


# --- derivatives ------------------------------------------------------------------------------

POINTS = np.array([-30.0, -7.1, -4.3, -2.55, -1.6, -0.7, -0.35, 0.15, 0.45, 1.3, 2.2, 4.1, 6.6, 25.0])


@pytest.mark.parametrize("entry", SCALAR, ids=lambda e: e.name)
def test_check_grads_scalar(entry, x64):
    fn = getattr(J, entry.name)
    names = [p.name for p in entry.params]
    params = [jnp.asarray(float(p.default)) for p in entry.params]
    check_grads(lambda x, *p: fn(x, **dict(zip(names, p))), (jnp.asarray(POINTS), *params), order=1,
                modes=("fwd", "rev"), eps=1e-7, atol=1e-7, rtol=1e-6)


@pytest.mark.parametrize("entry", VECTOR, ids=lambda e: e.name)
@pytest.mark.parametrize("axis", [-1, 0])
def test_check_grads_vector(entry, axis, x64):
    fn = getattr(J, entry.name)
    x = jnp.sin(jnp.arange(15.0).reshape(3, 5) * 0.37 - 2.0) * 4
    check_grads(lambda x: fn(x, axis=axis), (x,), order=1, modes=("rev",), eps=1e-7, atol=1e-7, rtol=1e-6)
    with pytest.raises(TypeError, match="custom_vjp"):
        jax.jvp(lambda x: fn(x, axis=axis), (x,), (x,))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_is_the_derivative_kernel(dtype, x64):
    x = jnp.linspace(-40, 40, 161, dtype=dtype)
    normal = float(np.finfo(dtype).tiny)
    for name in ("gelu", "silu", "sigmoid", "tanh", "mish", "softplus"):
        g = np.asarray(jax.grad(lambda v, f=getattr(J, name): jnp.sum(f(v)))(x))
        d = np.asarray(getattr(J, f"{name}_grad")(x))
        # the tangent map is linear (plain conversions): subnormal gradients flush on the CPU
        assert g.dtype == x.dtype and np.array_equal(np.where(np.abs(d) < normal, 0, g),
                                                     np.where(np.abs(d) < normal, 0, d)), name
    gb = jax.grad(lambda b: jnp.sum(J.softplus(x, beta=b)))(jnp.asarray(1.7, dtype))
    want = np.sum(np.asarray(J.softplus_grad_beta(x.astype("float64"), beta=float(np.asarray(1.7, dtype)))))
    assert abs(float(gb) - float(want)) <= 1e-6 * abs(float(want))


# --- jit, vmap and the simplifier -----------------------------------------------------------------

# Points where XLA's simplifier, folding (x + c1) - c2 into x + (c1 - c2), used to undo the
# double-word arithmetic under jit (measured: silu' 5.6e4 ULP near its root, elu 378 ULP).
JIT_POINTS = [
    ("silu_grad", "float64", -1.278451758115646, lambda x: _sig(x) * (1 + x * _sig(-x))),
    ("swish_grad", "float64", -1.2784645427, lambda x: _sig(x) * (1 + x * _sig(-x))),
    ("elu", "float32", -1.3562074640399713e-12, mpmath.expm1),
    ("tanh", "float64", 0.37, mpmath.tanh),
    ("gelu", "float64", -30.0, lambda x: x * mpmath.ncdf(x)),
    ("gelu_tanh_grad", "float64", -0.7524, None),
]


@pytest.mark.parametrize("name,dtype,x,exact", JIT_POINTS, ids=[f"{n}({x})" for n, _, x, _ in JIT_POINTS])
def test_jit_keeps_the_double_word_arithmetic(name, dtype, x, exact, x64):
    f = getattr(J, name)
    xs = jnp.asarray([x], dtype=dtype)
    got = float(jax.jit(f)(xs)[0])
    if exact is None:  # no closed form here: eager and jit within an ULP of each other
        assert abs(got - float(f(xs)[0])) <= float(np.spacing(abs(got)))
        return
    with mpmath.workdps(60):
        assert ulps(got, exact(mpmath.mpf(float(xs[0]))), np.dtype(dtype).type) <= 2, got


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_jit_and_vmap_agree_with_eager(dtype, x64):
    # XLA contracts a*b + c into fma inside fused loops, so the last bits may differ (by up
    # to 2 ULP in silu' and mish', whose single-word parts are rounded differently)
    x = jnp.asarray(np.concatenate([np.linspace(-40, 40, 801), -np.logspace(-20, 2.8, 60)]), dtype=dtype)
    rows = x[:800].reshape(8, 100)
    cases = [(getattr(J, n), x) for n in ("gelu", "gelu_tanh_grad", "silu_grad", "mish_grad", "elu", "celu_grad",
                                         "tanh", "softplus")]
    cases += [(getattr(J, n), rows) for n in ("softmax", "log_softmax", "logsumexp")]
    cases += [(jax.vmap(J.gelu), rows)]
    for f, v in cases:
        a, b = np.asarray(jax.jit(f)(v)), np.asarray(f(v) if f is not cases[-1][0] else J.gelu(v))
        tol = 2 * np.spacing(np.abs(b).astype(dtype))
        assert np.all((a == b) | (np.abs(a - b) <= tol)), f


def _primitives(fn, x):
    """The names of the XLA primitives in the trace of fn(x), sub-jaxprs included."""
    names = set()

    def walk(jaxpr):
        for eqn in jaxpr.eqns:
            names.add(eqn.primitive.name)
            for v in eqn.params.values():
                for sub in (v if isinstance(v, (list, tuple)) else [v]):
                    if hasattr(sub, "jaxpr"):
                        walk(sub.jaxpr if hasattr(sub.jaxpr, "eqns") else sub.jaxpr.jaxpr)
                    elif hasattr(sub, "eqns"):
                        walk(sub)
    walk(jax.make_jaxpr(fn)(x).jaxpr)
    return names


@pytest.mark.parametrize("name,op", [("tanh", "tanh"), ("elu", "expm1"), ("softplus", "log1p"),
                                     ("mish", "tanh")])
def test_float32_takes_xlas_own_elementary_functions(name, op, x64):
    """A float32 input's kernel (computed in float64, rounded once) calls XLA's expm1,
    log1p and tanh, off by a few float64 ULP, which no float result sees; a float64
    input's the double-double ones (accurate.py), which call none of them, also when
    traced right after a float32 one (the choice is per call)."""
    fn = getattr(J, name)
    x = np.linspace(-3, 3, 7)
    assert op in _primitives(fn, jnp.asarray(x, dtype=jnp.float32))
    assert op not in _primitives(fn, jnp.asarray(x, dtype=jnp.float64))
    assert op in _primitives(jax.grad(lambda v: jnp.sum(fn(v))), jnp.asarray(x, dtype=jnp.float32))


def test_float32_works_without_64_bit_types():
    assert not jax.config.jax_enable_x64
    x = jnp.asarray([-13.2, -1.0, 2.0], dtype=jnp.float32)
    y = jax.jit(J.gelu)(x)
    assert y.dtype == jnp.float32
    with mpmath.workdps(40):
        assert ulps(float(y[0]), mpmath.mpf(float(x[0])) * mpmath.ncdf(float(x[0])), np.float32) <= 1
    assert jax.grad(lambda v: jnp.sum(J.softmax(v)))(x.reshape(1, 3)).dtype == jnp.float32
    for name in ("softmax", "log_softmax", "logsumexp"):
        assert jax.jit(getattr(J, name))(x.reshape(1, 3)).dtype == jnp.float32, name
        assert jax.jit(jax.grad(lambda v, f=getattr(J, name): jnp.sum(f(v))))(x.reshape(1, 3)).dtype == jnp.float32


# --- the peers' failure points, against mpmath ----------------------------------------------------

def _sig(u):
    return 1 / (1 + mpmath.exp(-u))


GRADIENT_TAILS = [
    ("sigmoid", 40.0, lambda x: _sig(x) * _sig(-x)),
    ("tanh", 20.0, lambda x: mpmath.sech(x) ** 2),
    ("silu", -700.0, lambda x: _sig(x) * (1 + x * _sig(-x))),
    ("gelu", -30.0, lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x)),
    ("softplus", -700.0, _sig),
]


@pytest.mark.parametrize("name,x,exact", GRADIENT_TAILS, ids=[f"{n}'({x})" for n, x, _ in GRADIENT_TAILS])
def test_gradient_tails(name, x, exact, x64):
    g = jax.grad(lambda v, f=getattr(J, name): jnp.sum(f(v)))(jnp.asarray([x]))
    with mpmath.workdps(60):
        assert ulps(float(g[0]), exact(mpmath.mpf(x))) <= 2, float(g[0])


@pytest.mark.parametrize("name,x,exact", [
    ("gelu", -14.0, lambda x: x * mpmath.ncdf(x)),                 # a float32 subnormal
    ("sigmoid_grad", 20.0, lambda x: _sig(x) * _sig(-x)),
    ("softplus", -100.0, lambda x: mpmath.log1p(mpmath.exp(x))),     # a float32 subnormal
])
def test_float32_tails(name, x, exact):
    got = getattr(J, name)(jnp.asarray([x], dtype=jnp.float32))
    with mpmath.workdps(60):
        assert ulps(float(got[0]), exact(mpmath.mpf(x)), np.float32) <= 1


def test_special_values_and_rows(x64):
    inf = math.inf
    assert float(J.silu(-inf)) == 0.0 and float(J.silu_grad(-inf)) == 0.0
    assert math.isnan(float(J.gelu(math.nan)))
    y = J.softmax(jnp.asarray([[inf, 1.0, inf], [0.0, -700.0, 1.0]]))
    assert np.asarray(y[0]).tolist() == [0.5, 0.0, 0.5] and not np.isnan(y).any()
    g = jax.grad(lambda v: jnp.sum(J.logsumexp(v)))(jnp.full((2, 3), -inf))
    assert np.array_equal(g, np.zeros((2, 3)))                      # masked rows: 0, not nan
    g = jax.grad(lambda v: jnp.sum(J.softmax(v) * jnp.asarray([[3.0, 5.0]])))(jnp.asarray([[inf, 2.0]]))
    assert not np.isnan(g).any()
    with mpmath.workdps(60):
        lsm = J.log_softmax(jnp.asarray([0.0, -50.0]))
        assert ulps(float(lsm[0]), -mpmath.log1p(mpmath.exp(-50))) <= 1


@pytest.mark.parametrize("call,match", [
    (lambda: J.elu(jnp.ones(2), alpha=-1.0), "alpha >= 0"),
    (lambda: J.softplus_grad_beta(jnp.ones(2), beta=0.0), "beta > 0"),
    (lambda: J.hardtanh(jnp.ones(2), min_val=2.0, max_val=1.0), "max_val > min_val"),
    (lambda: J.leaky_relu(jnp.ones(2), negative_slope=math.nan), "negative_slope"),
    (lambda: J.softmax(jnp.asarray(1.0)), "at least one axis"),
])
def test_bad_parameters_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_array_parameters_broadcast_and_differentiate(x64):
    a = jnp.asarray([[0.25], [0.5], [0.125]])
    x = jnp.asarray([[-1.0, 2.0], [-1.0, -3.0], [4.0, -2.0]])
    assert np.asarray(J.prelu(x, a=a)).tolist() == [[-0.25, 2.0], [-0.5, -1.5], [4.0, -0.25]]
    ga = jax.grad(lambda a: jnp.sum(J.prelu(x, a=a)))(a)
    assert ga.shape == (3, 1) and np.asarray(ga).ravel().tolist() == [-1.0, -4.0, -2.0]


# --- the backend ----------------------------------------------------------------------------------

def test_loader_gives_the_numpy_api():
    lib = registry.get("jax").load()
    y = lib.gelu(np.array([-30.0, 2.0]))
    assert isinstance(y, np.ndarray) and y.dtype == np.float64
    assert lib.gelu(np.float32(1.5)).dtype == np.float32 and lib.gelu(np.array(2.0)).shape == ()
    assert lib.softmax(np.ones((2, 3)), axis=0).shape == (2, 3)
    assert lib.softmax_vjp(np.ones((2, 3)), np.ones((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError, match="alpha >= 0"):
        lib.elu(np.ones(2), alpha=-1.0)


def test_unavailable_says_why(monkeypatch):
    backend = registry.get("jax")
    if jax.default_backend() == "cpu":
        assert "flushes subnormals" in backend.unavailable()
    else:
        assert backend.unavailable() is None
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jax" else real(name, *a))
    assert "jax is not installed" in backend.unavailable()


# --- the ULP budget, with verify's own grids, oracle and metric ------------------------------------

@pytest.fixture(scope="module")
def api():
    return registry.get("jax").load()


def _kernels():
    from symact.verify.kernels import all_kernels
    return all_kernels(catalogue.ENTRIES)


@pytest.mark.slow
@pytest.mark.parametrize("kernel", _kernels(), ids=lambda k: k.function)
def test_float32_within_budget(kernel, api):
    from symact.verify import measure
    from symact.verify.metric import FORMATS
    m = measure.measure(kernel, api, "jax", FORMATS["float32"])
    assert m.ok, "; ".join(m.problems())


@pytest.mark.slow
@pytest.mark.parametrize("kernel", _kernels(), ids=lambda k: k.function)
def test_float64_within_budget_outside_the_subnormals(kernel, api):
    """verify's measurement (measure.py), but leaving out the points XLA on the CPU cannot
    compute: an input or exact result below FTZ_BAND (and not 0)."""
    from symact.verify import grid, measure, oracle, vector_oracle
    from symact.verify.metric import BUDGET_ULP, FORMATS, abs_errors_in_eps, ulp_errors
    f = FORMATS["float64"]
    worst, left_out = 0.0, 0
    if kernel.vector:
        vjp = kernel.function.endswith("_vjp")
        rows = [r for r in grid.vector_rows(f) if not grid.row_is_special(r)]
        for r, ex in zip(rows, vector_oracle.vector_exact(kernel.function, rows, f)):
            args = (r.x.reshape(1, -1), r.g.reshape(1, -1)) if vjp else (r.x.reshape(1, -1),)
            out = np.asarray(getattr(api, kernel.function)(*args)).reshape(-1)
            sub = (np.abs(ex.hi) < FTZ_BAND) & (ex.hi != 0)
            use = (ex.status == oracle.OK) & ~sub
            left_out += int(sub.sum())
            worst = max(worst, float(np.max(ulp_errors(out, ex.hi, ex.spacing, ex.frac)[use], initial=0)))
    else:
        for params in kernel.param_sets:
            expr = kernel.expr(params)
            roots = measure.interior_roots(expr)
            pts = measure.scalar_points(kernel, params, f, roots)
            ex = oracle.scalar_exact(expr, pts, f)
            out = np.asarray(getattr(api, kernel.function)(pts, **params))
            sub = ((np.abs(pts) < FTZ_BAND) & (pts != 0)) | ((np.abs(ex.hi) < FTZ_BAND) & (ex.hi != 0))
            window = grid.in_root_window(pts, roots)
            use = (ex.status == oracle.OK) & ~sub
            left_out += int(sub.sum())
            errs = ulp_errors(out, ex.hi, ex.spacing, ex.frac)
            worst = max(worst, float(np.max(errs[use & ~window], initial=0)))
            if (use & window).any():
                near = abs_errors_in_eps(out[use & window], ex.approx[use & window], f)
                worst = max(worst, float(near.max()))
    assert worst <= BUDGET_ULP, (kernel.function, worst, left_out)
