"""symact check: exit codes 0 PROVED, 1 DISPROVED (counterexample printed), 3 UNDECIDED, 2 bad input."""

import json

import pytest
import sympy as sp

from symact.cli import main


@pytest.mark.parametrize("argv", [
    ["softplus(x) - softplus(-x)", "x"],
    ["diff(softplus(x), x)", "sigmoid(x)"],
    ["elu(x, alpha)", "alpha*(exp(x) - 1)", "--where", "x < 0"],
    ["prelu(x, a)", "Max(x, a*x)", "--where", "a <= 1"],
    ["softplus(x, beta)", "Max(x, 0) + log(1 + exp(-beta*Abs(x)))/beta", "--where", "beta > 0"],
    ["relu(x)", "x*Heaviside(x)"],
    ["limit(elu(x), x, -oo)", "-1"],
    ["1 + erf(x)", "erfc(-x)"],
    ["sqrt(x**2 + b) - x", "b/(sqrt(x**2 + b) + x)", "--where", "b > 0"],
])
def test_proved(argv, capsys):
    assert main(["check", *argv]) == 0
    assert capsys.readouterr().out.startswith("PROVED")


@pytest.mark.parametrize("argv", [
    ["sigmoid(x)", "1/(1 + exp(x))"],
    ["prelu(x, a)", "Max(x, a*x)", "--where", "a <= 2"],
    ["sigmoid(-x)", "1 - sigmoid(x) + 1e-20"],
    ["limit(softplus(x), x, oo)", "0"],
    ["diff(tanh(x), x)", "1 + tanh(x)**2"],
])
def test_disproved_prints_counterexample(argv, capsys):
    assert main(["check", *argv]) == 1
    out = capsys.readouterr().out
    assert out.startswith("DISPROVED") and "counterexample" in out


def test_disproved_json_counterexample_rechecked(capsys):
    assert main(["check", "softplus(x) - softplus(-x)", "x + 1e-20*x", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "DISPROVED"
    x = sp.Symbol("x", real=True)
    v = sp.Rational(out["counterexample"]["x"])
    lhs = sp.log(1 + sp.exp(x)) - sp.log(1 + sp.exp(-x))
    assert abs((lhs - x - sp.Rational(1, 10**20) * x).subs(x, v).evalf(60)) > sp.Float(10) ** -30


def test_undecided_exit_3(capsys):
    # true, but its case split has a condition that is not linear in x
    assert main(["check", "Piecewise((1, x**2 < 1), (0, True))", "Piecewise((1, Abs(x) < 1), (0, True))"]) == 3
    assert capsys.readouterr().out.startswith("UNDECIDED")


@pytest.mark.parametrize("argv", [
    ["__import__('os')", "x"],
    ["x.real", "x"],
    ["x", "lambda: 1"],
    ["x", "'x'"],
    ["x", "x", "--where", "x + 1"],
    ["x", "x", "--where", "x > 0 and y.z"],
    ["logsumexp(x)", "x"],
    ["nosuch(x)", "x"],
])
def test_bad_input_exit_2(argv, capsys):
    assert main(["check", *argv]) == 2
    assert "refused" in capsys.readouterr().err


def test_json_proved(capsys):
    assert main(["check", "tanh(x)", "2*sigmoid(2*x) - 1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "PROVED" and out["strategy"]


# --- the table: exit code and a fragment of what is printed ----------------------

CHECK_TABLE = [
    # false statements: exact literals make them DISPROVED, never PROVED
    (["x*1.00000000000000000001", "x"], 1, "DISPROVED"),
    (["0.1000000000000000000001", "0.1"], 1, "DISPROVED"),
    # true where defined: PROVED with the undefined point named
    (["x/x", "1"], 0, "excluded (a side is undefined there): x = 0"),
    (["sqrt(x)**2", "x"], 0, "x < 0"),
    (["x/x", "1", "--where", "x > 0"], 0, "defined (proved): x != 0"),
    # inequalities, in each spelling
    (["mish(x) <= x"], 1, "counterexample: x = -"),
    (["mish(x)", "<=", "x"], 1, "counterexample: x = -"),
    (["x >= mish(x)", "--where", "x >= 0"], 0, "PROVED"),
    (["squareplus(x) >= relu(x)"], 0, "PROVED"),
    (["squareplus(x, b) >= relu(x)", "--where", "b >= 0"], 0, "PROVED"),
    (["softplus(x) > relu(x)"], 0, "PROVED"),
    (["x**2 > 0"], 1, "x = 0"),
    # the three true statements that used to stay UNDECIDED
    (["relu(a*x)", "a*relu(x)", "--where", "a >= 0"], 0, "PROVED"),
    (["diff(elu(x, alpha), alpha)", "Min(0, exp(x) - 1)"], 0, "PROVED"),
    # a derivative is not taken at a kink: d/dx relu = Heaviside away from 0
    (["diff(relu(x), x)", "Heaviside(x)"], 0, "excluded (a side is undefined there): x = 0  [diff(relu(x), x)]"),
    # a side starting with '-' needs no '--'
    (["-x", "-1*x"], 0, "PROVED"),
    (["-softplus(-x)", "log_sigmoid(x)"], 0, "PROVED"),
    (["--", "-x", "(-1)*x"], 0, "PROVED"),
    # infinities as whole sides
    (["limit(softplus(x), x, oo) > x"], 0, "extended-reals"),
]


@pytest.mark.parametrize("argv, code, fragment", CHECK_TABLE, ids=[" ".join(t[0]) for t in CHECK_TABLE])
def test_check_table(argv, code, fragment, capsys):
    assert main(["check", *argv]) == code
    assert fragment in capsys.readouterr().out


@pytest.mark.parametrize("argv, fragment", [
    (["x/0", "1"], "division by zero"),
    (["sqrt(-1)*x", "x"], "square root"),
    (["1e-400 + x", "x"], "'1e-400' underflows"),
    (["x", "1e400"], "'1e400' overflows"),
    (["oo*x", "oo"], "oo may only be a whole side"),
    (["0 < x < 1"], "chain"),
    (["x != 1"], "NotEq"),
    (["softplus(x)"], "statement"),
    (["x", "~", "x"], "relation"),
    (["x", "<=", "x", "x"], "4 arguments"),
])
def test_check_refusals_exit_2(argv, fragment, capsys):
    assert main(["check", *argv]) == 2
    assert fragment in capsys.readouterr().err


def test_json_inequality_and_domain(capsys):
    assert main(["check", "x/x <= 2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["relation"] == "<=" and out["status"] == "PROVED"
    assert out["domain"]["excluded"] == ["x = 0"] and out["domain"]["excluded_because"] == ["x/x"]
    assert main(["check", "mish(x) <= x", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    v = sp.Rational(out["counterexample"]["x"])
    x = sp.Symbol("x", real=True)
    mish = x * sp.tanh(sp.log(1 + sp.exp(x)))
    assert (mish - x).subs(x, v).evalf(50) > 0
