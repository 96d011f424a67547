"""Load a generated NumPy module: the installed ``symact_numpy``, or a file from a directory.

A module loaded from a directory is imported under its own name (``<library>_numpy``
plus a counter), never as the installed ``symact_numpy``, so what was just generated
is what gets measured.
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
from pathlib import Path

_COUNTER = itertools.count()


def load(out_dir=None, library: str = "symact"):
    """``import symact_numpy`` when ``out_dir`` is None, else ``out_dir/<library>_numpy.py``."""
    if out_dir is None:
        return importlib.import_module(f"{library}_numpy")
    path = Path(out_dir) / f"{library}_numpy.py"
    if not path.is_file():
        raise FileNotFoundError(f"no generated NumPy module at {path}")
    name = f"_{library}_numpy_loaded_{next(_COUNTER)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
