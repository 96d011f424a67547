"""PyTorch printer: the array-framework printer (symact/emit/tensor/printer.py), whose
output calls the runtime's operations, bound to torch by symact/emit/torch/runtime/ops.py."""

from __future__ import annotations

from symact.emit.tensor.printer import TensorPrinter


class TorchPrinter(TensorPrinter):
    language = "PyTorch"
