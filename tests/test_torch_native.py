"""symact_torch on the C library: ``use_c_library(symact.c_library())``.

What it must do: in eager mode, float32 and float64 CPU tensors with number parameters
take the compiled C kernels, forward and backward, scalar and vector, and give exactly
the C library's values; everything else (float16, tensor parameters, a graph being
recorded, torch.compile) takes the printed torch kernels as before; bad libraries are
refused with a clear error, and ``use_c_library(None)`` switches it off.  Skipped when
torch or a C compiler is missing.
"""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest

if os.environ.get("CI"):  # CI installs the extras (.ci/run): there these tests must not skip
    import torch  # noqa: F401
torch = pytest.importorskip("torch")

import symact_torch as T  # noqa: E402
from symact.define import catalogue  # noqa: E402
from symact.derive.kernels import kernel_specs  # noqa: E402
from framework_checks import NATIVE_POINTS, native_values, same_bits  # noqa: E402

SPECS = kernel_specs(catalogue.ENTRIES)
SCALAR = [s for s in SPECS if not s.vector]
VECTOR = [s for s in SPECS if s.vector]
F64 = torch.float64

#: every kind of point (framework_checks.NATIVE_POINTS)
POINTS = NATIVE_POINTS


@pytest.fixture(scope="module")
def path(c_compiler):
    import symact
    return symact.c_library()


@pytest.fixture
def native(path):
    T.use_c_library(path)
    yield path
    T.use_c_library(None)


@pytest.mark.parametrize("dtype", [torch.float32, F64], ids=["f32", "f64"])
@pytest.mark.parametrize("spec", SCALAR, ids=lambda s: s.name)
def test_scalar_kernels_are_the_c_librarys(spec, dtype, native, c_library):
    params = native_values(spec)
    x = torch.tensor(POINTS, dtype=dtype)
    got = getattr(T, spec.name)(x, **params)
    want = getattr(c_library, spec.name)(x.numpy(), **params)
    assert same_bits(got, want)


def test_the_c_path_is_taken_and_switched_off(native, c_library):
    # sigmoid in float64: the printed kernel and the C kernel differ in the last bits of
    # some entries (both within the budget), so bitwise equality with C shows the path
    x = torch.linspace(-30, 30, 20001, dtype=F64)
    want = c_library.sigmoid(x.numpy())
    assert same_bits(T.sigmoid(x), want)
    T.use_c_library(None)
    printed = T.sigmoid(x)
    assert not same_bits(printed, want)
    T.use_c_library(native)
    assert same_bits(T.sigmoid(x), want)


@pytest.mark.parametrize("dtype", [torch.float32, F64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", ["gelu", "silu", "softplus", "mish", "elu", "prelu"])
def test_backward_is_g_times_the_c_derivative(name, dtype, native, c_library):
    spec = next(s for s in SCALAR if s.name == name)
    params = native_values(spec)
    x = torch.tensor(POINTS[np.isfinite(POINTS)], dtype=dtype).requires_grad_(True)
    g = torch.linspace(-2.5, 3.5, x.numel(), dtype=dtype)
    getattr(T, name)(x, **params).backward(g)
    d = torch.from_numpy(getattr(c_library, f"{name}_grad")(x.detach().numpy(), **params))
    assert torch.equal(x.grad, g * d)


@pytest.mark.parametrize("name", ["gelu", "swish", "softplus", "mish", "celu"])
def test_gradcheck_on_the_c_path(name, native):
    spec = next(s for s in SCALAR if s.name == name)
    params = native_values(spec)
    x = torch.tensor([-7.1, -2.55, -1.6, -0.7, 0.15, 1.3, 4.1], dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: getattr(T, name)(x, **params), (x,), eps=1e-7, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("dtype", [torch.float32, F64], ids=["f32", "f64"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("spec", VECTOR, ids=lambda s: s.name)
def test_vector_kernels_are_the_c_librarys(spec, dim, dtype, native, c_library):
    gen = torch.Generator().manual_seed(7)
    x = (torch.randn((3, 5, 7), generator=gen, dtype=F64) * 30).to(dtype)
    x[1, 2, 3], x[2, 0, 0], x[0, 4, :] = float("inf"), float("-inf"), float("-inf")
    args = (x,)
    if spec.takes_g:
        args += (torch.randn(x.shape, generator=gen, dtype=F64).to(dtype),)
    got = getattr(T, spec.name)(*args, dim=dim)
    want = getattr(c_library, spec.name)(*[a.numpy() for a in args], axis=dim)
    assert same_bits(got, want)


@pytest.mark.parametrize("name,vjp", [("softmax", "softmax_vjp"), ("log_softmax", "log_softmax_vjp")])
def test_vector_backward_is_the_c_vjp(name, vjp, native, c_library):
    x = (torch.arange(40, dtype=F64).reshape(4, 10) * 0.73).sin().mul(9).requires_grad_(True)
    g = (torch.arange(40, dtype=F64).reshape(4, 10) * 1.7).cos()
    getattr(T, name)(x, dim=0).backward(g)
    want = getattr(c_library, vjp)(x.detach().numpy(), g.numpy(), axis=0)
    assert same_bits(x.grad, want)


def test_logsumexp_backward_is_g_times_the_c_gradient(native, c_library):
    x = (torch.arange(40, dtype=torch.float32).reshape(4, 10) * 0.73).sin().mul(9).requires_grad_(True)
    g = torch.tensor([0.5, -1.25, 2.0, 3.0])
    T.logsumexp(x, dim=1).backward(g)
    d = torch.from_numpy(c_library.logsumexp_grad(x.detach().numpy(), axis=1))
    assert torch.equal(x.grad, g[:, None] * d)


def test_what_the_c_library_cannot_take_stays_printed(native, c_library):
    x = torch.linspace(-20, 20, 4001, dtype=F64)
    T.use_c_library(None)
    printed = {"f16": T.gelu(x.half()), "tensor": T.elu(x, alpha=torch.tensor(1.37, dtype=F64))}
    T.use_c_library(native)
    assert torch.equal(T.gelu(x.half()), printed["f16"])
    assert torch.equal(T.elu(x, alpha=torch.tensor(1.37, dtype=F64)), printed["tensor"])
    # a strided view and a 2-d one are made contiguous for C
    assert same_bits(T.sigmoid(x[::3]), c_library.sigmoid(x[::3].numpy()))
    grid = x[:4000].reshape(40, 100).t()
    assert same_bits(T.softplus(grid), c_library.softplus(grid.numpy()))
    # channels last stays channels last, like torch's own elementwise operations
    for shape, fmt in (((2, 3, 4, 5), torch.channels_last), ((2, 3, 2, 4, 5), torch.channels_last_3d)):
        img = x[:int(np.prod(shape))].reshape(shape).contiguous(memory_format=fmt)
        y = T.gelu(img)
        assert y.is_contiguous(memory_format=fmt) and same_bits(y, c_library.gelu(img.numpy()))
    # a derivative kernel on an input that requires grad stays differentiable (printed)
    xg = x.clone().requires_grad_(True)
    d = T.silu_grad(xg)
    assert d.grad_fn is not None
    (dd,) = torch.autograd.grad(d.sum(), xg)
    assert torch.isfinite(dd).all()
    # a second derivative through the backward (create_graph) likewise
    y = T.gelu(xg)
    (g1,) = torch.autograd.grad(y.sum(), xg, create_graph=True)
    assert g1.grad_fn is not None


@pytest.mark.parametrize("threads", [1, 3])
def test_the_runs_on_threads_give_the_same_bits(threads, native, c_library, monkeypatch):
    # a grain of 7 entries: a 1000-entry call is split into `threads` runs of odd lengths
    monkeypatch.setattr(T, "_C_GRAIN", 7)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        x = torch.linspace(-40, 40, 1001, dtype=F64)
        x[::97] = float("nan")
        assert same_bits(T.gelu(x), c_library.gelu(x.numpy()))
        assert same_bits(T.swish_grad(x.float(), beta=1.7), c_library.swish_grad(x.float().numpy(), beta=1.7))
        rows = x[:1000].reshape(8, 125)
        for dim in (0, 1):
            assert same_bits(T.softmax(rows, dim=dim), c_library.softmax(rows.numpy(), axis=dim))
            assert same_bits(T.logsumexp(rows, dim=dim), c_library.logsumexp(rows.numpy(), axis=dim))
            assert same_bits(T.softmax_vjp(rows, rows.cos(), dim=dim),
                               c_library.softmax_vjp(rows.numpy(), rows.cos().numpy(), axis=dim))
    finally:
        torch.set_num_threads(before)


def test_bad_libraries_are_refused(tmp_path, c_compiler):
    with pytest.raises(OSError):
        T.use_c_library(tmp_path / "missing.so")
    src = tmp_path / "other.c"
    src.write_text("int symact_relu_f64(void) { return 0; }\n")
    lib = tmp_path / "other.so"
    subprocess.run([*c_compiler, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    with pytest.raises(ValueError, match="is not this module's C library: it has no symact_"):
        T.use_c_library(lib)
    assert T._C_LIB["lib"] is None


def test_torch_compile_records_the_c_calls(native):
    # the C calls are custom operators: a compiled graph (fullgraph: no break) holds them,
    # and gives the eager bits, forward and backward
    torch._dynamo.reset()
    x = torch.linspace(-20, 20, 1001, dtype=F64, requires_grad=True)
    f = torch.compile(lambda x: T.silu(x) + T.softmax(x.reshape(1, -1), dim=-1).reshape(-1), fullgraph=True)
    y = f(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    x0 = x.detach().requires_grad_(True)
    y0 = T.silu(x0) + T.softmax(x0.reshape(1, -1), dim=-1).reshape(-1)
    (g0,) = torch.autograd.grad(y0.sum(), x0)
    assert torch.equal(y, y0) and torch.equal(g, g0)
    # unbound, the compiled function is traced again, on the printed kernels
    T.use_c_library(None)
    assert torch.allclose(f(x), T.silu(x) + T.softmax(x.reshape(1, -1), dim=-1).reshape(-1), rtol=1e-15, atol=0)
