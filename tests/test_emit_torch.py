"""The PyTorch backend: generated/symact_torch.py and its loader.

What it must do (issue 12): every kernel as torch ops, autograd Functions whose
backward is the derived derivative kernels (checked by torch.autograd.gradcheck),
the peers' failure points right (checked against mpmath here), float32/float64
in float64 and float16/bfloat16 likewise, nn.Modules with learnable parameters,
and torch.compile without graph breaks.  Its ULP table over the whole range is
``symact verify --backend torch``.  Skipped when torch is not installed.
"""

from __future__ import annotations

import math
import os

import mpmath
import numpy as np
import pytest

if os.environ.get("CI"):  # CI installs the extras (.ci/run): there these tests must not skip
    import torch  # noqa: F401
torch = pytest.importorskip("torch")

import symact_torch as T  # noqa: E402
from symact.define import catalogue  # noqa: E402
from symact.derive.kernels import kernel_specs  # noqa: E402
from symact.emit import registry  # noqa: E402
from symact.emit.tensor import class_name  # noqa: E402
from framework_checks import assert_imports_only, ulps  # noqa: E402

SPECS = kernel_specs(catalogue.ENTRIES)
SCALAR = [e for e in catalogue.ENTRIES if not e.vector]
VECTOR = [e for e in catalogue.ENTRIES if e.vector]
F64 = torch.float64


def test_module_imports_only_torch_and_the_standard_library():
    assert_imports_only(T, "torch")


def test_every_kernel_and_module_is_public():
    names = [k.name for k in SPECS] + [class_name(e.name) for e in catalogue.ENTRIES]
    assert sorted(T.__all__) == sorted(names + ["use_c_library"])
    assert all(callable(getattr(T, n)) for n in names)
    assert issubclass(T.Prelu, torch.nn.Module) and issubclass(T.Softmax, torch.nn.Module)


# --- autograd: the backward is the derived kernels ------------------------------------------

#: Points away from every kink of the catalogue (0, +-1, +-3, 6, -alpha), with tails.
POINTS = torch.tensor([-30.0, -7.1, -4.3, -2.55, -1.6, -0.7, -0.35, 0.15, 0.45, 1.3, 2.2, 4.1, 6.6, 25.0],
                      dtype=F64)


def _params(entry, requires_grad):
    return {p.name: torch.tensor(float(p.default), dtype=F64, requires_grad=requires_grad)
            for p in entry.params}


@pytest.mark.parametrize("entry", SCALAR, ids=lambda e: e.name)
def test_gradcheck_scalar(entry):
    fn = getattr(T, entry.name)
    params = _params(entry, True)
    names = list(params)
    x = POINTS.clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x, *p: fn(x, **dict(zip(names, p))), (x, *params.values()),
                                    eps=1e-7, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("entry", VECTOR, ids=lambda e: e.name)
@pytest.mark.parametrize("dim", [-1, 0])
def test_gradcheck_vector(entry, dim):
    fn = getattr(T, entry.name)
    x = (torch.arange(15, dtype=F64).reshape(3, 5) * 0.37 - 2.0).sin().mul(4).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda x: fn(x, dim=dim), (x,), eps=1e-7, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_backward_is_the_derivative_kernel(dtype):
    x = torch.linspace(-40, 40, 161, dtype=dtype, requires_grad=True)
    for name in ("gelu", "silu", "sigmoid", "tanh", "mish", "softplus"):
        (g,) = torch.autograd.grad(getattr(T, name)(x).sum(), x)
        assert torch.equal(g, getattr(T, f"{name}_grad")(x.detach())), name
    beta = torch.tensor(1.7, dtype=dtype, requires_grad=True)
    (gb,) = torch.autograd.grad(T.softplus(x.detach(), beta=beta).sum(), beta)
    want = T.softplus_grad_beta(x.detach().to(F64), beta=1.7000000476837158 if dtype == torch.float32 else 1.7)
    assert gb.dtype == dtype and abs(float(gb) - float(want.sum())) <= 1e-6 * float(want.abs().sum())


# --- the peers' failure points (docs/numerics.md), against mpmath ---------------------------

def _sig(u):
    return 1 / (1 + mpmath.exp(-u))


# (activation, x, exact derivative) where torch's own autograd loses every digit or gives nan
GRADIENT_TAILS = [
    ("sigmoid", 40.0, lambda x: _sig(x) * _sig(-x)),
    ("tanh", 20.0, lambda x: mpmath.sech(x) ** 2),
    ("silu", -700.0, lambda x: _sig(x) * (1 + x * _sig(-x))),
    ("gelu", -30.0, lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x)),
    ("softplus", -740.0, _sig),
]


@pytest.mark.parametrize("name,x,exact", GRADIENT_TAILS, ids=[f"{n}'({x})" for n, x, _ in GRADIENT_TAILS])
def test_gradient_tails(name, x, exact):
    t = torch.tensor([x], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(getattr(T, name)(t).sum(), t)
    with mpmath.workdps(60):
        assert ulps(float(g), exact(mpmath.mpf(x))) <= 2, float(g)


@pytest.mark.parametrize("name,x,exact", [
    ("gelu", -30.0, lambda x: x * mpmath.ncdf(x)),
    ("gelu_tanh", -12.0, lambda x: x * _sig(2 * mpmath.sqrt(2 / mpmath.pi) * (x + mpmath.mpf(44715) / 10 ** 6 * x ** 3))),
    ("sigmoid_grad", 20.0, lambda x: _sig(x) * _sig(-x)),
])
def test_float32_tails(name, x, exact):
    got = getattr(T, name)(torch.tensor([x], dtype=torch.float32))
    with mpmath.workdps(60):
        assert ulps(float(got), exact(mpmath.mpf(x)), np.float32) <= 1


# (kernel, x, params, exact): near an interior root of the derivative and at a rounded
# scale beta*x, where only the double-word evaluation (tensor/runtime/exact.py) keeps the
# relative accuracy (plain float64: 1e4-1e5 ULP at these points)
PAIR_POINTS = [
    ("silu_grad", -1.278451758115646, {}, lambda x: _sig(x) * (1 + x * _sig(-x))),
    ("mish_grad", -1.1924431388276404, {},
     lambda x: mpmath.tanh(mpmath.log1p(mpmath.exp(x))) + x * _sig(x) * mpmath.sech(mpmath.log1p(mpmath.exp(x))) ** 2),
    ("swish_grad", -0.7506505735724895, {"beta": 1.703125},
     lambda x: _sig(mpmath.mpf(1.703125) * x) * (1 + mpmath.mpf(1.703125) * x * _sig(-mpmath.mpf(1.703125) * x))),
    ("softplus", -372.3933227558306, {"beta": 1.703125},
     lambda x: mpmath.log1p(mpmath.exp(mpmath.mpf(1.703125) * x)) / mpmath.mpf(1.703125)),
]


@pytest.mark.parametrize("name,x,params,exact", PAIR_POINTS, ids=[p[0] for p in PAIR_POINTS])
def test_pairs_keep_the_relative_accuracy(name, x, params, exact):
    got = getattr(T, name)(torch.tensor([x], dtype=F64), **params)
    with mpmath.workdps(60):
        assert ulps(float(got), exact(mpmath.mpf(x))) <= 4, float(got)


def test_pair_kernels_compile_without_graph_breaks():
    torch._dynamo.reset()
    x = torch.linspace(-3, 3, 64, dtype=F64)
    f = torch.compile(lambda x: T.mish_grad(x) + T.swish_grad(x, beta=1.703125), fullgraph=True, backend="eager")
    assert torch.equal(f(x), T.mish_grad(x) + T.swish_grad(x, beta=1.703125))


def test_sqrt_is_correctly_rounded():
    """torch's eager float64 sqrt is not (ops.py's _sqrt corrects it); numpy's is the
    hardware's correctly rounded one."""
    from symact.emit.torch.runtime.ops import _sqrt
    rng = np.random.default_rng(7)
    r = np.concatenate([rng.uniform(0, 1e6, 200_000), np.exp(rng.uniform(-745, 709, 200_000)),
                        rng.uniform(0, 1, 1000) * 2.0 ** -1022, [0.0, 5e-324, np.inf]])
    got = _sqrt(torch.tensor(r)).numpy()
    assert np.array_equal(got, np.sqrt(r))
    assert np.signbit(_sqrt(torch.tensor([-0.0], dtype=F64)).numpy()).all()
    assert torch.isnan(_sqrt(torch.tensor([-1.0, math.nan], dtype=F64))).all()


def test_special_values_and_rows():
    inf = math.inf
    assert float(T.silu(torch.tensor(-inf))) == 0.0 and float(T.silu_grad(torch.tensor(-inf))) == 0.0
    assert math.isnan(float(T.gelu(torch.tensor(math.nan))))
    y = T.softmax(torch.tensor([[inf, 1.0, inf], [0.0, -700.0, 1.0]], dtype=F64))
    assert y[0].tolist() == [0.5, 0.0, 0.5] and not torch.isnan(y).any()
    x = torch.full((2, 3), -inf, dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad(T.logsumexp(x).sum(), x)
    assert torch.equal(g, torch.zeros_like(g))                       # masked rows: 0, not nan
    assert float(T.logsumexp(x.detach())[0]) == -inf
    x = torch.tensor([[inf, 2.0]], dtype=F64, requires_grad=True)
    (g,) = torch.autograd.grad((T.softmax(x) * torch.tensor([[3.0, 5.0]], dtype=F64)).sum(), x)
    assert not torch.isnan(g).any()
    with mpmath.workdps(60):
        lsm = T.log_softmax(torch.tensor([0.0, -50.0], dtype=F64))
        assert ulps(float(lsm[0]), -mpmath.log1p(mpmath.exp(-50))) <= 1   # not 0


# --- eager mode: values decide the work, the results do not change -------------------------

def _bits(y):
    """The bit patterns of y, every nan as one pattern (payloads are not part of the contract)."""
    y = y.detach()
    y = torch.where(torch.isnan(y), torch.full_like(y, math.nan), y)
    return y.view(torch.int64 if y.dtype == F64 else torch.int32)


def _scan(dtype):
    """Every branch and window of the catalogue: a dense scan of [-45, 45], the tails on a
    log scale, signed zeros, subnormals, the largest numbers, infinities and nan."""
    rng = np.random.default_rng(3)
    tiny = float(np.finfo(np.float32 if dtype == torch.float32 else np.float64).smallest_subnormal)
    top = float(np.finfo(np.float32 if dtype == torch.float32 else np.float64).max)
    pts = np.concatenate([np.linspace(-45, 45, 20011), rng.uniform(-3, 1, 3000),
                          np.geomspace(1e-8, 3e4, 500), -np.geomspace(1e-8, 3e4, 500),
                          [0.0, -0.0, tiny, -tiny, top, -top, math.inf, -math.inf, math.nan]])
    return torch.tensor(pts, dtype=F64).to(dtype)


@pytest.mark.parametrize("dtype", [torch.float32, F64], ids=str)
def test_eager_kernels_match_the_branch_free_ones_bit_for_bit(dtype):
    """In eager mode a Piecewise evaluates its costly branches only on the entries that
    take them, and the nan/inf checks run only for inputs with such entries; traced or
    differentiated through (requires_grad here), every branch runs on every entry.  Both
    must give the same bits, for every scalar kernel at parameters off the powers of two."""
    x = _scan(dtype)
    for spec in SPECS:
        if spec.vector:
            continue
        kernel = getattr(T, f"_k_{spec.name}")
        params = tuple(float(p.default) * 1.0859375 if p.default not in (0,) else 0.3 for p in spec.params)
        with torch.no_grad():
            eager = T._apply(kernel, x, params)
            finite = T._apply(kernel, x[torch.isfinite(x)], params)
        with torch.enable_grad():
            traced = T._apply(kernel, x.clone().requires_grad_(True), params)
        assert torch.equal(_bits(eager), _bits(traced)), spec.name
        assert torch.equal(_bits(finite), _bits(traced[torch.isfinite(x)])), spec.name


def test_eager_kernels_take_any_layout():
    """Gathered branches write back by flat position: a transposed (non-contiguous) input
    and one with a single entry give what the contiguous input gives."""
    x = torch.linspace(-12, 3, 600, dtype=F64).reshape(20, 30)
    for name in ("silu_grad", "mish_grad", "gelu", "gelu_tanh_grad", "softplus"):
        f = getattr(T, name)
        with torch.no_grad():
            assert torch.equal(f(x.t()), f(x.t().contiguous())), name
            assert torch.equal(f(x[3:4, 7:8]), f(x)[3:4, 7:8]), name


def test_float_precision_primitives_carry_float_precision():
    """Every float-precision primitive (``_NAME_x``, which the float forms call) is within
    2^-40 of its float64 version wherever float's range can see the result, over u from
    -110 to 110 (float's exp range) and a of float's magnitudes."""
    import inspect

    from symact.emit.tensor import float_primitives
    u = torch.cat([torch.linspace(-110, 110, 20001, dtype=F64), torch.tensor([0.0, -0.0, 1e-30, -1e-30], dtype=F64)])
    names = sorted(float_primitives())
    assert {"sigmoid", "dsigmoid", "mul_sigmoid", "mul_dsigmoid", "sech2", "sech2_softplus"} <= set(names)
    for name in names:
        fast, ref = getattr(T, f"_{name}_x"), getattr(T, f"_{name}")
        unary = len(inspect.signature(fast).parameters) == 1
        args = [(u,)] if unary else [(a * torch.ones_like(u), u) for a in (1.0, -3.5, 1e30, -1e-30)]
        for arg in args:
            with torch.no_grad():
                y, r = fast(*arg), ref(*arg)
            seen = r.abs() > 2.0 ** -149 * 2 ** 40              # results float can hold
            rel = ((y - r).abs() / r.abs())[seen]
            assert float(rel.max()) <= 2.0 ** -40, (name, float(rel.max()))


def test_float_rows_match_the_double_double_rows():
    """float32 rows take the float-precision softmax and log_softmax (plain float64,
    vector.py); rounded to float they must agree with the double-double kernels except
    at near-ties of float's rounding (at most 1 ulp, and rarely)."""
    rng = np.random.default_rng(11)
    rows = [rng.normal(0, s, (300, n)) for n in (1, 2, 7, 1000) for s in (1.0, 30.0, 120.0)]
    rows.append(np.array([[0.0, -1e-30, -104.0, -103.5], [5.0, 5.0, 5.0, -90.0]]))
    mismatches = total = 0
    for r in rows:
        x = torch.tensor(r, dtype=torch.float32)
        for name in ("softmax", "log_softmax", "logsumexp_grad"):
            fast = getattr(T, name)(x, dim=-1)
            ref = getattr(T, name)(x.to(F64), dim=-1).to(torch.float32)
            d = (_bits(fast) - _bits(ref)).abs()
            assert int(d.max()) <= 1, name
            mismatches += int((d > 0).sum())
            total += d.numel()
    assert mismatches <= total * 1e-4, (mismatches, total)


# --- dtypes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32])
def test_low_precision_inputs_round_the_float64_result_once(dtype):
    x = torch.linspace(-9, 9, 37, dtype=dtype)
    for name in ("gelu", "mish", "softplus", "sigmoid_grad"):
        y = getattr(T, name)(x)
        assert y.dtype == dtype
        assert torch.equal(y, getattr(T, name)(x.to(F64)).to(dtype)), name
    xg = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(T.gelu(xg).sum(), xg)
    assert g.dtype == dtype


def test_integers_become_float64_and_zero_dims_stay():
    assert T.relu(torch.tensor([1, -2])).dtype == F64
    assert T.gelu(torch.tensor(1.5)).shape == ()


# --- parameters and modules -----------------------------------------------------------------

@pytest.mark.parametrize("call,match", [
    (lambda: T.elu(torch.ones(2), alpha=-1.0), "alpha >= 0"),
    (lambda: T.softplus_grad_beta(torch.ones(2), beta=0.0), "beta > 0"),
    (lambda: T.hardtanh(torch.ones(2), min_val=2.0, max_val=1.0), "max_val > min_val"),
    (lambda: T.leaky_relu(torch.ones(2), negative_slope=math.inf), "negative_slope"),
    (lambda: T.Elu(alpha=-1.0), "alpha >= 0"),
    (lambda: T.softmax(torch.tensor(1.0)), "at least one axis"),
    (lambda: T.softmax_vjp(torch.ones(2, 3), torch.ones(3, 2)), "same shape"),
])
def test_bad_parameters_raise_value_error_naming_them(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_prelu_learns_its_slope():
    m = T.Prelu()
    assert [n for n, _ in m.named_parameters()] == ["a"] and float(m.a.detach()) == 0.25
    x = torch.tensor([-2.0, -1.0, 3.0])
    m(x).sum().backward()
    assert float(m.a.grad) == -3.0                     # d/da = sum of x over x <= 0
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    opt.step()
    assert abs(float(m.a.detach()) - 0.55) < 1e-6


def test_per_channel_parameters_broadcast():
    a = torch.tensor([[0.25], [0.5], [0.125]], dtype=F64, requires_grad=True)
    x = torch.tensor([[-1.0, 2.0], [-1.0, -3.0], [4.0, -2.0]], dtype=F64)
    y = T.prelu(x, a=a)
    assert y.tolist() == [[-0.25, 2.0], [-0.5, -1.5], [4.0, -0.25]]
    y.sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.flatten().tolist() == [-1.0, -4.0, -2.0]


def test_modules_hold_their_parameters():
    assert list(T.Gelu().parameters()) == [] and list(T.Softplus().parameters()) == []
    m = T.Softplus(beta=2.0, learnable=("beta",))
    assert float(m.beta.detach()) == 2.0 and m.beta.requires_grad
    assert "beta=2.0" in repr(T.Softplus(beta=2.0))
    assert T.Softmax(dim=0)(torch.ones(2, 3)).sum(dim=0).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="no parameter 'gamma'"):
        T.Elu(gamma=1.0)


# --- torch.compile ----------------------------------------------------------------------------

def test_compiles_without_graph_breaks():
    torch._dynamo.reset()
    a = torch.tensor(0.3, dtype=F64, requires_grad=True)
    f = torch.compile(lambda x: (T.prelu(x, a=a) + T.elu(x, alpha=2.0)).sum(), fullgraph=True, backend="eager")
    x = torch.linspace(-3, 3, 16, dtype=F64, requires_grad=True)
    f(x).backward()
    assert torch.equal(x.grad, T.prelu_grad(x.detach(), a=0.3) + T.elu_grad(x.detach(), alpha=2.0))


@pytest.mark.slow
def test_inductor_matches_eager_bit_for_bit():
    torch._dynamo.reset()
    x = torch.linspace(-40, 40, 4001, dtype=torch.float32, requires_grad=True)
    f = torch.compile(lambda x: T.gelu(x) + T.softmax(x.reshape(1, -1), dim=-1).reshape(-1), fullgraph=True)
    y = f(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    x0 = x.detach().requires_grad_(True)
    y0 = T.gelu(x0) + T.softmax(x0.reshape(1, -1), dim=-1).reshape(-1)
    (g0,) = torch.autograd.grad(y0.sum(), x0)
    assert torch.equal(y, y0) and torch.equal(g, g0)


# --- the backend: loader and availability ---------------------------------------------------------

def test_loader_gives_the_numpy_api():
    lib = registry.get("torch").load()
    y = lib.gelu(np.array([-30.0, 2.0]))
    assert isinstance(y, np.ndarray) and y.dtype == np.float64
    assert lib.gelu(np.float32(1.5)).dtype == np.float32 and lib.gelu(np.array(2.0)).shape == ()
    assert lib.relu(np.array([1, 2])).dtype == np.float64
    assert lib.softmax(np.ones((2, 3)), axis=0).shape == (2, 3)
    assert lib.softmax_vjp(np.ones((2, 3)), np.ones((2, 3)), axis=-1).shape == (2, 3)
    with pytest.raises(ValueError, match="alpha >= 0"):
        lib.elu(np.ones(2), alpha=-1.0)


def test_unavailable_says_why(monkeypatch):
    backend = registry.get("torch")
    assert backend.unavailable() is None
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    assert "torch is not installed" in backend.unavailable()


def test_readme_training_step_runs(repo):
    text = (repo / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    (step,) = [b for b in blocks if "import symact_torch" in b and "loss.backward()" in b]
    namespace = {}
    exec(compile(step, "README.md", "exec"), namespace)
    assert all(p.grad is not None for p in namespace["model"].parameters())


def test_readme_c_library_step_runs(repo, c_compiler):
    text = (repo / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    (step,) = [b for b in blocks if "use_c_library(" in b and "symact_torch" in b]
    try:
        exec(compile(step, "README.md", "exec"), {})
        assert T._C_LIB["lib"] is not None
        x = torch.linspace(-5, 5, 11, dtype=F64)
        assert torch.equal(T.gelu(x), torch.from_numpy(registry.get("c").load().gelu(x.numpy())))
    finally:
        T.use_c_library(None)
