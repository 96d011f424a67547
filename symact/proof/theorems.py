"""The theorems symact proves, as data: name, statement, activations, source, strategy.

Statements are built from the catalogue's own definitions (never retyped), so a
change to a definition is checked against every theorem about it.  The strategy
names a procedure in :mod:`symact.proof.strategies`; ``where`` restricts the free
symbols; ``options`` carries what the strategy needs beyond the statement (the
breakpoint and order of a continuity claim, the concrete n of a vector claim).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp
from sympy import Derivative, Eq, Heaviside, Limit, Max, Min, exp, log, oo, sqrt, tanh

from symact.define import catalogue
from symact.define.catalogue import SELU_ALPHA_EXACT, SELU_LAMBDA_EXACT
from symact.define.model import XV, I, J, K, N, X, vector_symbols

x = X
S = sp.Symbol


@dataclass(frozen=True)
class Theorem:
    name: str
    statement: sp.Basic
    activations: tuple
    source: str
    strategy: str
    where: sp.Basic = sp.true
    options: tuple = ()

    def option(self, key, default=None):
        return dict(self.options).get(key, default)


def f(name, arg=x, **params):
    """Catalogue definition of ``name`` at ``arg``; parameters given are substituted."""
    entry = catalogue.get(name)
    expr = entry.expr
    subs = {entry.param_symbols[k]: sp.sympify(v) for k, v in params.items()}
    if subs:
        expr = expr.subs(subs)
    return expr.subs(x, arg) if arg is not x else expr


def p(name, param):
    """The symbol of ``param`` of activation ``name``."""
    return catalogue.get(name).param_symbols[param]


def vec(name, n):
    return catalogue.get(name).instantiate(n)


def _eq(lhs, rhs):
    return Eq(lhs, rhs, evaluate=False)


alpha, a_, slope, beta = p("elu", "alpha"), p("prelu", "a"), p("leaky_relu", "negative_slope"), p("softplus", "beta")
c = S("c", real=True)
sig = lambda u: f("sigmoid", u)  # noqa: E731
softplus1 = lambda u: f("softplus", u, beta=1)  # noqa: E731
relu = f("relu")

GLOROT = catalogue.GLOROT
KLAMBAUER = "Klambauer et al. (2017), Self-Normalizing Neural Networks, arXiv:1706.02515, eqs. (4)-(15)"
DUGAS = "Dugas et al. (2000); softplus as the smooth relu (rectifier article)"
LSE = "Nielsen & Sun (2016), Guaranteed bounds on the Kullback-Leibler divergence of univariate mixtures (LogSumExp bounds); Boyd & Vandenberghe (2004), Convex Optimization, 3.1.5"
CLEVERT = catalogue.CLEVERT
BARRON = "Barron (2017), Continuously Differentiable Exponential Linear Units, arXiv:1704.07483"
HE = "He, Zhang, Ren & Sun (2015), arXiv:1502.01852; Goodfellow et al. (2013), Maxout Networks"
HENDRYCKS = catalogue.HENDRYCKS
RAMACHANDRAN = "Ramachandran, Zoph & Le (2017), arXiv:1710.05941"
MISRA = "Misra (2019), Mish, arXiv:1908.08681, eq. (1) and the exp form of its appendix"
HOWARD = catalogue.HOWARD
STD = "standard identity (e.g. Abramowitz & Stegun 4.5)"

_t = S("t", real=True)
PHI = sp.Integral(exp(-_t**2 / 2) / sqrt(2 * sp.pi), (_t, -oo, x))  # standard normal CDF as an integral


def _vector_theorems():
    out = []
    for n in range(2, 7):
        xs = vector_symbols(n)
        lse = vec("logsumexp", n)[0]
        sm = vec("softmax", n)
        out.append(Theorem(
            f"lse_grad_softmax_n{n}",
            _eq(sp.Matrix([[Derivative(lse, xk) for xk in xs]]), sp.Matrix([sm])),
            ("logsumexp", "softmax"), LSE, "vector_gradient", options=(("n", n),)))
        out.append(Theorem(
            f"softmax_sums_to_one_n{n}", _eq(sp.Add(*sm), 1), ("softmax",),
            "Bridle (1990)", "identity"))
        out.append(Theorem(
            f"lse_shift_n{n}",
            _eq(lse.subs({xk: xk + c for xk in xs}, simultaneous=True), lse + c),
            ("logsumexp",), LSE, "identity"))
        out.append(Theorem(
            f"lse_bounds_n{n}", sp.And(Max(*xs) <= lse, lse <= Max(*xs) + log(n)),
            ("logsumexp",), LSE, "lse_bounds", options=(("n", n),)))
    lse_sym = catalogue.get("logsumexp").expr
    sm_sym = catalogue.get("softmax").expr
    out += [
        Theorem("lse_grad_softmax", _eq(Derivative(lse_sym, XV[K]), sm_sym.subs(J, K)),
                ("logsumexp", "softmax"), LSE, "symbolic_n_gradient",
                where=sp.And(K >= 1, K <= N)),
        Theorem("softmax_sums_to_one", _eq(sp.Sum(sm_sym, (J, 1, N)), 1), ("softmax",),
                "Bridle (1990)", "symbolic_n_sum"),
        Theorem("lse_shift", _eq(lse_sym.xreplace({XV[I]: XV[I] + c}), lse_sym + c),
                ("logsumexp",), LSE, "symbolic_n_shift"),
        Theorem("log_softmax_is_x_minus_lse",
                _eq(catalogue.get("log_softmax").expr, XV[J] - lse_sym), ("log_softmax", "logsumexp"),
                "definition of log_softmax (PyTorch)", "symbolic_n_identity"),
    ]
    x1, x2 = vector_symbols(2)
    out += [
        Theorem("lse_two_is_softplus", _eq(vec("logsumexp", 2)[0].subs({x1: 0, x2: x}), softplus1(x)),
                ("logsumexp", "softplus"), DUGAS, "identity"),
        Theorem("softmax_two_is_sigmoid", _eq(vec("softmax", 2)[1].subs({x1: 0, x2: x}), sig(x)),
                ("softmax", "sigmoid"), "Bridle (1990); two-class softmax", "identity"),
    ]
    return out


ALPHA01 = S("alpha01", positive=True)
LAMBDA01 = S("lambda01", positive=True)


def _selu_moments():
    """E[selu(z)] = 0 and E[selu(z)^2] = 1 for z ~ N(0, 1), selu with symbolic constants."""
    z = S("z", real=True)
    phi = exp(-z**2 / 2) / sqrt(2 * sp.pi)
    selu = LAMBDA01 * sp.Piecewise((z, z > 0), (ALPHA01 * (exp(z) - 1), True))
    mean = sp.Integral(selu * phi, (z, -oo, oo))
    second = sp.Integral(selu**2 * phi, (z, -oo, oo))
    return sp.And(_eq(mean, 0), _eq(second, 1))


#: The theorems about scalar activations (built at import: cheap).
_SCALAR: tuple = (
    # --- relu family ---------------------------------------------------------------
    Theorem("relu_is_x_heaviside", _eq(relu, x * Heaviside(x)), ("relu",), GLOROT, "identity"),
    Theorem("relu_positive_scale_invariance", _eq(relu.subs(x, a_ * x), a_ * relu), ("relu",),
            GLOROT, "identity", where=a_ >= 0),
    Theorem("relu_derivative_is_heaviside", _eq(Derivative(relu, x), Heaviside(x)), ("relu",),
            GLOROT, "identity", where=sp.Ne(x, 0)),
    Theorem("leaky_relu_relu_form", _eq(f("leaky_relu"), relu - slope * relu.subs(x, -x)),
            ("leaky_relu", "relu"), "Maas et al. (2013)", "identity"),
    Theorem("leaky_relu_piecewise_linear", _eq(Derivative(f("leaky_relu"), (x, 2)), 0),
            ("leaky_relu",), "Maas et al. (2013)", "identity", where=sp.Ne(x, 0)),
    Theorem("prelu_relu_form", _eq(f("prelu"), relu - a_ * relu.subs(x, -x)), ("prelu", "relu"), HE,
            "identity"),
    Theorem("prelu_piecewise_linear", _eq(Derivative(f("prelu"), (x, 2)), 0), ("prelu",), HE,
            "identity", where=sp.Ne(x, 0)),
    Theorem("prelu_maxout", _eq(f("prelu"), Max(x, a_ * x)), ("prelu",), HE, "identity", where=a_ <= 1),
    Theorem("prelu_minout", _eq(f("prelu"), Min(x, a_ * x)), ("prelu",), HE, "identity", where=a_ >= 1),
    Theorem("relu6_is_clipped_relu", _eq(f("relu6"), Min(Max(0, x), 6)), ("relu6",),
            "Krizhevsky (2010)", "identity"),
    Theorem("hardtanh_is_clip", _eq(f("hardtanh", min_val=-1, max_val=1), Min(Max(-1, x), 1)),
            ("hardtanh",), "PyTorch Hardtanh", "identity"),
    Theorem("hardsigmoid_is_relu6_shifted", _eq(f("hardsigmoid"), f("relu6", x + 3) / 6),
            ("hardsigmoid", "relu6"), HOWARD, "identity"),
    Theorem("hardswish_is_x_hardsigmoid", _eq(f("hardswish"), x * f("hardsigmoid")),
            ("hardswish", "hardsigmoid"), HOWARD, "identity"),
    Theorem("srelu_is_max", _eq(f("srelu"), Max(-p("srelu", "alpha"), x)), ("srelu",), CLEVERT,
            "identity", where=p("srelu", "alpha") >= 0),
    # --- softplus --------------------------------------------------------------------
    Theorem("softplus_derivative_is_sigmoid", _eq(Derivative(softplus1(x), x), sig(x)),
            ("softplus", "sigmoid"), DUGAS, "identity"),
    Theorem("softplus_to_zero_at_minus_infinity", _eq(Limit(softplus1(x), x, -oo), 0), ("softplus",),
            DUGAS, "limit"),
    Theorem("softplus_minus_x_to_zero_at_infinity", _eq(Limit(softplus1(x) - x, x, oo), 0),
            ("softplus",), DUGAS, "limit"),
    Theorem("softplus_odd_part_is_x", _eq(softplus1(x) - softplus1(-x), x), ("softplus",), DUGAS,
            "identity"),
    Theorem("softplus_above_relu_by_at_most_log2",
            sp.And(0 < softplus1(x) - relu, softplus1(x) - relu <= log(2)), ("softplus", "relu"),
            DUGAS, "inequality"),
    Theorem("softplus_beta_is_scaled_softplus", _eq(f("softplus"), softplus1(beta * x) / beta),
            ("softplus",), DUGAS, "identity", where=beta > 0),
    Theorem("softplus_beta_derivative", _eq(Derivative(f("softplus"), x), sig(beta * x)),
            ("softplus", "sigmoid"), DUGAS, "identity", where=beta > 0),
    Theorem("softplus_beta_to_relu_positive", _eq(Limit(f("softplus"), beta, oo), x), ("softplus", "relu"),
            DUGAS, "limit", where=x > 0),
    Theorem("softplus_beta_to_relu_negative", _eq(Limit(f("softplus"), beta, oo), 0),
            ("softplus", "relu"), DUGAS, "limit", where=x < 0),
    Theorem("log_sigmoid_is_minus_softplus", _eq(f("log_sigmoid"), -softplus1(-x)),
            ("log_sigmoid", "softplus"), "PyTorch LogSigmoid", "identity"),
    # --- sigmoid / tanh ---------------------------------------------------------------
    Theorem("sigmoid_beta_to_heaviside", _eq(Limit(sig(beta * x), beta, oo), Heaviside(x)),
            ("sigmoid", "heaviside"), STD, "limit", where=sp.Ne(x, 0)),
    Theorem("sigmoid_symmetry", _eq(sig(-x), 1 - sig(x)), ("sigmoid",), STD, "identity"),
    Theorem("sigmoid_derivative", _eq(Derivative(sig(x), x), sig(x) * sig(-x)), ("sigmoid",), STD,
            "identity"),
    Theorem("sigmoid_derivative_at_zero", _eq(Derivative(sig(x), x).subs(x, 0), sp.Rational(1, 4)),
            ("sigmoid",), STD, "identity"),
    Theorem("tanh_is_scaled_sigmoid", _eq(tanh(x), 2 * sig(2 * x) - 1), ("tanh", "sigmoid"), STD,
            "identity"),
    Theorem("tanh_derivative", _eq(Derivative(f("tanh"), x), 1 - tanh(x)**2), ("tanh",), STD, "identity"),
    # --- ELU / CELU / SELU ------------------------------------------------------------
    Theorem("elu_continuous_at_0", _eq(Limit(f("elu"), x, 0, "-"), Limit(f("elu"), x, 0, "+")),
            ("elu",), CLEVERT, "continuity", where=alpha >= 0, options=(("point", 0), ("order", 0))),
    Theorem("elu_c1_at_0_iff_alpha_1",
            sp.Equivalent(_eq(Limit(Derivative(f("elu"), x), x, 0, "-"),
                              Limit(Derivative(f("elu"), x), x, 0, "+")), Eq(alpha, 1)),
            ("elu",), CLEVERT, "continuity_iff", where=alpha >= 0,
            options=(("point", 0), ("order", 1), ("param", alpha), ("values", sp.FiniteSet(1)))),
    Theorem("elu_derivative_is_elu_plus_alpha", _eq(Derivative(f("elu"), x), f("elu") + alpha), ("elu",),
            CLEVERT, "identity", where=sp.And(x < 0, alpha >= 0)),
    Theorem("elu_to_minus_alpha", _eq(Limit(f("elu"), x, -oo), -alpha), ("elu",), CLEVERT, "limit",
            where=alpha >= 0),
    Theorem("elu_above_srelu", f("srelu", alpha=1) <= f("elu", alpha=1), ("elu", "srelu"), CLEVERT,
            "inequality"),
    Theorem("celu_c1_for_every_alpha",
            _eq(Limit(Derivative(f("celu"), x), x, 0, "-"), Limit(Derivative(f("celu"), x), x, 0, "+")),
            ("celu",), BARRON, "continuity", where=p("celu", "alpha") > 0,
            options=(("point", 0), ("order", 1))),
    Theorem("celu_is_elu_at_alpha_1", _eq(f("celu", alpha=1), f("elu", alpha=1)), ("celu", "elu"), BARRON,
            "identity"),
    Theorem("selu_fixed_point", _selu_moments(), ("selu",), KLAMBAUER, "selu_fixed_point",
            options=(("constants", ((ALPHA01, SELU_ALPHA_EXACT), (LAMBDA01, SELU_LAMBDA_EXACT))),)),
    Theorem("selu_definition_matches", _eq(f("selu"), LAMBDA01 * f("elu", alpha=ALPHA01)), ("selu", "elu"),
            KLAMBAUER, "identity_with_constants",
            options=(("constants", ((ALPHA01, catalogue.SELU_ALPHA), (LAMBDA01, catalogue.SELU_LAMBDA))),)),
    # --- GELU / SiLU / swish / mish ----------------------------------------------------
    Theorem("gelu_is_x_times_normal_cdf", _eq(f("gelu"), x * PHI), ("gelu",), HENDRYCKS, "identity"),
    Theorem("silu_is_x_sigmoid", _eq(f("silu"), x * sig(x)), ("silu", "sigmoid"), HENDRYCKS, "identity"),
    Theorem("silu_is_x_softplus_derivative", _eq(f("silu"), x * Derivative(softplus1(x), x)),
            ("silu", "softplus"), HENDRYCKS, "identity"),
    Theorem("swish_beta_1_is_silu", _eq(f("swish", beta=1), f("silu")), ("swish", "silu"), RAMACHANDRAN,
            "identity"),
    Theorem("mish_is_x_tanh_softplus", _eq(f("mish"), x * tanh(softplus1(x))), ("mish", "softplus"), MISRA,
            "identity"),
    Theorem("mish_exp_form", _eq(f("mish"), x * ((1 + exp(x))**2 - 1) / ((1 + exp(x))**2 + 1)),
            ("mish",), MISRA, "identity"),
    Theorem("gelu_tanh_sigmoid_form",
            _eq(f("gelu_tanh"), x * sig(2 * sqrt(2 / sp.pi) * (x + catalogue.GELU_TANH_C * x**3))),
            ("gelu_tanh", "sigmoid"), HENDRYCKS, "identity"),
    # --- softsign / squareplus ---------------------------------------------------------
    Theorem("softsign_derivative", _eq(Derivative(f("softsign"), x), 1 / (1 + sp.Abs(x))**2),
            ("softsign",), "Glorot & Bengio (2010)", "identity"),
    Theorem("squareplus_above_relu", relu <= f("squareplus"), ("squareplus", "relu"),
            "Barron (2021), arXiv:2112.11687", "inequality", where=p("squareplus", "b") > 0),
    Theorem("squareplus_conjugate_form", _eq(f("squareplus"),
                                             p("squareplus", "b") / (2 * (sqrt(x**2 + p("squareplus", "b")) - x))),
            ("squareplus",), "Barron (2021), arXiv:2112.11687", "identity", where=p("squareplus", "b") > 0),
)

#: The activations the vector theorems are about (``_vector_theorems`` is built on first
#: use: its n = 2..6 instances cost most of this module's time, and ``symact show relu``
#: needs none of them).  tests/test_proof_theorems.py checks this against the theorems.
VECTOR_ABOUT = frozenset({"logsumexp", "softmax", "log_softmax", "softplus", "sigmoid"})


@functools.lru_cache(maxsize=1)
def _vector() -> tuple:
    return tuple(_vector_theorems())


def __getattr__(name: str):
    # THEOREMS (every theorem, catalogue order) is built on first access (PEP 562)
    if name == "THEOREMS":
        return _SCALAR + _vector()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def by_name() -> dict:
    return {t.name: t for t in _SCALAR + _vector()}


def about(activation: str) -> list:
    """Theorems whose ``activations`` include ``activation``."""
    pool = _SCALAR + (_vector() if activation in VECTOR_ABOUT else ())
    return [t for t in pool if activation in t.activations]
