"""Derived properties of every scalar activation against values worked out by hand.

Interior minima are recomputed here independently: mpmath.findroot on the
derivative written out by hand (not by the code under test), at 40 digits.
"""

import mpmath
import pytest

from symact.define.catalogue import ENTRIES, get
from symact.proof.properties import properties

INF, NINF = "inf", "-inf"


def _mp():
    """40 digits for the references, without changing mpmath's global precision."""
    return mpmath.workdps(40)


def gelu_min():
    with _mp():
        d = lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x)  # noqa: E731  d/dx x*Phi(x)
        r = mpmath.findroot(d, -0.75)
        return r, r * mpmath.ncdf(r)


def silu_min(beta=1):
    with _mp():
        s = lambda x: 1 / (1 + mpmath.exp(-beta * x))  # noqa: E731
        d = lambda x: s(x) + beta * x * s(x) * (1 - s(x))  # noqa: E731
        r = mpmath.findroot(d, -1.28 / beta)
        return r, r * s(r)


def mish_min():
    with _mp():
        sp_ = lambda x: mpmath.log(1 + mpmath.exp(x))  # noqa: E731
        d = lambda x: mpmath.tanh(sp_(x)) + x * mpmath.sech(sp_(x)) ** 2 / (1 + mpmath.exp(-x))  # noqa: E731
        r = mpmath.findroot(d, -1.19)
        return r, r * mpmath.tanh(sp_(r))


def gelu_tanh_min():
    with _mp():
        c = mpmath.mpf(44715) / 10**6
        k = mpmath.sqrt(2 / mpmath.pi)
        u = lambda x: k * (x + c * x**3)  # noqa: E731
        d = lambda x: (1 + mpmath.tanh(u(x))) / 2 + x / 2 * mpmath.sech(u(x)) ** 2 * k * (1 + 3 * c * x**2)  # noqa: E731
        r = mpmath.findroot(d, -0.75)
        return r, r / 2 * (1 + mpmath.tanh(u(r)))


SELU_LOWER = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717

# name, params, (lower, upper, lower_closed, upper_closed), continuity, monotonic,
# derivative_monotonic, identity_near_origin  -- worked out by hand
CASES = [
    ("relu", {}, (0.0, INF, True, False), 0, True, True, False),
    ("leaky_relu", {}, (NINF, INF, False, False), 0, True, True, False),
    ("prelu", {}, (NINF, INF, False, False), 0, True, True, False),
    ("prelu", {"a": 2}, (NINF, INF, False, False), 0, True, True, False),  # f' = 2 then 1: nonincreasing
    ("prelu", {"a": -1}, (0.0, INF, True, False), 0, False, True, False),  # |x|
    ("gelu", {}, ("gelu", INF, True, False), "inf", False, False, False),
    ("gelu_tanh", {}, ("gelu_tanh", INF, True, False), "inf", False, False, False),
    ("silu", {}, ("silu", INF, True, False), "inf", False, False, False),
    ("softplus", {}, (0.0, INF, False, False), "inf", True, True, False),
    ("softplus", {"beta": 3}, (0.0, INF, False, False), "inf", True, True, False),
    ("sigmoid", {}, (0.0, 1.0, False, False), "inf", True, False, False),
    ("heaviside", {}, (0.0, 1.0, True, True), -1, True, True, False),
    ("tanh", {}, (-1.0, 1.0, False, False), "inf", True, False, True),
    ("elu", {}, (-1.0, INF, False, False), 1, True, True, True),
    ("elu", {"alpha": 2}, (-2.0, INF, False, False), 0, True, False, False),
    ("elu", {"alpha": 0}, (0.0, INF, True, False), 0, True, True, False),
    ("srelu", {}, (-1.0, INF, True, False), 0, True, True, True),
    ("srelu", {"alpha": 3}, (-3.0, INF, True, False), 0, True, True, True),
    ("log_sigmoid", {}, (NINF, 0.0, False, False), "inf", True, True, False),
    ("selu", {}, (SELU_LOWER, INF, False, False), 0, True, False, False),
    ("celu", {}, (-1.0, INF, False, False), 1, True, True, True),
    ("celu", {"alpha": 2}, (-2.0, INF, False, False), 1, True, True, True),
    ("swish", {}, ("silu", INF, True, False), "inf", False, False, False),
    ("swish", {"beta": 2}, ("swish2", INF, True, False), "inf", False, False, False),
    ("mish", {}, ("mish", INF, True, False), "inf", False, False, False),
    ("softsign", {}, (-1.0, 1.0, False, False), 1, True, False, True),
    ("relu6", {}, (0.0, 6.0, True, True), 0, True, False, False),
    ("hardtanh", {}, (-1.0, 1.0, True, True), 0, True, False, True),
    ("hardtanh", {"min_val": -2, "max_val": 3}, (-2.0, 3.0, True, True), 0, True, False, True),
    ("hardsigmoid", {}, (0.0, 1.0, True, True), 0, True, False, False),
    ("hardswish", {}, (-0.375, INF, True, False), 0, False, False, False),
    ("squareplus", {}, (0.0, INF, False, False), "inf", True, True, False),
    ("squareplus", {"b": 1}, (0.0, INF, False, False), "inf", True, True, False),
    # parameter values away from the defaults, worked out by hand
    ("heaviside", {"h0": 2}, (0.0, 2.0, True, True), -1, False, True, False),  # 0, 2, 1: not monotone
    ("leaky_relu", {"negative_slope": -0.5}, (0.0, INF, True, False), 0, False, True, False),
    ("swish", {"beta": 0}, (NINF, INF, False, False), "inf", True, True, False),  # x/2
    ("hardtanh", {"min_val": -2.5, "max_val": 0.5}, (-2.5, 0.5, True, True), 0, True, False, True),
    ("srelu", {"alpha": 0}, (0.0, INF, True, False), 0, True, True, False),  # relu
]

MINIMA = {"gelu": gelu_min, "gelu_tanh": gelu_tanh_min, "silu": silu_min, "mish": mish_min,
          "swish2": lambda: silu_min(2)}


def test_every_scalar_activation_is_covered():
    scalar = {e.name for e in ENTRIES if not e.vector}
    assert scalar <= {c[0] for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{c[1] or ''}" for c in CASES])
def test_properties(case):
    name, params, (lo, hi, lo_closed, hi_closed), cont, mono, dmono, ident = case
    entry = get(name)
    p = properties(entry, entry.bind(params))
    r = p["range"]
    if lo in MINIMA:
        at, value = MINIMA[lo]()
        # 15 digits at least, for the location and the value
        with _mp():
            assert abs(mpmath.mpf(r["minimum_value"]) - value) < mpmath.mpf(10) ** -20
        assert abs(r["minimum_at"] - float(at)) <= 1e-15 * abs(float(at))
        assert abs(r["lower"] - float(value)) <= 1e-15 * abs(float(value))
        assert p["status"]["range"] == "NUMERIC"
    elif isinstance(lo, str):
        assert r["lower"] == lo
    else:
        assert r["lower"] == pytest.approx(lo, rel=1e-14, abs=1e-300)
    assert r["upper"] == hi if isinstance(hi, str) else r["upper"] == pytest.approx(hi, rel=1e-14)
    assert r["lower_closed"] is lo_closed
    assert r["upper_closed"] is hi_closed
    assert p["continuity"] == cont
    assert p["monotonic"] is mono
    assert p["derivative_monotonic"] is dmono
    assert p["identity_near_origin"] is ident
    for key in ("continuity", "monotonic", "derivative_monotonic", "identity_near_origin"):
        assert p["status"][key] == "PROVED", (key, p["detail"][key])
    if lo not in MINIMA:
        assert p["status"]["range"] == "PROVED", p["detail"]["range"]


def test_gelu_minimum_known_digits():
    # published value of the GELU minimum (x*Phi(x) at Phi(x) + x*phi(x) = 0)
    r = properties(get("gelu"), {})["range"]
    assert r["minimum_value"].startswith("-0.16997120747990")
    assert str(r["minimum_at"]).startswith("-0.751791524693")


def test_show_json_has_properties_and_theorems(capsys):
    import json

    from symact.cli import main
    assert main(["show", "elu", "--param", "alpha=2", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    props = info["properties"]
    assert props["range"] == {"lower": -2.0, "upper": "inf", "lower_closed": False, "upper_closed": False}
    assert props["continuity"] == 0 and props["monotonic"] is True
    assert props["status"]["range"] == "PROVED"
    names = {t["name"]: t["status"] for t in info["theorems"]}
    assert names["elu_c1_at_0_iff_alpha_1"] == "PROVED"


def test_swish_negative_beta_has_a_maximum():
    # x*sigmoid(-x) = -silu(-x): maximum -silu_min at x = -argmin silu
    at, value = silu_min()
    p = properties(get("swish"), get("swish").bind({"beta": -1}))
    r = p["range"]
    assert r["lower"] == NINF and r["upper_closed"] is True
    with _mp():
        assert abs(mpmath.mpf(r["maximum_value"]) + value) < mpmath.mpf(10) ** -20
    assert abs(r["maximum_at"] + float(at)) <= 1e-15 * abs(float(at))
    assert p["monotonic"] is False


# vector activations, entry 1, by hand: logsumexp is unbounded both ways (t*(1,...,1) gives
# t + log n) and increasing in each input (partials are softmax > 0); softmax entries lie
# strictly in (0, 1) and grow with their own input, shrink with the others; log_softmax
# entries are < 0 and unbounded below.
VECTOR = [
    ("logsumexp", (NINF, INF), True),
    ("softmax", (0.0, 1.0), False),
    ("log_softmax", (NINF, 0.0), False),
]


@pytest.mark.parametrize("name,bounds,mono", VECTOR, ids=[v[0] for v in VECTOR])
def test_vector_properties(name, bounds, mono):
    p = properties(get(name))
    r = p["range"]
    assert (r["lower"], r["upper"]) == bounds
    assert r["lower_closed"] is False and r["upper_closed"] is False
    assert p["continuity"] == "inf" and p["monotonic"] is mono
    assert set(p["status"].values()) == {"PROVED"}
