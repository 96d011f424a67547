"""Error-free transformations: the pair arithmetic of both runtimes (exact.py, exact.h)
to about 2^-100, the primitives of a rounded argument, the double-word windows and the
limits at +-inf, the pair forms proved equal to the definitions.

Expected values are mpmath evaluations at 300 bits of the formulas written here, never
the code under test.
"""

from __future__ import annotations

import ctypes
import inspect
import math
import re
import subprocess

import mpmath
import numpy as np
import pytest
import sympy as sp

from symact.define import catalogue
from symact.define.model import X
from symact.emit.numpy.runtime import exact as E
from symact.stabilise import limits, prove_rewrite, windows
from symact.stabilise import primitives as P
from symact.stabilise.forms import kernels
from symact.stabilise.rules_exact import EXACT

x = X
_beta = sp.Symbol("beta", real=True)

#: (pair function, mpmath function, sample arguments)
PAIR_CASES = {
    "exp": (mpmath.exp, [-745.0, -700.3, -30.7, -1.1, -0.3, -1e-9, 0.0, 2e-20, 0.347, 1.7, 44.1, 700.9, 709.7]),
    "expm1": (mpmath.expm1, [-40.2, -2.5, -0.5, -0.2, -1e-12, 3e-300, 1e-8, 0.1, 0.34, 0.35, 3.3, 40.0]),
    "log": (mpmath.log, [1e-300, 3.3e-30, 0.25, 0.7, 0.999999, 1.0, 1.0000001, 2.5, 1e10, 1e300]),
    "log1p": (mpmath.log1p, [-0.9, -0.5, -0.4999, -1e-10, 1e-300, 1e-8, 0.3, 0.5, 2.0, 1e20]),
    "sqrt": (mpmath.sqrt, [1e-300, 0.25, 2.0, 3.3e7, 1e300]),
    "tanh": (mpmath.tanh, [-50.0, -3.3, -0.5, -1e-9, 2e-300, 1e-5, 0.25, 4.0, 39.0, 41.0]),
}


def _lo(h: float) -> float:
    """A low part for h: a third of its ulp (0 for h = 0)."""
    return math.ulp(h) / 3 if h != 0 else 0.0


def _rel(pair, want) -> float:
    """The pair's error relative to ``want``, or relative to 2^-1068 where that is larger
    (a pair cannot hold bits below the subnormals)."""
    with mpmath.workprec(300):
        got = mpmath.mpf(float(pair[0])) + mpmath.mpf(float(pair[1]))
        return float(abs(got - want) / max(abs(want), mpmath.ldexp(1, -1068 + 95)))


def _want(fn, h, l):
    with mpmath.workprec(300):
        return fn(mpmath.mpf(h) + mpmath.mpf(l))


@pytest.mark.parametrize("name", sorted(PAIR_CASES))
def test_numpy_pair_functions(name):
    fn, args = PAIR_CASES[name]
    pair_fn = getattr(E, f"_w_{name}")
    for h in args:
        l = _lo(h)
        got = pair_fn((np.float64(h), np.float64(l)))
        assert _rel(got, _want(fn, h, l)) < 2.0 ** -95, (name, h)


def test_numpy_pair_arithmetic_keeps_residuals():
    a = (np.float64(1.703125), np.float64(0.0))
    b = (np.float64(-354.19820926613215), np.float64(0.0))
    h, l = E._w_mul(a, b)
    with mpmath.workprec(300):
        assert mpmath.mpf(float(h)) + mpmath.mpf(float(l)) == mpmath.mpf(1.703125) * mpmath.mpf(-354.19820926613215)
    q = E._w_div((np.float64(-2125.19), np.float64(0.0)), (np.float64(3.0), np.float64(0.0)))
    with mpmath.workprec(300):
        assert _rel(q, mpmath.mpf(-2125.19) / 3) < 2.0 ** -100
    # no nan from a pair where the plain result is finite or infinite
    with np.errstate(all="ignore"):
        h, l = E._w_mul((np.float64(1e300), np.float64(0.0)), (np.float64(1e10), np.float64(0.0)))
    assert h == np.inf and l == 0


def test_exp_rem_is_the_taylor_remainder():
    for k in (1, 2, 3):
        for u in (1e-300, -3e-9, 1e-4, 0.5, -1.5, 1.99, -2.5, 7.0, -30.0, 30.0):
            with mpmath.workdps(2000):  # exp(1e-300) - 1 - 1e-300 needs 600 digits
                uu = mpmath.mpf(u)
                want = mpmath.exp(uu) - sum(uu ** j / mpmath.factorial(j) for j in range(k))
            got = E._exp_rem(np.float64(u), k)
            assert abs(mpmath.mpf(float(got)) - want) <= max(abs(want) * 2.0 ** -52, 2.0 ** -1074), (k, u, got)


def _rounded_argument(b: float, xv: float):
    """u = b*x as (fl(u), the exact residual) and the exact u."""
    with mpmath.workprec(300):
        u = mpmath.mpf(b) * mpmath.mpf(xv)
    h = b * xv
    with mpmath.workprec(300):
        lo = float(u - mpmath.mpf(h))
    return h, lo, u


_SIDE = {"exp": -1, "sigmoid": -1, "softplus": -1, "log_sigmoid": 1, "dsigmoid": 1, "erfc": 1,
         "sech2_softplus": 1}


#: (primitive, its definition) for the dw variants P(h + l) of both runtimes
DW_CASES = {
    "exp": mpmath.exp,
    "sigmoid": lambda u: 1 / (1 + mpmath.exp(-u)),
    "softplus": lambda u: mpmath.log1p(mpmath.exp(u)),
    "log_sigmoid": lambda u: -mpmath.log1p(mpmath.exp(-u)),
    "dsigmoid": lambda u: mpmath.exp(-u) / (1 + mpmath.exp(-u)) ** 2,
    "erfc": mpmath.erfc,
    "sech2_softplus": lambda u: mpmath.sech(mpmath.log1p(mpmath.exp(u))) ** 2,
}


def _dw_points(impl):
    """(b, x) pairs whose u = b*x rounds by tens to hundreds of ULP of P(u) (pitfall 17),
    on the side where P amplifies it."""
    points = ((1.703125, 354.19820926613215), (0.296875, 1644.55), (1.5, 472.3), (1.702, 300.1),
              (1.703125, 9.7), (0.296875, 25.0))
    if impl == "erfc":  # its far tail, u = 5 .. 27
        points = ((1.703125, 15.3), (0.296875, 80.1), (1.5, 17.7), (1.702, 14.3), (0.296875, 90.0))
    if impl == "sech2_softplus":  # u = 9 .. 358, about 4 exp(-2u): 0 beyond 373
        points = ((1.703125, 150.3), (0.296875, 1100.1), (1.5, 200.3), (1.702, 100.1), (1.703125, 210.0),
                  (1.703125, 5.3))
    return [(b, xv * _SIDE[impl]) for b, xv in points]


def _check_dw(impl, dw, plain):
    """dw(h, l) within 2 ULP of P(h + l) at :func:`_dw_points`, where plain(h), the
    primitive of the rounded argument, is more than 30 off at one point at least."""
    worst_plain = 0.0
    for b, xv in _dw_points(impl):
        h, lo, u = _rounded_argument(b, xv)
        with mpmath.workprec(300):
            want = DW_CASES[impl](u)
        spacing = math.ulp(float(want)) if float(want) != 0 else 5e-324
        assert abs(mpmath.mpf(float(dw(h, lo))) - want) / spacing <= 2.0, (impl, b, xv)
        worst_plain = max(worst_plain, float(abs(mpmath.mpf(float(plain(h))) - want) / spacing))
    assert worst_plain > 30  # the residual is what makes the difference


@pytest.mark.parametrize("impl", sorted(DW_CASES))
def test_dw_variants_take_the_residual(impl):
    """P(h + l) = P(h) + P'(h)*l: within the primitive's own accuracy at arguments whose
    rounding alone costs tens to hundreds of ULP (pitfall 17), on the side where the
    function amplifies it."""
    plain = {"exp": np.exp, "erfc": E._erfc}.get(impl, getattr(E, f"_{impl}", None))
    _check_dw(impl, lambda h, lo: getattr(E, f"_{impl}_dw")(np.float64(h), np.float64(lo)),
              lambda h: plain(np.float64(h)))


PAIR_FORM_CLASSES = [cls for cls in P.registry().values() if "pair_form" in vars(cls)]


@pytest.mark.parametrize("cls", PAIR_FORM_CLASSES, ids=[c.impl for c in PAIR_FORM_CLASSES])
def test_pair_forms_are_the_definitions(cls):
    """What a double-word evaluation computes is proved equal to each primitive's definition."""
    a = sp.Symbol("a", real=True)
    args = (a, x) if len(inspect.signature(cls.definition).parameters) == 2 else (x,)
    result = prove_rewrite(cls.definition(*args), cls.pair_form(*args))
    assert str(result.status) == "PROVED", (cls.impl, result)


def _plain_form(name, wrt):
    """The stable form of a catalogue kernel from the rules alone (no windows)."""
    from symact import derive
    from symact.stabilise import Stabiliser
    entry = catalogue.get(name)
    d = entry.expr if wrt == "f" else derive.derivatives(entry, symbolic=True)[wrt]
    return Stabiliser(sp.And(*entry.constraints)).run(d)


def test_windows_cover_the_interior_roots():
    u0 = float(-1 - mpmath.lambertw(mpmath.e ** -1).real)  # silu'(u0) = 0
    found = windows.windows_of(_plain_form("silu", "x"), {}, "silu_grad")
    assert found and any(lo < u0 < hi for lo, hi, _ in found)
    assert all(var == x for _, _, var in found)
    # swish': the same window, in u = beta*x
    found = windows.windows_of(_plain_form("swish", "x"), {_beta: sp.S.One}, "swish_grad")
    assert found and all(var == _beta * x for _, _, var in found)
    assert any(lo < u0 < hi for lo, hi, _ in found)
    # no cancellation, no window
    assert windows.windows_of(_plain_form("sigmoid", "x"), {}, "sigmoid_grad") == []
    assert windows.windows_of(_plain_form("swish", "beta"), {_beta: sp.S.One}, "swish_grad_beta") == []


def test_silu_derivative_cancels_only_at_its_root():
    """silu' = sigmoid(x) + x*dsigmoid(x) cancels on all of x < 0 (1 : 10 at x = -10), which
    took a double-word window (-40, 0), half of uniform(-10, 10)'s entries; the rule
    sigmoid_dsigmoid makes it dsigmoid(x)*(1 + x + exp(x)) there, whose sum cancels only
    near the root: the float64 window is around the root, at most 1/2 wide.  swish'
    (beta*x: its sign unknown to the prover) keeps the sum and its wide window."""
    u0 = float(-1 - mpmath.lambertw(mpmath.e ** -1).real)
    found = windows.windows_of(_plain_form("silu", "x"), {}, "silu_grad")
    assert found and all(lo < u0 < hi for lo, hi, _ in found), found
    assert sum(float(hi - lo) for lo, hi, _ in found) <= 0.5, found
    wide = windows.windows_of(_plain_form("swish", "x"), {_beta: sp.S.One}, "swish_grad")
    assert sum(float(hi - lo) for lo, hi, _ in wide) >= 39, wide


def test_sums_print_their_exact_terms_first():
    """A printed sum is evaluated left to right: the terms that carry no rounding (x, 1,
    2*x) come first, so 1 + x + exp(x) forms x + 1 first (exact near x = -1), as
    windows.magnitude assumes; with exp(x) first, x + exp(x) would be rounded and then
    cancel against 1."""
    from symact.emit.c.printer import CPrinter
    from symact.emit.numpy.printer import NumpyPrinter
    c = CPrinter("float64", prim_tag="f64").doprint(1 + x + sp.exp(x))
    assert c.startswith("x + 1.0 + "), c
    n = NumpyPrinter().doprint(1 + x + sp.exp(x))
    assert re.match(r"x \+ 1(\.0)? \+ ", n), n


@pytest.mark.parametrize("name", ["silu", "swish", "mish"])
def test_float_windows_hold_every_ratio_above_the_float_limit(name):
    """windows_of at RATIO_FLOAT: on a scan 30 times finer than the finder's, every point
    where rho exceeds RATIO_FLOAT lies inside a window (the finder's own scan steps over
    most of them; the sign changes of S bracket the roots), and the windows are narrow."""
    entry = catalogue.get(name)
    form = _plain_form(name, "x")
    params = {entry.param_symbols[p]: v for p, v in entry.defaults.items()}
    found = windows.windows_of(form, params, name + "_grad", windows.RATIO_FLOAT)
    assert found and sum(float(hi - lo) for lo, hi, _ in found) <= 0.25
    xs = np.linspace(-40, 40, 30 * windows.SCAN_N)
    rho = np.nan_to_num(windows.ratio(form, params, xs), nan=0.0)
    scale = float(found[0][2].subs(params) / x)  # the window variable is x or beta*x
    inside = np.zeros(xs.size, dtype=bool)
    for lo, hi, _ in found:
        inside |= (scale * xs > float(lo)) & (scale * xs < float(hi))
    assert rho[~inside].max() <= windows.RATIO_FLOAT, xs[~inside][np.argmax(rho[~inside])]
    # each window holds a point where rho exceeds the limit (a few thousandths wide, they
    # hold few points of the scan above: sampled finely inside)
    for lo, hi, _ in found:
        fine = np.linspace(float(lo), float(hi), 4001) / scale
        assert np.nan_to_num(windows.ratio(form, params, fine), nan=0.0).max() > windows.RATIO_FLOAT, (lo, hi)


def test_a_window_that_moves_otherwise_is_skipped_with_a_reason():
    """d/dx x*sigmoid(x + c): the root moves with c, in neither x nor c*x."""
    c = sp.Symbol("c", real=True)
    form = P.mul_dsigmoid(x, x + c) + P.sigmoid(x + c)
    assert windows.windows_of(form, {c: sp.Rational(1, 2)}, "shifted") == []
    assert "depends on c" in windows.SKIPPED["shifted"] or "moves with c" in windows.SKIPPED["shifted"]


def test_windowed_kernels_are_proved():
    for name in ("silu", "swish", "mish"):
        k = next(k for k in kernels(catalogue.get(name)) if k.wrt == "x")
        assert k.source == "rules+windows" and k.stable.has(P.dw_eval)
        entry = catalogue.get(name)
        assert str(prove_rewrite(k.definition, k.stable, sp.And(*entry.constraints)).status) == "PROVED"


def test_windows_take_the_sign_of_their_variable():
    """silu' and swish' cancel only where u = x (beta*x) < 0: their windows evaluate the pair
    forms with |u| = -u, so exp(-|u|) and exp(u/2 - |u|/2) are the one exp(u); mish' (x < 0)
    too: its pair forms (tanh and sech^2 of softplus in exp(min(x, 0)) and exp(-max(x, 0)))
    become a rational function of exp(x) (exp(2x) its square), no log1p, no tanh."""
    for name, u in (("silu", x), ("swish", _beta * x)):
        k = next(k for k in kernels(catalogue.get(name)) if k.wrt == "x")
        for form in (k.stable, k.stable_float):
            (inside,) = [e.args[0] for e, _ in form.args if isinstance(e, P.dw_eval)]
            assert not inside.has(sp.Abs) and not inside.atoms(P.Primitive)
            assert inside.atoms(sp.exp) == {sp.exp(u)}, inside
    k = next(k for k in kernels(catalogue.get("mish")) if k.wrt == "x")
    (inside,) = [e.args[0] for e, _ in k.stable.args if isinstance(e, P.dw_eval)]
    assert not inside.has(sp.Abs) and not inside.atoms(P.Primitive) and not inside.has(sp.log, sp.tanh)
    assert inside.atoms(sp.exp) == {sp.exp(x), sp.exp(2 * x)}, inside


def test_limits_at_infinity_where_the_form_has_none():
    """x + (sqrt(x^2 + 1) - 1)/2 tends to -inf at -inf; its stable form is nan there and its
    value at -max is -max/2: the limit is given explicitly."""
    definition = x + (sp.sqrt(x ** 2 + 1) - 1) / 2
    stable = x ** 2 / (2 * (P.sqrt_sq_plus(x, 1) + 1)) + x
    out = limits.add_limits(stable, definition, {})
    assert isinstance(out, P.at_infinity) and out.args[1:] == (sp.oo, -sp.oo)
    assert str(prove_rewrite(stable, out).status) == "PROVED"
    # an exponential saturates or overflows at the largest float: nothing to add
    assert limits.add_limits(P.softplus(x), sp.log(1 + sp.exp(x)), {}) == P.softplus(x)


def test_dw_argument_leaves_exact_arguments_alone():
    rule = EXACT[0]
    for u in (x, -x, 2 * x, x / 4, sp.Abs(x), _beta):
        assert rule.apply(sp.exp(u)) is None
    for u in (_beta * x, 3 * x, x / 3, x + 1, sp.exp(-x)):
        assert rule.apply(sp.exp(u)) == sp.exp(P.dw(u))


def test_generated_numpy_module_has_erf():
    """symact new "x*erf(x)" wrote a module that raised NameError ('_erf') on every call."""
    import symact_numpy
    assert symact_numpy._erf(np.array([0.5]))[0] == math.erf(0.5)
    assert symact_numpy._erfc(np.array([0.5]))[0] == math.erfc(0.5)


def test_c_float_kernels_evaluate_in_double(repo):
    """The float kernel's body (the f32x instantiation, run on a block of doubles) takes and
    computes doubles: its window's pairs, no float function."""
    text = (repo / "generated" / "symact.c").read_text()
    start = text.index("{", text.index("SYMACT__INLINE double symact__k_silu_grad_f32x(double x)"))
    body = text[start:text.index("\n}", start)]
    assert "symact__w_exp(" in body and "_f32(" not in body and "float" not in body


_C_WRAPPERS = """
#define T(name) void t_##name(double h, double l, double *out) { \\
    symact__dd r = symact__w_##name(symact__dd_make(h, l)); out[0] = r.hi; out[1] = r.lo; }
T(exp) T(expm1) T(log) T(log1p) T(sqrt) T(tanh)
#define D(name, plain) double t_dw_##name(double h, double l) { return symact__##name##_dw_f64(symact__dd_make(h, l)); } \
    double t_plain_##name(double h) { return plain(h); }
D(exp, symact__elem_exp_f64) D(erfc, symact__elem_erfc_f64) D(sigmoid, symact__sigmoid_f64)
D(softplus, symact__softplus_f64) D(log_sigmoid, symact__log_sigmoid_f64) D(dsigmoid, symact__dsigmoid_f64)
D(sech2_softplus, symact__sech2_softplus_f64)
double t_exp_rem(double u, double k) { return symact__exp_rem_f64(u, k); }
double t_sqrt_quad(double a, double u, double c) { return symact__sqrt_quad_f64(a, u, c); }
void t_w_sqrt_quad(double a, double u, double c, double *out) {
    symact__dd r = symact__w_sqrt_quad(symact__dd_make(a, 0.0), symact__dd_make(u, 0.0), symact__dd_make(c, 0.0));
    out[0] = r.hi; out[1] = r.lo; }
double t_at_infinity(double x, double y, double lpos, double lneg) { return symact__at_infinity_f64(x, y, lpos, lneg); }
"""


@pytest.fixture(scope="module")
def c_pairs(tmp_path_factory, c_compiler):
    from symact.emit.c import BACKEND
    d = tmp_path_factory.mktemp("exact_c")
    src = d / "exact.c"
    src.write_text(BACKEND.standalone(["doubleword.h", "elementary.h", "primitives.h", "exact.h"])
                   + _C_WRAPPERS)
    so = d / "exact.so"
    subprocess.run([*c_compiler, "-O2", "-std=c99", "-fPIC", "-shared", "-o", str(so), str(src), "-lm"],
                   check=True)
    return ctypes.CDLL(str(so))


@pytest.mark.parametrize("name", sorted(PAIR_CASES))
def test_c_pair_functions(c_pairs, name):
    fn, args = PAIR_CASES[name]
    out = (ctypes.c_double * 2)()
    f = getattr(c_pairs, f"t_{name}")
    f.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.POINTER(ctypes.c_double)]
    for h in args:
        l = _lo(h)
        f(h, l, out)
        assert _rel((out[0], out[1]), _want(fn, h, l)) < 2.0 ** -95, (name, h)


@pytest.mark.parametrize("impl", sorted(DW_CASES))
def test_c_dw_variants_take_the_residual(c_pairs, impl):
    """exact.h's P(h + l), as the NumPy runtime's above: within 2 ULP where the primitive
    of the rounded argument alone is more than 30 off."""
    dw, plain = getattr(c_pairs, f"t_dw_{impl}"), getattr(c_pairs, f"t_plain_{impl}")
    dw.restype = plain.restype = ctypes.c_double
    dw.argtypes = [ctypes.c_double, ctypes.c_double]
    plain.argtypes = [ctypes.c_double]
    _check_dw(impl, dw, plain)


def _window_covers(stable, root: float, params: dict) -> bool:
    """Whether the dw_eval branch of ``stable`` is the one taken at x = ``root``."""
    if not isinstance(stable, sp.Piecewise):
        return isinstance(stable, P.dw_eval)
    subs = {**params, x: sp.nsimplify(root)}
    for e, c in stable.args:
        if c is sp.true or c.subs(subs) is sp.true:
            return isinstance(e, P.dw_eval)
    return False


@pytest.mark.parametrize("name", ["silu", "swish", "mish"])
def test_certified_roots_lie_in_windows(name):
    """Every root of the derivative that symact.proof.roots certifies (a sign change at
    20 digits) is inside a double-word window: the error analysis and the certified roots
    agree (swish: at its default and at beta = 1.703125, the window being in beta*x)."""
    from symact.proof.roots import real_roots
    entry = catalogue.get(name)
    k = next(k for k in kernels(entry) if k.wrt == "x")
    values = [{}] + ([{_beta: sp.Rational(109, 64)}] if entry.params else [])
    for v in values:
        subs = {**{entry.param_symbols[p]: d for p, d in entry.defaults.items()}, **v}
        roots = [float(r) for r in real_roots(k.definition.subs(subs), x, -40, 40, digits=20)]
        assert roots
        for r in roots:
            assert _window_covers(k.stable, r, subs), (name, v, r)


def _c_fn(lib, name, nargs, pair_out=False):
    f = getattr(lib, name)
    f.argtypes = [ctypes.c_double] * nargs + ([ctypes.POINTER(ctypes.c_double)] if pair_out else [])
    f.restype = None if pair_out else ctypes.c_double
    return f


def test_exact_h_is_branch_free(repo):
    """The kernel loops that call exact.h vectorise only if it is straight-line code (pitfall
    19): no if, ?:, while or early return, no libm call but sqrt/fabs/fma, and every loop
    a fixed one marked for unrolling."""
    import re
    text = (repo / "symact" / "emit" / "c" / "runtime" / "exact.h").read_text()
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))
    assert not re.search(r"\b(if|while|else|goto)\b", code)
    assert "?" not in code
    calls = set(re.findall(r"(?<![\w.])([a-z]\w*)\s*\(", code)) - {"for", "sizeof", "return"}
    assert {c for c in calls if not c.startswith("symact__")} <= {"sqrt", "fabs", "fma"}, calls
    lines = code.splitlines()
    loops = [i for i, line in enumerate(lines) if re.match(r"\s*for \(", line)]
    assert loops and all(lines[i - 1].strip() == "SYMACT__UNROLL" for i in loops)
    for body in re.findall(r"\n\{\n(.*?)\n\}", code, flags=re.S):
        assert body.count("return") <= 1, body[:200]


_NAN, _INF = float("nan"), float("inf")

#: (pair function, argument, result): IEEE special values; the pair's low part is 0
C_PAIR_SPECIALS = [
    ("exp", _NAN, _NAN), ("exp", _INF, _INF), ("exp", -_INF, 0.0), ("exp", 800.0, _INF), ("exp", -800.0, 0.0),
    ("expm1", _NAN, _NAN), ("expm1", _INF, _INF), ("expm1", -_INF, -1.0), ("expm1", 800.0, _INF),
    ("log", 0.0, -_INF), ("log", -1.0, _NAN), ("log", _INF, _INF), ("log", _NAN, _NAN),
    ("log1p", -1.0, -_INF), ("log1p", -2.0, _NAN), ("log1p", _INF, _INF), ("log1p", _NAN, _NAN),
    ("sqrt", 0.0, 0.0), ("sqrt", -1.0, _NAN), ("sqrt", _INF, _INF), ("sqrt", _NAN, _NAN),
    ("tanh", _INF, 1.0), ("tanh", -_INF, -1.0), ("tanh", _NAN, _NAN), ("tanh", 0.0, 0.0),
]


@pytest.mark.parametrize("name, arg, want", C_PAIR_SPECIALS,
                         ids=[f"{n}({a})" for n, a, _ in C_PAIR_SPECIALS])
def test_c_pair_functions_at_special_values(c_pairs, name, arg, want):
    """Every region is computed for every input and chosen by a select: the special values
    must still come out of the select, not out of the arithmetic of another region."""
    out = (ctypes.c_double * 2)()
    _c_fn(c_pairs, f"t_{name}", 2, pair_out=True)(arg, 0.0, out)
    if math.isnan(want):
        assert math.isnan(out[0]), (name, arg, out[0])
    else:
        assert out[0] == want and out[1] == 0, (name, arg, out[0], out[1])


#: arguments near the ends of the double range (subnormal, huge) where the exponent of
#: the argument is taken from its bits
C_PAIR_EDGES = {"log": [5e-324, 2.5e-310, 1.7e308], "log1p": [5e-324, 1.7e308, -0.5, 1.0],
                "sqrt": [5e-324, 2.5e-310, 1.7e308, 4.0], "exp": [-708.5, -745.0, 709.78],
                "expm1": [1e-19, -1e-19, 0.3465, -0.3466]}


@pytest.mark.parametrize("name", sorted(C_PAIR_EDGES))
def test_c_pair_functions_at_the_ends_of_the_range(c_pairs, name):
    fn = {"log": mpmath.log, "log1p": mpmath.log1p, "sqrt": mpmath.sqrt, "exp": mpmath.exp,
          "expm1": mpmath.expm1}[name]
    out = (ctypes.c_double * 2)()
    f = _c_fn(c_pairs, f"t_{name}", 2, pair_out=True)
    for h in C_PAIR_EDGES[name]:
        l = _lo(h)
        f(h, l, out)
        assert _rel((out[0], out[1]), _want(fn, h, l)) < 2.0 ** -95, (name, h)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_c_exp_rem_is_the_taylor_remainder(c_pairs, k):
    """E_k with k a variable (the fixed loops' selects not folded), both regions."""
    f = _c_fn(c_pairs, "t_exp_rem", 2)
    for u in (1e-300, -3e-9, 1e-4, 0.5, -1.5, 1.99, 2.0, -2.5, 7.0, -30.0, 30.0):
        with mpmath.workdps(2000):
            uu = mpmath.mpf(u)
            want = mpmath.exp(uu) - sum(uu ** j / mpmath.factorial(j) for j in range(k))
        got = f(u, float(k))
        assert abs(mpmath.mpf(got) - want) <= max(abs(want) * 2.0 ** -52, 2.0 ** -1074), (k, u, got)


_QUAD_CASES = [(1.0, 3.0, 16.0), (1.0, 1e300, 1.0), (2.0, -1e300, 3.0), (2.0, 1e-200, 0.0), (0.5, 1e-170, 0.0),
               (3.0, -0.7, 0.25), (1.0, 0.0, 0.0), (1.0, 1e200, -1e10)]


@pytest.mark.parametrize("a, u, c", _QUAD_CASES)
def test_c_sqrt_quad(c_pairs, a, u, c):
    """sqrt(a u^2 + c) in each region: scaled (|u| > 2^500), c = 0 (u^2 may underflow),
    plain; the double version within an ulp, the pair's to 2^-95."""
    with mpmath.workprec(300):
        want = mpmath.sqrt(mpmath.mpf(a) * mpmath.mpf(u) ** 2 + mpmath.mpf(c))
    got = _c_fn(c_pairs, "t_sqrt_quad", 3)(a, u, c)
    assert abs(mpmath.mpf(got) - want) <= math.ulp(float(want)), (a, u, c, got)
    out = (ctypes.c_double * 2)()
    _c_fn(c_pairs, "t_w_sqrt_quad", 3, pair_out=True)(a, u, c, out)
    assert want == 0 and out[0] == 0 or _rel((out[0], out[1]), want) < 2.0 ** -95, (a, u, c)


def test_c_sqrt_quad_of_nan_and_negative_radicands(c_pairs):
    f = _c_fn(c_pairs, "t_sqrt_quad", 3)
    assert math.isnan(f(1.0, _NAN, 1.0)) and math.isnan(f(-1.0, 2.0, 1.0)) and f(1.0, _INF, 1.0) == _INF


def test_c_at_infinity(c_pairs):
    f = _c_fn(c_pairs, "t_at_infinity", 4)
    assert f(_INF, 7.0, 1.5, -2.5) == 1.5 and f(-_INF, 7.0, 1.5, -2.5) == -2.5
    assert f(3.0, 7.0, 1.5, -2.5) == 7.0 and f(_INF, 7.0, _NAN, -2.5) == 7.0
    assert math.isnan(f(_NAN, _NAN, 1.5, -2.5))
