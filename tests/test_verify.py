"""The harness: metric, grid, contract, report, CLI; it passes good kernels and
catches broken ones by name.  Reference kernels are written here, independently
of the generated ones."""

import dataclasses
import json
import math
import types

import mpmath
import numpy as np
import pytest

from symact.cli import main
from symact.define.catalogue import ENTRIES, get
from symact.verify import backends, grid
from symact.verify import measure as measure_mod
from symact.verify.report import Report
from symact.verify.kernels import all_kernels, kernels_for
from symact.verify.metric import FORMATS, round_exact, signed_ulp_errors, ulp_errors

F32, F64 = FORMATS["float32"], FORMATS["float64"]

with mpmath.workdps(50):  # Klambauer et al. (2017), the paper's digits
    _LAM = mpmath.mpf("1.0507009873554804934193349852946")
    _LAM_ALPHA = _LAM * mpmath.mpf("1.6732632423543772848170429916717")
LAM = float(_LAM)
LAM_ALPHA = float(_LAM_ALPHA)


# --- metric -------------------------------------------------------------------------

def test_round_exact_cases():
    with mpmath.workprec(300):
        # 1 + 2^-53 is a tie between 1 and 1 + 2^-52: to even (1.0)
        assert round_exact(1 + mpmath.ldexp(1, -53), F64)[:2] == (1.0, 2.0 ** -52)
        hi, sp_, frac = round_exact(1 + mpmath.ldexp(3, -54), F64)
        assert hi == 1 + 2.0 ** -52 and frac == -0.25
        # subnormal spacing; half the smallest subnormal rounds (tie) to 0
        assert round_exact(mpmath.ldexp(3, -1075), F64) == (2.0 ** -1073, 2.0 ** -1074, -0.5)
        assert round_exact(mpmath.ldexp(1, -1075), F64)[0] == 0.0
        # f32: its own subnormals and overflow threshold (max + ulp/2 -> inf)
        assert round_exact(mpmath.ldexp(1, -149), F32)[:2] == (2.0 ** -149, 2.0 ** -149)
        top = mpmath.mpf(float(np.finfo(np.float32).max))
        assert round_exact(top + mpmath.ldexp(1, 103), F32)[0] == math.inf
        assert round_exact(top + mpmath.ldexp(1, 102), F32)[0] == float(np.finfo(np.float32).max)


def test_ulp_errors_by_hand():
    hi = np.array([1.0, 1.0, 0.0, math.inf, 2.0, 2.0])
    sp_ = np.array([2.0 ** -52, 2.0 ** -52, 2.0 ** -1074, math.nan, 2.0 ** -51, 2.0 ** -51])
    frac = np.array([0.25, 0.0, 0.0, 0.0, 0.0, 0.0])
    c = np.array([1.0 + 2.0 ** -52, 1.0, 3 * 2.0 ** -1074, math.inf, math.inf, math.nan])
    err = ulp_errors(c, hi, sp_, frac)
    assert list(err[:4]) == [0.75, 0.0, 3.0, 0.0]
    assert np.isinf(err[4]) and np.isinf(err[5])  # non-finite mismatches
    signed = signed_ulp_errors(np.array([-1.0 - 2.0 ** -52]), np.array([-1.0]), 2.0 ** -52, 0.0)
    assert signed[0] == 1.0  # too large in magnitude


# --- grid ---------------------------------------------------------------------------

@pytest.mark.parametrize("f", [F32, F64], ids=["float32", "float64"])
def test_grid_covers_the_range(f):
    pts = grid.base_points(f)
    assert pts.dtype == f.dtype and np.all(np.isfinite(pts))
    finfo = np.finfo(f.dtype)
    assert finfo.max in pts and -finfo.max in pts
    assert f.dtype(2.0 ** f.sub_exp) in pts  # smallest subnormal
    assert np.sum((np.abs(pts) < finfo.tiny) & (pts != 0)) >= 2 * grid.SUB_N
    assert np.sum((pts >= -40) & (pts <= 40)) >= grid.LINEAR_N
    for t in grid.exp_thresholds(f):
        for v in (t, -t):
            c = f.dtype(v)
            assert c in pts and np.nextafter(c, f.dtype(np.inf)) in pts and np.nextafter(c, f.dtype(-np.inf)) in pts
    assert np.sum(pts < -1e3) > 100 and np.sum(pts > 1e3) > 100


def test_vector_rows_cover_the_cases():
    rows = grid.vector_rows(F64)
    sizes = {r.x.size for r in rows}
    assert 1 in sizes and 1000 in sizes
    assert max(np.nanmax(np.abs(r.x[np.isfinite(r.x)])) for r in rows if np.isfinite(r.x).any()) >= 1e300
    labels = " ".join(r.label for r in rows)
    for case in ("far below max", "dominant entry", "ties", "all -inf", "+inf", "nan"):
        assert case in labels


# --- reference and broken kernels ------------------------------------------------------

def _as(x):
    x = np.asarray(x)
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float64)


def _sigmoid(x):
    x = _as(x)
    with np.errstate(all="ignore"):
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _softplus(x, beta=1.0):
    x = _as(x)
    b = x.dtype.type(beta)
    with np.errstate(all="ignore"):
        return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(b * x))) / b).astype(x.dtype)


def _selu(lam, lam_alpha):
    def selu(x):
        x = _as(x)
        t = x.dtype.type
        with np.errstate(all="ignore"):
            return np.where(x > 0, t(lam) * x, t(lam_alpha) * np.expm1(np.minimum(x, 0))).astype(x.dtype)
    return selu


GOOD = types.SimpleNamespace(
    sigmoid=_sigmoid,
    sigmoid_grad=lambda x: (_sigmoid(x) * _sigmoid(-_as(x))).astype(_as(x).dtype),
    softplus=_softplus,
    selu=_selu(LAM, LAM_ALPHA),
)


def _naive_softplus(x, beta=1.0):
    x = _as(x)
    with np.errstate(all="ignore"):
        return (np.log(1 + np.exp(beta * x)) / beta).astype(x.dtype)


def _s_one_minus_s(x):
    s = _sigmoid(x)
    return (s * (1 - s)).astype(s.dtype)


def _one_plus_erf_gelu(x):
    x = _as(x)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return (0.5 * x * (1 + erf(x.astype(np.float64) / math.sqrt(2)))).astype(x.dtype)


def _lambda_off_by_one_ulp():
    # one ULP further from the exact lambda than its correct rounding
    direction = math.inf if LAM > _LAM else -math.inf
    return float(np.nextafter(LAM, direction))


def _relu_nan_to_zero(x):
    x = _as(x)
    return np.fmax(x, x.dtype.type(0))  # fmax(nan, 0) = 0: breaks "nan in, nan out"


BROKEN = {
    "softplus": (F64, _naive_softplus),
    "sigmoid_grad": (F64, _s_one_minus_s),
    "selu": (F64, _selu(_lambda_off_by_one_ulp(), LAM_ALPHA)),
    "gelu": (F32, _one_plus_erf_gelu),
}


def _measure(function, module, f):
    k = next(k for k in all_kernels(ENTRIES) if k.function == function)
    k = dataclasses.replace(k, param_sets=({},))  # defaults only: quicker
    return measure_mod.measure(k, module, "ref", f)


@pytest.mark.parametrize("function", ["sigmoid", "sigmoid_grad", "softplus", "selu"])
def test_good_reference_kernels_pass(function):
    for f in (F32, F64):
        m = _measure(function, GOOD, f)
        assert m.ok, (function, f.name, m.problems())


@pytest.mark.parametrize("function", sorted(BROKEN))
def test_broken_kernel_is_caught_by_name(function):
    f, fn = BROKEN[function]
    report = Report(measurements=[_measure(function, types.SimpleNamespace(**{function: fn}), f)])
    assert not report.ok
    assert [m.function for m in report.failing] == [function]
    assert any(line.startswith(f"FAIL {function} ") for line in report.summary_lines())


def test_selu_off_by_one_ulp_is_a_systematic_error():
    m = _measure("selu", types.SimpleNamespace(selu=_selu(_lambda_off_by_one_ulp(), LAM_ALPHA)), F64)
    assert m.max_ulp <= 4  # within the budget pointwise ...
    assert "pos_tail" in m.biased_regions  # ... but biased by more than a rounded constant can be


def test_special_value_contract_is_checked():
    m = _measure("relu", types.SimpleNamespace(relu=_relu_nan_to_zero), F64)
    assert not m.ok
    assert any(s["x"] == "nan" for s in m.special)


def test_warnings_fail_a_kernel():
    def noisy(x):
        x = _as(x)
        return np.log(1 + np.exp(x)).astype(x.dtype)  # overflow warning at x > 709
    m = _measure("softplus", types.SimpleNamespace(softplus=noisy), F64)
    assert m.warnings and not m.ok


def test_missing_function_is_an_error():
    m = _measure("softplus", types.SimpleNamespace(), F64)
    assert m.errors and not m.ok


def test_kernels_cover_the_generated_api():
    names = [k.function for k in kernels_for(get("hardtanh"))]
    assert names == ["hardtanh", "hardtanh_grad", "hardtanh_grad_min_val", "hardtanh_grad_max_val"]
    assert [k.function for k in kernels_for(get("softmax"))] == ["softmax", "softmax_vjp"]
    assert len(kernels_for(get("softplus"))[0].param_sets) >= 3


# --- command line ---------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["verify", "nosuch"], ["verify", "--backend", "cuda"],
                                  ["verify", "--dtype", "float16"], ["verify", "--backend", ""]])
def test_cli_bad_input(argv, capsys):
    assert main(argv) == 2
    assert "error" in capsys.readouterr().err


def test_cli_json_report(capsys):
    backends.register("numpy", types.SimpleNamespace(relu=lambda x: np.where(_as(x) > 0, _as(x), 0 * _as(x)),
                                                     relu_grad=lambda x: np.where(np.isnan(_as(x)), _as(x),
                                                                                  (_as(x) > 0).astype(_as(x).dtype))))
    try:
        code = main(["verify", "relu", "--backend", "numpy", "--dtype", "float64", "--json"])
    finally:
        backends._LOADED.pop("numpy", None)
    out = capsys.readouterr()
    data = json.loads(out.out)
    assert code == (0 if data["ok"] else 1)
    assert [m["function"] for m in data["measurements"]] == ["relu", "relu_grad"]
    m = data["measurements"][0]
    assert {"neg_tail", "core", "pos_tail", "special"} <= set(m["regions"])
    assert sum(m["histogram"].values()) == m["points"]
    assert "verify [1/2]" in out.err  # progress on stderr


def test_prefetch_fills_the_disk_cache_in_parallel(tmp_path, monkeypatch):
    from symact.verify import cache, oracle, prefetch
    monkeypatch.setenv("SYMACT_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    kernels = [k for k in all_kernels(ENTRIES, ["relu"]) if k.function == "relu"]
    assert prefetch.prefetch(kernels, ("float32",), workers=2) == 0  # one task: nothing to parallelise
    kernels = all_kernels(ENTRIES, ["relu"])
    assert prefetch.prefetch(kernels, ("float32",), workers=2) == 2
    k = kernels[0]
    expr = k.expr({})
    pts = measure_mod.scalar_points(k, {}, F32, measure_mod.interior_roots(expr))
    assert (tmp_path / f"{oracle.table_key(expr, F32)}.npz").exists()
    assert oracle.missing_points(expr, pts, F32) == 0
    assert prefetch.prefetch(kernels, ("float32",), workers=2) == 0  # warm: nothing recomputed
