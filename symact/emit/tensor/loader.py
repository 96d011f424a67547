"""Loading a generated framework module, and the symact_numpy API over it (what verify measures).

``import_generated(out_dir, library, suffix)`` imports ``<library>_<suffix>.py``: the
installed module when ``out_dir`` is None, else the file, under a name of its own
(never the installed one), so what was just generated is what gets measured.
``numpy_api(module, kernels, to_framework, to_numpy, name)`` wraps its functions:
numpy arrays in (float32 stays float32, float64 stays, integers and bools become
float64), numpy arrays out, parameters as keywords, vector kernels along ``axis``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import itertools
import types
from pathlib import Path

import numpy as np

_COUNTER = itertools.count()


def missing(framework: str) -> str | None:
    """Why ``framework`` cannot be used here (not installed), or None."""
    if importlib.util.find_spec(framework) is None:
        return f"{framework} is not installed (pip install 'symact[{framework}]')"
    return None


def import_generated(out_dir, library: str, suffix: str):
    """``import <library>_<suffix>`` when ``out_dir`` is None, else that file of ``out_dir``."""
    if out_dir is None:
        return importlib.import_module(f"{library}_{suffix}")
    path = Path(out_dir) / f"{library}_{suffix}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no generated {suffix} module at {path}")
    spec = importlib.util.spec_from_file_location(f"_{library}_{suffix}_loaded_{next(_COUNTER)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _asfloat(x):
    a = np.asarray(x)
    if a.dtype == np.float32 or a.dtype == np.float64:
        return a
    if a.dtype.kind in "biuf":
        return a.astype(np.float64)
    raise TypeError(f"expected real numbers, got an array of dtype {a.dtype}")


def numpy_api(module, kernels, to_framework, to_numpy, name: str, around=None):
    """An object with the symact_numpy API over ``module``'s functions for ``kernels``.

    ``to_framework(ndarray)`` and ``to_numpy(array)`` convert; ``name`` is the module's
    name for the axis argument; ``around`` (a context manager factory, optional) wraps
    every call (JAX: float64 enabled)."""
    around = around or _nothing
    api = types.SimpleNamespace(__file__=getattr(module, "__file__", None), module=module)
    for spec in kernels:
        fn = getattr(module, spec.name)
        if spec.vector and spec.takes_g:
            def call(x, g, axis=-1, _fn=fn):
                with around():
                    return to_numpy(_fn(to_framework(_asfloat(x)), to_framework(_asfloat(g)), **{name: axis}))
        elif spec.vector:
            def call(x, axis=-1, _fn=fn):
                with around():
                    return to_numpy(_fn(to_framework(_asfloat(x)), **{name: axis}))
        else:
            def call(x, _fn=fn, **kw):
                with around():
                    return to_numpy(_fn(to_framework(_asfloat(x)), **kw))
        setattr(api, spec.name, functools.wraps(fn)(call))
    api.__all__ = [spec.name for spec in kernels]
    return api


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
