"""Double-word arithmetic for the array frameworks: the NumPy runtime's doubleword.py
(two-sum, Dekker's product, the pair operations; read it for the method), whose rounded
sums pass through the framework's _opaque (an optimisation barrier in JAX, see its
module docstring), plus what only the frameworks' runtime needs.  A generated module
holds that file's functions, without its _opaque and _horner, before this one.
"""

from symact.emit.numpy.runtime.doubleword import (_SPLITTER, _dd_add, _dd_div, _dd_mul, _fast_two_sum,  # noqa: F401
                                                  _mul_err, _split, _two_prod, _two_sum)
from symact.emit.tensor.runtime.ops import _full_like, _opaque


def _shift(u, hi, lo):
    """u - c for c = hi + lo: (u - hi) - lo, the first difference exact near u = c
    (Sterbenz); the shift primitive of symact/stabilise/primitives.py."""
    return _opaque(u - hi) - lo


def _horner(c, u):
    """c[0] + u*(c[1] + u*(c[2] + ...)) in float64."""
    p = _full_like(u, c[-1])
    for a in c[-2::-1]:
        p = p * u + a
    return p
