"""The whitelist parser: accepted grammar, and a table of hostile inputs all refused."""

import pytest
import sympy as sp

from symact.define.model import X
from symact.define.parse import MAX_LENGTH, ParseError, parse_condition, parse_expression


def test_basic_grammar():
    e = parse_expression("2*x**2 - x/3 + 0.5", free_symbols=True)
    assert sp.simplify(e - (2 * X**2 - X / 3 + sp.Rational(1, 2))) == 0
    assert parse_expression("-x") == -X
    assert parse_expression("exp(x) + log(x) + sqrt(x) + erf(x) + erfc(x) + tanh(x) + Abs(x)") == \
        sp.exp(X) + sp.log(X) + sp.sqrt(X) + sp.erf(X) + sp.erfc(X) + sp.tanh(X) + sp.Abs(X)
    assert parse_expression("Max(x, 0) + Min(x, 1)") == sp.Max(X, 0) + sp.Min(X, 1)
    assert parse_expression("oo") is sp.oo and parse_expression("pi") is sp.pi and parse_expression("E") is sp.E


def test_numbers_are_exact():
    assert parse_expression("0.1") == sp.Rational(1, 10)
    assert parse_expression("1e-20") == sp.Rational(1, 10**20)


def test_free_symbols_only_when_allowed():
    a = parse_expression("a*x", free_symbols=True)
    assert a == sp.Symbol("a", real=True) * X
    with pytest.raises(ParseError, match="unknown name 'a'"):
        parse_expression("a*x")
    assert parse_expression("alpha*x", params={"alpha": 2}) == 2 * X
    assert parse_expression("alpha*x", params={"alpha": None}) == sp.Symbol("alpha", real=True) * X


def test_activations_by_name_with_positional_parameters():
    alpha = sp.Symbol("alpha", real=True)
    e = parse_expression("elu(x, alpha)", free_symbols=True)
    assert e == sp.Piecewise((X, X > 0), (alpha * (sp.exp(X) - 1), True))
    # parameters not given take their defaults
    assert parse_expression("softplus(x)") == sp.log(1 + sp.exp(X))
    assert parse_expression("relu(2*x)") == sp.Piecewise((2 * X, 2 * X > 0), (0, True))


def test_diff_limit_piecewise_heaviside():
    assert parse_expression("diff(x**3, x)") == 3 * X**2
    assert parse_expression("diff(x**3, x, 2)") == 6 * X
    assert parse_expression("limit(elu(x), x, -oo)") == -1
    assert parse_expression("limit(relu(x), x, 0)") == 0
    pw = parse_expression("Piecewise((x, x > 0), (0, True))")
    assert pw == sp.Piecewise((X, X > 0), (0, True))
    assert parse_expression("Heaviside(x)") == sp.Heaviside(X)


def test_conditions():
    alpha = sp.Symbol("alpha", real=True)
    c = parse_condition("x > 0 and alpha >= 1")
    assert c == sp.And(X > 0, alpha >= 1)
    assert parse_condition("x < -1 or x > 1") == sp.Or(X < -1, X > 1)
    assert parse_condition("0 < x < 1") == sp.And(sp.Lt(0, X), sp.Lt(X, 1))
    with pytest.raises(ParseError):
        parse_condition("x + 1")


HOSTILE = [
    "__import__('os').system('echo hi')",
    "__import__",
    "x.__class__",
    "x.real",
    "().__class__.__bases__[0]",
    "exp.__globals__",
    "[x for x in ()]",
    "x[0]",
    "lambda: 1",
    "(lambda y: y)(x)",
    "'x'",
    "b'x'",
    "f'{x}'",
    "exp(x=1)",
    "exp(*x)",
    "Max(**x)",
    "eval('1')",
    "exec('1')",
    "open('/etc/passwd')",
    "getattr(x, 'real')",
    "sympify('x')",
    "foo(x)",
    "logsumexp(x)",
    "softmax(x)",
    "x if x else 1",
    "(y := 1)",
    "{1: 2}",
    "{x}",
    "[x]",
    "x % 2",
    "x // 2",
    "x @ x",
    "x << 1",
    "~x",
    "not x",
    "x > 0",
    "True",
    "None",
    "1j",
    "...",
    "_x",
    "x.__dict__",
    "exp",
    "exp(x, x)",
    "elu(x, 1, 2)",
    "diff(x, 2)",
    "diff(x, x, 100)",
    "10**10**10",
    "x**100000",
    "(x + 1)**65",
    "9" * 60,
    "exp(" * 200 + "x" + ")" * 200,
    "-" * 300 + "x",
    "+".join(["x"] * 1000),
    "x" * (MAX_LENGTH + 1),
    "",
    "1 +",
    "Piecewise(x)",
    "Piecewise((x, 1))",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:30]) for t in HOSTILE])
def test_hostile_input_refused(text):
    with pytest.raises(ParseError) as err:
        parse_expression(text, free_symbols=True)
    assert str(err.value)


def test_refusal_messages_name_the_problem():
    for text, word in [("x.real", "attribute"), ("x[0]", "subscript"), ("lambda: 1", "lambda"),
                       ("'x'", "literal"), ("foo(x)", "unknown function"), ("exp(x=1)", "keyword"),
                       ("__import__('os')", "__import__"), ("exp(*x)", "starred")]:
        with pytest.raises(ParseError, match=word):
            parse_expression(text, free_symbols=True)


def test_no_eval_or_sympify_on_raw_text(monkeypatch):
    import builtins
    calls = []
    monkeypatch.setattr(builtins, "eval", lambda *a, **k: calls.append(a))
    monkeypatch.setattr(sp, "sympify", lambda *a, **k: calls.append(a))
    parse_expression("softplus(x) + 2*x", free_symbols=True)
    assert not [c for c in calls if c and isinstance(c[0], str)]
