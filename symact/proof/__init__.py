"""The proof engine: equality decisions, named theorems and derived properties.

- :mod:`symact.proof.result`: ``Status`` and ``Result``;
- :mod:`symact.proof.equal`: ``prove_equal(lhs, rhs, where=...)``;
- :mod:`symact.proof.theorems`: the theorems as data; :mod:`symact.proof.engine` runs them;
- :mod:`symact.proof.properties`: range, continuity, monotonicity of an activation.
"""

from symact.proof.result import Result, Status

__all__ = ["Result", "Status"]
