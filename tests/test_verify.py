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


# --- the grid cannot be fooled -----------------------------------------------------------

def _significant_bits(v: float) -> int:
    m, _ = math.frexp(abs(v))
    n = int(m * 2 ** 53)
    while n and n % 2 == 0:
        n //= 2
    return n.bit_length()


def test_parameters_off_the_powers_of_two():
    """Every parametrised catalogue entry is measured at values with 6-12 significant bits
    (beta*x then rounds: pitfall 17) besides its defaults and the ends of its constraints."""
    from symact.verify import params
    for entry in ENTRIES:
        if entry.vector or not entry.params:
            continue
        sets = params.EXTRA[entry.name]
        for p in entry.params:
            off = [s[p.name] for s in sets if p.name in s and 6 <= _significant_bits(s[p.name]) <= 12]
            assert len(off) >= 1, (entry.name, p.name)
            for v in params.OFF_POWER_OF_TWO[entry.name][p.name]:
                assert any(s.get(p.name) == v for s in sets), (entry.name, p.name, v)
    assert {"beta": 0.296875} in params.EXTRA["softplus"] and {"beta": 1.703125} in params.EXTRA["softplus"]
    assert {"beta": 1.5} in params.EXTRA["swish"]


@pytest.mark.parametrize("f, lo, hi", [(F64, -745.13, -708.40), (F32, -103.28, -87.34)],
                         ids=["float64", "float32"])
def test_grid_has_points_strictly_inside_the_threshold_intervals(f, lo, hi):
    """Between ln(smallest subnormal) and ln(smallest normal) exp is subnormal: a kernel
    368 ULP off there was reported ok by a grid with points only at the ends."""
    pts = grid.base_points(f).astype(np.float64)
    inside = pts[(pts > lo + 0.5) & (pts < hi - 0.5)]
    assert inside.size >= 5
    # and scaled by a parameter: u = beta*x crosses them at x = t/beta
    beta = 1.703125
    pts = grid.base_points(f, scales=(beta,)).astype(np.float64)
    assert np.sum((pts > (lo + 0.5) / beta) & (pts < (hi - 0.5) / beta)) >= 5


def test_dense_points():
    for f, n in ((F32, 4000), (F64, 4000)):
        pts = grid.dense_points(f, n)
        assert pts.dtype == f.dtype and np.all(np.isfinite(pts)) and np.all(np.diff(pts) > 0)
        core = pts[np.abs(pts) <= grid.DENSE_LIM]
        assert core.size >= n / 2  # every 2^k-th float of [-50, 50]
        assert np.any(np.abs(pts) > 1e30) and np.any((pts != 0) & (np.abs(pts) < np.finfo(f.dtype).tiny))
        assert np.array_equal(pts, grid.dense_points(f, n))  # deterministic


def test_silu_grad_c_float32_on_the_dense_scan_point():
    """The point a 35-million-input scan found at 4.92 ULP (0xbf57f480) in C float32."""
    C = backends.load("c")
    x = np.array([np.uint32(0xBF57F480)]).view(np.float32)
    with mpmath.workdps(50):
        t = mpmath.mpf(float(x[0]))
        s = 1 / (1 + mpmath.exp(-t))
        want = s + t * s * (1 - s)
    got = C.silu_grad(x)[0]
    assert abs(float(got) - float(want)) / float(np.spacing(np.float32(float(want)))) <= 0.6


def test_oracle_tables_compute_only_new_points(tmp_path, monkeypatch):
    from symact.verify import cache, oracle
    monkeypatch.setenv("SYMACT_CACHE_DIR", str(tmp_path))
    cache.clear_memory()
    computed = []
    real = oracle.compute_exact

    def counting(expr, points, f):
        computed.append(len(points))
        return real(expr, points, f)

    monkeypatch.setattr(oracle, "compute_exact", counting)
    expr = get("softplus").instantiate({})
    first = np.array([-3.0, 0.5, 2.0])
    oracle.scalar_exact(expr, first, F64)
    cache.clear_memory()  # from disk
    out = oracle.scalar_exact(expr, np.array([0.5, 7.0, -3.0]), F64)
    assert computed == [3, 1]
    assert out.hi[0] == float(mpmath.log1p(mpmath.exp(0.5)))


def _reference_sqrt(x):
    x = _as(x)
    with np.errstate(all="ignore"):
        return np.sqrt(x)


def test_domain_is_reported_and_nan_required_outside():
    from symact.define.userdef import user_activation
    from symact.verify.kernels import kernels_for
    entry = user_activation("sqrt_x", "sqrt(x)")
    k = kernels_for(entry, ({},))[0]
    m = measure_mod.measure(k, types.SimpleNamespace(sqrt_x=_reference_sqrt), "ref", F64)
    assert m.ok, m.problems()
    assert m.domain.endswith("inf)") and "-inf" not in m.domain
    broken = lambda x: _reference_sqrt(np.abs(_as(x)))  # noqa: E731 - a value outside the domain
    m = measure_mod.measure(k, types.SimpleNamespace(sqrt_x=broken), "ref", F64)
    assert not m.ok and any("outside the domain" in p for p in m.problems())


def test_points_the_oracle_cannot_evaluate_fail_with_the_reason():
    """log(1 + exp(exp(x))) is about exp(x), but past x = 1420 exp(exp(x)) is beyond the
    oracle (a stand-in) and the log keeps the stand-in's size: those points are
    unresolved, not passed."""
    from symact.define.userdef import user_activation
    from symact.verify.kernels import kernels_for
    entry = user_activation("unity", "log(1 + exp(exp(x)))")
    k = kernels_for(entry, ({},))[0]
    def unity(x):
        with np.errstate(all="ignore"):
            return np.exp(_as(x))
    m = measure_mod.measure(k, types.SimpleNamespace(unity=unity), "ref", F64, use_cache=False)
    assert m.unresolved and not m.ok
    assert any("could not evaluate" in p and "2**2048" in p for p in m.problems())


def test_cli_dense_option(capsys):
    assert main(["verify", "relu", "--dense", "-1"]) == 2
    assert "--dense" in capsys.readouterr().err


def test_exhaustive_check_on_a_span_of_bit_patterns():
    """The exhaustive float32 check on spans of inputs (the first quarter of [1, 2) and of
    (-2, -1]): the float64 kernel rounded is the reference, the oracle decides near
    boundaries."""
    from symact.verify.exhaustive import exhaustive
    k = next(k for k in all_kernels(ENTRIES, ["silu"]) if k.function == "silu_grad")
    module = backends.load("numpy")
    for lo in (0x3F800000, 0xBF800000):
        out = exhaustive(k, module, "numpy", span=(lo, lo + 2 ** 21), chunk=2 ** 20)
        assert out.inputs == 2 ** 21 and out.nonfinite == 0
        assert 0 < out.max_ulp <= 0.5 + 1e-6  # float64 work rounded once
    def broken(x, **kw):  # a float32 kernel one ULP off everywhere
        y = module.silu_grad(x, **kw)
        return np.nextafter(y, np.inf) if y.dtype == np.float32 else y
    out = exhaustive(k, types.SimpleNamespace(silu_grad=broken), "ref", span=(0x3F800000, 0x3F800000 + 2 ** 16))
    assert out.max_ulp > 1.4


def test_cli_exhaustive_refuses_unknown_functions(capsys):
    assert main(["verify", "--exhaustive", "nosuch"]) == 2
    assert "not a scalar kernel" in capsys.readouterr().err
