"""The catalogue: registry invariants, derivatives against mpmath, kink conventions."""

from __future__ import annotations

import random
import re

import mpmath as mp
import pytest
import sympy as sp

from symact.define import catalogue
from symact import derive
from symact.define.model import ParameterError, X, vector_symbols

SCALARS = [e for e in catalogue.ENTRIES if not e.vector]
VECTORS = [e for e in catalogue.ENTRIES if e.vector]

# docs/contract.md's catalogue, typed here from the contract, not read from the code under test.
DESIGN_NAMES = {
    "relu": {}, "leaky_relu": {"negative_slope": 0.01}, "prelu": {"a": 0.25}, "gelu": {},
    "gelu_tanh": {}, "silu": {}, "softplus": {"beta": 1.0}, "sigmoid": {}, "heaviside": {"h0": 0.5},
    "tanh": {}, "elu": {"alpha": 1.0}, "srelu": {"alpha": 1.0}, "logsumexp": {}, "softmax": {},
    "log_sigmoid": {}, "log_softmax": {}, "selu": {}, "celu": {"alpha": 1.0}, "swish": {"beta": 1.0},
    "mish": {}, "softsign": {}, "relu6": {}, "hardtanh": {"min_val": -1.0, "max_val": 1.0},
    "hardsigmoid": {}, "hardswish": {}, "squareplus": {"b": 4.0},
}


def test_names_are_unique_snake_case():
    names = catalogue.names()
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name), name


def test_catalogue_matches_design_names_and_defaults():
    got = {e.name: {p.name: float(p.default) for p in e.params} for e in catalogue.ENTRIES}
    assert got == DESIGN_NAMES


def test_every_seed_name_present():
    seed = {"relu", "leaky_relu", "prelu", "gelu", "gelu_tanh", "silu", "softplus", "sigmoid",
            "heaviside", "tanh", "elu", "srelu", "logsumexp", "softmax"}
    assert seed <= set(catalogue.names())
    assert set(catalogue.SEED) == seed


@pytest.mark.parametrize("entry", catalogue.ENTRIES, ids=lambda e: e.name)
def test_entry_has_reference_summary_and_valid_defaults(entry):
    assert len(entry.reference) > 10
    assert entry.summary
    entry.bind({})  # defaults satisfy their constraints
    free = entry.expr.free_symbols - {X} - set(entry.param_symbols.values())
    if entry.vector:
        assert all(isinstance(s, (sp.Symbol, sp.IndexedBase, sp.Indexed)) for s in free)
    else:
        assert free == set(), f"stray symbols {free}"


@pytest.mark.parametrize(
    "name, params, fragment",
    [
        ("elu", {"alpha": -1}, "alpha >= 0"),
        ("softplus", {"beta": 0}, "beta > 0"),
        ("celu", {"alpha": "-0.5"}, "alpha > 0"),
        ("hardtanh", {"min_val": 2}, "max_val > min_val"),
        ("squareplus", {"b": -4}, "b > 0"),
        ("elu", {"alpha": "nan"}, "finite"),
        ("elu", {"alpha": "two"}, "not a number"),
        ("elu", {"beta": 1}, "no parameter 'beta'"),
    ],
)
def test_bad_parameters_are_refused_with_the_constraint_named(name, params, fragment):
    with pytest.raises(ParameterError, match=re.escape(fragment)):
        catalogue.get(name).bind(params)


def test_unknown_name_suggests_close_ones():
    with pytest.raises(catalogue.UnknownActivation, match="did you mean.*gelu"):
        catalogue.get("gelux")


def test_selu_constants_match_the_paper():
    # Klambauer et al. (2017), eq. (14): the digits printed in the paper.
    # 32 significant digits printed: agreement to half a unit in the 31st decimal.
    paper_alpha = sp.Float("1.6732632423543772848170429916717", 40)
    paper_lambda = sp.Float("1.0507009873554804934193349852946", 40)
    assert abs(catalogue.SELU_ALPHA - paper_alpha) <= sp.Float("0.5e-31", 40)
    assert abs(catalogue.SELU_LAMBDA - paper_lambda) <= sp.Float("0.5e-31", 40)
    assert abs(catalogue.SELU_ALPHA - catalogue.SELU_ALPHA_EXACT).evalf(60) < 1e-45
    assert abs(catalogue.SELU_LAMBDA - catalogue.SELU_LAMBDA_EXACT).evalf(60) < 1e-45


# --- derivatives vs an independent numerical derivative (mpmath.diff) -----------------

def _mp_function(expr, symbols):
    """An mpmath callable for a SymPy expression (Piecewise picks branches exactly)."""
    return sp.lambdify(symbols, expr, modules="mpmath")


def _kink_points(entry, values):
    subs = entry.param_subs(values)
    return [float(sp.sympify(p).subs(subs)) for p in entry.kinks]


def _points(entry, values, count=24, seed=0):
    rng = random.Random(f"{entry.name}-{seed}")
    kinks = _kink_points(entry, values)
    pts = []
    while len(pts) < count:
        magnitude = 10 ** rng.uniform(-3, 1.6)
        t = rng.choice((-1, 1)) * magnitude
        if all(abs(t - k) > 1e-2 for k in kinks):
            pts.append(t)
    return pts


OTHER_VALUES = {"leaky_relu": {"negative_slope": 0.2}, "prelu": {"a": -1.5}, "softplus": {"beta": 2.5},
                "heaviside": {"h0": 1}, "elu": {"alpha": 2}, "srelu": {"alpha": 0.5},
                "celu": {"alpha": 0.7}, "swish": {"beta": 1.7}, "hardtanh": {"min_val": -2, "max_val": 3},
                "squareplus": {"b": 0.5}}


DERIVATIVE_CASES = [(e, {}) for e in SCALARS] + [
    (catalogue.get(name), values) for name, values in OTHER_VALUES.items()]


@pytest.mark.parametrize("entry, values", DERIVATIVE_CASES,
                         ids=[f"{e.name}-{v or 'defaults'}" for e, v in DERIVATIVE_CASES])
def test_derivatives_agree_with_mpmath_diff(entry, values):
    params = entry.params
    bound = entry.bind(values)
    syms = [X] + [p.symbol for p in params]
    f = _mp_function(entry.expr, syms)
    ders = derive.derivatives(entry, values, symbolic=True)
    with mp.workdps(60):
        args0 = [mp.mpf(str(sp.N(bound[p.name], 70))) for p in params]
        for t in _points(entry, values):
            point = [mp.mpf(t)] + args0
            for k, wrt in enumerate(["x"] + [p.name for p in params]):
                expect = mp.diff(lambda v: f(*(point[:k] + [v] + point[k + 1:])), point[k])
                got = _mp_function(ders[wrt], syms)(*point)
                assert abs(got - expect) <= mp.mpf(10) ** -30 * max(1, abs(expect)), (wrt, t)


# PyTorch's backward at each kink (aten derivatives / Activation.cpp), typed here by hand.
KINKS = [
    ("relu", {}, 0, 0), ("leaky_relu", {}, 0, 0.01), ("leaky_relu", {"negative_slope": 0.3}, 0, 0.3),
    ("prelu", {}, 0, 0.25), ("elu", {}, 0, 1), ("elu", {"alpha": 2}, 0, 2),
    ("selu", {}, 0, 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717),
    ("celu", {"alpha": 3}, 0, 1), ("srelu", {}, -1, 0), ("srelu", {"alpha": 2}, -2, 0),
    ("heaviside", {}, 0, 0), ("relu6", {}, 0, 0), ("relu6", {}, 6, 0),
    ("hardtanh", {}, -1, 0), ("hardtanh", {}, 1, 0), ("hardsigmoid", {}, -3, 0),
    ("hardsigmoid", {}, 3, 0), ("hardswish", {}, -3, -0.5), ("hardswish", {}, 3, 1.5),
]


@pytest.mark.parametrize("name, values, point, expected", KINKS,
                         ids=[f"{k[0]}@{k[2]}" for k in KINKS])
def test_derivative_at_kinks_follows_the_convention(name, values, point, expected):
    d = derive.grad(catalogue.get(name), values)
    assert float(d.subs(X, point)) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("entry", VECTORS, ids=lambda e: e.name)
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_vector_jacobian_agrees_with_mpmath_diff(entry, n):
    xs = vector_symbols(n)
    outs = entry.instantiate(n)
    jac = derive.vector_jacobian(entry, n)
    rng = random.Random(n)
    with mp.workdps(60):
        for _ in range(5):
            point = [mp.mpf(rng.uniform(-5, 5)) for _ in range(n)]
            for r, out in enumerate(outs):
                f = _mp_function(out, xs)
                for c in range(n):
                    expect = mp.diff(lambda v: f(*(point[:c] + [v] + point[c + 1:])), point[c])
                    got = _mp_function(jac[r, c], xs)(*point)
                    assert abs(got - expect) <= mp.mpf(10) ** -30 * max(1, abs(expect))


def test_vector_instantiation_is_the_textbook_formula():
    x1, x2, x3 = vector_symbols(3)
    lse = catalogue.get("logsumexp").instantiate(3)[0]
    assert sp.simplify(lse - sp.log(sp.exp(x1) + sp.exp(x2) + sp.exp(x3))) == 0
    sm = catalogue.get("softmax").instantiate(2)
    assert sp.simplify(sm[1] - sp.exp(x2) / (sp.exp(x1) + sp.exp(x2))) == 0
    with pytest.raises(ValueError):
        catalogue.get("softmax").instantiate(0)
