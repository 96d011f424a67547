"""How the C kernels are evaluated, where it differs from printing the stable form once:

- a kernel with double-word windows evaluates the form outside its windows on every
  entry and the whole form only on the entries a window takes, gathered a block at a
  time (templates/c/symact.c.j2): the result must not depend on where an entry sits,
  on whether the call is in place, or on the block boundaries;
- float kernels computed in double take the form whose windows are float's
  (windows.RATIO_FLOAT: only around the roots), and the GELU derivatives the root fits
  only on [-1.3, -0.3]: every float around the roots and the window edges within
  0.5 + 2^-4 ULP of the double kernel;
- a primitive that each branch of a Piecewise calls once is called once, on selected
  arguments (symact.emit.printing.hoisted_calls): bit for bit what the branches give.

Accuracy over the whole grid is tests/test_verify_budget.py's; speed is measured by
benchmarks/speed_c.py, never here.
"""

from __future__ import annotations

import ctypes
import re
import subprocess

import numpy as np
import pytest
import sympy as sp

from symact.define import catalogue
from symact.define.model import X
from symact.emit.c import BACKEND, F32X
from symact.emit.c.printer import CPrinter
from symact.emit.literals import prepare
from symact.emit.printing import hoisted_calls
from symact.emit.resources import generated_dir
from symact.stabilise import primitives as P
from symact.stabilise.forms import kernels
from conftest import compiler_command

CC = compiler_command()
needs_cc = pytest.mark.skipif(CC is None, reason="no C compiler ($CC or cc)")

#: the windowed kernels and a parameter off the powers of two
WINDOWED = [("silu_grad", {}), ("swish_grad", {"beta": 1.703125}), ("swish_grad", {"beta": -0.8046875}),
            ("mish_grad", {})]


@pytest.fixture(scope="module")
def C(c_library):
    return c_library


def _inputs(dtype, beta=1.0, n=6000, seed=4):
    """Entries inside and around the windows (in beta*x), elsewhere, and the special
    values, shuffled so that window entries fall anywhere in a block."""
    rng = np.random.default_rng(seed)
    around = np.linspace(-2.0, -0.5, n) / beta
    x = np.concatenate([around, rng.uniform(-50, 50, n), [np.nan, np.inf, -np.inf, 0.0, -0.0]])
    return rng.permutation(x).astype(dtype)


@needs_cc
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name,params", WINDOWED, ids=lambda v: str(v))
def test_windowed_kernels_do_not_depend_on_position_or_aliasing(C, name, params, dtype):
    x = _inputs(dtype, params.get("beta", 1.0))
    f = getattr(C, name)
    y = f(x, **params)
    inplace = x.copy()
    f(inplace, out=inplace, **params)
    np.testing.assert_array_equal(inplace, y)
    # one entry per call: no block, no neighbour
    some = np.arange(0, x.size, 37)
    single = np.array([f(x[i:i + 1], **params)[0] for i in some], dtype=dtype)
    np.testing.assert_array_equal(single, y[some])
    # block boundaries: the same entries reversed land elsewhere in their blocks
    np.testing.assert_array_equal(f(x[::-1].copy(), **params)[::-1], y)


def test_windowed_loops_evaluate_pairs_only_on_gathered_entries():
    """In the generated source, each windowed kernel's loop evaluates the form without its
    windows (kf_*: no pair evaluation rounded once, w_val; a rounded argument may still be a
    pair) on every entry and the whole form (k_*) on the gathered ones; kernels without
    windows keep the single loop."""
    text = (generated_dir() / "symact.c").read_text()
    for name in ("silu_grad", "swish_grad", "mish_grad"):
        for tag in ("f64", "f32x"):
            body = re.search(rf"SYMACT__INLINE double symact__kf_{name}_{tag}\(.*?\n\}}", text, re.S).group(0)
            assert "symact__w_val(" not in body, (name, tag)
            loop = re.search(rf"SYMACT__INLINE void symact__loop_{name}_{tag}\(.*?\n\}}\n", text, re.S).group(0)
            assert f"symact__kw_{name}_{tag}(" in loop and f"symact__kf_{name}_{tag}(" in loop
            assert f"xs[j] = symact__k_{name}_{tag}(xs[j]" in loop
    assert "symact__kf_sigmoid_grad_f64" not in text


def _window_width(form, params) -> float:
    """The total width (in x, parameters at ``params``) of the dw_eval branches' windows."""
    if isinstance(form, P.at_infinity):
        form = form.args[0]
    xs = np.linspace(-40, 40, 160001)
    taken = np.zeros(xs.size, dtype=bool)
    for e, c in form.args:
        if isinstance(e, P.dw_eval):
            fn = sp.lambdify(X, c.subs(params), "numpy")
            taken |= np.asarray(fn(xs), dtype=bool)
    return float(taken.sum() * (xs[1] - xs[0]))


@pytest.mark.parametrize("name,double_width", [("silu", (0.25, 0.5)), ("swish", (10, 80)), ("mish", (10, 80))])
def test_float_windows_are_the_roots_only(name, double_width):
    """The float form's windows are narrow (at most 1/4 in all) and no wider than the
    double form's, which cover the whole cancelling range: x < 0 for swish' and mish',
    around the root only for silu' (sigmoid_dsigmoid leaves its sum cancelling there
    only)."""
    entry = catalogue.get(name)
    k = next(k for k in kernels(entry) if k.wrt == "x")
    params = {entry.param_symbols[p]: v for p, v in entry.defaults.items()}
    wide, narrow = _window_width(k.stable, params), _window_width(k.stable_float, params)
    assert double_width[0] < wide <= double_width[1] and 0 < narrow <= min(0.25, wide), (wide, narrow)
    assert k.stable_float.has(P.dw_eval)


def _ulps_against(y32, ref64):
    ref = ref64.astype(np.float32)
    spacing = np.spacing(np.abs(ref)).astype(np.float64)
    return np.abs(y32.astype(np.float64) - ref64) / spacing


#: (kernel, parameters, interval in beta*x): the windowed kernels around their roots and
#: the GELU derivatives around theirs and their root windows' edges (-1.3, -0.3)
AROUND_ROOTS = [(n, p, (-2.0, -0.5)) for n, p in WINDOWED] + \
    [("gelu_grad", {}, (-1.5, -0.1)), ("gelu_tanh_grad", {}, (-1.5, -0.1))]


@needs_cc
@pytest.mark.slow
@pytest.mark.parametrize("name,params,interval", AROUND_ROOTS, ids=lambda v: str(v))
def test_every_float_around_the_roots(C, name, params, interval):
    """All floats of the interval (in beta*x; 2^24 or so of them), where the roots and the
    edges of the float windows lie, against the double kernel (within 2 ulp of double
    there, far below float's): within 0.5 + 2^-4 ULP, the bound windows.RATIO_FLOAT is
    derived for (and that the f32x GELU derivatives keep)."""
    beta = params.get("beta", 1.0)
    lo, hi = sorted((np.float32(interval[0] / beta), np.float32(interval[1] / beta)))
    bits = np.sort(np.array([lo, hi], dtype=np.float32).view(np.int32))
    x = np.arange(bits[0], bits[1] + 1, dtype=np.int32).view(np.float32)
    f = getattr(C, name)
    e = _ulps_against(f(x, **params), f(x.astype(np.float64), **params))
    worst = int(np.argmax(e))
    assert e[worst] <= 0.5 + 2.0 ** -4, (name, params, float(e[worst]), x[worst])


# --------------------------------------------------------------------------------------
# One call on selected arguments
# --------------------------------------------------------------------------------------

def _softplus_forms():
    entry = catalogue.get("softplus")
    return {k.wrt: prepare(k.stable) for k in kernels(entry)}


def test_hoisted_call_of_softplus():
    """softplus's form calls mul_softplus in both branches (x + mul_softplus(1/beta, -beta x)
    and mul_softplus(1/beta, beta x)): one call, on the argument the condition selects,
    which stays a pair (dw)."""
    form = _softplus_forms()["f"]
    found = hoisted_calls(form)
    assert len(found) == 1
    call, branch_calls = found[0]
    assert isinstance(call, P.mul_softplus) and len(branch_calls) == 2
    assert isinstance(call.args[1], P.dw) and isinstance(call.args[1].args[0], sp.Piecewise)
    text = (generated_dir() / "symact.c").read_text()
    body = re.search(r"SYMACT__INLINE double symact__k_softplus_f64\(.*?\n\}", text, re.S).group(0)
    assert body.count("symact__mul_softplus_dw_f64(") == 1
    # no Piecewise, nothing to hoist
    assert hoisted_calls(P.sigmoid(X)) == []


@needs_cc
def test_hoisted_calls_give_the_branches_values_bit_for_bit(tmp_path):
    """softplus and softplus d/dbeta, printed with and without hoisting (double with pairs,
    and the float precision), compiled with the runtime: equal bit for bit."""
    forms = _softplus_forms()
    beta = sp.Symbol("beta", real=True)
    parts = [BACKEND.standalone(["doubleword.h", "elementary.h", "primitives.h", "exact.h"])]
    names = []
    for wrt in ("f", "beta"):
        for tag, exact in (("f64", None), ("f32x", False)):
            for hoist in (False, True):
                pr = CPrinter("float64", prim_tag=tag, exact=exact)
                pr.hoist = hoist
                lets, text = pr.doprint_shared(forms[wrt])
                name = f"k_{wrt}_{tag}_{int(hoist)}"
                body = "".join(f"    const double {n} = {v};\n" for n, v in lets)
                parts.append(f"double {name}(double x, double beta)\n{{\n{body}    return {text};\n}}\n")
                names.append(name)
    assert beta in forms["f"].free_symbols
    src = tmp_path / "hoist.c"
    src.write_text("\n".join(parts))
    so = tmp_path / "hoist.so"
    subprocess.run([*CC, "-O2", "-std=c99", "-fPIC", "-shared", "-o", str(so), str(src), "-lm"], check=True)
    lib = ctypes.CDLL(str(so))
    rng = np.random.default_rng(9)
    xs = np.concatenate([rng.uniform(-60, 60, 400), -np.exp(rng.uniform(0, 7, 100)), np.exp(rng.uniform(0, 7, 100))])
    for wrt in ("f", "beta"):
        for tag in ("f64", "f32x"):
            plain, hoisted = (getattr(lib, f"k_{wrt}_{tag}_{h}") for h in (0, 1))
            for f in (plain, hoisted):
                f.restype, f.argtypes = ctypes.c_double, [ctypes.c_double, ctypes.c_double]
            for b in (1.0, 1.703125, 0.296875, 37.5):
                a = np.array([plain(v, b) for v in xs])
                h = np.array([hoisted(v, b) for v in xs])
                assert np.array_equal(a.view(np.uint64), h.view(np.uint64)), (wrt, tag, b)
    assert F32X.tag == "f32x"


def _scalar_specs():
    from symact.derive.kernels import kernel_specs
    return [s for s in kernel_specs(catalogue.ENTRIES) if not s.vector]


#: positions of nan and +-inf among 3 blocks of the C loops (SYMACT__BLOCK = 512 entries)
#: and a few more: each block's first and last entry, a run over a block boundary, the
#: array's last entry
_SPECIAL_AT = [0, 1, 511, 512, 513, 700, *range(1000, 1100), 1535, 1536, 1542]


@needs_cc
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_special_values_fold_in_wherever_they_sit(C, dtype):
    """Each C loop finds a block's nan and +-inf in one pass and writes them over the form's
    values afterwards (templates/c/symact.c.j2): for every scalar kernel, an entry's value
    does not depend on its block, its neighbours or on the call being in place, nan gives
    nan, and +-inf give the limits the NumPy backend gives."""
    import symact_numpy as S

    rng = np.random.default_rng(11)
    n = 1543
    special = np.zeros(n, dtype=bool)
    special[_SPECIAL_AT] = True
    x = rng.uniform(-30.0, 30.0, n)
    x[special] = rng.choice([np.nan, np.inf, -np.inf], special.sum())
    x = x.astype(dtype)
    for spec in _scalar_specs():
        f, ref = getattr(C, spec.name), getattr(S, spec.name)
        y = f(x)
        inplace = x.copy()
        f(inplace, out=inplace)
        np.testing.assert_array_equal(inplace, y, err_msg=spec.name)
        # the finite entries alone: each in another block position, no special beside it
        np.testing.assert_array_equal(f(x[~special].copy()), y[~special], err_msg=spec.name)
        xs, ys = x[special], y[special]
        nan = np.isnan(xs)
        assert np.isnan(ys[nan]).all(), spec.name
        np.testing.assert_array_equal(ys[~nan], ref(xs[~nan]), err_msg=spec.name)
        assert ys.dtype == dtype


@needs_cc
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_one_pass_loops_fold_the_limits_the_form_misses(C, dtype):
    """The one-pass loops of the arithmetic forms leave nan and +-inf to the form where one
    test per call finds it gives them, and fold them in otherwise: leaky_relu's form
    gives the limit at -inf for a slope of 0.01 but nan for 0 (0*-inf), where the limit
    is -0; relu's form gives 0 at nan, where the contract wants nan."""
    x = np.array([-np.inf, np.inf, np.nan, -2.0, 3.0], dtype=dtype)
    for slope, at_minus_inf in ((0.01, -np.inf), (0.0, 0.0)):
        y = C.leaky_relu(x, negative_slope=slope)
        assert y[0] == at_minus_inf and y[1] == np.inf and np.isnan(y[2]), (slope, y)
        assert y[3] == dtype(-2.0) * dtype(slope) and y[4] == 3.0, (slope, y)
    y = C.relu(x)
    assert np.isnan(y[2]) and y[0] == 0 and y[1] == np.inf and y[3] == 0 and y[4] == 3.0, y
