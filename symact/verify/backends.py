"""The implementations under test: ``numpy`` = ``import symact_numpy`` (the generated
module), ``c`` = :func:`symact.cbuild.load` (the generated C through ctypes, same
functions and signatures).  A test may register its own module-like object."""

from __future__ import annotations

import importlib
import warnings

import numpy as np

BACKENDS = ("numpy", "c")

_LOADED: dict = {}


class BackendError(RuntimeError):
    """A backend that cannot be loaded (not generated yet, no compiler, ...)."""


def register(name: str, module) -> None:
    """Use ``module`` (any object with the kernel functions) as backend ``name``."""
    _LOADED[name] = module


def load(name: str):
    if name in _LOADED:
        return _LOADED[name]
    try:
        if name == "numpy":
            mod = importlib.import_module("symact_numpy")
        elif name == "c":
            from .. import cbuild  # emit's module; compiles into a cache keyed by source hash
            mod = cbuild.load()
        else:
            raise BackendError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    except BackendError:
        raise
    except Exception as err:  # ImportError, compiler failure, ...
        raise BackendError(f"backend {name}: {type(err).__name__}: {err}") from err
    _LOADED[name] = mod
    return mod


def load_numpy_from(directory, module_name: str = "symact_numpy_generated"):
    """The generated NumPy module in ``directory/symact_numpy.py``, imported under
    ``module_name`` rather than as the installed ``symact_numpy``, so that what was
    just generated is what gets measured."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(module_name, Path(directory) / "symact_numpy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
