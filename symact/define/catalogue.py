"""The built-in catalogue: one textbook SymPy definition per activation.

Data only.  Each entry states the definition as it appears in its reference,
the parameters with their defaults and constraints, and the value the
x-derivative takes at each non-smooth point (PyTorch's convention: e.g.
relu'(0) = 0, leaky_relu'(0) = negative_slope, hardswish'(+-3) from the middle
branch).  Derivatives, properties and stable forms are derived elsewhere.
"""

from __future__ import annotations

import difflib

import sympy as sp
from sympy import Piecewise, Rational, Sum, erf, exp, log, sqrt, tanh

from symact.define.model import I, J, N, X, XV, Param, ScalarActivation, VectorActivation

x = X


def _p(name, default, doc=""):
    return Param(name, sp.sympify(default), doc)


def _s(name):
    return sp.Symbol(name, real=True)


alpha, beta, a, slope, h0, b = (_s(n) for n in ("alpha", "beta", "a", "negative_slope", "h0", "b"))
min_val, max_val = _s("min_val"), _s("max_val")

#: SELU's fixed-point constants alpha_01 and lambda_01 in the closed form of
#: Klambauer et al. (2017), eqs. (14)-(15): exact, so printers take any precision
#: (1.6732632423543772848170429916717 and 1.0507009873554804934193349852946).
#: Kept as 50-digit Floats evaluated from those closed forms (SELU_*_EXACT).
_E = sp.E
_C = sp.erfc(1 / sqrt(2))
SELU_ALPHA_EXACT = -sqrt(2 / sp.pi) / (_C * sqrt(_E) - 1)
SELU_LAMBDA_EXACT = (1 - sqrt(_E) * _C) * sqrt(2 * sp.pi) / sqrt(
    2 * sp.erfc(sqrt(2)) * _E**2 + sp.pi * _C**2 * _E - 2 * (2 + sp.pi) * _C * sqrt(_E) + sp.pi + 2
)
SELU_ALPHA = sp.Float(sp.N(SELU_ALPHA_EXACT, 50), 50)
SELU_LAMBDA = sp.Float(sp.N(SELU_LAMBDA_EXACT, 50), 50)
#: GELU tanh-approximation cubic coefficient (Hendrycks & Gimpel 2016).
GELU_TANH_C = Rational(44715, 1000000)

_sigmoid = lambda u: 1 / (1 + exp(-u))  # noqa: E731  (the logistic function, as written in the papers)
_softplus = lambda u: log(1 + exp(u))  # noqa: E731
_sum = lambda body: Sum(body, (I, 1, N))  # noqa: E731

GLOROT = "Glorot, Bordes & Bengio (2011), Deep sparse rectifier neural networks, AISTATS"
HENDRYCKS = "Hendrycks & Gimpel (2016), Gaussian Error Linear Units (GELUs), arXiv:1606.08415"
CLEVERT = "Clevert, Unterthiner & Hochreiter (2015), Fast and Accurate Deep Network Learning by ELUs, arXiv:1511.07289"
HOWARD = "Howard et al. (2019), Searching for MobileNetV3, arXiv:1905.02244"

ENTRIES: tuple = (
    # --- seed activations (the rectifier article and its references) -------------
    ScalarActivation(
        name="relu", params=(), constraints=(), reference=GLOROT,
        summary="rectified linear unit, max(0, x)",
        expr=Piecewise((x, x > 0), (0, True)), kinks={0: 0},
    ),
    ScalarActivation(
        name="leaky_relu", params=(_p("negative_slope", Rational(1, 100), "slope for x < 0"),),
        constraints=(), summary="x for x > 0, negative_slope*x otherwise",
        reference="Maas, Hannun & Ng (2013), Rectifier Nonlinearities Improve Neural Network Acoustic Models, ICML",
        expr=Piecewise((x, x > 0), (slope * x, True)), kinks={0: slope},
    ),
    ScalarActivation(
        name="prelu", params=(_p("a", Rational(1, 4), "learned slope for x < 0"),),
        constraints=(), summary="parametric ReLU: x for x > 0, a*x otherwise",
        reference="He, Zhang, Ren & Sun (2015), Delving Deep into Rectifiers, arXiv:1502.01852",
        expr=Piecewise((x, x > 0), (a * x, True)), kinks={0: a},
    ),
    ScalarActivation(
        name="gelu", params=(), constraints=(), reference=HENDRYCKS,
        summary="Gaussian error linear unit, x*Phi(x) (erf form)",
        expr=x / 2 * (1 + erf(x / sqrt(2))),
    ),
    ScalarActivation(
        name="gelu_tanh", params=(), constraints=(), reference=HENDRYCKS,
        summary="GELU, tanh approximation",
        expr=x / 2 * (1 + tanh(sqrt(2 / sp.pi) * (x + GELU_TANH_C * x**3))),
    ),
    ScalarActivation(
        name="silu", params=(), constraints=(), reference=HENDRYCKS + "; Elfwing, Uchibe & Doya (2018), arXiv:1702.03118",
        summary="sigmoid linear unit, x*sigmoid(x)",
        expr=x * _sigmoid(x),
    ),
    ScalarActivation(
        name="softplus", params=(_p("beta", 1, "sharpness"),), constraints=(beta > 0,),
        reference="Dugas et al. (2000), Incorporating second-order functional knowledge for better option pricing, NIPS; " + GLOROT,
        summary="log(1 + exp(beta*x))/beta",
        expr=log(1 + exp(beta * x)) / beta,
    ),
    ScalarActivation(
        name="sigmoid", params=(), constraints=(),
        reference="LeCun, Bottou, Orr & Mueller (1998), Efficient BackProp",
        summary="logistic function, 1/(1 + exp(-x))",
        expr=_sigmoid(x),
    ),
    ScalarActivation(
        name="heaviside", params=(_p("h0", Rational(1, 2), "value at 0"),), constraints=(),
        reference="Heaviside step function (numpy.heaviside convention for the value at 0)",
        summary="0 for x < 0, h0 at 0, 1 for x > 0",
        expr=Piecewise((0, x < 0), (h0, sp.Eq(x, 0)), (1, True)), kinks={0: 0},
    ),
    ScalarActivation(
        name="tanh", params=(), constraints=(), reference="LeCun, Bottou, Orr & Mueller (1998), Efficient BackProp",
        summary="hyperbolic tangent", expr=tanh(x),
    ),
    ScalarActivation(
        name="elu", params=(_p("alpha", 1, "saturation value for x -> -oo is -alpha"),),
        constraints=(alpha >= 0,), reference=CLEVERT,
        summary="x for x > 0, alpha*(exp(x) - 1) otherwise",
        expr=Piecewise((x, x > 0), (alpha * (exp(x) - 1), True)), kinks={0: alpha},
    ),
    ScalarActivation(
        name="srelu", params=(_p("alpha", 1, "shift: the output is at least -alpha"),),
        constraints=(alpha >= 0,), reference=CLEVERT + " (shifted ReLU)",
        summary="shifted ReLU, max(-alpha, x)",
        expr=Piecewise((x, x > -alpha), (-alpha, True)), kinks={-alpha: 0},
    ),
    # --- further activations -------------------------------------------------------
    ScalarActivation(
        name="log_sigmoid", params=(), constraints=(),
        reference="log of the logistic function (PyTorch LogSigmoid)",
        summary="log(1/(1 + exp(-x)))", expr=log(_sigmoid(x)),
    ),
    ScalarActivation(
        name="selu", params=(), constraints=(),
        reference="Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-Normalizing Neural Networks, arXiv:1706.02515",
        summary="lambda*(x for x > 0, alpha*(exp(x) - 1) otherwise), fixed-point constants",
        expr=SELU_LAMBDA * Piecewise((x, x > 0), (SELU_ALPHA * (exp(x) - 1), True)),
        kinks={0: SELU_LAMBDA * SELU_ALPHA},
    ),
    ScalarActivation(
        name="celu", params=(_p("alpha", 1, "saturation value for x -> -oo is -alpha"),),
        constraints=(alpha > 0,),
        reference="Barron (2017), Continuously Differentiable Exponential Linear Units, arXiv:1704.07483",
        summary="x for x > 0, alpha*(exp(x/alpha) - 1) otherwise",
        expr=Piecewise((x, x > 0), (alpha * (exp(x / alpha) - 1), True)), kinks={0: 1},
    ),
    ScalarActivation(
        name="swish", params=(_p("beta", 1, "sharpness"),), constraints=(),
        reference="Ramachandran, Zoph & Le (2017), Searching for Activation Functions, arXiv:1710.05941",
        summary="x*sigmoid(beta*x); beta = 1 is silu", expr=x * _sigmoid(beta * x),
        aliases={"silu": {"beta": 1}},
    ),
    ScalarActivation(
        name="mish", params=(), constraints=(),
        reference="Misra (2019), Mish: A Self Regularized Non-Monotonic Activation Function, arXiv:1908.08681",
        summary="x*tanh(softplus(x))", expr=x * tanh(_softplus(x)),
    ),
    ScalarActivation(
        name="softsign", params=(), constraints=(),
        reference="Bergstra et al. (2009), Quadratic polynomials learn better image features; Glorot & Bengio (2010)",
        summary="x/(1 + |x|)", expr=x / (1 + sp.Abs(x)),
    ),
    ScalarActivation(
        name="relu6", params=(), constraints=(),
        reference="Krizhevsky (2010), Convolutional Deep Belief Networks on CIFAR-10",
        summary="min(max(0, x), 6)",
        expr=Piecewise((0, x <= 0), (6, x >= 6), (x, True)), kinks={0: 0, 6: 0},
    ),
    ScalarActivation(
        name="hardtanh", params=(_p("min_val", -1), _p("max_val", 1)),
        constraints=(max_val > min_val,),
        reference="Collobert (2004), Large Scale Machine Learning, PhD thesis; PyTorch Hardtanh",
        summary="x clipped to [min_val, max_val]",
        expr=Piecewise((min_val, x <= min_val), (max_val, x >= max_val), (x, True)),
        kinks={min_val: 0, max_val: 0},
    ),
    ScalarActivation(
        name="hardsigmoid", params=(), constraints=(), reference=HOWARD,
        summary="relu6(x + 3)/6",
        expr=Piecewise((0, x <= -3), (1, x >= 3), (x / 6 + Rational(1, 2), True)),
        kinks={-3: 0, 3: 0},
    ),
    ScalarActivation(
        name="hardswish", params=(), constraints=(), reference=HOWARD,
        summary="x*relu6(x + 3)/6",
        expr=Piecewise((0, x < -3), (x * (x + 3) / 6, x <= 3), (x, True)),
        kinks={-3: Rational(-1, 2), 3: Rational(3, 2)},
    ),
    ScalarActivation(
        name="squareplus", params=(_p("b", 4, "curvature near 0; b -> 0 gives relu"),),
        constraints=(b > 0,),
        reference="Barron (2021), Squareplus: A Softplus-Like Algebraic Rectifier, arXiv:2112.11687",
        summary="(x + sqrt(x^2 + b))/2", expr=(x + sqrt(x**2 + b)) / 2,
    ),
    # --- vector activations over x[1..n] -------------------------------------------
    VectorActivation(
        name="logsumexp", params=(), constraints=(), output="scalar",
        reference="LogSumExp, the multivariable softplus (rectifier article; Nielsen & Sun 2016)",
        summary="log(sum_i exp(x_i))", expr=log(_sum(exp(XV[I]))),
    ),
    VectorActivation(
        name="softmax", params=(), constraints=(), output="vector",
        reference="Bridle (1990), Probabilistic interpretation of feedforward classification network outputs",
        summary="exp(x_j)/sum_i exp(x_i)", expr=exp(XV[J]) / _sum(exp(XV[I])),
    ),
    VectorActivation(
        name="log_softmax", params=(), constraints=(), output="vector",
        reference="log of the softmax (PyTorch LogSoftmax)",
        summary="x_j - log(sum_i exp(x_i))", expr=XV[J] - log(_sum(exp(XV[I]))),
    ),
)

#: Seed names (the rectifier article): they must always be present.
SEED = ("relu", "leaky_relu", "prelu", "gelu", "gelu_tanh", "silu", "softplus", "sigmoid",
        "heaviside", "tanh", "elu", "srelu", "logsumexp", "softmax")

_BY_NAME = {e.name: e for e in ENTRIES}


class UnknownActivation(KeyError):
    """A name that is not in the catalogue; ``str()`` carries a suggestion."""

    def __str__(self):
        return self.args[0]


def names() -> list[str]:
    """Catalogue names in catalogue order."""
    return [e.name for e in ENTRIES]


def get(name: str):
    """The entry called ``name``; :class:`UnknownActivation` with a suggestion otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        close = difflib.get_close_matches(name, _BY_NAME, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownActivation(f"unknown activation {name!r}{hint}") from None
