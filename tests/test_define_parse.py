"""The whitelist parser: accepted grammar, and a table of hostile inputs all refused."""

import pytest
import sympy as sp

from symact.define.model import X
from symact.define.parse import (MAX_LENGTH, ParseError, parse_condition, parse_defined, parse_expression,
                                 parse_statement, split_statement)


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


# --- exact literals -------------------------------------------------------------------

@pytest.mark.parametrize("text, exact", [
    ("1.00000000000000000001", sp.Rational(10**20 + 1, 10**20)),
    ("0.1000000000000000000001", sp.Rational(10**21 + 1, 10**22)),
    ("1.0507009873554804934193349852946063519589812043764",
     sp.Rational(10507009873554804934193349852946063519589812043764, 10**49)),
    ("1.5e-3", sp.Rational(3, 2000)),
    ("1E2", sp.Integer(100)),
    ("1_000.5", sp.Rational(2001, 2)),
    (".5", sp.Rational(1, 2)),
    ("5.", sp.Integer(5)),
    ("3e-324", sp.Rational(3, 10**324)),   # rounds to the smallest subnormal: in range, kept exact
    ("1.7976931348623157e308", sp.Rational(17976931348623157, 10**16) * 10**308),
])
def test_decimal_literals_are_exact_rationals(text, exact):
    # the rational the text denotes, never the float64 nearest to it
    assert parse_expression(text) == exact
    assert parse_expression(f"x*{text}") == exact * X


@pytest.mark.parametrize("text, word", [
    ("1e-400", "underflows"), ("-1e-400", "underflows"), ("2e-324", "underflows"),
    ("1e400", "overflows"), ("1.8e308", "overflows"), ("x + 1e999999", "overflows"),
    ("0." + "1" * 81, "significant digits"),
])
def test_literal_outside_the_float_range_refused_with_its_text(text, word):
    with pytest.raises(ParseError, match=word) as err:
        parse_expression(text)
    literal = text.split()[-1].lstrip("-")
    assert repr(literal) in str(err.value)


# --- where an expression is defined ----------------------------------------------------

def _conditions(text, **kw):
    return [(c.expr, c.op, c.guard) for c in parse_defined(text, free_symbols=True, **kw).conditions]


def test_conditions_recorded_before_sympy_simplifies():
    # x/x is 1 to SymPy; the parser keeps x != 0, and exp(log(x)) keeps x > 0
    assert parse_expression("x/x") == 1
    assert _conditions("x/x") == [(X, "!=", sp.true)]
    assert parse_expression("exp(log(x))") == X
    assert _conditions("exp(log(x))") == [(X, ">", sp.true)]
    assert _conditions("sqrt(x)**2") == [(X, ">=", sp.true)]
    assert _conditions("x**-1") == [(X, "!=", sp.true)]
    a = sp.Symbol("a", real=True)
    assert _conditions("x**a") == [(X, ">", sp.true)]
    assert _conditions("log(x) + sqrt(1 - x)") == [(X, ">", sp.true), (1 - X, ">=", sp.true)]


def test_conditions_need_not_hold_where_assumptions_already_show_them():
    assert _conditions("1/(1 + exp(x))") == []
    assert _conditions("sqrt(x**2 + 1)") == []
    assert _conditions("log(1 + exp(x))") == []
    assert _conditions("sigmoid(x) + softplus(x) + gelu(x) + mish(x)") == []


def test_piecewise_branch_conditions_carry_the_branch_guard():
    # 1/x only where x > 0 is taken; the condition is guarded by it
    (expr, op, guard), = _conditions("Piecewise((1/x, x > 0), (0, True))")
    assert (expr, op, guard) == (X, "!=", X > 0)
    # the branch's own condition is not repeated (log(x) under x > 0)
    assert _conditions("Piecewise((log(x), x > 0), (0, True))") == []
    # a later branch is guarded by the earlier conditions being false
    (expr, op, guard), = _conditions("Piecewise((0, x > 1), (log(x), True))")
    assert (expr, op) == (X, ">") and guard == sp.Not(X > 1)


def test_catalogue_activations_bring_their_conditions():
    beta, b = sp.Symbol("beta", real=True), sp.Symbol("b", real=True)
    assert (beta, "!=", sp.true) in _conditions("softplus(x, beta)")
    assert (X**2 + b, ">=", sp.true) in _conditions("squareplus(x, b)")


def test_derivative_and_limit_conditions():
    # d/dx x^(1/3) = 1/(3 x^(2/3)): x >= 0 from the function, x > 0 from the derivative
    assert _conditions("diff(x**(1/3), x)") == [(X, ">=", sp.true), (X, ">", sp.true)]
    # no derivative at a kink: relu, Abs and Max have none at 0 (SymPy's diff would give a value)
    assert _conditions("diff(relu(x), x)") == [(X, "!=", sp.true)]
    assert set(_conditions("diff(Max(x, 1) + Abs(x), x)")) == {(X - 1, "!=", sp.true), (X, "!=", sp.true)}
    alpha = sp.Symbol("alpha", real=True)
    assert _conditions("diff(elu(x, alpha), alpha)") == []  # the branch condition does not involve alpha
    # the limit's own variable is approached, not evaluated: no condition on it survives
    assert parse_expression("limit(x/x, x, 0)") == 1 and _conditions("limit(x/x, x, 0)") == []


@pytest.mark.parametrize("text, word", [
    ("x/0", "division by zero"),
    ("x/(1 - 1)", "division by zero"),
    ("0**-1", "division by zero"),
    ("softplus(x, 0)", "division by zero"),
    ("sqrt(-1)*x", "square root"),
    ("(-8)**(1/3)", "fractional power"),
    ("log(0)", "log"),
    ("log(-x**2 - 1)", "log"),
    ("oo - oo", "undefined"),
    ("0*oo + x", "undefined"),
])
def test_undefined_everywhere_refused(text, word):
    with pytest.raises(ParseError, match=word):
        parse_expression(text, free_symbols=True)


def test_split_statement():
    assert split_statement("mish(x) <= x") == ("mish(x)", "<=", "x")
    assert split_statement(" softplus(x) >= relu(x) ") == ("softplus(x)", ">=", "relu(x)")
    assert split_statement("x == 1") == ("x", "==", "1")
    assert split_statement("softplus(x)") is None
    with pytest.raises(ParseError, match="chain"):
        split_statement("0 < x < 1")
    with pytest.raises(ParseError, match="NotEq"):
        split_statement("x != 1")
    st = parse_statement("x/x", "<", "2")
    assert st.op == "<" and st.lhs.expr == 1 and [c.op for c in st.lhs.conditions] == ["!="]
