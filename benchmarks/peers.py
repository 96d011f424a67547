"""The implementations symact is compared with, as module-like namespaces with
symact_numpy's function names (data for ``accuracy_peers.py``).

- ``naive``: the textbook formula in NumPy, as typed from the paper;
- ``scipy``: scipy.special where it has the function (expit, log_expit, ndtr for
  the erf GELU, logsumexp, softmax, log_softmax) and NumPy's own stable helpers
  (logaddexp for softplus);
- ``torch``: torch.nn.functional, derivatives by autograd (only when torch is
  importable; it is never a dependency of symact).

Every result is cast back to the input's dtype (constants such as sqrt(2/pi)
would otherwise promote float32 to float64 in NumPy), and all floating-point
warnings are silenced here: the peers are measured for accuracy only.
"""

from __future__ import annotations

import math
import types

import numpy as np

_C = math.sqrt(2 / math.pi)


def _wrap(fn):
    def wrapped(x, *rest, **kw):
        x = np.asarray(x)
        with np.errstate(all="ignore"):
            out = np.asarray(fn(x, *rest, **kw))
        return out.astype(x.dtype) if out.dtype != x.dtype else out
    return wrapped


def _ns(**fns):
    return types.SimpleNamespace(**{k: _wrap(v) for k, v in fns.items()})


def _erf(x):
    try:
        from scipy.special import erf
        return erf(x)
    except ImportError:  # pragma: no cover
        return np.vectorize(math.erf, otypes=[np.float64])(x)


def naive():
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    return _ns(
        sigmoid=sig,
        sigmoid_grad=lambda x: sig(x) * (1 - sig(x)),
        softplus=lambda x: np.log(1 + np.exp(x)),
        softplus_grad=sig,
        log_sigmoid=lambda x: np.log(sig(x)),
        log_sigmoid_grad=lambda x: 1 - sig(x),
        silu=lambda x: x * sig(x),
        silu_grad=lambda x: sig(x) * (1 + x * (1 - sig(x))),
        tanh=np.tanh,
        tanh_grad=lambda x: 1 - np.tanh(x) ** 2,
        gelu=lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
        gelu_grad=lambda x: 0.5 * (1 + _erf(x / math.sqrt(2))) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi),
        gelu_tanh=lambda x: 0.5 * x * (1 + np.tanh(_C * (x + 0.044715 * x ** 3))),
        elu=lambda x: np.where(x > 0, x, np.exp(x) - 1),
        selu=lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
        mish=lambda x: x * np.tanh(np.log(1 + np.exp(x))),
        softsign=lambda x: x / (1 + np.abs(x)),
        squareplus=lambda x: (x + np.sqrt(x * x + 4)) / 2,
        logsumexp=lambda x, axis=-1: np.log(np.sum(np.exp(x), axis=axis)),
        softmax=lambda x, axis=-1: np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True),
        log_softmax=lambda x, axis=-1: np.log(np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)),
    )


def scipy():
    from scipy import special as s
    return _ns(
        sigmoid=s.expit,
        sigmoid_grad=lambda x: s.expit(x) * s.expit(-x),
        log_sigmoid=s.log_expit,
        softplus=lambda x: np.logaddexp(0, x),
        softplus_grad=s.expit,
        silu=lambda x: x * s.expit(x),
        gelu=lambda x: x * s.ndtr(x),
        gelu_grad=lambda x: s.ndtr(x) + x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi),
        logsumexp=lambda x, axis=-1: s.logsumexp(x, axis=axis),
        softmax=lambda x, axis=-1: s.softmax(x, axis=axis),
        log_softmax=lambda x, axis=-1: s.log_softmax(x, axis=axis),
    )


def torch():
    import torch as t
    import torch.nn.functional as F

    def fwd(fn):
        return lambda x: fn(t.from_numpy(np.ascontiguousarray(x))).numpy()

    def grad(fn):
        def g(x):
            xt = t.from_numpy(np.array(x, copy=True)).requires_grad_(True)
            y = fn(xt)
            y.backward(t.ones_like(y))
            return xt.grad.numpy()
        return g

    def vfwd(fn):
        return lambda x, axis=-1: fn(t.from_numpy(np.ascontiguousarray(x)), axis).numpy()

    def vjp(fn):
        def g(x, gy, axis=-1):
            xt = t.from_numpy(np.array(x, copy=True)).requires_grad_(True)
            y = fn(xt, axis)
            y.backward(t.from_numpy(np.array(gy, copy=True)))
            return xt.grad.numpy()
        return g

    fns = {
        "sigmoid": t.sigmoid, "softplus": F.softplus, "log_sigmoid": F.logsigmoid, "silu": F.silu,
        "tanh": t.tanh, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "elu": F.elu, "selu": F.selu, "celu": F.celu, "mish": F.mish, "softsign": F.softsign,
        "relu": F.relu, "relu6": F.relu6, "hardtanh": F.hardtanh, "hardsigmoid": F.hardsigmoid,
        "hardswish": F.hardswish, "leaky_relu": F.leaky_relu,
    }
    ns = {}
    for name, fn in fns.items():
        ns[name] = fwd(fn)
        ns[f"{name}_grad"] = grad(fn)
    ns["logsumexp"] = vfwd(lambda x, a: t.logsumexp(x, a))
    ns["softmax"] = vfwd(lambda x, a: t.softmax(x, a))
    ns["log_softmax"] = vfwd(lambda x, a: t.log_softmax(x, a))
    ns["logsumexp_grad"] = lambda x, axis=-1: grad(lambda v: t.logsumexp(v, axis))(x)
    ns["softmax_vjp"] = vjp(lambda x, a: t.softmax(x, a))
    ns["log_softmax_vjp"] = vjp(lambda x, a: t.log_softmax(x, a))
    return _ns(**ns)


def available() -> dict:
    """{peer name: namespace} for the peers importable here."""
    out = {"naive NumPy": naive()}
    for name, make in (("SciPy", scipy), ("PyTorch", torch)):
        try:
            out[name] = make()
        except ImportError:
            pass
    return out
