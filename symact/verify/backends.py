"""The implementations under test: each backend of :mod:`symact.emit.registry`, loaded
through its ``load()`` (an object with the ``symact_numpy`` API), and the one call
that measures a function of it (output, warnings, error)."""

from __future__ import annotations

import warnings

import numpy as np

from symact.emit import registry

#: The backends verify knows, in registry order.
BACKENDS = registry.NAMES

_LOADED: dict = {}


class BackendError(RuntimeError):
    """A backend that cannot be loaded (not generated yet, no compiler, ...)."""


def register(name: str, module) -> None:
    """Use ``module`` (any object with the kernel functions) as backend ``name``."""
    _LOADED[name] = module


def load(name: str, out_dir=None, kernels=None, library: str = "symact"):
    """Backend ``name``'s generated code in ``out_dir`` (None: what ships with symact)."""
    key = (name, None if out_dir is None else str(out_dir), library)
    if out_dir is None and name in _LOADED:
        return _LOADED[name]
    if key in _LOADED:
        return _LOADED[key]
    try:
        backend = registry.get(name)
    except KeyError as err:
        raise BackendError(str(err)) from None
    reason = backend.unavailable()
    if reason:
        raise BackendError(f"backend {name}: {reason}")
    try:
        mod = backend.load(out_dir, kernels, library)
    except Exception as err:  # ImportError, compiler failure, ...
        raise BackendError(f"backend {name}: {type(err).__name__}: {err}") from err
    _LOADED[key] = mod
    return mod


def call(module, function: str, *args, **kwargs):
    """``(output ndarray or None, warning messages, error message or None)``."""
    fn = getattr(module, function, None)
    if fn is None:
        return None, [], f"{function} is missing"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(all="warn"):
                out = fn(*args, **kwargs)
        except Exception as err:
            return None, [str(w.message) for w in caught], f"{type(err).__name__}: {err}"
    return np.asarray(out), [f"{w.category.__name__}: {w.message}" for w in caught], None
