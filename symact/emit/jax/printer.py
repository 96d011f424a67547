"""JAX printer: the array-framework printer (symact/emit/tensor/printer.py), whose output
calls the runtime's operations, bound to jax.numpy by symact/emit/jax/runtime/ops.py."""

from __future__ import annotations

from symact.emit.tensor.printer import TensorPrinter


class JaxPrinter(TensorPrinter):
    language = "JAX"
