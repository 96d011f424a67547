"""Every theorem in symact.proof.theorems is PROVED; the catalogue of theorems covers the issue's list."""

import pytest

from symact.proof import strategies
from symact.proof.engine import run_theorems, select
from symact.proof.result import Status
from symact.proof.theorems import THEOREMS


@pytest.mark.parametrize("theorem", THEOREMS, ids=[t.name for t in THEOREMS])
def test_theorem_proved(theorem):
    r = strategies.run(theorem)
    assert r.status is Status.PROVED, f"{r.status} {r.strategy}: {r.detail}"


REQUIRED = [
    "relu_is_x_heaviside", "relu_positive_scale_invariance", "relu_derivative_is_heaviside",
    "leaky_relu_piecewise_linear", "prelu_piecewise_linear", "prelu_maxout", "prelu_minout",
    "softplus_derivative_is_sigmoid", "softplus_to_zero_at_minus_infinity",
    "softplus_minus_x_to_zero_at_infinity", "softplus_odd_part_is_x", "softplus_above_relu_by_at_most_log2",
    "softplus_beta_is_scaled_softplus", "softplus_beta_derivative", "softplus_beta_to_relu_positive",
    "softplus_beta_to_relu_negative", "sigmoid_beta_to_heaviside", "sigmoid_symmetry", "sigmoid_derivative",
    "tanh_is_scaled_sigmoid", "lse_two_is_softplus", "softmax_two_is_sigmoid", "lse_grad_softmax",
    *[f"lse_grad_softmax_n{n}" for n in range(2, 7)], "softmax_sums_to_one",
    *[f"softmax_sums_to_one_n{n}" for n in range(2, 7)], "lse_shift", *[f"lse_bounds_n{n}" for n in range(2, 7)],
    "elu_continuous_at_0", "elu_c1_at_0_iff_alpha_1", "elu_derivative_is_elu_plus_alpha", "elu_to_minus_alpha",
    "elu_above_srelu", "celu_c1_for_every_alpha", "celu_is_elu_at_alpha_1", "gelu_is_x_times_normal_cdf",
    "silu_is_x_sigmoid", "silu_is_x_softplus_derivative", "swish_beta_1_is_silu", "mish_is_x_tanh_softplus",
    "gelu_tanh_sigmoid_form", "selu_fixed_point",
]


def test_issue_list_present():
    names = {t.name for t in THEOREMS}
    assert not [n for n in REQUIRED if n not in names]


def test_every_theorem_has_source_and_known_activations():
    from symact.define.catalogue import names
    known = set(names())
    for t in THEOREMS:
        assert t.source and t.strategy in strategies.STRATEGIES
        assert set(t.activations) <= known, t.name


def test_select_by_activation_and_unknown():
    chosen = select(["elu"])
    assert chosen and all("elu" in t.activations or t.name == "elu" for t in chosen)
    with pytest.raises(KeyError):
        select(["no_such_thing"])


def test_run_theorems_by_name():
    (r,) = run_theorems(["sigmoid_symmetry"])
    assert r.name == "sigmoid_symmetry" and r.status is Status.PROVED and r.seconds >= 0


def test_cli_prove_subset(capsys):
    from symact.cli import main
    assert main(["prove", "elu_continuous_at_0", "sigmoid_symmetry", "--json"]) == 0
    import json
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["count"] == 2
    assert {t["status"] for t in out["theorems"]} == {"PROVED"}
    assert main(["prove", "no_such_theorem"]) == 2


@pytest.mark.slow
def test_cli_prove_all_under_60s(capsys):
    import time
    from symact.cli import main
    start = time.perf_counter()
    assert main(["prove"]) == 0
    assert time.perf_counter() - start < 60


def test_about_matches_the_full_list_for_every_activation():
    """``about`` skips the lazily built vector theorems only for activations they are not about."""
    from symact.define.catalogue import names
    from symact.proof import theorems
    assert {a for t in theorems._vector() for a in t.activations} <= theorems.VECTOR_ABOUT
    for name in names():
        assert theorems.about(name) == [t for t in THEOREMS if name in t.activations], name
