"""symact: activation functions from one SymPy definition to proved facts and generated code.

The catalogue (:mod:`symact.catalogue`) holds one textbook definition per
activation; :mod:`symact.derive` differentiates it.  See README.md and DESIGN.md.
"""

from .catalogue import ENTRIES, get, names
from .model import X, ParameterError, ScalarActivation, VectorActivation

__all__ = ["ENTRIES", "get", "names", "X", "ParameterError", "ScalarActivation", "VectorActivation"]
