"""Derive: exact derivatives by ``sympy.diff`` (d/dx with the kink convention, d/dparam).

See :mod:`.derivatives`.
"""

from symact.derive.derivatives import (derivatives, grad, grad_param, vector_grad_symbolic,
                                       vector_jacobian)

__all__ = ["derivatives", "grad", "grad_param", "vector_grad_symbolic", "vector_jacobian"]
