"""The naive NumPy formula of every generated kernel, at the catalogue's default
parameters: what a NumPy user types from the paper (data for ``numpy_speed.py``).

Textbook forms (``1/(1 + exp(-x))``, ``log1p(exp(x))``, ``s*(1 - s)``,
``1 - tanh(x)**2``), ``numpy.where`` for the piecewise ones, ``numpy.clip`` for
the clamps, the max-shifted ``exp(x - max)/sum`` for the vector kernels; GELU's
erf from ``scipy.special`` (None when SciPy is not installed: NumPy has no erf).
They compute in the input's dtype (Python-float constants do not promote
float32 in NumPy 2) and are neither stable nor warning-free: the speed
benchmark calls them under ``numpy.errstate(all="ignore")``.
"""

from __future__ import annotations

import math

import numpy as np

_C = math.sqrt(2 / math.pi)            # GELU tanh form
_K = 0.044715
_SQRT2 = math.sqrt(2.0)
_ISQRT2PI = 1 / math.sqrt(2 * math.pi)
_LAM, _ALPHA = 1.0507009873554805, 1.6732632423543772   # SELU (Klambauer et al. 2017)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _logsumexp(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(m, axis) + np.log(np.sum(np.exp(x - m), axis=axis))


def _gelu_tanh_grad(x):
    t = np.tanh(_C * (x + _K * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _C * (1 + 3 * _K * x * x)


def _mish_grad(x):
    t = np.tanh(np.log1p(np.exp(x)))
    return t + x * (1 - t * t) * _sig(x)


def _erf_forms():
    try:
        from scipy.special import erf
    except ImportError:
        return {"gelu": None, "gelu_grad": None}
    return {
        "gelu": lambda x: x / 2 * (1 + erf(x / _SQRT2)),
        "gelu_grad": lambda x: (1 + erf(x / _SQRT2)) / 2 + x * np.exp(-x * x / 2) * _ISQRT2PI,
    }


def _step(cond, x):
    return cond.astype(x.dtype)


NAIVE = {
    "relu": lambda x: np.maximum(x, 0),
    "relu_grad": lambda x: _step(x > 0, x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "leaky_relu_grad": lambda x: np.where(x > 0, 1.0, 0.01).astype(x.dtype),
    "leaky_relu_grad_negative_slope": lambda x: np.where(x > 0, 0, x),
    "prelu": lambda x: np.where(x > 0, x, 0.25 * x),
    "prelu_grad": lambda x: np.where(x > 0, 1.0, 0.25).astype(x.dtype),
    "prelu_grad_a": lambda x: np.where(x > 0, 0, x),
    **_erf_forms(),
    "gelu_tanh": lambda x: 0.5 * x * (1 + np.tanh(_C * (x + _K * x ** 3))),
    "gelu_tanh_grad": _gelu_tanh_grad,
    "silu": lambda x: x * _sig(x),
    "silu_grad": lambda x: _sig(x) * (1 + x * (1 - _sig(x))),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softplus_grad": _sig,
    "softplus_grad_beta": lambda x: x * _sig(x) - np.log1p(np.exp(x)),
    "sigmoid": _sig,
    "sigmoid_grad": lambda x: _sig(x) * (1 - _sig(x)),
    "heaviside": lambda x: np.heaviside(x, 0.5),
    "heaviside_grad": np.zeros_like,
    "heaviside_grad_h0": lambda x: _step(x == 0, x),
    "tanh": np.tanh,
    "tanh_grad": lambda x: 1 - np.tanh(x) ** 2,
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "elu_grad": lambda x: np.where(x > 0, 1, np.exp(x)),
    "elu_grad_alpha": lambda x: np.where(x > 0, 0, np.exp(x) - 1),
    "srelu": lambda x: np.maximum(x, -1.0),
    "srelu_grad": lambda x: _step(x > -1, x),
    "srelu_grad_alpha": lambda x: np.where(x > -1, 0.0, -1.0).astype(x.dtype),
    "log_sigmoid": lambda x: np.log(_sig(x)),
    "log_sigmoid_grad": lambda x: 1 - _sig(x),
    "selu": lambda x: _LAM * np.where(x > 0, x, _ALPHA * (np.exp(x) - 1)),
    "selu_grad": lambda x: _LAM * np.where(x > 0, 1, _ALPHA * np.exp(x)),
    "celu": lambda x: np.where(x > 0, x, np.exp(x / 1.0) - 1),
    "celu_grad": lambda x: np.where(x > 0, 1, np.exp(x / 1.0)),
    "celu_grad_alpha": lambda x: np.where(x > 0, 0, np.exp(x) - 1 - x * np.exp(x)),
    "swish": lambda x: x * _sig(1.0 * x),
    "swish_grad": lambda x: _sig(x) + x * _sig(x) * (1 - _sig(x)),
    "swish_grad_beta": lambda x: x * x * _sig(x) * (1 - _sig(x)),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "mish_grad": _mish_grad,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "softsign_grad": lambda x: 1 / (1 + np.abs(x)) ** 2,
    "relu6": lambda x: np.clip(x, 0, 6),
    "relu6_grad": lambda x: _step((x > 0) & (x < 6), x),
    "hardtanh": lambda x: np.clip(x, -1, 1),
    "hardtanh_grad": lambda x: _step((x > -1) & (x < 1), x),
    "hardtanh_grad_min_val": lambda x: _step(x <= -1, x),
    "hardtanh_grad_max_val": lambda x: _step(x >= 1, x),
    "hardsigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "hardsigmoid_grad": lambda x: np.where((x > -3) & (x < 3), 1 / 6, 0).astype(x.dtype),
    "hardswish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hardswish_grad": lambda x: np.where(x < -3, 0, np.where(x > 3, 1, (2 * x + 3) / 6)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "squareplus_grad": lambda x: (1 + x / np.sqrt(x * x + 4)) / 2,
    "squareplus_grad_b": lambda x: 1 / (4 * np.sqrt(x * x + 4)),
    "logsumexp": _logsumexp,
    "logsumexp_grad": _softmax,
    "softmax": _softmax,
    "log_softmax": lambda x, axis=-1: x - np.expand_dims(_logsumexp(x, axis), axis),
    "softmax_vjp": lambda x, g, axis=-1: (lambda y: y * (g - np.sum(g * y, axis=axis, keepdims=True)))(
        _softmax(x, axis)),
    "log_softmax_vjp": lambda x, g, axis=-1: g - _softmax(x, axis) * np.sum(g, axis=axis, keepdims=True),
}
